//! `wxkf._wxkf`: the native half of the Python package `wxkf`.
//!
//! Glue only. One `Core` per client runs every operation through core's `Client::call_json`
//! (arguments and results as JSON text, read from and handed back as Python data in `values`)
//! with the native (reqwest) transport: `call` blocks with the GIL released, `call_async`
//! returns an awaitable. Every failure is one `CoreError` carrying core's error view as JSON, which the Python layer turns
//! into the generated exception class. The host adapters (token provider, key-value store) are
//! in `hosted`, the push side (core's `Webhook`) in `push`.

mod aio;
mod hosted;
mod logging;
mod push;
mod values;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use serde::Deserialize;
use serde::Serialize;
use wxkf::budget::UserAction;
use wxkf::callback::{PushQuery, Webhook as CoreWebhook};
use wxkf::client::{guarded_settings_from_json, KvStore, KvTokenStore, MemoryStore, RecordWalk as CoreWalk};
use wxkf::client::{TokenProvider, TokenStore};
use wxkf::ops::from_json;
use wxkf::records::RecordCursor;
use wxkf::{Client, ClientConfig, KfError, TokenSource};
use wxkf_native::{NativeClient, NativeOptions, ReqwestTransport, SystemClock};

use crate::hosted::HostErrors;

pyo3::create_exception!(
    _wxkf,
    CoreError,
    pyo3::exceptions::PyException,
    "A failure of wxkf's core: `args[0]` is its error view as JSON."
);

/// The `CoreError` of `e`; a host exception that caused it becomes its `__cause__`.
pub(crate) fn core_error(py: Python<'_>, host: Option<&HostErrors>, e: KfError) -> PyErr {
    let cause = host.and_then(|h| h.cause_of(py, &e));
    let err = CoreError::new_err(serde_json::to_string(&e.view()).unwrap_or_default());
    if cause.is_some() {
        err.set_cause(py, cause);
    }
    err
}

pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

thread_local! {
    /// The calling thread's own runtime for `Client`'s calls (`None` if it could not be built).
    static LOCAL_RUNTIME: Option<tokio::runtime::Runtime> =
        tokio::runtime::Builder::new_current_thread().enable_all().build().ok();
    /// Whether this thread is Python's main thread (asked on its first call).
    static IS_MAIN_THREAD: std::cell::OnceCell<bool> = const { std::cell::OnceCell::new() };
    /// Whether this thread runs Python's signal handlers from inside a blocking call.
    static IN_SIGNAL_HANDLERS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a future on the extension's shared runtime with the GIL released (see `block_on_with`).
fn block_on<F>(py: Python<'_>, fut: F) -> PyResult<F::Output>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    block_on_with(py, false, fut)
}

/// Runs a future with the GIL released: `local`, on the calling thread's own runtime (no
/// hand-off to a runtime thread and back: at one call at a time, waking the parked threads
/// of that hand-off took more of a call than its work), else on the extension's shared
/// runtime. On Python's main thread it takes the GIL every 100 ms for a moment to run
/// Python's signal handlers, so Ctrl-C (`KeyboardInterrupt`) interrupts a blocking call at
/// once; the dropped future cancels the request.
fn block_on_with<F>(py: Python<'_>, local: bool, fut: F) -> PyResult<F::Output>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    let signals = on_main_thread(py);
    // Boxed: the runtime's `block_on` moves what it is given, and these futures are kilobytes.
    let run = Box::pin(async move {
        if !signals {
            return Ok(fut.await);
        }
        let mut fut = std::pin::pin!(fut);
        loop {
            tokio::select! {
                out = &mut fut => return Ok(out),
                () = tokio::time::sleep(Duration::from_millis(100)) => {
                    IN_SIGNAL_HANDLERS.set(true);
                    let checked = Python::attach(|py| py.check_signals());
                    IN_SIGNAL_HANDLERS.set(false);
                    checked?;
                }
            }
        }
    });
    py.detach(move || {
        if IN_SIGNAL_HANDLERS.get() {
            // A handler calling wxkf: this thread is inside a runtime already, which cannot
            // block again, so another thread blocks for it.
            return std::thread::scope(|s| s.spawn(|| runtime().block_on(run)).join())
                .unwrap_or_else(|_| Err(PyRuntimeError::new_err("wxkf: a call from a signal handler panicked")));
        }
        LOCAL_RUNTIME.with(|own| match own.as_ref().filter(|_| local) {
            Some(rt) => rt.block_on(wxkf_native::on_own_runtime(run)),
            None => runtime().block_on(run),
        })
    })
}

/// Whether the calling thread is Python's main thread, the only one that runs signal handlers
/// (`check_signals` elsewhere does nothing: no 100 ms timer for the calls of other threads).
/// Asked once per thread; when asking fails (Ctrl-C arriving just then), the answer is "yes"
/// for this call and the interrupt is kept for it.
fn on_main_thread(py: Python<'_>) -> bool {
    IS_MAIN_THREAD.with(|known| {
        if let Some(&main) = known.get() {
            return main;
        }
        let ask = || -> PyResult<bool> {
            let threading = py.import("threading")?;
            let main = threading.getattr("main_thread")?.call0()?.getattr("ident")?;
            main.eq(threading.getattr("get_ident")?.call0()?)
        };
        match ask() {
            Ok(main) => *known.get_or_init(|| main),
            Err(e) => {
                keep_interrupt(py, &e);
                true
            }
        }
    })
}

/// Python code that wxkf runs for itself during a call (the main thread's id, a logger's
/// level, a log record) runs the signal handlers pending then: a `KeyboardInterrupt` it raised
/// is Ctrl-C, and is raised again (`_thread.interrupt_main`) so that the call it was meant for
/// stops, not swallowed with the error. Whether it was one.
pub(crate) fn keep_interrupt(py: Python<'_>, error: &PyErr) -> bool {
    let interrupt = error.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py);
    if interrupt {
        let _ = py.import("_thread").and_then(|t| t.call_method0("interrupt_main"));
    }
    interrupt
}

