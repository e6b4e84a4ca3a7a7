//! Fault injection: busy, HTTP status, latency, resets before/after applying, token
//! invalidation, quota.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{code, H};
use serde_json::{json, Value};

const SEND: &str = "/cgi-bin/message/custom/send";
const LIST: &str = "/cgi-bin/customservice/getkflist";

async fn fault(h: &H, body: Value) {
    h.admin("faults", body).await;
}

async fn deliveries(h: &H) -> usize {
    h.admin_get("deliveries").await["deliveries"].as_array().unwrap().len()
}

async fn raw_send(h: &H) -> Result<reqwest::Response, reqwest::Error> {
    h.c.post(format!("{}{SEND}?access_token={}", h.base, h.token))
        .body(json!({"touser":"u1","msgtype":"text","text":{"content":"hi"}}).to_string())
        .send()
        .await
}

#[tokio::test]
async fn busy_status_quota_latency() {
    let h = H::start().await;
    fault(&h, json!({"path": LIST, "kind": "busy", "count": 2})).await;
    assert_eq!(code(&h.get(LIST, "").await), -1);
    assert_eq!(code(&h.get(LIST, "").await), -1);
    assert_eq!(code(&h.get(LIST, "").await), 0);
    // `after` lets calls through before firing: a failure in the middle of a stream
    fault(&h, json!({"path": LIST, "kind": "busy", "count": 1, "after": 2})).await;
    assert_eq!(code(&h.get(LIST, "").await), 0);
    assert_eq!(code(&h.get(LIST, "").await), 0);
    assert_eq!(code(&h.get(LIST, "").await), -1);
    assert_eq!(code(&h.get(LIST, "").await), 0);
    // other paths are untouched
    fault(&h, json!({"path": LIST, "kind": "quota"})).await;
    assert_eq!(code(&h.get("/customservice/kfsession/getwaitcase", "").await), 0);
    assert_eq!(code(&h.get(LIST, "").await), 45009);
    assert_eq!(code(&h.get(LIST, "").await), 0);
    // HTTP status
    fault(&h, json!({"path": "*", "kind": "http_status", "status": 502, "count": 1})).await;
    let r = h.c.get(format!("{}{LIST}?access_token={}", h.base, h.token)).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(code(&h.get(LIST, "").await), 0);
    // latency until cleared
    fault(&h, json!({"path": LIST, "kind": "latency_ms", "ms": 150})).await;
    for _ in 0..2 {
        let t = Instant::now();
        assert_eq!(code(&h.get(LIST, "").await), 0);
        assert!(t.elapsed() >= Duration::from_millis(150));
    }
    let listed = h.admin_get("faults").await;
    assert_eq!(listed["faults"].as_array().unwrap().len(), 1);
    let r = h.c.delete(format!("{}/__admin/faults", h.base)).send().await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(h.admin_get("faults").await["faults"], json!([]));
    // unknown fault kinds are refused
    assert_eq!(h.admin_status("faults", json!({"path": LIST, "kind": "explode"})).await, 400);
}

#[tokio::test]
async fn reset_before_does_not_apply() {
    let h = H::start().await;
    h.user_says("u1", "hi").await;
    fault(&h, json!({"path": SEND, "kind": "reset_before"})).await;
    let r = raw_send(&h).await;
    assert!(r.is_err(), "client must see a transport error, got {r:?}");
    assert_eq!(deliveries(&h).await, 0);
    assert_eq!(code(&raw_send(&h).await.unwrap().json::<Value>().await.unwrap()), 0);
    assert_eq!(deliveries(&h).await, 1);
}

#[tokio::test]
async fn reset_after_applies_but_client_sees_error() {
    let h = H::start().await;
    h.user_says("u1", "hi").await;
    fault(&h, json!({"path": SEND, "kind": "reset_after", "count": 1})).await;
    let r = raw_send(&h).await;
    assert!(r.is_err(), "client must see a transport error, got {r:?}");
    // the message WAS delivered
    let log = h.admin_get("deliveries").await;
    let d = log["deliveries"].as_array().unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["touser"], "u1");
    assert_eq!(d[0]["body"]["text"]["content"], "hi");
    assert_eq!(code(&raw_send(&h).await.unwrap().json::<Value>().await.unwrap()), 0);
    assert_eq!(deliveries(&h).await, 2);
}

#[tokio::test]
async fn invalidate_token_fault() {
    let h = H::start().await;
    fault(&h, json!({"path": LIST, "kind": "invalidate_token"})).await;
    assert_eq!(code(&h.get(LIST, "").await), 40001);
    let fresh = h.classic_token().await;
    let v = h.get_raw(&format!("{LIST}?access_token={fresh}")).await;
    assert_eq!(code(&v), 0);
}

#[tokio::test]
async fn reset_after_on_a_pooled_keep_alive_connection() {
    let h = H::start().await;
    h.user_says("u1", "hi").await;
    let pooled = reqwest::Client::new();
    let url = format!("{}{LIST}?access_token={}", h.base, h.token);
    for _ in 0..3 {
        assert!(pooled.get(&url).send().await.unwrap().status().is_success());
    }
    fault(&h, json!({"path": SEND, "kind": "reset_after"})).await;
    let send = || {
        pooled
            .post(format!("{}{SEND}?access_token={}", h.base, h.token))
            .body(json!({"touser":"u1","msgtype":"text","text":{"content":"hi"}}).to_string())
            .send()
    };
    assert!(send().await.is_err(), "the reset must reach the client");
    assert_eq!(deliveries(&h).await, 1, "applied exactly once (no silent client retry)");
    let v: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(code(&v), 0);
    assert_eq!(deliveries(&h).await, 2);
}

#[tokio::test]
async fn garbage_never_crashes_the_server() {
    let h = H::start().await;
    let t = &h.token;
    let bad_queries = [
        format!("{LIST}?access_token=%FF%FE"),
        format!("{LIST}?access_token"),
        format!("{LIST}?&&=&access_token={t}&access_token=x"),
        format!("/customservice/kfaccount/del?access_token={t}&kf_account"),
        format!("/customservice/kfsession/getsession?access_token={t}&openid=%00"),
    ];
    for q in &bad_queries {
        let r = h.c.get(format!("{}{q}", h.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{q}");
    }
    let bodies = [
        "\u{0}\u{1}".to_string(),
        "[]".to_string(),
        "null".to_string(),
        json!({"starttime": i64::MAX, "endtime": i64::MIN, "msgid": u64::MAX, "number": -1}).to_string(),
        json!({"starttime": 0, "endtime": i64::MAX, "msgid": 1, "number": 1}).to_string(),
        json!({"starttime": 1.5, "endtime": 2, "msgid": 1, "number": 1}).to_string(),
    ];
    for b in &bodies {
        let v = h.post_raw(&format!("/customservice/msgrecord/getmsglist?access_token={t}"), b).await;
        assert_ne!(code(&v), 0, "{b}");
        let v = h.post_raw(&format!("{SEND}?access_token={t}"), b).await;
        assert_ne!(code(&v), 0, "{b}");
    }
    assert_eq!(h.admin_status("clock/advance", json!({"secs": 1e300})).await, 200);
    assert_eq!(h.admin_status("records/bulk", json!({"start": i64::MIN, "end": i64::MAX, "count": 5})).await, 400);
    assert_eq!(h.admin_status("config", json!({"token_expires_in": i64::MAX})).await, 200);
    // still alive
    let r = h.c.get(format!("{}/__admin/state", h.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(h.classic_token().await.len() > 10);
}
