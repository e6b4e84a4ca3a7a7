//! The 11 kinds of customer-service message. `msgtype` is derived from the kind, so the two
//! can never disagree.

use serde::{Deserialize, Serialize};

use crate::{validate, KfError};

/// A text message; `content` may hold `<a href=… data-miniprogram-appid=…>` links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// The text.
    pub content: String,
}

/// A message that refers to uploaded media (image, voice, mpnews).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    /// The media id.
    pub media_id: String,
}

/// A video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Video {
    /// The video's media id.
    pub media_id: String,
    /// The thumbnail's media id.
    pub thumb_media_id: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
}

/// A music message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Music {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Music URL.
    pub musicurl: String,
    /// High-quality music URL (used on Wi-Fi).
    pub hqmusicurl: String,
    /// The thumbnail's media id.
    pub thumb_media_id: String,
}

/// One external article of a news message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Link opened on tap.
    pub url: String,
    /// Picture URL.
    #[serde(default)]
    pub picurl: String,
}

/// A news message: exactly one external article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct News {
    /// The articles (WeChat accepts exactly one; more gives 45008).
    pub articles: Vec<Article>,
}

/// A published article, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleRef {
    /// The article id.
    pub article_id: String,
}

/// One choice of a menu message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    /// Id echoed back when the user taps the choice.
    pub id: String,
    /// Text of the choice.
    pub content: String,
}

/// A menu message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MsgMenu {
    /// Text above the choices.
    #[serde(default)]
    pub head_content: String,
    /// The choices (at least one).
    pub list: Vec<MenuItem>,
    /// Text below the choices.
    #[serde(default)]
    pub tail_content: String,
}

/// A card/coupon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WxCard {
    /// The card id.
    pub card_id: String,
}

/// A mini-program page card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MiniProgramPage {
    /// Title.
    pub title: String,
    /// The mini program's AppID.
    pub appid: String,
    /// The page path.
    pub pagepath: String,
    /// The thumbnail's media id.
    pub thumb_media_id: String,
}

/// The payload of a message, one variant per `msgtype`.
///
/// Serialized externally tagged (`{"text":{"content":"…"}}`), the same shape as the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageContent {
    /// `text`
    Text(Text),
    /// `image`
    Image(Media),
    /// `voice`
    Voice(Media),
    /// `video`
    Video(Video),
    /// `music`
    Music(Music),
    /// `news`
    News(News),
    /// `mpnews` (legacy: since the draft box, new articles are sent as `mpnewsarticle`)
    Mpnews(Media),
    /// `mpnewsarticle`
    Mpnewsarticle(ArticleRef),
    /// `msgmenu`
    Msgmenu(MsgMenu),
    /// `wxcard`
    Wxcard(WxCard),
    /// `miniprogrampage`
    Miniprogrampage(MiniProgramPage),
}

/// Every `msgtype`, in the spec's order.
pub const MSG_TYPES: [&str; 11] = [
    "text",
    "image",
    "voice",
    "video",
    "music",
    "news",
    "mpnews",
    "mpnewsarticle",
    "msgmenu",
    "wxcard",
    "miniprogrampage",
];

impl MessageContent {
    /// The wire `msgtype` of this kind.
    pub fn msgtype(&self) -> &'static str {
        match self {
            MessageContent::Text(_) => "text",
            MessageContent::Image(_) => "image",
            MessageContent::Voice(_) => "voice",
            MessageContent::Video(_) => "video",
            MessageContent::Music(_) => "music",
            MessageContent::News(_) => "news",
            MessageContent::Mpnews(_) => "mpnews",
            MessageContent::Mpnewsarticle(_) => "mpnewsarticle",
            MessageContent::Msgmenu(_) => "msgmenu",
            MessageContent::Wxcard(_) => "wxcard",
            MessageContent::Miniprogrampage(_) => "miniprogrampage",
        }
    }

    /// Checks the kind's rules; field names are prefixed with the msgtype (`news.articles`).
    pub fn validate(&self) -> Result<(), KfError> {
        let t = self.msgtype();
        let f = |name: &str| format!("{t}.{name}");
        match self {
            MessageContent::Text(x) => validate::required(&f("content"), &x.content),
            MessageContent::Image(x) | MessageContent::Voice(x) | MessageContent::Mpnews(x) => {
                validate::required(&f("media_id"), &x.media_id)
            }
            MessageContent::Video(x) => {
                validate::required(&f("media_id"), &x.media_id)?;
                validate::required(&f("thumb_media_id"), &x.thumb_media_id)?;
                validate::bounded(&f("title"), &x.title)?;
                validate::bounded(&f("description"), &x.description)
            }
            MessageContent::Music(x) => {
                validate::bounded(&f("title"), &x.title)?;
                validate::bounded(&f("description"), &x.description)?;
                validate::required(&f("musicurl"), &x.musicurl)?;
                validate::required(&f("hqmusicurl"), &x.hqmusicurl)?;
                validate::required(&f("thumb_media_id"), &x.thumb_media_id)
            }
            MessageContent::News(x) => {
                if x.articles.len() != 1 {
                    return Err(KfError::validation(
                        f("articles"),
                        format!("must hold exactly 1 article (got {})", x.articles.len()),
                    ));
                }
                for a in &x.articles {
                    validate::required(&f("articles[0].title"), &a.title)?;
                    validate::bounded(&f("articles[0].description"), &a.description)?;
                    validate::required(&f("articles[0].url"), &a.url)?;
                    validate::bounded(&f("articles[0].picurl"), &a.picurl)?;
                }
                Ok(())
            }
            MessageContent::Mpnewsarticle(x) => validate::required(&f("article_id"), &x.article_id),
            MessageContent::Msgmenu(x) => {
                if x.list.is_empty() {
                    return Err(KfError::validation(f("list"), "must hold at least one choice"));
                }
                validate::bounded(&f("head_content"), &x.head_content)?;
                validate::bounded(&f("tail_content"), &x.tail_content)?;
                for (i, item) in x.list.iter().enumerate() {
                    validate::required(&f(&format!("list[{i}].id")), &item.id)?;
                    validate::required(&f(&format!("list[{i}].content")), &item.content)?;
                }
                Ok(())
            }
            MessageContent::Wxcard(x) => validate::required(&f("card_id"), &x.card_id),
            MessageContent::Miniprogrampage(x) => {
                validate::required(&f("title"), &x.title)?;
                validate::required(&f("appid"), &x.appid)?;
                validate::required(&f("pagepath"), &x.pagepath)?;
                validate::required(&f("thumb_media_id"), &x.thumb_media_id)
            }
        }
    }
}

