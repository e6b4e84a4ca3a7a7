//! Records and enums of the client API (Kotlin data classes and sealed classes, Swift structs
//! and enums), each a plain mirror of a core type with a lossless conversion.

use wxkf::api::account::get_kf_list::InviteStatus as CoreInviteStatus;
use wxkf::message as m;

/// One external article of a news message.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Article {
    /// Title.
    pub title: String,
    /// Description.
    #[uniffi(default = "")]
    pub description: String,
    /// Link opened on tap.
    pub url: String,
    /// Picture URL.
    #[uniffi(default = "")]
    pub picurl: String,
}

/// One choice of a menu message.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MenuItem {
    /// Id echoed back when the user taps the choice.
    pub id: String,
    /// Text of the choice.
    pub content: String,
}

/// The payload of a message, one variant per `msgtype` (the msgtype is derived, never set).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum MessageContent {
    /// `text`; may hold `<a href=… data-miniprogram-appid=…>` links.
    Text {
        /// The text.
        content: String,
    },
    /// `image`
    Image {
        /// The media id.
        media_id: String,
    },
    /// `voice`
    Voice {
        /// The media id.
        media_id: String,
    },
    /// `video`
    Video {
        /// The video's media id.
        media_id: String,
        /// The thumbnail's media id.
        thumb_media_id: String,
        /// Title.
        title: String,
        /// Description.
        description: String,
    },
    /// `music`
    Music {
        /// Title.
        title: String,
        /// Description.
        description: String,
        /// Music URL.
        musicurl: String,
        /// High-quality music URL.
        hqmusicurl: String,
        /// The thumbnail's media id.
        thumb_media_id: String,
    },
    /// `news`: exactly one article.
    News {
        /// The articles (exactly one is accepted).
        articles: Vec<Article>,
    },
    /// `mpnews` (legacy: since the draft box, new articles are sent as `mpnewsarticle`)
    Mpnews {
        /// The media id.
        media_id: String,
    },
    /// `mpnewsarticle`
    Mpnewsarticle {
        /// The published article's id.
        article_id: String,
    },
    /// `msgmenu`
    Msgmenu {
        /// Text above the choices.
        head_content: String,
        /// The choices (at least one).
        list: Vec<MenuItem>,
        /// Text below the choices.
        tail_content: String,
    },
    /// `wxcard`
    Wxcard {
        /// The card id.
        card_id: String,
    },
    /// `miniprogrampage`
    Miniprogrampage {
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

/// A message to send: its content and, optionally, the kf account it is sent as.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Message {
    /// What to send.
    pub content: MessageContent,
    /// Send as this kf account (`prefix@wechat_id`); any kf when absent.
    #[uniffi(default = None)]
    pub kf_account: Option<String>,
}

impl From<Article> for m::Article {
    fn from(a: Article) -> Self {
        m::Article { title: a.title, description: a.description, url: a.url, picurl: a.picurl }
    }
}

impl From<MessageContent> for m::MessageContent {
    fn from(c: MessageContent) -> Self {
        use m::MessageContent as C;
        match c {
            MessageContent::Text { content } => C::Text { content },
            MessageContent::Image { media_id } => C::Image { media_id },
            MessageContent::Voice { media_id } => C::Voice { media_id },
            MessageContent::Video { media_id, thumb_media_id, title, description } => {
                C::Video { media_id, thumb_media_id, title, description }
            }
            MessageContent::Music { title, description, musicurl, hqmusicurl, thumb_media_id } => {
                C::Music { title, description, musicurl, hqmusicurl, thumb_media_id }
            }
            MessageContent::News { articles } => C::News { articles: articles.into_iter().map(Into::into).collect() },
            MessageContent::Mpnews { media_id } => C::MpNews { media_id },
            MessageContent::Mpnewsarticle { article_id } => C::MpNewsArticle { article_id },
            MessageContent::Msgmenu { head_content, list, tail_content } => C::MsgMenu {
                head_content,
                list: list.into_iter().map(|i| m::MenuItem { id: i.id, content: i.content }).collect(),
                tail_content,
            },
            MessageContent::Wxcard { card_id } => C::WxCard { card_id },
            MessageContent::Miniprogrampage { title, appid, pagepath, thumb_media_id } => {
                C::MiniProgramPage { title, appid, pagepath, thumb_media_id }
            }
        }
    }
}

impl From<Message> for wxkf::Message {
    fn from(msg: Message) -> Self {
        wxkf::Message { content: msg.content.into(), kf_account: msg.kf_account }
    }
}

/// Show or hide the typing indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TypingCommand {
    /// Show "typing…" (lasts 15 s).
    Typing,
    /// Hide it.
    CancelTyping,
}

impl From<TypingCommand> for wxkf::api::message::send_typing::TypingCommand {
    fn from(c: TypingCommand) -> Self {
        match c {
            TypingCommand::Typing => Self::Typing,
            TypingCommand::CancelTyping => Self::CancelTyping,
        }
    }
}

/// State of an invitation to bind a kf account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InviteStatus {
    /// Sent, not answered yet.
    Waiting,
    /// The invitee declined.
    Rejected,
    /// Not answered in time.
    Expired,
    /// A state this version does not know.
    Unknown,
}

/// One kf account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KfInfo {
    /// `prefix@wechat_id`.
    pub kf_account: String,
    /// Nickname.
    pub kf_nick: String,
    /// Id (a string: WeChat sends either).
    pub kf_id: String,
    /// Avatar URL.
    pub kf_headimgurl: String,
    /// The bound WeChat id, once an invitation was accepted.
    pub kf_wx: Option<String>,
    /// The invited WeChat id while an invitation is open.
    pub invite_wx: Option<String>,
    /// When the invitation expires (unix seconds).
    pub invite_expire_time: Option<i64>,
    /// State of the invitation.
    pub invite_status: Option<InviteStatus>,
}

