//! `wxkf._wxkf`: the native half of the Python package `wxkf`.
//!
//! Glue only. Every operation runs through core's `Client` with the native (reqwest)
//! transport on one tokio runtime owned by the extension; the synchronous entry points
//! release the GIL while they wait, the asynchronous ones return asyncio awaitables. Values
//! cross the boundary as plain Python data (dicts, lists, str, int) produced by serde; the
//! pure-Python layer turns them into frozen dataclasses and maps errors into exceptions.

mod dispatch;
mod errors;
mod hosted;
mod push;
mod pyvalue;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;
use wxkf::client::{MemoryStore, TokenStore};
use wxkf::records::{RecordCursor, RecordPager};
use wxkf::{Client, ClientConfig, KfError, RetryPolicy, Secret, TokenSource};
use wxkf_native::{NativeClient, NativeOptions, ReqwestTransport, SystemClock};

use crate::dispatch::Creds;
use crate::errors::{into_py_result, to_pyerr};

fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// Runs a future on the extension's runtime with the GIL released. Every 100 ms it takes
/// the GIL for a moment to run Python's signal handlers, so Ctrl-C (`KeyboardInterrupt`)
/// interrupts a blocking call at once; the dropped future cancels the request.
fn block_on<F>(py: Python<'_>, fut: F) -> PyResult<F::Output>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    py.detach(|| {
        runtime().block_on(async move {
            let mut fut = std::pin::pin!(fut);
            loop {
                tokio::select! {
                    out = &mut fut => return Ok(out),
                    () = tokio::time::sleep(Duration::from_millis(100)) => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })
}

/// The core client behind `wxkf.Client` and `wxkf.AsyncClient`.
#[pyclass(module = "wxkf._wxkf", frozen)]
struct Core {
    inner: Arc<NativeClient>,
    creds: Option<Creds>,
    host_errors: hosted::HostErrors,
}

#[pymethods]
impl Core {
    /// Builds a client. `source` is `stable`, `classic`, `provider` or `fixed`.
    #[new]
    #[pyo3(signature = (source, *, appid=None, secret=None, token=None, provider=None, base_url=None,
        store=None, redis_url=None, max_attempts=3, retry_writes=false, timeout_secs=15.0,
        connect_timeout_secs=5.0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        source: &str,
        appid: Option<String>,
        secret: Option<String>,
        token: Option<String>,
        provider: Option<Py<PyAny>>,
        base_url: Option<String>,
        store: Option<Py<PyAny>>,
        redis_url: Option<String>,
        max_attempts: u32,
        retry_writes: bool,
        timeout_secs: f64,
        connect_timeout_secs: f64,
    ) -> PyResult<Self> {
        // Every text is held to core's field bound (64 KiB): a 10 MB token or base URL would
        // otherwise go out with every request.
        let bounded = |value: &str, field: &str| wxkf::validate::bounded(field, value).map_err(|e| to_pyerr(py, e));
        let need = |value: Option<String>, field: &str| -> PyResult<String> {
            match value {
                Some(v) if !v.is_empty() => bounded(&v, field).map(|()| v),
                _ => {
                    Err(to_pyerr(py, KfError::validation(field, format!("is required for the {source} token source"))))
                }
            }
        };
        let host_errors = hosted::HostErrors::default();
        let (token_source, creds) = match source {
            "stable" | "classic" => {
                let appid = need(appid, "appid")?;
                let secret = Secret::new(need(secret, "secret")?);
                let creds = Creds { appid: appid.clone(), secret: secret.clone() };
                let src = if source == "stable" {
                    TokenSource::Stable { appid, secret }
                } else {
                    TokenSource::Classic { appid, secret }
                };
                (src, Some(creds))
            }
            "fixed" => (TokenSource::Fixed(Secret::new(need(token, "token")?)), None),
            "provider" => {
                let Some(provider) = provider else {
                    return Err(to_pyerr(py, KfError::validation("provider", "a callable is required")));
                };
                if !provider.bind(py).is_callable() {
                    return Err(to_pyerr(py, KfError::validation("provider", "must be callable")));
                }
                (TokenSource::Provider(Arc::new(hosted::PyProvider::new(provider, host_errors.clone()))), None)
            }
            other => {
                return Err(to_pyerr(
                    py,
                    KfError::validation("source", format!("{other:?} is not one of stable, classic, provider, fixed")),
                ))
            }
        };
        if max_attempts == 0 {
            return Err(to_pyerr(py, KfError::validation("max_attempts", "must be at least 1")));
        }
        let secs = |v: f64, field: &str| -> PyResult<Duration> {
            if v.is_finite() && v > 0.0 && v < 86_400.0 {
                Ok(Duration::from_secs_f64(v))
            } else {
                Err(to_pyerr(py, KfError::validation(field, "must be a number of seconds in (0, 86400)")))
            }
        };
        let options = NativeOptions {
            timeout: secs(timeout_secs, "timeout_secs")?,
            connect_timeout: secs(connect_timeout_secs, "connect_timeout_secs")?,
            ..NativeOptions::default()
        };
        let mut config = ClientConfig::with_source(token_source).retry(RetryPolicy {
            max_attempts,
            retry_writes,
            ..RetryPolicy::default()
        });
        if let Some(url) = base_url {
            wxkf::validate::required("base_url", &url).map_err(|e| to_pyerr(py, e))?;
            config = config.base_url(url.trim_end_matches('/'));
        }
        let store: Arc<dyn TokenStore> = match (store, redis_url) {
            (Some(_), Some(_)) => {
                return Err(to_pyerr(py, KfError::validation("store", "give either store or redis_url, not both")))
            }
            (Some(obj), None) => {
                Arc::new(hosted::PyStore::new(py, obj, host_errors.clone()).map_err(|e| to_pyerr(py, e))?)
            }
            (None, Some(url)) => {
                bounded(&url, "redis_url")?;
                let store = block_on(py, wxkf_native::RedisStore::connect(&url))?.map_err(|e| to_pyerr(py, e))?;
                Arc::new(store)
            }
            (None, None) => Arc::new(MemoryStore::new()),
        };
        let transport = {
            let _guard = runtime().enter();
            ReqwestTransport::new(options).map_err(|e| to_pyerr(py, e))?
        };
        let client = Client::new(config, transport, store, SystemClock::default());
        Ok(Core { inner: Arc::new(client), creds, host_errors })
    }

    /// Runs operation `op` with keyword arguments `args` (and `data` for uploads); blocks
    /// with the GIL released.
    #[pyo3(signature = (op, args, data=None))]
    fn call(&self, py: Python<'_>, op: String, args: &Bound<'_, PyDict>, data: Option<Vec<u8>>) -> PyResult<Py<PyAny>> {
        let args = pyvalue::to_value(args.as_any(), "").map_err(|e| to_pyerr(py, e))?;
        let fut = dispatch::run(self.inner.clone(), self.creds.clone(), op, args, data);
        let out = block_on(py, fut)?;
        host_result(py, &self.host_errors, out)
    }

    /// `call` as an asyncio awaitable.
    #[pyo3(signature = (op, args, data=None))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        op: String,
        args: &Bound<'py, PyDict>,
        data: Option<Vec<u8>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = pyvalue::to_value(args.as_any(), "").map_err(|e| to_pyerr(py, e))?;
        let fut = hosted::on_caller_loop(py, dispatch::run(self.inner.clone(), self.creds.clone(), op, args, data))?;
        let host_errors = self.host_errors.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let out = fut.await;
            Python::attach(|py| host_result(py, &host_errors, out))
        })
    }

    /// Token requests made so far (to WeChat or the provider).
    fn token_fetches(&self) -> u64 {
        self.inner.token_fetches()
    }

    /// A record walk over `[start, end)` (unix seconds).
    #[pyo3(signature = (start, end, page_size=10000))]
    fn records(&self, py: Python<'_>, start: i64, end: i64, page_size: i64) -> PyResult<RecordWalk> {
        let pager = RecordPager::new(start, end, page_size).map_err(|e| to_pyerr(py, e))?;
        Ok(RecordWalk {
            client: self.inner.clone(),
            cursor: Arc::new(Mutex::new(pager.cursor())),
            page_size,
            host_errors: self.host_errors.clone(),
        })
    }

    /// A record walk resumed from a cursor (a dict as given by `RecordWalk.cursor`).
    #[pyo3(signature = (cursor, page_size=10000))]
    fn resume_records(&self, py: Python<'_>, cursor: &Bound<'_, PyAny>, page_size: i64) -> PyResult<RecordWalk> {
        let cursor: RecordCursor = pyvalue::from_py(cursor, "cursor").map_err(|e| to_pyerr(py, e))?;
        // Validates the cursor and the page size before any request.
        RecordPager::resume(cursor, page_size).map_err(|e| to_pyerr(py, e))?;
        if cursor.skip < 0 {
            return Err(to_pyerr(py, KfError::validation("cursor.skip", "must not be negative")));
        }
        Ok(RecordWalk {
            client: self.inner.clone(),
            cursor: Arc::new(Mutex::new(Some(cursor))),
            page_size,
            host_errors: self.host_errors.clone(),
        })
    }
}

