//! `Webhook`: the push endpoint over core's `Webhook`, with the system clock and `rand` entropy.

use std::sync::Arc;

use wxkf::callback::REPLY_ENTROPY_BYTES;
use wxkf::{CallbackConfig, KfError, OpenedPush, PushQuery, Reply, UrlQuery};

use crate::host::{HostClock, SystemClock};

/// The push endpoint (`checkUrl`, `open`, `reply`); it holds secrets: no generated `toString`.
#[derive(Debug, uniffi::Object)]
pub struct Webhook(pub(crate) wxkf::callback::Webhook);

fn now_secs(now: Option<i64>) -> i64 {
    now.unwrap_or_else(|| SystemClock.now_ms().div_euclid(1000))
}

#[uniffi::export]
impl Webhook {
    /// The admin page's settings (`encodingAesKey` enables safe mode); absent `windowSecs` and
    /// `replayCapacity` take core's defaults, a capacity of 0 turns replay protection off.
    #[uniffi::constructor(default(encoding_aes_key = None, window_secs = None, replay_capacity = None))]
    pub fn new(
        token: String,
        app_id: String,
        encoding_aes_key: Option<String>,
        window_secs: Option<u64>,
        replay_capacity: Option<u32>,
    ) -> Result<Arc<Self>, KfError> {
        let mut config = CallbackConfig::new(token, encoding_aes_key, app_id);
        config.window_secs = window_secs.unwrap_or(config.window_secs);
        let capacity = replay_capacity.map(|c| usize::try_from(c).unwrap_or(usize::MAX));
        Ok(Arc::new(Webhook(wxkf::callback::Webhook::new(config, capacity)?)))
    }

    /// Answers the URL check (GET): the `echostr` to send back (`now`: unix seconds).
    #[uniffi::method(default(now = None))]
    pub fn check_url(&self, query: UrlQuery, now: Option<i64>) -> Result<String, KfError> {
        self.0.check_url(&query, now_secs(now))
    }

    /// Verifies, decrypts (safe mode) and parses one push (POST), refusing replays.
    #[uniffi::method(default(now = None))]
    pub fn open(&self, query: PushQuery, body: Vec<u8>, now: Option<i64>) -> Result<OpenedPush, KfError> {
        self.0.open(&query, &body, now_secs(now))
    }

    /// The body answering `push` (encrypted when it was); `entropy`: 24 bytes, only for
    /// reproducible output.
    #[uniffi::method(default(now = None, entropy = None))]
    pub fn reply(
        &self,
        push: OpenedPush,
        reply: Reply,
        now: Option<i64>,
        entropy: Option<Vec<u8>>,
    ) -> Result<String, KfError> {
        let entropy = entropy.unwrap_or_else(|| rand::random::<[u8; REPLY_ENTROPY_BYTES]>().to_vec());
        self.0.reply(push.reply_to(), &reply, now_secs(now), &entropy)
    }
}
