//! `Webhook`: one Official Account's push endpoint with wxkf's defaults — replay protection
//! on, its capacity, and how a reply's nonce and random bytes are made — so every binding's
//! webhook is the same object with the runtime's clock and entropy plugged in.

use std::sync::Mutex;

use serde::Deserialize;

use super::{
    build_reply_to, check_url, open_push, open_push_guarded, CallbackConfig, MemoryReplayGuard, OpenedPush, PushQuery,
    Reply, ReplyTo, UrlQuery, DEFAULT_WINDOW_SECS,
};
use crate::secret::Secret;
use crate::KfError;

/// (nonce, timestamp) pairs a webhook remembers by default: the pushes one process accepts
/// within the 5-minute window, with room to spare. 0 turns replay protection off.
pub const DEFAULT_REPLAY_CAPACITY: usize = 10_000;

/// Random bytes a reply needs: 8 for its nonce, 16 for the safe-mode envelope.
pub const REPLY_ENTROPY_BYTES: usize = 24;

/// A webhook's settings: the callback settings of the WeChat admin page and the replay
/// guard's capacity (the JS and Python bindings pass them as JSON).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookOptions {
    /// The Token that signs pushes.
    pub token: Secret,
    /// The 43-character EncodingAESKey; without it only plain-mode pushes are accepted.
    #[serde(default)]
    pub encoding_aes_key: Option<Secret>,
    /// The AppID that safe-mode payloads must name (required with an EncodingAESKey).
    #[serde(default)]
    pub app_id: String,
    /// Accepted clock skew in seconds either side of now.
    #[serde(default = "default_window")]
    pub window_secs: u64,
    /// Remembered (nonce, timestamp) pairs against replays (10000 when absent; 0 turns the
    /// guard off).
    #[serde(default)]
    pub replay_capacity: Option<usize>,
}

fn default_window() -> u64 {
    DEFAULT_WINDOW_SECS
}

/// The push endpoint of one Official Account.
#[derive(Debug)]
pub struct Webhook {
    config: CallbackConfig,
    guard: Option<Mutex<MemoryReplayGuard>>,
}

impl Webhook {
    /// A webhook remembering `replay_capacity` pairs ([`DEFAULT_REPLAY_CAPACITY`] when `None`,
    /// no replay protection when 0); the config is checked first.
    pub fn new(config: CallbackConfig, replay_capacity: Option<usize>) -> Result<Self, KfError> {
        config.validate()?;
        let capacity = replay_capacity.unwrap_or(DEFAULT_REPLAY_CAPACITY);
        let guard = (capacity > 0).then(|| Mutex::new(MemoryReplayGuard::new(capacity, config.window_secs)));
        Ok(Webhook { config, guard })
    }

    /// A webhook from the options JS and Python pass (checked first).
    pub fn from_options(options: WebhookOptions) -> Result<Self, KfError> {
        let config = CallbackConfig {
            token: options.token,
            encoding_aes_key: options.encoding_aes_key,
            appid: options.app_id,
            window_secs: options.window_secs,
        };
        Self::new(config, options.replay_capacity)
    }

    /// The settings.
    pub fn config(&self) -> &CallbackConfig {
        &self.config
    }

    /// Answers a URL check (GET): the `echostr` to echo.
    pub fn check_url(&self, query: &UrlQuery, now: i64) -> Result<String, KfError> {
        check_url(&self.config, query, now)
    }

    /// Verifies, decrypts and parses a push (POST), refusing replays.
    pub fn open(&self, query: &PushQuery, body: &[u8], now: i64) -> Result<OpenedPush, KfError> {
        match &self.guard {
            Some(guard) => {
                let mut guard = guard.lock().unwrap_or_else(|p| p.into_inner());
                open_push_guarded(&self.config, query, body, now, &mut *guard)
            }
            None => open_push(&self.config, query, body, now),
        }
    }

