//! Native IO for wxkf: HTTP over reqwest (rustls, connection pooling), the system clock, and
//! (feature `redis`) a token store shared by many processes. Everything else is `wxkf-core`'s.

#[cfg(feature = "redis")]
pub mod redis_store;

#[cfg(feature = "redis")]
pub use redis_store::RedisStore;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use wxkf::client::{Client, ClientConfig, Clock, MemoryStore, TokenStore, Transport};
use wxkf::{HttpRequest, HttpResponse, KfError, Method, TransportKind};

/// Responses larger than this are refused (a record page of 10 000 is a few MB).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// The client with native HTTP, any token store and the system clock.
pub type NativeClient = Client<ReqwestTransport, Arc<dyn TokenStore>, SystemClock>;

/// Timeouts of the native transport.
#[derive(Debug, Clone, Copy)]
pub struct NativeOptions {
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Idle pooled connections kept per host.
    pub pool_max_idle_per_host: usize,
}

impl From<&wxkf::ClientOptions> for NativeOptions {
    fn from(options: &wxkf::ClientOptions) -> Self {
        NativeOptions {
            connect_timeout: Duration::from_millis(options.connect_timeout_ms),
            timeout: Duration::from_millis(options.timeout_ms),
            ..NativeOptions::default()
        }
    }
}

impl Default for NativeOptions {
    fn default() -> Self {
        NativeOptions {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            pool_max_idle_per_host: 64,
        }
    }
}

/// The URLs requested last, parsed. A client calls a few URLs over and over (the token in
/// them changes when it is renewed), and reqwest parses a URL given as text in full each
/// time: ~10k of a loopback read's ~85k instructions, measured with callgrind.
#[derive(Default)]
struct ParsedUrls(std::sync::Mutex<Vec<(String, reqwest::Url)>>);

/// URLs kept parsed: more than the operations a client calls in turn.
const PARSED_URLS: usize = 16;

impl ParsedUrls {
    /// `url` parsed, from the cache or parsed now and kept (`None`: reqwest's own parse says why).
    fn parsed(&self, url: &str) -> Option<reqwest::Url> {
        {
            let mut urls = self.0.lock().ok()?;
            if let Some(at) = urls.iter().position(|(text, _)| text == url) {
                urls[..=at].rotate_right(1); // the most used stay in front
                return Some(urls[0].1.clone());
            }
        }
        let parsed = reqwest::Url::parse(url).ok()?;
        let mut urls = self.0.lock().ok()?;
        urls.truncate(PARSED_URLS - 1);
        urls.insert(0, (url.to_string(), parsed.clone()));
        Some(parsed)
    }
}

impl std::fmt::Debug for ParsedUrls {
    // Never the URLs: their queries hold access tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParsedUrls")
    }
}

/// HTTP through reqwest.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    urls: Arc<ParsedUrls>,
    /// The whole-request limit (request sent, response read), `None` for a client of the
    /// caller's (whose own settings apply).
    timeout: Option<Duration>,
    /// The pools of threads calling on runtimes of their own (`on_own_runtime`).
    threads: Option<Arc<ThreadPools>>,
}

tokio::task_local! {
    /// Set for a call that `on_own_runtime` runs.
    static OWN_RUNTIME: ();
}

/// Runs `fut`, a call of a thread that runs it on a current-thread runtime of its own, so that
/// the transport sends it over a connection pool of that thread: a pooled connection is driven
/// only by the runtime that opened it, and such a runtime runs only during its thread's calls.
/// (A transport over a client of the caller's, `with_client`, has one pool: do not use it so.)
pub async fn on_own_runtime<F: std::future::Future>(fut: F) -> F::Output {
    OWN_RUNTIME.scope((), fut).await
}

/// Whether the call being polled runs through `on_own_runtime`.
fn on_own() -> bool {
    OWN_RUNTIME.try_with(|_| ()).is_ok()
}

/// A reqwest client per calling thread (most recent first), each with its own pool.
#[derive(Debug)]
struct ThreadPools {
    options: NativeOptions,
    clients: std::sync::Mutex<Vec<(std::thread::ThreadId, reqwest::Client)>>,
}

