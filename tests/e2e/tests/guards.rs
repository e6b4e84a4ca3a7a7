//! The production guards against the emulator (issue 18): pushes from the emulator reach a
//! webhook that calls `Client::accept_push`, which opens the user's reply budget; sends in
//! `enforce` mode stop where WeChat would refuse them, before the network; a quota error on
//! the token call opens the breaker and nothing more is fetched during the cool-down.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::json;
use wxkf::budget::{BudgetRefusal, UserAction};
use wxkf::callback::{CallbackConfig, PushQuery, Webhook};
use wxkf::client::Clock;
use wxkf::{BudgetMode, ClientConfig, GuardKind, GuardOptions, KfError, Message};
use wxkf_e2e::{CountingTransport, GuardedClient, Harness, ShiftedClock, APPID, SECRET};

const SEND: &str = "/cgi-bin/message/custom/send";
const TOKEN: &str = "/cgi-bin/stable_token";
const HOOK_TOKEN: &str = "guardsHookToken";

/// The emulator pushing to an in-process webhook whose handler is `Client::accept_push` (and
/// `success`), the client in `enforce` mode over a counting transport and a shiftable clock.
struct Setup {
    h: Harness,
    client: Arc<GuardedClient>,
    sent: CountingTransport,
    clock: ShiftedClock,
    _hook: tokio::task::JoinHandle<()>,
}

impl Drop for Setup {
    fn drop(&mut self) {
        self._hook.abort();
    }
}

async fn accept(
    State((client, hook)): State<(Arc<GuardedClient>, Arc<Webhook>)>,
    Query(q): Query<PushQuery>,
    body: axum::body::Bytes,
) -> (StatusCode, &'static str) {
    let now = client.clock().now_ms() / 1000;
    match client.accept_push(&hook, &q, &body, now).await {
        Ok(_) => (StatusCode::OK, "success"),
        Err(_) => (StatusCode::FORBIDDEN, "refused"),
    }
}

async fn setup(mode: BudgetMode) -> Setup {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/wechat", listener.local_addr().expect("addr"));
    let h = Harness::start(|c| {
        c.callback_token = HOOK_TOKEN.into();
        c.webhook_url = Some(url);
    })
    .await
    .expect("emulator");
    let (client, sent, clock) =
        h.counted_client(ClientConfig::stable(APPID, SECRET).budget_mode(mode)).expect("client");
    let client = Arc::new(client);
    let hook = Arc::new(Webhook::new(CallbackConfig::new(HOOK_TOKEN, None, APPID), None).expect("webhook"));
    let app = axum::Router::new().route("/wechat", axum::routing::post(accept)).with_state((client.clone(), hook));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Setup { h, client, sent, clock, _hook: task }
}

fn guard_of(r: &Result<(), KfError>) -> Option<GuardKind> {
    match r {
        Err(KfError::Guard { guard_kind, .. }) => Some(*guard_kind),
        _ => None,
    }
}

async fn delivered_to(h: &Harness, openid: &str) -> usize {
    h.deliveries().await.iter().filter(|d| d["touser"] == openid).count()
}

