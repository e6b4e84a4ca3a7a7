//! The values of `Core.call`: its arguments read from Python data into JSON text here, its
//! result handed back as Python data. Once per call, `json.dumps`/`json.loads` in Python cost
//! more than the call's own Python (~10 µs each at one call at a time, measured: their code
//! is no longer in the CPU's caches when the response comes back).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Nesting deeper than any argument of core's table has: left to `json` (which says so).
const MAX_DEPTH: usize = 32;

/// `args` as JSON text: a `str` as it is; Python data of the kinds JSON carries, written as
/// `json.dumps` writes them (`dict` with `str` keys, `list`, `tuple`, `str`, `int`, finite
/// `float`, `bool`, `None`); anything else through the package's `_native.dumps`, which
/// refuses what JSON cannot carry with an error naming the argument.
pub(crate) fn args_text(args: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = args.cast::<PyString>() {
        return Ok(text.to_cow()?.into_owned());
    }
    match value(args, 0) {
        Some(v) => Ok(v.to_string()),
        None => args.py().import("wxkf._native")?.getattr("dumps")?.call1((args,))?.extract(),
    }
}

/// The JSON value of `obj`, `None` when it is (or holds) anything else.
fn value(obj: &Bound<'_, PyAny>, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    if obj.is_none() {
        Some(Value::Null)
    } else if let Ok(s) = obj.cast::<PyString>() {
        s.to_cow().ok().map(|s| Value::String(s.into_owned()))
    } else if let Ok(b) = obj.cast::<PyBool>() {
        Some(Value::Bool(b.is_true()))
    } else if obj.is_instance_of::<PyInt>() {
        // Beyond i64/u64 `json` writes the digits, which core refuses by field: left to it.
        obj.extract::<i64>().map(Value::from).or_else(|_| obj.extract::<u64>().map(Value::from)).ok()
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        Number::from_f64(f.value()).map(Value::Number)
    } else if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k.cast::<PyString>().ok()?.to_cow().ok()?.into_owned();
            map.insert(key, value(&v, depth + 1)?);
        }
        Some(Value::Object(map))
    } else if let Ok(l) = obj.cast::<PyList>() {
        l.iter().map(|v| value(&v, depth + 1)).collect::<Option<_>>().map(Value::Array)
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        t.iter().map(|v| value(&v, depth + 1)).collect::<Option<_>>().map(Value::Array)
    } else {
        None
    }
}

/// Core's JSON result as Python data (`None` for `null`).
pub(crate) fn from_json(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    if text == "null" {
        return Ok(py.None());
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("wxkf: core's result is not JSON: {e}")))?;
    Ok(pythonize::pythonize(py, &value)?.unbind())
}
