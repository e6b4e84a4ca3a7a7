//! `WasmClient`: core's `Client` over `fetch`, every operation through `call` (core's
//! `call_json`), and `WasmRecordWalk`: core's `RecordWalk`, one page per crossing.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wxkf::api::record::get_msg_list::MsgListText;
use wxkf::budget::UserAction;
use wxkf::client::{Client, KvTokenStore, RecordWalk, TokenProvider};
use wxkf::ops::{from_json, JsonFields};
use wxkf::records::{RecordCursor, MAX_PAGE_SIZE};
use wxkf::{ClientConfig, ClientOptions, Credentials, GuardOptions, KfError, TokenSource};

use crate::call::{json, promise, view};
use crate::fetch::FetchTransport;
use crate::host::{get, now_ms, JsClock, JsFallback, JsKv, JsProvider};

type Inner = Client<FetchTransport, KvTokenStore<JsKv>, JsClock>;

/// The wxkf client (wrapped by the JS `Client` class of the package).
#[wasm_bindgen]
pub struct WasmClient {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl WasmClient {
    /// A client from core's `Credentials`, `ClientOptions` and `GuardOptions` (JSON) and
    /// `{ tokenProvider?, tokenStore, guardStore?, budgetFallback?, fetch? }`.
    #[wasm_bindgen(constructor)]
    pub fn new(credentials: &str, options: &str, guards: &str, host: JsValue) -> Result<WasmClient, JsValue> {
        Self::build(credentials, options, guards, &host).map_err(view)
    }

    fn build(credentials: &str, options: &str, guards: &str, host: &JsValue) -> Result<WasmClient, KfError> {
        let (credentials, options) = (from_json::<Credentials>(credentials)?, from_json::<ClientOptions>(options)?);
        let provider = JsProvider::new(get(host, "tokenProvider"))?.map(|p| Arc::new(p) as Arc<dyn TokenProvider>);
        let source = TokenSource::from_mode(credentials.mode(provider.is_some())?, provider)?;
        let config =
            ClientConfig::from_options(source, &options)?.guard_options(&from_json::<GuardOptions>(guards)?)?;
        let store = KvTokenStore::new(JsKv::new(get(host, "tokenStore"), "tokenStore")?, now_ms);
        let transport = FetchTransport::new(get(host, "fetch"), options.timeout_ms)?;
        let mut client = Client::new(config, transport, store, JsClock);
        let given = |v: &JsValue| !v.is_undefined() && !v.is_null();
        let guard_store = get(host, "guardStore");
        if given(&guard_store) {
            client = client.with_guard_store(Arc::new(JsKv::new(guard_store, "guardStore")?));
        }
        let fallback = get(host, "budgetFallback");
        if given(&fallback) {
            let f = fallback.dyn_into().map_err(|_| KfError::validation("budgetFallback", "must be a function"))?;
            client = client.with_budget_fallback(Arc::new(JsFallback(f)));
        }
        Ok(WasmClient { inner: Rc::new(client) })
    }

    /// Runs the operation `name` of core's table on its JSON arguments; resolves with JSON.
    pub fn call(&self, name: String, args: String, signal: JsValue) -> Promise {
        let client = self.inner.clone();
        promise(signal, Box::pin(async move { client.call_json(&name, &args).await }))
    }

    /// The current access token as JSON (fetched when needed), for brokers handing tokens out.
    #[wasm_bindgen(js_name = accessToken)]
    pub fn access_token(&self, signal: JsValue) -> Promise {
        let client = self.inner.clone();
        promise(signal, Box::pin(async move { json(client.access_token().await?.expose()) }))
    }

    /// `{openid}`'s reply budget as JSON.
    pub fn budget(&self, args: &str) -> Promise {
        let (client, openid) =
            (self.inner.clone(), JsonFields::parse(args, &["openid"]).and_then(|a| a.required::<String>("openid")));
        promise(JsValue::UNDEFINED, Box::pin(async move { json(&client.budget(&openid?).await?) }))
    }

    /// Records `{openid, action}` (a `UserAction`) in the reply budget.
    #[wasm_bindgen(js_name = recordAction)]
    pub fn record_action(&self, args: &str) -> Promise {
        let client = self.inner.clone();
        let a = JsonFields::parse(args, &["openid", "action"])
            .and_then(|a| Ok::<(String, UserAction), KfError>((a.required("openid")?, a.required("action")?)));
        promise(
            JsValue::UNDEFINED,
            Box::pin(async move {
                let (openid, action) = a?;
                client.record_action(&openid, action).await.map(|()| "null".into())
            }),
        )
    }

