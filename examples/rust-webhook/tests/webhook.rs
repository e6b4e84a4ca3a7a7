//! The example as WeChat sees it: the emulator pushes encrypted user messages to the running
//! `wxkf-webhook` binary, which answers with a transfer to the named kf.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::json;
use wxkf_e2e::{Harness, APPID};

const TOKEN: &str = "webhookToken42";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const KF: &str = "dana@gh_emulator";

/// The running example; killed when dropped so a failed assertion leaves no process behind.
struct Webhook(Child);

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the example on a free port with `transfer_kf` and returns it with its URL.
fn start_webhook(transfer_kf: Option<&str>) -> (Webhook, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wxkf-webhook"));
    cmd.env("WXKF_CALLBACK_TOKEN", TOKEN)
        .env("WXKF_AES_KEY", AES_KEY)
        .env("WXKF_APPID", APPID)
        .env("PORT", "0")
        .env_remove("WXKF_TRANSFER_KF")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(kf) = transfer_kf {
        cmd.env("WXKF_TRANSFER_KF", kf);
    }
    let mut child = cmd.spawn().expect("spawn wxkf-webhook");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("first line");
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    (Webhook(child), url.to_string())
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
