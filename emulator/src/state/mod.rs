//! The emulated account: every rule of the API, applied to in-memory state under one lock.
//!
//! Methods take a parsed [`Req`] and return the success JSON or an [`ApiError`]; they never
//! panic on input. Pushes they cause are queued in `outbox` for the HTTP layer to send after
//! the lock is released. One file per area; `State` holds all of it.

mod accounts;
mod admin;
mod errors;
mod faults;
mod messages;
mod pushes;
mod records;
mod request;
mod sessions;
mod settings;
mod tokens;
mod users;

use std::collections::{HashMap, HashSet, VecDeque};

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

use crate::records::RecordStore;
use crate::Config;

pub use accounts::MAX_AVATAR_BYTES;
pub use errors::{e, ed, ApiError, ApiResult};
pub use faults::{FaultKind, FaultRule};
pub use messages::Delivery;
pub use pushes::{Answers, PushJob};
pub use request::Req;
pub use settings::Settings;
pub use users::Routed;

use accounts::Kf;
use sessions::{Session, Waiting};
use tokens::{TokenFetch, TokenInfo};
use users::User;

const MAX_LOG: usize = 100_000;

/// All mutable state.
pub struct State {
    pub settings: Settings,
    appid: String,
    secret: String,
    account_id: String,
    clock_offset_ms: i64,
    rng: StdRng,
    tokens: HashMap<String, TokenInfo>,
    last_classic: Option<String>,
    stable: Option<String>,
    classic_quota: (i64, u32),
    force_quota: (i64, u32),
    last_force_ms: Option<i64>,
    kfs: Vec<Kf>,
    next_kf_id: u64,
    bound_too_many: HashSet<String>,
    media: HashSet<String>,
    users: HashMap<String, User>,
    sessions: HashMap<String, Session>,
    wait: Vec<Waiting>,
    /// No session can be idle for 30 minutes before this time (ms): skips the sweep.
    next_idle_check_ms: i64,
    next_msgid: u64,
    pub records: RecordStore,
    deliveries: VecDeque<Delivery>,
    token_log: VecDeque<TokenFetch>,
    pub push_log: VecDeque<Value>,
    pub faults: Vec<FaultRule>,
    /// Pushes caused by the last operation.
    pub outbox: Vec<PushJob>,
}

impl State {
    /// Fresh state from the start-up config.
    pub fn new(c: &Config) -> Self {
        let rng = match c.seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_entropy(),
        };
        Self {
            settings: Settings::from_config(c),
            appid: c.appid.clone(),
            secret: c.secret.clone(),
            account_id: c.account_id.clone(),
            clock_offset_ms: 0,
            rng,
            tokens: HashMap::new(),
            last_classic: None,
            stable: None,
            classic_quota: (0, 0),
            force_quota: (0, 0),
            last_force_ms: None,
            kfs: Vec::new(),
            next_kf_id: 1001,
            bound_too_many: HashSet::new(),
            media: HashSet::new(),
            users: HashMap::new(),
            sessions: HashMap::new(),
            wait: Vec::new(),
            next_idle_check_ms: i64::MAX,
            next_msgid: 1,
            records: RecordStore::default(),
            deliveries: VecDeque::new(),
            token_log: VecDeque::new(),
            push_log: VecDeque::new(),
            faults: Vec::new(),
            outbox: Vec::new(),
        }
    }

    // ---------------------------------------------------------------- clock

    /// Emulator time in milliseconds.
    pub fn now_ms(&self) -> i64 {
        let real =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        real.saturating_add(self.clock_offset_ms)
    }

    /// Emulator time in seconds.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves the clock forward.
    pub fn advance(&mut self, secs: f64) {
        self.clock_offset_ms = self.clock_offset_ms.saturating_add((secs * 1000.0) as i64);
    }

    /// Current clock offset in milliseconds.
    pub fn clock_offset_ms(&self) -> i64 {
        self.clock_offset_ms
    }
}

fn push_capped<T>(q: &mut VecDeque<T>, item: T) {
    if q.len() >= MAX_LOG {
        q.pop_front();
    }
    q.push_back(item);
}
