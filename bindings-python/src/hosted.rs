//! Python objects plugged into core: a token provider (callable or coroutine function) and a
//! token store (any object with `get`/`set`/`delete`, e.g. Django's cache or a redis client).

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use pyo3::prelude::*;
use wxkf::client::{CachedToken, TokenProvider, TokenStore};
use wxkf::{KfError, Secret, TransportKind};

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The last exception raised by a client's Python callbacks, with the text of the core
/// error it became: the exception raised to the caller gets it as `__cause__`.
#[derive(Clone, Default)]
pub(crate) struct HostErrors(Arc<Mutex<Option<(String, PyErr)>>>);

impl HostErrors {
    /// A Python exception raised by host code, as a core error (the text names the type
    /// only and the message, which is the host's own); the exception itself is kept.
    fn convert(&self, what: &str, e: PyErr) -> KfError {
        let text = Python::attach(|py| {
            let name = e.get_type(py).name().map(|n| n.to_string()).unwrap_or_else(|_| "Exception".into());
            format!("{what} raised {name}: {}", e.value(py))
        });
        let error = KfError::transport(TransportKind::Other, text.clone());
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((error.to_string(), e));
        error
    }

    /// The host exception behind `error`, if `error` came from one.
    pub(crate) fn cause_of(&self, py: Python<'_>, error: &KfError) -> Option<PyErr> {
        let slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match (&*slot, error) {
            (Some((text, e)), KfError::Transport { .. }) if *text == error.to_string() => Some(e.clone_ref(py)),
            _ => None,
        }
    }
}

enum Pending {
    Ready(Py<PyAny>),
    Awaiting(std::pin::Pin<Box<dyn std::future::Future<Output = PyResult<Py<PyAny>>> + Send>>),
}

tokio::task_local! {
    /// The asyncio loop of the `AsyncClient` call being run (absent for `Client` calls).
    static ASYNC_LOCALS: pyo3_async_runtimes::TaskLocals;
}

/// Runs `fut` (an `AsyncClient` call) so that coroutine callbacks it makes run on the
/// caller's asyncio loop.
pub(crate) fn on_caller_loop<F: std::future::Future>(
    py: Python<'_>,
    fut: F,
) -> PyResult<impl std::future::Future<Output = F::Output>> {
    let locals = pyo3_async_runtimes::tokio::get_current_locals(py)?;
    Ok(ASYNC_LOCALS.scope(locals, fut))
}

/// Calls `f(*args)`; when it returns an awaitable, awaits it on the caller's asyncio loop
/// (`AsyncClient`) or runs it to completion with `asyncio.run` (`Client`: never on a loop
/// that the blocked caller would keep from running).
async fn call_maybe_async(f: &Py<PyAny>, args: Vec<Py<PyAny>>) -> PyResult<Py<PyAny>> {
    let locals = ASYNC_LOCALS.try_with(|l| l.clone()).ok();
    // A synchronous callable may block (even on another wxkf call): run it off the
    // runtime's scheduler so nested blocking calls do not trip tokio.
    let pending = tokio::task::block_in_place(|| {
        Python::attach(|py| -> PyResult<Pending> {
            let args = pyo3::types::PyTuple::new(py, args)?;
            let result = f.bind(py).call1(args)?;
            if !result.hasattr("__await__")? {
                return Ok(Pending::Ready(result.unbind()));
            }
            match locals {
                Some(locals) => {
                    Ok(Pending::Awaiting(Box::pin(pyo3_async_runtimes::into_future_with_locals(&locals, result)?)))
                }
                None => Ok(Pending::Ready(py.import("asyncio")?.getattr("run")?.call1((result,))?.unbind())),
            }
        })
    })?;
    match pending {
        Pending::Ready(v) => Ok(v),
        Pending::Awaiting(fut) => fut.await,
    }
}

/// A token broker written in Python: `provider(failed_token_or_None)` returns
/// `(access_token, expires_in_secs)` or an object with `access_token` and `expires_in`.
pub(crate) struct PyProvider {
    callable: Py<PyAny>,
    errors: HostErrors,
}

impl PyProvider {
    pub(crate) fn new(callable: Py<PyAny>, errors: HostErrors) -> Self {
        PyProvider { callable, errors }
    }
}

fn read_token(value: &Bound<'_, PyAny>) -> PyResult<(String, f64)> {
    if let Ok((token, expires_in)) = value.extract::<(String, f64)>() {
        return Ok((token, expires_in));
    }
    Ok((value.getattr("access_token")?.extract()?, value.getattr("expires_in")?.extract()?))
}

