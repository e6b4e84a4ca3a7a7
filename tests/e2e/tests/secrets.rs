//! Secrets never leak: the AppSecret, access tokens (issued, provided and fixed) and the
//! EncodingAESKey are unique markers; every operation and every error path runs with TRACE
//! logging captured, and the logs, every `Debug`, every error's text and every URL the client
//! could print are scanned for the markers.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use wxkf::callback::ReplayGuard;
use wxkf::client::{CachedToken, TokenProvider};
use wxkf::{CallbackConfig, ClientConfig, KfError, Message, PushQuery, UrlQuery};
use wxkf_e2e::{Harness, APPID};

const SECRET_MARKER: &str = "SECRETMARKERappsecret9d1c";
const PROVIDED_MARKER: &str = "TOKENMARKERprovided5e27";
const FIXED_MARKER: &str = "TOKENMARKERfixed83b0";
/// 43 characters of the base64 alphabet, as an EncodingAESKey must be.
const AES_MARKER: &str = "AESMARKERaesmarkerAESMARKERaesmarker0123456";
const USER: &str = "oSECRET_user_01";
const KF: &str = "erin@gh_emulator";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A broker that always hands out the same marker token (the emulator refuses it: 40001).
struct MarkerBroker;

#[async_trait::async_trait]
impl TokenProvider for MarkerBroker {
    async fn token(&self, _failed: Option<&str>) -> Result<CachedToken, KfError> {
        Ok(CachedToken { access_token: PROVIDED_MARKER.into(), expires_at_ms: i64::MAX / 2, obtained_at_ms: 0 })
    }
}

