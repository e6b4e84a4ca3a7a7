//! `WasmClient`: core's `Client` over `fetch`, each operation a Promise-returning method.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use futures_util::future::{select, Either};
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortSignal;
use wxkf::api::message::send_typing::{SendTyping, TypingCommand};
use wxkf::api::record::get_msg_list::MsgRecord;
use wxkf::api::token::{get_access_token::GetAccessToken, get_stable_access_token::GetStableAccessToken};
use wxkf::client::{Client, ClientConfig, MemoryStore, RetryPolicy, TokenSource};
use wxkf::records::{RecordCursor, RecordPager, MAX_PAGE_SIZE};
use wxkf::{KfError, Message, TransportKind};

use crate::convert::{absent, bytes, error_to_js, from_js, get, int, opt_text, text, to_js, unix_secs};
use crate::platform::{FetchTransport, JsClock, JsTokenProvider, JsTokenStore, Store};

type Inner = Client<FetchTransport, Store, JsClock>;

/// Runs `future` as a Promise: `Ok` resolves, `Err` rejects with the error object. With an
/// `AbortSignal`, an abort drops the call (which aborts its `fetch`) and rejects.
fn promise<F>(signal: JsValue, future: F) -> Promise
where
    F: Future<Output = Result<JsValue, KfError>> + 'static,
{
    // Boxed so that the promise and abort plumbing is compiled once, not once per operation
    // (this keeps the wasm small).
    run_promise(signal, Box::pin(future))
}

type CallFuture = Pin<Box<dyn Future<Output = Result<JsValue, KfError>>>>;

fn run_promise(signal: JsValue, future: CallFuture) -> Promise {
    future_to_promise(async move { abortable(signal, future).await.map_err(|e| error_to_js(&e)) })
}

/// The error of a call whose signal fired: `timeout` for `AbortSignal.timeout(ms)` (its
/// reason is a `TimeoutError`), `aborted` otherwise.
fn aborted(signal: &AbortSignal) -> KfError {
    if get(&signal.reason(), "name").as_string().as_deref() == Some("TimeoutError") {
        KfError::transport(TransportKind::Timeout, "the call timed out (its signal fired)")
    } else {
        KfError::transport(TransportKind::Aborted, "the call was aborted by its signal")
    }
}

async fn abortable(signal: JsValue, future: CallFuture) -> Result<JsValue, KfError> {
    if absent(&signal) {
        return future.await;
    }
    let signal: AbortSignal = signal.dyn_into().map_err(|_| KfError::validation("signal", "must be an AbortSignal"))?;
    if signal.aborted() {
        return Err(aborted(&signal));
    }
    let listener: Rc<RefCell<Option<Function>>> = Rc::new(RefCell::new(None));
    let on_abort = Promise::new(&mut |resolve, _reject| {
        let _ = signal.add_event_listener_with_callback("abort", &resolve);
        *listener.borrow_mut() = Some(resolve);
    });
    let outcome = select(future, JsFuture::from(on_abort)).await;
    if let Some(f) = listener.borrow_mut().take() {
        let _ = signal.remove_event_listener_with_callback("abort", &f);
    }
    match outcome {
        Either::Left((result, _)) => result,
        Either::Right(_) => Err(aborted(&signal)),
    }
}

/// Rejects at once (bad arguments found before the call starts).
fn rejected(error: KfError) -> Promise {
    Promise::reject(&error_to_js(&error))
}

fn unit(_: ()) -> Result<JsValue, KfError> {
    Ok(JsValue::NULL)
}