/// The core client behind `wxkf.Client` and `wxkf.AsyncClient`.
#[pyclass(module = "wxkf._wxkf", frozen)]
struct Core {
    client: Arc<NativeClient>,
    host: HostErrors,
    /// Whether blocking calls may run on the calling thread's own runtime: only when nothing
    /// of the client calls back into Python or holds a connection of the shared runtime's (a
    /// Redis store), which a thread's runtime does not drive between its calls.
    local: bool,
    /// Blocking calls in progress.
    calls: Arc<AtomicUsize>,
}

/// A blocking call in progress on a `Core` (counted while it lives).
struct Call(Arc<AtomicUsize>);

impl Call {
    /// The call, and whether it runs on the calling thread's own runtime: when `local` and no
    /// other blocking call is in progress. One call at a time gains most from it (no hand-off
    /// to the shared runtime's threads and back); many at once run faster on the shared one.
    fn begin(calls: &Arc<AtomicUsize>, local: bool) -> (Call, bool) {
        let alone = calls.fetch_add(1, Ordering::AcqRel) == 0;
        (Call(calls.clone()), local && alone)
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<String, KfError> {
    serde_json::to_string(value).map_err(|e| KfError::decode(e.to_string(), b""))
}

/// The arguments of the guards' calls.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuardArgs {
    #[serde(default)]
    openid: String,
    action: Option<UserAction>,
    query: Option<PushQuery>,
    #[serde(default)]
    now: i64,
}

/// A push to accept: the webhook and the request's body.
type PushIn = Option<(Arc<CoreWebhook>, Vec<u8>)>;

/// `op` with its JSON arguments. Beside core's table: `access_token` (the cached token, for
/// brokers) and the guards' `budget`, `record_action` and `accept_push` (with `push`).
async fn run(client: Arc<NativeClient>, op: String, args: String, push: PushIn) -> Result<String, KfError> {
    let guard_args = || from_json::<GuardArgs>(&args);
    match op.as_str() {
        "access_token" => Ok(serde_json::Value::from(client.access_token().await?.expose()).to_string()),
        "budget" => to_json(&client.budget(&guard_args()?.openid).await?),
        "record_action" => {
            let a = guard_args()?;
            let action = a.action.ok_or_else(|| KfError::validation("action", "is required"))?;
            client.record_action(&a.openid, action).await.map(|()| "null".into())
        }
        "accept_push" => {
            let (a, (hook, body)) = (guard_args()?, push.ok_or_else(|| KfError::validation("webhook", "is required"))?);
            let query = a.query.ok_or_else(|| KfError::validation("query", "is required"))?;
            to_json(&client.accept_push(&hook, &query, &body, a.now).await?)
        }
        _ => client.call_json(&op, &args).await,
    }
}

#[pymethods]
impl Core {
    /// A client from its settings (one JSON object: core's `Credentials`, `ClientOptions` and
    /// `GuardOptions`), with an optional token provider (a callable), a key-value store (an
    /// object with `get`/`set`/`delete`) or a Redis URL, which keep the guards' state too
    /// unless a `guard_store` is given, and a budget `fallback` (a callable).
    #[new]
    #[pyo3(signature = (settings, provider=None, store=None, redis_url=None, guard_store=None, fallback=None))]
    fn new(
        py: Python<'_>,
        settings: String,
        provider: Option<Py<PyAny>>,
        store: Option<Py<PyAny>>,
        redis_url: Option<String>,
        guard_store: Option<Py<PyAny>>,
        fallback: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let host = HostErrors::default();
        let local =
            [provider.is_none(), store.is_none(), redis_url.is_none(), guard_store.is_none(), fallback.is_none()]
                .iter()
                .all(|&none| none);
        let fail = |e| core_error(py, None, e);
        let (credentials, options, guards) = guarded_settings_from_json(&settings).map_err(fail)?;
        let provider = provider.map(|p| Arc::new(hosted::PyProvider::new(p, host.clone())) as Arc<dyn TokenProvider>);
        let source =
            TokenSource::from_mode(credentials.mode(provider.is_some()).map_err(fail)?, provider).map_err(fail)?;
        let config =
            ClientConfig::from_options(source, &options).and_then(|c| c.guard_options(&guards)).map_err(fail)?;
        let (store, shared): (Arc<dyn TokenStore>, Option<Arc<dyn KvStore>>) = match (store, redis_url) {
            (Some(kv), _) => {
                let kv = Arc::new(hosted::PyKv::new(kv, host.clone(), "token_store"));
                (Arc::new(KvTokenStore::new(kv.clone(), hosted::now_ms)), Some(kv))
            }
            (None, Some(url)) => {
                wxkf::validate::bounded("redis_url", &url).map_err(fail)?;
                let redis = Arc::new(block_on(py, wxkf_native::RedisStore::connect(&url))?.map_err(fail)?);
                (redis.clone(), Some(redis))
            }
            (None, None) => (Arc::new(MemoryStore::new()), None),
        };
        let guard_store = guard_store.map(|g| Arc::new(hosted::PyKv::new(g, host.clone(), "guard_store")) as _);
        let transport = {
            let _guard = runtime().enter();
            ReqwestTransport::new(NativeOptions::from(&options)).map_err(fail)?
        };
        let mut client = Client::new(config, transport, store, SystemClock::default());
        if let Some(kv) = guard_store.or(shared) {
            client = client.with_guard_store(kv);
        }
        if let Some(f) = fallback {
            client = client.with_budget_fallback(Arc::new(hosted::PyFallback(f)));
        }
        Ok(Core { client: Arc::new(client), host, local, calls: Arc::default() })
    }