/// Everything a user could print: `Debug` and `Display` of the result or the error.
fn show<T: std::fmt::Debug>(out: &mut String, what: &str, r: &Result<T, KfError>) {
    match r {
        Ok(v) => out.push_str(&format!("{what} ok: {v:?}\n")),
        Err(e) => out.push_str(&format!("{what} err: {e} | {e:?} | {}\n", e.code_name())),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_appears_in_logs_debug_errors_or_urls() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let h = Harness::start(|c| {
        c.secret = SECRET_MARKER.into();
        c.aes_key = Some(AES_MARKER.into());
    })
    .await
    .expect("emulator");
    let mut out = String::new();
    let config = ClientConfig::stable(APPID, SECRET_MARKER);
    out.push_str(&format!("{config:?}\n"));
    let c = h.client_with(config, Duration::from_millis(300)).expect("client");
    out.push_str(&format!("{c:?}\n"));

    // Every operation, successes and WeChat's refusals alike.
    h.admin("user/message", json!({"openid": USER, "content": "hi"})).await;
    // The user pays: an unlimited 48-hour window for every send below.
    h.admin("user/payment", json!({"openid": USER})).await;
    show(&mut out, "add", &c.add_kf_account(KF, "Erin").await);
    show(&mut out, "add again (65406)", &c.add_kf_account(KF, "Erin").await);
    show(&mut out, "update", &c.update_kf_account(KF, "Erin 2").await);
    show(&mut out, "invite", &c.invite_worker(KF, "erin_wx").await);
    show(&mut out, "head", &c.upload_kf_head_img(KF, vec![0xFF, 0xD8, 0xFF, 0xD9]).await);
    show(&mut out, "list", &c.get_kf_list().await);
    show(&mut out, "online", &c.get_kf_online_list().await);
    h.admin("kf/invitation", json!({"kf_account": KF, "accept": true})).await;
    h.admin("kf/online", json!({"kf_account": KF})).await;
    show(&mut out, "create session", &c.create_kf_session(KF, USER).await);
    show(&mut out, "get session", &c.get_kf_session(USER).await);
    show(&mut out, "session list", &c.get_kf_session_list(KF).await);
    show(&mut out, "wait", &c.get_wait_case_list().await);
    show(&mut out, "typing", &c.send_typing(USER, wxkf::api::message::send_typing::TypingCommand::Typing).await);
    show(&mut out, "send", &c.send_message(USER, Message::text("hello").from_kf(KF)).await);
    show(&mut out, "send to a stranger", &c.send_message("oNobody", Message::text("x")).await);
    let now = h.admin_get("clock").await["now"].as_i64().unwrap_or(0);
    show(&mut out, "records", &c.get_msg_list(now - 3600, now + 60, 1, 100).await);
    show(&mut out, "close session", &c.close_kf_session(KF, USER).await);
    show(&mut out, "del", &c.del_kf_account(KF).await);
    // Validation, HTTP, timeout and quota failures.
    show(&mut out, "bad kf", &c.add_kf_account("no-at-sign", "x").await);
    h.fault(json!({"path": "/cgi-bin/customservice/getkflist", "kind": "http_status", "status": 502, "count": 3}))
        .await;
    show(&mut out, "502", &c.get_kf_list().await);
    h.fault(json!({"path": "/cgi-bin/message/custom/send", "kind": "latency_ms", "ms": 500, "count": 1})).await;
    show(&mut out, "timeout", &c.send_message(USER, Message::text("slow")).await);
    h.fault(json!({"path": "/cgi-bin/message/custom/send", "kind": "quota"})).await;
    show(&mut out, "quota", &c.send_message(USER, Message::text("quota")).await);
    // A token refresh after invalidation, and a failed token call (wrong secret).
    h.fault(json!({"path": "/cgi-bin/customservice/getkflist", "kind": "invalidate_token"})).await;
    show(&mut out, "refreshed", &c.get_kf_list().await);
    let wrong = h.client_with(ClientConfig::classic(APPID, "wrong-secret"), Duration::from_secs(2)).expect("client");
    show(&mut out, "wrong secret", &wrong.get_kf_list().await);
    // Nobody listening: the transport error must not carry the URL's access_token.
    let closed = wxkf_native::client(ClientConfig::fixed(FIXED_MARKER).base_url("http://127.0.0.1:9")).expect("client");
    out.push_str(&format!("{closed:?}\n"));
    show(&mut out, "connection refused", &closed.get_kf_list().await);
    let fixed = h.client_with(ClientConfig::fixed(FIXED_MARKER), Duration::from_secs(2)).expect("client");
    show(&mut out, "fixed token refused", &fixed.get_kf_list().await);
    let brokered =
        h.client_with(ClientConfig::provider(Arc::new(MarkerBroker)), Duration::from_secs(2)).expect("client");
    out.push_str(&format!("{brokered:?}\n"));
    show(&mut out, "provided token refused", &brokered.send_message(USER, Message::text("x")).await);

    // The push side with the AES key: every failure, and a good push and its reply.
    let cb = CallbackConfig::new("cbtoken", Some(AES_MARKER.to_string()), APPID);
    out.push_str(&format!("{cb:?}\n"));
    let q = |sig: &str| PushQuery {
        signature: String::new(),
        timestamp: "1700000000".into(),
        nonce: "n1".into(),
        encrypt_type: Some("aes".into()),
        msg_signature: Some(sig.into()),
    };
    for body in
        ["<xml><Encrypt><![CDATA[!!notbase64]]></Encrypt></xml>", "<xml><Encrypt>AAAA</Encrypt></xml>", "<xml>", ""]
    {
        show(&mut out, "bad push", &wxkf::open_push(&cb, &q("bad"), body.as_bytes(), 1_700_000_000));
        let keys = wxkf::callback::CallbackKeys::new("cbtoken", AES_MARKER, APPID).expect("keys");
        out.push_str(&format!("{keys:?}\n"));
        let enc = body.split("<Encrypt>").nth(1).and_then(|s| s.split("</Encrypt>").next()).unwrap_or("");
        let sig = wxkf::callback::msg_signature("cbtoken", "1700000000", "n1", enc);
        show(&mut out, "signed bad push", &wxkf::open_push(&cb, &q(&sig), body.as_bytes(), 1_700_000_000));
    }
    let keys = wxkf::callback::CallbackKeys::new("cbtoken", AES_MARKER, APPID).expect("keys");
    let xml = format!(
        "<xml><ToUserName>gh</ToUserName><FromUserName>{USER}</FromUserName><CreateTime>1700000000</CreateTime>\
         <MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>"
    );
    let enc = keys.encrypt(&xml, &[7; 16]).expect("encrypt");
    let sig = wxkf::callback::msg_signature("cbtoken", "1700000000", "n1", &enc);
    let body = format!("<xml><Encrypt><![CDATA[{enc}]]></Encrypt></xml>");
    let mut guard = wxkf::callback::MemoryReplayGuard::new(10, 600);
    let opened = wxkf::open_push_guarded(&cb, &q(&sig), body.as_bytes(), 1_700_000_000, &mut guard);
    show(&mut out, "good push", &opened);
    show(
        &mut out,
        "replayed push",
        &wxkf::open_push_guarded(&cb, &q(&sig), body.as_bytes(), 1_700_000_000, &mut guard),
    );
    out.push_str(&format!("{} nonces remembered\n", guard.seen("other", 1_700_000_000, 1_700_000_000)));
    if let Ok(opened) = &opened {
        let reply = wxkf::Reply::TransferCustomerService { kf_account: Some(KF.into()) };
        show(&mut out, "reply", &wxkf::build_reply(&cb, opened, &reply, 1_700_000_001, "n2", &[9; 16]));
    }
    let url =
        UrlQuery { signature: "x".into(), timestamp: "1700000000".into(), nonce: "n".into(), echostr: "e".into() };
    show(&mut out, "url check", &wxkf::check_url(&cb, &url, 1_700_000_000));
    show(&mut out, "bad aes key", &CallbackConfig::new("t", Some(format!("{AES_MARKER}x")), APPID).validate());

    // The real access token the emulator issued, fetched the way the client did.
    let issued: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/cgi-bin/stable_token", h.base_url()))
        .json(&json!({"grant_type": "client_credential", "appid": APPID, "secret": SECRET_MARKER}))
        .send()
        .await
        .expect("token call")
        .json()
        .await
        .expect("json");
    let issued = issued["access_token"].as_str().expect("issued token").to_string();
    assert!(issued.len() > 20, "{issued}");

    if std::env::var_os("WXKF_SHOW").is_some() {
        println!("{out}");
    }
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|p| p.into_inner())).to_string();
    assert!(logs.contains("sending") && logs.contains("token rejected"), "TRACE logs were captured:\n{logs}");
    for (name, marker) in [
        ("AppSecret", SECRET_MARKER),
        ("provided token", PROVIDED_MARKER),
        ("fixed token", FIXED_MARKER),
        ("AES key", AES_MARKER),
        ("issued token", issued.as_str()),
    ] {
        assert!(!out.contains(marker), "{name} leaked into Debug/Display output:\n{out}");
        assert!(!logs.contains(marker), "{name} leaked into the logs:\n{logs}");
    }
    println!(
        "secrets scan: {} bytes of logs and {} bytes of Debug/Display output, 5 markers, none found",
        logs.len(),
        out.len()
    );
}