impl From<wxkf::api::account::get_kf_list::KfInfo> for KfInfo {
    fn from(k: wxkf::api::account::get_kf_list::KfInfo) -> Self {
        KfInfo {
            kf_account: k.kf_account,
            kf_nick: k.kf_nick,
            kf_id: k.kf_id,
            kf_headimgurl: k.kf_headimgurl,
            kf_wx: k.kf_wx,
            invite_wx: k.invite_wx,
            invite_expire_time: k.invite_expire_time,
            invite_status: k.invite_status.map(|s| match s {
                CoreInviteStatus::Waiting => InviteStatus::Waiting,
                CoreInviteStatus::Rejected => InviteStatus::Rejected,
                CoreInviteStatus::Expired => InviteStatus::Expired,
                CoreInviteStatus::Unknown => InviteStatus::Unknown,
            }),
        }
    }
}

/// One online kf account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KfOnlineInfo {
    /// `prefix@wechat_id`.
    pub kf_account: String,
    /// 1 = online on the web client.
    pub status: i64,
    /// Id, as a string.
    pub kf_id: String,
    /// Sessions being served now.
    pub accepted_case: i64,
}

impl From<wxkf::api::account::get_kf_online_list::KfOnlineInfo> for KfOnlineInfo {
    fn from(k: wxkf::api::account::get_kf_online_list::KfOnlineInfo) -> Self {
        KfOnlineInfo { kf_account: k.kf_account, status: k.status, kf_id: k.kf_id, accepted_case: k.accepted_case }
    }
}

/// Which kf serves a user.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KfSession {
    /// The kf serving the user; absent when the user is in no session.
    pub kf_account: Option<String>,
    /// When the session started (unix seconds; 0 when none).
    pub createtime: i64,
}

impl From<wxkf::api::session::get_kf_session::KfSession> for KfSession {
    fn from(s: wxkf::api::session::get_kf_session::KfSession) -> Self {
        KfSession { kf_account: s.kf_account, createtime: s.createtime }
    }
}

/// One session of a kf.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionItem {
    /// The user's openid.
    pub openid: String,
    /// When the session started (unix seconds).
    pub createtime: i64,
}

impl From<wxkf::api::session::get_kf_session_list::SessionItem> for SessionItem {
    fn from(s: wxkf::api::session::get_kf_session_list::SessionItem) -> Self {
        SessionItem { openid: s.openid, createtime: s.createtime }
    }
}

/// One waiting user.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WaitCase {
    /// The user's openid.
    pub openid: String,
    /// When the user last wrote (unix seconds).
    pub latest_time: i64,
}

/// The waiting queue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WaitCaseList {
    /// How many users wait in total (may exceed the listed 100).
    pub count: i64,
    /// The first users of the queue (at most 100).
    pub waitcaselist: Vec<WaitCase>,
}

impl From<wxkf::api::session::get_wait_case_list::WaitCaseList> for WaitCaseList {
    fn from(w: wxkf::api::session::get_wait_case_list::WaitCaseList) -> Self {
        WaitCaseList {
            count: w.count,
            waitcaselist: w
                .waitcaselist
                .into_iter()
                .map(|c| WaitCase { openid: c.openid, latest_time: c.latest_time })
                .collect(),
        }
    }
}

/// One message record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MsgRecord {
    /// The user's openid.
    pub openid: String,
    /// What happened (1000–1005 session events, 2001–2003 messages).
    pub opercode: i64,
    /// The message text.
    pub text: String,
    /// When (unix seconds).
    pub time: i64,
    /// The kf account involved.
    pub worker: String,
}

impl From<wxkf::api::record::get_msg_list::MsgRecord> for MsgRecord {
    fn from(r: wxkf::api::record::get_msg_list::MsgRecord) -> Self {
        MsgRecord { openid: r.openid, opercode: r.opercode, text: r.text, time: r.time, worker: r.worker }
    }
}

/// One page of records.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MsgListPage {
    /// The records.
    pub recordlist: Vec<MsgRecord>,
    /// How many records this page holds.
    pub number: i64,
    /// The `msgid` to pass for the next page.
    pub msgid: i64,
}

impl From<wxkf::api::record::get_msg_list::MsgListPage> for MsgListPage {
    fn from(p: wxkf::api::record::get_msg_list::MsgListPage) -> Self {
        MsgListPage { recordlist: p.recordlist.into_iter().map(Into::into).collect(), number: p.number, msgid: p.msgid }
    }
}

/// Where a record walk stands; save it to resume later with `Client.resumeMsgRecords`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct RecordCursor {
    /// Start of the current window (unix seconds).
    pub window_start: i64,
    /// End of the whole range (unix seconds, exclusive).
    pub to: i64,
    /// The `msgid` of the next page in the current window.
    pub msgid: i64,
    /// Records of that page already taken.
    pub skip: i64,
}

impl From<wxkf::records::RecordCursor> for RecordCursor {
    fn from(c: wxkf::records::RecordCursor) -> Self {
        RecordCursor { window_start: c.window_start, to: c.to, msgid: c.msgid, skip: c.skip }
    }
}

impl From<RecordCursor> for wxkf::records::RecordCursor {
    fn from(c: RecordCursor) -> Self {
        wxkf::records::RecordCursor { window_start: c.window_start, to: c.to, msgid: c.msgid, skip: c.skip }
    }
}