    /// Runs operation `op` with `args` (a dict, or a JSON object as text); returns the result
    /// as Python data. Blocks with the GIL released. `accept_push` takes the `webhook` and the
    /// request's `body`.
    #[pyo3(signature = (op, args, webhook=None, body=None))]
    fn call(
        &self,
        py: Python<'_>,
        op: String,
        args: &Bound<'_, PyAny>,
        webhook: Option<&push::Webhook>,
        body: Option<&[u8]>,
    ) -> PyResult<Py<PyAny>> {
        let args = values::args_text(args)?;
        let push = webhook.map(|w| (w.0.clone(), body.unwrap_or_default().to_vec()));
        let (_call, own) = Call::begin(&self.calls, self.local);
        let out = block_on_with(py, own, run(self.client.clone(), op, args, push))?;
        values::from_json(py, &out.map_err(|e| core_error(py, Some(&self.host), e))?)
    }

    /// `call` as an asyncio awaitable.
    #[pyo3(signature = (op, args, webhook=None, body=None))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        op: String,
        args: &Bound<'py, PyAny>,
        webhook: Option<&push::Webhook>,
        body: Option<&[u8]>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = values::args_text(args)?;
        let push = webhook.map(|w| (w.0.clone(), body.unwrap_or_default().to_vec()));
        let fut = hosted::on_caller_loop(py, run(self.client.clone(), op, args, push))?;
        let host = self.host.clone();
        aio::into_py_future(py, async move {
            let out = fut.await;
            Python::attach(|py| match out {
                Ok(text) => values::from_json(py, &text),
                Err(e) => Err(core_error(py, Some(&host), e)),
            })
        })
    }

    /// Token requests made so far (to WeChat or the provider).
    fn token_fetches(&self) -> u64 {
        self.client.token_fetches()
    }

