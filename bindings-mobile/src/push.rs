//! The push (callback) side: verify the URL, open a push into a typed value, build a reply
//! (encrypted when the push was). All checks and crypto are core's.

use std::sync::{Arc, Mutex};

use wxkf::callback as cb;

use crate::error::{validation, KfError};
use crate::host::system_now_ms;

/// The query string of the URL check (GET).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct UrlQuery {
    /// `signature`.
    #[uniffi(default = "")]
    pub signature: String,
    /// `timestamp`.
    #[uniffi(default = "")]
    pub timestamp: String,
    /// `nonce`.
    #[uniffi(default = "")]
    pub nonce: String,
    /// `echostr`.
    #[uniffi(default = "")]
    pub echostr: String,
}

/// The query string of a push (POST).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct PushQuery {
    /// `signature` (checked in plain mode).
    #[uniffi(default = "")]
    pub signature: String,
    /// `timestamp`.
    #[uniffi(default = "")]
    pub timestamp: String,
    /// `nonce`.
    #[uniffi(default = "")]
    pub nonce: String,
    /// `encrypt_type`: `aes` in safe mode; absent or `raw` in plain mode.
    #[uniffi(default = None)]
    pub encrypt_type: Option<String>,
    /// `msg_signature` (checked in safe mode).
    #[uniffi(default = None)]
    pub msg_signature: Option<String>,
}

/// One leaf field of a push (nested ones named with dots, `ScanCodeInfo.ScanType`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RawField {
    /// Element name.
    pub name: String,
    /// Its text.
    pub value: String,
}

/// What kind of message or event a push is, with its fields.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum PushKind {
    /// A text message; `bizmsgmenuid` is set when the user clicked a msgmenu option.
    Text {
        /// The text.
        content: String,
        /// MsgId (a string: it exceeds 2^53).
        msg_id: Option<String>,
        /// The clicked msgmenu option's id.
        bizmsgmenuid: Option<String>,
    },
    /// An image.
    Image {
        /// PicUrl.
        pic_url: String,
        /// MediaId.
        media_id: String,
        /// MsgId.
        msg_id: Option<String>,
    },
    /// A voice message.
    Voice {
        /// MediaId.
        media_id: String,
        /// Format (amr, speex).
        format: String,
        /// Speech recognition result, when enabled.
        recognition: Option<String>,
        /// MsgId.
        msg_id: Option<String>,
    },
    /// A video.
    Video {
        /// MediaId.
        media_id: String,
        /// ThumbMediaId.
        thumb_media_id: String,
        /// MsgId.
        msg_id: Option<String>,
    },
    /// A short video.
    ShortVideo {
        /// MediaId.
        media_id: String,
        /// ThumbMediaId.
        thumb_media_id: String,
        /// MsgId.
        msg_id: Option<String>,
    },
    /// A shared location.
    Location {
        /// Latitude.
        location_x: f64,
        /// Longitude.
        location_y: f64,
        /// Map zoom.
        scale: i64,
        /// Place description.
        label: String,
        /// MsgId.
        msg_id: Option<String>,
    },
    /// A link.
    Link {
        /// Title.
        title: String,
        /// Description.
        description: String,
        /// Url.
        url: String,
        /// MsgId.
        msg_id: Option<String>,
    },
    /// Event `subscribe` (`event_key`/`ticket` set for a QR-code scan).
    Subscribe {
        /// EventKey, when non-empty.
        event_key: Option<String>,
        /// Ticket, when non-empty.
        ticket: Option<String>,
    },
    /// Event `unsubscribe`.
    Unsubscribe,
    /// Event `SCAN`.
    Scan {
        /// EventKey (the scene value).
        event_key: String,
        /// Ticket, when non-empty.
        ticket: Option<String>,
    },
    /// Event `CLICK`.
    Click {
        /// EventKey of the menu item.
        event_key: String,
    },
    /// Event `VIEW`.
    View {
        /// EventKey (the URL).
        event_key: String,
        /// MenuId, when present.
        menu_id: Option<String>,
    },
    /// Event `kf_create_session`: a kf accepted the session.
    KfCreateSession {
        /// KfAccount.
        kf_account: String,
    },
    /// Event `kf_close_session`: a kf closed the session.
    KfCloseSession {
        /// KfAccount.
        kf_account: String,
    },
    /// Event `kf_switch_session`: the session moved to another kf.
    KfSwitchSession {
        /// FromKfAccount.
        from_kf_account: String,
        /// ToKfAccount.
        to_kf_account: String,
    },
    /// Any other message or event, with every field.
    Other {
        /// MsgType as sent.
        msg_type: String,
        /// Event as sent, for `event` pushes.
        event: Option<String>,
        /// Every leaf field in document order.
        fields: Vec<RawField>,
    },
}

