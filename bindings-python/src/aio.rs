//! asyncio futures completed by tokio tasks, and an exit that waits for the completions in
//! progress.
//!
//! Why not `pyo3_async_runtimes::tokio::future_into_py`: its task completes the future with
//! `loop.call_soon_threadsafe` from a runtime thread, which queues the callback, then releases
//! the GIL in the socket write that wakes the loop. The loop may run the callback meanwhile,
//! `asyncio.run` return and the interpreter start finalizing; the runtime thread, taking the
//! GIL back after its write, is then ended by Python with `pthread_exit`, which cannot unwind
//! through Rust frames: the process aborts (SIGABRT at exit, ~1 run in 40 of the async demo).
//! Here each completion is counted while it is in Python, and an `atexit` hook (registered by
//! the module) lets the counted ones finish before finalization begins.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use tokio::task::AbortHandle;

/// Completions of asyncio futures running in Python on a runtime thread now.
static COMPLETING: AtomicUsize = AtomicUsize::new(0);
/// Set by the `atexit` hook: completions that have not begun are skipped (nobody waits).
static EXITING: AtomicBool = AtomicBool::new(false);

/// Counts one completion for as long as it lives.
struct Completing;

impl Completing {
    fn enter() -> Self {
        COMPLETING.fetch_add(1, Ordering::SeqCst);
        Completing
    }
}

impl Drop for Completing {
    fn drop(&mut self) {
        COMPLETING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An asyncio future of the running loop that `fut` (spawned on the runtime) completes;
/// cancelling it aborts the task.
pub(crate) fn into_py_future<'py, F>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<Py<PyAny>>> + Send + 'static,
{
    let event_loop = pyo3_async_runtimes::get_running_loop(py)?;
    let py_fut = event_loop.call_method0("create_future")?;
    let complete = py.import("wxkf._native")?.getattr("complete")?.unbind();
    let (event_loop, target) = (event_loop.unbind(), py_fut.clone().unbind());
    let task = crate::runtime().spawn(async move {
        let out = fut.await;
        let _counted = Completing::enter();
        if EXITING.load(Ordering::SeqCst) {
            return; // the interpreter is about to finalize: taking the GIL would abort
        }
        Python::attach(|py| {
            let (ok, value) = match out {
                Ok(value) => (true, value),
                Err(e) => (false, e.into_value(py).into_any()),
            };
            // A closed loop (its `asyncio.run` is over): nobody waits for the result.
            let _ = event_loop.bind(py).call_method1("call_soon_threadsafe", (complete, target, ok, value));
        });
    });
    py_fut.call_method1("add_done_callback", (AbortOnCancel(task.abort_handle()),))?;
    Ok(py_fut)
}

/// The done-callback that aborts the task of a cancelled future (`asyncio.wait_for`, a
/// cancelled `gather`): its request is dropped.
#[pyclass(module = "wxkf._wxkf", frozen)]
struct AbortOnCancel(AbortHandle);

#[pymethods]
impl AbortOnCancel {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut.call_method0("cancelled")?.is_truthy()? {
            self.0.abort();
        }
        Ok(())
    }
}

/// The `atexit` hook: waits (the GIL released, at most a second) until no completion is in
/// Python, so that none is running when finalization begins.
#[pyfunction]
pub(crate) fn finish_completions(py: Python<'_>) {
    EXITING.store(true, Ordering::SeqCst);
    py.detach(|| {
        let give_up = Instant::now() + Duration::from_secs(1);
        while COMPLETING.load(Ordering::SeqCst) > 0 && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Registers [`finish_completions`] with `atexit` (not a module attribute: internal).
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let hook = wrap_pyfunction!(finish_completions, m)?;
    m.py().import("atexit")?.call_method1("register", (hook,))?;
    Ok(())
}
