//! wxkf-emulator: a stateful local server that behaves like the WeChat Official Account
//! customer-service ("kf") API, for end-to-end tests, demos and benchmarks.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use wxkf_emulator::{Config, Emulator};
//! let emu = Emulator::start(Config { appid: "wxAPPID".into(), secret: "SECRET".into(), ..Default::default() }).await?;
//! let base = emu.base_url(); // "http://127.0.0.1:PORT"
//! # let _ = base;
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Without an async runtime, [`BlockingEmulator`] runs the server on its own thread.
//! The admin API (under `/__admin/`) is documented in the crate's README.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
pub mod cli;
pub mod crypto;
mod http;
pub mod net;
mod push;
pub mod quota;
pub mod records;
mod state;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Every start-up option of the emulator. Most can be changed later through
/// `POST /__admin/config`.
#[derive(Clone)]
pub struct Config {
    /// Interface to bind (default `127.0.0.1`).
    pub host: String,
    /// Port to bind; 0 picks a free one (default 0).
    pub port: u16,
    /// The AppID token calls must present.
    pub appid: String,
    /// The AppSecret token calls must present.
    pub secret: String,
    /// The account's original id, `ToUserName` of pushes (default `gh_emulator`).
    pub account_id: String,
    /// The callback Token used to sign pushes (default `emulator_token`).
    pub callback_token: String,
    /// 43-character EncodingAESKey; when set, pushes use safe (encrypted) mode.
    pub aes_key: Option<String>,
    /// Where pushes are POSTed; none = no pushes.
    pub webhook_url: Option<String>,
    /// Seed for token generation (deterministic tokens); none = random.
    pub seed: Option<u64>,
    /// When set, admin calls must carry header `x-admin-token` with this value.
    pub admin_token: Option<String>,
    /// How long a superseded classic token stays valid (default 300 s).
    pub token_grace_secs: i64,
    /// Token lifetime (default 7200 s).
    pub token_expires_in: i64,
    /// The kf messages each user action allows, and for how long (default: the official table,
    /// [`quota::default_quotas`]). 45015 outside every window, 45047 when the budget is spent.
    pub quotas: Vec<quota::Quota>,
    /// Maximum number of kf accounts (default 100).
    pub kf_limit: usize,
    /// Classic token calls per China-time day (default 2000).
    pub classic_daily_quota: u32,
    /// Stable-token force refreshes per China-time day (default 20).
    pub stable_force_daily_quota: u32,
    /// Minimum spacing of stable-token force refreshes (default 30 s).
    pub stable_force_min_interval_secs: i64,
    /// IPs allowed to fetch tokens; none = all (default none).
    pub ip_allowlist: Option<Vec<String>>,
    /// Check media ids (default true): registered via admin or starting with `media_prefix`.
    pub media_check: bool,
    /// Media ids with this prefix are always valid (default `MEDIA_`; empty = none).
    pub media_prefix: String,
    /// Invitation lifetime (default 7 days).
    pub invite_expire_secs: i64,
    /// How long WeChat waits for the webhook's answer to one push (default 5000 ms).
    pub push_timeout_ms: u64,
    /// Retries of a push the webhook did not answer in time (or failed): WeChat retries
    /// three times (default 3), each a freshly signed request with the same message.
    pub push_retries: u32,
    /// Longest text content before 45002, in characters; none = no cap (default). WeChat
    /// documents no cap for an Official Account; 2048 is WeCom's, an assumption if set.
    pub max_text_chars: Option<usize>,
    /// Also write the legacy session opercodes (1000–1005, 2001) of the old `getrecord` doc;
    /// off by default: the current getmsglist doc names 2002 (sent) and 2003 (received).
    pub legacy_opercodes: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 0,
            appid: "wxemulator0000001".into(),
            secret: "emulator_secret".into(),
            account_id: "gh_emulator".into(),
            callback_token: "emulator_token".into(),
            aes_key: None,
            webhook_url: None,
            seed: None,
            admin_token: None,
            token_grace_secs: 300,
            token_expires_in: 7200,
            quotas: quota::default_quotas(),
            kf_limit: 100,
            classic_daily_quota: 2000,
            stable_force_daily_quota: 20,
            stable_force_min_interval_secs: 30,
            ip_allowlist: None,
            media_check: true,
            media_prefix: "MEDIA_".into(),
            invite_expire_secs: 7 * 86_400,
            push_timeout_ms: 5000,
            push_retries: 3,
            max_text_chars: None,
            legacy_opercodes: false,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |o: &Option<String>| o.as_ref().map(|_| "<redacted>");
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("appid", &self.appid)
            .field("secret", &"<redacted>")
            .field("account_id", &self.account_id)
            .field("callback_token", &"<redacted>")
            .field("aes_key", &redact(&self.aes_key))
            .field("webhook_url", &self.webhook_url)
            .field("seed", &self.seed)
            .field("admin_token", &redact(&self.admin_token))
            .field("token_grace_secs", &self.token_grace_secs)
            .field("token_expires_in", &self.token_expires_in)
            .field("quotas", &self.quotas)
            .field("kf_limit", &self.kf_limit)
            .field("classic_daily_quota", &self.classic_daily_quota)
            .field("stable_force_daily_quota", &self.stable_force_daily_quota)
            .field("stable_force_min_interval_secs", &self.stable_force_min_interval_secs)
            .field("ip_allowlist", &self.ip_allowlist)
            .field("media_check", &self.media_check)
            .field("media_prefix", &self.media_prefix)
            .field("invite_expire_secs", &self.invite_expire_secs)
            .field("push_timeout_ms", &self.push_timeout_ms)
            .field("push_retries", &self.push_retries)
            .field("max_text_chars", &self.max_text_chars)
            .field("legacy_opercodes", &self.legacy_opercodes)
            .finish()
    }
}