fn retry_policy(options: &JsValue) -> Result<RetryPolicy, KfError> {
    let retry = get(options, "retry");
    if absent(&retry) {
        return Ok(RetryPolicy::default());
    }
    if retry.as_bool() == Some(false) {
        return Ok(RetryPolicy::none());
    }
    if !retry.is_object() {
        return Err(KfError::validation("retry", "must be an object or false"));
    }
    let mut policy = RetryPolicy::default();
    let num = |key: &str| -> Result<Option<u64>, KfError> {
        let v = get(&retry, key);
        if absent(&v) {
            return Ok(None);
        }
        let n = int(&v, &format!("retry.{key}"))?;
        u64::try_from(n).map(Some).map_err(|_| KfError::validation(format!("retry.{key}"), "must not be negative"))
    };
    if let Some(n) = num("maxAttempts")? {
        policy.max_attempts = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    }
    if let Some(n) = num("baseDelayMs")? {
        policy.base_delay_ms = n;
    }
    if let Some(n) = num("maxDelayMs")? {
        policy.max_delay_ms = n;
    }
    if let Some(n) = num("deadlineMs")? {
        policy.deadline_ms = n;
    }
    let writes = get(&retry, "retryWrites");
    if !absent(&writes) {
        policy.retry_writes =
            writes.as_bool().ok_or_else(|| KfError::validation("retry.retryWrites", "must be a boolean"))?;
    }
    Ok(policy)
}

fn token_source(options: &JsValue) -> Result<TokenSource, KfError> {
    let provider = get(options, "tokenProvider");
    let fixed = opt_text(&get(options, "accessToken"), "accessToken")?;
    let secret = opt_text(&get(options, "appSecret"), "appSecret")?;
    let given = [!absent(&provider), fixed.is_some(), secret.is_some()].iter().filter(|g| **g).count();
    if given > 1 {
        return Err(KfError::validation("appSecret", "give only one of appSecret, tokenProvider and accessToken"));
    }
    if !absent(&provider) {
        let function: Function =
            provider.dyn_into().map_err(|_| KfError::validation("tokenProvider", "must be a function"))?;
        return Ok(TokenSource::Provider(std::sync::Arc::new(JsTokenProvider { function })));
    }
    if let Some(token) = fixed {
        if token.is_empty() {
            return Err(KfError::validation("accessToken", "must not be empty"));
        }
        return Ok(TokenSource::Fixed(token.into()));
    }
    let appid = opt_text(&get(options, "appId"), "appId")?.unwrap_or_default();
    let Some(secret) = secret else {
        return Err(KfError::validation("appSecret", "is required unless tokenProvider or accessToken is given"));
    };
    match opt_text(&get(options, "token"), "token")?.as_deref() {
        None | Some("stable") => Ok(TokenSource::Stable { appid, secret: secret.into() }),
        Some("classic") => Ok(TokenSource::Classic { appid, secret: secret.into() }),
        Some(_) => Err(KfError::validation("token", "must be \"stable\" or \"classic\"")),
    }
}

/// The wxkf client (wrapped by the JS `Client` class of the package).
#[wasm_bindgen]
pub struct WasmClient {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl WasmClient {
    /// A client from the options object documented in `index.d.ts`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WasmClient, JsValue> {
        Self::build(&options).map_err(|e| error_to_js(&e))
    }

