//! Token cache with single-flight refresh, refresh-ahead, compare-and-swap invalidation and a
//! cross-process lock for shared stores.

#[cfg(feature = "guards")]
use std::sync::atomic::AtomicI64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::api::token::{get_access_token::GetAccessToken, get_stable_access_token::GetStableAccessToken};
use crate::client::retry::RetryPolicy;
use crate::client::traits::{Clock, TokenProvider, TokenStore, Transport};
use crate::endpoint::{BuildContext, Endpoint};
#[cfg(feature = "guards")]
use crate::GuardKind;
use crate::{KfError, Secret};

/// An access token with its expiry, as cached and as shared through stores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedToken {
    /// The token.
    pub access_token: Secret,
    /// When it expires (unix milliseconds).
    pub expires_at_ms: i64,
    /// When it was obtained (unix milliseconds; 0 if unknown).
    #[serde(default)]
    pub obtained_at_ms: i64,
}

/// Where tokens come from. Chosen explicitly when the client is built.
#[derive(Clone)]
pub enum TokenSource {
    /// `/cgi-bin/stable_token` (default): the same token for every caller until it expires.
    Stable {
        /// AppID.
        appid: String,
        /// AppSecret.
        secret: Secret,
    },
    /// `/cgi-bin/token`: each fetch replaces the previous token (share a store across processes).
    Classic {
        /// AppID.
        appid: String,
        /// AppSecret.
        secret: Secret,
    },
    /// A host-supplied broker (edge functions, mobile apps: no AppSecret on the device).
    Provider(Arc<dyn TokenProvider>),
    /// A fixed token, never refreshed.
    Fixed(Secret),
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Stable { appid, .. } => write!(f, "Stable {{ appid: {appid:?}, secret: *** }}"),
            TokenSource::Classic { appid, .. } => write!(f, "Classic {{ appid: {appid:?}, secret: *** }}"),
            TokenSource::Provider(_) => f.write_str("Provider"),
            TokenSource::Fixed(_) => f.write_str("Fixed(***)"),
        }
    }
}

impl TokenSource {
    /// The store key: namespaced by appid and kind, never holding the secret.
    pub fn store_key(&self, namespace: &str) -> String {
        match self {
            TokenSource::Stable { appid, .. } => format!("{namespace}:{appid}:stable"),
            TokenSource::Classic { appid, .. } => format!("{namespace}:{appid}:classic"),
            TokenSource::Provider(_) => format!("{namespace}:provider"),
            TokenSource::Fixed(_) => format!("{namespace}:fixed"),
        }
    }
}

/// Token settings.
#[derive(Debug, Clone, Copy)]
pub struct TokenSettings {
    /// Refresh this long before expiry (capped at half the token's lifetime).
    pub refresh_margin_ms: i64,
    /// How long a shared-store refresh lock lives.
    pub lock_ttl_ms: u64,
    /// How often waiters poll a shared store while another process refreshes.
    pub poll_ms: u64,
    /// How long token calls pause after WeChat answered a quota error (45009).
    pub cooldown_ms: i64,
    /// At most one stable-token force refresh per this long per AppID (across instances
    /// when the store is shared).
    pub force_interval_ms: u64,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            refresh_margin_ms: 300_000,
            lock_ttl_ms: 10_000,
            poll_ms: 50,
            cooldown_ms: 60_000,
            force_interval_ms: 30_000,
        }
    }
}

pub(crate) struct TokenManager<S> {
    source: TokenSource,
    store: S,
    key: String,
    lock_key: String,
    settings: TokenSettings,
    local: Mutex<Option<CachedToken>>,
    refresh: async_lock::Mutex<()>,
    fetches: AtomicU64,
    /// Token calls are refused until then (unix ms) after a quota error; 0 when closed.
    #[cfg(feature = "guards")]
    breaker_until_ms: AtomicI64,
    /// When this process last forced a stable-token refresh (unix ms).
    #[cfg(feature = "guards")]
    last_force_ms: AtomicI64,
}

fn is_fresh(token: &CachedToken, now: i64, margin: i64) -> bool {
    let lifetime = token.expires_at_ms.saturating_sub(token.obtained_at_ms);
    let margin = if token.obtained_at_ms > 0 { margin.min(lifetime / 2) } else { margin };
    token.expires_at_ms.saturating_sub(now) > margin
}

impl<S: TokenStore> TokenManager<S> {
    pub(crate) fn new(source: TokenSource, store: S, namespace: &str, settings: TokenSettings) -> Self {
        let key = source.store_key(namespace);
        let lock_key = format!("{key}:lock");
        TokenManager {
            source,
            store,
            key,
            lock_key,
            settings,
            local: Mutex::new(None),
            refresh: async_lock::Mutex::new(()),
            fetches: AtomicU64::new(0),
            #[cfg(feature = "guards")]
            breaker_until_ms: AtomicI64::new(0),
            #[cfg(feature = "guards")]
            last_force_ms: AtomicI64::new(i64::MIN),
        }
    }

