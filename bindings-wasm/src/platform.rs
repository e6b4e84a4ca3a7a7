//! What the JS runtime plugs into core's `Client`: `fetch`, the clock, a JS token store and
//! a JS token provider.

use std::cell::Cell;

use async_trait::async_trait;
use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit, Response};
use wxkf::client::{CachedToken, Clock, MemoryStore, TokenProvider, TokenStore, Transport};
use wxkf::{HttpRequest, HttpResponse, KfError, TransportKind};

use crate::convert::{absent, from_js, get, set, to_js};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = globalThis, js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = globalThis, js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
}

/// Awaits a value that may be a promise (or any thenable), like JS `await`.
pub(crate) async fn settle(value: &JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(Promise::resolve(value)).await
}

/// The `message` (and `name`) of a thrown JS value, for error text.
pub(crate) fn js_error_text(error: &JsValue) -> String {
    let name = get(error, "name").as_string();
    let message = get(error, "message").as_string().or_else(|| error.as_string());
    match (name, message) {
        (Some(n), Some(m)) => format!("{n}: {m}"),
        (None, Some(m)) => m,
        (Some(n), None) => n,
        (None, None) => "unknown error".to_string(),
    }
}

/// HTTP through the runtime's `fetch` (or one given in the options).
pub(crate) struct FetchTransport {
    pub(crate) fetch: Option<Function>,
}

/// Aborts the in-flight `fetch` when the call is dropped (an aborted `signal`).
struct AbortOnDrop {
    controller: Option<AbortController>,
    done: Cell<bool>,
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let (Some(c), false) = (&self.controller, self.done.get()) {
            c.abort();
        }
    }
}

/// Connection errors (Node's undici `cause.code`) that prove nothing was sent.
const CONNECT_CODES: [&str; 6] =
    ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"];
const RESET_CODES: [&str; 4] = ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE", "UND_ERR_CLOSED"];

/// Classifies a rejected `fetch`. The text names the error and code, never the URL (its
/// query holds the access token).
fn fetch_error(error: &JsValue, request: &HttpRequest) -> KfError {
    let name = get(error, "name").as_string().unwrap_or_default();
    let message = get(error, "message").as_string().unwrap_or_default();
    let cause = get(error, "cause");
    let code = get(&cause, "code").as_string().unwrap_or_default();
    let cause_message = get(&cause, "message").as_string().unwrap_or_default();
    let lower = format!("{message} {cause_message}").to_ascii_lowercase();
    let kind = if name == "AbortError" {
        TransportKind::Aborted
    } else if name == "TimeoutError" {
        TransportKind::Timeout
    } else if CONNECT_CODES.contains(&code.as_str()) || lower.contains("connection refused") {
        TransportKind::Connect
    } else if RESET_CODES.contains(&code.as_str())
        || lower.contains("connection reset")
        || lower.contains("connection closed")
        || lower.contains("network connection lost")
        || lower.contains("other side closed")
    {
        TransportKind::Reset
    } else {
        TransportKind::Other
    };
    let detail = if code.is_empty() { name } else { format!("{name} {code}") };
    KfError::transport(kind, format!("{} {} failed: {detail}", request.method.as_str(), request.redacted_url()))
}

fn not_sent(what: &str, error: &JsValue) -> KfError {
    KfError::transport(TransportKind::NotSent, format!("{what}: {}", js_error_text(error)))
}

