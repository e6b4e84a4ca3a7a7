//! The push (callback) side: core's `Webhook` (replay protection on, reply nonce and envelope
//! from the runtime's entropy), and the parts the free functions of `wxkf.push` expose: a
//! replay guard, `open_push` and `build_reply` with an explicit nonce. Values cross as JSON.

use std::sync::Mutex;

use pyo3::prelude::*;
use wxkf::callback::{MemoryReplayGuard, PushQuery, UrlQuery, DEFAULT_REPLAY_CAPACITY, DEFAULT_WINDOW_SECS};
use wxkf::ops::from_json;
use wxkf::{CallbackConfig, KfError, OpenedPush, Reply};

use crate::core_error;

fn fail(e: KfError) -> PyErr {
    Python::attach(|py| core_error(py, None, e))
}

fn opened_json(opened: Result<OpenedPush, KfError>) -> PyResult<String> {
    serde_json::to_string(&opened.map_err(fail)?).map_err(|e| fail(KfError::decode(e.to_string(), b"")))
}

/// The opened push a reply answers and the reply, from their JSON.
fn answer(to: &str, reply: &str) -> PyResult<(OpenedPush, Reply)> {
    Ok((from_json(to).map_err(fail)?, from_json(reply).map_err(fail)?))
}

/// One Official Account's push endpoint (core's `Webhook`).
#[pyclass(module = "wxkf._wxkf", frozen)]
pub(crate) struct Webhook(pub(crate) std::sync::Arc<wxkf::callback::Webhook>);

#[pymethods]
impl Webhook {
    /// A webhook for `config` (JSON), remembering `replay_capacity` pushes (core's default
    /// when `None`, no replay protection when 0).
    #[new]
    #[pyo3(signature = (config, replay_capacity=None))]
    fn new(config: String, replay_capacity: Option<usize>) -> PyResult<Self> {
        let config: CallbackConfig = from_json(&config).map_err(fail)?;
        wxkf::callback::Webhook::new(config, replay_capacity).map(|w| Webhook(w.into())).map_err(fail)
    }

    /// Answers a URL check: the `echostr` to echo.
    fn check_url(&self, query: String, now: i64) -> PyResult<String> {
        let query: UrlQuery = from_json(&query).map_err(fail)?;
        self.0.check_url(&query, now).map_err(fail)
    }

    /// Verifies, decrypts and parses a push, refusing replays; the opened push as JSON.
    fn open(&self, query: String, body: &[u8], now: i64) -> PyResult<String> {
        let query: PushQuery = from_json(&query).map_err(fail)?;
        opened_json(self.0.open(&query, body, now))
    }

    /// The HTTP body answering the opened push `to` (JSON, as `open` gave it); `entropy` is 24
    /// random bytes for the nonce and the envelope.
    fn reply(&self, to: String, reply: String, now: i64, entropy: &[u8]) -> PyResult<String> {
        let (to, reply) = answer(&to, &reply)?;
        self.0.reply(to.reply_to(), &reply, now, entropy).map_err(fail)
    }
}

/// Remembers accepted (nonce, timestamp) pairs so a captured push cannot be replayed.
#[pyclass(module = "wxkf._wxkf", frozen)]
struct ReplayGuard(Mutex<MemoryReplayGuard>);

#[pymethods]
impl ReplayGuard {
    /// A guard of `capacity` pairs (core's webhook default when `None`) for `window_secs`.
    #[new]
    #[pyo3(signature = (capacity=None, window_secs=None))]
    fn new(capacity: Option<u64>, window_secs: Option<u64>) -> Self {
        let capacity = capacity.map_or(DEFAULT_REPLAY_CAPACITY, |c| usize::try_from(c).unwrap_or(usize::MAX));
        ReplayGuard(Mutex::new(MemoryReplayGuard::new(capacity, window_secs.unwrap_or(DEFAULT_WINDOW_SECS))))
    }

    /// How many pairs are remembered.
    fn __len__(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Verifies, decrypts and parses one push (with `guard`, refusing replays); JSON in and out.
#[pyfunction]
#[pyo3(signature = (config, query, body, now, guard=None))]
fn open_push(config: String, query: String, body: &[u8], now: i64, guard: Option<&ReplayGuard>) -> PyResult<String> {
    let config: CallbackConfig = from_json(&config).map_err(fail)?;
    let query: PushQuery = from_json(&query).map_err(fail)?;
    opened_json(match guard {
        Some(g) => {
            wxkf::open_push_guarded(&config, &query, body, now, &mut *g.0.lock().unwrap_or_else(|p| p.into_inner()))
        }
        None => wxkf::open_push(&config, &query, body, now),
    })
}

/// The HTTP body answering the opened push `to` (JSON), with the caller's nonce and 16
/// envelope bytes.
#[pyfunction]
fn build_reply(
    config: String,
    to: String,
    reply: String,
    now: i64,
    nonce: String,
    random16: &[u8],
) -> PyResult<String> {
    let config: CallbackConfig = from_json(&config).map_err(fail)?;
    let (to, reply) = answer(&to, &reply)?;
    let random16: &[u8; 16] =
        random16.try_into().map_err(|_| fail(KfError::validation("random16", "must be exactly 16 bytes")))?;
    wxkf::build_reply(&config, &to, &reply, now, &nonce, random16).map_err(fail)
}

/// Adds the push side to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Webhook>()?;
    m.add_class::<ReplayGuard>()?;
    m.add_function(wrap_pyfunction!(open_push, m)?)?;
    m.add_function(wrap_pyfunction!(build_reply, m)?)
}
