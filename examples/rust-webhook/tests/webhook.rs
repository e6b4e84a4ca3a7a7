//! The example as WeChat sees it: the emulator pushes encrypted user messages to the running
//! `wxkf-webhook` binary, which answers with a transfer to the named kf — or, with an
//! AppSecret, answers `success` at once and sends its kf reply afterwards (the 5-second rule),
//! handling each push once however often WeChat retries it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wxkf_e2e::{Harness, APPID, SECRET};

const TOKEN: &str = "webhookToken42";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const KF: &str = "dana@gh_emulator";

/// The running example; killed when dropped so a failed assertion leaves no process behind.
struct Webhook {
    child: Child,
    /// What it printed after its first line.
    lines: Arc<Mutex<Vec<String>>>,
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Webhook {
    /// Waits (30 s at most) until it printed `n` lines starting with `push `, and returns them.
    async fn pushes(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let lines: Vec<String> = self
                .lines
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .filter(|l| l.starts_with("push "))
                .cloned()
                .collect();
            if lines.len() >= n || Instant::now() > deadline {
                return lines;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Starts the example on a free port with `env` and returns it with its URL.
fn start_with(env: &[(&str, &str)]) -> (Webhook, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wxkf-webhook"));
    cmd.env("WXKF_CALLBACK_TOKEN", TOKEN)
        .env("WXKF_AES_KEY", AES_KEY)
        .env("WXKF_APPID", APPID)
        .env("PORT", "0")
        .env_remove("WXKF_TRANSFER_KF")
        .env_remove("WXKF_APP_SECRET")
        .env_remove("WXKF_API_BASE")
        .env_remove("WXKF_WORK_MS")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn wxkf-webhook");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    // Keep reading (a closed pipe would fail the example's next line).
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in stdout.lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap_or_else(|p| p.into_inner()).push(line);
        }
    });
    (Webhook { child, lines }, url.to_string())
}

/// Starts the example with `transfer_kf` (no kf handler).
fn start_webhook(transfer_kf: Option<&str>) -> (Webhook, String) {
    match transfer_kf {
        Some(kf) => start_with(&[("WXKF_TRANSFER_KF", kf)]),
        None => start_with(&[]),
    }
}

/// An emulator, and the example answering its users with kf messages after `work_ms`.
async fn kf_handler(work_ms: u64) -> (Harness, Webhook, String) {
    let h = Harness::start(|c| {
        c.callback_token = TOKEN.into();
        c.aes_key = Some(AES_KEY.into());
    })
    .await
    .expect("emulator");
    let base = h.base_url();
    let work = work_ms.to_string();
    let (webhook, url) =
        start_with(&[("WXKF_APP_SECRET", SECRET), ("WXKF_API_BASE", base.as_str()), ("WXKF_WORK_MS", work.as_str())]);
    (h, webhook, url)
}

/// The kf messages the emulator delivered to `openid`, waiting (30 s at most) for `n`.
async fn delivered(h: &Harness, openid: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let to_user: Vec<Value> = h.deliveries().await.into_iter().filter(|d| d["touser"] == openid).collect();
        if to_user.len() >= n || Instant::now() > deadline {
            return to_user;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn typing_shown(h: &Harness, openid: &str) -> bool {
    let state = h.admin_get("state").await;
    state["users"].as_array().into_iter().flatten().any(|u| u["openid"] == openid && u["typing"] == true)
}

async fn emulator_pushing_to(url: &str) -> Harness {
    Harness::start(|c| {
        c.callback_token = TOKEN.into();
        c.aes_key = Some(AES_KEY.into());
        c.webhook_url = Some(url.to_string());
    })
    .await
    .expect("emulator")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_user_message_is_handed_to_the_named_kf() {
    let (_webhook, url) = start_webhook(Some(KF));
    let h = emulator_pushing_to(&url).await;
    h.client().expect("client").add_kf_account(KF, "Dana").await.expect("add kf");
    h.kf_ready(KF).await;

    let answer = h.admin("user/message", json!({"openid": "oHOOK_user_1", "content": "我要退货 📦"})).await;
    let push = &answer["push"];
    assert_eq!(push["delivered"], true, "{answer}");
    assert_eq!(push["reply_kind"], "transfer_customer_service", "{answer}");
    assert_eq!(push["applied"]["action"], "session_created", "{answer}");
    assert_eq!(push["applied"]["kf_account"], KF, "{answer}");
    // The reply came back encrypted: the emulator decrypted and verified it to apply it.
    assert!(push["reply_xml"].as_str().unwrap_or_default().contains(KF), "{answer}");

    let state = h.admin_get("state").await;
    let sessions = state["sessions"].to_string();
    assert!(sessions.contains("oHOOK_user_1") && sessions.contains(KF), "{state}");
    assert!(!state["wait_queue"].to_string().contains("oHOOK_user_1"), "{state}");

    // The emulator then pushes kf_create_session in the background; the example acknowledges
    // it with `success` instead of transferring again.
    let mut kinds = Vec::new();
    for _ in 0..250 {
        let pushes = h.admin_get("pushes").await;
        kinds = pushes["pushes"]
            .as_array()
            .expect("pushes")
            .iter()
            .map(|p| format!("{}|{}", p["kind"].as_str().unwrap_or("?"), p["reply_kind"].as_str().unwrap_or("?")))
            .collect();
        if kinds.len() > 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(kinds.get(1).map(String::as_str), Some("event:kf_create_session|none"), "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_named_kf_the_user_waits_in_the_queue() {
    let (_webhook, url) = start_webhook(None);
    let h = emulator_pushing_to(&url).await;
    let answer = h.admin("user/message", json!({"openid": "oHOOK_user_2", "content": "hello"})).await;
    assert_eq!(answer["push"]["reply_kind"], "transfer_customer_service", "{answer}");
    assert_eq!(answer["push"]["applied"]["action"], "queued", "{answer}");
    let state = h.admin_get("state").await;
    assert!(state["wait_queue"].to_string().contains("oHOOK_user_2"), "{state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_signed_with_another_token_is_refused() {
    let (_webhook, url) = start_webhook(Some(KF));
    let h = Harness::start(|c| {
        c.callback_token = "someOtherToken".into();
        c.aes_key = Some(AES_KEY.into());
        c.webhook_url = Some(url.clone());
    })
    .await
    .expect("emulator");
    let answer = h.admin("user/message", json!({"openid": "oHOOK_user_3", "content": "hi"})).await;
    assert_eq!(answer["push"]["status"], 403, "{answer}");
    assert_ne!(answer["push"]["reply_kind"], "transfer_customer_service", "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_works_8_s_still_answers_within_5_s_and_its_message_arrives() {
    let (h, webhook, url) = kf_handler(8_000).await;
    h.admin("config", json!({"webhook_url": url, "push_timeout_ms": 5_000, "push_retries": 3})).await;
    let user = "oHOOK_slow";
    let started = Instant::now();
    let answer = h.admin("user/message", json!({"openid": user, "content": "what is my balance?"})).await;
    let answered_in = started.elapsed();
    eprintln!("webhook answered the push in {answered_in:?} (handler works 8 s)");
    let push = &answer["push"];
    assert_eq!(push["attempts"], 1, "answered within the emulator's 5 s, not retried: {answer}");
    assert_eq!((push["delivered"].as_bool(), push["reply_kind"].as_str()), (Some(true), Some("none")), "{answer}");
    // While the handler works the user sees "typing…" (the handler has 8 s to go: poll for it).
    let mut typing = false;
    let deadline = Instant::now() + Duration::from_secs(6);
    while !typing && Instant::now() < deadline && h.deliveries().await.is_empty() {
        typing = typing_shown(&h, user).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(typing, "typing shown while the handler worked");
    let sent = delivered(&h, user, 1).await;
    assert_eq!(sent.len(), 1, "the handler's message reached the user: {sent:?}");
    assert_eq!(sent[0]["body"]["text"]["content"], "You wrote: what is my balance?");
    assert!(!typing_shown(&h, user).await, "the message cancelled typing");
    assert_eq!(webhook.pushes(1).await, vec![format!("push handled from={user}")]);
}

/// Forwards pushes to the example but answers the emulator only after `delay` (a slow network):
/// every attempt reaches the example, and the emulator, waiting less, retries.
async fn slow_proxy(to: String, delay: Duration) -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let forwarded = Arc::new(AtomicUsize::new(0));
    let count = forwarded.clone();
    let http = reqwest::Client::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/wechat", listener.local_addr().expect("addr"));
    let app = axum::Router::new().route(
        "/wechat",
        axum::routing::post(move |query: axum::extract::RawQuery, body: String| {
            let (http, to, count) = (http.clone(), to.clone(), count.clone());
            async move {
                // Detached: the forward completes even when the emulator stops waiting.
                let target = format!("{to}?{}", query.0.unwrap_or_default());
                let forward = tokio::spawn(async move {
                    let text = match http.post(target).body(body).send().await {
                        Ok(r) => r.text().await.unwrap_or_default(),
                        Err(e) => e.to_string(),
                    };
                    count.fetch_add(1, Ordering::SeqCst);
                    text
                });
                let text = forward.await.unwrap_or_default();
                tokio::time::sleep(delay).await;
                text
            }
        }),
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, forwarded, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulators_three_retries_of_one_push_are_handled_once() {
    let (h, webhook, url) = kf_handler(0).await;
    let (proxy, forwarded, task) = slow_proxy(url, Duration::from_millis(600)).await;
    h.admin("config", json!({"webhook_url": proxy, "push_timeout_ms": 200, "push_retries": 3})).await;
    let user = "oHOOK_retried";
    let answer = h.admin("user/message", json!({"openid": user, "content": "once please"})).await;
    assert_eq!(answer["push"]["attempts"], 4, "the first try and three retries: {answer}");
    let lines = webhook.pushes(4).await;
    let handled = lines.iter().filter(|l| l.starts_with("push handled")).count();
    let duplicates = lines.iter().filter(|l| l.starts_with("push duplicate")).count();
    assert_eq!((handled, duplicates), (1, 3), "{lines:?}");
    assert_eq!(forwarded.load(Ordering::SeqCst), 4);
    // The handler ran once: one kf message (a handled duplicate would have printed `handled`).
    let sent = delivered(&h, user, 1).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_distinct_messages_in_the_same_second_are_both_handled() {
    let (h, webhook, url) = kf_handler(0).await;
    h.admin("config", json!({"webhook_url": url})).await;
    let user = "oHOOK_twice";
    let first = h.admin("user/message", json!({"openid": user, "content": "first"})).await;
    let second = h.admin("user/message", json!({"openid": user, "content": "second"})).await;
    assert_eq!((first["push"]["attempts"].as_u64(), second["push"]["attempts"].as_u64()), (Some(1), Some(1)));
    let lines = webhook.pushes(2).await;
    assert_eq!(lines, vec![format!("push handled from={user}"), format!("push handled from={user}")]);
    let sent = delivered(&h, user, 2).await;
    let mut texts: Vec<&str> = sent.iter().filter_map(|d| d["body"]["text"]["content"].as_str()).collect();
    texts.sort_unstable();
    assert_eq!(texts, ["You wrote: first", "You wrote: second"]);
}
