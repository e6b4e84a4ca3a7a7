//! Shared pieces of the end-to-end suites: an emulator with its admin API and native clients.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use wxkf::client::{Clock, MemoryStore, TokenStore, Transport};
use wxkf::{Client, ClientConfig, HttpRequest, HttpResponse, KfError};
use wxkf_emulator::{Config, Emulator};
use wxkf_native::{NativeClient, NativeOptions, ReqwestTransport, SystemClock};

/// The AppID every suite uses.
pub const APPID: &str = "wxe2e0000000000001";
/// The AppSecret every suite uses.
pub const SECRET: &str = "e2e-secret-never-printed";

/// A running emulator plus a plain HTTP client for its admin routes.
pub struct Harness {
    /// The emulator.
    pub emu: Emulator,
    http: reqwest::Client,
    /// The developer's webhook, when the harness runs one.
    hook: Option<HookTask>,
}

/// The webhook's server task, stopped when the harness is dropped.
struct HookTask(tokio::task::JoinHandle<()>);

impl Drop for HookTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The developer's server of an account that hands users to customer service: it answers every
/// user message with `transfer_customer_service` (naming `kf` when set) and events with
/// `success` — as WeChat requires, only a user's message is transferred.
async fn transfer_reply(kf: Option<String>, body: String) -> String {
    let field = |tag: &str| {
        let open = format!("<{tag}><![CDATA[");
        let start = body.find(&open)? + open.len();
        let len = body.get(start..)?.find("]]>")?;
        body.get(start..start + len).map(str::to_string)
    };
    if field("MsgType").as_deref() == Some("event") {
        return "success".into();
    }
    let (user, account) = (field("FromUserName").unwrap_or_default(), field("ToUserName").unwrap_or_default());
    let info =
        kf.map(|kf| format!("<TransInfo><KfAccount><![CDATA[{kf}]]></KfAccount></TransInfo>")).unwrap_or_default();
    format!(
        "<xml><ToUserName><![CDATA[{user}]]></ToUserName><FromUserName><![CDATA[{account}]]></FromUserName>\
         <CreateTime>0</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType>{info}</xml>"
    )
}

impl Harness {
    /// Starts an emulator with the suite's credentials and `tweak` applied to its config.
    pub async fn start(tweak: impl FnOnce(&mut Config)) -> Result<Harness, std::io::Error> {
        let mut config = Config { appid: APPID.into(), secret: SECRET.into(), ..Config::default() };
        tweak(&mut config);
        Ok(Harness { emu: Emulator::start(config).await?, http: reqwest::Client::new(), hook: None })
    }