    fn build(options: &JsValue) -> Result<WasmClient, KfError> {
        if !options.is_object() {
            return Err(KfError::validation("options", "must be an object"));
        }
        let mut config = ClientConfig::with_source(token_source(options)?).retry(retry_policy(options)?);
        if let Some(base) = opt_text(&get(options, "baseUrl"), "baseUrl")? {
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                return Err(KfError::validation("baseUrl", "must start with http:// or https://"));
            }
            config = config.base_url(base.trim_end_matches('/'));
        }
        let fetch = get(options, "fetch");
        let fetch = if absent(&fetch) {
            None
        } else {
            Some(fetch.dyn_into::<Function>().map_err(|_| KfError::validation("fetch", "must be a function"))?)
        };
        let store_option = get(options, "tokenStore");
        let store = if absent(&store_option) {
            Store::Memory(MemoryStore::new())
        } else {
            Store::Js(JsTokenStore::new(store_option)?)
        };
        let client = Client::new(config, FetchTransport { fetch }, store, JsClock);
        Ok(WasmClient { inner: Rc::new(client) })
    }

    /// How many tokens this client fetched so far.
    #[wasm_bindgen(js_name = tokenFetches)]
    pub fn token_fetches(&self) -> f64 {
        self.inner.token_fetches() as f64
    }

    /// The current access token (fetched when needed), for brokers handing tokens out.
    #[wasm_bindgen(js_name = accessToken)]
    pub fn access_token(&self, signal: JsValue) -> Promise {
        let c = self.inner.clone();
        promise(signal, async move { c.access_token().await.map(|t| JsValue::from_str(t.expose())) })
    }

    /// Calls WeChat's token endpoint directly, without the cache (`get_access_token` or
    /// `get_stable_access_token`, e.g. to force-refresh a leaked stable token).
    #[wasm_bindgen(js_name = requestAccessToken)]
    pub fn request_access_token(&self, credentials: JsValue, signal: JsValue) -> Promise {
        let parsed = (|| {
            if !credentials.is_object() {
                return Err(KfError::validation("credentials", "must be an object"));
            }
            let appid = opt_text(&get(&credentials, "appId"), "appId")?.unwrap_or_default();
            let secret = opt_text(&get(&credentials, "appSecret"), "appSecret")?.unwrap_or_default();
            let force = get(&credentials, "forceRefresh");
            let force = if absent(&force) {
                false
            } else {
                force.as_bool().ok_or_else(|| KfError::validation("forceRefresh", "must be a boolean"))?
            };
            let classic = match opt_text(&get(&credentials, "token"), "token")?.as_deref() {
                None | Some("stable") => false,
                Some("classic") => true,
                Some(_) => return Err(KfError::validation("token", "must be \"stable\" or \"classic\"")),
            };
            if classic && force {
                return Err(KfError::validation("forceRefresh", "only the stable token can be force-refreshed"));
            }
            Ok((appid, secret, classic, force))
        })();
        let (appid, secret, classic, force_refresh) = match parsed {
            Ok(p) => p,
            Err(e) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move {
            let secret = secret.into();
            let response = if classic {
                c.execute(&GetAccessToken { appid, secret }).await?
            } else {
                c.execute(&GetStableAccessToken { appid, secret, force_refresh }).await?
            };
            to_js(&response)
        })
    }

    /// `add_kf_account`.
    #[wasm_bindgen(js_name = addKfAccount)]
    pub fn add_kf_account(&self, kf_account: JsValue, nickname: JsValue, signal: JsValue) -> Promise {
        let (a, n) = match (text(&kf_account, "kf_account"), text(&nickname, "nickname")) {
            (Ok(a), Ok(n)) => (a, n),
            (Err(e), _) | (_, Err(e)) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move { c.add_kf_account(&a, &n).await.and_then(unit) })
    }

    /// `update_kf_account`.
    #[wasm_bindgen(js_name = updateKfAccount)]
    pub fn update_kf_account(&self, kf_account: JsValue, nickname: JsValue, signal: JsValue) -> Promise {
        let (a, n) = match (text(&kf_account, "kf_account"), text(&nickname, "nickname")) {
            (Ok(a), Ok(n)) => (a, n),
            (Err(e), _) | (_, Err(e)) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move { c.update_kf_account(&a, &n).await.and_then(unit) })
    }

    /// `del_kf_account`.
    #[wasm_bindgen(js_name = delKfAccount)]
    pub fn del_kf_account(&self, kf_account: JsValue, signal: JsValue) -> Promise {
        let a = match text(&kf_account, "kf_account") {
            Ok(a) => a,
            Err(e) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move { c.del_kf_account(&a).await.and_then(unit) })
    }

    /// `get_kf_list`.
    #[wasm_bindgen(js_name = getKfList)]
    pub fn get_kf_list(&self, signal: JsValue) -> Promise {
        let c = self.inner.clone();
        promise(signal, async move { to_js(&c.get_kf_list().await?) })
    }

    /// `get_kf_online_list`.
    #[wasm_bindgen(js_name = getKfOnlineList)]
    pub fn get_kf_online_list(&self, signal: JsValue) -> Promise {
        let c = self.inner.clone();
        promise(signal, async move { to_js(&c.get_kf_online_list().await?) })
    }

    /// `invite_worker`.
    #[wasm_bindgen(js_name = inviteWorker)]
    pub fn invite_worker(&self, kf_account: JsValue, invite_wx: JsValue, signal: JsValue) -> Promise {
        let (a, w) = match (text(&kf_account, "kf_account"), text(&invite_wx, "invite_wx")) {
            (Ok(a), Ok(w)) => (a, w),
            (Err(e), _) | (_, Err(e)) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move { c.invite_worker(&a, &w).await.and_then(unit) })
    }

    /// `upload_kf_head_img` (JPEG bytes as a `Uint8Array` or `ArrayBuffer`).
    #[wasm_bindgen(js_name = uploadKfHeadImg)]
    pub fn upload_kf_head_img(&self, kf_account: JsValue, image: JsValue, signal: JsValue) -> Promise {
        let (a, img) = match (text(&kf_account, "kf_account"), bytes(&image, "image")) {
            (Ok(a), Ok(i)) => (a, i),
            (Err(e), _) | (_, Err(e)) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move { c.upload_kf_head_img(&a, img).await.and_then(unit) })
    }

    /// `send_message`: `message` is `{ <msgtype>: {...payload}, kf_account? }`.
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(&self, touser: JsValue, message: JsValue, signal: JsValue) -> Promise {
        let (t, m) = match (text(&touser, "touser"), from_js::<Message>(message, "message")) {
            (Ok(t), Ok(m)) => (t, m),
            (Err(e), _) | (_, Err(e)) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move { c.send_message(&t, m).await.and_then(unit) })
    }

    /// `send_typing`: `command` is `"Typing"` or `"CancelTyping"`; `businessid` optional.
    #[wasm_bindgen(js_name = sendTyping)]
    pub fn send_typing(&self, touser: JsValue, command: JsValue, businessid: JsValue, signal: JsValue) -> Promise {
        let (t, cmd) = match (text(&touser, "touser"), from_js::<TypingCommand>(command, "command")) {
            (Ok(t), Ok(c)) => (t, c),
            (Err(e), _) | (_, Err(e)) => return rejected(e),
        };
        let id = match opt_text(&businessid, "businessid") {
            Ok(id) => id,
            Err(e) => return rejected(e),
        };
        let c = self.inner.clone();
        let request = SendTyping { touser: t, command: cmd, businessid: id };
        promise(signal, async move { c.execute(&request).await.and_then(unit) })
    }

    /// `create_kf_session`.
    #[wasm_bindgen(js_name = createKfSession)]
    pub fn create_kf_session(&self, kf_account: JsValue, openid: JsValue, signal: JsValue) -> Promise {
        let (a, o) = match (text(&kf_account, "kf_account"), text(&openid, "openid")) {
            (Ok(a), Ok(o)) => (a, o),
            (Err(e), _) | (_, Err(e)) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move { c.create_kf_session(&a, &o).await.and_then(unit) })
    }

    /// `close_kf_session`.
    #[wasm_bindgen(js_name = closeKfSession)]
    pub fn close_kf_session(&self, kf_account: JsValue, openid: JsValue, signal: JsValue) -> Promise {
        let (a, o) = match (text(&kf_account, "kf_account"), text(&openid, "openid")) {
            (Ok(a), Ok(o)) => (a, o),
            (Err(e), _) | (_, Err(e)) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move { c.close_kf_session(&a, &o).await.and_then(unit) })
    }

    /// `get_kf_session`.
    #[wasm_bindgen(js_name = getKfSession)]
    pub fn get_kf_session(&self, openid: JsValue, signal: JsValue) -> Promise {
        let o = match text(&openid, "openid") {
            Ok(o) => o,
            Err(e) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move { to_js(&c.get_kf_session(&o).await?) })
    }

    /// `get_kf_session_list`.
    #[wasm_bindgen(js_name = getKfSessionList)]
    pub fn get_kf_session_list(&self, kf_account: JsValue, signal: JsValue) -> Promise {
        let a = match text(&kf_account, "kf_account") {
            Ok(a) => a,
            Err(e) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move { to_js(&c.get_kf_session_list(&a).await?) })
    }

    /// `get_wait_case_list`.
    #[wasm_bindgen(js_name = getWaitCaseList)]
    pub fn get_wait_case_list(&self, signal: JsValue) -> Promise {
        let c = self.inner.clone();
        promise(signal, async move { to_js(&c.get_wait_case_list().await?) })
    }

    /// `get_msg_list`: one page, `{ starttime, endtime, msgid, number }`.
    #[wasm_bindgen(js_name = getMsgList)]
    pub fn get_msg_list(&self, query: JsValue, signal: JsValue) -> Promise {
        let field = |k: &str| int(&get(&query, k), k);
        let args = (|| Ok::<_, KfError>((field("starttime")?, field("endtime")?, field("msgid")?, field("number")?)))();
        let (s, e, m, n) = match args {
            Ok(a) => a,
            Err(e) => return rejected(e),
        };
        let c = self.inner.clone();
        promise(signal, async move { to_js(&c.get_msg_list(s, e, m, n).await?) })
    }

    /// Starts a record walk over `{ from, to }` (or `{ cursor }`), with `pageSize` records a page.
    #[wasm_bindgen(js_name = msgRecords)]
    pub fn msg_records(&self, options: JsValue) -> Result<RecordWalk, JsValue> {
        RecordWalk::new(self.inner.clone(), &options).map_err(|e| error_to_js(&e))
    }
}

