//! The 11 kinds of customer-service message. `msgtype` is derived from the kind, so the two
//! can never disagree.
//!
//! The kinds are struct variants of [`MessageContent`] (not tuple variants over payload
//! structs): every runtime then sees the same names — `MessageContent.Text(content)` in
//! Kotlin, `wxkf.Text(content=…)` in Python, `{text: {content}}` in JS.

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeSeed, MapAccess};
use serde::{Deserialize, Serialize};

use crate::{validate, KfError};

/// One external article of a news message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Article {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub description: String,
    /// Link opened on tap.
    pub url: String,
    /// Picture URL.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub picurl: String,
}

/// One choice of a menu message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MenuItem {
    /// Id echoed back when the user taps the choice.
    pub id: String,
    /// Text of the choice.
    pub content: String,
}

/// What a message carries: one variant per `msgtype`, serialized externally tagged
/// (`{"text":{"content":"…"}}`), the same shape as the wire. The schema titles carry each
/// variant's name to the generated host-language classes (`wxkf.MpNewsArticle`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum MessageContent {
    /// `text`: may hold `<a href=… data-miniprogram-appid=… data-miniprogram-path=…>` links.
    #[cfg_attr(feature = "schema", schemars(title = "Text"))]
    Text {
        /// The text.
        content: String,
    },
    /// `image`: an uploaded image.
    #[cfg_attr(feature = "schema", schemars(title = "Image"))]
    Image {
        /// The media id.
        media_id: String,
    },
    /// `voice`: an uploaded voice clip.
    #[cfg_attr(feature = "schema", schemars(title = "Voice"))]
    Voice {
        /// The media id.
        media_id: String,
    },
    /// `video`: an uploaded video.
    #[cfg_attr(feature = "schema", schemars(title = "Video"))]
    Video {
        /// The video's media id.
        media_id: String,
        /// The thumbnail's media id.
        thumb_media_id: String,
        /// Title.
        #[serde(default)]
        title: String,
        /// Description.
        #[serde(default)]
        description: String,
    },
    /// `music`: a music link with a thumbnail.
    #[cfg_attr(feature = "schema", schemars(title = "Music"))]
    Music {
        /// Title.
        #[serde(default)]
        title: String,
        /// Description.
        #[serde(default)]
        description: String,
        /// Music URL.
        musicurl: String,
        /// High-quality music URL (used on Wi-Fi).
        hqmusicurl: String,
        /// The thumbnail's media id.
        thumb_media_id: String,
    },
    /// `news`: exactly one external article (more gives 45008).
    #[cfg_attr(feature = "schema", schemars(title = "News"))]
    News {
        /// The article (a list of one, as on the wire).
        #[cfg_attr(feature = "schema", schemars(length(equal = 1)))]
        articles: Vec<Article>,
    },
    /// `mpnews`: legacy — an article by media id; since the draft box, published articles
    /// are sent as `mpnewsarticle`.
    #[cfg_attr(feature = "schema", schemars(title = "MpNews"))]
    MpNews {
        /// The media id.
        media_id: String,
    },
    /// `mpnewsarticle`: a published article, by id.
    #[cfg_attr(feature = "schema", schemars(title = "MpNewsArticle"))]
    MpNewsArticle {
        /// The article id.
        article_id: String,
    },
    /// `msgmenu`: a menu of choices the user can tap.
    #[cfg_attr(feature = "schema", schemars(title = "MsgMenu"))]
    MsgMenu {
        /// Text above the choices.
        #[serde(default)]
        head_content: String,
        /// The choices (at least one).
        list: Vec<MenuItem>,
        /// Text below the choices.
        #[serde(default)]
        tail_content: String,
    },
    /// `wxcard`: a card or coupon.
    #[cfg_attr(feature = "schema", schemars(title = "WxCard"))]
    WxCard {
        /// The card id.
        card_id: String,
        /// The card's extension fields (code, openid, timestamp, signature …) as a JSON string.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        card_ext: Option<String>,
    },
    /// `miniprogrampage`: a mini-program page card.
    #[cfg_attr(feature = "schema", schemars(title = "MiniProgramPage"))]
    MiniProgramPage {
        /// Title.
        title: String,
        /// The mini program's AppID.
        appid: String,
        /// The page path.
        pagepath: String,
        /// The thumbnail's media id.
        thumb_media_id: String,
    },
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
            MessageContent::Text { .. } => "text",
            MessageContent::Image { .. } => "image",
            MessageContent::Voice { .. } => "voice",
            MessageContent::Video { .. } => "video",
            MessageContent::Music { .. } => "music",
            MessageContent::News { .. } => "news",
            MessageContent::MpNews { .. } => "mpnews",
            MessageContent::MpNewsArticle { .. } => "mpnewsarticle",
            MessageContent::MsgMenu { .. } => "msgmenu",
            MessageContent::WxCard { .. } => "wxcard",
            MessageContent::MiniProgramPage { .. } => "miniprogrampage",
        }
    }

    /// Checks the kind's rules; field names are prefixed with the msgtype (`news.articles`).
    pub fn validate(&self) -> Result<(), KfError> {
        // Fields are named `<msgtype>.<field>`; the prefix is added on failure only (a send
        // validates its message on every call).
        let check = || -> Result<(), KfError> {
            match self {
                MessageContent::Text { content } => validate::required("content", content),
                MessageContent::Image { media_id }
                | MessageContent::Voice { media_id }
                | MessageContent::MpNews { media_id } => validate::required("media_id", media_id),
                MessageContent::Video { media_id, thumb_media_id, title, description } => {
                    validate::required("media_id", media_id)?;
                    validate::required("thumb_media_id", thumb_media_id)?;
                    validate::bounded("title", title)?;
                    validate::bounded("description", description)
                }
                MessageContent::Music { title, description, musicurl, hqmusicurl, thumb_media_id } => {
                    validate::bounded("title", title)?;
                    validate::bounded("description", description)?;
                    validate::required("musicurl", musicurl)?;
                    validate::required("hqmusicurl", hqmusicurl)?;
                    validate::required("thumb_media_id", thumb_media_id)
                }
                MessageContent::News { articles } => {
                    if articles.len() != 1 {
                        return Err(KfError::validation(
                            "articles",
                            format!("must hold exactly 1 article (got {})", articles.len()),
                        ));
                    }
                    for a in articles {
                        validate::required("articles[0].title", &a.title)?;
                        validate::bounded("articles[0].description", &a.description)?;
                        validate::required("articles[0].url", &a.url)?;
                        validate::bounded("articles[0].picurl", &a.picurl)?;
                    }
                    Ok(())
                }
                MessageContent::MpNewsArticle { article_id } => validate::required("article_id", article_id),
                MessageContent::MsgMenu { head_content, list, tail_content } => {
                    if list.is_empty() {
                        return Err(KfError::validation("list", "must hold at least one choice"));
                    }
                    validate::bounded("head_content", head_content)?;
                    validate::bounded("tail_content", tail_content)?;
                    for (i, item) in list.iter().enumerate() {
                        let item_field = |e: KfError| e.in_field(&format!("list[{i}]"));
                        validate::required("id", &item.id).map_err(item_field)?;
                        validate::required("content", &item.content).map_err(item_field)?;
                    }
                    Ok(())
                }
                MessageContent::WxCard { card_id, card_ext } => {
                    validate::required("card_id", card_id)?;
                    card_ext.as_deref().map_or(Ok(()), |ext| validate::bounded("card_ext", ext))
                }
                MessageContent::MiniProgramPage { title, appid, pagepath, thumb_media_id } => {
                    validate::required("title", title)?;
                    validate::required("appid", appid)?;
                    validate::required("pagepath", pagepath)?;
                    validate::required("thumb_media_id", thumb_media_id)
                }
            }
        };
        check().map_err(|e| e.in_field(self.msgtype()))
    }
}

