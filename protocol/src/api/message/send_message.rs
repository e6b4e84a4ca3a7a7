//! POST `/cgi-bin/message/custom/send`: send a message to a user within the 48-hour window.

use serde::{Deserialize, Serialize, Serializer};

use crate::endpoint::{parse_ack, Body, BuildContext, Endpoint, Guarded, OpClass};
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

    /// The wire form written around the content's own JSON (`{"text":{…}}`, opened into the
    /// outer object): the same bytes as this type's `Serialize`, without the buffering serde's
    /// `flatten` does for a struct variant (its `Content` machinery, ~3 KB of the npm
    /// package's gzipped wasm). Tested against `Serialize` for every kind of message.
    fn body(&self, _: &BuildContext<'_>) -> Result<Body, KfError> {
        let failed = |e: serde_json::Error| KfError::validation("body", format!("cannot be serialized: {e}"));
        // One buffer, large enough for a short text without growing.
        let mut out = Vec::with_capacity(256);
        out.extend(br#"{"touser":"#);
        serde_json::to_writer(&mut out, &self.touser).map_err(failed)?;
        out.extend(br#","msgtype":""#);
        out.extend(self.message.msgtype().as_bytes());
        out.extend(br#"","#);
        // `{"<msgtype>":{…}}` written in place, then opened: its first `{` and last `}` dropped.
        let open = out.len();
        serde_json::to_writer(&mut out, &self.message.content).map_err(failed)?;
        if out.get(open) == Some(&b'{') && out.last() == Some(&b'}') {
            out.remove(open);
            out.pop();
        }
        if let Some(kf_account) = &self.message.kf_account {
            out.extend(br#","customservice":{"kf_account":"#);
            serde_json::to_writer(&mut out, kf_account).map_err(failed)?;
            out.push(b'}');
        }
        out.push(b'}');
        Ok(Body::Json(out))
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
    use crate::message::{Article, MenuItem};

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

    #[test]
    fn the_body_is_the_serialized_request_for_every_kind() {
        let s = String::from;
        let article = Article { title: s("t"), description: s("d"), url: s("u"), picurl: s("p") };
        let item = MenuItem { id: s("1"), content: s("yes") };
        let kinds = [
            MessageContent::Text { content: s("a \"quoted\" \\ line\nbreak 你好 👋 \u{1}") },
            MessageContent::Image { media_id: s("m") },
            MessageContent::Voice { media_id: s("m") },
            MessageContent::Video { media_id: s("m"), thumb_media_id: s("t"), title: s(""), description: s("d") },
            MessageContent::Music {
                title: s("t"),
                description: s(""),
                musicurl: s("u"),
                hqmusicurl: s("h"),
                thumb_media_id: s("m"),
            },
            MessageContent::News { articles: vec![article] },
            MessageContent::MpNews { media_id: s("m") },
            MessageContent::MpNewsArticle { article_id: s("a") },
            MessageContent::MsgMenu { head_content: s("h"), list: vec![item.clone(), item], tail_content: s("") },
            MessageContent::WxCard { card_id: s("c"), card_ext: None },
            MessageContent::WxCard { card_id: s("c"), card_ext: Some(s("{\"code\":\"1\"}")) },
            MessageContent::MiniProgramPage { title: s("t"), appid: s("wx"), pagepath: s("p"), thumb_media_id: s("m") },
        ];
        let ctx = BuildContext { base_url: "http://x", access_token: None, nonce: "" };
        for (i, content) in kinds.into_iter().enumerate() {
            let mut message = Message::from(content);
            if i % 2 == 1 {
                message = message.from_kf("kf\"1@gh");
            }
            let req = SendMessage { touser: s("o\"1"), message };
            let expected = serde_json::to_vec(&req).unwrap_or_default();
            match req.body(&ctx) {
                Ok(Body::Json(body)) => assert_eq!(body, expected, "{}", String::from_utf8_lossy(&expected)),
                other => panic!("{other:?}"),
            }
        }
    }
}