/// A message to send: its content and, optionally, the kf account it is sent as.
///
/// Its serde form is the binding-facing shape `{"<msgtype>": {payload}, "kf_account"?: "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// What to send (flattened: `{"text":{…},"kf_account":"…"}`).
    #[serde(flatten)]
    pub content: MessageContent,
    /// Send as this kf account (`customservice.kf_account`); omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kf_account: Option<String>,
}

/// Read by hand rather than with `#[serde(flatten)]`: flatten buffers every value into serde's
/// `Content` tree first, which costs ~20 KB of wasm and gives vaguer errors than these.
impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MessageVisitor)
    }
}

struct MessageVisitor;

impl<'de> serde::de::Visitor<'de> for MessageVisitor {
    type Value = Message;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a message object with one kind key (text, image, …) and an optional kf_account")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Message, A::Error> {
        use serde::de::Error;
        let mut content: Option<MessageContent> = None;
        let mut kf_account: Option<String> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let kind = match key.as_ref() {
                "kf_account" => {
                    kf_account = map.next_value()?;
                    continue;
                }
                "text" => MessageContent::Text(map.next_value()?),
                "image" => MessageContent::Image(map.next_value()?),
                "voice" => MessageContent::Voice(map.next_value()?),
                "video" => MessageContent::Video(map.next_value()?),
                "music" => MessageContent::Music(map.next_value()?),
                "news" => MessageContent::News(map.next_value()?),
                "mpnews" => MessageContent::Mpnews(map.next_value()?),
                "mpnewsarticle" => MessageContent::Mpnewsarticle(map.next_value()?),
                "msgmenu" => MessageContent::Msgmenu(map.next_value()?),
                "wxcard" => MessageContent::Wxcard(map.next_value()?),
                "miniprogrampage" => MessageContent::Miniprogrampage(map.next_value()?),
                other => return Err(A::Error::unknown_variant(other, &MSG_TYPES)),
            };
            if let Some(first) = &content {
                return Err(A::Error::custom(format_args!(
                    "a message holds one kind, got both `{}` and `{}`",
                    first.msgtype(),
                    kind.msgtype()
                )));
            }
            content = Some(kind);
        }
        let content = content.ok_or_else(|| {
            A::Error::custom(format_args!("a message needs one kind key, one of {}", MSG_TYPES.join(", ")))
        })?;
        Ok(Message { content, kf_account })
    }
}

impl From<MessageContent> for Message {
    fn from(content: MessageContent) -> Self {
        Message { content, kf_account: None }
    }
}

impl Message {
    /// Sends the message as the given kf account.
    pub fn from_kf(mut self, kf_account: impl Into<String>) -> Self {
        self.kf_account = Some(kf_account.into());
        self
    }

    /// A text message.
    pub fn text(content: impl Into<String>) -> Self {
        MessageContent::Text(Text { content: content.into() }).into()
    }

    /// An image message.
    pub fn image(media_id: impl Into<String>) -> Self {
        MessageContent::Image(Media { media_id: media_id.into() }).into()
    }

    /// A voice message.
    pub fn voice(media_id: impl Into<String>) -> Self {
        MessageContent::Voice(Media { media_id: media_id.into() }).into()
    }