#[async_trait(?Send)]
impl Transport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, KfError> {
        let init = RequestInit::new();
        init.set_method(request.method.as_str());
        let headers = Headers::new().map_err(|e| not_sent("building headers", &e))?;
        for (name, value) in &request.headers {
            headers.set(name, value).map_err(|e| not_sent("building headers", &e))?;
        }
        init.set_headers(&headers);
        if !request.body.is_empty() {
            init.set_body(&Uint8Array::from(request.body.as_slice()));
        }
        let guard = AbortOnDrop { controller: AbortController::new().ok(), done: Cell::new(false) };
        if let Some(c) = &guard.controller {
            init.set_signal(Some(&c.signal()));
        }
        let started = match &self.fetch {
            Some(f) => f.call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init),
            None => global_fetch(&request.url, &init),
        };
        let promise = started.map_err(|e| fetch_error(&e, &request))?;
        let response = settle(&promise).await.map_err(|e| fetch_error(&e, &request))?;
        let response: Response = response
            .dyn_into()
            .map_err(|_| KfError::transport(TransportKind::Other, "fetch did not resolve to a Response"))?;
        // Read through Reflect, which catches: a custom `fetch` may resolve to an object that
        // passes `instanceof Response` but whose getters throw, and an exception thrown through
        // the wasm would leave the instance unusable.
        let not_a_response = || KfError::transport(TransportKind::Other, "fetch resolved to an unusable Response");
        let status = Reflect::get(&response, &JsValue::from_str("status"))
            .ok()
            .and_then(|s| s.as_f64())
            .filter(|s| (100.0..=599.0).contains(s))
            .ok_or_else(not_a_response)? as u16;
        let response_headers: Headers = Reflect::get(&response, &JsValue::from_str("headers"))
            .ok()
            .and_then(|h| h.dyn_into().ok())
            .ok_or_else(not_a_response)?;
        let mut headers = Vec::new();
        if let Ok(Some(ct)) = response_headers.get("content-type") {
            headers.push(("content-type".to_string(), ct));
        }
        let read = response.array_buffer().map_err(|e| fetch_error(&e, &request))?;
        let buffer = settle(&read).await.map_err(|e| {
            // The request was answered: a failed body read is a reset, never "not sent".
            let e = fetch_error(&e, &request);
            match e {
                KfError::Transport { transport_kind: TransportKind::Connect | TransportKind::NotSent, reason } => {
                    KfError::transport(TransportKind::Reset, reason)
                }
                other => other,
            }
        })?;
        guard.done.set(true);
        Ok(HttpResponse { status, headers, body: Uint8Array::new(&buffer).to_vec() })
    }
}

/// Time from `Date.now`, sleeping with `setTimeout`, randomness from `Math.random`.
pub(crate) struct JsClock;

#[async_trait(?Send)]
impl Clock for JsClock {
    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }

    async fn sleep(&self, ms: u64) {
        let promise = Promise::new(&mut |resolve, _reject| {
            let _ = set_timeout(&resolve, ms as f64);
        });
        let _ = JsFuture::from(promise).await;
    }

    fn random_u64(&self) -> u64 {
        let half = || (js_sys::Math::random() * 4_294_967_296.0) as u64;
        (half() << 32) | half()
    }
}