/// A message to send: its content and, optionally, the kf account it is sent as.
///
/// Its serde form is the binding-facing shape `{"<msgtype>": {payload}, "kf_account"?: "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Message {
    /// What to send (flattened: `{"text":{…},"kf_account":"…"}`).
    #[serde(flatten)]
    pub content: MessageContent,
    /// Send as this kf account (`customservice.kf_account`); omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
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

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Message, A::Error> {
        use serde::de::Error;
        let mut content: Option<MessageContent> = None;
        let mut kf_account: Option<String> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "kf_account" {
                kf_account = map.next_value()?;
                continue;
            }
            // The kind key and its payload, read by the derived enum reader as a one-entry map.
            let kind =
                MessageContent::deserialize(MapAccessDeserializer::new(OneEntry { key: Some(key), map: &mut map }))?;
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

/// The entry of `map` whose key was just read, as a map of its own.
struct OneEntry<'a, 'de, A> {
    key: Option<std::borrow::Cow<'de, str>>,
    map: &'a mut A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for OneEntry<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        use serde::de::IntoDeserializer;
        self.key.take().map(|key| seed.deserialize(key.into_owned().into_deserializer())).transpose()
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
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
        MessageContent::Text { content: content.into() }.into()
    }

    /// An image message.
    pub fn image(media_id: impl Into<String>) -> Self {
        MessageContent::Image { media_id: media_id.into() }.into()
    }

    /// A voice message.
    pub fn voice(media_id: impl Into<String>) -> Self {
        MessageContent::Voice { media_id: media_id.into() }.into()
    }

    /// A video message.
    pub fn video(
        media_id: impl Into<String>,
        thumb_media_id: impl Into<String>,
        title: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        MessageContent::Video {
            media_id: media_id.into(),
            thumb_media_id: thumb_media_id.into(),
            title: title.into(),
            description: description.into(),
        }
        .into()
    }

    /// A news message with its single article.
    pub fn news(article: Article) -> Self {
        MessageContent::News { articles: vec![article] }.into()
    }

    /// A legacy message that points to an mpnews media id (prefer `mpnewsarticle`).
    pub fn mpnews(media_id: impl Into<String>) -> Self {
        MessageContent::MpNews { media_id: media_id.into() }.into()
    }

    /// A published article, by id.
    pub fn mpnewsarticle(article_id: impl Into<String>) -> Self {
        MessageContent::MpNewsArticle { article_id: article_id.into() }.into()
    }

    /// A menu message.
    pub fn menu(head_content: impl Into<String>, list: Vec<MenuItem>, tail_content: impl Into<String>) -> Self {
        MessageContent::MsgMenu { head_content: head_content.into(), list, tail_content: tail_content.into() }.into()
    }

    /// A card message.
    pub fn wxcard(card_id: impl Into<String>) -> Self {
        MessageContent::WxCard { card_id: card_id.into(), card_ext: None }.into()
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
