//! Core's `tracing` events into Python's `logging` (logger `wxkf`) through `log` and pyo3-log.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use pyo3::prelude::*;

static LOG_RESET: OnceLock<pyo3_log::ResetHandle> = OnceLock::new();

/// Whether a (target, level) of wxkf's is enabled in Python, as pyo3-log last said; forgotten
/// with its cache (`reset_logging`). Asking pyo3-log walks its cache by the target's path
/// segments: ~1.6k instructions for each of the two debug events of every call.
static ENABLED: Mutex<Option<HashMap<String, [Option<bool>; 5]>>> = Mutex::new(None);

/// pyo3-log for wxkf's own events: the other crates' (hyper's, reqwest's, several per
/// request, all filtered out) are dropped before pyo3-log hashes their target to look it up.
struct WxkfOnly(pyo3_log::Logger);

/// Whether `target` is wxkf's (what the `wxkf` filter of the logger matches).
fn is_wxkf(target: &str) -> bool {
    target.strip_prefix("wxkf").is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

impl log::Log for WxkfOnly {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        if !is_wxkf(metadata.target()) {
            return false;
        }
        let at = metadata.level() as usize - 1; // Error is 1 … Trace is 5
        let known = || ENABLED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(enabled) = known().as_ref().and_then(|k| k.get(metadata.target())).and_then(|l| l[at]) {
            return enabled;
        }
        // Not under the lock: pyo3-log may take the GIL, and a thread holding the GIL may be
        // waiting for the lock to log.
        let enabled = self.0.enabled(metadata);
        known().get_or_insert_with(HashMap::new).entry(metadata.target().to_string()).or_default()[at] = Some(enabled);
        enabled
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.0.log(record);
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
    *ENABLED.lock().unwrap_or_else(|e| e.into_inner()) = None;
    if let Some(handle) = LOG_RESET.get() {
        handle.reset();
    }
}