    /// Opens a push with `webhook` (`{query, now}` and the body), tells whether it is a retry and
    /// records the user's action in the reply budget: `{push, duplicate}` as JSON.
    #[wasm_bindgen(js_name = acceptPush)]
    pub fn accept_push(&self, webhook: &crate::webhook::WasmWebhook, args: &str, body: &[u8]) -> Promise {
        let (client, opened) = (self.inner.clone(), webhook.open_push(args, body));
        promise(
            JsValue::UNDEFINED,
            Box::pin(async move {
                let accepted = client.accept_opened(opened?).await;
                Ok(format!("{{\"push\":{},\"duplicate\":{}}}", json(&accepted.push)?, accepted.duplicate))
            }),
        )
    }

    /// How many tokens this client fetched so far.
    #[wasm_bindgen(js_name = tokenFetches)]
    pub fn token_fetches(&self) -> f64 {
        self.inner.token_fetches() as f64
    }

    /// A record walk from `{from, to, page_size?}` or `{cursor, page_size?}` (JSON).
    #[wasm_bindgen(js_name = msgRecords)]
    pub fn msg_records(&self, options: &str) -> Result<WasmRecordWalk, JsValue> {
        let walk = walk(options).map_err(view)?;
        Ok(WasmRecordWalk { client: self.inner.clone(), walk: Rc::new(RefCell::new(walk)), page: Rc::default() })
    }
}

/// A walk from `{from, to, page_size?}` (unix seconds) or `{cursor, page_size?}`.
fn walk(options: &str) -> Result<RecordWalk, KfError> {
    let o = JsonFields::parse(options, &["from", "to", "cursor", "page_size"])?;
    let page_size = o.optional("page_size")?.unwrap_or(MAX_PAGE_SIZE);
    match o.optional::<RecordCursor>("cursor")? {
        Some(_) if o.optional::<i64>("from")?.is_some() || o.optional::<i64>("to")?.is_some() => {
            Err(KfError::validation("cursor", "give a cursor or a range (from, to), not both"))
        }
        Some(cursor) => RecordWalk::resume(cursor, page_size),
        None => RecordWalk::new(o.required("from")?, o.required("to")?, page_size),
    }
}

/// The page fetched last, kept as its text: its records are parsed as they cross into JS.
#[derive(Default)]
struct Page {
    text: MsgListText,
    /// Its records once a resume's skip is passed (the walk counts from there).
    len: usize,
}

/// A walk over the records of a range. The page fetched last stays here, in the wasm's
/// memory, as the JSON text it came as, and crosses into JS a batch at a time (`take`), parsed
/// then: a page of 10,000 records never lives parsed at once here, nor becomes one JS string or
/// 10,000 live objects, which V8 would keep until a full GC.
#[wasm_bindgen]
pub struct WasmRecordWalk {
    client: Rc<Inner>,
    walk: Rc<RefCell<RecordWalk>>,
    /// The last page, its records not yet crossed into JS.
    page: Rc<RefCell<Page>>,
}

#[wasm_bindgen]
impl WasmRecordWalk {
    /// Fetches the next non-empty page (the one before must be taken): its length, 0 at the
    /// end. Calls must not overlap.
    pub fn fetch(&self, signal: JsValue) -> Promise {
        let (client, shared, page) = (self.client.clone(), self.walk.clone(), self.page.clone());
        let fetched = async move {
            // The page before lets go of its text before this one arrives.
            *page.borrow_mut() = Page::default();
            // A copy walks, so that no borrow is held across the await.
            let mut walk = shared.borrow().clone();
            let text = walk.next_text_page(&client).await;
            *shared.borrow_mut() = walk;
            let text = text?.unwrap_or_default();
            let len = text.remaining();
            *page.borrow_mut() = Page { text, len };
            Ok(len.to_string())
        };
        promise(signal, Box::pin(fetched))
    }

    /// The JSON array of the page's next `max` records (`[]` once it is all taken).
    pub fn take(&self, max: usize) -> Result<String, JsValue> {
        let next = self.page.borrow_mut().text.take(max).map_err(view)?;
        json(&next).map_err(view)
    }

    /// Where the walk stands when `untaken` of the records that crossed are not handed out
    /// yet, as JSON (`null` when done): resuming from it yields exactly the rest.
    pub fn cursor(&self, untaken: usize) -> String {
        let page = self.page.borrow();
        let crossed = page.len.saturating_sub(page.text.remaining());
        json(&self.walk.borrow().cursor(crossed.saturating_sub(untaken), page.len)).unwrap_or_default()
    }

    /// Pages fetched so far.
    #[wasm_bindgen(js_name = pagesFetched)]
    pub fn pages_fetched(&self) -> f64 {
        self.walk.borrow().pages_fetched() as f64
    }
}
