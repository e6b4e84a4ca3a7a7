//! The production guards of a client that need a store: each user's reply budget and the
//! deduplication of pushes. Kept in the client's guard store — in this process's memory by
//! default, or a shared [`KvStore`] (Redis, Workers KV, a Python cache) so every instance of
//! an app sees the same budgets and the same pushes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::budget::{Budget, BudgetRefusal, BudgetRule, UserAction, UserBudget, Window};
use crate::callback::PushMessage;
use crate::client::kv_store::KvStore;
use crate::client::traits::MaybeSend;
use crate::{BudgetMode, GuardKind, KfError};

/// Told when a send is refused for the user's budget, before the error is returned: the place
/// to fall back (a template message, a queue) without wxkf knowing how.
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
pub trait BudgetFallback: MaybeSend {
    /// `openid` cannot be messaged now; `error` is the `Guard` error the send returns.
    async fn refused(&self, openid: &str, error: &KfError);
}

/// Where the guards keep their state.
pub(crate) enum GuardStore {
    /// This process only (time from the client's clock).
    Local(Mutex<HashMap<String, (String, i64)>>),
    /// Shared by every instance.
    Shared(Arc<dyn KvStore>),
}

impl GuardStore {
    async fn get(&self, key: &str, now_ms: i64) -> Result<Option<String>, KfError> {
        match self {
            GuardStore::Local(map) => {
                let map = map.lock().unwrap_or_else(|p| p.into_inner());
                Ok(map.get(key).filter(|(_, until)| *until > now_ms).map(|(v, _)| v.clone()))
            }
            GuardStore::Shared(kv) => kv.get(key).await,
        }
    }

    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&str>,
        value: String,
        now_ms: i64,
        ttl_ms: u64,
    ) -> Result<bool, KfError> {
        match self {
            GuardStore::Local(map) => {
                let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
                if map.len() > 4096 {
                    map.retain(|_, (_, until)| *until > now_ms);
                }
                let current = map.get(key).filter(|(_, until)| *until > now_ms).map(|(v, _)| v.as_str());
                if current != expected {
                    return Ok(false);
                }
                let until = now_ms.saturating_add(i64::try_from(ttl_ms).unwrap_or(i64::MAX));
                map.insert(key.to_string(), (value, until));
                Ok(true)
            }
            GuardStore::Shared(kv) => kv.compare_and_set(key, expected, value, ttl_ms).await,
        }
    }
}

/// Budgets and deduplication of one client.
pub(crate) struct Guards {
    pub(crate) store: GuardStore,
    pub(crate) prefix: String,
    pub(crate) mode: BudgetMode,
    pub(crate) rules: Vec<BudgetRule>,
    pub(crate) dedup_ttl_ms: u64,
    pub(crate) fallback: Option<Arc<dyn BudgetFallback>>,
}

/// What an update spent: the window a send was charged to (`None` for updates that spend
/// nothing), or why it was refused with the end of the user's last window.
type Spent = Result<Option<Window>, (BudgetRefusal, Option<i64>)>;

/// A change to a user's budget (data, not a closure: one copy of the update loop serves all).
#[derive(Clone, Copy)]
enum Change<'a> {
    Record(UserAction),
    Spend,
    Refund(&'a Window),
    Learn(i64),
}

/// How often a budget update is retried when another instance changed it in between.
const CAS_ATTEMPTS: usize = 16;

impl Guards {
    fn budget_key(&self, openid: &str) -> String {
        format!("{}:budget:{openid}", self.prefix)
    }

    async fn load(&self, key: &str, now_ms: i64) -> Result<(Option<String>, UserBudget), KfError> {
        let text = self.store.get(key, now_ms).await?;
        // A value this version cannot read is treated as no budget (it is rewritten on update).
        let budget = text.as_deref().and_then(UserBudget::decode).unwrap_or_default();
        Ok((text, budget))
    }

