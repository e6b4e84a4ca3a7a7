//! The production guards over a scripted transport: reply budgets (enforce, warn, refunds,
//! what WeChat's answers close), push deduplication, the force-refresh interval, the token
//! breaker after a quota error, serving a valid token while refreshes fail, and a token store
//! that is down.
#![cfg(feature = "guards")]

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use common::fake::{json, Fake, TestClock};
use wxkf::budget::{BudgetRefusal, UserAction};
use wxkf::callback::{signature, CallbackConfig, PushQuery, Webhook};
use wxkf::client::{BudgetFallback, CachedToken, Client, ClientConfig, MemoryStore, TokenStore};
use wxkf::{BudgetMode, GuardKind, HttpRequest, KfError, Message};

const TOKEN: &str = "/cgi-bin/stable_token";
const SEND: &str = "/cgi-bin/message/custom/send";
const LIST: &str = "/cgi-bin/customservice/getkflist";
const MIN: i64 = 60_000;

fn path(req: &HttpRequest) -> &str {
    wxkf::http::url_path(&req.url)
}

/// WeChat: tokens, and `send` answers `send_answer`.
fn wechat(send_answer: &'static str) -> Arc<Fake> {
    Fake::new(move |req, _| match path(req) {
        TOKEN => json(r#"{"access_token":"TOKEN-GUARDS-1","expires_in":7200}"#),
        SEND => json(send_answer),
        _ => json(r#"{"kf_list":[]}"#),
    })
}

fn client(fake: &Arc<Fake>, mode: BudgetMode) -> Client<Arc<Fake>, MemoryStore, TestClock> {
    let config = ClientConfig::stable("wx1", "APP-SECRET-GUARDS").base_url("http://wx.test").budget_mode(mode);
    Client::new(config, fake.clone(), MemoryStore::new(), TestClock::default())
}

fn guard_of(r: Result<(), KfError>) -> Option<GuardKind> {
    match r {
        Err(KfError::Guard { guard_kind, .. }) => Some(guard_kind),
        _ => None,
    }
}

#[tokio::test]
async fn after_a_message_five_sends_go_and_the_sixth_is_refused_before_the_network() {
    let fake = wechat(r#"{"errcode":0}"#);
    let c = client(&fake, BudgetMode::Enforce);
    assert_eq!(guard_of(c.send_message("o1", Message::text("hi")).await), Some(GuardKind::OutOfWindow));
    assert_eq!(fake.count(SEND), 0);
    c.record_action("o1", UserAction::Message).await.unwrap();
    for left in (0..5).rev() {
        c.send_message("o1", Message::text("hi")).await.unwrap();
        assert_eq!(c.budget("o1").await.unwrap().remaining, Some(left));
    }
    let refused = c.send_message("o1", Message::text("one more")).await;
    assert!(matches!(&refused, Err(KfError::Guard { guard_kind: GuardKind::BudgetSpent, until_ms: Some(_), .. })));
    assert_eq!(fake.count(SEND), 5, "the sixth never reached the network");
    let view = serde_json::to_value(refused.unwrap_err().view()).unwrap();
    assert_eq!((view["kind"].as_str(), view["code"].as_str()), (Some("guard"), Some("BUDGET_SPENT")));
    assert_eq!(c.budget("o1").await.unwrap().refusal, Some(BudgetRefusal::Spent));
}

#[tokio::test]
async fn a_click_allows_three_within_a_minute_and_a_payment_more_than_five() {
    let fake = wechat(r#"{"errcode":0}"#);
    let c = client(&fake, BudgetMode::Enforce);
    c.record_action("o1", UserAction::MenuClick).await.unwrap();
    for _ in 0..3 {
        c.send_message("o1", Message::text("hi")).await.unwrap();
    }
    assert_eq!(guard_of(c.send_message("o1", Message::text("hi")).await), Some(GuardKind::BudgetSpent));
    c.record_action("o2", UserAction::MenuClick).await.unwrap();
    c.clock().offset_ms.store(MIN + 1, Ordering::SeqCst);
    assert_eq!(guard_of(c.send_message("o2", Message::text("hi")).await), Some(GuardKind::OutOfWindow));
    c.record_action("o3", UserAction::Payment).await.unwrap();
    for _ in 0..8 {
        c.send_message("o3", Message::text("paid")).await.unwrap();
    }
    assert_eq!(c.budget("o3").await.unwrap().remaining, None, "no limit within 48 h of a payment");
}

#[tokio::test]
async fn refusals_by_wechat_give_the_message_back_and_45047_spends_the_rest() {
    let invalid = wechat(r#"{"errcode":40003,"errmsg":"invalid openid"}"#);
    let c = client(&invalid, BudgetMode::Enforce);
    c.record_action("o1", UserAction::Message).await.unwrap();
    assert!(matches!(c.send_message("o1", Message::text("hi")).await, Err(KfError::Api { errcode: 40003, .. })));
    assert_eq!(c.budget("o1").await.unwrap().remaining, Some(5), "not delivered: not counted");

    let limited = wechat(r#"{"errcode":45047,"errmsg":"out of response count limit"}"#);
    let c = client(&limited, BudgetMode::Enforce);
    c.record_action("o1", UserAction::Message).await.unwrap();
    assert!(matches!(c.send_message("o1", Message::text("hi")).await, Err(KfError::Api { errcode: 45047, .. })));
    assert_eq!(guard_of(c.send_message("o1", Message::text("hi")).await), Some(GuardKind::BudgetSpent));
    assert_eq!(limited.count(SEND), 1, "WeChat knows better: the next one waits for the user");
}

#[tokio::test]
async fn warn_sends_anyway_off_counts_nothing_and_the_fallback_hears_of_refusals() {
    let fake = wechat(r#"{"errcode":0}"#);
    let warn = client(&fake, BudgetMode::Warn);
    warn.send_message("o1", Message::text("hi")).await.unwrap();
    let off = client(&fake, BudgetMode::Off);
    off.send_message("o1", Message::text("hi")).await.unwrap();
    assert_eq!(fake.count(SEND), 2);

    struct Heard(AtomicU64);
    #[async_trait]
    impl BudgetFallback for Heard {
        async fn refused(&self, openid: &str, error: &KfError) {
            assert_eq!(openid, "o9");
            assert!(matches!(error, KfError::Guard { guard_kind: GuardKind::OutOfWindow, .. }));
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let heard = Arc::new(Heard(AtomicU64::new(0)));
    let c = client(&fake, BudgetMode::Enforce).with_budget_fallback(heard.clone());
    assert!(c.send_message("o9", Message::text("hi")).await.is_err());
    assert_eq!(heard.0.load(Ordering::SeqCst), 1);
}

const HOOK_TOKEN: &str = "hooktoken";

fn signed(nonce: &str, ts: &str) -> PushQuery {
    PushQuery {
        signature: signature(HOOK_TOKEN, ts, nonce),
        timestamp: ts.into(),
        nonce: nonce.into(),
        ..PushQuery::default()
    }
}

fn text_push(msg_id: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
         <CreateTime>1795449600</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>\
         <MsgId>{msg_id}</MsgId></xml>"
    )
}

#[tokio::test]
async fn a_retried_push_is_a_duplicate_and_two_messages_in_one_second_are_not() {
    let fake = wechat(r#"{"errcode":0}"#);
    let c = client(&fake, BudgetMode::Enforce);
    let hook = Webhook::new(CallbackConfig::new(HOOK_TOKEN, None, "wx1"), None).unwrap();
    let ts = "1795449600";
    let now = 1_795_449_600;
    let first = c.accept_push(&hook, &signed("n1", ts), text_push("100").as_bytes(), now).await.unwrap();
    assert!(!first.duplicate);
    // WeChat's retry: the same message, freshly signed (a new nonce passes the replay guard).
    let retry = c.accept_push(&hook, &signed("n2", ts), text_push("100").as_bytes(), now).await.unwrap();
    assert!(retry.duplicate);
    let other = c.accept_push(&hook, &signed("n3", ts), text_push("101").as_bytes(), now).await.unwrap();
    assert!(!other.duplicate, "another message in the same second");
    // The user's message opened their budget.
    assert_eq!(c.budget("o1").await.unwrap().remaining, Some(5));
    c.send_message("o1", Message::text("hello")).await.unwrap();
}

#[tokio::test]
async fn a_force_refresh_waits_its_interval() {
    let fake = wechat(r#"{"errcode":0}"#);
    let c = client(&fake, BudgetMode::Off);
    c.get_stable_access_token(true).await.unwrap();
    let again = c.get_stable_access_token(true).await;
    assert!(matches!(again, Err(KfError::Guard { guard_kind: GuardKind::ForceRefreshTooSoon, .. })), "{again:?}");
    assert_eq!(fake.count(TOKEN), 1);
    c.get_stable_access_token(false).await.unwrap();
    c.clock().offset_ms.store(30_001, Ordering::SeqCst);
    c.get_stable_access_token(true).await.unwrap();
    assert_eq!(fake.count(TOKEN), 3);
}

#[tokio::test]
async fn a_quota_error_opens_the_breaker_and_nothing_is_fetched_during_the_cool_down() {
    let quota = Arc::new(AtomicBool::new(true));
    let q = quota.clone();
    let fake = Fake::new(move |req, _| match path(req) {
        TOKEN if q.load(Ordering::SeqCst) => json(r#"{"errcode":45009,"errmsg":"reach max api daily quota limit"}"#),
        TOKEN => json(r#"{"access_token":"TOKEN-GUARDS-2","expires_in":7200}"#),
        _ => json(r#"{"kf_list":[]}"#),
    });
    let c = client(&fake, BudgetMode::Off);
    assert!(matches!(c.get_kf_list().await, Err(KfError::Api { errcode: 45009, .. })));
    for _ in 0..10 {
        let r = c.get_kf_list().await;
        assert!(matches!(r, Err(KfError::Guard { guard_kind: GuardKind::TokenBreakerOpen, .. })), "{r:?}");
    }
    assert_eq!(fake.count(TOKEN), 1, "no fetch during the cool-down");
    quota.store(false, Ordering::SeqCst);
    c.clock().offset_ms.store(60_001, Ordering::SeqCst);
    c.get_kf_list().await.unwrap();
    assert_eq!(fake.count(TOKEN), 2);
}

#[tokio::test]
async fn a_token_still_valid_is_served_while_refreshes_fail() {
    let down = Arc::new(AtomicBool::new(false));
    let d = down.clone();
    let fake = Fake::new(move |req, _| match path(req) {
        TOKEN if d.load(Ordering::SeqCst) => json(r#"{"errcode":-1,"errmsg":"system error"}"#),
        TOKEN => json(r#"{"access_token":"TOKEN-GUARDS-3","expires_in":7200}"#),
        _ => json(r#"{"kf_list":[]}"#),
    });
    let c = client(&fake, BudgetMode::Off);
    c.get_kf_list().await.unwrap();
    down.store(true, Ordering::SeqCst);
    // Inside the refresh margin (5 min before expiry): a refresh is due and fails.
    c.clock().offset_ms.store(7_000_000, Ordering::SeqCst);
    c.get_kf_list().await.unwrap();
    assert!(fake.count(TOKEN) > 1, "a refresh was tried");
    c.clock().offset_ms.store(7_300_000, Ordering::SeqCst);
    assert!(c.get_kf_list().await.is_err(), "an expired token is not served");
}

/// A token store whose every call fails (a Redis outage).
struct Down;

#[async_trait]
impl TokenStore for Down {
    async fn get(&self, _: &str) -> Result<Option<CachedToken>, KfError> {
        Err(KfError::transport(wxkf::TransportKind::Connect, "store down"))
    }
    async fn set(&self, _: &str, _: &CachedToken) -> Result<(), KfError> {
        Err(KfError::transport(wxkf::TransportKind::Connect, "store down"))
    }
    async fn invalidate(&self, _: &str, _: &str) -> Result<(), KfError> {
        Err(KfError::transport(wxkf::TransportKind::Connect, "store down"))
    }
    async fn try_lock(&self, _: &str, _: u64, _: &str) -> Result<bool, KfError> {
        Err(KfError::transport(wxkf::TransportKind::Connect, "store down"))
    }
    fn is_shared(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn a_store_that_is_down_falls_back_to_this_process_and_fetches_once() {
    let fake = wechat(r#"{"errcode":0}"#);
    let config = ClientConfig::stable("wx1", "APP-SECRET-GUARDS").base_url("http://wx.test");
    let c = Client::new(config, fake.clone(), Down, TestClock::default());
    for _ in 0..20 {
        c.get_kf_list().await.unwrap();
    }
    assert_eq!(fake.count(TOKEN), 1);
    assert_eq!(fake.count(LIST), 20);
}

/// A guard store that counts every operation.
#[derive(Default)]
struct CountingStore(AtomicU64);

#[async_trait]
impl wxkf::client::KvStore for CountingStore {
    async fn get(&self, _: &str) -> Result<Option<String>, KfError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(None)
    }
    async fn set(&self, _: &str, _: String, _: u64) -> Result<(), KfError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    async fn delete(&self, _: &str) -> Result<(), KfError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn with_the_budget_off_sends_never_touch_the_guard_store() {
    let store = Arc::new(CountingStore::default());
    for answer in [r#"{"errcode":0}"#, r#"{"errcode":40003,"errmsg":"invalid openid"}"#] {
        let fake = wechat(answer);
        let c = client(&fake, BudgetMode::Off).with_guard_store(store.clone());
        for _ in 0..3 {
            let _ = c.send_message("o1", Message::text("hi")).await;
        }
        assert_eq!(fake.count(SEND), 3);
    }
    assert_eq!(store.0.load(Ordering::SeqCst), 0, "budget_mode off: no store round trip per send");
    // The same store is used once the budget is on.
    let c = client(&wechat(r#"{"errcode":0}"#), BudgetMode::Warn).with_guard_store(store.clone());
    c.send_message("o1", Message::text("hi")).await.unwrap();
    assert!(store.0.load(Ordering::SeqCst) > 0);
}