struct WalkState {
    pager: RecordPager,
    /// Cursor of the page last returned (with the records dropped from it on resume).
    page_cursor: Option<RecordCursor>,
    /// Records to drop from the first page after a resume.
    skip: i64,
    pages: u64,
}

/// A walk over every record of a range, page by page (the JS layer makes it an async iterator).
#[wasm_bindgen]
pub struct RecordWalk {
    client: Rc<Inner>,
    state: Rc<RefCell<WalkState>>,
}

impl RecordWalk {
    fn new(client: Rc<Inner>, options: &JsValue) -> Result<RecordWalk, KfError> {
        if !options.is_object() {
            return Err(KfError::validation("options", "must be an object"));
        }
        let size = get(options, "pageSize");
        let page_size = if absent(&size) { MAX_PAGE_SIZE } else { int(&size, "pageSize")? };
        let cursor = get(options, "cursor");
        let (pager, skip) = if absent(&cursor) {
            let from = unix_secs(&get(options, "from"), "from")?;
            let to = unix_secs(&get(options, "to"), "to")?;
            (RecordPager::new(from, to, page_size)?, 0)
        } else {
            let cursor: RecordCursor = from_js(cursor, "cursor")?;
            if cursor.skip < 0 {
                return Err(KfError::validation("cursor.skip", "must not be negative"));
            }
            (RecordPager::resume(cursor, page_size)?, cursor.skip)
        };
        let state = WalkState { pager, page_cursor: None, skip, pages: 0 };
        Ok(RecordWalk { client, state: Rc::new(RefCell::new(state)) })
    }
}

