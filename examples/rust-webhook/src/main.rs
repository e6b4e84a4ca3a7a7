//! A WeChat push webhook in axum: verifies the URL check, opens (verifies, decrypts, parses)
//! every push and either hands users' messages to customer service — to one named kf when
//! `WXKF_TRANSFER_KF` is set — or, with `WXKF_APP_SECRET`, answers them itself with kf messages
//! the production way (WeChat's 5-second rule):
//!
//! - the push is answered `success` at once and the handler runs afterwards in a tokio task
//!   (WeChat waits 5 s for the answer, then retries the push three times);
//! - the user sees "typing…" while the handler works (a message sent cancels it);
//! - WeChat's retries of a push are acknowledged and not handled again, and the user's message
//!   opens their reply budget (`Client::accept_push`), which every send is checked against.
//!
//! Settings (environment): `WXKF_CALLBACK_TOKEN`, `WXKF_AES_KEY` (safe mode; optional),
//! `WXKF_APPID`, `WXKF_TRANSFER_KF` (optional), `PORT` (default 8080; 0 = any free port);
//! for the kf handler `WXKF_APP_SECRET`, `WXKF_API_BASE` (default WeChat's; the emulator's URL
//! to try it locally) and `WXKF_WORK_MS` (how long the handler "thinks", standing for a model
//! or a database call; default 0).
//! Prints `listening on http://ADDR/wechat` once it accepts connections, and one line per push
//! the kf handler accepts: `push handled from=OPENID` or `push duplicate from=OPENID`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use rand::{Rng, RngCore};
use wxkf::api::message::send_typing::TypingCommand;
use wxkf::callback::{MemoryReplayGuard, PushKind, PushMessage, Webhook};
use wxkf::{
    build_reply, check_url, open_push_guarded, BudgetMode, CallbackConfig, ClientConfig, KfError, Message, PushQuery,
    Reply, UrlQuery,
};
use wxkf_native::NativeClient;

struct App {
    config: CallbackConfig,
    transfer_to: Option<String>,
    replay: Mutex<MemoryReplayGuard>,
    /// The kf handler, when an AppSecret is configured.
    kf: Option<KfHandler>,
}

/// Answers users with kf messages after the push has been acknowledged.
struct KfHandler {
    client: Arc<NativeClient>,
    webhook: Webhook,
    work: Duration,
}

/// How often "typing…" is shown again while the handler works (WeChat shows it 15 s and
/// refuses it again before: 45081).
const TYPING_REFRESH: Duration = Duration::from_millis(wxkf::callback::TYPING_REFRESH_MS);

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// WeChat's URL check when the callback URL is saved: echo `echostr` if the signature holds.
async fn verify(State(app): State<Arc<App>>, Query(q): Query<UrlQuery>) -> (StatusCode, String) {
    match check_url(&app.config, &q, now()) {
        Ok(echo) => (StatusCode::OK, echo),
        Err(e) => refuse(&e),
    }
}

/// Shows "typing…" to `openid` while `handler` runs (again every 14 s while it lasts); the
/// handler's own message cancels it, and it is cancelled when the handler sent nothing.
async fn with_typing<F>(client: &NativeClient, openid: &str, handler: F) -> Result<(), KfError>
where
    F: Future<Output = Result<bool, KfError>>,
{
    let typing = |command| async move {
        // Typing is a courtesy: failing to show it does not stop the answer.
        if let Err(e) = client.send_typing(openid, command).await {
            tracing::info!(error = %e, "typing not shown");
        }
    };
    typing(TypingCommand::Typing).await;
    tokio::pin!(handler);
    let sent = loop {
        tokio::select! {
            result = &mut handler => break result?,
            () = tokio::time::sleep(TYPING_REFRESH) => typing(TypingCommand::Typing).await,
        }
    };
    if !sent {
        typing(TypingCommand::CancelTyping).await;
    }
    Ok(())
}

/// The handler proper: thinks, then answers the user's text. Returns whether it sent a message.
async fn answer(client: &NativeClient, work: Duration, push: &PushMessage) -> Result<bool, KfError> {
    let PushKind::Text { content, .. } = &push.kind else {
        return Ok(false);
    };
    tokio::time::sleep(work).await;
    let reply = format!("You wrote: {content}");
    client.send_message(&push.from_user_name, Message::text(reply)).await?;
    Ok(true)
}

