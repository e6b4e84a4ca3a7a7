//! Conformance suite: every endpoint and error code, over real HTTP, with hand-written requests.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use common::{code, config, APPID, H, SECRET};
use serde_json::{json, Value};

const TOKEN_Q: &str = "/cgi-bin/token?grant_type=client_credential";

// ------------------------------------------------------------------ tokens

#[tokio::test]
async fn classic_token_errors_and_credentials() {
    let h = H::start().await;
    let v = h.get_raw(&format!("{TOKEN_Q}&appid={APPID}&secret={SECRET}")).await;
    assert_eq!(v["expires_in"], 7200);
    assert!(v["access_token"].as_str().unwrap().len() > 32);
    assert!(v.get("errcode").is_none());
    assert_eq!(code(&h.get_raw(&format!("{TOKEN_Q}&appid=wrong&secret={SECRET}")).await), 40013);
    assert_eq!(code(&h.get_raw(&format!("{TOKEN_Q}&appid={APPID}&secret=wrong")).await), 40125);
    assert_eq!(code(&h.get_raw(&format!("{TOKEN_Q}&secret={SECRET}")).await), 41002);
    assert_eq!(code(&h.get_raw(&format!("{TOKEN_Q}&appid={APPID}")).await), 41004);
    assert_eq!(code(&h.get_raw(&format!("/cgi-bin/token?grant_type=x&appid={APPID}&secret={SECRET}")).await), 40002);
    // IP allow-list
    h.admin("config", json!({"ip_allowlist": ["10.9.9.9"]})).await;
    let v = h.get_raw(&format!("{TOKEN_Q}&appid={APPID}&secret={SECRET}")).await;
    assert_eq!(code(&v), 40164);
    let v = h
        .post_raw(
            "/cgi-bin/stable_token",
            &json!({"grant_type":"client_credential","appid":APPID,"secret":SECRET}).to_string(),
        )
        .await;
    assert_eq!(code(&v), 40164);
    h.admin("config", json!({"ip_allowlist": ["127.0.0.1"]})).await;
    assert_eq!(code(&h.get_raw(&format!("{TOKEN_Q}&appid={APPID}&secret={SECRET}")).await), 0);
    h.admin("config", json!({"ip_allowlist": null})).await;
    // token-fetch log never carries tokens or secrets
    let log = h.admin_get("token-fetches").await;
    let text = log.to_string();
    assert!(!text.contains(SECRET));
    assert!(!text.contains(&h.token));
    let fetches = log["token_fetches"].as_array().unwrap();
    assert!(fetches.iter().any(|f| f["kind"] == "classic" && f["errcode"] == 40164));
    assert!(fetches.iter().any(|f| f["kind"] == "stable"));
}

#[tokio::test]
async fn token_validity_grace_expiry() {
    let h = H::start().await;
    let list = "/cgi-bin/customservice/getkflist";
    // missing / never issued
    assert_eq!(code(&h.get_raw(list).await), 41001);
    assert_eq!(code(&h.get_raw(&format!("{list}?access_token=nope")).await), 40014);
    let t1 = h.token.clone();
    let t2 = h.classic_token().await;
    assert_ne!(t1, t2, "every classic fetch issues a new token");
    // old token still valid within the grace period
    assert!(h.get_raw(&format!("{list}?access_token={t1}")).await.get("kf_list").is_some());
    h.advance(299.0).await;
    assert_eq!(code(&h.get_raw(&format!("{list}?access_token={t1}")).await), 0);
    h.advance(2.0).await;
    assert_eq!(code(&h.get_raw(&format!("{list}?access_token={t1}")).await), 40001);
    assert_eq!(code(&h.get_raw(&format!("{list}?access_token={t2}")).await), 0);
    // expiry
    h.advance(7200.0).await;
    assert_eq!(code(&h.get_raw(&format!("{list}?access_token={t2}")).await), 42001);
}

#[tokio::test]
async fn classic_daily_quota() {
    let h = H::start().await;
    h.admin("config", json!({"classic_daily_quota": 3})).await;
    // one already used by H::start
    for _ in 0..2 {
        assert_eq!(code(&h.get_raw(&format!("{TOKEN_Q}&appid={APPID}&secret={SECRET}")).await), 0);
    }
    assert_eq!(code(&h.get_raw(&format!("{TOKEN_Q}&appid={APPID}&secret={SECRET}")).await), 45009);
    h.advance(86_400.0).await;
    assert_eq!(code(&h.get_raw(&format!("{TOKEN_Q}&appid={APPID}&secret={SECRET}")).await), 0);
}