/// A push: the common header plus its kind.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PushMessage {
    /// `ToUserName`: the Official Account's original id (`gh_…`).
    pub to_user_name: String,
    /// `FromUserName`: the user's openid.
    pub from_user_name: String,
    /// `CreateTime` (unix seconds).
    pub create_time: i64,
    /// The kind-specific fields.
    pub kind: PushKind,
}

/// A verified, decrypted and parsed push.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OpenedPush {
    /// The message or event.
    pub message: PushMessage,
    /// Whether it came encrypted (then `buildReply` encrypts too).
    pub encrypted: bool,
    /// The (decrypted) XML.
    pub raw_xml: String,
}

/// What to answer a push with.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Reply {
    /// The plain `success` acknowledgement.
    Success,
    /// A text message back to the user.
    Text {
        /// The text.
        content: String,
    },
    /// Hand the user to customer service, optionally to one kf (`prefix@wechat_id`).
    TransferCustomerService {
        /// The kf to route to; any available kf when absent.
        kf_account: Option<String>,
    },
}

fn raw_fields(fields: Vec<cb::RawField>) -> Vec<RawField> {
    fields.into_iter().map(|f| RawField { name: f.name, value: f.value }).collect()
}

impl From<cb::PushKind> for PushKind {
    fn from(k: cb::PushKind) -> Self {
        use cb::PushKind as K;
        match k {
            K::Text { content, msg_id, bizmsgmenuid } => PushKind::Text { content, msg_id, bizmsgmenuid },
            K::Image { pic_url, media_id, msg_id } => PushKind::Image { pic_url, media_id, msg_id },
            K::Voice { media_id, format, recognition, msg_id } => {
                PushKind::Voice { media_id, format, recognition, msg_id }
            }
            K::Video { media_id, thumb_media_id, msg_id } => PushKind::Video { media_id, thumb_media_id, msg_id },
            K::ShortVideo { media_id, thumb_media_id, msg_id } => {
                PushKind::ShortVideo { media_id, thumb_media_id, msg_id }
            }
            K::Location { location_x, location_y, scale, label, msg_id } => {
                PushKind::Location { location_x, location_y, scale, label, msg_id }
            }
            K::Link { title, description, url, msg_id } => PushKind::Link { title, description, url, msg_id },
            K::Subscribe { event_key, ticket } => PushKind::Subscribe { event_key, ticket },
            K::Unsubscribe => PushKind::Unsubscribe,
            K::Scan { event_key, ticket } => PushKind::Scan { event_key, ticket },
            K::Click { event_key } => PushKind::Click { event_key },
            K::View { event_key, menu_id } => PushKind::View { event_key, menu_id },
            K::KfCreateSession { kf_account } => PushKind::KfCreateSession { kf_account },
            K::KfCloseSession { kf_account } => PushKind::KfCloseSession { kf_account },
            K::KfSwitchSession { from_kf_account, to_kf_account } => {
                PushKind::KfSwitchSession { from_kf_account, to_kf_account }
            }
            K::Other { msg_type, event, fields } => PushKind::Other { msg_type, event, fields: raw_fields(fields) },
        }
    }
}

