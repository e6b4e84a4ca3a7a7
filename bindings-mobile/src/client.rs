//! The exported `Client`: every operation of the names table as an async method (Kotlin
//! `suspend fun`, Swift `async throws`), over the host's transport.

use std::sync::Arc;

use wxkf::api::token::get_stable_access_token::GetStableAccessToken;
use wxkf::client::{MemoryStore, TokenSource};
use wxkf::{ClientConfig, RetryPolicy, Secret};

use crate::error::{validation, KfError};
use crate::host::{AccessToken, ClockImpl, HostClock, HttpTransport, ProviderAdapter, TokenProvider, TransportAdapter};
use crate::types::{
    KfInfo, KfOnlineInfo, KfSession, Message, MsgListPage, MsgRecord, RecordCursor, SessionItem, TypingCommand,
    WaitCaseList,
};

type CoreClient = wxkf::Client<TransportAdapter, MemoryStore, ClockImpl>;

/// Client settings besides the token source and the transport. Every field has a default.
#[derive(uniffi::Record)]
pub struct ClientOptions {
    /// WeChat's base URL (the emulator's in tests).
    #[uniffi(default = "https://api.weixin.qq.com")]
    pub base_url: String,
    /// Attempts in all for a read (1 = no retry). Token errors always get one refresh + retry.
    #[uniffi(default = 3)]
    pub max_attempts: u32,
    /// First backoff delay.
    #[uniffi(default = 100)]
    pub base_delay_ms: u64,
    /// Largest backoff delay.
    #[uniffi(default = 2000)]
    pub max_delay_ms: u64,
    /// No retry starts after this many milliseconds since the call began.
    #[uniffi(default = 15000)]
    pub deadline_ms: u64,
    /// Also retry writes after timeouts, resets, 5xx and `-1` (a retried send may reach the
    /// user twice: opt in only when that is acceptable).
    #[uniffi(default = false)]
    pub retry_writes: bool,
    /// The host's clock; the system clock when absent.
    #[uniffi(default = None)]
    pub clock: Option<Arc<dyn HostClock>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        let retry = RetryPolicy::default();
        ClientOptions {
            base_url: wxkf::DEFAULT_BASE_URL.to_string(),
            max_attempts: retry.max_attempts,
            base_delay_ms: retry.base_delay_ms,
            max_delay_ms: retry.max_delay_ms,
            deadline_ms: retry.deadline_ms,
            retry_writes: retry.retry_writes,
            clock: None,
        }
    }
}

/// The wxkf client. Build it with one of the token modes:
/// `withTokenProvider` (mobile apps: tokens from your back end), `withFixedToken`, or — on a
/// server only, never in an app — `withStableToken` / `withClassicToken` (they hold the AppSecret).
#[derive(uniffi::Object)]
pub struct Client {
    core: Arc<CoreClient>,
    stable: Option<(String, Secret)>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("core", &self.core).finish_non_exhaustive()
    }
}

impl Client {
    fn build(
        source: impl FnOnce(&ClockImpl) -> TokenSource,
        transport: Arc<dyn HttpTransport>,
        options: Option<ClientOptions>,
        stable: Option<(String, Secret)>,
    ) -> Result<Arc<Self>, KfError> {
        let o = options.unwrap_or_default();
        // Non-empty and at most 64 KiB (a 10 MB base URL would be sent with every request).
        wxkf::validate::required("base_url", &o.base_url)?;
        if !(o.base_url.starts_with("http://") || o.base_url.starts_with("https://")) {
            return Err(validation("base_url", "must start with http:// or https://"));
        }
        if o.max_attempts == 0 {
            return Err(validation("max_attempts", "must be at least 1"));
        }
        let clock = o.clock.clone().map_or(ClockImpl::System, ClockImpl::Host);
        let retry = RetryPolicy {
            max_attempts: o.max_attempts,
            base_delay_ms: o.base_delay_ms,
            max_delay_ms: o.max_delay_ms,
            deadline_ms: o.deadline_ms,
            retry_writes: o.retry_writes,
        };
        let config = ClientConfig::with_source(source(&clock)).base_url(o.base_url).retry(retry);
        let core = wxkf::Client::new(config, TransportAdapter(transport), MemoryStore::new(), clock);
        Ok(Arc::new(Client { core: Arc::new(core), stable }))
    }
}

/// Non-empty and at most `wxkf::validate::MAX_FIELD_BYTES` (core's rule for every field).
fn required(field: &str, value: &str) -> Result<(), KfError> {
    Ok(wxkf::validate::required(field, value)?)
}

#[uniffi::export]
impl Client {
    /// Tokens from the host's broker (your back end): the mode for mobile apps.
    #[uniffi::constructor(default(options = None))]
    pub fn with_token_provider(
        provider: Arc<dyn TokenProvider>,
        transport: Arc<dyn HttpTransport>,
        options: Option<ClientOptions>,
    ) -> Result<Arc<Self>, KfError> {
        Self::build(
            |clock| TokenSource::Provider(Arc::new(ProviderAdapter { provider, clock: clock.clone() })),
            transport,
            options,
            None,
        )
    }

