//! `KfError` → the exception classes of `wxkf.errors`, mapped in one place.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{json, Value};
use wxkf::error::{ErrorFamily, RetryClass, CATALOGUE};
use wxkf::KfError;

fn retry_name(r: RetryClass) -> &'static str {
    match r {
        RetryClass::RefreshToken => "refresh_token",
        RetryClass::RetryLater => "retry_later",
        RetryClass::Never => "never",
    }
}

fn family_name(f: ErrorFamily) -> String {
    serde_json::to_value(f).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| "other".to_string())
}

/// Longest text (in bytes) an exception carries; longer ones are cut.
const MAX_TEXT_BYTES: usize = 1024;

/// `text` cut to at most `MAX_TEXT_BYTES` (on a character boundary), saying how long it was.
/// Some texts quote input (serde's "invalid type: string \"…\"", an unknown message key, a
/// host's exception, a server's `errmsg`): a 10 MB input must not become a 10 MB exception.
fn capped(text: &str) -> String {
    if text.len() <= MAX_TEXT_BYTES {
        return text.to_string();
    }
    let mut end = MAX_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

/// The error as plain data: `kind`, `message` and the kind's fields (every text capped).
fn describe(e: &KfError) -> Value {
    let message = capped(&e.to_string());
    let c = |s: &str| capped(s);
    match e {
        KfError::Api { code, errcode, errmsg } => json!({
            "kind": "api", "message": message, "errcode": errcode, "errmsg": c(errmsg), "code": code.name(),
            "retry": retry_name(code.retry_class()), "family": family_name(code.family()),
        }),
        KfError::Validation { field, reason } => {
            json!({"kind": "validation", "message": message, "field": c(field), "reason": c(reason)})
        }
        KfError::Decode { reason, body } => {
            json!({"kind": "decode", "message": message, "reason": c(reason), "body": c(body)})
        }
        KfError::Http { status, body } => {
            json!({"kind": "http", "message": message, "status": status, "body": c(body)})
        }
        KfError::Transport { kind, message: detail } => {
            json!({"kind": "transport", "message": message, "transport_kind": kind, "detail": c(detail)})
        }
        KfError::Callback { kind, reason } => {
            json!({"kind": "callback", "message": message, "callback_kind": kind, "reason": c(reason)})
        }
    }
}

/// Plain JSON-like data → Python objects.
pub(crate) fn value_to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    pythonize::pythonize(py, value)
        .map(Bound::unbind)
        .map_err(|e| PyRuntimeError::new_err(format!("wxkf: cannot convert a result: {e}")))
}

/// The `wxkf.errors` exception for `e` (a `RuntimeError` if that module cannot be loaded).
pub(crate) fn to_pyerr(py: Python<'_>, e: KfError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let data = value_to_py(py, &describe(&e))?;
        let factory = py.import("wxkf.errors")?.getattr("_from_core")?;
        Ok(PyErr::from_value(factory.call1((data,))?))
    };
    build().unwrap_or_else(|import_error| {
        PyRuntimeError::new_err(format!("{e} (and wxkf.errors could not be loaded: {import_error})"))
    })
}

/// `Ok(value)` → Python data; `Err` → the mapped exception.
pub(crate) fn into_py_result(py: Python<'_>, out: Result<Value, KfError>) -> PyResult<Py<PyAny>> {
    match out {
        Ok(v) => value_to_py(py, &v),
        Err(e) => Err(to_pyerr(py, e)),
    }
}

/// Every errcode wxkf knows: a list of dicts `{errcode, name, meaning, retry, family}`.
#[pyfunction]
pub(crate) fn catalogue(py: Python<'_>) -> PyResult<Py<PyAny>> {
    let list = pyo3::types::PyList::empty(py);
    for row in CATALOGUE {
        let d = PyDict::new(py);
        d.set_item("errcode", row.errcode)?;
        d.set_item("name", row.name)?;
        d.set_item("meaning", row.meaning)?;
        d.set_item("retry", retry_name(row.retry))?;
        d.set_item("family", family_name(row.family))?;
        list.append(d)?;
    }
    Ok(list.into_any().unbind())
}