    pub(crate) fn source(&self) -> &TokenSource {
        &self.source
    }

    /// Token requests this client made to WeChat or to the provider.
    pub(crate) fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Whether a token error can be cured by fetching another token.
    pub(crate) fn refreshable(&self) -> bool {
        !matches!(self.source, TokenSource::Fixed(_))
    }

    /// Every secret this manager holds (the AppSecret, a fixed or the cached token), so that
    /// the client can scrub them from the errors it returns.
    pub(crate) fn known_secrets(&self) -> Vec<Secret> {
        let mut secrets = match &self.source {
            TokenSource::Stable { secret, .. } | TokenSource::Classic { secret, .. } | TokenSource::Fixed(secret) => {
                vec![secret.clone()]
            }
            TokenSource::Provider(_) => Vec::new(),
        };
        let local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        secrets.extend(local.as_ref().map(|t| t.access_token.clone()));
        secrets
    }

    fn local_fresh(&self, now: i64) -> Option<Secret> {
        let guard = self.local.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().filter(|t| is_fresh(t, now, self.settings.refresh_margin_ms)).map(|t| t.access_token.clone())
    }

    fn set_local(&self, token: &CachedToken) {
        *self.local.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
    }

    /// Without the guards: no serving a stale token, no breaker.
    #[cfg(not(feature = "guards"))]
    fn local_unexpired(&self, _: i64) -> Option<Secret> {
        None
    }

    #[cfg(not(feature = "guards"))]
    fn check_breaker(&self, _: i64) -> Result<(), KfError> {
        Ok(())
    }

    #[cfg(not(feature = "guards"))]
    fn trip_on_quota(&self, _: &KfError, _: i64) {}

    /// A token this process holds that has not expired yet (past the refresh margin, maybe).
    #[cfg(feature = "guards")]
    fn local_unexpired(&self, now: i64) -> Option<Secret> {
        let guard = self.local.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().filter(|t| t.expires_at_ms > now).map(|t| t.access_token.clone())
    }

    /// A valid token: cached, from the store, or fetched once for all concurrent callers.
    /// While a refresh fails, a token that has not expired yet is served (serve-stale); after
    /// a quota error token calls pause for the cool-down (the breaker) instead of burning the
    /// quota that is left.
    pub(crate) async fn get<T: Transport, C: Clock>(
        &self,
        transport: &T,
        clock: &C,
        base_url: &str,
        retry: &RetryPolicy,
    ) -> Result<Secret, KfError> {
        if let TokenSource::Fixed(token) = &self.source {
            // Bounded like any field: it goes into every URL.
            crate::validate::bounded("access_token", token.expose())?;
            return Ok(token.clone());
        }
        if let Some(token) = self.local_fresh(clock.now_ms()) {
            return Ok(token);
        }
        let _single_flight = self.refresh.lock().await;
        if let Some(token) = self.local_fresh(clock.now_ms()) {
            return Ok(token);
        }
        self.check_breaker(clock.now_ms())?;
        match self.obtain(transport, clock, base_url, retry, None).await {
            Ok(token) => Ok(token),
            Err(error) => {
                self.trip_on_quota(&error, clock.now_ms());
                match self.local_unexpired(clock.now_ms()) {
                    Some(stale) => {
                        tracing::warn!(error = %error, "token refresh failed; serving the cached token until it expires");
                        Ok(stale)
                    }
                    None => Err(error),
                }
            }
        }
    }

    /// Refuses a token call while the breaker is open (serving a token still unexpired).
    #[cfg(feature = "guards")]
    fn check_breaker(&self, now: i64) -> Result<(), KfError> {
        let until = self.breaker_until_ms.load(Ordering::Relaxed);
        if now < until && self.local_unexpired(now).is_none() {
            return Err(KfError::guard(
                GuardKind::TokenBreakerOpen,
                "token calls are paused after WeChat answered a quota error (45009)",
                Some(until),
            ));
        }
        Ok(())
    }

    /// Opens the breaker when a token call hit a quota (45009) or rate limit (45011).
    #[cfg(feature = "guards")]
    fn trip_on_quota(&self, error: &KfError, now: i64) {
        if matches!(error, KfError::Api { errcode: 45009 | 45011, .. }) {
            let until = now.saturating_add(self.settings.cooldown_ms);
            self.breaker_until_ms.store(until, Ordering::Relaxed);
            tracing::warn!(errcode = error.errcode(), cooldown_ms = self.settings.cooldown_ms, "token breaker open");
        }
    }

