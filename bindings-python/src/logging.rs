//! Core's `tracing` events into Python's `logging` (logger `wxkf`) through `log` and pyo3-log.

use std::sync::{Mutex, OnceLock};

use pyo3::prelude::*;

static LOG_RESET: OnceLock<pyo3_log::ResetHandle> = OnceLock::new();

/// Whether a (target, level) of wxkf's is enabled in Python, as its logger last said;
/// forgotten with pyo3-log's cache (`reset_logging`). Without it every event of every call
/// reaches pyo3-log's `log` (~3.5k instructions a call, with the URL redacted and the message
/// formatted for nothing): pyo3-log's own `enabled` says yes until a first event has filled its
/// cache. A handful of targets: a list, no hashing.
static ENABLED: Mutex<Vec<(String, [Option<bool>; 5])>> = Mutex::new(Vec::new());

/// pyo3-log for wxkf's own events: the other crates' (hyper's, reqwest's, several per
/// request, all filtered out) are dropped before pyo3-log hashes their target to look it up.
struct WxkfOnly(pyo3_log::Logger);

/// Whether `target` is wxkf's (what the `wxkf` filter of the logger matches).
fn is_wxkf(target: &str) -> bool {
    target.strip_prefix("wxkf").is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

/// Python's number for a `log` level, as pyo3-log maps it (`Trace` is 5).
fn python_level(level: log::Level) -> u32 {
    match level {
        log::Level::Error => 40,
        log::Level::Warn => 30,
        log::Level::Info => 20,
        log::Level::Debug => 10,
        log::Level::Trace => 5,
    }
}

/// What Python's logger of `target` (`wxkf.client` for `wxkf::client`) says of `level`; an
/// error asking counts as enabled, so that pyo3-log decides — but Ctrl-C met while asking
/// (`None`) is kept for the call and the event dropped, since pyo3-log would swallow it too.
fn python_enabled(target: &str, level: log::Level) -> Option<bool> {
    Python::attach(|py| {
        let ask = || -> PyResult<bool> {
            let logger = py.import("logging")?.getattr("getLogger")?.call1((target.replace("::", "."),))?;
            logger.call_method1("isEnabledFor", (python_level(level),))?.is_truthy()
        };
        match ask() {
            Ok(enabled) => Some(enabled),
            Err(e) if crate::keep_interrupt(py, &e) => None,
            Err(_) => Some(true),
        }
    })
}

impl log::Log for WxkfOnly {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        if !is_wxkf(metadata.target()) {
            return false;
        }
        let at = metadata.level() as usize - 1; // Error is 1 … Trace is 5
        let known = || ENABLED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(enabled) = known().iter().find(|(t, _)| t == metadata.target()).and_then(|(_, l)| l[at]) {
            return enabled;
        }
        // Not under the lock: asking takes the GIL, and a thread holding the GIL may be
        // waiting for the lock to log.
        let enabled = if self.0.enabled(metadata) {
            match python_enabled(metadata.target(), metadata.level()) {
                Some(enabled) => enabled,
                None => return false, // interrupted: asked again next time
            }
        } else {
            false
        };
        let mut known = known();
        let at_target = match known.iter().position(|(t, _)| t == metadata.target()) {
            Some(i) => i,
            None => {
                known.push((metadata.target().to_string(), [None; 5]));
                known.len() - 1
            }
        };
        known[at_target].1[at] = Some(enabled);
        enabled
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.0.log(record);
            // pyo3-log leaves an error of Python's logging set as the current exception: a call
            // must not return with it set, and a Ctrl-C met in there must still stop the call.
            Python::attach(|py| {
                if let Some(e) = PyErr::take(py) {
                    crate::keep_interrupt(py, &e);
                }
            });
        }
    }

    fn flush(&self) {
        self.0.flush();
    }
}

/// Installs the logger, unless another extension owns the global one already (then wxkf logs
/// through that).
pub(crate) fn install(py: Python<'_>) -> PyResult<()> {
    let logger = pyo3_log::Logger::new(py, pyo3_log::Caching::LoggersAndLevels)?
        .filter(log::LevelFilter::Off)
        .filter_target("wxkf".to_string(), log::LevelFilter::Trace);
    let handle = logger.reset_handle();
    if log::set_boxed_logger(Box::new(WxkfOnly(logger))).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
        let _ = LOG_RESET.set(handle);
    }
    Ok(())
}

/// Forgets the cached Python logger levels (call after changing the `wxkf` logger's level).
#[pyfunction]
pub(crate) fn reset_logging() {
    ENABLED.lock().unwrap_or_else(|e| e.into_inner()).clear();
    if let Some(handle) = LOG_RESET.get() {
        handle.reset();
    }
}
