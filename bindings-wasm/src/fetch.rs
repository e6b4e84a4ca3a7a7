//! The transport: core's requests through the runtime's `fetch` (or the one in the options),
//! or, when that function carries a `wxkfRequest` (the package's node:http transport does), one
//! call of it per request with the timeout inside: no `AbortController`, timer or `Response`
//! built in the wasm, one Promise settled instead of two. The one HTTP seam of the package.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

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

/// The most a response's content length reserves up front (a larger body still arrives whole).
const MAX_RESERVE: f64 = (64 << 20) as f64;

/// HTTP through `fetch`, each request timed out after `timeout_ms` (core's `timeout_ms`).
pub(crate) struct FetchTransport {
    fetch: Option<Function>,
    /// `fetch.wxkfRequest(url, method, headers, body, timeoutMs, sink)`: a Promise of `[status,
    /// contentType]` with a `cancel()`, the body's pieces handed to `sink(piece, contentLength)`
    /// as they arrive; rejects with a `TimeoutError` after `timeoutMs`.
    direct: Option<Function>,
    timeout_ms: u64,
}

/// A direct request's Promise, cancelled (its `cancel()`) when the call is dropped before it settled.
struct CancelOnDrop {
    promise: JsValue,
    done: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.done {
            if let Ok(cancel) = get(&self.promise, "cancel").dyn_into::<Function>() {
                let _ = cancel.call0(&self.promise);
            }
        }
    }
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
            Some(c) if c.signal().aborted() => timed_out(request),
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

/// The error of a request the transport's timer ended.
fn timed_out(request: &HttpRequest) -> KfError {
    KfError::transport(
        TransportKind::Timeout,
        format!("{} {} failed: timed out", request.method.as_str(), request.redacted_url()),
    )
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
        let direct = fetch.as_ref().and_then(|f| get(f, "wxkfRequest").dyn_into::<Function>().ok());
        Ok(FetchTransport { fetch, direct, timeout_ms })
    }

    /// The request's headers as a plain object (not `new Headers()`: on Node, touching
    /// `Headers` or `Response` loads undici, ~9 MiB, which the node:http transport never needs).
    fn headers(request: &HttpRequest) -> Result<Object, KfError> {
        let headers = Object::new();
        for (name, value) in &request.headers {
            Reflect::set(&headers, &name.into(), &value.into()).map_err(|e| {
                KfError::transport(TransportKind::NotSent, format!("building headers: {}", js_error_text(&e)))
            })?;
        }
        Ok(headers)
    }

    /// One request through `wxkfRequest`: what `send` does with `fetch`, in one crossing each way.
    async fn send_direct(&self, direct: &Function, request: HttpRequest) -> Result<HttpResponse, KfError> {
        let body =
            if request.body.is_empty() { JsValue::UNDEFINED } else { Uint8Array::from(request.body.as_slice()).into() };
        // The answer's body lands here piece by piece as it arrives: no piece outlives its
        // `data` event in JS (a page's pieces held until the end were at times promoted by
        // V8's young-generation collections and then kept until a full GC: +1.2 MB).
        let received = Rc::new(RefCell::new(Vec::new()));
        let sink = Closure::<dyn FnMut(Uint8Array, f64)>::new({
            let received = received.clone();
            move |piece: Uint8Array, length: f64| {
                let mut body = received.borrow_mut();
                if body.capacity() == 0 && length > 0.0 {
                    // Sized once from the content length: growing by doubling would hold up
                    // to three times a page's bytes. A bogus length only loses the hint.
                    let _ = body.try_reserve_exact(length.min(MAX_RESERVE) as usize);
                }
                let at = body.len();
                body.resize(at + piece.length() as usize, 0);
                piece.copy_to(&mut body[at..]);
            }
        });
        let args = js_sys::Array::of5(
            &JsValue::from_str(&request.url),
            &JsValue::from_str(request.method.as_str()),
            &Self::headers(&request)?.into(),
            &body,
            &JsValue::from_f64(self.timeout_ms as f64),
        );
        args.push(sink.as_ref());
        let promise = direct.apply(&JsValue::UNDEFINED, &args).map_err(|e| fetch_error(&e, &request))?;
        // Declared after `sink`, so dropped before it: a cancelled request stops feeding the
        // sink before the sink goes.
        let mut pending = CancelOnDrop { promise, done: false };
        let answer = settle(&pending.promise).await;
        pending.done = true;
        let answer = answer.map_err(|e| match get(&e, "name").as_string().as_deref() {
            Some("TimeoutError") => timed_out(&request),
            _ => fetch_error(&e, &request),
        })?;
        let part = |i: u32| Reflect::get_u32(&answer, i).unwrap_or(JsValue::UNDEFINED);
        let unusable = || KfError::transport(TransportKind::Other, "wxkfRequest resolved to an unusable answer");
        let status = part(0).as_f64().filter(|s| (100.0..=599.0).contains(s)).ok_or_else(unusable)? as u16;
        let headers = part(1).as_string().map(|ct| ("content-type".to_string(), ct));
        let body = std::mem::take(&mut *received.borrow_mut());
        Ok(HttpResponse { status, headers: headers.into_iter().collect(), body })
    }

    /// The request's init: method, headers, body, and a signal that aborts on drop or timeout.
    fn init(&self, request: &HttpRequest, guard: &AbortOnDrop) -> Result<RequestInit, KfError> {
        let init = RequestInit::new();
        init.set_method(request.method.as_str());
        init.set_headers(&Self::headers(request)?.into());
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
        if let Some(direct) = &self.direct {
            return self.send_direct(direct, request).await;
        }
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