async fn stable(h: &H, force: bool) -> Value {
    h.post_raw(
        "/cgi-bin/stable_token",
        &json!({"grant_type":"client_credential","appid":APPID,"secret":SECRET,"force_refresh":force}).to_string(),
    )
    .await
}

#[tokio::test]
async fn stable_token_rules() {
    let h = H::start().await;
    let a = stable(&h, false).await;
    let b = stable(&h, false).await;
    assert_eq!(a["access_token"], b["access_token"], "stable token is stable");
    assert_eq!(a["expires_in"], 7200);
    let list = "/cgi-bin/customservice/getkflist";
    let ta = a["access_token"].as_str().unwrap().to_string();
    assert_eq!(code(&h.get_raw(&format!("{list}?access_token={ta}")).await), 0);
    // force refresh invalidates the old one
    let c = stable(&h, true).await;
    assert_ne!(c["access_token"], a["access_token"]);
    assert_eq!(code(&h.get_raw(&format!("{list}?access_token={ta}")).await), 40001);
    // spacing >= 30 s
    assert_eq!(code(&stable(&h, true).await), 45011);
    h.advance(31.0).await;
    assert_eq!(code(&stable(&h, true).await), 0);
    // daily quota
    h.admin("config", json!({"stable_force_daily_quota": 3})).await;
    h.advance(31.0).await;
    assert_eq!(code(&stable(&h, true).await), 0);
    h.advance(31.0).await;
    assert_eq!(code(&stable(&h, true).await), 45009);
    // body errors
    assert_eq!(code(&h.post_raw("/cgi-bin/stable_token", "").await), 44002);
    assert_eq!(code(&h.post_raw("/cgi-bin/stable_token", "{not json").await), 47001);
    let wrong_type = json!({"grant_type":"client_credential","appid":APPID,"secret":SECRET,"force_refresh":"yes"});
    assert_eq!(code(&h.post_raw("/cgi-bin/stable_token", &wrong_type.to_string()).await), 47001);
    let no_appid = json!({"grant_type":"client_credential","secret":SECRET});
    assert_eq!(code(&h.post_raw("/cgi-bin/stable_token", &no_appid.to_string()).await), 41002);
    let no_secret = json!({"grant_type":"client_credential","appid":APPID});
    assert_eq!(code(&h.post_raw("/cgi-bin/stable_token", &no_secret.to_string()).await), 41004);
    let bad = json!({"grant_type":"client_credential","appid":APPID,"secret":"x"});
    assert_eq!(code(&h.post_raw("/cgi-bin/stable_token", &bad.to_string()).await), 40125);
    // expiry: a new stable token is issued after the old one expires
    let cur = stable(&h, false).await;
    h.advance(7201.0).await;
    let t = cur["access_token"].as_str().unwrap();
    assert_eq!(code(&h.get_raw(&format!("{list}?access_token={t}")).await), 42001);
    let fresh = stable(&h, false).await;
    assert_ne!(fresh["access_token"], cur["access_token"]);
}

// ------------------------------------------------------------------ kf accounts

