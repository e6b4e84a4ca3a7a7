//! `KfError` → the exception classes of `wxkf.errors`, mapped in one place.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;
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

/// The error as plain data: core's error view (`kind`, `code`, `message` and the kind's fields).
fn describe(e: &KfError) -> Value {
    let mut view = serde_json::to_value(e.view()).unwrap_or_default();
    // The Python layer still reads the transport text as `detail` (until it is generated).
    if let (KfError::Transport { reason, .. }, Some(map)) = (e, view.as_object_mut()) {
        map.insert("detail".into(), Value::String(reason.clone()));
    }
    view
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
