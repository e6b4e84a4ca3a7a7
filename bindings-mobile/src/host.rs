//! What the host app plugs in (HTTP, a token broker, a clock) and the adapters to core's traits.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use wxkf::client::CachedToken;
use wxkf::{KfError, Secret, TransportKind};

/// One header.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    /// Header name.
    pub name: String,
    /// Header value.
    pub value: String,
}

/// A request for the host's HTTP stack to send. An object, not a record: its URL carries the
/// access token, so it has no generated `toString`/`description`. Log `redactedUrl()`.
#[derive(Debug, uniffi::Object)]
pub struct HttpRequest(wxkf::HttpRequest);

#[uniffi::export]
impl HttpRequest {
    /// `GET` or `POST`.
    pub fn method(&self) -> String {
        self.0.method.as_str().to_string()
    }

    /// The absolute URL with its query (holds `access_token`: never log it).
    pub fn url(&self) -> String {
        self.0.url.clone()
    }

    /// The URL with `access_token` and `secret` values replaced by `***`, safe to log.
    pub fn redacted_url(&self) -> String {
        self.0.redacted_url()
    }

    /// The headers to send, in order (`content-type` for bodies).
    pub fn headers(&self) -> Vec<HttpHeader> {
        self.0.headers.iter().map(|(name, value)| HttpHeader { name: name.clone(), value: value.clone() }).collect()
    }

    /// The body bytes (empty for GET).
    pub fn body(&self) -> Vec<u8> {
        self.0.body.clone()
    }
}

/// What the host's HTTP stack received.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers (may be empty: wxkf reads none).
    #[uniffi(default = [])]
    pub headers: Vec<HttpHeader>,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// The app's HTTP stack. Throw `KfException.Transport` below HTTP: kind `CONNECT` only when the
/// request surely never left (wxkf then retries even writes); anything else counts as `OTHER`.
#[uniffi::export(with_foreign)]
#[async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends the request and returns the response whatever its status.
    async fn send(&self, request: Arc<HttpRequest>) -> Result<HttpResponse, KfError>;
}

/// An access token with its expiry. An object, so no generated `toString` prints the token
/// (and `Secret` keeps it out of `Debug`).
#[derive(Debug, uniffi::Object)]
pub struct AccessToken {
    token: Secret,
    expires_in_secs: Option<i64>,
    expires_at_ms: Option<i64>,
}

#[uniffi::export]
impl AccessToken {
    /// A token valid for `expires_in_secs` more seconds (what brokers and WeChat report).
    #[uniffi::constructor]
    pub fn new(access_token: String, expires_in_secs: i64) -> Arc<Self> {
        Arc::new(AccessToken {
            token: access_token.into(),
            expires_in_secs: Some(expires_in_secs),
            expires_at_ms: None,
        })
    }

    /// A token valid until `expires_at_ms` (unix milliseconds).
    #[uniffi::constructor]
    pub fn expiring_at(access_token: String, expires_at_ms: i64) -> Arc<Self> {
        Arc::new(AccessToken { token: access_token.into(), expires_in_secs: None, expires_at_ms: Some(expires_at_ms) })
    }

    /// The token itself (a secret: never log it).
    pub fn access_token(&self) -> String {
        self.token.expose().to_string()
    }

    /// Seconds of validity, when built with `new` (and for tokens WeChat issued).
    pub fn expires_in_secs(&self) -> Option<i64> {
        self.expires_in_secs
    }

    /// Expiry in unix milliseconds, when built with `expiringAt`.
    pub fn expires_at_ms(&self) -> Option<i64> {
        self.expires_at_ms
    }
}

impl AccessToken {
    /// A token a token call of the operation table returned.
    pub(crate) fn issued(response: wxkf::ops::prelude::AccessTokenResponse) -> Arc<Self> {
        let (token, expires_in_secs) = (response.access_token, Some(response.expires_in));
        Arc::new(AccessToken { token, expires_in_secs, expires_at_ms: None })
    }

    fn cached(&self, now_ms: i64) -> CachedToken {
        let expires_at_ms = self
            .expires_at_ms
            .unwrap_or_else(|| now_ms.saturating_add(self.expires_in_secs.unwrap_or(0).saturating_mul(1000)));
        CachedToken { access_token: self.token.clone(), expires_at_ms, obtained_at_ms: now_ms }
    }
}

/// A broker of access tokens: the app's own back end, which holds the AppSecret.
#[uniffi::export(with_foreign)]
#[async_trait]
pub trait TokenProvider: Send + Sync {
    /// A currently valid token; `failed` is the token WeChat just rejected, if any. Return
    /// `null`/`nil` when none can be had (the call fails with `Transport` of kind `OTHER`).
    //
    // Optional because UniFFI 0.29.5 cannot return a bare object from an async foreign method
    // (the future's raw-pointer result is not `Send`); an `Option` travels in a buffer.
    async fn token(&self, failed: Option<String>) -> Result<Option<Arc<AccessToken>>, KfError>;
}

/// The host's clock, for apps that keep their own time (and for tests).
#[uniffi::export(with_foreign)]
#[async_trait]
pub trait HostClock: Send + Sync {
    /// Milliseconds since the unix epoch.
    fn now_ms(&self) -> i64;
    /// Waits `ms` milliseconds (used between retries).
    async fn sleep(&self, ms: u64);
}

/// The system clock, for clients built without a host clock.
pub(crate) struct SystemClock;

#[async_trait]
impl HostClock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    async fn sleep(&self, ms: u64) {
        // No async runtime is assumed (the host's coroutines poll the futures): a short-lived
        // thread completes a oneshot. Sleeps happen only between retries.
        let (tx, rx) = futures_channel::oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("wxkf-sleep".into()).spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(ms));
            let _ = tx.send(());
        });
        if thread.is_ok() {
            let _ = rx.await;
        }
    }
}

/// Core's `Clock` is the host's clock (or the system's), with `rand` for randomness.
#[async_trait]
impl wxkf::client::Clock for dyn HostClock {
    fn now_ms(&self) -> i64 {
        HostClock::now_ms(self)
    }

    async fn sleep(&self, ms: u64) {
        HostClock::sleep(self, ms).await
    }

    fn random_u64(&self) -> u64 {
        rand::random()
    }
}

/// Core's `Transport` is the host's `HttpTransport` (core's client scrubs what it throws).
#[async_trait]
impl wxkf::client::Transport for dyn HttpTransport {
    async fn send(&self, request: wxkf::HttpRequest) -> Result<wxkf::HttpResponse, KfError> {
        let response = HttpTransport::send(self, Arc::new(HttpRequest(request))).await?;
        let headers = response.headers.into_iter().map(|h| (h.name, h.value)).collect();
        Ok(wxkf::HttpResponse { status: response.status, headers, body: response.body })
    }
}

/// Core's `TokenProvider` over the host's broker.
pub(crate) struct ProviderAdapter {
    pub(crate) provider: Arc<dyn TokenProvider>,
    pub(crate) clock: Arc<dyn HostClock>,
}

#[async_trait]
impl wxkf::client::TokenProvider for ProviderAdapter {
    async fn token(&self, failed: Option<&str>) -> Result<CachedToken, KfError> {
        let token = self.provider.token(failed.map(str::to_string)).await?;
        let token =
            token.ok_or_else(|| KfError::transport(TransportKind::Other, "the token provider returned no token"))?;
        Ok(token.cached(self.clock.now_ms()))
    }
}