#[tokio::test]
async fn kf_account_life_cycle() {
    let h = H::start().await;
    let add = "/customservice/kfaccount/add";
    assert_eq!(code(&h.post(add, json!({"kf_account":"kf1@gh_x","nickname":"客服一号😀"})).await), 0);
    assert_eq!(code(&h.post(add, json!({"kf_account":"kf1@gh_x","nickname":"again"})).await), 65406);
    assert_eq!(code(&h.post(add, json!({"kf_account":"noat","nickname":"n"})).await), 65401);
    assert_eq!(code(&h.post(add, json!({"kf_account":"toolongprefix1@x","nickname":"n"})).await), 65404);
    assert_eq!(code(&h.post(add, json!({"kf_account":"bad-p@x","nickname":"n"})).await), 65404);
    assert_eq!(code(&h.post(add, json!({"kf_account":"ok@x","nickname":"12345678901234567"})).await), 65403);
    assert_eq!(code(&h.post(add, json!({"kf_account":"ok@x"})).await), 41011);
    assert_eq!(code(&h.post(add, json!({"kf_account":5,"nickname":"n"})).await), 47001);
    assert_eq!(code(&h.post_raw(&format!("{add}?access_token={}", h.token), "").await), 44002);
    assert_eq!(code(&h.post_raw(&format!("{add}?access_token={}", h.token), "nope").await), 47001);
    // update
    let upd = "/customservice/kfaccount/update";
    assert_eq!(code(&h.post(upd, json!({"kf_account":"kf1@gh_x","nickname":"新名字"})).await), 0);
    assert_eq!(code(&h.post(upd, json!({"kf_account":"zz@gh_x","nickname":"n"})).await), 65401);
    assert_eq!(code(&h.post(upd, json!({"kf_account":"kf1@gh_x","nickname":""})).await), 41011);
    // list: UTF-8 unescaped, kf_id as a string
    let r =
        h.c.get(format!("{}/cgi-bin/customservice/getkflist?access_token={}", h.base, h.token))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(r.contains("新名字"), "{r}");
    assert!(!r.contains("\\u"));
    let v: Value = serde_json::from_str(&r).unwrap();
    assert_eq!(v["kf_list"][0]["kf_account"], "kf1@gh_x");
    assert!(v["kf_list"][0]["kf_id"].is_string());
    // online list
    assert_eq!(h.get("/cgi-bin/customservice/getonlinekflist", "").await["kf_online_list"], json!([]));
    h.bind("kf1@gh_x").await;
    h.online("kf1@gh_x").await;
    let on = h.get("/cgi-bin/customservice/getonlinekflist", "").await;
    assert_eq!(on["kf_online_list"][0]["status"], 1);
    assert_eq!(on["kf_online_list"][0]["accepted_case"], 0);
    // delete: %40 is rejected, raw @ works
    let del = "/customservice/kfaccount/del";
    assert_eq!(code(&h.get(del, "kf_account=kf1%40gh_x").await), 65401);
    assert_eq!(code(&h.get(del, "kf_account=kf1@gh_x").await), 0);
    assert_eq!(code(&h.get(del, "kf_account=kf1@gh_x").await), 65401);
    assert_eq!(h.get("/cgi-bin/customservice/getkflist", "").await["kf_list"], json!([]));
}

#[tokio::test]
async fn kf_limit() {
    let mut cfg = config();
    cfg.kf_limit = 2;
    let h = H::with(cfg).await;
    h.add_kf("a@x").await;
    h.add_kf("b@x").await;
    let v = h.post("/customservice/kfaccount/add", json!({"kf_account":"c@x","nickname":"n"})).await;
    assert_eq!(code(&v), 65405);
}

#[tokio::test]
async fn invitations() {
    let h = H::start().await;
    let inv = "/customservice/kfaccount/inviteworker";
    h.add_kf("a@x").await;
    h.add_kf("b@x").await;
    h.add_kf("c@x").await;
    assert_eq!(code(&h.post(inv, json!({"kf_account":"zz@x","invite_wx":"wx_valid1"})).await), 65401);
    assert_eq!(code(&h.post(inv, json!({"kf_account":"a@x","invite_wx":"1bad"})).await), 65409);
    assert_eq!(code(&h.post(inv, json!({"kf_account":"a@x"})).await), 41011);
    assert_eq!(code(&h.post(inv, json!({"kf_account":"a@x","invite_wx":"alice_wx"})).await), 0);
    assert_eq!(code(&h.post(inv, json!({"kf_account":"a@x","invite_wx":"other_wx"})).await), 65411);
    assert_eq!(code(&h.post(inv, json!({"kf_account":"b@x","invite_wx":"alice_wx"})).await), 65408);
    let l = h.get("/cgi-bin/customservice/getkflist", "").await;
    let a = &l["kf_list"][0];
    assert_eq!(a["invite_wx"], "alice_wx");
    assert_eq!(a["invite_status"], "waiting");
    assert!(a["invite_expire_time"].as_i64().unwrap() > 0);
    // reject, then re-invite, then expire after 7 days
    h.admin("kf/invitation", json!({"kf_account":"a@x","accept":false})).await;
    let l = h.get("/cgi-bin/customservice/getkflist", "").await;
    assert_eq!(l["kf_list"][0]["invite_status"], "rejected");
    assert_eq!(code(&h.post(inv, json!({"kf_account":"a@x","invite_wx":"alice_wx"})).await), 0);
    h.advance(7.0 * 86_400.0 + 1.0).await;
    let l = h.get_raw(&format!("/cgi-bin/customservice/getkflist?access_token={}", h.classic_token().await)).await;
    assert_eq!(l["kf_list"][0]["invite_status"], "expired");
    let h2_token = h.classic_token().await;
    let post = |body: Value| {
        let h = &h;
        let t = h2_token.clone();
        async move { h.post_raw(&format!("{inv}?access_token={t}"), &body.to_string()).await }
    };
    assert_eq!(code(&post(json!({"kf_account":"a@x","invite_wx":"alice_wx"})).await), 0);
    h.admin("kf/invitation", json!({"kf_account":"a@x","accept":true})).await;
    let l = h.get_raw(&format!("/cgi-bin/customservice/getkflist?access_token={h2_token}")).await;
    assert_eq!(l["kf_list"][0]["kf_wx"], "alice_wx");
    assert!(l["kf_list"][0].get("invite_status").is_none());
    assert_eq!(code(&post(json!({"kf_account":"a@x","invite_wx":"someone"})).await), 65412);
    assert_eq!(code(&post(json!({"kf_account":"b@x","invite_wx":"alice_wx"})).await), 65407);
    h.admin("wechat-id/bound-limit", json!({"wechat_id":"busy_wx1"})).await;
    assert_eq!(code(&post(json!({"kf_account":"c@x","invite_wx":"busy_wx1"})).await), 65410);
    // admin errors are reported, not crashes
    assert_eq!(h.admin_status("kf/invitation", json!({"kf_account":"c@x","accept":true})).await, 400);
    assert_eq!(h.admin_status("kf/invitation", json!({"nope":1})).await, 400);
}