/// A client on the same emulator that does not check budgets: what WeChat itself answers.
fn unchecked(h: &Harness) -> wxkf_e2e::GuardedClient {
    h.counted_client(ClientConfig::stable(APPID, SECRET).budget_mode(BudgetMode::Off)).expect("client").0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_one_user_message_five_sends_go_and_the_sixth_is_refused_before_the_network() {
    let s = setup(BudgetMode::Enforce).await;
    let user = "oGUARD_message";
    let answer = s.h.admin("user/message", json!({"openid": user, "content": "where is my parcel?"})).await;
    assert_eq!(answer["push"]["delivered"], true, "{answer}");
    assert_eq!(answer["push"]["reply_kind"], "none", "the webhook answered success: {answer}");
    assert_eq!(s.client.budget(user).await.expect("budget").remaining, Some(5));
    for n in 1..=5 {
        s.client.send_message(user, Message::text(format!("reply {n}"))).await.expect("within the budget");
    }
    let before = s.sent.total();
    let sixth = s.client.send_message(user, Message::text("reply 6")).await;
    assert_eq!(guard_of(&sixth), Some(GuardKind::BudgetSpent), "{sixth:?}");
    assert!(matches!(sixth, Err(KfError::Guard { until_ms: Some(_), .. })), "{sixth:?}");
    assert_eq!(s.sent.total(), before, "the refused send made no request at all");
    assert_eq!(s.sent.count(SEND), 5, "five sends reached the emulator");
    assert_eq!(delivered_to(&s.h, user).await, 5);
    assert_eq!(s.client.budget(user).await.expect("budget").refusal, Some(BudgetRefusal::Spent));
    // The emulator would have refused it too: the budget matches WeChat's.
    let r = unchecked(&s.h).send_message(user, Message::text("reply 6")).await;
    assert!(matches!(r, Err(KfError::Api { errcode: 45047, .. })), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_menu_click_allows_three_within_a_minute_and_none_after() {
    let s = setup(BudgetMode::Enforce).await;
    let click = |user: &str| json!({"openid": user, "event": "CLICK", "event_key": "ORDER_STATUS"});
    // Three within the minute, the fourth refused.
    let busy = "oGUARD_click_1";
    assert_eq!(s.h.admin("user/event", click(busy)).await["push"]["reply_kind"], "none");
    for _ in 0..3 {
        s.client.send_message(busy, Message::text("your order")).await.expect("within the minute");
    }
    let fourth = s.client.send_message(busy, Message::text("more")).await;
    assert_eq!(guard_of(&fourth), Some(GuardKind::BudgetSpent), "{fourth:?}");
    // One within the minute, none once it has passed (both clocks moved alike).
    let late = "oGUARD_click_2";
    s.h.admin("user/event", click(late)).await;
    s.client.send_message(late, Message::text("your order")).await.expect("within the minute");
    s.h.advance(61.0).await;
    s.clock.advance_ms(61_000);
    let after = s.client.send_message(late, Message::text("later")).await;
    assert_eq!(guard_of(&after), Some(GuardKind::OutOfWindow), "{after:?}");
    assert_eq!(s.sent.count(SEND), 4, "3 + 1 sends reached the emulator; the refused ones did not");
    assert_eq!(delivered_to(&s.h, busy).await, 3);
    assert_eq!(delivered_to(&s.h, late).await, 1);
    let r = unchecked(&s.h).send_message(late, Message::text("later")).await;
    assert!(matches!(r, Err(KfError::Api { errcode: 45015, .. })), "the emulator agrees: {r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_allows_more_than_five() {
    let s = setup(BudgetMode::Enforce).await;
    let user = "oGUARD_payment";
    // WeChat Pay tells the app, not the webhook: the app records it.
    s.h.admin("user/payment", json!({"openid": user})).await;
    s.client.record_action(user, UserAction::Payment).await.expect("record");
    for n in 1..=8 {
        s.client.send_message(user, Message::text(format!("receipt {n}"))).await.expect("no limit after a payment");
    }
    assert_eq!(delivered_to(&s.h, user).await, 8);
    assert_eq!(s.client.budget(user).await.expect("budget").remaining, None, "no count within 48 h");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_error_on_the_token_call_opens_the_breaker_and_nothing_is_fetched_during_the_cool_down() {
    let h = Harness::start(|_| {}).await.expect("emulator");
    let guards = GuardOptions { token_cooldown_ms: 60_000, ..GuardOptions::default() };
    let config = ClientConfig::stable(APPID, SECRET).guard_options(&guards).expect("options");
    let (client, sent, clock) = h.counted_client(config).expect("client");
    h.fault(json!({"path": TOKEN, "kind": "quota", "count": 100})).await;
    let first = client.get_kf_list().await;
    assert!(matches!(first, Err(KfError::Api { errcode: 45009, .. })), "{first:?}");
    let reached = |faults: serde_json::Value| 100 - faults["faults"][0]["remaining"].as_u64().unwrap_or(0);
    assert_eq!(reached(h.admin_get("faults").await), 1, "one token call reached the emulator");
    for _ in 0..10 {
        let r = client.get_kf_list().await;
        assert!(matches!(r, Err(KfError::Guard { guard_kind: GuardKind::TokenBreakerOpen, .. })), "{r:?}");
    }
    eprintln!("breaker: token calls during the cool-down: {}", sent.count(TOKEN) - 1);
    assert_eq!(sent.count(TOKEN), 1, "no token call left the client during the cool-down");
    assert_eq!(reached(h.admin_get("faults").await), 1, "none reached the emulator");
    // Cool-down over (and the quota back): the next call fetches.
    h.clear_faults().await;
    clock.advance_ms(60_001);
    client.get_kf_list().await.expect("after the cool-down");
    assert_eq!(sent.count(TOKEN), 2);
    assert_eq!(h.token_fetches().await, 1, "the one successful fetch");
}
