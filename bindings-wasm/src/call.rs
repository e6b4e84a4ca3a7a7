//! The way out of the wasm: a call's future as a Promise of JSON text that rejects with the
//! JSON text of core's error view, and the `AbortSignal` that drops a call.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use futures_util::future::{select, Either};
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortSignal;
use wxkf::{KfError, TransportKind};

use crate::host::get;

/// A call in flight: JSON text or an error.
pub(crate) type CallFuture = Pin<Box<dyn Future<Output = Result<String, KfError>>>>;

/// The error view as JSON text: what every failure crosses into JavaScript as.
pub(crate) fn view(error: KfError) -> JsValue {
    JsValue::from_str(&serde_json::to_string(&error.view()).unwrap_or_default())
}

/// JSON text of a value, as a result.
pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, KfError> {
    serde_json::to_string(value).map_err(|e| KfError::decode(format!("the result could not be serialized: {e}"), b""))
}

/// Runs `future` as a Promise; with an `AbortSignal`, an abort drops the call (which aborts
/// its `fetch`) and rejects with a transport error. Boxed: one copy of this for every call.
pub(crate) fn promise(signal: JsValue, future: CallFuture) -> Promise {
    future_to_promise(async move { abortable(signal, future).await.map(|text| JsValue::from_str(&text)).map_err(view) })
}

/// The error of a call whose signal fired: `timeout` for `AbortSignal.timeout(ms)`, else `aborted`.
fn aborted(signal: &AbortSignal) -> KfError {
    if get(&signal.reason(), "name").as_string().as_deref() == Some("TimeoutError") {
        KfError::transport(TransportKind::Timeout, "the call timed out (its signal fired)")
    } else {
        KfError::transport(TransportKind::Aborted, "the call was aborted by its signal")
    }
}

async fn abortable(signal: JsValue, future: CallFuture) -> Result<String, KfError> {
    if signal.is_undefined() || signal.is_null() {
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