    /// The HTTP body answering a push: `success`, or the reply as XML, encrypted when the
    /// push was. `entropy` is [`REPLY_ENTROPY_BYTES`] random bytes from the runtime.
    pub fn reply(&self, to: ReplyTo<'_>, reply: &Reply, now: i64, entropy: &[u8]) -> Result<String, KfError> {
        let (nonce, random16) = reply_randomness(entropy)?;
        build_reply_to(&self.config, to, reply, now, &nonce, &random16)
    }
}

/// The reply nonce (ten decimal digits, as WeChat's own) and the 16 envelope bytes.
fn reply_randomness(entropy: &[u8]) -> Result<(String, [u8; 16]), KfError> {
    let (Some(nonce), Some(random)) = (entropy.get(..8), entropy.get(8..REPLY_ENTROPY_BYTES)) else {
        return Err(KfError::validation("entropy", format!("must be {REPLY_ENTROPY_BYTES} random bytes")));
    };
    let mut n = [0u8; 8];
    n.copy_from_slice(nonce);
    let mut r = [0u8; 16];
    r.copy_from_slice(random);
    Ok((format!("{:010}", u64::from_le_bytes(n) % 10_000_000_000), r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::signature;
    use crate::error::CallbackKind;

    const XML: &str = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
        <CreateTime>100</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>\
        <MsgId>1</MsgId></xml>";

    fn query(nonce: &str) -> PushQuery {
        PushQuery {
            signature: signature("tok", "100", nonce),
            timestamp: "100".into(),
            nonce: nonce.into(),
            ..PushQuery::default()
        }
    }

    #[test]
    fn refuses_replays_by_default_and_not_when_off() {
        let on = Webhook::new(CallbackConfig::new("tok", None, "wx1"), None).unwrap();
        assert!(on.open(&query("n1"), XML.as_bytes(), 100).is_ok());
        let again = on.open(&query("n1"), XML.as_bytes(), 100);
        assert!(matches!(again, Err(KfError::Callback { callback_kind: CallbackKind::Replay, .. })));
        let off = Webhook::new(CallbackConfig::new("tok", None, "wx1"), Some(0)).unwrap();
        assert!(off.open(&query("n1"), XML.as_bytes(), 100).is_ok());
        assert!(off.open(&query("n1"), XML.as_bytes(), 100).is_ok());
        assert!(Webhook::new(CallbackConfig::new("", None, "wx1"), None).is_err());
        let options = |json: &str| serde_json::from_str::<WebhookOptions>(json).map_err(|e| e.to_string());
        let from_json = options(r#"{"token":"tok","app_id":"wx1","replay_capacity":0}"#).unwrap();
        let off = Webhook::from_options(from_json).unwrap();
        assert_eq!((off.config().appid.as_str(), off.config().window_secs, off.guard.is_none()), ("wx1", 300, true));
        assert!(Webhook::from_options(options(r#"{"token":"tok"}"#).unwrap()).unwrap().guard.is_some());
        assert!(options(r#"{"token":"tok","appid":"wx1"}"#).is_err(), "unknown keys are refused");
    }

    #[test]
    fn reply_nonce_and_envelope_come_from_the_entropy() {
        let hook = Webhook::new(CallbackConfig::new("tok", None, "wx1"), None).unwrap();
        let push = hook.open(&query("n2"), XML.as_bytes(), 100).unwrap();
        let text = Reply::Text { content: "ok".into() };
        let body = hook.reply(push.reply_to(), &text, 100, &[7; 24]).unwrap();
        assert!(body.contains("<Content><![CDATA[ok]]></Content>"), "{body}");
        assert!(matches!(hook.reply(push.reply_to(), &text, 100, &[7; 23]), Err(KfError::Validation { .. })));
        let (nonce, random) = reply_randomness(&[1; 24]).unwrap();
        assert_eq!((nonce.len(), random), (10, [1; 16]));
    }
}
