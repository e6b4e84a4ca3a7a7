//! The values of `Core.call`: its arguments read from Python data into JSON text here, its
//! result handed back as Python data. Once per call, `json.dumps`/`json.loads` in Python cost
//! more than the call's own Python (~10 µs each at one call at a time, measured: their code
//! is no longer in the CPU's caches when the response comes back).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

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
    match serde_json::to_string(&Data(args, 0)) {
        Ok(text) => Ok(text),
        Err(_) => args.py().import("wxkf._native")?.getattr("dumps")?.call1((args,))?.extract(),
    }
}

/// Python data written as JSON while it is read (no intermediate value); the write fails on
/// anything `args_text` leaves to `json`.
struct Data<'a, 'py>(&'a Bound<'py, PyAny>, usize);

impl Serialize for Data<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Data(obj, depth) = *self;
        let refuse = || S::Error::custom("left to json");
        if depth > MAX_DEPTH {
            return Err(refuse());
        }
        if obj.is_none() {
            s.serialize_unit()
        } else if let Ok(text) = obj.cast::<PyString>() {
            s.serialize_str(&text.to_cow().map_err(|_| refuse())?)
        } else if let Ok(b) = obj.cast::<PyBool>() {
            s.serialize_bool(b.is_true())
        } else if obj.is_instance_of::<PyInt>() {
            // Beyond i64/u64 `json` writes the digits, which core refuses by field: left to it.
            if let Ok(i) = obj.extract::<i64>() {
                s.serialize_i64(i)
            } else {
                s.serialize_u64(obj.extract::<u64>().map_err(|_| refuse())?)
            }
        } else if let Ok(f) = obj.cast::<PyFloat>() {
            let v = f.value();
            if v.is_finite() {
                s.serialize_f64(v)
            } else {
                Err(refuse())
            }
        } else if let Ok(dict) = obj.cast::<PyDict>() {
            let mut map = s.serialize_map(Some(dict.len()))?;
            for (k, v) in dict.iter() {
                let key = k.cast::<PyString>().map_err(|_| refuse())?.to_cow().map_err(|_| refuse())?;
                map.serialize_entry(&*key, &Data(&v, depth + 1))?;
            }
            map.end()
        } else if let Ok(list) = obj.cast::<PyList>() {
            let mut seq = s.serialize_seq(Some(list.len()))?;
            for v in list.iter() {
                seq.serialize_element(&Data(&v, depth + 1))?;
            }
            seq.end()
        } else if let Ok(tuple) = obj.cast::<PyTuple>() {
            let mut seq = s.serialize_seq(Some(tuple.len()))?;
            for v in tuple.iter() {
                seq.serialize_element(&Data(&v, depth + 1))?;
            }
            seq.end()
        } else {
            Err(refuse())
        }
    }
}

/// Core's JSON result as Python data (`None` for `null`), parsed by `json`'s C scanner
/// (`JSONDecoder().scan_once`): what `json.loads` runs, without its Python frames and
/// whitespace regexes, and sharing each key's string within the result as it does (a page of
/// records would hold a copy of every key per record otherwise).
pub(crate) fn from_json(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    static SCAN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    if text == "null" {
        return Ok(py.None());
    }
    let scan = SCAN.get_or_try_init(py, || {
        py.import("json.decoder")?.getattr("JSONDecoder")?.call0()?.getattr("scan_once").map(Bound::unbind)
    })?;
    Ok(scan.bind(py).call1((text, 0))?.get_item(0)?.unbind())
}
