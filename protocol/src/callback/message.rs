//! `PushMessage`: a decoded push (user message or event) as plain, serializable data.

use serde::{Deserialize, Serialize};

use super::fields::{field, read_fields, RawField};
use crate::error::CallbackKind;
use crate::KfError;

/// A push from WeChat: the common header plus what kind of message or event it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PushMessage {
    /// `ToUserName`: the Official Account's original id (`gh_…`).
    pub to_user_name: String,
    /// `FromUserName`: the user's openid.
    pub from_user_name: String,
    /// `CreateTime`: unix seconds.
    pub create_time: i64,
    /// The kind-specific fields, tagged by `type`.
    #[serde(flatten)]
    pub kind: PushKind,
}

/// Every kind of push wxkf knows, plus `Other` for the rest (still readable as raw fields).
///
/// `msg_id` stays a string: WeChat message ids exceed JavaScript's safe integers. The schema
/// titles carry each variant's name to the generated host-language classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum PushKind {
    /// A text message; `bizmsgmenuid` is set when the user clicked a msgmenu option.
    #[cfg_attr(feature = "schema", schemars(title = "Text"))]
    Text {
        /// The text.
        content: String,
        /// MsgId.
        msg_id: Option<String>,
        /// The id of the clicked msgmenu option, if this text came from one.
        bizmsgmenuid: Option<String>,
    },
    /// An image.
    #[cfg_attr(feature = "schema", schemars(title = "Image"))]
    Image {
        /// PicUrl.
        pic_url: String,
        /// MediaId.
        media_id: String,
        /// MsgId.
        msg_id: Option<String>,
    },
    /// A voice message.
    #[cfg_attr(feature = "schema", schemars(title = "Voice"))]
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
    #[cfg_attr(feature = "schema", schemars(title = "Video"))]
    Video {
        /// MediaId.
        media_id: String,
        /// ThumbMediaId.
        thumb_media_id: String,
        /// MsgId.
        msg_id: Option<String>,
    },
    /// A short video.
    #[serde(rename = "shortvideo")]
    #[cfg_attr(feature = "schema", schemars(title = "ShortVideo"))]
    ShortVideo {
        /// MediaId.
        media_id: String,
        /// ThumbMediaId.
        thumb_media_id: String,
        /// MsgId.
        msg_id: Option<String>,
    },
    /// A shared location.
    #[cfg_attr(feature = "schema", schemars(title = "Location"))]
    Location {
        /// Location_X (latitude).
        location_x: f64,
        /// Location_Y (longitude).
        location_y: f64,
        /// Scale (map zoom).
        scale: i64,
        /// Label (place description).
        label: String,
        /// MsgId.
        msg_id: Option<String>,
    },
    /// A link.
    #[cfg_attr(feature = "schema", schemars(title = "Link"))]
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
    /// Event `subscribe`; `event_key` (`qrscene_…`) and `ticket` are set for a QR-code scan.
    #[cfg_attr(feature = "schema", schemars(title = "Subscribe"))]
    Subscribe {
        /// EventKey, when non-empty.
        event_key: Option<String>,
        /// Ticket, when non-empty.
        ticket: Option<String>,
    },
    /// Event `unsubscribe`.
    #[cfg_attr(feature = "schema", schemars(title = "Unsubscribe"))]
    Unsubscribe,
    /// Event `SCAN`: an existing follower scanned a parametric QR code.
    #[cfg_attr(feature = "schema", schemars(title = "Scan"))]
    Scan {
        /// EventKey (the scene value).
        event_key: String,
        /// Ticket, when non-empty.
        ticket: Option<String>,
    },
    /// Event `CLICK`: a menu click.
    #[cfg_attr(feature = "schema", schemars(title = "Click"))]
    Click {
        /// EventKey of the menu item.
        event_key: String,
    },
    /// Event `VIEW`: a menu link was opened.
    #[cfg_attr(feature = "schema", schemars(title = "View"))]
    View {
        /// EventKey (the URL).
        event_key: String,
        /// MenuId, when present.
        menu_id: Option<String>,
    },
    /// Event `kf_create_session`: a kf accepted the session.
    #[cfg_attr(feature = "schema", schemars(title = "KfCreateSession"))]
    KfCreateSession {
        /// KfAccount.
        kf_account: String,
    },
    /// Event `kf_close_session`: a kf closed the session.
    #[cfg_attr(feature = "schema", schemars(title = "KfCloseSession"))]
    KfCloseSession {
        /// KfAccount.
        kf_account: String,
    },
    /// Event `kf_switch_session`: the session moved from one kf to another.
    #[cfg_attr(feature = "schema", schemars(title = "KfSwitchSession"))]
    KfSwitchSession {
        /// FromKfAccount.
        from_kf_account: String,
        /// ToKfAccount.
        to_kf_account: String,
    },
    /// Any other message or event, kept as raw fields.
    #[cfg_attr(feature = "schema", schemars(title = "Other"))]
    Other {
        /// MsgType as sent.
        msg_type: String,
        /// Event as sent, for `event` pushes.
        event: Option<String>,
        /// Every field of the push in document order (nested ones as dotted names).
        fields: Vec<RawField>,
    },
}

