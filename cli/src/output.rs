//! Tables for people, JSON for scripts.

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// Prints rows as an aligned table (columns by header; CJK and emoji count double), or as JSON.
pub fn table<T: Serialize>(json: bool, headers: &[&str], items: &[T]) {
    let values: Vec<serde_json::Value> = items.iter().filter_map(|i| serde_json::to_value(i).ok()).collect();
    if json {
        println!("{}", serde_json::Value::Array(values));
        return;
    }
    if values.is_empty() {
        println!("(none)");
        return;
    }
    let cell = |v: &serde_json::Value, h: &str| match v.get(h) {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let rows: Vec<Vec<String>> = values.iter().map(|v| headers.iter().map(|h| cell(v, h)).collect()).collect();
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| rows.iter().filter_map(|r| r.get(i)).map(|c| c.width()).chain([h.len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> =
            cells.iter().zip(&widths).map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.width())))).collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_uppercase()).collect());
    for r in rows {
        line(r);
    }
}

/// Prints one object as `key: value` lines, or as JSON.
pub fn object<T: Serialize>(json: bool, item: &T) {
    let value = serde_json::to_value(item).unwrap_or(serde_json::Value::Null);
    if json {
        println!("{value}");
        return;
    }
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => "-".into(),
                other => other.to_string(),
            };
            println!("{k}: {text}");
        }
    }
}

/// Confirms a write.
pub fn done(json: bool, what: &str) {
    if json {
        println!("{}", serde_json::json!({"ok": true, "done": what}));
    } else {
        println!("ok: {what}");
    }
}
