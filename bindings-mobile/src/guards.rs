//! The production guards (issue 18) as the host sees them: a `KvStore` the app supplies for
//! budgets, push deduplication and tokens shared by its instances, a `BudgetFallback` told of each
//! refusal, and the client's `budget`, `recordAction` and `acceptPush` over core's.

use std::sync::Arc;

use async_trait::async_trait;
use wxkf::budget::{Budget, UserAction};
use wxkf::{AcceptedPush, KfError, PushQuery};

use crate::client::Client;
use crate::webhook::Webhook;

/// A key-value store of text values shared by the app's instances (Redis, a database …) for
/// the reply budgets and deduplicated pushes (`guardStore`) or the access tokens
/// (`tokenStore`: its values hold tokens, keep them secret). Values may be dropped after `ttlMs`.
#[uniffi::export(with_foreign)]
#[async_trait]
pub trait KvStore: Send + Sync {
    /// The value under `key`, or `null`/`nil`.
    async fn get(&self, key: String) -> Result<Option<String>, KfError>;
    /// Stores `value` under `key` for `ttl_ms` milliseconds.
    async fn set(&self, key: String, value: String, ttl_ms: u64) -> Result<(), KfError>;
    /// Removes `key`.
    async fn delete(&self, key: String) -> Result<(), KfError>;
    /// Sets `key` to `value` only if it now holds `expected` (`null`: absent), atomically
    /// (Redis: `SET NX PX` / a script), and returns whether it did. Return `null`/`nil` when the
    /// store has no such operation: wxkf then reads, compares and writes (not atomic across
    /// instances, so two of them could both spend a user's last message).
    async fn compare_and_set(
        &self,
        key: String,
        expected: Option<String>,
        value: String,
        ttl_ms: u64,
    ) -> Result<Option<bool>, KfError>;
}

/// Told when a send is refused for the user's reply budget, before the send throws: the place
/// to fall back (a template message, a queue).
#[uniffi::export(with_foreign)]
#[async_trait]
pub trait BudgetFallback: Send + Sync {
    /// `openid` cannot be messaged now; `error` is the `Guard` error the send throws.
    async fn refused(&self, openid: String, error: KfError);
}

/// Core's `KvStore` over the host's.
pub(crate) struct HostKv(pub(crate) Arc<dyn KvStore>);

#[async_trait]
impl wxkf::client::KvStore for HostKv {
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
        ttl: u64,
    ) -> Result<bool, KfError> {
        let exp = expected.map(str::to_string);
        match self.0.compare_and_set(key.to_string(), exp, value.clone(), ttl).await? {
            Some(done) => Ok(done),
            None if self.get(key).await?.as_deref() != expected => Ok(false),
            None => self.set(key, value, ttl).await.map(|()| true),
        }
    }
}

/// Core's `BudgetFallback` over the host's.
pub(crate) struct HostFallback(pub(crate) Arc<dyn BudgetFallback>);

#[async_trait]
impl wxkf::client::BudgetFallback for HostFallback {
    async fn refused(&self, openid: &str, error: &KfError) {
        self.0.refused(openid.to_string(), error.clone()).await;
    }
}

/// How often a push handler's "typing…" is shown again while it works, in milliseconds
/// (core's `TYPING_REFRESH_MS`: WeChat keeps the state 15 s and refuses it again before).
#[uniffi::export]
pub fn typing_refresh_ms() -> u64 {
    wxkf::callback::TYPING_REFRESH_MS
}

#[uniffi::export]
impl Client {
    /// What `openid`'s reply budget allows now: messages left, until when, why a send would
    /// be refused.
    pub async fn budget(&self, openid: String) -> Result<Budget, KfError> {
        self.core.budget(&openid).await
    }

    /// Records what `openid` did that no push reports (a payment), opening its window.
    pub async fn record_action(&self, openid: String, action: UserAction) -> Result<(), KfError> {
        self.core.record_action(&openid, action).await
    }

    /// A webhook's POST, the production way: verifies and opens the push, tells whether it is
    /// WeChat's retry of one already accepted, and records the user's action in the reply
    /// budget. `now`: unix seconds (the client's clock when absent). Answer within 5 s.
    #[uniffi::method(default(now = None))]
    pub async fn accept_push(
        &self,
        webhook: Arc<Webhook>,
        query: PushQuery,
        body: Vec<u8>,
        now: Option<i64>,
    ) -> Result<AcceptedPush, KfError> {
        let now = now.unwrap_or_else(|| wxkf::client::Clock::now_ms(self.core.clock()).div_euclid(1000));
        self.core.accept_push(&webhook.0, &query, &body, now).await
    }
}
