//! Client behaviour over a scripted transport: tokens, retries, paging.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::fake::{json, token_of, Fake, TestClock};
use wxkf::api::message::send_typing::TypingCommand;
use wxkf::client::{CachedToken, Client, ClientConfig, MemoryStore, RetryPolicy, TokenProvider};
use wxkf::{HttpRequest, KfError, Message, TransportKind};

const TOKEN: &str = "/cgi-bin/stable_token";
const SEND: &str = "/cgi-bin/message/custom/send";
const LIST: &str = "/cgi-bin/customservice/getkflist";

fn client(fake: Arc<Fake>) -> Client<Arc<Fake>, MemoryStore, TestClock> {
    let config = ClientConfig::stable("wx1", "SECRET").base_url("http://wx.test");
    Client::new(config, fake, MemoryStore::new(), TestClock::default())
}

fn path(req: &HttpRequest) -> &str {
    wxkf::http::url_path(&req.url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_calls_on_a_cold_cache_fetch_one_token() {
    let fake = Fake::with_delay(20, |req, _| match path(req) {
        TOKEN => json(r#"{"access_token":"T1","expires_in":7200}"#),
        _ => json(r#"{"kf_list":[]}"#),
    });
    let c = Arc::new(client(fake.clone()));
    let calls = (0..100).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.get_kf_list().await })
    });
    for r in futures_util::future::join_all(calls).await {
        assert!(r.unwrap().is_ok());
    }
    assert_eq!(fake.count(TOKEN), 1);
    assert_eq!(fake.count(LIST), 100);
    assert_eq!(c.token_fetches(), 1);
}

