//! The production guards' host side: a shared key-value store (the guard store) and the budget
//! fallback, as foreign traits adapted to core's; the guards themselves are core's.

use std::sync::Arc;

use async_trait::async_trait;
use wxkf::KfError;

/// A shared key-value store of text values (Redis, a database, the app server's cache): where
/// reply budgets and seen pushes are kept so that every instance sees the same.
#[uniffi::export(with_foreign)]
#[async_trait]
pub trait KvStore: Send + Sync {
    /// The value at `key`, or `null` when absent or expired.
    async fn get(&self, key: String) -> Result<Option<String>, KfError>;
    /// Sets `key` to `value` for `ttl_ms` milliseconds.
    async fn set(&self, key: String, value: String, ttl_ms: u64) -> Result<(), KfError>;
    /// Removes `key`.
    async fn delete(&self, key: String) -> Result<(), KfError>;
    /// Atomically sets `key` to `value` (for `ttl_ms`) only if it holds `expected` (`null`:
    /// absent) and tells whether it did; `null` when the store has no atomic compare-and-set
    /// (wxkf then reads, compares and writes: safe within one process only).
    async fn compare_and_set(
        &self,
        key: String,
        expected: Option<String>,
        value: String,
        ttl_ms: u64,
    ) -> Result<Option<bool>, KfError>;
}

/// Told of each send refused for the user's reply budget, before the error is thrown: the
/// place to fall back (a template message, a queue).
#[uniffi::export(with_foreign)]
#[async_trait]
pub trait BudgetFallback: Send + Sync {
    /// `openid` cannot be messaged now; `error` is the `Guard` error the send throws.
    async fn refused(&self, openid: String, error: KfError);
}

/// Core's `KvStore` over the host's.
pub(crate) struct KvAdapter(pub(crate) Arc<dyn KvStore>);

#[async_trait]
impl wxkf::client::KvStore for KvAdapter {
    async fn get(&self, key: &str) -> Result<Option<String>, KfError> {
        self.0.get(key.to_string()).await
    }

    async fn set(&self, key: &str, value: String, ttl_ms: u64) -> Result<(), KfError> {
        self.0.set(key.to_string(), value, ttl_ms).await
    }

    async fn delete(&self, key: &str) -> Result<(), KfError> {
        self.0.delete(key.to_string()).await
    }

    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&str>,
        value: String,
        ttl_ms: u64,
    ) -> Result<bool, KfError> {
        let atomic =
            self.0.compare_and_set(key.to_string(), expected.map(str::to_string), value.clone(), ttl_ms).await?;
        match atomic {
            Some(done) => Ok(done),
            None if self.get(key).await?.as_deref() != expected => Ok(false),
            None => self.set(key, value, ttl_ms).await.map(|()| true),
        }
    }
}

/// Core's `BudgetFallback` over the host's.
pub(crate) struct FallbackAdapter(pub(crate) Arc<dyn BudgetFallback>);

#[async_trait]
impl wxkf::client::BudgetFallback for FallbackAdapter {
    async fn refused(&self, openid: &str, error: &KfError) {
        self.0.refused(openid.to_string(), error.clone()).await;
    }
}