    /// Applies `change` to `openid`'s budget atomically (compare-and-set, retried). Not
    /// generic over the change, and awaited boxed: one copy of this loop serves every update
    /// (the npm package's wasm has a size budget).
    async fn update(&self, openid: &str, now_ms: i64, change: Change<'_>) -> Result<Spent, KfError> {
        let key = self.budget_key(openid);
        for _ in 0..CAS_ATTEMPTS {
            let (old, mut budget) = self.load(&key, now_ms).await?;
            let result = match change {
                Change::Spend => budget
                    .spend(now_ms)
                    .map(Some)
                    .map_err(|refusal| (refusal, budget.windows.iter().map(|w| w.until_ms).max())),
                Change::Record(action) => {
                    budget.record(&self.rules, action, now_ms);
                    Ok(None)
                }
                Change::Refund(window) => {
                    budget.refund(window);
                    Ok(None)
                }
                Change::Learn(code) => {
                    budget.learn(code, now_ms);
                    Ok(None)
                }
            };
            budget.windows.retain(|w| w.until_ms > now_ms);
            let last = budget.windows.iter().map(|w| w.until_ms).max().unwrap_or(now_ms);
            let ttl = u64::try_from(last.saturating_sub(now_ms)).unwrap_or(0).max(1_000);
            let text = budget.encode();
            if self.store.compare_and_set(&key, old.as_deref(), text, now_ms, ttl).await? {
                return Ok(result);
            }
        }
        Err(KfError::transport(crate::TransportKind::Other, "the budget store kept changing under the update"))
    }

    /// What `openid`'s windows allow at `now_ms`.
    pub(crate) async fn budget(&self, openid: &str, now_ms: i64) -> Result<Budget, KfError> {
        Ok(self.load(&self.budget_key(openid), now_ms).await?.1.budget(now_ms))
    }

    /// Opens the window `action` allows.
    pub(crate) async fn record(&self, openid: &str, action: UserAction, now_ms: i64) -> Result<(), KfError> {
        super::boxed(self.update(openid, now_ms, Change::Record(action))).await.map(drop)
    }

    /// Before a send to `openid`: counts it against the budget (so concurrent senders cannot
    /// both take the last message) and refuses it in `enforce` mode when nothing is left.
    /// Returns the window charged, to refund if WeChat refuses the message. A store that
    /// fails lets the send through (better an answer from WeChat than a lost message).
    pub(crate) async fn before_send(&self, openid: &str, now_ms: i64) -> Result<Option<Window>, KfError> {
        if self.mode == BudgetMode::Off {
            return Ok(None);
        }
        let outcome = match super::boxed(self.update(openid, now_ms, Change::Spend)).await {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::warn!(error = %e, "reply budget unavailable; sending unchecked");
                return Ok(None);
            }
        };
        let (refusal, until) = match outcome {
            Ok(window) => return Ok(window),
            Err(refused) => refused,
        };
        let (kind, what) = match refusal {
            BudgetRefusal::OutOfWindow => {
                (GuardKind::OutOfWindow, "the user's reply budget: no window is open (WeChat would answer 45015)")
            }
            BudgetRefusal::Spent => (
                GuardKind::BudgetSpent,
                "the user's reply budget: the open windows are spent (WeChat would answer 45047)",
            ),
        };
        if self.mode == BudgetMode::Warn {
            tracing::warn!(guard = %kind, "{what}; sending anyway (budget_mode warn)");
            return Ok(None);
        }
        let error = KfError::guard(kind, what, until);
        if let Some(fallback) = &self.fallback {
            fallback.refused(openid, &error).await;
        }
        Err(error)
    }

    /// After a send: WeChat's 45015/45047 correct the budget; any other refusal gives the
    /// counted message back (it did not reach the user); transport failures keep it counted
    /// (it may have).
    pub(crate) async fn after_send(
        &self,
        openid: &str,
        charged: Option<Window>,
        result: &Result<(), KfError>,
        now_ms: i64,
    ) {
        let change = match (result, &charged) {
            (Ok(()), _) => return,
            (Err(KfError::Api { errcode: code @ (45015 | 45047), .. }), _) => Change::Learn(*code),
            (Err(KfError::Api { .. } | KfError::Validation { .. }), Some(window)) => Change::Refund(window),
            _ => return,
        };
        if let Err(e) = super::boxed(self.update(openid, now_ms, change)).await {
            tracing::warn!(error = %e, "reply budget could not be updated");
        }
    }

    /// Whether this is the first delivery of `push` within the dedup TTL (a store that fails
    /// says yes: better handled twice than dropped).
    pub(crate) async fn first_delivery(&self, push: &PushMessage, now_ms: i64) -> bool {
        let key = format!("{}:push:{}", self.prefix, push.dedup_key());
        match self.store.compare_and_set(&key, None, now_ms.to_string(), now_ms, self.dedup_ttl_ms).await {
            Ok(first) => first,
            Err(e) => {
                tracing::warn!(error = %e, "push deduplication unavailable; handling the push");
                true
            }
        }
    }
}