/// `into_py_result`, with the exception a Python callback raised as `__cause__` of a
/// `TransportError` it caused.
fn host_result(py: Python<'_>, host: &hosted::HostErrors, out: Result<Value, KfError>) -> PyResult<Py<PyAny>> {
    match out {
        Ok(v) => into_py_result(py, Ok(v)),
        Err(e) => Err(host_error(py, host, e)),
    }
}

fn host_error(py: Python<'_>, host: &hosted::HostErrors, e: KfError) -> PyErr {
    let cause = host.cause_of(py, &e);
    let err = to_pyerr(py, e);
    if cause.is_some() {
        err.set_cause(py, cause);
    }
    err
}

/// Where a record walk stands; each `next_page` fetches one page and moves the cursor.
#[pyclass(module = "wxkf._wxkf", frozen)]
struct RecordWalk {
    client: Arc<NativeClient>,
    cursor: Arc<Mutex<Option<RecordCursor>>>,
    page_size: i64,
    host_errors: hosted::HostErrors,
}

type Page = (Vec<wxkf::api::record::get_msg_list::MsgRecord>, Option<RecordCursor>);

async fn walk_page(client: Arc<NativeClient>, cursor: Option<RecordCursor>, page_size: i64) -> Result<Page, KfError> {
    let Some(cursor) = cursor else {
        return Ok((Vec::new(), None));
    };
    let mut stream = client.resume_msg_records(cursor, page_size)?;
    let page = stream.next_page().await?;
    let next = if page.is_empty() { None } else { stream.cursor() };
    Ok((page, next))
}

