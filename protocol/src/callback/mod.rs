//! The push (callback) side: URL check, signature and timestamp checks, safe-mode crypto,
//! typed push messages and passive replies — all sans-IO (`now` and randomness come in).
//!
//! A binding wraps one [`Webhook`]: `check_url` for the GET, `open` for each POST (replays
//! refused by default) and `reply` for the answer; the free functions below are its parts.

pub mod crypto;
pub mod fields;
pub mod message;
pub mod replay;
pub mod reply;
pub mod signature;
pub mod webhook;

use serde::{Deserialize, Serialize};

pub use crypto::{CallbackKeys, MAX_PUSH_BYTES};
pub use fields::RawField;
pub use message::{is_user_message_type, parse_push, PushKind, PushMessage};
pub use replay::{MemoryReplayGuard, ReplayGuard};
pub use reply::Reply;
pub use signature::{msg_signature, signature, verify_url, DEFAULT_WINDOW_SECS};
pub use webhook::{Webhook, WebhookOptions, DEFAULT_REPLAY_CAPACITY, REPLY_ENTROPY_BYTES};

use crate::error::CallbackKind;
use crate::secret::Secret;
use crate::KfError;

/// One Official Account's callback settings, as entered on the WeChat admin page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CallbackConfig {
    /// The Token (shared secret for signatures).
    pub token: Secret,
    /// The 43-character EncodingAESKey; `None` accepts plain-mode pushes only.
    #[serde(default)]
    pub encoding_aes_key: Option<Secret>,
    /// The AppID that safe-mode payloads must name.
    pub appid: String,
    /// Accepted clock skew in seconds either side of `now` (default 300).
    #[serde(default = "default_window")]
    pub window_secs: u64,
}

fn default_window() -> u64 {
    DEFAULT_WINDOW_SECS
}

impl CallbackConfig {
    /// Settings with the default 300 s window.
    pub fn new(token: impl Into<String>, encoding_aes_key: Option<String>, appid: impl Into<String>) -> Self {
        CallbackConfig {
            token: Secret::new(token),
            encoding_aes_key: encoding_aes_key.map(Secret::new),
            appid: appid.into(),
            window_secs: DEFAULT_WINDOW_SECS,
        }
    }

    /// Checks the token, the appid and (when set) the EncodingAESKey.
    pub fn validate(&self) -> Result<(), KfError> {
        self.keys().map(|_| ())
    }

    fn keys(&self) -> Result<Option<CallbackKeys>, KfError> {
        if self.token.is_empty() {
            return Err(KfError::validation("token", "must not be empty"));
        }
        match &self.encoding_aes_key {
            Some(key) => CallbackKeys::new(self.token.expose(), key.expose(), &self.appid).map(Some),
            None => Ok(None),
        }
    }
}

/// The query string of a URL check (GET).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UrlQuery {
    /// `signature`.
    #[serde(default)]
    pub signature: String,
    /// `timestamp`.
    #[serde(default)]
    pub timestamp: String,
    /// `nonce`.
    #[serde(default)]
    pub nonce: String,
    /// `echostr`.
    #[serde(default)]
    pub echostr: String,
}

/// The query string of a push (POST).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PushQuery {
    /// `signature` (checked in plain mode).
    #[serde(default)]
    pub signature: String,
    /// `timestamp`.
    #[serde(default)]
    pub timestamp: String,
    /// `nonce`.
    #[serde(default)]
    pub nonce: String,
    /// `encrypt_type`: `aes` for safe mode; absent or `raw` for plain mode.
    #[serde(default)]
    pub encrypt_type: Option<String>,
    /// `msg_signature` (checked in safe mode).
    #[serde(default)]
    pub msg_signature: Option<String>,
}

/// A verified, decrypted and parsed push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OpenedPush {
    /// The message or event.
    pub message: PushMessage,
    /// Whether it came encrypted (then [`build_reply`] encrypts too).
    pub encrypted: bool,
    /// The (decrypted) XML, for logging or fields wxkf does not model.
    pub raw_xml: String,
}

/// How often a push handler's "typing…" is shown again while it works, in milliseconds:
/// WeChat keeps the state 15 s and refuses it again before (45081).
pub const TYPING_REFRESH_MS: u64 = 15_000;

/// A push accepted by a client with the production guards (`Client::accept_push`): opened,
/// and told apart from WeChat's retries of a push already accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AcceptedPush {
    /// The verified, decrypted, parsed push.
    pub push: OpenedPush,
    /// A retry of a push already accepted within the dedup TTL: answer it, do not handle it.
    pub duplicate: bool,
}

/// Answers a URL check: verifies signature and timestamp, returns the `echostr` to echo.
pub fn check_url(config: &CallbackConfig, query: &UrlQuery, now: i64) -> Result<String, KfError> {
    verify_url(
        config.token.expose(),
        &query.signature,
        &query.timestamp,
        &query.nonce,
        &query.echostr,
        now,
        config.window_secs,
    )
}

/// Verifies, decrypts (safe mode) and parses one push, without replay protection.
pub fn open_push(config: &CallbackConfig, query: &PushQuery, body: &[u8], now: i64) -> Result<OpenedPush, KfError> {
    open(config, query, body, now, None)
}

/// [`open_push`] that also refuses a (nonce, timestamp) pair `guard` has already seen.
/// The pair is recorded only once the signature is verified.
pub fn open_push_guarded(
    config: &CallbackConfig,
    query: &PushQuery,
    body: &[u8],
    now: i64,
    guard: &mut dyn ReplayGuard,
) -> Result<OpenedPush, KfError> {
    open(config, query, body, now, Some(guard))
}