#[tokio::test]
async fn avatar_upload_multipart() {
    let h = H::start().await;
    h.add_kf("a@x").await;
    let url = |acct: &str| {
        format!("{}/customservice/kfaccount/uploadheadimg?access_token={}&kf_account={acct}", h.base, h.token)
    };
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F'];
    let send = |u: String, form: reqwest::multipart::Form| {
        let c = h.c.clone();
        async move { c.post(u).multipart(form).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let part = |b: Vec<u8>| reqwest::multipart::Part::bytes(b).file_name("a.jpg").mime_str("image/jpeg").unwrap();
    let v = send(url("a@x"), reqwest::multipart::Form::new().part("media", part(jpeg.clone()))).await;
    assert_eq!(code(&v), 0, "{v}");
    let l = h.get("/cgi-bin/customservice/getkflist", "").await;
    assert!(l["kf_list"][0]["kf_headimgurl"].as_str().unwrap().starts_with("http"));
    let v = send(url("a@x"), reqwest::multipart::Form::new().part("other", part(jpeg.clone()))).await;
    assert_eq!(code(&v), 41005);
    let v = send(url("a@x"), reqwest::multipart::Form::new().part("media", part(b"GIF89a....".to_vec()))).await;
    assert_eq!(code(&v), 40005);
    let v = send(url("zz@x"), reqwest::multipart::Form::new().part("media", part(jpeg.clone()))).await;
    assert_eq!(code(&v), 65401);
    let v = send(url("a%40x"), reqwest::multipart::Form::new().part("media", part(jpeg))).await;
    assert_eq!(code(&v), 65401);
    // not multipart at all
    let v = h.c.post(url("a@x")).body("plain").send().await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(code(&v), 41005);
}

// ------------------------------------------------------------------ messages

fn all_messages(to: &str) -> Vec<Value> {
    vec![
        json!({"touser":to,"msgtype":"text","text":{"content":"你好 <a href=\"https://x\" data-miniprogram-appid=\"wx1\" data-miniprogram-path=\"p\">x</a>"}}),
        json!({"touser":to,"msgtype":"image","image":{"media_id":"MEDIA_img"}}),
        json!({"touser":to,"msgtype":"voice","voice":{"media_id":"MEDIA_v"}}),
        json!({"touser":to,"msgtype":"video","video":{"media_id":"MEDIA_vid","thumb_media_id":"MEDIA_t","title":"t","description":"d"}}),
        json!({"touser":to,"msgtype":"music","music":{"title":"t","description":"d","musicurl":"http://m","hqmusicurl":"http://hq","thumb_media_id":"MEDIA_t"}}),
        json!({"touser":to,"msgtype":"news","news":{"articles":[{"title":"t","description":"d","url":"http://u","picurl":"http://p"}]}}),
        json!({"touser":to,"msgtype":"mpnews","mpnews":{"media_id":"registered_news"}}),
        json!({"touser":to,"msgtype":"mpnewsarticle","mpnewsarticle":{"article_id":"art1"}}),
        json!({"touser":to,"msgtype":"msgmenu","msgmenu":{"head_content":"h","list":[{"id":"1","content":"yes"},{"id":"2","content":"no"}],"tail_content":"t"}}),
        json!({"touser":to,"msgtype":"wxcard","wxcard":{"card_id":"card1"}}),
        json!({"touser":to,"msgtype":"miniprogrampage","miniprogrampage":{"title":"t","appid":"wxmini","pagepath":"p/i","thumb_media_id":"MEDIA_t"}}),
    ]
}

#[tokio::test]
async fn send_all_msgtypes_and_validation() {
    let h = H::start().await;
    h.admin("media", json!({"media_ids": ["registered_news"]})).await;
    h.add_kf("a@x").await;
    h.user_says("u1", "hi").await;
    // a payment opens an unlimited 48-hour window: every kind can be sent in a row
    h.admin("user/payment", json!({"openid": "u1"})).await;
    let send = "/cgi-bin/message/custom/send";
    let msgs = all_messages("u1");
    for m in &msgs {
        assert_eq!(code(&h.post(send, m.clone()).await), 0, "{m}");
    }
    let log = h.admin_get("deliveries").await;
    let d = log["deliveries"].as_array().unwrap();
    assert_eq!(d.len(), 11);
    assert_eq!(d[3]["msgtype"], "video");
    assert_eq!(d[3]["body"], msgs[3]);
    // named kf
    let v = h
        .post(send, json!({"touser":"u1","msgtype":"text","text":{"content":"x"},"customservice":{"kf_account":"a@x"}}))
        .await;
    assert_eq!(code(&v), 0);
    let d = h.admin_get("deliveries").await;
    assert_eq!(d["deliveries"][11]["kf_account"], "a@x");
    let v = h
        .post(
            send,
            json!({"touser":"u1","msgtype":"text","text":{"content":"x"},"customservice":{"kf_account":"zz@x"}}),
        )
        .await;
    assert_eq!(code(&v), 65401);
    // validation codes
    let cases = [
        (json!({"msgtype":"text","text":{"content":"x"}}), 41009),
        (json!({"touser":"u1","text":{"content":"x"}}), 41011),
        (json!({"touser":"u1","msgtype":"text"}), 41011),
        (json!({"touser":"u1","msgtype":"text","image":{"media_id":"MEDIA_1"}}), 41011),
        (json!({"touser":"u1","msgtype":"text","text":{}}), 41011),
        (json!({"touser":"u1","msgtype":"text","text":{"content":5}}), 47001),
        (json!({"touser":"u1","msgtype":"text","text":"x"}), 47001),
        (json!({"touser":"u1","msgtype":"gif","gif":{}}), 47001),
        (json!({"touser":"u1","msgtype":"image","image":{}}), 41006),
        (json!({"touser":"u1","msgtype":"image","image":{"media_id":"unknown"}}), 40007),
        (json!({"touser":"u1","msgtype":"video","video":{"media_id":"MEDIA_1"}}), 41006),
        (json!({"touser":"u1","msgtype":"music","music":{"musicurl":"a","hqmusicurl":"b"}}), 41006),
        (json!({"touser":"u1","msgtype":"music","music":{"hqmusicurl":"b","thumb_media_id":"MEDIA_1"}}), 41011),
        (json!({"touser":"u1","msgtype":"news","news":{"articles":[]}}), 41011),
        (
            json!({"touser":"u1","msgtype":"news","news":{"articles":[{"title":"a","url":"u"},{"title":"b","url":"u"}]}}),
            45008,
        ),
        (json!({"touser":"u1","msgtype":"msgmenu","msgmenu":{"list":[{"id":"1"}]}}), 41011),
        (json!({"touser":"u1","msgtype":"wxcard","wxcard":{}}), 41011),
        (json!({"touser":"u1","msgtype":"mpnewsarticle","mpnewsarticle":{}}), 41011),
        (
            json!({"touser":"u1","msgtype":"miniprogrampage","miniprogrampage":{"title":"t","appid":"a","pagepath":"p","thumb_media_id":"nope"}}),
            40007,
        ),
        (json!({"touser":"nobody","msgtype":"text","text":{"content":"x"}}), 40003),
        (json!([1, 2]), 47001),
    ];
    for (body, want) in cases {
        assert_eq!(code(&h.post(send, body.clone()).await), want, "{body}");
    }
    assert_eq!(code(&h.post_raw(&format!("{send}?access_token={}", h.token), "").await), 44002);
    assert_eq!(code(&h.post_raw(&format!("{send}?access_token={}", h.token), "{oops").await), 47001);
    // media check can be switched off
    h.admin("config", json!({"media_check": false})).await;
    let v = h.post(send, json!({"touser":"u1","msgtype":"image","image":{"media_id":"anything"}})).await;
    assert_eq!(code(&v), 0);
    // unsubscribed user
    h.admin("user/event", json!({"openid":"u1","event":"unsubscribe"})).await;
    assert_eq!(code(&h.send_text("u1", "x").await), 43004);
}

#[tokio::test]
async fn window_and_response_limit() {
    let h = H::start().await;
    h.user_says("u1", "hi").await;
    for _ in 0..5 {
        assert_eq!(code(&h.send_text("u1", "x").await), 0);
    }
    assert_eq!(code(&h.send_text("u1", "x").await), 45047);
    h.user_says("u1", "again").await;
    assert_eq!(code(&h.send_text("u1", "x").await), 0);
    // subscribe makes a user known and opens the window
    h.admin("user/event", json!({"openid":"u2","event":"subscribe"})).await;
    assert_eq!(code(&h.send_text("u2", "welcome").await), 0);
    // 48-hour window
    h.advance(49.0 * 3600.0).await;
    let h_token = h.classic_token().await;
    let v = h
        .post_raw(
            &format!("/cgi-bin/message/custom/send?access_token={h_token}"),
            &json!({"touser":"u1","msgtype":"text","text":{"content":"late"}}).to_string(),
        )
        .await;
    assert_eq!(code(&v), 45015);
}

#[tokio::test]
async fn typing_rules() {
    let h = H::start().await;
    let typing = "/cgi-bin/message/custom/typing";
    assert_eq!(code(&h.post(typing, json!({"touser":"nobody","command":"Typing"})).await), 40003);
    h.user_says("u1", "hi").await;
    assert_eq!(code(&h.post(typing, json!({"command":"Typing"})).await), 41009);
    assert_eq!(code(&h.post(typing, json!({"touser":"u1"})).await), 41011);
    assert_eq!(code(&h.post(typing, json!({"touser":"u1","command":"Dance"})).await), 45072);
    assert_eq!(code(&h.post(typing, json!({"touser":"u1","command":"Typing"})).await), 0);
    assert_eq!(code(&h.post(typing, json!({"touser":"u1","command":"Typing"})).await), 45081);
    assert_eq!(code(&h.post(typing, json!({"touser":"u1","command":"CancelTyping"})).await), 0);
    assert_eq!(code(&h.post(typing, json!({"touser":"u1","command":"Typing"})).await), 0);
    // a kf message cancels typing
    assert_eq!(code(&h.send_text("u1", "x").await), 0);
    assert_eq!(code(&h.post(typing, json!({"touser":"u1","command":"Typing"})).await), 0);
    // typing lasts 15 s
    h.advance(16.0).await;
    assert_eq!(code(&h.post(typing, json!({"touser":"u1","command":"Typing"})).await), 0);
    // needs an exchange within 30 s
    h.advance(31.0).await;
    assert_eq!(code(&h.post(typing, json!({"touser":"u1","command":"Typing"})).await), 45080);
}

// ------------------------------------------------------------------ sessions

#[tokio::test]
async fn sessions_and_wait_queue() {
    let mut cfg = config();
    cfg.legacy_opercodes = true;
    let (h, _hook) = H::with_hook(cfg).await;
    let create = "/customservice/kfsession/create";
    let close = "/customservice/kfsession/close";
    h.add_kf("a@x").await;
    h.add_kf("b@x").await;
    h.user_says("u1", "transfer me").await;
    let w = h.get("/customservice/kfsession/getwaitcase", "").await;
    assert_eq!(w["count"], 1);
    assert_eq!(w["waitcaselist"][0]["openid"], "u1");
    assert!(w["waitcaselist"][0]["latest_time"].as_i64().unwrap() > 0);
    assert_eq!(code(&h.post(create, json!({"kf_account":"zz@x","openid":"u1"})).await), 65401);
    assert_eq!(code(&h.post(create, json!({"kf_account":"a@x","openid":"u1"})).await), 65402);
    h.bind("a@x").await;
    h.bind("b@x").await;
    assert_eq!(code(&h.post(create, json!({"kf_account":"a@x","openid":"u1"})).await), 65415);
    h.online("a@x").await;
    h.online("b@x").await;
    assert_eq!(code(&h.post(create, json!({"kf_account":"a@x","openid":"ghost"})).await), 40003);
    assert_eq!(code(&h.post(create, json!({"kf_account":"a@x"})).await), 41009);
    assert_eq!(code(&h.post(create, json!({"openid":"u1"})).await), 41011);
    assert_eq!(code(&h.post(create, json!({"kf_account":"a@x","openid":"u1"})).await), 0);
    assert_eq!(code(&h.post(create, json!({"kf_account":"b@x","openid":"u1"})).await), 65414);
    let w = h.get("/customservice/kfsession/getwaitcase", "").await;
    assert_eq!(w["count"], 0);
    let s = h.get("/customservice/kfsession/getsession", "openid=u1").await;
    assert_eq!(s["kf_account"], "a@x");
    assert!(s["createtime"].as_i64().unwrap() > 0);
    let l = h.get("/customservice/kfsession/getsessionlist", "kf_account=a@x").await;
    assert_eq!(l["sessionlist"][0]["openid"], "u1");
    assert_eq!(code(&h.get("/customservice/kfsession/getsessionlist", "kf_account=a%40x").await), 65401);
    assert_eq!(code(&h.get("/customservice/kfsession/getsessionlist", "kf_account=zz@x").await), 65401);
    let on = h.get("/cgi-bin/customservice/getonlinekflist", "").await;
    let a = on["kf_online_list"].as_array().unwrap().iter().find(|k| k["kf_account"] == "a@x").unwrap().clone();
    assert_eq!(a["accepted_case"], 1);
    // user messages inside a session do not queue
    h.user_says("u1", "in session").await;
    assert_eq!(h.get("/customservice/kfsession/getwaitcase", "").await["count"], 0);
    // a session started by the kf without a queue entry
    h.admin("user/event", json!({"openid":"u2","event":"subscribe"})).await;
    assert_eq!(code(&h.post(create, json!({"kf_account":"b@x","openid":"u2"})).await), 0);
    // close
    assert_eq!(code(&h.post(close, json!({"kf_account":"b@x","openid":"u1"})).await), 65413);
    assert_eq!(code(&h.post(close, json!({"kf_account":"a@x","openid":"u1"})).await), 0);
    assert_eq!(code(&h.post(close, json!({"kf_account":"a@x","openid":"u1"})).await), 65413);
    assert_eq!(code(&h.post(close, json!({"kf_account":"zz@x","openid":"u1"})).await), 65401);
    let s = h.get("/customservice/kfsession/getsession", "openid=u1").await;
    assert_eq!(s["kf_account"], "");
    assert_eq!(code(&h.get("/customservice/kfsession/getsession", "").await), 41009);
    // switch via admin
    h.admin("session/switch", json!({"openid":"u2","kf_account":"a@x"})).await;
    assert_eq!(h.get("/customservice/kfsession/getsession", "openid=u2").await["kf_account"], "a@x");
    // records carry the session events
    let now = h.admin_get("clock").await["now"].as_i64().unwrap();
    let day_start = now - (now + 8 * 3600).rem_euclid(86_400);
    let r = h
        .post(
            "/customservice/msgrecord/getmsglist",
            json!({"starttime": day_start, "endtime": day_start + 86_400, "msgid": 1, "number": 10000}),
        )
        .await;
    let ops: Vec<i64> = r["recordlist"].as_array().unwrap().iter().map(|x| x["opercode"].as_i64().unwrap()).collect();
    assert_eq!(ops, vec![2001, 1000, 1001, 2003, 1002, 1004, 1003], "legacy opercodes: {r}");
}

#[tokio::test]
async fn wait_queue_count_over_100() {
    let (h, _hook) = H::with_hook(config()).await;
    for i in 0..130 {
        h.user_says(&format!("user{i:03}"), "transfer").await;
    }
    let w = h.get("/customservice/kfsession/getwaitcase", "").await;
    assert_eq!(w["count"], 130);
    let list = w["waitcaselist"].as_array().unwrap();
    assert_eq!(list.len(), 100);
    assert_eq!(list[0]["openid"], "user000");
    assert_eq!(list[99]["openid"], "user099");
    let st = h.admin_get("state").await;
    assert_eq!(st["wait_queue"].as_array().unwrap().len(), 130);
}

// ------------------------------------------------------------------ records

const DAY: i64 = 86_400;
/// 2024-01-01 00:00:00 China time.
const D0: i64 = 1_704_038_400;

#[tokio::test]
async fn record_query_limits() {
    let h = H::start().await;
    let path = "/customservice/msgrecord/getmsglist";
    let q = |s: i64, e: i64, id: i64, n: i64| json!({"starttime": s, "endtime": e, "msgid": id, "number": n});
    assert_eq!(code(&h.post(path, q(D0, D0 + DAY, 1, 10)).await), 0);
    assert_eq!(code(&h.post(path, q(D0, D0, 1, 10)).await), 65416);
    assert_eq!(code(&h.post(path, q(D0 + 10, D0, 1, 10)).await), 65416);
    assert_eq!(code(&h.post(path, q(D0, D0 + 10, 1, 0)).await), 65416);
    assert_eq!(code(&h.post(path, q(D0, D0 + 10, 1, 10_001)).await), 65416);
    assert_eq!(code(&h.post(path, q(D0, D0 + 10, 0, 10)).await), 65416);
    assert_eq!(code(&h.post(path, q(D0, D0 + DAY + 1, 1, 10)).await), 65417);
    assert_eq!(code(&h.post(path, q(D0 + 3600, D0 + DAY + 60, 1, 10)).await), 65417);
    assert_eq!(code(&h.post(path, q(D0 - 60, D0 + 60, 1, 10)).await), 65417);
    assert_eq!(code(&h.post(path, json!({"endtime": D0, "msgid": 1, "number": 1})).await), 41011);
    assert_eq!(code(&h.post(path, json!({"starttime": "x", "endtime": D0, "msgid": 1, "number": 1})).await), 47001);
    // the window is [start, end)
    h.admin("records/bulk", json!({"start": D0, "end": D0 + 10, "count": 10})).await;
    let r = h.post(path, q(D0 + 2, D0 + 5, 1, 100)).await;
    let times: Vec<i64> = r["recordlist"].as_array().unwrap().iter().map(|x| x["time"].as_i64().unwrap()).collect();
    assert_eq!(times, vec![D0 + 2, D0 + 3, D0 + 4]);
    assert_eq!(r["number"], 3);
    assert_eq!(r["msgid"], 6);
    let r = h.post(path, q(D0 + 2, D0 + 5, 6, 100)).await;
    assert_eq!(r["number"], 0);
    assert_eq!(r["msgid"], 6);
    let rec = &h.post(path, q(D0, D0 + 1, 1, 1)).await["recordlist"][0];
    for f in ["openid", "opercode", "text", "time", "worker"] {
        assert!(rec.get(f).is_some(), "{rec}");
    }
}

#[tokio::test]
async fn bulk_records_page_through_100k() {
    let h = H::start().await;
    let v = h
        .admin(
            "records/bulk",
            json!({"start": D0, "end": D0 + DAY, "count": 100_000, "openids": ["o1", "o2", "o3"], "workers": ["w1@x"]}),
        )
        .await;
    assert_eq!(v["first_id"], 1);
    assert_eq!(v["last_id"], 100_000);
    // records on the next day must not leak in
    h.admin("records/bulk", json!({"start": D0 + DAY, "end": D0 + 2 * DAY, "count": 500})).await;
    let mut msgid = 1;
    let mut seen = HashSet::new();
    let mut pages = 0;
    loop {
        let r = h
            .post(
                "/customservice/msgrecord/getmsglist",
                json!({"starttime": D0, "endtime": D0 + DAY, "msgid": msgid, "number": 10_000}),
            )
            .await;
        let list = r["recordlist"].as_array().unwrap();
        assert_eq!(r["number"].as_u64().unwrap() as usize, list.len());
        for rec in list {
            let t = rec["time"].as_i64().unwrap();
            assert!((D0..D0 + DAY).contains(&t));
            assert!(seen.insert(rec["text"].as_str().unwrap().to_string()), "duplicate {rec}");
        }
        pages += 1;
        msgid = r["msgid"].as_i64().unwrap();
        if list.len() < 10_000 {
            break;
        }
    }
    assert_eq!(seen.len(), 100_000);
    assert_eq!(pages, 11);
}

// ------------------------------------------------------------------ admin

#[tokio::test]
async fn admin_token_and_reset() {
    let mut cfg = config();
    cfg.admin_token = Some("adm".into());
    let h = H::with(cfg).await;
    let r = h.c.get(format!("{}/__admin/state", h.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = h.c.get(format!("{}/__admin/state", h.base)).header("x-admin-token", "adm").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = h.c.post(format!("{}/__admin/reset", h.base)).header("x-admin-token", "adm").send().await.unwrap();
    assert_eq!(r.status(), 200);
    // tokens are gone after a reset
    assert_eq!(code(&h.get("/cgi-bin/customservice/getkflist", "").await), 40014);
}

#[tokio::test]
async fn blocking_emulator_serves() {
    let emu = tokio::task::spawn_blocking(|| wxkf_emulator::BlockingEmulator::start(config()).unwrap()).await.unwrap();
    let v: Value = reqwest::get(format!("{}{TOKEN_Q}&appid={APPID}&secret={SECRET}", emu.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v["access_token"].is_string());
    tokio::task::spawn_blocking(move || emu.shutdown()).await.unwrap();
}