    /// Allows one stable-token force refresh per interval per AppID: in this process, and
    /// across processes through the store's lock when it is shared.
    #[cfg(feature = "guards")]
    pub(crate) async fn allow_force_refresh<C: Clock>(&self, clock: &C) -> Result<(), KfError> {
        let now = clock.now_ms();
        let interval = i64::try_from(self.settings.force_interval_ms).unwrap_or(i64::MAX);
        let last = self.last_force_ms.load(Ordering::Relaxed);
        let too_soon = |since: i64| {
            KfError::guard(
                GuardKind::ForceRefreshTooSoon,
                format!("a force refresh of this AppID's stable token ran less than {interval} ms ago"),
                Some(since.saturating_add(interval)),
            )
        };
        if last != i64::MIN && now.saturating_sub(last) < interval {
            return Err(too_soon(last));
        }
        let key = format!("{}:force", self.key);
        let id = format!("{:016x}", clock.random_u64());
        match self.store.try_lock(&key, self.settings.force_interval_ms, &id).await {
            Ok(false) => return Err(too_soon(now)),
            Ok(true) => {}
            Err(e) => tracing::warn!(error = %e, "token store unavailable; force-refresh interval checked locally"),
        }
        self.last_force_ms.store(now, Ordering::Relaxed);
        Ok(())
    }

    /// After WeChat rejected `failed`: drop it (only if still current) and get another one.
    pub(crate) async fn refresh_after_failure<T: Transport, C: Clock>(
        &self,
        transport: &T,
        clock: &C,
        base_url: &str,
        retry: &RetryPolicy,
        failed: &Secret,
    ) -> Result<Secret, KfError> {
        let _single_flight = self.refresh.lock().await;
        {
            let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
            match local.as_ref() {
                // Someone already replaced it while we waited: use theirs.
                Some(t) if &t.access_token != failed && is_fresh(t, clock.now_ms(), 0) => {
                    return Ok(t.access_token.clone());
                }
                Some(t) if &t.access_token == failed => *local = None,
                _ => {}
            }
        }
        if let Err(e) = self.store.invalidate(&self.key, failed.expose()).await {
            tracing::warn!(error = %e, "token store unavailable; dropping the rejected token locally only");
        }
        self.check_breaker(clock.now_ms())?;
        let result = self.obtain(transport, clock, base_url, retry, Some(failed)).await;
        if let Err(e) = &result {
            self.trip_on_quota(e, clock.now_ms());
        }
        result
    }

    /// Store first, then (under the cross-process lock for shared stores) the source.
    async fn obtain<T: Transport, C: Clock>(
        &self,
        transport: &T,
        clock: &C,
        base_url: &str,
        retry: &RetryPolicy,
        failed: Option<&Secret>,
    ) -> Result<Secret, KfError> {
        let usable = |t: &CachedToken, now: i64| {
            is_fresh(t, now, self.settings.refresh_margin_ms) && Some(&t.access_token) != failed
        };
        // A store that fails (a Redis outage) does not stop the calls: this process falls back
        // to its own single-flight cache, so it fetches once per token lifetime, not per call.
        match self.store.get(&self.key).await {
            Ok(Some(t)) if usable(&t, clock.now_ms()) => {
                self.set_local(&t);
                return Ok(t.access_token);
            }
            Ok(_) => {}
            // A store that breaks its contract (returns what it was not given) is a bug to fix,
            // not an outage to ride out.
            Err(e @ KfError::Validation { .. }) => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "token store unavailable; using this process's cache");
                return self.fetch_and_store(transport, clock, base_url, retry, failed).await;
            }
        }
        if !self.store.is_shared() {
            return self.fetch_and_store(transport, clock, base_url, retry, failed).await;
        }
        let lock_id = format!("{:016x}{:016x}", clock.random_u64(), clock.random_u64());
        let give_up_at = clock.now_ms().saturating_add(2 * self.settings.lock_ttl_ms as i64);
        loop {
            let locked = match self.store.try_lock(&self.lock_key, self.settings.lock_ttl_ms, &lock_id).await {
                Ok(locked) => locked,
                Err(e) => {
                    tracing::warn!(error = %e, "token store unavailable; using this process's cache");
                    return self.fetch_and_store(transport, clock, base_url, retry, failed).await;
                }
            };
            if locked {
                // Another process may have stored a token between our read and our lock.
                let stored = self.store.get(&self.key).await.unwrap_or(None);
                let result = match stored {
                    Some(t) if usable(&t, clock.now_ms()) => {
                        self.set_local(&t);
                        Ok(t.access_token)
                    }
                    _ => self.fetch_and_store(transport, clock, base_url, retry, failed).await,
                };
                if let Err(e) = self.store.unlock(&self.lock_key, &lock_id).await {
                    tracing::warn!(error = %e, "token store unavailable; its lock expires by itself");
                }
                return result;
            }
            clock.sleep(self.settings.poll_ms).await;
            if let Ok(Some(t)) = self.store.get(&self.key).await {
                if usable(&t, clock.now_ms()) {
                    self.set_local(&t);
                    return Ok(t.access_token);
                }
            }
            if clock.now_ms() > give_up_at {
                return Err(KfError::transport(
                    crate::TransportKind::Other,
                    "timed out waiting for another process to refresh the access token",
                ));
            }
        }
    }

    async fn fetch_and_store<T: Transport, C: Clock>(
        &self,
        transport: &T,
        clock: &C,
        base_url: &str,
        retry: &RetryPolicy,
        failed: Option<&Secret>,
    ) -> Result<Secret, KfError> {
        let token = self.fetch(transport, clock, base_url, retry, failed).await?;
        self.set_local(&token);
        if let Err(e) = self.store.set(&self.key, &token).await {
            tracing::warn!(error = %e, "token store unavailable; the token is cached in this process only");
        }
        Ok(token.access_token)
    }

    async fn fetch<T: Transport, C: Clock>(
        &self,
        transport: &T,
        clock: &C,
        base_url: &str,
        retry: &RetryPolicy,
        failed: Option<&Secret>,
    ) -> Result<CachedToken, KfError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        match &self.source {
            TokenSource::Fixed(token) => {
                Ok(CachedToken { access_token: token.clone(), expires_at_ms: i64::MAX, obtained_at_ms: 0 })
            }
            TokenSource::Provider(provider) => {
                let token = provider.token(failed.map(Secret::expose)).await?;
                if token.access_token.is_empty() {
                    return Err(KfError::validation("access_token", "the token provider returned an empty token"));
                }
                crate::validate::bounded("access_token", token.access_token.expose())?;
                Ok(token)
            }
            TokenSource::Stable { appid, secret } => {
                let req = GetStableAccessToken { appid: appid.clone(), secret: secret.clone(), force_refresh: false };
                fetch_wechat(&req, transport, clock, base_url, retry).await
            }
            TokenSource::Classic { appid, secret } => {
                let req = GetAccessToken { appid: appid.clone(), secret: secret.clone() };
                fetch_wechat(&req, transport, clock, base_url, retry).await
            }
        }
    }
}

