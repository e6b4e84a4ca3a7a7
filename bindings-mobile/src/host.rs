//! What the host app plugs in: its HTTP stack (`HttpTransport`), a token broker
//! (`TokenProvider`) and optionally its clock (`HostClock`), with the adapters to core's traits.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use wxkf::client::CachedToken;
use wxkf::Secret;

use crate::error::KfError;

/// One header.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    /// Header name.
    pub name: String,
    /// Header value.
    pub value: String,
}

/// A request for the host's HTTP stack to send.
///
/// An object, not a record: its URL carries the access token, so it has no generated
/// `toString`/`description` that could print it. Log `redactedUrl()` instead.
#[derive(uniffi::Object)]
pub struct HttpRequest {
    inner: wxkf::HttpRequest,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export]
impl HttpRequest {
    /// `GET` or `POST`.
    pub fn method(&self) -> String {
        self.inner.method.as_str().to_string()
    }

    /// The absolute URL with its query (holds `access_token`: never log it).
    pub fn url(&self) -> String {
        self.inner.url.clone()
    }

    /// The URL with `access_token` and `secret` values replaced by `***`, safe to log.
    pub fn redacted_url(&self) -> String {
        self.inner.redacted_url()
    }

    /// The headers to send, in order (`content-type` for bodies).
    pub fn headers(&self) -> Vec<HttpHeader> {
        self.inner.headers.iter().map(|(name, value)| HttpHeader { name: name.clone(), value: value.clone() }).collect()
    }

    /// The body bytes (empty for GET).
    pub fn body(&self) -> Vec<u8> {
        self.inner.body.clone()
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

/// The host app's HTTP stack (OkHttp, `java.net.http`, `URLSession`, …), so apps keep their
/// own networking, proxies and certificate pinning.
///
/// Throw `KfException.Transport` for failures below HTTP, with kind `CONNECT` only when the
/// request surely never left (wxkf then retries even writes); `TIMEOUT`/`RESET` otherwise.
/// Any other exception counts as a transport failure of kind `OTHER`. Whatever it throws is
/// scrubbed of the request's `access_token` and `secret` before it reaches the caller.
#[uniffi::export(with_foreign)]
#[async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends the request and returns the response whatever its status.
    async fn send(&self, request: Arc<HttpRequest>) -> Result<HttpResponse, KfError>;
}

/// An access token with its expiry, as a token broker hands it out.
///
/// An object so that no generated `toString` prints the token.
#[derive(uniffi::Object)]
pub struct AccessToken {
    token: Secret,
    expires_in_secs: Option<i64>,
    expires_at_ms: Option<i64>,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &self.token)
            .field("expires_in_secs", &self.expires_in_secs)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

#[uniffi::export]
impl AccessToken {
    /// A token valid for `expires_in_secs` more seconds (what brokers and WeChat report).
    #[uniffi::constructor]
    pub fn new(access_token: String, expires_in_secs: i64) -> Arc<Self> {
        Arc::new(AccessToken {
            token: Secret::new(access_token),
            expires_in_secs: Some(expires_in_secs),
            expires_at_ms: None,
        })
    }

    /// A token valid until `expires_at_ms` (unix milliseconds).
    #[uniffi::constructor]
    pub fn expiring_at(access_token: String, expires_at_ms: i64) -> Arc<Self> {
        Arc::new(AccessToken {
            token: Secret::new(access_token),
            expires_in_secs: None,
            expires_at_ms: Some(expires_at_ms),
        })
    }

    /// The token itself (a secret: never log it).
    pub fn access_token(&self) -> String {
        self.token.expose().to_string()
    }

    /// Seconds of validity, when built with `new`.
    pub fn expires_in_secs(&self) -> Option<i64> {
        self.expires_in_secs
    }

    /// Expiry in unix milliseconds, when built with `expiringAt`.
    pub fn expires_at_ms(&self) -> Option<i64> {
        self.expires_at_ms
    }
}

impl AccessToken {
    fn cached(&self, now_ms: i64) -> CachedToken {
        let expires_at_ms = match (self.expires_at_ms, self.expires_in_secs) {
            (Some(at), _) => at,
            (None, Some(secs)) => now_ms.saturating_add(secs.saturating_mul(1000)),
            (None, None) => now_ms,
        };
        CachedToken { access_token: self.token.clone(), expires_at_ms, obtained_at_ms: now_ms }
    }
}

/// A broker of access tokens: the app's own back end, which holds the AppSecret. This is the
/// mode for mobile apps, which must never hold the AppSecret.
#[uniffi::export(with_foreign)]
#[async_trait]
pub trait TokenProvider: Send + Sync {
    /// A currently valid token. `failed` is the token WeChat just rejected, if any: the broker
    /// should hand out a fresher one. Return `null`/`nil` when no token can be had (for
    /// example the user is signed out): the call then fails with a `Transport` error of kind
    /// `OTHER`; throw `KfException` to fail with an error of your own.
    //
    // Optional because UniFFI 0.29.5 cannot return a bare object from an async foreign
    // method (its future result holding a raw pointer is not `Send`); an `Option` travels in
    // a buffer.
    async fn token(&self, failed: Option<String>) -> Result<Option<Arc<AccessToken>>, KfError>;
}

/// The host's clock, for apps that keep their own time (and for tests). Without one, wxkf
/// uses the system clock and a timer thread.
#[uniffi::export(with_foreign)]
#[async_trait]
pub trait HostClock: Send + Sync {
    /// Milliseconds since the unix epoch.
    fn now_ms(&self) -> i64;
    /// Waits `ms` milliseconds (used between retries).
    async fn sleep(&self, ms: u64);
}

/// The clock a client runs on.
#[derive(Clone)]
pub(crate) enum ClockImpl {
    System,
    Host(Arc<dyn HostClock>),
}

pub(crate) fn system_now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)).unwrap_or(0)
}