    /// A video message.
    pub fn video(
        media_id: impl Into<String>,
        thumb_media_id: impl Into<String>,
        title: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        MessageContent::Video(Video {
            media_id: media_id.into(),
            thumb_media_id: thumb_media_id.into(),
            title: title.into(),
            description: description.into(),
        })
        .into()
    }

    /// A music message.
    pub fn music(music: Music) -> Self {
        MessageContent::Music(music).into()
    }

    /// A news message with its single article.
    pub fn news(article: Article) -> Self {
        MessageContent::News(News { articles: vec![article] }).into()
    }

    /// A message that points to an mpnews media id (legacy: since the draft box, new articles
    /// are sent as [`Message::mpnewsarticle`]).
    pub fn mpnews(media_id: impl Into<String>) -> Self {
        MessageContent::Mpnews(Media { media_id: media_id.into() }).into()
    }

    /// A published article, by id.
    pub fn mpnewsarticle(article_id: impl Into<String>) -> Self {
        MessageContent::Mpnewsarticle(ArticleRef { article_id: article_id.into() }).into()
    }

    /// A menu message.
    pub fn menu(head_content: impl Into<String>, list: Vec<MenuItem>, tail_content: impl Into<String>) -> Self {
        MessageContent::Msgmenu(MsgMenu { head_content: head_content.into(), list, tail_content: tail_content.into() })
            .into()
    }

    /// A card message.
    pub fn wxcard(card_id: impl Into<String>) -> Self {
        MessageContent::Wxcard(WxCard { card_id: card_id.into() }).into()
    }

    /// A mini-program page card.
    pub fn miniprogrampage(page: MiniProgramPage) -> Self {
        MessageContent::Miniprogrampage(page).into()
    }

    /// The wire `msgtype`.
    pub fn msgtype(&self) -> &'static str {
        self.content.msgtype()
    }

    /// Checks the content's rules and the kf account's form.
    pub fn validate(&self) -> Result<(), KfError> {
        self.content.validate()?;
        if let Some(kf) = &self.kf_account {
            validate::kf_account("kf_account", kf)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Message, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_kind_and_the_account_in_any_order() {
        let m = parse(r#"{"kf_account":"a@b","text":{"content":"hi"}}"#).unwrap();
        assert_eq!(m, Message::text("hi").from_kf("a@b"));
        let m = parse(r#"{"image":{"media_id":"M"},"kf_account":null}"#).unwrap();
        assert_eq!(m, Message::image("M"));
    }

    #[test]
    fn round_trips_every_kind() {
        for kind in MSG_TYPES {
            let json = match kind {
                "text" => r#"{"text":{"content":"c"}}"#.to_string(),
                "news" => r#"{"news":{"articles":[{"title":"t","url":"u"}]}}"#.to_string(),
                "msgmenu" => r#"{"msgmenu":{"list":[{"id":"1","content":"c"}]}}"#.to_string(),
                "mpnewsarticle" => r#"{"mpnewsarticle":{"article_id":"A"}}"#.to_string(),
                "wxcard" => r#"{"wxcard":{"card_id":"C"}}"#.to_string(),
                "music" => r#"{"music":{"musicurl":"m","hqmusicurl":"h","thumb_media_id":"T"}}"#.to_string(),
                "video" => r#"{"video":{"media_id":"M","thumb_media_id":"T"}}"#.to_string(),
                "miniprogrampage" => {
                    r#"{"miniprogrampage":{"title":"t","appid":"a","pagepath":"p","thumb_media_id":"T"}}"#.to_string()
                }
                media => format!(r#"{{"{media}":{{"media_id":"M"}}}}"#),
            };
            let m = parse(&json).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(m.content.msgtype(), kind);
            let again: Message = serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap();
            assert_eq!(again, m);
        }
    }

    #[test]
    fn refuses_unknown_missing_and_doubled_kinds() {
        let e = parse(r#"{"sticker":{}}"#).unwrap_err();
        assert!(e.contains("unknown variant `sticker`") && e.contains("miniprogrampage"), "{e}");
        let e = parse(r#"{"kf_account":"a@b"}"#).unwrap_err();
        assert!(e.contains("needs one kind key"), "{e}");
        let e = parse(r#"{"text":{"content":"a"},"image":{"media_id":"M"}}"#).unwrap_err();
        assert!(e.contains("both `text` and `image`"), "{e}");
        let e = parse(r#"{"text":{}}"#).unwrap_err();
        assert!(e.contains("missing field `content`"), "{e}");
        assert!(parse(r#"["text"]"#).is_err());
        // A misspelt optional field would otherwise vanish without a word.
        let e = parse(r#"{"video":{"media_id":"M","thumb_media_id":"T","titel":"t"}}"#).unwrap_err();
        assert!(e.contains("unknown field `titel`"), "{e}");
    }
}
