//! Token lifecycle and faults end to end: expiry, invalidation mid-flight, `-1` bursts,
//! resets before and after a write was applied, timeouts, and the cold-cache stampede.

use std::time::Duration;

use serde_json::json;
use wxkf::{ClientConfig, KfError, Message, TransportKind};
use wxkf_e2e::{Harness, APPID, SECRET};

const USER: &str = "oE2E_user_0002";
const SEND: &str = "/cgi-bin/message/custom/send";
const LIST: &str = "/cgi-bin/customservice/getkflist";

async fn with_user(h: &Harness) {
    h.admin("user/message", json!({"openid": USER, "content": "hello"})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_token_is_refreshed_once_and_the_call_retried_once() {
    let h = Harness::start(|_| {}).await.expect("emulator");
    let c = h.client().expect("client");
    c.get_kf_list().await.expect("first call");
    assert_eq!(h.token_fetches().await, 1);
    // The emulator's clock jumps past the token's life; the client's cache still believes it.
    h.emu.advance_clock(7300.0);
    c.get_kf_list().await.expect("42001 → one refresh → one retry");
    assert_eq!(h.token_fetches().await, 2);
    assert_eq!(c.token_fetches(), 2);
    c.get_kf_list().await.expect("the new token is cached");
    assert_eq!(h.token_fetches().await, 2);
    h.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_invalidated_mid_flight_costs_one_fetch_and_a_write_is_delivered_once() {
    let h = Harness::start(|_| {}).await.expect("emulator");
    let c = h.client().expect("client");
    with_user(&h).await;
    c.get_kf_list().await.expect("warm");
    // 40001 on a write: the write was not applied, so it is refreshed and sent once more.
    h.fault(json!({"path": SEND, "kind": "invalidate_token"})).await;
    c.send_message(USER, Message::text("after invalidation")).await.expect("send");
    assert_eq!(h.token_fetches().await, 2);
    assert_eq!(h.deliveries().await.len(), 1, "delivered exactly once");
    // Concurrent calls that all fail with the same old token refresh once between them (CAS).
    h.fault(json!({"path": LIST, "kind": "invalidate_token"})).await;
    let calls = (0..20).map(|_| c.get_kf_list());
    for r in futures_util::future::join_all(calls).await {
        r.expect("each call succeeds");
    }
    let fetches = h.token_fetches().await;
    assert_eq!(fetches, 3, "one refresh for twenty failed calls");
    h.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_bursts_are_retried_on_reads_and_surfaced_on_writes() {
    let h = Harness::start(|_| {}).await.expect("emulator");
    let c = h.client().expect("client");
    with_user(&h).await;
    h.fault(json!({"path": LIST, "kind": "busy", "count": 2})).await;
    c.get_kf_list().await.expect("a read rides out two -1s");
    h.fault(json!({"path": LIST, "kind": "busy", "count": 5})).await;
    let err = c.get_kf_list().await.expect_err("three attempts, all busy");
    assert!(matches!(err, KfError::Api { errcode: -1, .. }), "{err:?}");
    h.admin("faults", json!({"path": "*", "kind": "busy", "count": 0})).await;
    let _ = reqwest::Client::new().delete(format!("{}/__admin/faults", h.base_url())).send().await;

    h.fault(json!({"path": SEND, "kind": "busy", "count": 1})).await;
    let err = c.send_message(USER, Message::text("busy")).await.expect_err("a write is not retried");
    assert!(matches!(err, KfError::Api { errcode: -1, .. }), "{err:?}");
    assert_eq!(h.deliveries().await.len(), 0);
    c.send_message(USER, Message::text("again, by the caller")).await.expect("caller's own retry");
    assert_eq!(h.deliveries().await.len(), 1);
    h.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resets_never_make_a_write_arrive_twice() {
    let h = Harness::start(|_| {}).await.expect("emulator");
    let c = h.client().expect("client");
    with_user(&h).await;
    c.get_kf_list().await.expect("warm");

    // Reset after the request was applied: the caller sees a transport error, WeChat delivered once.
    h.fault(json!({"path": SEND, "kind": "reset_after"})).await;
    let err = c.send_message(USER, Message::text("applied then reset")).await.expect_err("reset");
    assert!(matches!(err, KfError::Transport { .. }), "{err:?}");
    assert_eq!(h.deliveries().await.len(), 1, "delivered once, not re-sent");

    // Reset before it was applied: also not re-sent blindly (the client cannot tell the two apart).
    h.fault(json!({"path": SEND, "kind": "reset_before"})).await;
    let err = c.send_message(USER, Message::text("reset first")).await.expect_err("reset");
    assert!(matches!(err, KfError::Transport { .. }), "{err:?}");
    assert_eq!(h.deliveries().await.len(), 1);

    // Reads are retried through resets.
    h.fault(json!({"path": LIST, "kind": "reset_before"})).await;
    h.fault(json!({"path": "/customservice/kfsession/getwaitcase", "kind": "reset_after"})).await;
    c.get_kf_list().await.expect("read retried after reset_before");
    c.get_wait_case_list().await.expect("read retried after reset_after");

    // Opting in to write retries re-sends (for callers whose sends are idempotent).
    let eager = h
        .client_with(
            ClientConfig::stable(APPID, SECRET).retry(wxkf::RetryPolicy { retry_writes: true, ..Default::default() }),
            Duration::from_secs(5),
        )
        .expect("client");
    h.fault(json!({"path": SEND, "kind": "reset_after"})).await;
    eager.send_message(USER, Message::text("opted in")).await.expect("retried");
    assert_eq!(h.deliveries().await.len(), 3, "opt-in retry delivered twice, as documented");
    h.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_send_is_not_retried_and_arrives_once() {
    let h = Harness::start(|_| {}).await.expect("emulator");
    let c = h.client_with(ClientConfig::stable(APPID, SECRET), Duration::from_millis(300)).expect("client");
    with_user(&h).await;
    c.get_kf_list().await.expect("warm");
    h.fault(json!({"path": SEND, "kind": "latency_ms", "ms": 800, "count": 1})).await;
    let err = c.send_message(USER, Message::text("slow")).await.expect_err("timeout");
    assert!(matches!(err, KfError::Transport { transport_kind: TransportKind::Timeout, .. }), "{err:?}");
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(h.deliveries().await.len(), 1, "applied once by the server, never re-sent");
    // A read times out once and is retried.
    h.fault(json!({"path": LIST, "kind": "latency_ms", "ms": 800, "count": 1})).await;
    c.get_kf_list().await.expect("read retried after a timeout");
    h.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_calls_on_a_cold_cache_make_one_token_fetch() {
    let h = Harness::start(|_| {}).await.expect("emulator");
    let c = h.client().expect("client");
    let calls = (0..100).map(|_| c.get_kf_list());
    let results = futures_util::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    let fetches = h.token_fetches().await;
    eprintln!("100 concurrent calls on a cold cache: {fetches} token fetch(es)");
    assert_eq!(fetches, 1);
    h.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_errors_and_quota_come_back_typed() {
    let h = Harness::start(|_| {}).await.expect("emulator");
    let c = h.client().expect("client");
    h.fault(json!({"path": LIST, "kind": "http_status", "status": 503, "count": 5})).await;
    let err = c.get_kf_list().await.expect_err("503");
    assert!(matches!(err, KfError::Http { status: 503, .. }), "{err:?}");
    h.fault(json!({"path": LIST, "kind": "quota", "count": 1})).await;
    let _ = reqwest::Client::new().delete(format!("{}/__admin/faults?path={LIST}", h.base_url())).send().await;
    h.fault(json!({"path": LIST, "kind": "quota", "count": 1})).await;
    let err = c.get_kf_list().await.expect_err("45009");
    assert!(matches!(err, KfError::Api { errcode: 45009, .. }), "{err:?}");
    h.emu.shutdown().await;
}