impl PushMessage {
    /// The key a retried push shares with its first delivery and a different push never does:
    /// `MsgId` for a user's message; `FromUserName` + `CreateTime` + the event (and its key)
    /// for an event, which carries no `MsgId`. WeChat retries an unanswered push three times.
    pub fn dedup_key(&self) -> String {
        // Read off the variant, not through a serde_json::Value (whose serializer would weigh
        // ~5 KB in the npm package's wasm); the keys are the same (tested below).
        use PushKind as K;
        let (tag, msg_id, event_key) = match &self.kind {
            K::Text { msg_id, .. } => ("text", msg_id, None),
            K::Image { msg_id, .. } => ("image", msg_id, None),
            K::Voice { msg_id, .. } => ("voice", msg_id, None),
            K::Video { msg_id, .. } => ("video", msg_id, None),
            K::ShortVideo { msg_id, .. } => ("shortvideo", msg_id, None),
            K::Location { msg_id, .. } => ("location", msg_id, None),
            K::Link { msg_id, .. } => ("link", msg_id, None),
            K::Subscribe { event_key, .. } => ("subscribe", &None, event_key.as_deref()),
            K::Unsubscribe => ("unsubscribe", &None, None),
            K::Scan { event_key, .. } => ("scan", &None, Some(event_key.as_str())),
            K::Click { event_key } => ("click", &None, Some(event_key.as_str())),
            K::View { event_key, .. } => ("view", &None, Some(event_key.as_str())),
            K::KfCreateSession { .. } => ("kf_create_session", &None, None),
            K::KfCloseSession { .. } => ("kf_close_session", &None, None),
            K::KfSwitchSession { .. } => ("kf_switch_session", &None, None),
            K::Other { event, .. } => (event.as_deref().unwrap_or(""), &None, None),
        };
        match msg_id.as_deref() {
            Some(id) if !id.is_empty() => format!("msg:{id}"),
            _ => format!("event:{}:{}:{tag}:{}", self.from_user_name, self.create_time, event_key.unwrap_or("")),
        }
    }
}

impl PushKind {
    /// True for a user's message (text, image, voice, video, short video, location, link, or an
    /// unknown MsgType other than `event`); false for events (follows, menu clicks, scans,
    /// session events …). Only a user's message may be transferred to customer service.
    pub fn is_user_message(&self) -> bool {
        match self {
            PushKind::Text { .. }
            | PushKind::Image { .. }
            | PushKind::Voice { .. }
            | PushKind::Video { .. }
            | PushKind::ShortVideo { .. }
            | PushKind::Location { .. }
            | PushKind::Link { .. } => true,
            PushKind::Other { msg_type, .. } => is_user_message_type("other", Some(msg_type)),
            _ => false,
        }
    }
}

/// [`PushKind::is_user_message`] from a push's serialized form: its `type` tag and, for
/// `other`, its `msg_type` — what a binding holds once the push crossed as plain data.
pub fn is_user_message_type(type_tag: &str, other_msg_type: Option<&str>) -> bool {
    match type_tag {
        "text" | "image" | "voice" | "video" | "shortvideo" | "location" | "link" => true,
        "other" => other_msg_type.is_some_and(|t| !t.trim().eq_ignore_ascii_case("event")),
        _ => false,
    }
}

