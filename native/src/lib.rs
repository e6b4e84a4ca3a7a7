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
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    /// How to build a thread's own pool (`None` for a client of the caller's).
    local: Option<Arc<NativeOptions>>,
}

thread_local! {
    /// This thread's pools of the transports it has called on a current-thread runtime, by
    /// transport (its `local` options, while the transport lives).
    static LOCAL_POOLS: std::cell::RefCell<Vec<(std::sync::Weak<NativeOptions>, reqwest::Client)>> =
        const { std::cell::RefCell::new(Vec::new()) };
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

/// Whether this thread runs a current-thread runtime now: connections it opens are driven
/// only while this thread is in a call, so they must not be shared with other threads.
fn on_current_thread_runtime() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread)
}

impl ReqwestTransport {
    /// A transport with its own connection pool (and, called on a current-thread runtime, a
    /// pool of each such thread's own).
    pub fn new(options: NativeOptions) -> Result<Self, KfError> {
        let client = build_client(&options)?;
        Ok(ReqwestTransport {
            client,
            urls: Arc::default(),
            timeout: Some(options.timeout),
            local: Some(Arc::new(options)),
        })
    }

    /// A transport over an existing reqwest client (proxies, custom TLS).
    pub fn with_client(client: reqwest::Client) -> Self {
        ReqwestTransport { client, urls: Arc::default(), timeout: None, local: None }
    }

    /// The client to send with: the shared one, or on a current-thread runtime this thread's.
    fn client(&self) -> Result<reqwest::Client, KfError> {
        let Some(options) = self.local.as_ref().filter(|_| on_current_thread_runtime()) else {
            return Ok(self.client.clone());
        };
        LOCAL_POOLS.with_borrow_mut(|pools| {
            if let Some((_, client)) = pools.iter().find(|(o, _)| std::ptr::eq(o.as_ptr(), Arc::as_ptr(options))) {
                return Ok(client.clone());
            }
            pools.retain(|(o, _)| o.strong_count() > 0); // pools of dropped transports go
            let client = build_client(options)?;
            pools.push((Arc::downgrade(options), client.clone()));
            Ok(client)
        })
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