    /// A fixed access token, never refreshed (a token error is returned as is).
    #[uniffi::constructor(default(options = None))]
    pub fn with_fixed_token(
        access_token: String,
        transport: Arc<dyn HttpTransport>,
        options: Option<ClientOptions>,
    ) -> Result<Arc<Self>, KfError> {
        required("access_token", &access_token)?;
        Self::build(|_| TokenSource::Fixed(Secret::new(access_token)), transport, options, None)
    }

    /// SERVER-SIDE ONLY (back-office tools): stable tokens fetched with the AppSecret. Never
    /// ship an AppSecret in an app; use `withTokenProvider` there.
    #[uniffi::constructor(default(options = None))]
    pub fn with_stable_token(
        appid: String,
        secret: String,
        transport: Arc<dyn HttpTransport>,
        options: Option<ClientOptions>,
    ) -> Result<Arc<Self>, KfError> {
        let secret = Secret::new(secret);
        let kept = Some((appid.clone(), secret.clone()));
        Self::build(|_| TokenSource::Stable { appid, secret }, transport, options, kept)
    }

    /// SERVER-SIDE ONLY: classic tokens (each fetch replaces the previous token; run a single
    /// instance or prefer `withStableToken`).
    #[uniffi::constructor(default(options = None))]
    pub fn with_classic_token(
        appid: String,
        secret: String,
        transport: Arc<dyn HttpTransport>,
        options: Option<ClientOptions>,
    ) -> Result<Arc<Self>, KfError> {
        Self::build(|_| TokenSource::Classic { appid, secret: Secret::new(secret) }, transport, options, None)
    }

    /// The current access token (fetched once if needed, then cached until 5 minutes before
    /// it expires). For hosts that hand it on; never log it.
    pub async fn access_token(&self) -> Result<String, KfError> {
        Ok(self.core.access_token().await?.expose().to_string())
    }

    /// How many tokens this client fetched (from WeChat or the provider) so far.
    pub fn token_fetches(&self) -> u64 {
        self.core.token_fetches()
    }

    /// Stable-token clients only: calls `/cgi-bin/stable_token` directly, with
    /// `force_refresh` as given (rate limited to about 20 a day). The result is not cached:
    /// once WeChat rejects the cached token, the client refreshes it by itself.
    pub async fn fetch_stable_access_token(&self, force_refresh: bool) -> Result<Arc<AccessToken>, KfError> {
        let Some((appid, secret)) = &self.stable else {
            return Err(validation("token_source", "fetchStableAccessToken needs a client built withStableToken"));
        };
        let request = GetStableAccessToken { appid: appid.clone(), secret: secret.clone(), force_refresh };
        let response = self.core.execute(&request).await?;
        Ok(AccessToken::new(response.access_token.expose().to_string(), response.expires_in))
    }

    /// Adds a kf account (`prefix@wechat_id`, nickname 1–16 characters).
    pub async fn add_kf_account(&self, kf_account: String, nickname: String) -> Result<(), KfError> {
        Ok(self.core.add_kf_account(&kf_account, &nickname).await?)
    }

    /// Changes a kf account's nickname.
    pub async fn update_kf_account(&self, kf_account: String, nickname: String) -> Result<(), KfError> {
        Ok(self.core.update_kf_account(&kf_account, &nickname).await?)
    }

    /// Deletes a kf account.
    pub async fn del_kf_account(&self, kf_account: String) -> Result<(), KfError> {
        Ok(self.core.del_kf_account(&kf_account).await?)
    }

    /// Lists every kf account.
    pub async fn get_kf_list(&self) -> Result<Vec<KfInfo>, KfError> {
        Ok(self.core.get_kf_list().await?.into_iter().map(Into::into).collect())
    }

    /// Lists the kf accounts online now.
    pub async fn get_kf_online_list(&self) -> Result<Vec<KfOnlineInfo>, KfError> {
        Ok(self.core.get_kf_online_list().await?.into_iter().map(Into::into).collect())
    }

    /// Invites a WeChat user to bind a kf account.
    pub async fn invite_worker(&self, kf_account: String, invite_wx: String) -> Result<(), KfError> {
        Ok(self.core.invite_worker(&kf_account, &invite_wx).await?)
    }

    /// Uploads a kf account's avatar (JPEG bytes; 640×640 recommended).
    pub async fn upload_kf_head_img(&self, kf_account: String, image: Vec<u8>) -> Result<(), KfError> {
        Ok(self.core.upload_kf_head_img(&kf_account, image).await?)
    }

    /// Sends a message to a user (within 48 hours of their last interaction).
    pub async fn send_message(&self, touser: String, message: Message) -> Result<(), KfError> {
        Ok(self.core.send_message(&touser, wxkf::Message::from(message)).await?)
    }