fn open(
    config: &CallbackConfig,
    query: &PushQuery,
    body: &[u8],
    now: i64,
    guard: Option<&mut dyn ReplayGuard>,
) -> Result<OpenedPush, KfError> {
    let keys = config.keys()?;
    if body.len() > MAX_PUSH_BYTES {
        return Err(KfError::callback(
            CallbackKind::TooLarge,
            format!("body is {} bytes; at most {MAX_PUSH_BYTES} are accepted", body.len()),
        ));
    }
    let body = std::str::from_utf8(body).map_err(|_| KfError::callback(CallbackKind::Xml, "body is not UTF-8"))?;
    let token = config.token.expose();
    let encrypted = match query.encrypt_type.as_deref().map(str::trim) {
        None | Some("") | Some("raw") => false,
        Some(t) if t.eq_ignore_ascii_case("aes") => true,
        Some(other) => {
            return Err(KfError::callback(
                CallbackKind::Crypto,
                format!("unsupported encrypt_type {}", crate::validate::quote(other)),
            ));
        }
    };
    let raw_xml = if encrypted {
        let keys = keys.ok_or_else(|| {
            KfError::validation("encoding_aes_key", "a safe-mode push arrived but no EncodingAESKey is configured")
        })?;
        let envelope = fields::read_fields(body)?;
        let encrypt = fields::field(&envelope, "Encrypt")
            .ok_or_else(|| KfError::callback(CallbackKind::Xml, "safe-mode push lacks <Encrypt>"))?;
        let expected = msg_signature(token, &query.timestamp, &query.nonce, encrypt);
        signature::check_signature("msg_signature", query.msg_signature.as_deref().unwrap_or(""), &expected)?;
        let ts = signature::check_timestamp(&query.timestamp, now, config.window_secs)?;
        check_replay(guard, &query.nonce, ts, now)?;
        keys.decrypt(encrypt)?
    } else {
        let expected = signature(token, &query.timestamp, &query.nonce);
        signature::check_signature("signature", &query.signature, &expected)?;
        let ts = signature::check_timestamp(&query.timestamp, now, config.window_secs)?;
        check_replay(guard, &query.nonce, ts, now)?;
        body.to_string()
    };
    let message = parse_push(&raw_xml)?;
    Ok(OpenedPush { message, encrypted, raw_xml })
}

fn check_replay(guard: Option<&mut dyn ReplayGuard>, nonce: &str, ts: i64, now: i64) -> Result<(), KfError> {
    if let Some(g) = guard {
        if g.seen(nonce, ts, now) {
            return Err(KfError::callback(
                CallbackKind::Replay,
                format!("nonce {} with timestamp {ts} was already accepted", crate::validate::quote(nonce)),
            ));
        }
    }
    Ok(())
}

/// Who a reply goes to: the two header fields of the push, whether it came encrypted and
/// whether it is a user's message. Enough to build a reply without the whole [`OpenedPush`]
/// (bindings hand this over alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyTo<'a> {
    /// The push's `ToUserName` (the Official Account), the reply's sender.
    pub to_user_name: &'a str,
    /// The push's `FromUserName` (the user), the reply's recipient.
    pub from_user_name: &'a str,
    /// Whether the push came encrypted (then the reply is encrypted too).
    pub encrypted: bool,
    /// Whether the push is a user's message ([`PushKind::is_user_message`]): only those may be
    /// answered with `transfer_customer_service`, not events.
    pub user_message: bool,
}

impl OpenedPush {
    /// Who a reply to this push goes to.
    pub fn reply_to(&self) -> ReplyTo<'_> {
        ReplyTo {
            to_user_name: &self.message.to_user_name,
            from_user_name: &self.message.from_user_name,
            encrypted: self.encrypted,
            user_message: self.message.kind.is_user_message(),
        }
    }
}

/// Builds the HTTP body answering `opened`: plain XML, or the encrypted envelope when the
/// push came encrypted (`nonce` and `random16` are used only then). [`Reply::Success`]
/// always yields the bare `success`. A `transfer_customer_service` answering an event (a menu
/// click, a follow …) is refused with a `Validation` error on `reply`: WeChat transfers only a
/// user's message.
pub fn build_reply(
    config: &CallbackConfig,
    opened: &OpenedPush,
    reply: &Reply,
    now: i64,
    nonce: &str,
    random16: &[u8; 16],
) -> Result<String, KfError> {
    build_reply_to(config, opened.reply_to(), reply, now, nonce, random16)
}

/// [`build_reply`] from the reply's addressing alone.
pub fn build_reply_to(
    config: &CallbackConfig,
    to: ReplyTo<'_>,
    reply: &Reply,
    now: i64,
    nonce: &str,
    random16: &[u8; 16],
) -> Result<String, KfError> {
    if matches!(reply, Reply::TransferCustomerService { .. }) && !to.user_message {
        return Err(KfError::validation(
            "reply",
            "transfer_customer_service answers only a user's message, not an event (menu click, follow, \
             scan …); answer success or a text",
        ));
    }
    let Some(xml) = reply::reply_xml(to.to_user_name, to.from_user_name, reply, now)? else {
        return Ok("success".to_string());
    };
    if !to.encrypted {
        return Ok(xml);
    }
    let keys = config
        .keys()?
        .ok_or_else(|| KfError::validation("encoding_aes_key", "an encrypted reply needs the EncodingAESKey"))?;
    if nonce.is_empty() || nonce.len() > 64 || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(KfError::validation("nonce", "must be 1-64 ASCII letters or digits"));
    }
    let encrypt = keys.encrypt(&xml, random16)?;
    let timestamp = now.to_string();
    let sig = msg_signature(keys.token(), &timestamp, nonce, &encrypt);
    Ok(reply::encrypted_envelope(&encrypt, &sig, now, nonce))
}

#[cfg(test)]
mod tests;