impl From<PushKind> for cb::PushKind {
    fn from(k: PushKind) -> Self {
        use cb::PushKind as K;
        match k {
            PushKind::Text { content, msg_id, bizmsgmenuid } => K::Text { content, msg_id, bizmsgmenuid },
            PushKind::Image { pic_url, media_id, msg_id } => K::Image { pic_url, media_id, msg_id },
            PushKind::Voice { media_id, format, recognition, msg_id } => {
                K::Voice { media_id, format, recognition, msg_id }
            }
            PushKind::Video { media_id, thumb_media_id, msg_id } => K::Video { media_id, thumb_media_id, msg_id },
            PushKind::ShortVideo { media_id, thumb_media_id, msg_id } => {
                K::ShortVideo { media_id, thumb_media_id, msg_id }
            }
            PushKind::Location { location_x, location_y, scale, label, msg_id } => {
                K::Location { location_x, location_y, scale, label, msg_id }
            }
            PushKind::Link { title, description, url, msg_id } => K::Link { title, description, url, msg_id },
            PushKind::Subscribe { event_key, ticket } => K::Subscribe { event_key, ticket },
            PushKind::Unsubscribe => K::Unsubscribe,
            PushKind::Scan { event_key, ticket } => K::Scan { event_key, ticket },
            PushKind::Click { event_key } => K::Click { event_key },
            PushKind::View { event_key, menu_id } => K::View { event_key, menu_id },
            PushKind::KfCreateSession { kf_account } => K::KfCreateSession { kf_account },
            PushKind::KfCloseSession { kf_account } => K::KfCloseSession { kf_account },
            PushKind::KfSwitchSession { from_kf_account, to_kf_account } => {
                K::KfSwitchSession { from_kf_account, to_kf_account }
            }
            PushKind::Other { msg_type, event, fields } => K::Other {
                msg_type,
                event,
                fields: fields.into_iter().map(|f| cb::RawField { name: f.name, value: f.value }).collect(),
            },
        }
    }
}

impl From<wxkf::OpenedPush> for OpenedPush {
    fn from(o: wxkf::OpenedPush) -> Self {
        OpenedPush {
            message: PushMessage {
                to_user_name: o.message.to_user_name,
                from_user_name: o.message.from_user_name,
                create_time: o.message.create_time,
                kind: o.message.kind.into(),
            },
            encrypted: o.encrypted,
            raw_xml: o.raw_xml,
        }
    }
}

impl From<OpenedPush> for wxkf::OpenedPush {
    fn from(o: OpenedPush) -> Self {
        wxkf::OpenedPush {
            message: wxkf::PushMessage {
                to_user_name: o.message.to_user_name,
                from_user_name: o.message.from_user_name,
                create_time: o.message.create_time,
                kind: o.message.kind.into(),
            },
            encrypted: o.encrypted,
            raw_xml: o.raw_xml,
        }
    }
}

impl From<Reply> for wxkf::Reply {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Success => wxkf::Reply::Success,
            Reply::Text { content } => wxkf::Reply::Text { content },
            Reply::TransferCustomerService { kf_account } => wxkf::Reply::TransferCustomerService { kf_account },
        }
    }
}

fn core_url_query(q: UrlQuery) -> wxkf::UrlQuery {
    wxkf::UrlQuery { signature: q.signature, timestamp: q.timestamp, nonce: q.nonce, echostr: q.echostr }
}

fn core_push_query(q: PushQuery) -> wxkf::PushQuery {
    wxkf::PushQuery {
        signature: q.signature,
        timestamp: q.timestamp,
        nonce: q.nonce,
        encrypt_type: q.encrypt_type,
        msg_signature: q.msg_signature,
    }
}

fn now_secs(now: Option<i64>) -> i64 {
    now.unwrap_or_else(|| system_now_ms().div_euclid(1000))
}

/// Remembers accepted (nonce, timestamp) pairs so a captured push cannot be replayed
/// (in memory, for one process).
#[derive(uniffi::Object)]
pub struct ReplayGuard {
    inner: Mutex<cb::MemoryReplayGuard>,
}

impl std::fmt::Debug for ReplayGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayGuard").field("len", &self.len()).finish()
    }
}

#[uniffi::export]
impl ReplayGuard {
    /// A guard remembering at most `capacity` pairs for `windowSecs` (use the config's window).
    #[uniffi::constructor(default(window_secs = 300))]
    pub fn new(capacity: u32, window_secs: u64) -> Arc<Self> {
        Arc::new(ReplayGuard { inner: Mutex::new(cb::MemoryReplayGuard::new(capacity as usize, window_secs)) })
    }

