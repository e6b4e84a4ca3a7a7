//! Which failures may be retried, by operation class, and how long to wait.

use crate::endpoint::OpClass;
use crate::error::RetryClass;
use crate::KfError;

/// Retry settings. Token errors are handled apart: one refresh and one retry, always.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all for a read (1 = no retry).
    pub max_attempts: u32,
    /// First backoff delay.
    pub base_delay_ms: u64,
    /// Largest backoff delay.
    pub max_delay_ms: u64,
    /// No retry starts after this many milliseconds since the call began.
    pub deadline_ms: u64,
    /// Also retry writes on timeouts, resets, 5xx and `-1` (may deliver twice: opt in only
    /// for idempotent use).
    pub retry_writes: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay_ms: 100,
            max_delay_ms: 2_000,
            deadline_ms: 15_000,
            retry_writes: false,
        }
    }
}

impl RetryPolicy {
    /// No retries at all (token refresh still retries once).
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::default() }
    }

    /// Whether `error`, from an operation of `class`, may be retried.
    pub fn may_retry(&self, class: OpClass, error: &KfError) -> bool {
        // A request that surely never left can be sent again whatever it does.
        if let KfError::Transport { transport_kind, .. } = error {
            if transport_kind.surely_not_sent() {
                return true;
            }
        }
        let transient = match error {
            KfError::Transport { transport_kind, .. } => !matches!(transport_kind, crate::TransportKind::Aborted),
            KfError::Http { status, .. } => *status >= 500 || *status == 429,
            KfError::Api { .. } => error.retry_class() == RetryClass::RetryLater,
            KfError::Validation { .. } | KfError::Decode { .. } | KfError::Callback { .. } | KfError::Guard { .. } => {
                false
            }
        };
        transient
            && match class {
                OpClass::Read | OpClass::Token => true,
                OpClass::Write => self.retry_writes,
            }
    }

    /// Backoff before attempt `attempt + 1` (attempt counts from 1), with jitter in `[0.5, 1)`.
    pub fn delay_ms(&self, attempt: u32, jitter: u64) -> u64 {
        let exp = self.base_delay_ms.saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
        let capped = exp.min(self.max_delay_ms);
        capped / 2 + (jitter % (capped / 2 + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TransportKind;

    #[test]
    fn writes_retry_only_when_surely_not_sent() {
        let p = RetryPolicy::default();
        let connect = KfError::transport(TransportKind::Connect, "refused");
        let timeout = KfError::transport(TransportKind::Timeout, "slow");
        let reset = KfError::transport(TransportKind::Reset, "reset");
        let busy = KfError::api(-1, "busy");
        let http = KfError::Http { status: 502, body: String::new() };
        assert!(p.may_retry(OpClass::Write, &connect));
        for e in [&timeout, &reset, &busy, &http] {
            assert!(!p.may_retry(OpClass::Write, e), "{e}");
            assert!(p.may_retry(OpClass::Read, e), "{e}");
        }
        let opted = RetryPolicy { retry_writes: true, ..p };
        assert!(opted.may_retry(OpClass::Write, &timeout));
    }

    #[test]
    fn permanent_errors_are_never_retried() {
        let p = RetryPolicy { retry_writes: true, ..RetryPolicy::default() };
        for e in [
            KfError::api(45015, "x"),
            KfError::api(40164, "x"),
            KfError::validation("f", "r"),
            KfError::decode("d", b""),
        ] {
            assert!(!p.may_retry(OpClass::Read, &e), "{e}");
            assert!(!p.may_retry(OpClass::Write, &e), "{e}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        assert!((50..=100).contains(&p.delay_ms(1, 12345)));
        assert!((100..=200).contains(&p.delay_ms(2, 999)));
        assert!(p.delay_ms(30, u64::MAX) <= 2_000);
    }
}