    /// Like [`Harness::start`], with pushes going to a developer webhook that transfers every
    /// user message to customer service (to `kf` when given): a user who writes in joins the
    /// wait queue (or a session with `kf` when it is online), as on a real account.
    pub async fn start_transferring(
        kf: Option<&str>,
        tweak: impl FnOnce(&mut Config),
    ) -> Result<Harness, std::io::Error> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/wechat", listener.local_addr()?);
        let kf = kf.map(str::to_string);
        let app = axum::Router::new()
            .route("/wechat", axum::routing::post(move |body: String| transfer_reply(kf.clone(), body)));
        let hook = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let mut harness = Harness::start(|c| {
            c.webhook_url = Some(url);
            tweak(c);
        })
        .await?;
        harness.hook = Some(HookTask(hook));
        Ok(harness)
    }

    /// Binds the kf to a WeChat user and sets it online (both required before it serves).
    pub async fn kf_ready(&self, kf: &str) {
        self.admin("kf/bind", serde_json::json!({"kf_account": kf})).await;
        self.admin("kf/online", serde_json::json!({"kf_account": kf})).await;
    }

    /// The emulator's base URL.
    pub fn base_url(&self) -> String {
        self.emu.base_url()
    }

    /// A native client (stable tokens, memory store, default options).
    pub fn client(&self) -> Result<NativeClient, KfError> {
        wxkf_native::client(ClientConfig::stable(APPID, SECRET).base_url(self.base_url()))
    }

    /// A native client from `config` (its base URL set here) with a request timeout.
    pub fn client_with(&self, config: ClientConfig, timeout: Duration) -> Result<NativeClient, KfError> {
        let transport = ReqwestTransport::new(NativeOptions { timeout, ..NativeOptions::default() })?;
        let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
        Ok(Client::new(config.base_url(self.base_url()), transport, store, SystemClock::default()))
    }

    /// A client from `config` (its base URL set here) that counts its requests and runs on a
    /// clock the test advances: returns the client with its transport and clock.
    pub fn counted_client(
        &self,
        config: ClientConfig,
    ) -> Result<(GuardedClient, CountingTransport, ShiftedClock), KfError> {
        let transport = CountingTransport::new()?;
        let clock = ShiftedClock::default();
        let client =
            Client::new(config.base_url(self.base_url()), transport.clone(), MemoryStore::new(), clock.clone());
        Ok((client, transport, clock))
    }

    /// Advances the emulator's clock by `secs`.
    pub async fn advance(&self, secs: f64) {
        self.admin("clock/advance", serde_json::json!({"secs": secs})).await;
    }

    /// POSTs JSON to `/__admin/{path}` and returns the answer; panics (test helper) on failure.
    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let resp = self.http.post(format!("{}/__admin/{path}", self.base_url())).json(&body).send().await;
        let resp = resp.unwrap_or_else(|e| panic!("admin {path}: {e}"));
        assert!(resp.status().is_success(), "admin {path}: HTTP {}", resp.status());
        resp.json().await.unwrap_or_else(|e| panic!("admin {path}: {e}"))
    }

    /// GETs `/__admin/{path}`.
    pub async fn admin_get(&self, path: &str) -> Value {
        let resp = self.http.get(format!("{}/__admin/{path}", self.base_url())).send().await;
        resp.unwrap_or_else(|e| panic!("admin {path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("admin {path}: {e}"))
    }

    /// Injects a fault (see the emulator README).
    pub async fn fault(&self, body: Value) {
        self.admin("faults", body).await;
    }

    /// Clears every injected fault.
    pub async fn clear_faults(&self) {
        let resp = self.http.delete(format!("{}/__admin/faults", self.base_url())).send().await;
        let resp = resp.unwrap_or_else(|e| panic!("clear faults: {e}"));
        assert!(resp.status().is_success(), "clear faults: HTTP {}", resp.status());
    }

    /// How many token fetches the emulator has served.
    pub async fn token_fetches(&self) -> usize {
        self.admin_get("token-fetches").await["token_fetches"].as_array().map_or(0, Vec::len)
    }

    /// Messages the emulator delivered to users.
    pub async fn deliveries(&self) -> Vec<Value> {
        self.admin_get("deliveries").await["deliveries"].as_array().cloned().unwrap_or_default()
    }
}

/// The system clock moved by an offset a test can advance (like the emulator's
/// `/__admin/clock/advance`), so windows of a minute or two days pass at once.
#[derive(Clone, Default)]
pub struct ShiftedClock {
    inner: Arc<SystemClock>,
    offset_ms: Arc<AtomicI64>,
}

impl ShiftedClock {
    /// Moves this clock (and every copy of it) `ms` milliseconds ahead.
    pub fn advance_ms(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

#[async_trait]
impl Clock for ShiftedClock {
    fn now_ms(&self) -> i64 {
        self.inner.now_ms().saturating_add(self.offset_ms.load(Ordering::SeqCst))
    }
    async fn sleep(&self, ms: u64) {
        self.inner.sleep(ms).await;
    }
    fn random_u64(&self) -> u64 {
        self.inner.random_u64()
    }
}

/// The native transport, counting the requests it sends per URL path: what left the client
/// (a request refused before the network never shows up here).
#[derive(Clone)]
pub struct CountingTransport {
    inner: Arc<ReqwestTransport>,
    paths: Arc<Mutex<Vec<String>>>,
    total: Arc<AtomicUsize>,
}

impl CountingTransport {
    /// Over a default [`ReqwestTransport`].
    pub fn new() -> Result<CountingTransport, KfError> {
        Ok(CountingTransport {
            inner: Arc::new(ReqwestTransport::new(NativeOptions::default())?),
            paths: Arc::default(),
            total: Arc::default(),
        })
    }

    /// Requests sent to `path` so far.
    pub fn count(&self, path: &str) -> usize {
        self.paths.lock().unwrap_or_else(|p| p.into_inner()).iter().filter(|p| p.as_str() == path).count()
    }

    /// Requests sent so far.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Transport for CountingTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, KfError> {
        let path = wxkf::http::url_path(&request.url).to_string();
        self.paths.lock().unwrap_or_else(|p| p.into_inner()).push(path);
        self.total.fetch_add(1, Ordering::SeqCst);
        self.inner.send(request).await
    }
}

/// A client over [`CountingTransport`] and [`ShiftedClock`]: what it sends and when it is.
pub type GuardedClient = Client<CountingTransport, MemoryStore, ShiftedClock>;

/// The project README's Rust example, compiled as a doctest (the README is outside every
/// published crate, so this unpublished crate carries the check).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ProjectReadmeDoctests;