fn missing(name: &str) -> KfError {
    KfError::callback(CallbackKind::Xml, format!("push lacks <{name}>"))
}

struct Fields(Vec<RawField>);

impl Fields {
    fn req(&self, name: &str) -> Result<String, KfError> {
        field(&self.0, name).map(str::to_string).ok_or_else(|| missing(name))
    }

    /// The field when present and non-empty.
    fn opt(&self, name: &str) -> Option<String> {
        field(&self.0, name).filter(|v| !v.trim().is_empty()).map(str::to_string)
    }

    fn num<T: std::str::FromStr>(&self, name: &str) -> Result<T, KfError> {
        let raw = field(&self.0, name).ok_or_else(|| missing(name))?;
        raw.trim().parse().map_err(|_| {
            KfError::callback(CallbackKind::Xml, format!("<{name}> is not a number: {}", crate::validate::quote(raw)))
        })
    }

    /// A decimal field (coordinates, scale, precision), read with serde_json's number parser:
    /// `str::parse::<f64>` would add core's second float parser and its tables (~8 KB of wasm).
    fn decimal(&self, name: &str) -> Result<f64, KfError> {
        let raw = field(&self.0, name).ok_or_else(|| missing(name))?;
        let text = raw.trim();
        let plain = !text.is_empty()
            && text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
        let text = text.strip_prefix('+').unwrap_or(text);
        plain.then(|| serde_json::from_slice::<f64>(text.as_bytes()).ok()).flatten().ok_or_else(|| {
            KfError::callback(CallbackKind::Xml, format!("<{name}> is not a number: {}", crate::validate::quote(raw)))
        })
    }
}

/// Parses a (decrypted) push XML document into a [`PushMessage`].
pub fn parse_push(xml: &str) -> Result<PushMessage, KfError> {
    let f = Fields(read_fields(xml)?);
    let to_user_name = f.req("ToUserName")?;
    let from_user_name = f.req("FromUserName")?;
    let create_time: i64 = f.num("CreateTime")?;
    let msg_type = f.req("MsgType")?;
    let msg_id = f.opt("MsgId");
    let kind = match msg_type.trim() {
        "text" => PushKind::Text { content: f.req("Content")?, msg_id, bizmsgmenuid: f.opt("bizmsgmenuid") },
        "image" => PushKind::Image { pic_url: f.req("PicUrl")?, media_id: f.req("MediaId")?, msg_id },
        "voice" => PushKind::Voice {
            media_id: f.req("MediaId")?,
            format: f.req("Format")?,
            recognition: f.opt("Recognition"),
            msg_id,
        },
        "video" => PushKind::Video { media_id: f.req("MediaId")?, thumb_media_id: f.req("ThumbMediaId")?, msg_id },
        "shortvideo" => {
            PushKind::ShortVideo { media_id: f.req("MediaId")?, thumb_media_id: f.req("ThumbMediaId")?, msg_id }
        }
        "location" => PushKind::Location {
            location_x: f.decimal("Location_X")?,
            location_y: f.decimal("Location_Y")?,
            scale: f.num("Scale")?,
            label: f.req("Label")?,
            msg_id,
        },
        "link" => {
            PushKind::Link { title: f.req("Title")?, description: f.req("Description")?, url: f.req("Url")?, msg_id }
        }
        "event" => parse_event(&f, &msg_type)?,
        _ => PushKind::Other { msg_type, event: f.opt("Event"), fields: f.0 },
    };
    Ok(PushMessage { to_user_name, from_user_name, create_time, kind })
}

