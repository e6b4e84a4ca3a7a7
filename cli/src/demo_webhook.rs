//! The developer's webhook the demo runs: WeChat (here the emulator) pushes each user message to
//! it, and its passive reply `transfer_customer_service` hands the user to customer service —
//! the only way a user reaches the wait queue. Events are acknowledged with `success`. Every
//! push goes through the client's `accept_push`: WeChat's retries are told apart, and what the
//! user did opens their reply budget.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::post;
use axum::Router;
use rand::{Rng, RngCore};
use wxkf::callback::Webhook;
use wxkf::{build_reply, CallbackConfig, PushQuery, Reply};
use wxkf_native::NativeClient;

use crate::error::CliError;

/// A running webhook; stopped when dropped.
pub struct DemoWebhook {
    /// Where the emulator should push (`http://127.0.0.1:PORT/wechat`).
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DemoWebhook {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

struct Hook {
    config: CallbackConfig,
    webhook: Webhook,
    client: Arc<NativeClient>,
}

/// One push: accepted (signature, decryption, parsing, deduplication, the user's budget) with
/// wxkf, answered with a transfer when it is a user's message.
async fn push(State(hook): State<Arc<Hook>>, Query(q): Query<PushQuery>, body: Bytes) -> String {
    let accepted = match hook.client.accept_push(&hook.webhook, &q, &body, now()).await {
        Ok(a) => a,
        Err(e) => return format!("refused: {}", e.code_name()),
    };
    if accepted.duplicate {
        return "success".into();
    }
    let (config, opened) = (&hook.config, accepted.push);
    // Only a user's message can be transferred (wxkf refuses a transfer answering an event).
    let reply = if opened.message.kind.is_user_message() {
        Reply::TransferCustomerService { kf_account: None }
    } else {
        Reply::Success
    };
    let mut random16 = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut random16);
    let nonce: String = (0..16).map(|_| char::from(b'a' + rand::thread_rng().gen_range(0..26u8))).collect();
    build_reply(config, &opened, &reply, now(), &nonce, &random16).unwrap_or_else(|e| format!("error: {e}"))
}

/// Starts the webhook on a free local port; `client` accepts the pushes.
pub async fn start(config: CallbackConfig, client: Arc<NativeClient>) -> Result<DemoWebhook, CliError> {
    config.validate()?;
    let webhook = Webhook::new(config.clone(), None)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/wechat", listener.local_addr()?);
    let app = Router::new().route("/wechat", post(push)).with_state(Arc::new(Hook { config, webhook, client }));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(DemoWebhook { url, task })
}
