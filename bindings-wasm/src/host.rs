//! What the JS host plugs into core besides HTTP: its clock, a token provider (a function)
//! and a key-value store of text values (Workers KV, a Redis client, a `Map`).

use async_trait::async_trait;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wxkf::client::{BudgetFallback, CachedToken, Clock, KvStore, TokenProvider};
use wxkf::{KfError, TransportKind};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = globalThis, js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
}

/// A property of a JS value (`undefined` when absent, when `value` is no object, or when
/// reading it throws: a getter's exception never crosses the wasm).
pub(crate) fn get(value: &JsValue, key: &str) -> JsValue {
    if !value.is_object() && !value.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Awaits a value that may be a promise (or any thenable), like JS `await`.
pub(crate) async fn settle(value: &JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(Promise::resolve(value)).await
}

/// The `name: message` of a thrown JS value, for error text.
pub(crate) fn js_error_text(error: &JsValue) -> String {
    let message = get(error, "message").as_string().or_else(|| error.as_string()).unwrap_or_default();
    format!("{}: {message}", get(error, "name").as_string().unwrap_or_else(|| "Error".into()))
}

/// Milliseconds since the epoch from `Date.now`.
pub(crate) fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Time from `Date.now`, sleeping with `setTimeout`, jitter from `Math.random`.
pub(crate) struct JsClock;

#[async_trait(?Send)]
impl Clock for JsClock {
    fn now_ms(&self) -> i64 {
        now_ms()
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

/// A host function's failure: never retried as "not sent", named after the function.
fn host_failure(what: &str, error: &JsValue) -> KfError {
    KfError::transport(TransportKind::Other, format!("{what} failed: {}", js_error_text(error)))
}

/// `tokenProvider: (failed?: string) => ({ accessToken, expiresAt })`, sync or async.
pub(crate) struct JsProvider(Function);

impl JsProvider {
    /// The provider option, if given (it must be a function).
    pub(crate) fn new(value: JsValue) -> Result<Option<Self>, KfError> {
        let given = (!value.is_undefined() && !value.is_null()).then(|| value.dyn_into::<Function>().map(JsProvider));
        given.transpose().map_err(|_| KfError::validation("tokenProvider", "must be a function"))
    }
}

#[async_trait(?Send)]
impl TokenProvider for JsProvider {
    async fn token(&self, failed: Option<&str>) -> Result<CachedToken, KfError> {
        let fail = |e: &JsValue| host_failure("tokenProvider", e);
        let arg = failed.map(JsValue::from_str).unwrap_or(JsValue::UNDEFINED);
        let value = self.0.call1(&JsValue::UNDEFINED, &arg).map_err(|e| fail(&e))?;
        let value = settle(&value).await.map_err(|e| fail(&e))?;
        let token = get(&value, "accessToken")
            .as_string()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| KfError::validation("tokenProvider().accessToken", "must be a non-empty string"))?;
        let expires = get(&value, "expiresAt");
        let expires_at_ms =
            expires.dyn_ref::<js_sys::Date>().map_or_else(|| expires.as_f64().unwrap_or(f64::NAN), |d| d.get_time());
        if !expires_at_ms.is_finite() {
            let reason = "must be a Date or milliseconds since the epoch";
            return Err(KfError::validation("tokenProvider().expiresAt", reason));
        }
        Ok(CachedToken { access_token: token.into(), expires_at_ms: expires_at_ms as i64, obtained_at_ms: now_ms() })
    }
}

/// `tokenStore` / `guardStore: { get(key), set(key, value, ttlMs), delete(key), compareAndSet? }`:
/// text values, sync or async; the option's name for errors.
pub(crate) struct JsKv(JsValue, &'static str);

impl JsKv {
    /// The store given as option `option` (the JS layer gives one over a `Map` when the options give none).
    pub(crate) fn new(value: JsValue, option: &'static str) -> Result<Self, KfError> {
        for name in ["get", "set", "delete"] {
            if !get(&value, name).is_function() {
                return Err(KfError::validation(format!("{option}.{name}"), "must be a function"));
            }
        }
        Ok(JsKv(value, option))
    }

    async fn call(&self, name: &str, args: &[JsValue]) -> Result<JsValue, KfError> {
        let what = format!("{}.{name}", self.1);
        let function: Function =
            get(&self.0, name).dyn_into().map_err(|_| KfError::validation(&what, "must be a function"))?;
        let value = function.apply(&self.0, &args.iter().collect::<Array>()).map_err(|e| host_failure(&what, &e))?;
        // An unreadable return value (a Proxy whose traps throw) is a broken store, not one
        // that is down: refused, where a throw or a rejection lets core fall back to its cache.
        if value.is_object() && !value.is_instance_of::<Promise>() && Reflect::get(&value, &"then".into()).is_err() {
            return Err(KfError::validation(&what, "must return null, a string or a Promise of one"));
        }
        settle(&value).await.map_err(|e| host_failure(&what, &e))
    }
}

#[async_trait(?Send)]
impl KvStore for JsKv {
    async fn get(&self, key: &str) -> Result<Option<String>, KfError> {
        let value = self.call("get", &[key.into()]).await?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        let reason = "must return null or the text it was given (a string)";
        value.as_string().map(Some).ok_or_else(|| KfError::validation(format!("{}.get", self.1), reason))
    }

    async fn set(&self, key: &str, value: String, ttl_ms: u64) -> Result<(), KfError> {
        self.call("set", &[key.into(), value.into(), (ttl_ms as f64).into()]).await.map(|_| ())
    }

    async fn delete(&self, key: &str) -> Result<(), KfError> {
        self.call("delete", &[key.into()]).await.map(|_| ())
    }

    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&str>,
        value: String,
        ttl_ms: u64,
    ) -> Result<bool, KfError> {
        if get(&self.0, "compareAndSet").is_function() {
            let expected = expected.map(JsValue::from_str).unwrap_or(JsValue::NULL);
            let done =
                self.call("compareAndSet", &[key.into(), expected, value.into(), (ttl_ms as f64).into()]).await?;
            let reason = "must return a boolean or a Promise of one";
            return done.as_bool().ok_or_else(|| KfError::validation(format!("{}.compareAndSet", self.1), reason));
        }
        wxkf::client::compare_and_set_by_read(self, key, expected, value, ttl_ms).await
    }
}

/// `budgetFallback: (openid, errorView) => unknown`: told of each send the reply budget refused
/// (the JS layer turns the error view into a `GuardError`); its failures are logged, not raised.
pub(crate) struct JsFallback(pub(crate) Function);

#[async_trait(?Send)]
impl BudgetFallback for JsFallback {
    async fn refused(&self, openid: &str, error: &KfError) {
        let view = serde_json::to_string(&error.view()).unwrap_or_default();
        let outcome = match self.0.call2(&JsValue::UNDEFINED, &openid.into(), &view.into()) {
            Ok(value) => settle(&value).await.map(drop),
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            tracing::warn!(error = %js_error_text(&e), "the budget fallback failed");
        }
    }
}
