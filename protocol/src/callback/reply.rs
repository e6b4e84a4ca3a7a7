//! Passive replies: `success`, a text, or a hand-over to customer service.

use serde::{Deserialize, Serialize};

use crate::{validate, KfError};

/// What to answer a push with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Reply {
    /// The plain `success` acknowledgement (never encrypted: WeChat accepts it as is).
    Success,
    /// A text message back to the user.
    Text {
        /// The text.
        content: String,
    },
    /// Hand the user's message to customer service, optionally to one kf (`prefix@wechat_id`).
    TransferCustomerService {
        /// The kf to route to; any available kf when `None`.
        #[serde(default)]
        kf_account: Option<String>,
    },
}

/// Read by hand: the derived internally tagged form buffers the object in serde's `Content`
/// tree first (~10 KB of wasm). Same shape: `{"type": "text", "content": "…"}`; other keys are
/// ignored, as the derive did.
impl<'de> Deserialize<'de> for Reply {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ReplyVisitor)
    }
}

struct ReplyVisitor;

/// The values of a reply's `type`.
const REPLY_TYPES: [&str; 3] = ["success", "text", "transfer_customer_service"];

impl<'de> serde::de::Visitor<'de> for ReplyVisitor {
    type Value = Reply;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a reply object with a `type`")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Reply, A::Error> {
        use serde::de::Error;
        let (mut kind, mut content, mut kf_account) = (None::<String>, None::<String>, None::<String>);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "type" => kind = Some(map.next_value()?),
                "content" => content = map.next_value()?,
                "kf_account" => kf_account = map.next_value()?,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        match kind.as_deref() {
            Some("success") => Ok(Reply::Success),
            Some("text") => Ok(Reply::Text { content: content.ok_or_else(|| A::Error::missing_field("content"))? }),
            Some("transfer_customer_service") => Ok(Reply::TransferCustomerService { kf_account }),
            Some(other) => Err(A::Error::unknown_variant(other, &REPLY_TYPES)),
            None => Err(A::Error::missing_field("type")),
        }
    }
}

/// Wraps `value` in CDATA, splitting any `]]>` so it cannot close the section early.
pub fn cdata(value: &str) -> String {
    format!("<![CDATA[{}]]>", value.replace("]]>", "]]]]><![CDATA[>"))
}

/// Characters XML 1.0 cannot carry at all, even in CDATA.
fn check_xml_chars(field: &str, value: &str) -> Result<(), KfError> {
    let bad = value.chars().find(|&c| {
        let cp = u32::from(c);
        (cp < 0x20 && !matches!(c, '\t' | '\n' | '\r')) || cp == 0xFFFE || cp == 0xFFFF
    });
    match bad {
        Some(c) => Err(KfError::validation(field, format!("contains U+{:04X}, which XML cannot carry", u32::from(c)))),
        None => Ok(()),
    }
}

/// The reply XML (unencrypted) to a push from `user` to `account`, with the two swapped;
/// `None` for [`Reply::Success`].
pub fn reply_xml(account: &str, user: &str, reply: &Reply, now: i64) -> Result<Option<String>, KfError> {
    let body = match reply {
        Reply::Success => return Ok(None),
        Reply::Text { content } => {
            if content.is_empty() {
                return Err(KfError::validation("content", "must not be empty"));
            }
            validate::bounded("content", content)?;
            check_xml_chars("content", content)?;
            format!("<MsgType>{}</MsgType><Content>{}</Content>", cdata("text"), cdata(content))
        }
        Reply::TransferCustomerService { kf_account: None } => {
            format!("<MsgType>{}</MsgType>", cdata("transfer_customer_service"))
        }
        Reply::TransferCustomerService { kf_account: Some(kf) } => {
            validate::kf_account("kf_account", kf)?;
            check_xml_chars("kf_account", kf)?;
            format!(
                "<MsgType>{}</MsgType><TransInfo><KfAccount>{}</KfAccount></TransInfo>",
                cdata("transfer_customer_service"),
                cdata(kf)
            )
        }
    };
    Ok(Some(format!(
        "<xml><ToUserName>{}</ToUserName><FromUserName>{}</FromUserName><CreateTime>{now}</CreateTime>{body}</xml>",
        cdata(user),
        cdata(account),
    )))
}