fn parse_event(f: &Fields, msg_type: &str) -> Result<PushKind, KfError> {
    let event = f.req("Event")?;
    let is = |name: &str| event.trim().eq_ignore_ascii_case(name);
    Ok(if is("subscribe") {
        PushKind::Subscribe { event_key: f.opt("EventKey"), ticket: f.opt("Ticket") }
    } else if is("unsubscribe") {
        PushKind::Unsubscribe
    } else if is("SCAN") {
        PushKind::Scan { event_key: f.req("EventKey")?, ticket: f.opt("Ticket") }
    } else if is("CLICK") {
        PushKind::Click { event_key: f.req("EventKey")? }
    } else if is("VIEW") {
        PushKind::View { event_key: f.req("EventKey")?, menu_id: f.opt("MenuId") }
    } else if is("kf_create_session") {
        PushKind::KfCreateSession { kf_account: f.req("KfAccount")? }
    } else if is("kf_close_session") {
        PushKind::KfCloseSession { kf_account: f.req("KfAccount")? }
    } else if is("kf_switch_session") {
        PushKind::KfSwitchSession { from_kf_account: f.req("FromKfAccount")?, to_kf_account: f.req("ToKfAccount")? }
    } else {
        PushKind::Other { msg_type: msg_type.to_string(), event: Some(event), fields: f.0.clone() }
    })
}

#[cfg(test)]
mod dedup_tests {
    use super::*;

    fn push(kind: PushKind, time: i64) -> PushMessage {
        PushMessage { to_user_name: "gh".into(), from_user_name: "o1".into(), create_time: time, kind }
    }

    #[test]
    fn messages_key_on_msg_id_and_events_on_user_time_and_event() {
        let text = |id: &str| PushKind::Text { content: "hi".into(), msg_id: Some(id.into()), bizmsgmenuid: None };
        assert_eq!(push(text("7"), 1).dedup_key(), push(text("7"), 1).dedup_key());
        assert_ne!(push(text("7"), 1).dedup_key(), push(text("8"), 1).dedup_key(), "same second, two messages");
        let click = |k: &str| PushKind::Click { event_key: k.into() };
        assert_eq!(push(click("A"), 5).dedup_key(), push(click("A"), 5).dedup_key());
        assert_ne!(push(click("A"), 5).dedup_key(), push(click("B"), 5).dedup_key());
        assert_ne!(push(click("A"), 5).dedup_key(), push(click("A"), 6).dedup_key());
        let follow = PushKind::Subscribe { event_key: None, ticket: None };
        assert_ne!(push(follow, 5).dedup_key(), push(click(""), 5).dedup_key());
    }

    /// The key as it was first computed (through the push's JSON): stored keys stay valid.
    fn json_key(p: &PushMessage) -> String {
        let value = serde_json::to_value(&p.kind).unwrap_or_default();
        let text = |k: &str| value.get(k).and_then(serde_json::Value::as_str).unwrap_or("");
        match value.get("msg_id").and_then(serde_json::Value::as_str) {
            Some(id) if !id.is_empty() => format!("msg:{id}"),
            _ => {
                let event = if text("type") == "other" { text("event") } else { text("type") };
                format!("event:{}:{}:{event}:{}", p.from_user_name, p.create_time, text("event_key"))
            }
        }
    }