/// Pools kept for threads: a thread whose pool was let go (the least recently used, when more
/// threads call) gets a new one; one that ended never calls again.
const THREAD_POOLS: usize = 64;

impl ThreadPools {
    /// The calling thread's client, built on its first call.
    fn client(&self) -> Result<reqwest::Client, KfError> {
        let id = std::thread::current().id();
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = clients.iter().position(|(thread, _)| *thread == id) {
            clients[..=at].rotate_right(1);
            return Ok(clients[0].1.clone());
        }
        let client = build_client(&self.options)?;
        clients.truncate(THREAD_POOLS - 1);
        clients.insert(0, (id, client.clone()));
        Ok(client)
    }
}

/// A reqwest client with wxkf's settings.
fn build_client(options: &NativeOptions) -> Result<reqwest::Client, KfError> {
    // The whole-request timeout is applied around each exchange in `send`, not through
    // reqwest's `timeout`: that one boxes a timer per request and wraps the response body
    // to poll it on every frame (measured: ~1.2k of the ~88k instructions of a loopback read).
    reqwest::Client::builder()
        .connect_timeout(options.connect_timeout)
        .pool_max_idle_per_host(options.pool_max_idle_per_host)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .user_agent(concat!("wxkf/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| KfError::transport(TransportKind::NotSent, e.without_url().to_string()))
}

/// How long an idle pooled connection is kept (reqwest's default: 90 s). A connection idle
/// past a server's keep-alive (commonly 60 s) or a NAT's may be gone without a word, and a
/// send written to it waits for its timeout and fails unanswered; a thread's own pool, driven
/// only during its calls, cannot even see a close before its next call.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

impl ReqwestTransport {
    /// A transport with its own connection pool (and one per thread calling `on_own_runtime`).
    pub fn new(options: NativeOptions) -> Result<Self, KfError> {
        let client = build_client(&options)?;
        let threads = Some(Arc::new(ThreadPools { options, clients: std::sync::Mutex::default() }));
        Ok(ReqwestTransport { client, urls: Arc::default(), timeout: Some(options.timeout), threads })
    }

    /// A transport over an existing reqwest client (proxies, custom TLS).
    pub fn with_client(client: reqwest::Client) -> Self {
        ReqwestTransport { client, urls: Arc::default(), timeout: None, threads: None }
    }

    /// The pools of threads on runtimes of their own, when this call is one of theirs.
    fn own_pools(&self) -> Option<&ThreadPools> {
        self.threads.as_deref().filter(|_| on_own())
    }

    /// The client to send with: the shared one, or under `on_own_runtime` the calling thread's.
    fn client(&self) -> Result<reqwest::Client, KfError> {
        match self.own_pools() {
            Some(threads) => threads.client(),
            None => Ok(self.client.clone()),
        }
    }

    /// One request and its whole response.
    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, KfError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let client = self.client()?;
        let mut builder = match self.urls.parsed(&request.url) {
            Some(url) => client.request(method, url),
            None => client.request(method, &request.url),
        };
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        let response = builder.send().await.map_err(map_error)?;
        let status = response.status().as_u16();
        let mut headers = Vec::with_capacity(response.headers().len());
        headers.extend(
            response
                .headers()
                .iter()
                .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string()))),
        );
        if response.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
            return Err(KfError::transport(TransportKind::Other, "response larger than 64 MiB"));
        }
        let body = response.bytes().await.map_err(map_error)?;
        Ok(HttpResponse { status, headers, body: Vec::from(body) })
    }
}