/// The safe-mode reply envelope around an `Encrypt` value.
pub fn encrypted_envelope(encrypt: &str, msg_signature: &str, timestamp: i64, nonce: &str) -> String {
    format!(
        "<xml><Encrypt>{}</Encrypt><MsgSignature>{}</MsgSignature><TimeStamp>{timestamp}</TimeStamp><Nonce>{}</Nonce></xml>",
        cdata(encrypt),
        cdata(msg_signature),
        cdata(nonce)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    fn reply_xml(reply: &Reply, now: i64) -> Result<Option<String>, KfError> {
        super::reply_xml("gh_1", "o1", reply, now)
    }

    #[test]
    fn a_reply_text_is_bounded() {
        let big = Reply::Text { content: "x".repeat(validate::MAX_FIELD_BYTES + 1) };
        assert!(matches!(reply_xml(&big, 1), Err(KfError::Validation { field, .. }) if field == "content"));
        let max = Reply::Text { content: "x".repeat(validate::MAX_FIELD_BYTES) };
        assert!(reply_xml(&max, 1).unwrap().is_some());
    }

    #[test]
    fn reads_replies_in_any_key_order() {
        let read = |json: &str| serde_json::from_str::<Reply>(json).map_err(|e| e.to_string());
        assert_eq!(read(r#"{"type":"success"}"#).unwrap(), Reply::Success);
        assert_eq!(read(r#"{"content":"hi","type":"text"}"#).unwrap(), Reply::Text { content: "hi".into() });
        assert_eq!(
            read(r#"{"type":"transfer_customer_service","kf_account":"a@b","extra":[1]}"#).unwrap(),
            Reply::TransferCustomerService { kf_account: Some("a@b".into()) }
        );
        assert_eq!(
            read(r#"{"type":"transfer_customer_service","kf_account":null}"#).unwrap(),
            Reply::TransferCustomerService { kf_account: None }
        );
        assert!(read(r#"{"type":"text"}"#).unwrap_err().contains("missing field `content`"));
        assert!(read(r#"{"content":"x"}"#).unwrap_err().contains("missing field `type`"));
        assert!(read(r#"{"type":"image"}"#).unwrap_err().contains("unknown variant `image`"));
        assert!(read(r#"{"type":7}"#).is_err());
        for reply in
            [Reply::Success, Reply::Text { content: "c".into() }, Reply::TransferCustomerService { kf_account: None }]
        {
            assert_eq!(serde_json::from_value::<Reply>(serde_json::to_value(&reply).unwrap()).unwrap(), reply);
        }
    }

    #[test]
    fn cdata_escapes_terminator() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
        let xml = reply_xml(&Reply::Text { content: "x]]><y>".into() }, 5).unwrap().unwrap();
        let fields = crate::callback::fields::read_fields(&xml).unwrap();
        assert_eq!(crate::callback::fields::field(&fields, "Content"), Some("x]]><y>"));
        assert_eq!(crate::callback::fields::field(&fields, "ToUserName"), Some("o1"));
    }

    #[test]
    fn transfer_validates_kf() {
        let ok = Reply::TransferCustomerService { kf_account: Some("kf1@gh_1".into()) };
        assert!(reply_xml(&ok, 5).unwrap().unwrap().contains("<TransInfo><KfAccount><![CDATA[kf1@gh_1]]>"));
        let bad = Reply::TransferCustomerService { kf_account: Some("nope".into()) };
        assert!(reply_xml(&bad, 5).is_err());
        assert!(reply_xml(&Reply::Text { content: "a\u{0}".into() }, 5).is_err());
        assert_eq!(reply_xml(&Reply::Success, 5).unwrap(), None);
    }
}