    #[test]
    fn keys_are_those_of_the_push_json() {
        let id = |s: &str| Some(s.to_string());
        let s = String::from;
        let kinds = vec![
            PushKind::Text { content: s("hi"), msg_id: id("1"), bizmsgmenuid: None },
            PushKind::Text { content: s("hi"), msg_id: id(""), bizmsgmenuid: id("9") },
            PushKind::Text { content: s("hi"), msg_id: None, bizmsgmenuid: None },
            PushKind::Image { pic_url: s("u"), media_id: s("m"), msg_id: id("2") },
            PushKind::Image { pic_url: s("u"), media_id: s("m"), msg_id: None },
            PushKind::Voice { media_id: s("m"), format: s("amr"), recognition: None, msg_id: id("3") },
            PushKind::Video { media_id: s("m"), thumb_media_id: s("t"), msg_id: None },
            PushKind::ShortVideo { media_id: s("m"), thumb_media_id: s("t"), msg_id: id("4") },
            PushKind::ShortVideo { media_id: s("m"), thumb_media_id: s("t"), msg_id: None },
            PushKind::Location { location_x: 1.5, location_y: 2.5, scale: 3, label: s("l"), msg_id: None },
            PushKind::Link { title: s("t"), description: s("d"), url: s("u"), msg_id: id("5") },
            PushKind::Subscribe { event_key: id("qrscene_1"), ticket: id("T") },
            PushKind::Subscribe { event_key: None, ticket: None },
            PushKind::Unsubscribe,
            PushKind::Scan { event_key: s("1"), ticket: None },
            PushKind::Click { event_key: s("K") },
            PushKind::View { event_key: s("https://x"), menu_id: id("7") },
            PushKind::KfCreateSession { kf_account: s("a@b") },
            PushKind::KfCloseSession { kf_account: s("a@b") },
            PushKind::KfSwitchSession { from_kf_account: s("a"), to_kf_account: s("b") },
            PushKind::Other { msg_type: s("event"), event: id("pic_weixin"), fields: vec![] },
            PushKind::Other { msg_type: s("event"), event: None, fields: vec![] },
            PushKind::Other { msg_type: s("miniprogrampage"), event: None, fields: vec![] },
        ];
        for kind in kinds {
            let p = push(kind, 1_700_000_000);
            assert_eq!(p.dedup_key(), json_key(&p), "{:?}", p.kind);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_with_menu_id() {
        let xml = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
                   <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
                   <Content><![CDATA[满意]]></Content><MsgId>24188577285489235123</MsgId>\
                   <bizmsgmenuid>101</bizmsgmenuid></xml>";
        let m = parse_push(xml).unwrap();
        assert_eq!(m.create_time, 1700000000);
        assert_eq!(
            m.kind,
            PushKind::Text {
                content: "满意".into(),
                msg_id: Some("24188577285489235123".into()),
                bizmsgmenuid: Some("101".into())
            }
        );
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["type"], "text");
        assert_eq!(json["to_user_name"], "gh_1");
    }

    #[test]
    fn unknown_event_is_other_and_missing_fields_fail() {
        let xml = "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>\
                   <MsgType>event</MsgType><Event>LOCATION</Event><Latitude>23.1</Latitude></xml>";
        let m = parse_push(xml).unwrap();
        assert!(matches!(m.kind, PushKind::Other { ref event, ref fields, .. }
            if event.as_deref() == Some("LOCATION") && fields.len() == 6));
        let no_content = "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>\
                          <MsgType>text</MsgType></xml>";
        assert!(matches!(parse_push(no_content), Err(KfError::Callback { callback_kind: CallbackKind::Xml, .. })));
    }

    #[test]
    fn coordinates_parse_like_the_standard_parser() {
        let location = |x: &str| {
            let xml = format!(
                "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>\
                 <MsgType>location</MsgType><Location_X>{x}</Location_X><Location_Y> {x} </Location_Y>\
                 <Scale>15</Scale><Label>l</Label><MsgId>1</MsgId></xml>"
            );
            match parse_push(&xml).map(|m| m.kind) {
                Ok(PushKind::Location { location_x, location_y, .. }) => {
                    assert_eq!(location_x.to_bits(), location_y.to_bits());
                    Ok(location_x)
                }
                Ok(other) => panic!("not a location: {other:?}"),
                Err(e) => Err(e),
            }
        };
        // Every coordinate WeChat can send (6 decimals, both signs) on a stride through the range.
        let mut checked = 0;
        let mut micro: i64 = -180_000_000;
        while micro <= 180_000_000 {
            let text = format!(
                "{}{}.{:06}",
                if micro < 0 { "-" } else { "" },
                micro.abs() / 1_000_000,
                micro.abs() % 1_000_000
            );
            let expected: f64 = text.parse().unwrap();
            assert_eq!(location(&text).unwrap().to_bits(), expected.to_bits(), "{text}");
            micro += 7_919;
            checked += 1;
        }
        assert!(checked > 45_000);
        for ok in ["0", "+23.5", "1e2", "-0.000001", "113.358803"] {
            assert_eq!(location(ok).unwrap(), ok.parse::<f64>().unwrap(), "{ok}");
        }
        for bad in ["", " ", "abc", "NaN", "inf", "1,5", "0x10", "--1", "1.2.3", "23 .1"] {
            assert!(
                matches!(location(bad), Err(KfError::Callback { callback_kind: CallbackKind::Xml, .. })),
                "{bad:?}"
            );
        }
    }
}
