//! The push webhook flow end to end, with the callback crypto written again, independently, in
//! this test (not the emulator's own module).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use axum::extract::{Query, State};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use common::{code, config, H};
use serde_json::json;
use sha1::Digest;

const TOKEN: &str = "hooktoken";
const AES_KEY: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ";

fn sha1_sorted(parts: &[&str]) -> String {
    let mut v: Vec<&str> = parts.to_vec();
    v.sort();
    let mut h = sha1::Sha1::new();
    h.update(v.concat().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn key() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(format!("{AES_KEY}=")).unwrap()
}

fn decrypt(b64: &str) -> (String, String) {
    let k = key();
    let ct = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let mut buf = ct.clone();
    let pt = cbc::Decryptor::<aes::Aes256>::new_from_slices(&k, &k[..16])
        .unwrap()
        .decrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut buf)
        .unwrap()
        .to_vec();
    let pad = *pt.last().unwrap() as usize;
    assert!((1..=32).contains(&pad));
    let pt = &pt[..pt.len() - pad];
    let n = u32::from_be_bytes(pt[16..20].try_into().unwrap()) as usize;
    (String::from_utf8(pt[20..20 + n].to_vec()).unwrap(), String::from_utf8(pt[20 + n..].to_vec()).unwrap())
}

fn encrypt(xml: &str, appid: &str) -> String {
    let k = key();
    let mut pt = vec![3u8; 16];
    pt.extend_from_slice(&(xml.len() as u32).to_be_bytes());
    pt.extend_from_slice(xml.as_bytes());
    pt.extend_from_slice(appid.as_bytes());
    let pad = 32 - pt.len() % 32;
    pt.extend(std::iter::repeat_n(pad as u8, pad));
    let len = pt.len();
    let ct = cbc::Encryptor::<aes::Aes256>::new_from_slices(&k, &k[..16])
        .unwrap()
        .encrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut pt, len)
        .unwrap()
        .to_vec();
    base64::engine::general_purpose::STANDARD.encode(ct)
}

fn field(xml: &str, tag: &str) -> Option<String> {
    let s = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let e = s + xml[s..].find(&format!("</{tag}>"))?;
    let v = &xml[s..e];
    Some(v.trim_start_matches("<![CDATA[").trim_end_matches("]]>").to_string())
}

#[derive(Clone, Default)]
struct Hook {
    safe: bool,
    appid: String,
    received: Arc<Mutex<Vec<String>>>,
}

async fn hook(State(hk): State<Hook>, Query(q): Query<HashMap<String, String>>, body: String) -> String {
    let (ts, nonce) = (q["timestamp"].clone(), q["nonce"].clone());
    assert_eq!(q["signature"], sha1_sorted(&[TOKEN, &ts, &nonce]), "bad signature");
    let xml = if hk.safe {
        assert_eq!(q.get("encrypt_type").map(String::as_str), Some("aes"));
        let enc = field(&body, "Encrypt").expect("Encrypt");
        assert_eq!(field(&body, "ToUserName").as_deref(), Some("gh_emulator"));
        assert_eq!(q["msg_signature"], sha1_sorted(&[TOKEN, &ts, &nonce, &enc]), "bad msg_signature");
        let (xml, appid) = decrypt(&enc);
        assert_eq!(appid, hk.appid);
        xml
    } else {
        body
    };
    hk.received.lock().unwrap().push(xml.clone());
    let from = field(&xml, "FromUserName").unwrap();
    let reply = match field(&xml, "Content").as_deref() {
        Some("to a") => format!(
            "<xml><ToUserName><![CDATA[{from}]]></ToUserName><FromUserName><![CDATA[gh_emulator]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType><TransInfo><KfAccount><![CDATA[a@x]]></KfAccount></TransInfo></xml>"
        ),
        Some("queue") => format!(
            "<xml><ToUserName><![CDATA[{from}]]></ToUserName><FromUserName><![CDATA[gh_emulator]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>"
        ),
        Some("echo") => format!(
            "<xml><ToUserName><![CDATA[{from}]]></ToUserName><FromUserName><![CDATA[gh_emulator]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[echo!]]></Content></xml>"
        ),
        _ => return "success".into(),
    };
    if !hk.safe {
        return reply;
    }
    let enc = encrypt(&reply, &hk.appid);
    let (rts, rnonce) = ("1700000000", "4242");
    let sig = sha1_sorted(&[TOKEN, rts, rnonce, &enc]);
    format!("<xml><Encrypt><![CDATA[{enc}]]></Encrypt><MsgSignature><![CDATA[{sig}]]></MsgSignature><TimeStamp>{rts}</TimeStamp><Nonce><![CDATA[{rnonce}]]></Nonce></xml>")
}