/// Maps a reqwest error to a transport error without the URL (it holds the access token).
fn map_error(e: reqwest::Error) -> KfError {
    let kind = if e.is_connect() {
        TransportKind::Connect
    } else if e.is_timeout() {
        TransportKind::Timeout
    } else if e.is_builder() {
        TransportKind::NotSent
    } else if e.is_body() || e.is_decode() || e.is_request() {
        TransportKind::Reset
    } else {
        TransportKind::Other
    };
    let e = e.without_url();
    let mut message = e.to_string();
    // Add the innermost cause: "connection reset by peer" says more than "error sending".
    let mut source = std::error::Error::source(&e);
    let mut innermost = None;
    while let Some(inner) = source {
        innermost = Some(inner.to_string());
        source = inner.source();
    }
    if let Some(cause) = innermost {
        message = format!("{message}: {cause}");
    }
    KfError::transport(kind, message)
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, KfError> {
        let own = self.own_pools().is_some();
        if own && !ran_just_now() {
            // The thread's runtime may not have run since its connections last did anything
            // (it runs during this thread's calls only): its driver has not seen a server close
            // an idle one, which would take this request and fail it half sent. First the
            // runtime polls its sockets (on the first yield) and runs the connections' tasks
            // that woke (on the second), so a closed connection has left the pool.
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
        }
        let result = self.exchange_in_time(request).await;
        if own {
            LAST_EXCHANGE.set(Some(Instant::now()));
        }
        result
    }
}

thread_local! {
    /// When this thread's own runtime last finished an exchange.
    static LAST_EXCHANGE: std::cell::Cell<Option<Instant>> = const { std::cell::Cell::new(None) };
}

/// How recently this thread's runtime must have run for a call to skip the two yields: a
/// connection used that recently is not idle, and servers close idle ones after seconds
/// (one that closes after a response says so in it); a close within this window is the race
/// every client has. Calls made back to back (a loop, a batch) save two `epoll_wait`s each.
const JUST_NOW: Duration = Duration::from_millis(1);

/// Whether this thread's runtime finished an exchange within `JUST_NOW`.
fn ran_just_now() -> bool {
    LAST_EXCHANGE.get().is_some_and(|at| at.elapsed() < JUST_NOW)
}

impl ReqwestTransport {
    /// `exchange` within the whole-request limit.
    async fn exchange_in_time(&self, request: HttpRequest) -> Result<HttpResponse, KfError> {
        let Some(limit) = self.timeout else {
            return self.exchange(request).await;
        };
        match tokio::time::timeout(limit, self.exchange(request)).await {
            Ok(result) => result,
            Err(_) => Err(KfError::transport(
                TransportKind::Timeout,
                format!("operation timed out: no complete response within {} ms", limit.as_millis()),
            )),
        }
    }
}

/// The system clock, tokio's timer and per-process randomness.
#[derive(Debug, Default)]
pub struct SystemClock {
    counter: AtomicU64,
}

#[async_trait]
impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }

    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    fn random_u64(&self) -> u64 {
        // RandomState is seeded from the OS per process; mixing a counter makes each call differ.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(self.counter.fetch_add(1, Ordering::Relaxed));
        hasher.write_i64(self.now_ms());
        hasher.finish()
    }
}

/// A native client with the in-memory token store.
pub fn client(config: ClientConfig) -> Result<NativeClient, KfError> {
    client_with_store(config, Arc::new(MemoryStore::new()))
}

/// A native client with a shared token store (e.g. `RedisStore`).
pub fn client_with_store(config: ClientConfig, store: Arc<dyn TokenStore>) -> Result<NativeClient, KfError> {
    Ok(Client::new(config, ReqwestTransport::new(NativeOptions::default())?, store, SystemClock::default()))
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_urls_are_what_reqwest_parses_and_never_printed() {
        let urls = ParsedUrls::default();
        let url =
            |i: usize| format!("https://api.weixin.qq.com/cgi-bin/op{i}?access_token=SECRET_TOKEN_{i}&x=%E4%BD%A0");
        for round in 0..2 {
            for i in 0..PARSED_URLS + 4 {
                assert_eq!(urls.parsed(&url(i)), reqwest::Url::parse(&url(i)).ok(), "round {round}, url {i}");
            }
        }
        assert_eq!(urls.0.lock().unwrap().len(), PARSED_URLS);
        assert_eq!(urls.parsed("not a url"), None);
        let transport = ReqwestTransport::new(NativeOptions::default()).unwrap();
        transport.urls.parsed(&url(0));
        assert!(!format!("{transport:?}").contains("SECRET_TOKEN"));
    }
}
