//! The adapter that turns a host key-value store (Workers KV, a Python cache object, a
//! Kotlin map) into a [`TokenStore`]: values are JSON text, invalidation compares first.

use async_trait::async_trait;

use crate::client::token::CachedToken;
use crate::client::traits::{MaybeSend, TokenStore};
use crate::KfError;

/// A key-value store of text values, supplied by the host.
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
pub trait KvStore: MaybeSend {
    /// The value under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<String>, KfError>;
    /// Stores `value` under `key`; it may be dropped after `ttl_ms` (the token's lifetime).
    async fn set(&self, key: &str, value: String, ttl_ms: u64) -> Result<(), KfError>;
    /// Removes `key`.
    async fn delete(&self, key: &str) -> Result<(), KfError>;
    /// Sets `key` to `value` (for `ttl_ms`) only if it now holds `expected` (`None`: absent);
    /// returns whether it did. Shared stores make this atomic (Redis: one script; `SET NX PX`
    /// when `expected` is `None`); the default reads, compares and writes, which is atomic
    /// only in a single-threaded host (a Worker isolate, one Python process with the GIL).
    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&str>,
        value: String,
        ttl_ms: u64,
    ) -> Result<bool, KfError> {
        compare_and_set_by_read(self, key, expected, value, ttl_ms).await
    }
}

/// [`KvStore::compare_and_set`] by reading, comparing and writing: the default, and what a
/// host adapter falls back to when the host store has no atomic operation of its own.
pub async fn compare_and_set_by_read<S: KvStore + ?Sized>(
    store: &S,
    key: &str,
    expected: Option<&str>,
    value: String,
    ttl_ms: u64,
) -> Result<bool, KfError> {
    if store.get(key).await?.as_deref() != expected {
        return Ok(false);
    }
    store.set(key, value, ttl_ms).await.map(|()| true)
}

#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
impl<K: KvStore + ?Sized> KvStore for std::sync::Arc<K> {
    async fn get(&self, key: &str) -> Result<Option<String>, KfError> {
        (**self).get(key).await
    }
    async fn set(&self, key: &str, value: String, ttl_ms: u64) -> Result<(), KfError> {
        (**self).set(key, value, ttl_ms).await
    }
    async fn delete(&self, key: &str) -> Result<(), KfError> {
        (**self).delete(key).await
    }
    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&str>,
        value: String,
        ttl_ms: u64,
    ) -> Result<bool, KfError> {
        (**self).compare_and_set(key, expected, value, ttl_ms).await
    }
}

/// A [`TokenStore`] over a host [`KvStore`]. Tokens are kept as JSON text
/// (`{"access_token","expires_at_ms","obtained_at_ms"}`); a token is invalidated only if it
/// is still the one that failed (compare, then delete).
#[derive(Debug)]
pub struct KvTokenStore<K> {
    kv: K,
    now_ms: fn() -> i64,
}

impl<K: KvStore> KvTokenStore<K> {
    /// The adapter over `kv`; `now_ms` gives the TTL of a stored token.
    pub fn new(kv: K, now_ms: fn() -> i64) -> Self {
        KvTokenStore { kv, now_ms }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
impl<K: KvStore> TokenStore for KvTokenStore<K> {
    async fn get(&self, key: &str) -> Result<Option<CachedToken>, KfError> {
        let Some(text) = self.kv.get(key).await? else {
            return Ok(None);
        };
        // serde's message would quote the value, and the value holds the token.
        serde_json::from_slice(text.as_bytes())
            .map(Some)
            .map_err(|_| KfError::validation("token_store.get", "must return null or the text the store was given"))
    }

    async fn set(&self, key: &str, token: &CachedToken) -> Result<(), KfError> {
        let text = serde_json::to_string(token)
            .map_err(|_| KfError::validation("token_store.set", "the token could not be serialized"))?;
        let ttl = token.expires_at_ms.saturating_sub((self.now_ms)()).max(1);
        self.kv.set(key, text, u64::try_from(ttl).unwrap_or(1)).await
    }

    async fn invalidate(&self, key: &str, failed: &str) -> Result<(), KfError> {
        match self.get(key).await? {
            Some(current) if current.access_token.expose() == failed => self.kv.delete(key).await,
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Map(Mutex<HashMap<String, (String, u64)>>);

    #[async_trait]
    impl KvStore for Map {
        async fn get(&self, key: &str) -> Result<Option<String>, KfError> {
            Ok(self.0.lock().map_err(|_| KfError::validation("m", "poisoned"))?.get(key).map(|v| v.0.clone()))
        }
        async fn set(&self, key: &str, value: String, ttl_ms: u64) -> Result<(), KfError> {
            self.0.lock().map_err(|_| KfError::validation("m", "poisoned"))?.insert(key.into(), (value, ttl_ms));
            Ok(())
        }
        async fn delete(&self, key: &str) -> Result<(), KfError> {
            self.0.lock().map_err(|_| KfError::validation("m", "poisoned"))?.remove(key);
            Ok(())
        }
    }

    fn token(value: &str) -> CachedToken {
        CachedToken { access_token: value.into(), expires_at_ms: 10_000, obtained_at_ms: 1_000 }
    }

    #[tokio::test]
    async fn stores_json_and_compares_before_deleting() {
        {
            let store = KvTokenStore::new(Map::default(), || 4_000);
            store.set("k", &token("TOKEN-A-LONG")).await.unwrap();
            let raw = store.kv.get("k").await.unwrap().unwrap();
            assert!(raw.contains("\"access_token\":\"TOKEN-A-LONG\""), "{raw}");
            assert_eq!(store.kv.0.lock().unwrap()["k"].1, 6_000, "ttl = time left");
            assert_eq!(store.get("k").await.unwrap(), Some(token("TOKEN-A-LONG")));
            store.invalidate("k", "OTHER-TOKEN").await.unwrap();
            assert!(store.get("k").await.unwrap().is_some(), "another token failed: kept");
            store.invalidate("k", "TOKEN-A-LONG").await.unwrap();
            assert_eq!(store.get("k").await.unwrap(), None);
            store.kv.set("k", "{\"access_token\":\"SECRET-VALUE\"".into(), 1).await.unwrap();
            let err = store.get("k").await.unwrap_err();
            assert!(!err.to_string().contains("SECRET-VALUE"), "{err}");
        }
    }
}
