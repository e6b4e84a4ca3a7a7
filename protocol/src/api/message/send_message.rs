//! POST `/cgi-bin/message/custom/send`: send a message to a user within the 48-hour window.

use serde::{Deserialize, Serialize, Serializer};

use crate::endpoint::{json_body, parse_ack, Body, BuildContext, Endpoint, Guarded, OpClass};
use crate::http::{HttpResponse, Method};
use crate::message::{Message, MessageContent};
use crate::{validate, KfError};

/// Request to send one message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SendMessage {
    /// The user's openid.
    pub touser: String,
    /// The message.
    pub message: Message,
}

impl SendMessage {
    /// Validated request.
    pub fn new(touser: impl Into<String>, message: impl Into<Message>) -> Result<Self, KfError> {
        let req = SendMessage { touser: touser.into(), message: message.into() };
        req.validate()?;
        Ok(req)
    }
}

#[derive(Serialize)]
struct CustomService<'a> {
    kf_account: &'a str,
}

/// The wire form: `{"touser","msgtype",<msgtype>:{…},"customservice"?}` (the content's
/// externally tagged form, flattened: serializing through flatten buffers nothing).
#[derive(Serialize)]
struct Wire<'a> {
    touser: &'a str,
    msgtype: &'static str,
    #[serde(flatten)]
    content: &'a MessageContent,
    #[serde(skip_serializing_if = "Option::is_none")]
    customservice: Option<CustomService<'a>>,
}

impl Serialize for SendMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            touser: &self.touser,
            msgtype: self.message.msgtype(),
            content: &self.message.content,
            customservice: self.message.kf_account.as_deref().map(|kf_account| CustomService { kf_account }),
        }
        .serialize(serializer)
    }
}

impl Endpoint for SendMessage {
    type Output = ();
    const NAME: &'static str = "send_message";
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/custom/send";
    const CLASS: OpClass = OpClass::Write;

    fn validate(&self) -> Result<(), KfError> {
        validate::required("touser", &self.touser)?;
        self.message.validate()
    }

    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        json_body(self)
    }

    fn parse(response: &HttpResponse) -> Result<(), KfError> {
        parse_ack(response)
    }

    fn guarded(&self) -> Guarded<'_> {
        Guarded::ReplyBudget(&self.touser)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_with_kf_and_unescaped_chinese_and_emoji() {
        let req = SendMessage::new("o1", Message::text("你好 👋").from_kf("kf1@gh")).ok();
        let json = req.and_then(|r| serde_json::to_string(&r).ok());
        assert_eq!(
            json.as_deref(),
            Some(
                r#"{"touser":"o1","msgtype":"text","text":{"content":"你好 👋"},"customservice":{"kf_account":"kf1@gh"}}"#
            )
        );
    }

    #[test]
    fn no_customservice_without_kf_and_news_needs_one_article() {
        let json = serde_json::to_string(&SendMessage { touser: "o".into(), message: Message::image("m") }).ok();
        assert_eq!(json.as_deref(), Some(r#"{"touser":"o","msgtype":"image","image":{"media_id":"m"}}"#));
        let err = SendMessage::new("o", MessageContent::News { articles: vec![] }).err();
        assert!(matches!(err, Some(KfError::Validation { ref field, .. }) if field == "news.articles"));
    }
}