fn page_to_py(
    py: Python<'_>,
    host: &hosted::HostErrors,
    cursor: &Mutex<Option<RecordCursor>>,
    out: Result<Page, KfError>,
) -> PyResult<Py<PyAny>> {
    let (records, next) = out.map_err(|e| host_error(py, host, e))?;
    *cursor.lock().unwrap_or_else(|p| p.into_inner()) = next;
    let value = serde_json::to_value(records).map_err(|e| to_pyerr(py, KfError::decode(e.to_string(), b"")))?;
    errors::value_to_py(py, &value)
}

#[pymethods]
impl RecordWalk {
    /// The next page of records (empty at the end); blocks with the GIL released.
    fn next_page(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let current = *self.cursor.lock().unwrap_or_else(|p| p.into_inner());
        let out = block_on(py, walk_page(self.client.clone(), current, self.page_size))?;
        page_to_py(py, &self.host_errors, &self.cursor, out)
    }

    /// `next_page` as an asyncio awaitable.
    fn next_page_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let current = *self.cursor.lock().unwrap_or_else(|p| p.into_inner());
        let fut = hosted::on_caller_loop(py, walk_page(self.client.clone(), current, self.page_size))?;
        let cursor = self.cursor.clone();
        let host_errors = self.host_errors.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let out = fut.await;
            Python::attach(|py| page_to_py(py, &host_errors, &cursor, out))
        })
    }

    /// The cursor (a dict) from which a new walk yields exactly the records not yet fetched;
    /// `None` when the walk is over.
    fn cursor(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let current = *self.cursor.lock().unwrap_or_else(|p| p.into_inner());
        let value = serde_json::to_value(current).map_err(|e| to_pyerr(py, KfError::decode(e.to_string(), b"")))?;
        errors::value_to_py(py, &value)
    }
}

static LOG_RESET: std::sync::OnceLock<pyo3_log::ResetHandle> = std::sync::OnceLock::new();

/// Forgets the cached Python logger levels (call after changing the `wxkf` logger's level).
#[pyfunction]
fn reset_logging() {
    if let Some(handle) = LOG_RESET.get() {
        handle.reset();
    }
}

/// The native module.
#[pymodule]
fn _wxkf(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Core's `tracing` events reach Python's `logging` (logger `wxkf`) through `log`.
    let logger = pyo3_log::Logger::new(m.py(), pyo3_log::Caching::LoggersAndLevels)?
        .filter(log::LevelFilter::Off)
        .filter_target("wxkf".to_string(), log::LevelFilter::Trace);
    // Another extension may own the global logger already; then wxkf logs through it.
    if let Ok(handle) = logger.install() {
        let _ = LOG_RESET.set(handle);
    }
    m.add_function(wrap_pyfunction!(reset_logging, m)?)?;
    m.add_class::<Core>()?;
    m.add_class::<RecordWalk>()?;
    m.add_class::<push::ReplayGuard>()?;
    m.add_function(wrap_pyfunction!(push::check_url, m)?)?;
    m.add_function(wrap_pyfunction!(push::open_push, m)?)?;
    m.add_function(wrap_pyfunction!(push::build_reply, m)?)?;
    m.add_function(wrap_pyfunction!(errors::catalogue, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
