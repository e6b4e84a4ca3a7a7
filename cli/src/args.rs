//! Command-line grammar.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// wxkf: the WeChat Official Account customer-service API from the command line.
#[derive(Debug, Parser)]
#[command(name = "wxkf", version, about, propagate_version = true)]
pub struct Cli {
    /// Connection settings.
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Log verbosity (repeat for more: -v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Where to connect and how to get tokens. Flags win over env, env over the config file.
#[derive(Args, Default, Clone)]
pub struct ConnArgs {
    /// AppID.
    #[arg(long, env = "WXKF_APPID", global = true)]
    pub appid: Option<String>,
    /// AppSecret (prefer the env variable: flags show in process lists).
    #[arg(long, env = "WXKF_SECRET", global = true, hide_env_values = true)]
    pub secret: Option<String>,
    /// A ready access token instead of AppID/AppSecret.
    #[arg(long, env = "WXKF_ACCESS_TOKEN", global = true, hide_env_values = true)]
    pub access_token: Option<String>,
    /// API base URL (e.g. the emulator's).
    #[arg(long, env = "WXKF_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Token mode.
    #[arg(long, env = "WXKF_TOKEN_MODE", global = true, value_enum)]
    pub token_mode: Option<TokenMode>,
    /// Share tokens through Redis (redis://host:port).
    #[arg(long, env = "WXKF_REDIS_URL", global = true, hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Config file (TOML with appid, secret, base_url, token_mode, redis_url, budget_mode).
    #[arg(long, env = "WXKF_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// What `send` does when the user's reply budget says WeChat would refuse the message:
    /// `off` (no check, the default), `warn` (log and send), `enforce` (refuse before the
    /// network). Budgets come from the guard store: with --redis-url the one every instance of
    /// the app shares; without it this process's memory, which knows nothing of the user.
    #[arg(long, env = "WXKF_BUDGET_MODE", global = true, value_enum)]
    pub budget_mode: Option<BudgetModeArg>,
}

/// `--budget-mode`.
#[derive(Debug, Clone, Copy, ValueEnum, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BudgetModeArg {
    /// No check.
    Off,
    /// Log and send.
    Warn,
    /// Refuse before the network.
    Enforce,
}

/// What a user did, for `budget --record`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ActionArg {
    /// The user sent a message (5 messages within 48 h).
    Message,
    /// The user clicked a menu (3 within a minute).
    MenuClick,
    /// The user followed the account (3 within a minute).
    Follow,
    /// The user scanned a QR code (3 within a minute).
    Scan,
    /// The user paid (no limit within 48 h; WeChat Pay tells the app, no push does).
    Payment,
}

impl std::fmt::Debug for ConnArgs {
    // The secret, the token and a Redis URL (which may hold a password) are never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "***");
        f.debug_struct("ConnArgs")
            .field("appid", &self.appid)
            .field("secret", &hidden(&self.secret))
            .field("access_token", &hidden(&self.access_token))
            .field("base_url", &self.base_url)
            .field("token_mode", &self.token_mode)
            .field("redis_url", &hidden(&self.redis_url))
            .field("config", &self.config)
            .field("budget_mode", &self.budget_mode)
            .finish()
    }
}

/// How tokens are fetched.
#[derive(Debug, Clone, Copy, ValueEnum, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TokenMode {
    /// `/cgi-bin/stable_token` (default).
    Stable,
    /// `/cgi-bin/token`.
    Classic,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// kf accounts.
    #[command(subcommand)]
    Kf(KfCommand),
    /// Send a message to a user.
    Send(SendArgs),
    /// Show or hide "typing…".
    Typing {
        /// `on` or `off`.
        #[arg(value_enum)]
        state: OnOff,
        /// The user's openid.
        openid: String,
        /// The typing doc's optional `businessid`.
        #[arg(long)]
        businessid: Option<String>,
    },
    /// Sessions and the wait queue.
    #[command(subcommand)]
    Session(SessionCommand),
    /// Message records.
    #[command(subcommand)]
    Records(RecordsCommand),
    /// Fetch a fresh access token with the AppSecret, bypassing the cache (stable or classic
    /// per `--token-mode`); prints it with its lifetime, for tools that need one.
    Token {
        /// Stable mode only: invalidate the current token (WeChat allows about 20 a day).
        #[arg(long)]
        force_refresh: bool,
    },
    /// A user's reply budget: how many kf messages are left and until when (or record what
    /// the user did with --record).
    ///
    /// Read from the client's guard store: with --redis-url the budgets every instance of the
    /// app shares (recorded by their webhooks and counted by their sends). Without --redis-url
    /// the store is this process's memory, which knows only what this process recorded — a
    /// lone `wxkf budget` then shows no window open.
    Budget {
        /// The user's openid.
        openid: String,
        /// Record an action of the user first (opens the window it allows).
        #[arg(long, value_enum)]
        record: Option<ActionArg>,
    },
    /// Run the local WeChat emulator.
    Emulator(EmulatorArgs),
    /// Walk a whole customer-service conversation against an embedded emulator.
    Demo,
}

/// `on` / `off`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OnOff {
    /// Typing.
    On,
    /// CancelTyping.
    Off,
}