#[async_trait]
impl TokenProvider for PyProvider {
    async fn token(&self, failed: Option<&str>) -> Result<CachedToken, KfError> {
        let failed = Python::attach(|py| match failed {
            Some(t) => pyo3::types::PyString::new(py, t).into_any().unbind(),
            None => py.None(),
        });
        let value = call_maybe_async(&self.callable, vec![failed])
            .await
            .map_err(|e| self.errors.convert("the token provider", e))?;
        let (token, expires_in) = Python::attach(|py| read_token(value.bind(py))).map_err(|_| {
            KfError::validation(
                "provider",
                "must return (access_token: str, expires_in: seconds) or an object with those attributes",
            )
        })?;
        if token.is_empty() || !expires_in.is_finite() || expires_in <= 0.0 {
            return Err(KfError::validation("provider", "returned an empty token or a non-positive expires_in"));
        }
        // A huge token would be sent in every URL: held to core's field bound (64 KiB).
        if token.len() > wxkf::validate::MAX_FIELD_BYTES {
            return Err(KfError::validation(
                "provider",
                format!(
                    "returned a token of {} bytes; at most {} are accepted",
                    token.len(),
                    wxkf::validate::MAX_FIELD_BYTES
                ),
            ));
        }
        let now = now_ms();
        Ok(CachedToken {
            access_token: Secret::new(token),
            expires_at_ms: now.saturating_add((expires_in * 1000.0) as i64),
            obtained_at_ms: now,
        })
    }
}

/// A token store written in Python. Values are the JSON of a cached token; `set` passes the
/// remaining lifetime in seconds as the third argument (Django `timeout`, redis-py `ex`).
pub(crate) struct PyStore {
    obj: Py<PyAny>,
    errors: HostErrors,
}

impl PyStore {
    pub(crate) fn new(py: Python<'_>, obj: Py<PyAny>, errors: HostErrors) -> Result<Self, KfError> {
        for method in ["get", "set", "delete"] {
            if !obj.bind(py).hasattr(method).unwrap_or(false) {
                return Err(KfError::validation("store", format!("must have a {method}() method")));
            }
        }
        Ok(PyStore { obj, errors })
    }

    async fn call(&self, method: &str, args: Vec<Py<PyAny>>) -> Result<Py<PyAny>, KfError> {
        let f = Python::attach(|py| self.obj.bind(py).getattr(method).map(Bound::unbind))
            .map_err(|e| self.errors.convert("the token store", e))?;
        call_maybe_async(&f, args).await.map_err(|e| self.errors.convert(&format!("the token store's {method}()"), e))
    }
}

fn py_str(s: &str) -> Py<PyAny> {
    Python::attach(|py| pyo3::types::PyString::new(py, s).into_any().unbind())
}

#[async_trait]
impl TokenStore for PyStore {
    async fn get(&self, key: &str) -> Result<Option<CachedToken>, KfError> {
        let value = self.call("get", vec![py_str(key)]).await?;
        let text: Option<String> = Python::attach(|py| {
            let v = value.bind(py);
            if v.is_none() {
                Ok(None)
            } else if let Ok(b) = v.extract::<Vec<u8>>() {
                Ok(Some(String::from_utf8_lossy(&b).into_owned()))
            } else {
                v.extract::<String>().map(Some)
            }
        })
        .map_err(|e| self.errors.convert("the token store's get()", e))?;
        // An unreadable entry is treated as absent: a fresh token will overwrite it.
        Ok(text.and_then(|t| serde_json::from_str::<CachedToken>(&t).ok()))
    }

    async fn set(&self, key: &str, token: &CachedToken) -> Result<(), KfError> {
        let json = serde_json::to_string(token).map_err(|e| KfError::decode(e.to_string(), b""))?;
        let ttl = ((token.expires_at_ms - now_ms()) / 1000).max(1);
        let ttl = Python::attach(|py| pyo3::types::PyInt::new(py, ttl).into_any().unbind());
        self.call("set", vec![py_str(key), py_str(&json), ttl]).await?;
        Ok(())
    }

    async fn invalidate(&self, key: &str, failed: &str) -> Result<(), KfError> {
        // Best-effort compare-and-swap: delete only while the stored token is the failed one.
        if let Some(t) = self.get(key).await? {
            if t.access_token.expose() == failed {
                self.call("delete", vec![py_str(key)]).await?;
            }
        }
        Ok(())
    }
}