/// 16 random bytes from `crypto.getRandomValues` (reply encryption), `Math.random` if absent.
pub(crate) fn random16() -> [u8; 16] {
    let mut out = [0u8; 16];
    let array = Uint8Array::new_with_length(16);
    let crypto = get(&js_sys::global(), "crypto");
    let filled = get(&crypto, "getRandomValues")
        .dyn_into::<Function>()
        .ok()
        .map(|f| f.call1(&crypto, &array).is_ok())
        .unwrap_or(false);
    if filled {
        array.copy_to(&mut out);
    } else {
        for b in out.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    out
}

/// A token store implemented in JS: `{ get(key), set(key, value), delete(key) }`, each
/// returning a value or a promise (Workers KV, Redis clients, a Map...).
pub(crate) struct JsTokenStore {
    object: JsValue,
}

impl JsTokenStore {
    /// Checks that the object has the three methods.
    pub(crate) fn new(object: JsValue) -> Result<Self, KfError> {
        for name in ["get", "set", "delete"] {
            if !get(&object, name).is_function() {
                return Err(KfError::validation(format!("tokenStore.{name}"), "must be a function"));
            }
        }
        Ok(JsTokenStore { object })
    }

    async fn call(&self, name: &str, args: &[JsValue]) -> Result<JsValue, KfError> {
        let fail = |e: &JsValue| {
            KfError::transport(TransportKind::Other, format!("tokenStore.{name} failed: {}", js_error_text(e)))
        };
        let function = get(&self.object, name)
            .dyn_into::<Function>()
            .map_err(|_| KfError::validation(format!("tokenStore.{name}"), "must be a function"))?;
        let list = Array::new();
        for a in args {
            list.push(a);
        }
        let value = function.apply(&self.object, &list).map_err(|e| fail(&e))?;
        settle(&value).await.map_err(|e| fail(&e))
    }
}

#[async_trait(?Send)]
impl TokenStore for JsTokenStore {
    async fn get(&self, key: &str) -> Result<Option<CachedToken>, KfError> {
        let value = self.call("get", &[JsValue::from_str(key)]).await?;
        if absent(&value) {
            return Ok(None);
        }
        if value.is_string() {
            return Err(KfError::validation("tokenStore.get", "returned a string (parse the JSON first)"));
        }
        // Only the three fields, read with Reflect here (serde would run the object's getters
        // inside the wasm, where a throw leaks its stack), and without serde's error text: it
        // quotes the value, and the value holds the token.
        let plain = js_sys::Object::new();
        for key in ["access_token", "expires_at_ms", "obtained_at_ms"] {
            let field = get(&value, key);
            if !field.is_undefined() {
                set(&plain, key, field);
            }
        }
        from_js::<CachedToken>(plain.into(), "tokenStore.get")
            .map(Some)
            .map_err(|_| KfError::validation("tokenStore.get", "must return null or a stored token"))
    }

    async fn set(&self, key: &str, token: &CachedToken) -> Result<(), KfError> {
        self.call("set", &[JsValue::from_str(key), to_js(token)?]).await.map(|_| ())
    }

    async fn invalidate(&self, key: &str, failed: &str) -> Result<(), KfError> {
        // Compare, then delete: drops the token only if it is still the one that failed.
        match self.get(key).await? {
            Some(current) if current.access_token.expose() == failed => {
                self.call("delete", &[JsValue::from_str(key)]).await.map(|_| ())
            }
            _ => Ok(()),
        }
    }
}

/// The client's token store: in memory unless the options give one.
pub(crate) enum Store {
    Memory(MemoryStore),
    Js(JsTokenStore),
}

#[async_trait(?Send)]
impl TokenStore for Store {
    async fn get(&self, key: &str) -> Result<Option<CachedToken>, KfError> {
        match self {
            Store::Memory(s) => s.get(key).await,
            Store::Js(s) => s.get(key).await,
        }
    }
    async fn set(&self, key: &str, token: &CachedToken) -> Result<(), KfError> {
        match self {
            Store::Memory(s) => s.set(key, token).await,
            Store::Js(s) => s.set(key, token).await,
        }
    }
    async fn invalidate(&self, key: &str, failed: &str) -> Result<(), KfError> {
        match self {
            Store::Memory(s) => s.invalidate(key, failed).await,
            Store::Js(s) => s.invalidate(key, failed).await,
        }
    }
}

/// `tokenProvider: async (failed?: string) => ({ accessToken, expiresAt })`.
pub(crate) struct JsTokenProvider {
    pub(crate) function: Function,
}

#[async_trait(?Send)]
impl TokenProvider for JsTokenProvider {
    async fn token(&self, failed: Option<&str>) -> Result<CachedToken, KfError> {
        let fail = |e: &JsValue| {
            KfError::transport(TransportKind::Other, format!("tokenProvider failed: {}", js_error_text(e)))
        };
        let arg = failed.map(JsValue::from_str).unwrap_or(JsValue::UNDEFINED);
        let value = self.function.call1(&JsValue::UNDEFINED, &arg).map_err(|e| fail(&e))?;
        let value = settle(&value).await.map_err(|e| fail(&e))?;
        let token = get(&value, "accessToken")
            .as_string()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| KfError::validation("tokenProvider().accessToken", "must be a non-empty string"))?;
        let expires = get(&value, "expiresAt");
        let expires_at_ms = match expires.dyn_ref::<js_sys::Date>() {
            Some(d) => d.get_time(),
            None => expires.as_f64().unwrap_or(f64::NAN),
        };
        if !expires_at_ms.is_finite() {
            return Err(KfError::validation(
                "tokenProvider().expiresAt",
                "must be a Date or milliseconds since the epoch",
            ));
        }
        Ok(CachedToken {
            access_token: token.into(),
            expires_at_ms: expires_at_ms as i64,
            obtained_at_ms: js_sys::Date::now() as i64,
        })
    }
}
