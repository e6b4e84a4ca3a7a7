//! Loading and checking the shared vectors (`tests/vectors/*.json`), used by the sans-IO
//! runner and by the client runner.
#![allow(dead_code)]

use std::path::PathBuf;

use base64::Engine as _;
use serde_json::Value;
use wxkf::http::{query_pairs, url_path};
use wxkf::{HttpRequest, HttpResponse, KfError};

/// Every request/response case of every vector file (not the push ones), with its file name.
pub fn load_cases() -> Vec<(String, Value)> {
    // The directory at run time (cargo sets it): a test binary reused from another checkout of
    // the same target directory (cargo does not rebuild for a path change) reads this one's files.
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("../tests/vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".json") && !name.starts_with("push-")
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        for case in doc["cases"].as_array().cloned().unwrap_or_default() {
            out.push((file.clone(), case));
        }
    }
    out
}

/// The image bytes of an `upload_kf_head_img` input: `image_size` 0xFF bytes when given (big
/// inputs described compactly), else `image_base64` decoded.
pub fn image_of(input: &Value) -> Result<Vec<u8>, String> {
    if let Some(n) = input.get("image_size") {
        let n = n.as_u64().ok_or("image_size is not a count")?;
        return Ok(vec![0xFF; usize::try_from(n).map_err(|e| e.to_string())?]);
    }
    base64::engine::general_purpose::STANDARD
        .decode(input["image_base64"].as_str().unwrap_or(""))
        .map_err(|e| format!("image_base64: {e}"))
}

/// [`image_of`] as the JSON dispatch takes bytes: base64 text.
pub fn image_json(input: &Value) -> Result<Value, String> {
    image_of(input).map(|bytes| Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)))
}

/// The canned response of a case.
pub fn response_of(case: &Value) -> HttpResponse {
    let r = &case["response"];
    let status = r["status"].as_u64().unwrap_or(200) as u16;
    let body = match (&r["body"], &r["body_text"]) {
        (Value::Null, Value::String(text)) => text.clone().into_bytes(),
        (body, _) => serde_json::to_vec(body).unwrap_or_default(),
    };
    HttpResponse { status, headers: vec![], body }
}

/// Compares a built request with the case's `request`; returns what differs.
pub fn check_request(expected: &Value, actual: &HttpRequest) -> Result<(), String> {
    let method = expected["method"].as_str().unwrap_or("");
    if actual.method.as_str() != method {
        return Err(format!("method {} != {method}", actual.method));
    }
    let path = expected["path"].as_str().unwrap_or("");
    if url_path(&actual.url) != path {
        return Err(format!("path {} != {path}", url_path(&actual.url)));
    }
    if !actual.url.starts_with("https://api.weixin.qq.com/") {
        return Err(format!("base URL of {}", actual.redacted_url()));
    }
    let mut query: serde_json::Map<String, Value> = serde_json::Map::new();
    for (k, v) in query_pairs(&actual.url) {
        if query.insert(k.clone(), Value::String(v)).is_some() {
            return Err(format!("query parameter {k} twice"));
        }
    }
    if Value::Object(query.clone()) != expected["query"] {
        return Err(format!("query {query:?} != {}", expected["query"]));
    }
    if let Some(raw) = expected["raw_query"].as_str() {
        let actual_raw = actual.url.split_once('?').map(|(_, q)| q).unwrap_or("");
        if actual_raw != raw {
            return Err(format!("raw query {actual_raw} != {raw}"));
        }
    }
    if let Some(json) = expected.get("json") {
        let body: Value =
            serde_json::from_slice(&actual.body).map_err(|e| format!("body is not JSON ({e}): {:?}", actual.body))?;
        if &body != json {
            return Err(format!("json body {body} != {json}"));
        }
        if !actual.header("content-type").unwrap_or("").starts_with("application/json") {
            return Err("json body without application/json content type".into());
        }
        if expected["body_has_no_escapes"] == Value::Bool(true) && actual.body.windows(2).any(|w| w == b"\\u") {
            return Err(format!("body holds \\u escapes: {}", String::from_utf8_lossy(&actual.body)));
        }
    } else if let Some(mp) = expected.get("multipart") {
        check_multipart(mp, actual)?;
    } else if !actual.body.is_empty() {
        return Err(format!("unexpected body of {} bytes", actual.body.len()));
    }
    Ok(())
}

/// Parses a one-part multipart body and compares it with the case's description.
fn check_multipart(mp: &Value, actual: &HttpRequest) -> Result<(), String> {
    let ct = actual.header("content-type").unwrap_or("");
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .ok_or_else(|| format!("content type {ct} is not multipart/form-data"))?;
    let body = &actual.body;
    let open = format!("--{boundary}\r\n");
    let close = format!("\r\n--{boundary}--\r\n");
    if !body.starts_with(open.as_bytes()) || !body.ends_with(close.as_bytes()) {
        return Err("multipart framing".into());
    }
    let inner = &body[open.len()..body.len() - close.len()];
    let split = inner.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no part header end")?;
    let head = String::from_utf8_lossy(&inner[..split]).to_string();
    let data = &inner[split + 4..];
    let want_head = format!(
        "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}",
        mp["field"].as_str().unwrap_or(""),
        mp["filename"].as_str().unwrap_or(""),
        mp["content_type"].as_str().unwrap_or("")
    );
    if head != want_head {
        return Err(format!("part header {head:?} != {want_head:?}"));
    }
    let same = match mp.get("data_size").and_then(Value::as_u64) {
        // `data_size`: that many 0xFF bytes.
        Some(n) => data.len() as u64 == n && data.iter().all(|&b| b == 0xFF),
        None => {
            let want = base64::engine::general_purpose::STANDARD
                .decode(mp["data_base64"].as_str().unwrap_or(""))
                .unwrap_or_default();
            data == want.as_slice()
        }
    };
    if !same {
        return Err(format!("part data differs ({} bytes)", data.len()));
    }
    Ok(())
}

/// Compares an outcome with the case's `expect`.
pub fn check_outcome(expect: &Value, outcome: &Result<Value, KfError>) -> Result<(), String> {
    match (outcome, expect.get("result"), expect.get("error")) {
        (Ok(value), Some(want), _) if value == want => Ok(()),
        (Ok(value), Some(want), _) => Err(format!("result {value} != {want}")),
        (Ok(value), None, _) => Err(format!("expected an error, got {value}")),
        (Err(e), _, Some(want)) => {
            let kind = want["kind"].as_str().unwrap_or("");
            let ok = match (kind, e) {
                ("api", KfError::Api { code, errcode, .. }) => {
                    Some(*errcode) == want["errcode"].as_i64()
                        && code.name() == want["code"].as_str().unwrap_or("")
                        && serde_json::to_value(e.retry_class()).ok().as_ref() == want.get("retry")
                }
                ("validation", KfError::Validation { field, .. }) => Some(field.as_str()) == want["field"].as_str(),
                ("decode", KfError::Decode { .. }) => true,
                ("http", KfError::Http { status, .. }) => Some(u64::from(*status)) == want["status"].as_u64(),
                _ => false,
            };
            if ok {
                Ok(())
            } else {
                Err(format!("error {e:?} != {want}"))
            }
        }
        (Err(e), _, None) => Err(format!("unexpected error {e}")),
    }
}