/// kf account commands.
#[derive(Debug, Subcommand)]
pub enum KfCommand {
    /// Add a kf account.
    Add {
        /// `prefix@wechat_id`.
        kf_account: String,
        /// Nickname (1-16 characters).
        nickname: String,
    },
    /// Change a nickname.
    Update {
        /// `prefix@wechat_id`.
        kf_account: String,
        /// Nickname (1-16 characters).
        nickname: String,
    },
    /// Delete a kf account.
    Del {
        /// `prefix@wechat_id`.
        kf_account: String,
    },
    /// List all kf accounts.
    List,
    /// List online kf accounts.
    Online,
    /// Invite a WeChat user to bind a kf account.
    Invite {
        /// `prefix@wechat_id`.
        kf_account: String,
        /// The invitee's WeChat id.
        invite_wx: String,
    },
    /// Upload an avatar (JPEG file).
    Head {
        /// `prefix@wechat_id`.
        kf_account: String,
        /// Path of the JPEG.
        image: PathBuf,
    },
}

/// `send` arguments.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The user's openid.
    pub openid: String,
    /// Send as this kf account.
    #[arg(long = "kf")]
    pub kf_account: Option<String>,
    /// The message kind.
    #[command(subcommand)]
    pub kind: SendKind,
}

/// One subcommand per message kind.
#[derive(Debug, Subcommand)]
pub enum SendKind {
    /// Text.
    Text {
        /// The text.
        content: String,
    },
    /// Image by media id.
    Image {
        /// Media id.
        media_id: String,
    },
    /// Voice by media id.
    Voice {
        /// Media id.
        media_id: String,
    },
    /// Video.
    Video {
        /// Media id.
        media_id: String,
        /// Thumbnail media id.
        thumb_media_id: String,
        /// Title.
        #[arg(long, default_value = "")]
        title: String,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Music.
    Music {
        /// Music URL.
        #[arg(long)]
        musicurl: String,
        /// High-quality music URL.
        #[arg(long)]
        hqmusicurl: String,
        /// Thumbnail media id.
        #[arg(long)]
        thumb_media_id: String,
        /// Title.
        #[arg(long, default_value = "")]
        title: String,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// One external article.
    News {
        /// Title.
        #[arg(long)]
        title: String,
        /// Link.
        #[arg(long)]
        url: String,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
        /// Picture URL.
        #[arg(long, default_value = "")]
        picurl: String,
    },
    /// mpnews by media id.
    Mpnews {
        /// Media id.
        media_id: String,
    },
    /// A published article by id.
    Mpnewsarticle {
        /// Article id.
        article_id: String,
    },
    /// A menu: `--item ID:TEXT` once per choice.
    Menu {
        /// Text above the choices.
        #[arg(long, default_value = "")]
        head: String,
        /// A choice, `ID:TEXT`.
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        /// Text below the choices.
        #[arg(long, default_value = "")]
        tail: String,
    },
    /// A card.
    Card {
        /// Card id.
        card_id: String,
    },
    /// A mini-program page.
    Miniprogram {
        /// Title.
        #[arg(long)]
        title: String,
        /// The mini program's AppID (not `--appid`, which is the Official Account's).
        #[arg(long = "miniprogram-appid", id = "miniprogram_appid")]
        appid: String,
        /// Page path.
        #[arg(long)]
        pagepath: String,
        /// Thumbnail media id.
        #[arg(long)]
        thumb_media_id: String,
    },
}

/// Session commands.
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Start a session (the kf must be online).
    Create {
        /// `prefix@wechat_id`.
        kf_account: String,
        /// The user's openid.
        openid: String,
    },
    /// Close a session.
    Close {
        /// `prefix@wechat_id`.
        kf_account: String,
        /// The user's openid.
        openid: String,
    },
    /// Which kf serves a user.
    Get {
        /// The user's openid.
        openid: String,
    },
    /// A kf's sessions.
    List {
        /// `prefix@wechat_id`.
        kf_account: String,
    },
    /// Users waiting for a kf.
    Wait,
}

/// Record commands.
#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// Export every record of a range (streams; constant memory).
    Export(ExportArgs),
    /// One page of one window (`getmsglist` as is: at most 24 h within one China-time day).
    Page {
        /// Window start: `YYYY-MM-DD HH:MM:SS` (China time), RFC 3339, or unix seconds.
        #[arg(long)]
        start: String,
        /// Window end (exclusive), same forms.
        #[arg(long)]
        end: String,
        /// The paging cursor: 1 for the first page, then the `msgid` a page returned.
        #[arg(long, default_value_t = 1)]
        msgid: i64,
        /// Records per page (1-10000).
        #[arg(long, default_value_t = 10000)]
        number: i64,
    },
}

/// Output format of an export.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header.
    Csv,
}

/// `records export` arguments.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Start: `YYYY-MM-DD HH:MM:SS` (China time), RFC 3339, or unix seconds.
    #[arg(long)]
    pub from: String,
    /// End (exclusive), same forms.
    #[arg(long)]
    pub to: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
    /// Output file (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue an interrupted export into `--out` (a `.cursor` file beside it says where).
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// Records per page (1-10000).
    #[arg(long, default_value_t = 10_000)]
    pub page_size: i64,
}

/// `emulator` arguments: passed to the emulator as they are.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Arguments of `wxkf-emulator` (see `wxkf emulator -- --help`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}
