//! A WeChat push webhook in axum: verifies the URL check, opens (verifies, decrypts, parses)
//! every push and hands users' messages to customer service — to one named kf when
//! `WXKF_TRANSFER_KF` is set.
//!
//! Settings (environment): `WXKF_CALLBACK_TOKEN`, `WXKF_AES_KEY` (safe mode; optional),
//! `WXKF_APPID`, `WXKF_TRANSFER_KF` (optional), `PORT` (default 8080; 0 = any free port).
//! Prints `listening on http://ADDR/wechat` once it accepts connections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use rand::{Rng, RngCore};
use wxkf::callback::{MemoryReplayGuard, PushKind};
use wxkf::{build_reply, check_url, open_push_guarded, CallbackConfig, KfError, PushQuery, Reply, UrlQuery};

struct App {
    config: CallbackConfig,
    transfer_to: Option<String>,
    replay: Mutex<MemoryReplayGuard>,
}

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

/// One push: users' messages go to customer service, everything else is acknowledged.
async fn push(
    State(app): State<Arc<App>>,
    Query(q): Query<PushQuery>,
    body: axum::body::Bytes,
) -> (StatusCode, String) {
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
    let app = Arc::new(App {
        config,
        transfer_to: var("WXKF_TRANSFER_KF"),
        replay: Mutex::new(MemoryReplayGuard::new(100_000, 600)),
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
