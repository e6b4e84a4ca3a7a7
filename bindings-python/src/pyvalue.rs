//! Python arguments → JSON values for core.
//!
//! Replaces `pythonize::depythonize` into a `serde_json::Value`, which recursed without a
//! limit (a message dict holding a list nested 100 000 deep overflowed the stack: a
//! segfault) and turned `float("nan")` into `null` (an optional field silently dropped).
//! Here nesting is bounded, and what JSON cannot carry — non-finite floats, integers beyond
//! 64 bits, strs with unpaired surrogates, other types — is a `ValidationError` naming the
//! path of the value (`message.text.content`).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use wxkf::KfError;

/// Deepest nesting accepted (a message is 5 levels deep, a push reply 4).
const MAX_DEPTH: usize = 32;
/// Longest dict key written into a path, in bytes.
const MAX_KEY_BYTES: usize = 64;

fn join(path: &str, key: &str) -> String {
    let key = if key.len() <= MAX_KEY_BYTES {
        key
    } else {
        let mut end = MAX_KEY_BYTES;
        while !key.is_char_boundary(end) {
            end -= 1;
        }
        &key[..end]
    };
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn invalid(path: &str, reason: impl Into<String>) -> KfError {
    KfError::validation(if path.is_empty() { "arguments" } else { path }, reason)
}

fn text(s: &Bound<'_, PyString>, path: &str) -> Result<String, KfError> {
    s.to_cow()
        .map(|c| c.into_owned())
        .map_err(|_| invalid(path, "holds an unpaired surrogate, which is not valid Unicode"))
}

/// `obj` as a JSON value; `path` names it in errors.
pub(crate) fn to_value(obj: &Bound<'_, PyAny>, path: &str) -> Result<Value, KfError> {
    convert(obj, path, 0)
}

fn convert(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> Result<Value, KfError> {
    if depth > MAX_DEPTH {
        return Err(invalid(path, format!("nests deeper than {MAX_DEPTH} levels")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(i.into());
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(u.into());
        }
        return Err(invalid(path, "is an integer beyond 64 bits"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value()).map(Value::Number).ok_or_else(|| invalid(path, "must be a finite number"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return text(s, path).map(Value::String);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let Ok(k) = k.cast::<PyString>() else {
                return Err(invalid(path, "has a key that is not a str"));
            };
            let key = text(k, path)?;
            let value = convert(&v, &join(path, &key), depth + 1)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    let items = if let Ok(l) = obj.cast::<PyList>() {
        l.iter().collect::<Vec<_>>()
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        t.iter().collect::<Vec<_>>()
    } else {
        let name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into());
        return Err(invalid(path, format!("has an unsupported type: {name}")));
    };
    items.iter().enumerate().map(|(i, v)| convert(v, &format!("{path}[{i}]"), depth + 1)).collect()
}

/// `obj` read as `T` (through its JSON value); `field` names it in errors.
pub(crate) fn from_py<T: serde::de::DeserializeOwned>(obj: &Bound<'_, PyAny>, field: &str) -> Result<T, KfError> {
    let value = to_value(obj, field)?;
    serde_json::from_value(value).map_err(|e| KfError::validation(field, format!("has the wrong type or shape: {e}")))
}