#[wasm_bindgen]
impl RecordWalk {
    /// The next non-empty page of records, or an empty array at the end. Calls must not overlap.
    #[wasm_bindgen(js_name = nextPage)]
    pub fn next_page(&self, signal: JsValue) -> Promise {
        let client = self.client.clone();
        let state = self.state.clone();
        promise(signal, async move {
            loop {
                let (request, cursor) = {
                    let s = state.borrow();
                    match s.pager.next_request() {
                        Some(r) => (r, s.pager.cursor()),
                        None => return Ok(Array::new().into()),
                    }
                };
                let page = client.execute(&request).await?;
                let mut s = state.borrow_mut();
                s.pager.advance(&page)?;
                s.pages += 1;
                let skip = std::mem::take(&mut s.skip);
                s.page_cursor = cursor.map(|c| RecordCursor { skip, ..c });
                let drop = usize::try_from(skip).unwrap_or(usize::MAX).min(page.recordlist.len());
                let records: Vec<MsgRecord> = page.recordlist.into_iter().skip(drop).collect();
                if !records.is_empty() {
                    return to_js(&records);
                }
            }
        })
    }

    /// Where the walk stands after `taken` records of the last page: resuming from it yields
    /// exactly the records not yet taken (`null` when the walk is done).
    pub fn cursor(&self, taken: f64, page_left: bool) -> Result<JsValue, JsValue> {
        let s = self.state.borrow();
        let cursor = match s.page_cursor {
            Some(c) if page_left => Some(RecordCursor { skip: c.skip + taken.max(0.0) as i64, ..c }),
            _ => s.pager.cursor(),
        };
        to_js(&cursor).map_err(|e| error_to_js(&e))
    }

    /// Pages fetched so far.
    #[wasm_bindgen(js_name = pagesFetched)]
    pub fn pages_fetched(&self) -> f64 {
        self.state.borrow().pages as f64
    }
}
