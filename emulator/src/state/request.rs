//! One parsed request and the JSON-body readers every operation shares.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::errors::{e, ed, ApiError};

/// One parsed request as the state sees it.
pub struct Req<'a> {
    /// Decoded query pairs.
    pub query: &'a [(String, String)],
    /// The raw query string (to spot `%40`).
    pub raw_query: &'a str,
    /// The raw body.
    pub body: &'a [u8],
    /// True for a POST (routes that take both forms read the body then, the query otherwise).
    pub post: bool,
    /// The caller's IP.
    pub ip: IpAddr,
}

impl Req<'_> {
    pub(super) fn q(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

pub(super) fn body_obj(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(e(44002));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ed(47001, "body is not a JSON object")),
        Err(_) => Err(ed(47001, "body is not valid JSON")),
    }
}

pub(super) fn opt_str<'a>(m: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ed(47001, format!("{k} must be a string"))),
    }
}

pub(super) fn req_str<'a>(m: &'a Map<String, Value>, k: &str, missing: i64) -> Result<&'a str, ApiError> {
    opt_str(m, k)?.ok_or_else(|| ed(missing, format!("missing {k}")))
}

pub(super) fn opt_i64(m: &Map<String, Value>, k: &str) -> Result<Option<i64>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| ed(47001, format!("{k} must be an integer"))),
    }
}
