//! The transport: core's requests through the runtime's `fetch` (or the one in the options).
//! The one HTTP seam of the package: another transport (node:http) would be a sibling type.

use std::cell::Cell;

use async_trait::async_trait;
use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, Headers, RequestInit, Response};
use wxkf::client::Transport;
use wxkf::{HttpRequest, HttpResponse, KfError, TransportKind};

use crate::host::{get, js_error_text, settle};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = globalThis, js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = globalThis, js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_namespace = globalThis, js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// HTTP through `fetch`, each request timed out after `timeout_ms` (core's `timeout_ms`).
pub(crate) struct FetchTransport {
    fetch: Option<Function>,
    timeout_ms: u64,
}

/// The request's `AbortController`: aborted by a timer after `timeout_ms` (the fetch then
/// fails as a timeout), or when the call is dropped (an aborted `signal`); the timer is
/// cleared when the request ends. One `setTimeout` per request, not `AbortSignal.timeout` +
/// `AbortSignal.any`: Node keeps those alive (~1 KiB each) until the timeout would have fired.
struct AbortOnDrop {
    controller: Option<AbortController>,
    timer: JsValue,
    done: Cell<bool>,
}

impl AbortOnDrop {
    fn new(timeout_ms: u64) -> Self {
        let controller = AbortController::new().ok();
        let timer = match &controller {
            Some(c) => set_timeout(&get(c, "abort").unchecked_into::<Function>().bind0(c), timeout_ms as f64),
            None => JsValue::UNDEFINED,
        };
        AbortOnDrop { controller, timer, done: Cell::new(false) }
    }

    /// What a failed `fetch` or body read is: a timeout once the timer aborted it.
    fn error(&self, error: &JsValue, request: &HttpRequest) -> KfError {
        match &self.controller {
            Some(c) if c.signal().aborted() => KfError::transport(
                TransportKind::Timeout,
                format!("{} {} failed: timed out", request.method.as_str(), request.redacted_url()),
            ),
            _ => fetch_error(error, request),
        }
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let (Some(c), false) = (&self.controller, self.done.get()) {
            c.abort();
        }
    }
}

/// Connection errors (Node's undici `cause.code`) that prove nothing was sent.
const CONNECT_CODES: [&str; 6] =
    ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"];
/// What Node, Deno and Bun say when the connection was refused, or the fetch standard's
/// blocked ports (`bad port`, Deno's "Requests to port 9 are blocked") kept it from leaving.
const CONNECT_TEXTS: [&str; 3] = ["connection refused", "bad port", "are blocked"];
const RESET_CODES: [&str; 4] = ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE", "UND_ERR_CLOSED"];
/// workerd's "Network connection lost." comes for a refused connection too: it cannot prove
/// that nothing was sent, so it stays a reset (a write is not retried after it).
const RESET_TEXTS: [&str; 4] =
    ["connection reset", "connection closed", "network connection lost", "other side closed"];

/// Classifies a rejected `fetch`. The text names the error and code, never the URL (its
/// query holds the access token).
fn fetch_error(error: &JsValue, request: &HttpRequest) -> KfError {
    let name = get(error, "name").as_string().unwrap_or_default();
    let cause = get(error, "cause");
    let code = get(&cause, "code").as_string().or_else(|| get(error, "code").as_string()).unwrap_or_default();
    let text = |v: &JsValue| get(v, "message").as_string().unwrap_or_default();
    let lower = format!("{} {}", text(error), text(&cause)).to_ascii_lowercase();
    let kind = if name == "AbortError" {
        TransportKind::Aborted
    } else if name == "TimeoutError" {
        TransportKind::Timeout
    } else if CONNECT_CODES.contains(&code.as_str()) || CONNECT_TEXTS.iter().any(|t| lower.contains(t)) {
        TransportKind::Connect
    } else if RESET_CODES.contains(&code.as_str()) || RESET_TEXTS.iter().any(|t| lower.contains(t)) {
        TransportKind::Reset
    } else {
        TransportKind::Other
    };
    let detail = if code.is_empty() { name } else { format!("{name} {code}") };
    KfError::transport(kind, format!("{} {} failed: {detail}", request.method.as_str(), request.redacted_url()))
}

impl FetchTransport {
    /// The transport over the `fetch` option (a function) or the global `fetch`.
    pub(crate) fn new(fetch: JsValue, timeout_ms: u64) -> Result<Self, KfError> {
        let given = (!fetch.is_undefined() && !fetch.is_null()).then(|| fetch.dyn_into::<Function>());
        let fetch = given.transpose().map_err(|_| KfError::validation("fetch", "must be a function"))?;
        Ok(FetchTransport { fetch, timeout_ms })
    }

    /// The request's init: method, headers, body, and a signal that aborts on drop or timeout.
    fn init(&self, request: &HttpRequest, guard: &AbortOnDrop) -> Result<RequestInit, KfError> {
        let not_sent =
            |e: JsValue| KfError::transport(TransportKind::NotSent, format!("building headers: {}", js_error_text(&e)));
        let init = RequestInit::new();
        init.set_method(request.method.as_str());
        // A plain object, not `new Headers()`: on Node, touching `Headers` or `Response` loads
        // undici (~9 MiB), which the node:http transport never needs.
        let headers = Object::new();
        for (name, value) in &request.headers {
            Reflect::set(&headers, &name.into(), &value.into()).map_err(not_sent)?;
        }
        init.set_headers(&headers);
        if !request.body.is_empty() {
            init.set_body(&Uint8Array::from(request.body.as_slice()));
        }
        if let Some(c) = &guard.controller {
            init.set_signal(Some(&c.signal()));
        }
        Ok(init)
    }
}

#[async_trait(?Send)]
impl Transport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, KfError> {
        let guard = AbortOnDrop::new(self.timeout_ms);
        let init = self.init(&request, &guard)?;
        let started = match &self.fetch {
            Some(f) => f.call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init),
            None => global_fetch(&request.url, &init),
        };
        let promise = started.map_err(|e| fetch_error(&e, &request))?;
        let response = settle(&promise).await.map_err(|e| guard.error(&e, &request))?;
        // Read as what it must offer (status, headers.get, arrayBuffer), not checked with
        // `instanceof Response` (which would load undici on Node), and through Reflect, which
        // catches: a custom `fetch` may resolve to anything, or to an object whose getters throw.
        let response: Response = response.unchecked_into();
        let unusable = || KfError::transport(TransportKind::Other, "fetch resolved to an unusable Response");
        let status = Reflect::get(&response, &"status".into())
            .ok()
            .and_then(|s| s.as_f64())
            .filter(|s| (100.0..=599.0).contains(s))
            .ok_or_else(unusable)? as u16;
        let response_headers: Headers = Reflect::get(&response, &"headers".into())
            .ok()
            .filter(JsValue::is_object)
            .ok_or_else(unusable)?
            .unchecked_into();
        let headers = response_headers.get("content-type").ok().flatten().map(|ct| ("content-type".to_string(), ct));
        let read = response.array_buffer().map_err(|e| fetch_error(&e, &request))?;
        let buffer = settle(&read).await.map_err(|e| match guard.error(&e, &request) {
            // The request was answered: a failed body read is a reset, never "not sent".
            KfError::Transport { transport_kind: TransportKind::Connect | TransportKind::NotSent, reason } => {
                KfError::transport(TransportKind::Reset, reason)
            }
            other => other,
        })?;
        guard.done.set(true);
        Ok(HttpResponse { status, headers: headers.into_iter().collect(), body: Uint8Array::new(&buffer).to_vec() })
    }
}
