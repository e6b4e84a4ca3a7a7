//! Nonce-replay protection: a trait for any store and a bounded in-memory one.

use std::collections::{HashSet, VecDeque};

/// Remembers accepted (nonce, timestamp) pairs so a captured push cannot be replayed.
pub trait ReplayGuard {
    /// Records the pair; returns `true` when it was already recorded (a replay).
    /// `now` lets a store forget pairs older than its window.
    fn seen(&mut self, nonce: &str, timestamp: i64, now: i64) -> bool;
}

/// A bounded in-memory [`ReplayGuard`] for one process.
///
/// Pairs older than `window_secs` before `now` are forgotten (their timestamp is refused
/// anyway); past `capacity` the oldest pair is forgotten, so size it above the peak pushes
/// per window. Several instances behind a load balancer need a shared store instead.
#[derive(Debug, Clone)]
pub struct MemoryReplayGuard {
    capacity: usize,
    window_secs: u64,
    order: VecDeque<(i64, String)>,
    set: HashSet<(i64, String)>,
}

impl MemoryReplayGuard {
    /// A guard remembering at most `capacity` pairs (at least 1) for `window_secs`.
    pub fn new(capacity: usize, window_secs: u64) -> Self {
        MemoryReplayGuard { capacity: capacity.max(1), window_secs, order: VecDeque::new(), set: HashSet::new() }
    }

    /// How many pairs are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    fn forget_oldest(&mut self) {
        if let Some(old) = self.order.pop_front() {
            self.set.remove(&old);
        }
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn seen(&mut self, nonce: &str, timestamp: i64, now: i64) -> bool {
        let horizon = now.saturating_sub(i64::try_from(self.window_secs).unwrap_or(i64::MAX));
        // Entries arrive roughly in time order; drop expired ones from the front.
        while self.order.front().is_some_and(|(ts, _)| *ts < horizon) {
            self.forget_oldest();
        }
        let key = (timestamp, nonce.to_string());
        if self.set.contains(&key) {
            return true;
        }
        // Full: make room only now, so the oldest pair is still refused up to this point.
        while self.order.len() >= self.capacity {
            self.forget_oldest();
        }
        self.set.insert(key.clone());
        self.order.push_back(key);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_replays_and_stays_bounded() {
        let mut g = MemoryReplayGuard::new(3, 300);
        assert!(!g.seen("a", 100, 100));
        assert!(g.seen("a", 100, 100));
        assert!(!g.seen("a", 101, 101));
        for (i, n) in ["b", "c", "d", "e"].iter().enumerate() {
            assert!(!g.seen(n, 102 + i as i64, 102));
        }
        assert!(g.len() <= 3);
        // Expiry: far in the future everything old is forgotten.
        assert!(!g.seen("z", 10_000, 10_000));
        assert_eq!(g.len(), 1);
    }

    #[test]
    fn a_full_guard_still_refuses_its_oldest_pair() {
        let mut one = MemoryReplayGuard::new(1, 300);
        assert!(!one.seen("a", 100, 100));
        assert!(one.seen("a", 100, 100), "capacity 1 must remember the pair it holds");
        assert!(!one.seen("b", 100, 100));
        assert!(!one.seen("a", 100, 100), "room was made for b");
        let mut three = MemoryReplayGuard::new(3, 300);
        for n in ["a", "b", "c"] {
            assert!(!three.seen(n, 100, 100));
        }
        assert!(three.seen("a", 100, 100), "the oldest pair of a full guard is a replay");
        assert_eq!(three.len(), 3);
    }
}