async fn fetch_wechat<E, T: Transport, C: Clock>(
    req: &E,
    transport: &T,
    clock: &C,
    base_url: &str,
    retry: &RetryPolicy,
) -> Result<CachedToken, KfError>
where
    E: Endpoint<Output = crate::api::token::AccessTokenResponse>,
{
    let started = clock.now_ms();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let request = req.build(&BuildContext { base_url, access_token: None, nonce: "" })?;
        tracing::debug!(op = E::NAME, url = %request.redacted_url(), attempt, "fetching access token");
        let result = match transport.send(request).await {
            Ok(response) => E::parse(&response),
            Err(e) => Err(e),
        };
        match result {
            Ok(resp) => {
                let now = clock.now_ms();
                return Ok(CachedToken {
                    access_token: resp.access_token,
                    expires_at_ms: now.saturating_add(resp.expires_in.saturating_mul(1000)),
                    obtained_at_ms: now,
                });
            }
            Err(e) => {
                let delay = retry.delay_ms(attempt, clock.random_u64());
                let elapsed = clock.now_ms().saturating_sub(started).max(0) as u64;
                if attempt < retry.max_attempts
                    && retry.may_retry(E::CLASS, &e)
                    && elapsed.saturating_add(delay) < retry.deadline_ms
                {
                    clock.sleep(delay).await;
                    continue;
                }
                tracing::debug!(op = E::NAME, errcode = e.errcode(), error = %e, "access token fetch failed");
                return Err(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_uses_margin_capped_at_half_lifetime() {
        let t = CachedToken { access_token: "t".into(), expires_at_ms: 7_200_000, obtained_at_ms: 0 };
        assert!(is_fresh(&t, 0, 300_000));
        assert!(!is_fresh(&t, 6_900_001, 300_000));
        let short = CachedToken { access_token: "t".into(), expires_at_ms: 1_060_000, obtained_at_ms: 1_000_000 };
        assert!(is_fresh(&short, 1_020_000, 300_000));
        assert!(!is_fresh(&short, 1_031_000, 300_000));
    }

    #[test]
    fn debug_hides_secrets_and_keys_hold_none() {
        let src = TokenSource::Stable { appid: "wx1".into(), secret: "MARKER".into() };
        assert!(!format!("{src:?}").contains("MARKER"));
        assert_eq!(src.store_key("wxkf:token"), "wxkf:token:wx1:stable");
        let t = CachedToken { access_token: "MARKER".into(), expires_at_ms: 1, obtained_at_ms: 0 };
        assert!(!format!("{t:?}").contains("MARKER"));
    }
}