pub(crate) struct Shared {
    state: Mutex<state::State>,
    config: Config,
    aes: Option<crypto::AesKey>,
    http: reqwest::Client,
    push_tx: mpsc::UnboundedSender<state::PushJob>,
}

impl Shared {
    /// The state, with sessions idle for 30 minutes ended first (the emulator clock may have
    /// moved since the last call), so every route sees the same sessions.
    pub(crate) fn lock(&self) -> MutexGuard<'_, state::State> {
        let mut st = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        st.end_idle_sessions();
        st
    }
}

/// A running emulator (in-process).
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
    pusher: JoinHandle<()>,
}

impl Emulator {
    /// Binds `config.host:config.port` and serves until [`Emulator::shutdown`]. Must be called
    /// inside a tokio runtime. Fails when the address cannot be bound or the AES key is invalid.
    pub async fn start(config: Config) -> io::Result<Emulator> {
        let aes = match &config.aes_key {
            Some(k) => Some(
                crypto::AesKey::from_encoding_aes_key(k).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
            ),
            None => None,
        };
        let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
        let addr = listener.local_addr()?;
        // Each push sets its own timeout (`push_timeout_ms`, changeable at run time).
        let http = reqwest::Client::builder().build().map_err(|e| io::Error::other(e.to_string()))?;
        let (push_tx, push_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared { state: Mutex::new(state::State::new(&config)), config, aes, http, push_tx });
        let pusher = tokio::spawn(push::background(shared.clone(), push_rx));
        let app = http::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let res = axum::serve(
                net::KillableListener::new(listener),
                app.into_make_service_with_connect_info::<net::ConnMeta>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
            if let Err(e) = res {
                tracing::error!(error = %e, "server stopped with an error");
            }
        });
        tracing::info!(%addr, appid = %shared.config.appid, safe_mode = shared.aes.is_some(), "emulator started");
        Ok(Emulator { addr, shared, stop: Some(stop), server, pusher })
    }

    /// `http://HOST:PORT` (what the SDK's base URL should be set to).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration the emulator was started with.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Moves the emulator clock forward (same as `POST /__admin/clock/advance`).
    pub fn advance_clock(&self, secs: f64) {
        self.shared.lock().advance(secs);
    }

    /// Stops accepting connections and waits (at most 2 s) for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.pusher.abort();
        let server = &mut self.server;
        if tokio::time::timeout(Duration::from_secs(2), server).await.is_err() {
            self.server.abort();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.pusher.abort();
    }
}

/// An emulator running on its own thread and runtime, for callers without async.
pub struct BlockingEmulator {
    base_url: String,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BlockingEmulator {
    /// Starts the emulator on a background thread; returns once it accepts connections.
    pub fn start(config: Config) -> io::Result<BlockingEmulator> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<String>>();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new().name("wxkf-emulator".into()).spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                match Emulator::start(config).await {
                    Ok(emu) => {
                        let _ = ready_tx.send(Ok(emu.base_url()));
                        let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
                        emu.shutdown().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        })?;
        let base_url = ready_rx.recv().map_err(|_| io::Error::other("emulator thread ended before start-up"))??;
        Ok(BlockingEmulator { base_url, stop: Some(stop_tx), thread: Some(thread) })
    }

    /// `http://HOST:PORT`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Stops the server and joins its thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for BlockingEmulator {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
