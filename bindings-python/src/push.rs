//! The push (callback) side: URL check, opening pushes, passive replies — core's functions
//! with the clock and randomness supplied by the Python layer.

use std::sync::Mutex;

use pyo3::prelude::*;
use wxkf::callback::{CallbackConfig, MemoryReplayGuard, OpenedPush, PushQuery, Reply, UrlQuery};
use wxkf::KfError;

use crate::errors::{to_pyerr, value_to_py};
use crate::pyvalue::from_py;

fn config_of(py: Python<'_>, config: &Bound<'_, PyAny>) -> PyResult<CallbackConfig> {
    let config: CallbackConfig = from_py(config, "config").map_err(|e| to_pyerr(py, e))?;
    config.validate().map_err(|e| to_pyerr(py, e))?;
    Ok(config)
}

/// An optional int argument from 0 to 2**64-1 (`default` when absent).
fn count(py: Python<'_>, value: Option<&Bound<'_, PyAny>>, field: &str, default: u64) -> PyResult<u64> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(default);
    };
    // Anything with `__index__` but a bool; floats and strs are refused.
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(to_pyerr(py, KfError::validation(field, "must be an int, not bool")));
    }
    value.extract::<u64>().map_err(|_| to_pyerr(py, KfError::validation(field, "must be an int from 0 to 2**64-1")))
}

/// Remembers accepted (nonce, timestamp) pairs so a captured push cannot be replayed.
#[pyclass(module = "wxkf._wxkf", frozen)]
pub(crate) struct ReplayGuard {
    inner: Mutex<MemoryReplayGuard>,
}

#[pymethods]
impl ReplayGuard {
    /// A guard remembering at most `capacity` pairs for `window_secs` seconds. Arguments that
    /// are not ints from 0 to 2**64-1 are `ValidationError`s naming them.
    #[new]
    #[pyo3(signature = (capacity=None, window_secs=None), text_signature = "(capacity=100000, window_secs=300)")]
    fn new(
        py: Python<'_>,
        capacity: Option<&Bound<'_, PyAny>>,
        window_secs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let capacity = count(py, capacity, "capacity", 100_000)?;
        let window_secs = count(py, window_secs, "window_secs", 300)?;
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
        Ok(ReplayGuard { inner: Mutex::new(MemoryReplayGuard::new(capacity, window_secs)) })
    }

    /// How many pairs are remembered.
    fn __len__(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Answers a URL check (GET): returns the `echostr` to echo.
#[pyfunction]
pub(crate) fn check_url(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    query: &Bound<'_, PyAny>,
    now: i64,
) -> PyResult<String> {
    let config = config_of(py, config)?;
    let query: UrlQuery = from_py(query, "query").map_err(|e| to_pyerr(py, e))?;
    wxkf::check_url(&config, &query, now).map_err(|e| to_pyerr(py, e))
}

/// Verifies, decrypts and parses one push (POST); returns the opened push as a dict.
#[pyfunction]
#[pyo3(signature = (config, query, body, now, guard=None))]
pub(crate) fn open_push(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    query: &Bound<'_, PyAny>,
    body: Vec<u8>,
    now: i64,
    guard: Option<&ReplayGuard>,
) -> PyResult<Py<PyAny>> {
    let config = config_of(py, config)?;
    let query: PushQuery = from_py(query, "query").map_err(|e| to_pyerr(py, e))?;
    let opened = match guard {
        Some(g) => {
            let mut g = g.inner.lock().unwrap_or_else(|p| p.into_inner());
            wxkf::open_push_guarded(&config, &query, &body, now, &mut *g)
        }
        None => wxkf::open_push(&config, &query, &body, now),
    }
    .map_err(|e| to_pyerr(py, e))?;
    let value = serde_json::to_value(opened).map_err(|e| to_pyerr(py, KfError::decode(e.to_string(), b"")))?;
    value_to_py(py, &value)
}

/// Builds the HTTP body answering an opened push (encrypted when the push was).
#[pyfunction]
pub(crate) fn build_reply(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    opened: &Bound<'_, PyAny>,
    reply: &Bound<'_, PyAny>,
    now: i64,
    nonce: &str,
    random16: Vec<u8>,
) -> PyResult<String> {
    let config = config_of(py, config)?;
    let opened: OpenedPush = from_py(opened, "opened").map_err(|e| to_pyerr(py, e))?;
    let reply: Reply = from_py(reply, "reply").map_err(|e| to_pyerr(py, e))?;
    let random16: [u8; 16] =
        random16.try_into().map_err(|_| to_pyerr(py, KfError::validation("random16", "must be exactly 16 bytes")))?;
    wxkf::build_reply(&config, &opened, &reply, now, nonce, &random16).map_err(|e| to_pyerr(py, e))
}