async fn start_hook(hk: Hook) -> String {
    let app = Router::new().route("/hook", post(hook)).with_state(hk);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}/hook")
}

async fn wait_for(received: &Arc<Mutex<Vec<String>>>, needle: &str) -> String {
    for _ in 0..200 {
        if let Some(x) = received.lock().unwrap().iter().find(|x| x.contains(needle)) {
            return x.clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no push containing {needle}");
}

#[tokio::test]
async fn safe_mode_transfer_to_named_kf() {
    let mut cfg = config();
    let hk = Hook { safe: true, appid: cfg.appid.clone(), ..Default::default() };
    cfg.webhook_url = Some(start_hook(hk.clone()).await);
    cfg.callback_token = TOKEN.into();
    cfg.aes_key = Some(AES_KEY.into());
    let h = H::with(cfg).await;
    h.add_kf("a@x").await;
    h.bind("a@x").await;
    h.online("a@x").await;
    let r = h.user_says("u1", "to a").await;
    assert_eq!(r["push"]["delivered"], true, "{r}");
    assert_eq!(r["push"]["status"], 200);
    assert_eq!(r["push"]["reply_kind"], "transfer_customer_service");
    assert_eq!(r["push"]["applied"]["action"], "session_created");
    let pushed = wait_for(&hk.received, "<Content><![CDATA[to a]]>").await;
    assert!(pushed.contains("<FromUserName><![CDATA[u1]]></FromUserName>"));
    assert!(pushed.contains("<MsgId>"));
    // state changed: in session with a@x, not waiting
    assert_eq!(h.get("/customservice/kfsession/getsession", "openid=u1").await["kf_account"], "a@x");
    assert_eq!(h.get("/customservice/kfsession/getwaitcase", "").await["count"], 0);
    let ev = wait_for(&hk.received, "kf_create_session").await;
    assert!(ev.contains("<KfAccount><![CDATA[a@x]]></KfAccount>"));
    // closing the session pushes kf_close_session
    let v = h.post("/customservice/kfsession/close", json!({"kf_account":"a@x","openid":"u1"})).await;
    assert_eq!(code(&v), 0);
    wait_for(&hk.received, "kf_close_session").await;
    // a subscribe event is pushed too
    let r = h.admin("user/event", json!({"openid":"u9","event":"subscribe"})).await;
    assert_eq!(r["push"]["reply_kind"], "none");
    wait_for(&hk.received, "<Event><![CDATA[subscribe]]></Event>").await;
    let log = h.admin_get("pushes").await;
    assert!(log["pushes"].as_array().unwrap().len() >= 4);
}

#[tokio::test]
async fn plain_mode_queue_and_text_reply() {
    let mut cfg = config();
    let hk = Hook { safe: false, appid: cfg.appid.clone(), ..Default::default() };
    cfg.webhook_url = Some(start_hook(hk.clone()).await);
    cfg.callback_token = TOKEN.into();
    let h = H::with(cfg).await;
    let r = h.user_says("u1", "hello").await;
    assert_eq!(r["push"]["reply_kind"], "none");
    assert_eq!(h.get("/customservice/kfsession/getwaitcase", "").await["count"], 0);
    let r = h.user_says("u1", "queue").await;
    assert_eq!(r["push"]["reply_kind"], "transfer_customer_service");
    assert_eq!(r["push"]["applied"]["action"], "queued");
    assert_eq!(h.get("/customservice/kfsession/getwaitcase", "").await["count"], 1);
    let r = h.user_says("u2", "echo").await;
    assert_eq!(r["push"]["reply_kind"], "text");
    let d = h.admin_get("deliveries").await;
    assert_eq!(d["deliveries"][0]["body"]["text"]["content"], "echo!");
}

#[tokio::test]
async fn unreachable_webhook_is_reported() {
    let mut cfg = config();
    cfg.webhook_url = Some("http://127.0.0.1:9/nothing".into());
    cfg.push_timeout_ms = 500;
    let h = H::with(cfg).await;
    let r = h.user_says("u1", "hi").await;
    assert_eq!(r["push"]["delivered"], false);
    assert!(r["push"]["error"].is_string());
    // the message stays with the developer (no reply, no transfer), but the user wrote in:
    // a kf message may answer
    assert_eq!(h.get("/customservice/kfsession/getwaitcase", "").await["count"], 0);
    assert_eq!(code(&h.send_text("u1", "sorry for the wait").await), 0);
}
