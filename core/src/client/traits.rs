//! What a runtime plugs into the client: HTTP, time, token storage, token brokering.

use async_trait::async_trait;

use crate::client::token::CachedToken;
use crate::{HttpRequest, HttpResponse, KfError};

/// `Send + Sync` natively; nothing on wasm32, where JS futures are `!Send`.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> MaybeSend for T {}
/// `Send + Sync` natively; nothing on wasm32, where JS futures are `!Send`.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// Sends one HTTP request. Failures below HTTP are `KfError::Transport` with the right kind:
/// `Connect` only when the request surely never left (writes are retried only then).
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
pub trait Transport: MaybeSend {
    /// Performs the exchange.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, KfError>;
}

/// Wall-clock time, sleeping and randomness, supplied by the runtime (core reads neither).
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
pub trait Clock: MaybeSend {
    /// Milliseconds since the unix epoch.
    fn now_ms(&self) -> i64;
    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u64);
    /// A random number for nonces, multipart boundaries, jitter and lock ids (need not be
    /// cryptographic, but must differ across processes).
    fn random_u64(&self) -> u64;
}

/// Where access tokens are cached; shared stores (Redis, KV) let many processes use one token.
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
pub trait TokenStore: MaybeSend {
    /// The cached token under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<CachedToken>, KfError>;
    /// Stores a token under `key` until it expires.
    async fn set(&self, key: &str, token: &CachedToken) -> Result<(), KfError>;
    /// Removes the token under `key` only if it is still `failed` (compare-and-swap).
    async fn invalidate(&self, key: &str, failed: &str) -> Result<(), KfError>;
    /// Tries to take the cross-process refresh lock; returns a lock id when taken.
    ///
    /// Process-local stores need no lock (the client is single-flight already): the default
    /// always grants it.
    async fn try_lock(&self, _key: &str, _ttl_ms: u64, lock_id: &str) -> Result<bool, KfError> {
        let _ = lock_id;
        Ok(true)
    }
    /// Releases the refresh lock if `lock_id` still holds it.
    async fn unlock(&self, _key: &str, _lock_id: &str) -> Result<(), KfError> {
        Ok(())
    }
    /// Whether other processes share this store (then waiters poll it while another refreshes).
    fn is_shared(&self) -> bool {
        false
    }
}

/// A token issued by a broker: for edge functions and mobile apps, which must not hold the
/// AppSecret (and whose IPs are not whitelisted).
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
pub trait TokenProvider: MaybeSend {
    /// A currently valid token. `failed` is the token that WeChat just rejected, if any, so
    /// the broker can refresh it.
    async fn token(&self, failed: Option<&str>) -> Result<CachedToken, KfError>;
}

#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
impl<S: TokenStore + ?Sized> TokenStore for std::sync::Arc<S> {
    async fn get(&self, key: &str) -> Result<Option<CachedToken>, KfError> {
        (**self).get(key).await
    }
    async fn set(&self, key: &str, token: &CachedToken) -> Result<(), KfError> {
        (**self).set(key, token).await
    }
    async fn invalidate(&self, key: &str, failed: &str) -> Result<(), KfError> {
        (**self).invalidate(key, failed).await
    }
    async fn try_lock(&self, key: &str, ttl_ms: u64, lock_id: &str) -> Result<bool, KfError> {
        (**self).try_lock(key, ttl_ms, lock_id).await
    }
    async fn unlock(&self, key: &str, lock_id: &str) -> Result<(), KfError> {
        (**self).unlock(key, lock_id).await
    }
    fn is_shared(&self) -> bool {
        (**self).is_shared()
    }
}

#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, KfError> {
        (**self).send(request).await
    }
}

#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now_ms(&self) -> i64 {
        (**self).now_ms()
    }
    async fn sleep(&self, ms: u64) {
        (**self).sleep(ms).await
    }
    fn random_u64(&self) -> u64 {
        (**self).random_u64()
    }
}
