//! Python objects plugged into core: a token provider (callable or coroutine function), a
//! key-value store of text values (`get`/`set`/`delete`, e.g. Django's cache or a redis-py
//! client) that core's `KvTokenStore` turns into a token store and the guards keep budgets
//! and seen pushes in, and the budget fallback.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use wxkf::client::{BudgetFallback, CachedToken, KvStore, TokenProvider};
use wxkf::{KfError, Secret, TransportKind};

/// The system clock in milliseconds (the token lifetimes of host adapters).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The last exception raised by a client's Python callbacks, with the text of the core
/// error it became: the exception raised to the caller gets it as `__cause__`.
#[derive(Clone, Default)]
pub(crate) struct HostErrors(Arc<Mutex<Option<(String, PyErr)>>>);

impl HostErrors {
    /// A Python exception raised by host code, as a core error (the text names the type
    /// and the message, the host's own); the exception itself is kept.
    fn convert(&self, what: &str, e: PyErr) -> KfError {
        let text = Python::attach(|py| {
            let name = e.get_type(py).name().map(|n| n.to_string()).unwrap_or_else(|_| "Exception".into());
            format!("{what} raised {name}: {}", e.value(py))
        });
        let error = KfError::transport(TransportKind::Other, text);
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

type Pending = std::pin::Pin<Box<dyn std::future::Future<Output = PyResult<Py<PyAny>>> + Send>>;

/// Calls `obj(*args)` (or its `method`); when that returns an awaitable, awaits it on the
/// caller's asyncio loop (`AsyncClient`) or runs it with `asyncio.run` (`Client`: never on a
/// loop that the blocked caller would keep from running).
async fn call_host<A>(obj: &Py<PyAny>, method: Option<&str>, args: A) -> PyResult<Py<PyAny>>
where
    A: for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>>,
{
    let locals = ASYNC_LOCALS.try_with(|l| l.clone()).ok();
    // A synchronous callable may block (even on another wxkf call): run it off the
    // runtime's scheduler so nested blocking calls do not trip tokio.
    let pending: Result<Py<PyAny>, Pending> = tokio::task::block_in_place(|| {
        Python::attach(|py| -> PyResult<_> {
            let f = match method {
                Some(name) => obj.bind(py).getattr(name)?,
                None => obj.bind(py).clone(),
            };
            let result = f.call1(args(py)?)?;
            if !result.hasattr("__await__")? {
                return Ok(Ok(result.unbind()));
            }
            match locals {
                Some(l) => Ok(Err(Box::pin(pyo3_async_runtimes::into_future_with_locals(&l, result)?) as Pending)),
                None => Ok(Ok(py.import("asyncio")?.getattr("run")?.call1((result,))?.unbind())),
            }
        })
    })?;
    match pending {
        Ok(v) => Ok(v),
        Err(fut) => fut.await,
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

fn read_token(value: &Bound<'_, PyAny>) -> Option<(String, f64)> {
    let attr = |name: &str| value.getattr(name).ok();
    value
        .extract::<(String, f64)>()
        .ok()
        .or_else(|| Some((attr("access_token")?.extract().ok()?, attr("expires_in")?.extract().ok()?)))
}

#[async_trait]
impl TokenProvider for PyProvider {
    async fn token(&self, failed: Option<&str>) -> Result<CachedToken, KfError> {
        let failed = failed.map(str::to_string);
        let value = call_host(&self.callable, None, move |py| PyTuple::new(py, [failed]))
            .await
            .map_err(|e| self.errors.convert("the token provider", e))?;
        let token = Python::attach(|py| read_token(value.bind(py)));
        // Core checks the token itself (not empty, bounded); the lifetime is read here.
        let (token, expires_in) = token.filter(|(_, secs)| secs.is_finite() && *secs > 0.0).ok_or_else(|| {
            KfError::validation(
                "token_provider",
                "must return (access_token: str, expires_in: seconds > 0) or an object with those attributes",
            )
        })?;
        let now = now_ms();
        Ok(CachedToken {
            access_token: Secret::new(token),
            expires_at_ms: now.saturating_add((expires_in * 1000.0) as i64),
            obtained_at_ms: now,
        })
    }
}

/// A key-value store written in Python: `get(key)` returns the text stored (or `None`; bytes
/// are read as UTF-8, as redis-py returns them), `set(key, value, ttl_secs)` (Django's
/// `timeout`, redis-py's `ex`), `delete(key)` and optionally an atomic
/// `compare_and_set(key, expected_or_None, value, ttl_ms) -> bool`; each may be a coroutine
/// function. `role` names it in errors (`token_store`, `guard_store`).
pub(crate) struct PyKv {
    obj: Py<PyAny>,
    errors: HostErrors,
    role: &'static str,
    atomic: bool,
}

impl PyKv {
    pub(crate) fn new(obj: Py<PyAny>, errors: HostErrors, role: &'static str) -> Self {
        let atomic = Python::attach(|py| obj.bind(py).hasattr("compare_and_set").unwrap_or(false));
        PyKv { obj, errors, role, atomic }
    }

    async fn call<A>(&self, method: &str, args: A) -> Result<Py<PyAny>, KfError>
    where
        A: for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>>,
    {
        let what = format!("{}.{method}()", self.role);
        call_host(&self.obj, Some(method), args).await.map_err(|e| self.errors.convert(&what, e))
    }
}

#[async_trait]
impl KvStore for PyKv {
    async fn get(&self, key: &str) -> Result<Option<String>, KfError> {
        let key = key.to_string();
        let value = self.call("get", move |py| PyTuple::new(py, [key])).await?;
        Python::attach(|py| {
            let v = value.bind(py);
            if v.is_none() {
                return Ok(None);
            }
            match v.extract::<Vec<u8>>() {
                Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
                // A value of another type is a broken store (refused), not one that is down.
                Err(_) => v.extract::<String>().map(Some).map_err(|_| {
                    KfError::validation(
                        format!("{}.get", self.role),
                        "must return None or the text it was given (str or bytes)",
                    )
                }),
            }
        })
    }

    async fn set(&self, key: &str, value: String, ttl_ms: u64) -> Result<(), KfError> {
        let key = key.to_string();
        let ttl_secs = (ttl_ms / 1000).max(1);
        self.call("set", move |py| (key, value, ttl_secs).into_pyobject(py)).await.map(drop)
    }

    async fn delete(&self, key: &str) -> Result<(), KfError> {
        let key = key.to_string();
        self.call("delete", move |py| PyTuple::new(py, [key])).await.map(drop)
    }

    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&str>,
        value: String,
        ttl_ms: u64,
    ) -> Result<bool, KfError> {
        if !self.atomic {
            // Core's read-compare-write (atomic within one process holding the GIL only).
            return wxkf::client::compare_and_set_by_read(self, key, expected, value, ttl_ms).await;
        }
        let (key, expected) = (key.to_string(), expected.map(str::to_string));
        let done = self.call("compare_and_set", move |py| (key, expected, value, ttl_ms).into_pyobject(py)).await?;
        Python::attach(|py| done.bind(py).is_truthy())
            .map_err(|e| self.errors.convert(&format!("{}.compare_and_set()", self.role), e))
    }
}

/// The budget fallback written in Python: `fallback(openid, error_view_json)` (the Python
/// layer turns the view into the `GuardError`); what it raises is logged, not returned.
pub(crate) struct PyFallback(pub(crate) Py<PyAny>);

#[async_trait]
impl BudgetFallback for PyFallback {
    async fn refused(&self, openid: &str, error: &KfError) {
        let args = (openid.to_string(), serde_json::to_string(&error.view()).unwrap_or_default());
        if let Err(e) = call_host(&self.0, None, move |py| args.into_pyobject(py)).await {
            tracing::warn!(error = %e, "the budget fallback raised");
        }
    }
}