    /// How many pairs are remembered.
    pub fn len(&self) -> u64 {
        self.inner.lock().map_or(0, |g| g.len() as u64)
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One Official Account's callback settings (Token, EncodingAESKey, AppID), and the push API.
/// Holds secrets: it has no generated `toString`.
#[derive(uniffi::Object)]
pub struct CallbackConfig {
    config: wxkf::CallbackConfig,
}

impl std::fmt::Debug for CallbackConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.config.fmt(f)
    }
}

#[uniffi::export]
impl CallbackConfig {
    /// The settings as entered on the WeChat admin page. `encodingAesKey` (43 characters)
    /// enables safe mode; `windowSecs` is the accepted clock skew (default 300).
    #[uniffi::constructor(default(encoding_aes_key = None, window_secs = 300))]
    pub fn new(
        token: String,
        appid: String,
        encoding_aes_key: Option<String>,
        window_secs: u64,
    ) -> Result<Arc<Self>, KfError> {
        let mut config = wxkf::CallbackConfig::new(token, encoding_aes_key, appid);
        config.window_secs = window_secs;
        config.validate()?;
        Ok(Arc::new(CallbackConfig { config }))
    }

    /// Answers the URL check (GET): verifies signature and timestamp and returns the `echostr`
    /// to send back. `now` (unix seconds) defaults to the system clock.
    #[uniffi::method(default(now = None))]
    pub fn check_url(&self, query: UrlQuery, now: Option<i64>) -> Result<String, KfError> {
        Ok(cb::check_url(&self.config, &core_url_query(query), now_secs(now))?)
    }

    /// Verifies, decrypts (safe mode) and parses one push (POST) without replay protection.
    #[uniffi::method(default(now = None))]
    pub fn open_push(&self, query: PushQuery, body: Vec<u8>, now: Option<i64>) -> Result<OpenedPush, KfError> {
        Ok(cb::open_push(&self.config, &core_push_query(query), &body, now_secs(now))?.into())
    }

    /// `openPush` that also refuses a (nonce, timestamp) pair `guard` has already accepted.
    #[uniffi::method(default(now = None))]
    pub fn open_push_guarded(
        &self,
        query: PushQuery,
        body: Vec<u8>,
        guard: Arc<ReplayGuard>,
        now: Option<i64>,
    ) -> Result<OpenedPush, KfError> {
        let mut g = guard.inner.lock().map_err(|_| validation("guard", "a previous use panicked"))?;
        Ok(cb::open_push_guarded(&self.config, &core_push_query(query), &body, now_secs(now), &mut *g)?.into())
    }

    /// The HTTP body answering `opened`: plain XML, or the encrypted envelope when the push
    /// came encrypted. `now`, `nonce` and `random` (16 bytes) default to the clock and fresh
    /// randomness; pass them only for reproducible output.
    #[uniffi::method(default(now = None, nonce = None, random = None))]
    pub fn build_reply(
        &self,
        opened: OpenedPush,
        reply: Reply,
        now: Option<i64>,
        nonce: Option<String>,
        random: Option<Vec<u8>>,
    ) -> Result<String, KfError> {
        let random16: [u8; 16] = match random {
            Some(bytes) => bytes
                .try_into()
                .map_err(|b: Vec<u8>| validation("random", format!("must be exactly 16 bytes (got {})", b.len())))?,
            None => rand::random(),
        };
        let nonce = nonce.unwrap_or_else(|| format!("{}", rand::random::<u32>() | 1));
        Ok(cb::build_reply(&self.config, &opened.into(), &reply.into(), now_secs(now), &nonce, &random16)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_and_bad_random_are_validation_errors() {
        assert!(matches!(
            CallbackConfig::new(String::new(), "wx1".into(), None, 300),
            Err(KfError::Validation { field, .. }) if field == "token"
        ));
        let c = CallbackConfig::new("t".into(), "wx1".into(), None, 300).ok();
        let c = c.as_deref().map(|c| format!("{c:?}")).unwrap_or_default();
        assert!(!c.contains("\"t\""), "{c}");
    }
}
