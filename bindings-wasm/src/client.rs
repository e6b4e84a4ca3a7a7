//! `WasmClient`: core's `Client` over `fetch`, every operation through `call` (core's
//! `call_json`), and `WasmRecordWalk`: core's `RecordWalk`, one page per crossing.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use js_sys::Promise;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wxkf::client::{settings_from_json, Client, KvTokenStore, MemoryStore, RecordWalk, TokenProvider, TokenStore};
use wxkf::ops::from_json;
use wxkf::records::{RecordCursor, MAX_PAGE_SIZE};
use wxkf::{ClientConfig, KfError, TokenSource};

use crate::call::{json, promise, view};
use crate::fetch::FetchTransport;
use crate::host::{now_ms, JsClock, JsKv, JsProvider};

type Inner = Client<FetchTransport, Arc<dyn TokenStore>, JsClock>;

/// The wxkf client (wrapped by the JS `Client` class of the package).
#[wasm_bindgen]
pub struct WasmClient {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl WasmClient {
    /// A client from its settings (core's credentials and options as one snake_case JSON
    /// object) and the host objects: token provider, token store and `fetch` (or undefined).
    #[wasm_bindgen(constructor)]
    pub fn new(settings: &str, provider: JsValue, store: JsValue, fetch: JsValue) -> Result<WasmClient, JsValue> {
        Self::build(settings, provider, store, fetch).map_err(view)
    }

    fn build(settings: &str, provider: JsValue, store: JsValue, fetch: JsValue) -> Result<WasmClient, KfError> {
        let (credentials, options) = settings_from_json(settings)?;
        let provider = JsProvider::new(provider)?.map(|p| Arc::new(p) as Arc<dyn TokenProvider>);
        let source = TokenSource::from_mode(credentials.mode(provider.is_some())?, provider)?;
        let config = ClientConfig::from_options(source, &options)?;
        let store: Arc<dyn TokenStore> = match JsKv::new(store)? {
            Some(kv) => Arc::new(KvTokenStore::new(kv, now_ms)),
            None => Arc::new(MemoryStore::new()),
        };
        let transport = FetchTransport::new(fetch, options.timeout_ms)?;
        Ok(WasmClient { inner: Rc::new(Client::new(config, transport, store, JsClock)) })
    }

    /// Runs the operation `name` of core's table with its arguments as JSON; resolves with
    /// the result as JSON.
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

    /// How many tokens this client fetched so far.
    #[wasm_bindgen(js_name = tokenFetches)]
    pub fn token_fetches(&self) -> f64 {
        self.inner.token_fetches() as f64
    }

    /// A record walk from `{from, to, page_size?}` or `{cursor, page_size?}` (JSON).
    #[wasm_bindgen(js_name = msgRecords)]
    pub fn msg_records(&self, options: &str) -> Result<WasmRecordWalk, JsValue> {
        let walk = walk(options).map_err(view)?;
        Ok(WasmRecordWalk { client: self.inner.clone(), walk: Rc::new(RefCell::new(walk)) })
    }
}

/// What `msgRecords` takes: a range in unix seconds or a saved cursor.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WalkOptions {
    from: Option<i64>,
    to: Option<i64>,
    cursor: Option<RecordCursor>,
    page_size: Option<i64>,
}

fn walk(options: &str) -> Result<RecordWalk, KfError> {
    let o: WalkOptions = from_json(options)?;
    let page_size = o.page_size.unwrap_or(MAX_PAGE_SIZE);
    match (o.cursor, o.from, o.to) {
        (Some(cursor), None, None) => RecordWalk::resume(cursor, page_size),
        (None, Some(from), Some(to)) => RecordWalk::new(from, to, page_size),
        (Some(_), _, _) => Err(KfError::validation("cursor", "give a cursor or a range (from, to), not both")),
        (None, None, _) => Err(KfError::validation("from", "is required (or a cursor)")),
        (None, Some(_), None) => Err(KfError::validation("to", "is required (or a cursor)")),
    }
}

/// A walk over every record of a range, one page per call (the JS layer makes it an async
/// iterator that counts the records it hands out).
#[wasm_bindgen]
pub struct WasmRecordWalk {
    client: Rc<Inner>,
    walk: Rc<RefCell<RecordWalk>>,
}

#[wasm_bindgen]
impl WasmRecordWalk {
    /// The next non-empty page as JSON, `[]` at the end. Calls must not overlap.
    #[wasm_bindgen(js_name = nextPage)]
    pub fn next_page(&self, signal: JsValue) -> Promise {
        let (client, shared) = (self.client.clone(), self.walk.clone());
        promise(
            signal,
            Box::pin(async move {
                // A copy walks, so that no borrow is held across the await.
                let mut walk = shared.borrow().clone();
                let page = walk.next_page(&client).await;
                *shared.borrow_mut() = walk;
                json(&page?)
            }),
        )
    }

    /// Where the walk stands once `taken` of the last page's `page_len` records were handed
    /// out, as JSON (`null` when done): resuming from it yields exactly the rest.
    pub fn cursor(&self, taken: usize, page_len: usize) -> String {
        json(&self.walk.borrow().cursor(taken, page_len)).unwrap_or_default()
    }

    /// Pages fetched so far.
    #[wasm_bindgen(js_name = pagesFetched)]
    pub fn pages_fetched(&self) -> f64 {
        self.walk.borrow().pages_fetched() as f64
    }
}