    /// Shows (`TYPING`) or hides (`CANCEL_TYPING`) the typing indicator; `businessid` is the
    /// typing doc's optional field, sent only when set.
    #[uniffi::method(default(businessid = None))]
    pub async fn send_typing(
        &self,
        touser: String,
        command: TypingCommand,
        businessid: Option<String>,
    ) -> Result<(), KfError> {
        let command = wxkf::api::message::send_typing::TypingCommand::from(command);
        Ok(self.core.execute(&wxkf::api::message::send_typing::SendTyping { touser, command, businessid }).await?)
    }

    /// Starts a session between an online kf and a user.
    pub async fn create_kf_session(&self, kf_account: String, openid: String) -> Result<(), KfError> {
        Ok(self.core.create_kf_session(&kf_account, &openid).await?)
    }

    /// Closes a kf's session with a user.
    pub async fn close_kf_session(&self, kf_account: String, openid: String) -> Result<(), KfError> {
        Ok(self.core.close_kf_session(&kf_account, &openid).await?)
    }

    /// Which kf serves a user, if any.
    pub async fn get_kf_session(&self, openid: String) -> Result<KfSession, KfError> {
        Ok(self.core.get_kf_session(&openid).await?.into())
    }

    /// The users a kf is serving.
    pub async fn get_kf_session_list(&self, kf_account: String) -> Result<Vec<SessionItem>, KfError> {
        Ok(self.core.get_kf_session_list(&kf_account).await?.into_iter().map(Into::into).collect())
    }

    /// The users waiting for a kf (`count` is the total; at most 100 listed).
    pub async fn get_wait_case_list(&self) -> Result<WaitCaseList, KfError> {
        Ok(self.core.get_wait_case_list().await?.into())
    }

    /// One page of message records of one window (≤ 24 h within one China-time day; the first
    /// page uses msgid 1). `msgRecords` walks whole ranges.
    pub async fn get_msg_list(
        &self,
        starttime: i64,
        endtime: i64,
        msgid: i64,
        number: i64,
    ) -> Result<MsgListPage, KfError> {
        Ok(self.core.get_msg_list(starttime, endtime, msgid, number).await?.into())
    }

    /// Every record of `[from, to)` (unix seconds), split by China-time day and paged by msgid:
    /// pull pages with `nextPage()` until it returns an empty list.
    #[uniffi::method(default(page_size = 10000))]
    pub fn msg_records(self: Arc<Self>, from: i64, to: i64, page_size: i64) -> Result<Arc<MsgRecords>, KfError> {
        let cursor = self.core.iter_msg_records_paged(from, to, page_size)?.cursor();
        Ok(Arc::new(MsgRecords::new(self, cursor, page_size)))
    }

    /// Continues a record walk from a cursor saved with `MsgRecords.cursor()`.
    #[uniffi::method(default(page_size = 10000))]
    pub fn resume_msg_records(
        self: Arc<Self>,
        cursor: RecordCursor,
        page_size: i64,
    ) -> Result<Arc<MsgRecords>, KfError> {
        // Validates the cursor and the page size before anything is sent.
        let start = self.core.resume_msg_records(cursor.into(), page_size)?.cursor();
        Ok(Arc::new(MsgRecords::new(self, start, page_size)))
    }
}

struct WalkState {
    cursor: Option<wxkf::records::RecordCursor>,
    pages: u64,
}

/// A walk over the message records of a range, page by page (the async iterator of
/// `Client.msgRecords`). Resumable: save `cursor()` and pass it to `Client.resumeMsgRecords`.
#[derive(uniffi::Object)]
pub struct MsgRecords {
    client: Arc<Client>,
    page_size: i64,
    state: async_lock::Mutex<WalkState>,
}

impl std::fmt::Debug for MsgRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MsgRecords").field("page_size", &self.page_size).finish_non_exhaustive()
    }
}

impl MsgRecords {
    fn new(client: Arc<Client>, cursor: Option<wxkf::records::RecordCursor>, page_size: i64) -> Self {
        MsgRecords { client, page_size, state: async_lock::Mutex::new(WalkState { cursor, pages: 0 }) }
    }
}

#[uniffi::export]
impl MsgRecords {
    /// The next non-empty page of records, or an empty list at the end. On an error the walk
    /// stays where it was: calling again retries the same page.
    pub async fn next_page(&self) -> Result<Vec<MsgRecord>, KfError> {
        let mut state = self.state.lock().await;
        let Some(cursor) = state.cursor else {
            return Ok(Vec::new());
        };
        // Core's resumable stream does the windowing and paging; each call resumes it from the
        // saved cursor, so this object holds no borrowed state across calls.
        let mut stream = self.client.core.resume_msg_records(cursor, self.page_size)?;
        let page = stream.next_page().await?;
        state.pages += stream.pages_fetched();
        state.cursor = stream.cursor();
        Ok(page.into_iter().map(Into::into).collect())
    }

    /// Where the walk stands (`null`/`nil` once it is complete).
    pub async fn cursor(&self) -> Option<RecordCursor> {
        self.state.lock().await.cursor.map(Into::into)
    }

    /// Pages fetched so far (empty pages of quiet days included).
    pub async fn pages_fetched(&self) -> u64 {
        self.state.lock().await.pages
    }
}
