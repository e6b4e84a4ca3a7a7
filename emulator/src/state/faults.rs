//! Injected faults: the rules and their count-down.

use serde::Serialize;

use super::State;

/// A fault kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FaultKind {
    Busy,
    /// Answer with this status and raw body, without applying (a malformed response).
    Body {
        status: u16,
        body: String,
    },
    HttpStatus {
        status: u16,
    },
    LatencyMs {
        ms: u64,
    },
    ResetBefore,
    ResetAfter,
    InvalidateToken,
    Quota,
}

/// An injected fault.
#[derive(Debug, Clone, Serialize)]
pub struct FaultRule {
    pub path: String,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Calls left; `None` = until cleared.
    pub remaining: Option<u64>,
    /// Matching calls to let through before the fault starts firing (a mid-stream failure).
    pub after: u64,
}

impl State {
    /// Takes the faults that fire for `path`, counting them down.
    pub fn take_faults(&mut self, path: &str) -> Vec<FaultKind> {
        let mut fired = Vec::new();
        for f in self.faults.iter_mut() {
            if f.path == path || f.path == "*" {
                if f.after > 0 {
                    f.after -= 1;
                    continue;
                }
                fired.push(f.kind.clone());
                if let Some(n) = f.remaining.as_mut() {
                    *n = n.saturating_sub(1);
                }
            }
        }
        self.faults.retain(|f| f.remaining != Some(0));
        if fired.contains(&FaultKind::InvalidateToken) {
            self.invalidate_all_tokens();
        }
        fired
    }
}