#[tokio::test]
async fn token_error_refreshes_once_and_retries_once() {
    let fetched = Arc::new(AtomicU64::new(0));
    let f = fetched.clone();
    let fake = Fake::new(move |req, _| match path(req) {
        TOKEN => {
            let n = f.fetch_add(1, Ordering::SeqCst) + 1;
            json(&format!(r#"{{"access_token":"T{n}","expires_in":7200}}"#))
        }
        _ if token_of(req) == "T1" => json(r#"{"errcode":40001,"errmsg":"invalid credential"}"#),
        _ => json(r#"{"errcode":0,"errmsg":"ok"}"#),
    });
    let c = client(fake.clone());
    c.send_message("o1", Message::text("hi")).await.unwrap();
    assert_eq!(fake.count(TOKEN), 2);
    assert_eq!(fake.count(SEND), 2, "rejected once with T1, sent once with T2");
}

#[tokio::test]
async fn persistent_token_errors_stop_after_one_retry() {
    let fake = Fake::new(|req, n| match path(req) {
        TOKEN => json(&format!(r#"{{"access_token":"T{n}","expires_in":7200}}"#)),
        _ => json(r#"{"errcode":42001,"errmsg":"access_token expired"}"#),
    });
    let c = client(fake.clone());
    let err = c.get_kf_list().await.unwrap_err();
    assert_eq!(err.errcode(), Some(42001));
    assert_eq!(fake.count(LIST), 2);
    assert_eq!(fake.count(TOKEN), 2);
}

#[tokio::test]
async fn credential_errors_are_never_retried_and_hint_at_provider() {
    let fake = Fake::new(|_, _| json(r#"{"errcode":40164,"errmsg":"invalid ip 1.2.3.4"}"#));
    let c = client(fake.clone());
    let err = c.get_kf_list().await.unwrap_err();
    assert_eq!(err.errcode(), Some(40164));
    assert!(err.to_string().contains("token provider"));
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn invalidation_is_compare_and_swap() {
    // Two callers fail with the same old token: only one refresh happens.
    let fetched = Arc::new(AtomicU64::new(0));
    let f = fetched.clone();
    let fake = Fake::with_delay(10, move |req, _| match path(req) {
        TOKEN => {
            let n = f.fetch_add(1, Ordering::SeqCst) + 1;
            json(&format!(r#"{{"access_token":"T{n}","expires_in":7200}}"#))
        }
        _ if token_of(req) == "T1" => json(r#"{"errcode":40014,"errmsg":"invalid access_token"}"#),
        _ => json(r#"{"kf_list":[]}"#),
    });
    let c = Arc::new(client(fake.clone()));
    c.access_token().await.unwrap();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get_kf_list().await })
        })
        .collect();
    for r in futures_util::future::join_all(calls).await {
        assert!(r.unwrap().is_ok());
    }
    assert_eq!(fake.count(TOKEN), 2, "one initial fetch and one refresh for all ten failures");
}

#[tokio::test]
async fn reads_retry_on_busy_and_writes_do_not_retry_on_timeout() {
    let fake = Fake::new(|req, _| match path(req) {
        TOKEN => json(r#"{"access_token":"T","expires_in":7200}"#),
        LIST => json(r#"{"errcode":-1,"errmsg":"system busy"}"#),
        _ => Err(KfError::transport(TransportKind::Timeout, "timed out")),
    });
    let c = client(fake.clone());
    assert_eq!(c.get_kf_list().await.unwrap_err().errcode(), Some(-1));
    assert_eq!(fake.count(LIST), 3, "max_attempts reads");
    let err = c.send_message("o", Message::text("x")).await.unwrap_err();
    assert!(matches!(err, KfError::Transport { transport_kind: TransportKind::Timeout, .. }));
    assert_eq!(fake.count(SEND), 1, "a write that may have left is never resent");
    assert!(c.send_typing("o", TypingCommand::Typing).await.is_err());
    assert_eq!(fake.count("/cgi-bin/message/custom/typing"), 1);
}

#[tokio::test]
async fn writes_retry_when_the_request_surely_never_left() {
    let fake = Fake::new(|req, n| match path(req) {
        TOKEN => json(r#"{"access_token":"T","expires_in":7200}"#),
        _ if n < 2 => Err(KfError::transport(TransportKind::Connect, "refused")),
        _ => json(r#"{"errcode":0}"#),
    });
    let c = client(fake.clone());
    c.send_message("o", Message::text("x")).await.unwrap();
    assert_eq!(fake.count(SEND), 2);
}

#[tokio::test]
async fn validation_fails_before_the_network() {
    let fake = Fake::new(|_, _| json("{}"));
    let c = client(fake.clone());
    let err = c.add_kf_account("bad", "x").await.unwrap_err();
    assert!(matches!(err, KfError::Validation { ref field, .. } if field == "kf_account"));
    assert_eq!(fake.calls.load(Ordering::SeqCst), 0, "not even a token fetch");
}

#[tokio::test]
async fn expired_tokens_are_refreshed_ahead() {
    let fake = Fake::new(|req, n| match path(req) {
        TOKEN => json(&format!(r#"{{"access_token":"T{n}","expires_in":7200}}"#)),
        _ => json(r#"{"kf_list":[]}"#),
    });
    let c = client(fake.clone());
    c.get_kf_list().await.unwrap();
    c.clock().offset_ms.store(6_000_000, Ordering::SeqCst); // 100 min: 20 min left, still fresh
    c.get_kf_list().await.unwrap();
    assert_eq!(fake.count(TOKEN), 1);
    c.clock().offset_ms.store(6_960_000, Ordering::SeqCst); // 116 min: within 5 min of expiry
    c.get_kf_list().await.unwrap();
    assert_eq!(fake.count(TOKEN), 2);
}

struct Broker(AtomicU64);

#[async_trait::async_trait]
impl TokenProvider for Broker {
    async fn token(&self, failed: Option<&str>) -> Result<CachedToken, KfError> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        assert_eq!(failed.is_some(), n > 1);
        Ok(CachedToken { access_token: format!("P{n}").into(), expires_at_ms: i64::MAX / 2, obtained_at_ms: 0 })
    }
}

#[tokio::test]
async fn provider_tokens_are_used_and_refreshed_on_rejection() {
    let fake = Fake::new(|req, _| match token_of(req).as_str() {
        "P1" => json(r#"{"errcode":40001,"errmsg":"invalid credential"}"#),
        _ => json(r#"{"errcode":0}"#),
    });
    let broker = Arc::new(Broker(AtomicU64::new(0)));
    let config = ClientConfig::provider(broker.clone()).base_url("http://wx.test");
    let c = Client::new(config, fake.clone(), MemoryStore::new(), TestClock::default());
    c.del_kf_account("kf1@gh").await.unwrap();
    assert_eq!(broker.0.load(Ordering::SeqCst), 2);
    assert_eq!(fake.count(TOKEN), 0, "no AppSecret call in provider mode");
}

#[tokio::test]
async fn fixed_tokens_surface_token_errors() {
    let fake = Fake::new(|_, _| json(r#"{"errcode":40014,"errmsg":"invalid access_token"}"#));
    let config = ClientConfig::fixed("FIXED").base_url("http://wx.test").retry(RetryPolicy::none());
    let c = Client::new(config, fake.clone(), MemoryStore::new(), TestClock::default());
    assert_eq!(c.get_wait_case_list().await.unwrap_err().errcode(), Some(40014));
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
}

/// Hands out one huge token.
struct HugeBroker;

#[async_trait::async_trait]
impl TokenProvider for HugeBroker {
    async fn token(&self, _failed: Option<&str>) -> Result<CachedToken, KfError> {
        Ok(CachedToken { access_token: "T".repeat(10 << 20).into(), expires_at_ms: i64::MAX / 2, obtained_at_ms: 0 })
    }
}

#[tokio::test]
async fn huge_fixed_or_provided_tokens_are_refused_before_any_send() {
    let fake = Fake::new(|_, _| json(r#"{"errcode":0}"#));
    let fixed = ClientConfig::fixed("T".repeat(10 << 20)).base_url("http://wx.test");
    let provided = ClientConfig::provider(Arc::new(HugeBroker)).base_url("http://wx.test");
    for config in [fixed, provided] {
        let c = Client::new(config, fake.clone(), MemoryStore::new(), TestClock::default());
        let err = c.get_wait_case_list().await.unwrap_err();
        assert!(matches!(&err, KfError::Validation { field, .. } if field == "access_token"), "{err}");
        assert!(err.to_string().len() < 200, "the error must not carry the token");
    }
    assert_eq!(fake.calls.load(Ordering::SeqCst), 0);
}

/// A record source: `n` records per China day, paged by msgid like WeChat.
fn record_server(per_day: i64) -> Arc<Fake> {
    Fake::new(move |req, _| match path(req) {
        TOKEN => json(r#"{"access_token":"T","expires_in":7200}"#),
        _ => {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            let (start, msgid, number) = (
                body["starttime"].as_i64().unwrap(),
                body["msgid"].as_i64().unwrap(),
                body["number"].as_i64().unwrap(),
            );
            let first = msgid;
            let last = per_day.min(first + number - 1);
            let records: Vec<_> = (first..=last)
                .map(|i| serde_json::json!({"openid": format!("o{start}"), "opercode": 2001, "text": format!("m{i}"), "time": start + i, "worker": ""}))
                .collect();
            let n = records.len();
            json(&serde_json::json!({"recordlist": records, "number": n, "msgid": last + 1}).to_string())
        }
    })
}

const DAY: i64 = 1_795_449_600; // 2026-11-24 00:00 China time

#[tokio::test]
async fn record_stream_walks_days_and_pages_and_resumes_exactly() {
    let fake = record_server(25);
    let c = client(fake.clone());
    let mut all = Vec::new();
    let mut s = c.iter_msg_records_paged(DAY, DAY + 3 * 86_400, 10).unwrap();
    while let Some(r) = s.next().await.unwrap() {
        all.push(r);
    }
    assert_eq!(all.len(), 75);
    assert_eq!(s.pages_fetched(), 9, "3 pages a day: 10, 10, 5");

    // Stop after 13 records, resume from the cursor: the rest, no duplicate, no gap.
    let mut s = c.iter_msg_records_paged(DAY, DAY + 3 * 86_400, 10).unwrap();
    let mut first = Vec::new();
    for _ in 0..13 {
        first.push(s.next().await.unwrap().unwrap());
    }
    let cursor = s.cursor().unwrap();
    let json = serde_json::to_string(&cursor).unwrap();
    let mut rest = c.resume_msg_records(serde_json::from_str(&json).unwrap(), 10).unwrap();
    while let Some(r) = rest.next().await.unwrap() {
        first.push(r);
    }
    assert_eq!(first, all);
}

#[tokio::test]
async fn record_stream_is_a_stream() {
    use futures_util::StreamExt;
    let c = client(record_server(3));
    let records: Vec<_> = c.iter_msg_records(DAY, DAY + 86_400).unwrap().into_stream().collect().await;
    assert_eq!(records.len(), 3);
    assert!(c.iter_msg_records(DAY, DAY).is_err());
}

/// The next page of `walk`, parsed whole or (`text`) kept as text and taken a record, then
/// the rest.
async fn next_page_of(
    walk: &mut wxkf::client::RecordWalk,
    c: &Client<Arc<Fake>, MemoryStore, TestClock>,
    text: bool,
) -> Vec<wxkf::api::record::get_msg_list::MsgRecord> {
    if !text {
        return walk.next_page(c).await.unwrap();
    }
    let Some(mut page) = walk.next_text_page(c).await.unwrap() else { return Vec::new() };
    let mut records = page.take(1).unwrap();
    records.extend(page.take(usize::MAX).unwrap());
    records
}

/// The walk the bindings hold: stop after any number of records, even right after a resume
/// that started mid-page, and the cursor resumes with exactly the rest; with pages parsed
/// whole and with pages kept as text (the npm package's).
#[tokio::test]
async fn record_walk_cursor_is_exact_at_every_stop() {
    for text in [false, true] {
        record_walk_stops(text).await;
    }
}

async fn record_walk_stops(text: bool) {
    use wxkf::client::RecordWalk;
    let c = client(record_server(7));
    let (from, to) = (DAY, DAY + 2 * 86_400);
    let mut all = Vec::new();
    let mut walk = RecordWalk::new(from, to, 3).unwrap();
    loop {
        let page = next_page_of(&mut walk, &c, text).await;
        if page.is_empty() {
            break;
        }
        all.extend(page);
    }
    assert_eq!(all.len(), 14);
    assert!(walk.is_done() && walk.cursor(0, 0).is_none());

    // Take `a` records, resume, take `b` more, resume again, read the rest.
    for a in 0..=all.len() {
        for b in [0, 1, 2, 5] {
            let mut got = Vec::new();
            let mut walk = RecordWalk::new(from, to, 3).unwrap();
            let mut page = Vec::new();
            let mut taken = 0;
            for stop in [a, a + b] {
                while got.len() < stop.min(all.len()) {
                    if taken == page.len() {
                        page = next_page_of(&mut walk, &c, text).await;
                        taken = 0;
                    }
                    got.push(page[taken].clone());
                    taken += 1;
                }
                let Some(cursor) = walk.cursor(taken, page.len()) else { break };
                walk = RecordWalk::resume(cursor, 3).unwrap();
                (page, taken) = (Vec::new(), 0);
            }
            loop {
                let rest = next_page_of(&mut walk, &c, text).await;
                if rest.is_empty() {
                    break;
                }
                got.extend(rest);
            }
            assert_eq!(got, all, "stop after {a}, then {b} more (text pages: {text})");
        }
    }
}

/// An endpoint that counts how often it is validated and built.
struct Counted {
    validations: AtomicU64,
    builds: AtomicU64,
}

impl wxkf::Endpoint for Counted {
    type Output = ();
    const NAME: &'static str = "counted";
    const METHOD: wxkf::Method = wxkf::Method::Get;
    const PATH: &'static str = "/counted";
    const CLASS: wxkf::OpClass = wxkf::OpClass::Read;

    fn validate(&self) -> Result<(), KfError> {
        self.validations.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn body(&self, ctx: &wxkf::BuildContext<'_>) -> Result<wxkf::endpoint::Body, KfError> {
        self.builds.fetch_add(1, Ordering::SeqCst);
        assert_eq!(ctx.nonce, "", "an endpoint that does not declare NEEDS_NONCE gets none");
        Ok(wxkf::endpoint::Body::Empty)
    }

    fn parse(response: &wxkf::HttpResponse) -> Result<(), KfError> {
        wxkf::endpoint::parse_ack(response)
    }
}

#[tokio::test]
async fn a_call_is_validated_once_and_built_per_attempt() {
    // The first attempt meets "system busy" (-1), which a read retries.
    let fake = Fake::new(|req, _| match path(req) {
        TOKEN => json(r#"{"access_token":"T1","expires_in":7200}"#),
        _ if fake_count_busy(req) => json(r#"{"errcode":-1,"errmsg":"system busy"}"#),
        _ => json(r#"{"errcode":0,"errmsg":"ok"}"#),
    });
    let c = client(fake.clone());
    let counted = Counted { validations: AtomicU64::new(0), builds: AtomicU64::new(0) };
    c.execute(&counted).await.unwrap();
    assert_eq!(fake.count("/counted"), 2);
    assert_eq!(counted.builds.load(Ordering::SeqCst), 2, "built for each attempt");
    assert_eq!(counted.validations.load(Ordering::SeqCst), 1, "validated once, before the first attempt");
}

/// Busy the first time a request to `/counted` is seen (the scripted transport numbers every
/// request, token calls included, so the path's own count is kept here).
fn fake_count_busy(req: &HttpRequest) -> bool {
    static SEEN: AtomicU64 = AtomicU64::new(0);
    path(req) == "/counted" && SEEN.fetch_add(1, Ordering::SeqCst) == 0
}

#[tokio::test]
async fn each_avatar_upload_gets_its_own_multipart_boundary() {
    let fake = Fake::new(|req, _| match path(req) {
        TOKEN => json(r#"{"access_token":"T1","expires_in":7200}"#),
        _ => json(r#"{"errcode":0,"errmsg":"ok"}"#),
    });
    let c = client(fake.clone());
    for _ in 0..2 {
        c.upload_kf_head_img("kf1@gh", vec![0xFF, 0xD8, 0xFF, 0xE0]).await.unwrap();
    }
    let log = fake.log.lock().unwrap();
    let boundaries: Vec<String> = log
        .iter()
        .filter(|r| path(r) == "/customservice/kfaccount/uploadheadimg")
        .map(|r| r.header("content-type").and_then(|ct| ct.split("boundary=").nth(1)).unwrap_or("").to_string())
        .collect();
    assert_eq!(boundaries.len(), 2);
    assert!(boundaries.iter().all(|b| b.len() > "wxkf-".len() && b.starts_with("wxkf-")), "{boundaries:?}");
    assert_ne!(boundaries[0], boundaries[1]);
}