#[async_trait]
impl wxkf::client::Clock for ClockImpl {
    fn now_ms(&self) -> i64 {
        match self {
            ClockImpl::System => system_now_ms(),
            ClockImpl::Host(c) => c.now_ms(),
        }
    }

    async fn sleep(&self, ms: u64) {
        match self {
            ClockImpl::System => {
                // No async runtime is assumed (the host's coroutines poll the futures): a
                // short-lived thread completes a oneshot. Sleeps happen only between retries.
                let (tx, rx) = futures_channel::oneshot::channel::<()>();
                let spawned = std::thread::Builder::new().name("wxkf-sleep".into()).spawn(move || {
                    std::thread::sleep(std::time::Duration::from_millis(ms));
                    let _ = tx.send(());
                });
                if spawned.is_ok() {
                    let _ = rx.await;
                }
            }
            ClockImpl::Host(c) => c.sleep(ms).await,
        }
    }

    fn random_u64(&self) -> u64 {
        rand::random()
    }
}

/// Core's `Transport` over the host's `HttpTransport`.
pub(crate) struct TransportAdapter(pub(crate) Arc<dyn HttpTransport>);

#[async_trait]
impl wxkf::client::Transport for TransportAdapter {
    async fn send(&self, request: wxkf::HttpRequest) -> Result<wxkf::HttpResponse, wxkf::KfError> {
        let secrets = secrets_of(&request);
        let response = self
            .0
            .send(Arc::new(HttpRequest { inner: request }))
            .await
            .map_err(|e| wxkf::KfError::from(e.scrubbed(&secrets)))?;
        Ok(wxkf::HttpResponse {
            status: response.status,
            headers: response.headers.into_iter().map(|h| (h.name, h.value)).collect(),
            body: response.body,
        })
    }
}

/// The secret values a request carries: `access_token` and `secret` in the query (raw and
/// decoded) and `secret` in a JSON body (stable tokens). What a host throws is scrubbed of them.
fn secrets_of(request: &wxkf::HttpRequest) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((_, query)) = request.url.split_once('?') {
        for (k, v) in query.split('&').filter_map(|pair| pair.split_once('=')) {
            if k == "access_token" || k == "secret" {
                out.push(v.to_string());
            }
        }
    }
    for (k, v) in wxkf::http::query_pairs(&request.url) {
        if k == "access_token" || k == "secret" {
            out.push(v);
        }
    }
    // Core writes the stable-token body with serde_json: `"secret":"…"`, escaped as JSON.
    let body = String::from_utf8_lossy(&request.body);
    if let Some((_, rest)) = body.split_once("\"secret\":\"") {
        let end = rest.find('"').unwrap_or(rest.len());
        out.push(rest[..end].to_string());
    }
    out
}

/// Core's `TokenProvider` over the host's broker.
pub(crate) struct ProviderAdapter {
    pub(crate) provider: Arc<dyn TokenProvider>,
    pub(crate) clock: ClockImpl,
}

#[async_trait]
impl wxkf::client::TokenProvider for ProviderAdapter {
    async fn token(&self, failed: Option<&str>) -> Result<CachedToken, wxkf::KfError> {
        let rejected: Vec<String> = failed.map(str::to_string).into_iter().collect();
        let token = self
            .provider
            .token(failed.map(str::to_string))
            .await
            .map_err(|e| wxkf::KfError::from(e.scrubbed(&rejected)))?;
        let Some(token) = token else {
            return Err(wxkf::KfError::Transport {
                transport_kind: wxkf::TransportKind::Other,
                reason: "the token provider returned no token".to_string(),
            });
        };
        // Core refuses an empty token; a huge one would be sent in every URL.
        wxkf::validate::bounded("access_token", token.token.expose())?;
        Ok(token.cached(wxkf::client::Clock::now_ms(&self.clock)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_tokens() {
        let t = AccessToken::new("MARKER-TOKEN".into(), 7200);
        assert!(!format!("{t:?}").contains("MARKER"));
        let r = HttpRequest {
            inner: wxkf::HttpRequest {
                method: wxkf::Method::Get,
                url: "http://h/p?access_token=MARKER".into(),
                headers: vec![],
                body: vec![],
            },
        };
        assert!(!format!("{r:?}").contains("MARKER"));
        assert!(!r.redacted_url().contains("MARKER"));
    }

    #[test]
    fn secrets_of_a_request_are_its_token_and_secret() {
        let r = wxkf::HttpRequest {
            method: wxkf::Method::Post,
            url: "http://h/cgi-bin/stable_token?access_token=A%2BB&x=1".into(),
            headers: vec![],
            body: br#"{"grant_type":"client_credential","appid":"wx1","secret":"S3CRET","force_refresh":false}"#
                .to_vec(),
        };
        assert_eq!(secrets_of(&r), vec!["A%2BB".to_string(), "A+B".to_string(), "S3CRET".to_string()]);
    }

    #[test]
    fn expiry_in_seconds_counts_from_the_clock() {
        let t = AccessToken::new("x".into(), 7200);
        assert_eq!(t.cached(1_000).expires_at_ms, 7_201_000);
        let t = AccessToken::expiring_at("x".into(), 99);
        assert_eq!(t.cached(1_000).expires_at_ms, 99);
    }
}