/// A push for the kf handler: acknowledged at once (`success`), handled in a task unless it is
/// WeChat's retry of a push already accepted.
async fn push_to_handler(kf: &KfHandler, q: &PushQuery, body: &[u8]) -> (StatusCode, String) {
    let accepted = match kf.client.accept_push(&kf.webhook, q, body, now()).await {
        Ok(a) => a,
        Err(e) => return refuse(&e),
    };
    let message = accepted.push.message;
    let from = message.from_user_name.clone();
    if accepted.duplicate {
        println!("push duplicate from={from}");
        return (StatusCode::OK, "success".into());
    }
    println!("push handled from={from}");
    if message.kind.is_user_message() {
        let (client, work) = (kf.client.clone(), kf.work);
        tokio::spawn(async move {
            let openid = message.from_user_name.clone();
            if let Err(e) = with_typing(&client, &openid, answer(&client, work, &message)).await {
                tracing::warn!(error = %e, %openid, "the handler's answer failed");
            }
        });
    }
    (StatusCode::OK, "success".into())
}

/// One push: users' messages go to the kf handler or to customer service, everything else is
/// acknowledged.
async fn push(
    State(app): State<Arc<App>>,
    Query(q): Query<PushQuery>,
    body: axum::body::Bytes,
) -> (StatusCode, String) {
    if let Some(kf) = &app.kf {
        return push_to_handler(kf, &q, &body).await;
    }
    let opened = {
        let mut guard = app.replay.lock().unwrap_or_else(|p| p.into_inner());
        open_push_guarded(&app.config, &q, &body, now(), &mut *guard)
    };
    let opened = match opened {
        Ok(o) => o,
        Err(e) => return refuse(&e),
    };
    let from = &opened.message.from_user_name;
    let reply = match &opened.message.kind {
        PushKind::Text { .. }
        | PushKind::Image { .. }
        | PushKind::Voice { .. }
        | PushKind::Video { .. }
        | PushKind::ShortVideo { .. }
        | PushKind::Location { .. }
        | PushKind::Link { .. } => {
            tracing::info!(%from, to = ?app.transfer_to, "handing the user to customer service");
            Reply::TransferCustomerService { kf_account: app.transfer_to.clone() }
        }
        other => {
            tracing::info!(%from, kind = ?std::mem::discriminant(other), "acknowledged");
            Reply::Success
        }
    };
    let mut random16 = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut random16);
    let nonce: String = (0..16).map(|_| char::from(b'a' + rand::thread_rng().gen_range(0..26u8))).collect();
    match build_reply(&app.config, &opened, &reply, now(), &nonce, &random16) {
        Ok(body) => (StatusCode::OK, body),
        Err(e) => refuse(&e),
    }
}

/// A refused push: the error names what was wrong, never a key or the token.
fn refuse(e: &KfError) -> (StatusCode, String) {
    tracing::warn!(error = %e, "refused");
    let status = match e {
        KfError::Validation { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::FORBIDDEN,
    };
    (status, e.code_name().to_string())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let env: HashMap<String, String> = std::env::vars().collect();
    let var = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
    let (Some(token), Some(appid)) = (var("WXKF_CALLBACK_TOKEN"), var("WXKF_APPID")) else {
        eprintln!("set WXKF_CALLBACK_TOKEN and WXKF_APPID (and WXKF_AES_KEY for safe mode)");
        return std::process::ExitCode::from(2);
    };
    let config = CallbackConfig::new(token, var("WXKF_AES_KEY"), appid);
    if let Err(e) = config.validate() {
        eprintln!("bad callback settings: {e}");
        return std::process::ExitCode::from(2);
    }
    let kf = match var("WXKF_APP_SECRET") {
        None => None,
        Some(secret) => {
            let mut client_config = ClientConfig::stable(config.appid.clone(), secret).budget_mode(BudgetMode::Enforce);
            if let Some(base) = var("WXKF_API_BASE") {
                client_config = client_config.base_url(base);
            }
            let webhook = Webhook::new(config.clone(), None);
            let work = var("WXKF_WORK_MS").and_then(|ms| ms.parse::<u64>().ok()).unwrap_or(0);
            match (wxkf_native::client(client_config), webhook) {
                (Ok(client), Ok(webhook)) => {
                    Some(KfHandler { client: Arc::new(client), webhook, work: Duration::from_millis(work) })
                }
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("bad kf settings: {e}");
                    return std::process::ExitCode::from(2);
                }
            }
        }
    };
    let app = Arc::new(App {
        config,
        transfer_to: var("WXKF_TRANSFER_KF"),
        replay: Mutex::new(MemoryReplayGuard::new(100_000, 600)),
        kf,
    });
    let router = Router::new().route("/wechat", get(verify).post(push)).with_state(app);
    let port = var("PORT").and_then(|p| p.parse::<u16>().ok()).unwrap_or(8080);
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot bind port {port}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("listening on http://{addr}/wechat"),
        Err(e) => eprintln!("{e}"),
    }
    if let Err(e) = axum::serve(listener, router).await {
        eprintln!("server: {e}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