    /// A record walk: `{"start", "end", "page_size"}` or `{"cursor", "page_size"}` (JSON).
    fn walk(&self, py: Python<'_>, args: String) -> PyResult<RecordWalk> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Args {
            #[serde(default, deserialize_with = "present")]
            start: Option<i64>,
            #[serde(default, deserialize_with = "present")]
            end: Option<i64>,
            cursor: Option<RecordCursor>,
            page_size: i64,
        }
        /// Absent is `None`; `null` is refused like any value of the wrong type.
        fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
            i64::deserialize(d).map(Some)
        }
        let fail = |e| core_error(py, None, e);
        let args: Args = from_json(&args).map_err(fail)?;
        let walk = match args.cursor {
            Some(cursor) => CoreWalk::resume(cursor, args.page_size),
            None => CoreWalk::new(args.start.unwrap_or_default(), args.end.unwrap_or_default(), args.page_size),
        }
        .map_err(fail)?;
        Ok(RecordWalk {
            client: self.client.clone(),
            walk: Arc::new(tokio::sync::Mutex::new(walk)),
            host: self.host.clone(),
            local: self.local,
            calls: self.calls.clone(),
        })
    }
}

/// Core's `RecordWalk` with its client: one page (JSON) per crossing.
#[pyclass(module = "wxkf._wxkf", frozen)]
struct RecordWalk {
    client: Arc<NativeClient>,
    walk: Arc<tokio::sync::Mutex<CoreWalk>>,
    host: HostErrors,
    /// As its `Core`'s.
    local: bool,
    /// Its `Core`'s blocking calls in progress.
    calls: Arc<AtomicUsize>,
}

impl RecordWalk {
    /// The walk, unless a page is being fetched (waiting could deadlock on the GIL).
    fn idle(&self) -> PyResult<tokio::sync::MutexGuard<'_, CoreWalk>> {
        self.walk.try_lock().map_err(|_| PyRuntimeError::new_err("wxkf: the record walk is fetching a page"))
    }

    fn page(&self) -> impl std::future::Future<Output = Result<String, KfError>> + Send + 'static {
        let (client, walk) = (self.client.clone(), self.walk.clone());
        async move {
            let records = walk.lock().await.next_page(&*client).await?;
            serde_json::to_string(&records).map_err(|e| KfError::decode(e.to_string(), b""))
        }
    }
}

#[pymethods]
impl RecordWalk {
    /// The next page of records as a JSON list (empty at the end); blocks with the GIL released.
    fn next_page(&self, py: Python<'_>) -> PyResult<String> {
        let (_call, own) = Call::begin(&self.calls, self.local);
        block_on_with(py, own, self.page())?.map_err(|e| core_error(py, Some(&self.host), e))
    }

    /// `next_page` as an asyncio awaitable.
    fn next_page_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let fut = hosted::on_caller_loop(py, self.page())?;
        let host = self.host.clone();
        aio::into_py_future(py, async move {
            let out = fut.await;
            Python::attach(|py| match out {
                Ok(text) => Ok(text.into_pyobject(py)?.into_any().unbind()),
                Err(e) => Err(core_error(py, Some(&host), e)),
            })
        })
    }

    /// Core's cursor (JSON) once `taken` records of the last page (of `page_len`) were handed
    /// out; `None` when the walk is over.
    fn cursor(&self, taken: usize, page_len: usize) -> PyResult<Option<String>> {
        Ok(self.idle()?.cursor(taken, page_len).and_then(|c| serde_json::to_string(&c).ok()))
    }

    /// Pages fetched so far.
    fn pages_fetched(&self) -> PyResult<u64> {
        Ok(self.idle()?.pages_fetched())
    }
}

/// Every errcode wxkf knows (JSON list of `{errcode, name, meaning, retry, family}`).
#[pyfunction]
fn catalogue() -> String {
    serde_json::to_string(wxkf::error::CATALOGUE).unwrap_or_default()
}

/// The native module.
#[pymodule]
fn _wxkf(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install(m.py())?;
    m.add("CoreError", m.py().get_type::<CoreError>())?;
    aio::register(m)?;
    m.add("TYPING_REFRESH_MS", wxkf::callback::TYPING_REFRESH_MS)?;
    m.add_class::<Core>()?;
    m.add_class::<RecordWalk>()?;
    push::register(m)?;
    m.add_function(wrap_pyfunction!(catalogue, m)?)?;
    m.add_function(wrap_pyfunction!(logging::reset_logging, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
