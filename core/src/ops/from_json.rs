//! How every JSON input of wxkf is read — the operation arguments of `Client::call_json`, the
//! JS binding's options and webhook calls: a failure names the path of the offending field and
//! never quotes the value given.
//!
//! The path comes from where serde_json stopped, read back from the text, not from a
//! path-tracking deserializer (which doubles the code of every type it reads), and an
//! arguments object is read field by field ([`JsonFields`]): one reader per argument type
//! however many operations take it. The wasm package counts every byte of that code.

use serde::de::{DeserializeOwned, IgnoredAny};

use crate::KfError;

/// Reads a JSON object into `T`. A failure is a validation error naming the path of the
/// offending field (`message.text.content`, `list[0].id`, `starttime`, an unknown key), and
/// its reason never quotes the value given (a secret put in the wrong field stays out of it).
pub fn from_json<T: DeserializeOwned>(json: &str) -> Result<T, KfError> {
    serde_json::from_slice(json.as_bytes()).map_err(|e| top_error(json, &e))
}

/// The error of reading a whole object (a text that is no object is the arguments as a whole).
fn top_error(json: &str, e: &serde_json::Error) -> KfError {
    let at = if json.trim_start().starts_with('{') { None } else { Some("arguments") };
    error(json, e, at.unwrap_or(""))
}

/// The validation error of a serde_json failure reading `json`, whose own path is `at`.
fn error(json: &str, e: &serde_json::Error, at: &str) -> KfError {
    let text = e.to_string();
    let reason = strip_position(&text);
    // A key that is not valid text (a lone surrogate) is named by the object holding it, and
    // so is a key naming no variant of an enum (a message kind that does not exist).
    let in_key = reason.contains("escape") || reason.contains("surrogate") || reason.starts_with("unknown variant");
    let here = path_at(json, offset(json, e.line(), e.column()), in_key);
    let mut path = if at == "arguments" { at.to_string() } else { join(at, &here) };
    // A field missing from the top is named; one missing deeper names the object that lacks
    // it (serde stops at its closing brace), as an unknown key is named by itself.
    if let Some(name) = named_field(reason).filter(|_| path.is_empty()) {
        path = name.to_string();
    }
    if path.is_empty() {
        path = "arguments".to_string();
    }
    KfError::validation(path, unquoted(reason))
}

/// `parent.child` (or `parent[0]`, or either alone).
fn join(parent: &str, child: &str) -> String {
    match (parent.is_empty(), child.is_empty() || child.starts_with('[')) {
        (true, _) => child.to_string(),
        (false, true) => format!("{parent}{child}"),
        (false, false) => format!("{parent}.{child}"),
    }
}

/// A JSON object read field by field, each value as its own type; errors name the field (and
/// the path within it).
#[derive(Debug)]
pub struct JsonFields<'a> {
    fields: Vec<(&'a str, &'a str)>,
}

impl<'a> JsonFields<'a> {
    /// The fields of `json`, an object whose keys must all be `known` (an empty text is `{}`).
    #[inline(never)] // one copy for every operation (the wasm package counts its bytes)
    pub fn parse(json: &'a str, known: &[&str]) -> Result<Self, KfError> {
        let json = if json.trim().is_empty() { "{}" } else { json.trim() };
        if !json.starts_with('{') {
            return Err(KfError::validation("arguments", "must be a JSON object"));
        }
        // Syntax, lone surrogates, nesting: checked once for the whole text.
        serde_json::from_slice::<IgnoredAny>(json.as_bytes()).map_err(|e| error(json, &e, ""))?;
        let fields = split(json);
        for (i, (key, _)) in fields.iter().enumerate() {
            if !known.contains(key) {
                let expected = known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                return Err(KfError::validation(*key, format!("unknown field, expected one of {expected}")));
            }
            if fields.iter().take(i).any(|(k, _)| k == key) {
                return Err(KfError::validation(*key, "is given twice"));
            }
        }
        Ok(JsonFields { fields })
    }

    fn raw(&self, name: &str) -> Option<&'a str> {
        self.fields.iter().find(|(key, _)| *key == name).map(|(_, raw)| *raw)
    }

    /// The field `name`, `None` when absent (`null` is read as a `T`, and refused unless `T`
    /// takes it: an argument with a default may be left out, not given as null).
    #[inline(never)]
    pub fn optional<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, KfError> {
        self.raw(name).map(|raw| read(raw, name)).transpose()
    }

    /// The field `name`; its absence is an error naming it.
    #[inline(never)]
    pub fn required<T: DeserializeOwned>(&self, name: &str) -> Result<T, KfError> {
        read(self.raw(name).ok_or_else(|| KfError::validation(name, "is required"))?, name)
    }
}

fn read<T: DeserializeOwned>(raw: &str, name: &str) -> Result<T, KfError> {
    serde_json::from_slice(raw.as_bytes()).map_err(|e| error(raw, &e, name))
}

/// The members of a (valid) JSON object's text: each key and its value's text.
fn split<'a>(json: &'a str) -> Vec<(&'a str, &'a str)> {
    let bytes = json.as_bytes();
    let mut fields = Vec::new();
    let (mut depth, mut i, mut value_start, mut expect_key) = (0usize, 0, 0, false);
    let mut key: Option<&str> = None;
    let member =
        |key: Option<&'a str>, start: usize, end: usize| key.map(|k| (k, json.get(start..end).unwrap_or("").trim()));
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'"' => {
                let start = i + 1;
                i = string_end(bytes, start);
                if depth == 1 && expect_key {
                    key = json.get(start..i);
                    expect_key = false;
                }
            }
            b':' if depth == 1 => value_start = i + 1,
            b'{' | b'[' => {
                depth += 1;
                expect_key = depth == 1;
            }
            b',' if depth == 1 => {
                fields.extend(member(key.take(), value_start, i));
                expect_key = true;
            }
            b'}' | b']' => {
                if depth == 1 {
                    fields.extend(member(key.take(), value_start, i));
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        i += 1;
    }
    fields
}

/// The index of the quote closing a JSON string whose text starts at `start`.
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| *b != b'"') {
        i += if bytes.get(i) == Some(&b'\\') { 2 } else { 1 };
    }
    i
}

/// The byte offset of serde_json's (1-based) line and column.
fn offset(json: &str, line: usize, column: usize) -> usize {
    let start: usize = json.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (start + column.saturating_sub(1)).min(json.len().saturating_sub(1))
}

/// Where a reader stands in a JSON text: in an object (under a key, once read) or an array.
enum Frame<'a> {
    Object(Option<&'a str>),
    Array(usize),
}

/// The path of the value at byte `at` of a JSON text (`message.text.content`, `list[0]`);
/// empty at the top. At a closing brace, the path is the object's own; with `key_error`, a
/// key being read at `at` is not part of it.
fn path_at(json: &str, at: usize, key_error: bool) -> String {
    let bytes = json.as_bytes();
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut key_next = false;
    let mut i = 0;
    while i <= at {
        let Some(&byte) = bytes.get(i) else { break };
        match byte {
            // A container opening at `at` is the value in error, not a place within it.
            b'{' if i < at => {
                stack.push(Frame::Object(None));
                key_next = true;
            }
            b'[' if i < at => stack.push(Frame::Array(0)),
            // A list at its end is the list as a whole (the wrong length).
            b'}' | b']' if i < at || byte == b']' => drop(stack.pop()),
            // The object is complete (a field is missing): no key of it is meant.
            b'}' => {
                if let Some(Frame::Object(key)) = stack.last_mut() {
                    *key = None;
                }
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object(key)) => {
                    *key = None;
                    key_next = true;
                }
                Some(Frame::Array(index)) => *index += 1,
                None => {}
            },
            b'"' => {
                let start = i + 1;
                i = string_end(bytes, start);
                if key_next && key_error && i >= at {
                    break;
                }
                if let (true, Some(Frame::Object(key))) = (key_next, stack.last_mut()) {
                    *key = json.get(start..i);
                    key_next = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object(Some(key)) if path.is_empty() => path.push_str(key),
            Frame::Object(Some(key)) => {
                path.push('.');
                path.push_str(key);
            }
            Frame::Object(None) => {}
            Frame::Array(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// The field named by serde's "missing field `x`" or "unknown field `x`, expected …".
fn named_field(reason: &str) -> Option<&str> {
    ["missing field `", "unknown field `"].iter().find_map(|prefix| reason.strip_prefix(prefix))?.split('`').next()
}

/// serde_json's " at line 1 column 42" says nothing to a caller who passed an object.
fn strip_position(reason: &str) -> &str {
    reason.rsplit_once(" at line ").map_or(reason, |(text, _)| text)
}

/// serde's reason without the value it quotes: `invalid type: string "…", expected u32`
/// becomes `invalid type: string, expected u32`, ``unknown variant `…`, expected …`` becomes
/// `unknown variant, expected …`; a lone surrogate is named as such.
fn unquoted(reason: &str) -> String {
    // serde_json's words for a `\ud800` escape without its pair ("unexpected end of hex escape").
    if reason.contains("surrogate") || reason.contains("hex escape") {
        return "holds a lone surrogate (invalid UTF-16)".to_string();
    }
    const QUOTING: [&str; 3] = ["invalid type: string \"", "invalid value: string \"", "unknown variant `"];
    match QUOTING.iter().find(|prefix| reason.starts_with(*prefix)) {
        // serde's own ", expected …" comes last, after anything the value may hold.
        Some(prefix) => {
            let tail = reason.rfind(", expected").map_or("", |at| reason.get(at..).unwrap_or(""));
            format!("{}{tail}", prefix.trim_end_matches(['"', '`', ' ']))
        }
        None => reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Message, Reply};

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Args {
        count: u32,
        kind: crate::TokenKind,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Send {
        touser: String,
        message: Message,
        #[serde(default)]
        reply: Option<Reply>,
        #[serde(default)]
        pages: Vec<Vec<i64>>,
    }

    fn failure<T: DeserializeOwned + std::fmt::Debug>(json: &str) -> (String, String) {
        match from_json::<T>(json) {
            Err(KfError::Validation { field, reason }) => (field, reason),
            other => panic!("{json}: {other:?}"),
        }
    }

    #[test]
    fn never_quotes_the_value() {
        let (field, reason) = failure::<Args>(r#"{"count":"SECRET-1, expected x","kind":"stable"}"#);
        assert_eq!((field.as_str(), reason.as_str()), ("count", "invalid type: string, expected u32"));
        let (field, reason) = failure::<Args>(r#"{"count":1,"kind":"SECRET-2"}"#);
        assert_eq!(field, "kind");
        assert!(reason.starts_with("unknown variant, expected") && !reason.contains("SECRET"), "{reason}");
        let (field, reason) = failure::<Args>(r#"{"count":1,"kind":"a\ud800"}"#);
        assert_eq!((field.as_str(), reason.as_str()), ("kind", "holds a lone surrogate (invalid UTF-16)"));
    }

    #[test]
    fn names_the_path_of_the_field() {
        let cases = [
            (r#"{"kind":"stable"}"#, "count"),
            (r#"{"count":1,"kind":"stable","typo":3}"#, "typo"),
            (r#"[1]"#, "arguments"),
        ];
        for (json, field) in cases {
            assert_eq!(failure::<Args>(json).0, field, "{json}");
        }
        let message = |m: &str| format!(r#"{{"touser":"o","message":{m}}}"#);
        let cases = [
            (r#"{"touser":5,"message":{"text":{"content":"x"}}}"#.to_string(), "touser"),
            (r#"{"touser":["o"],"message":{"text":{"content":"x"}}}"#.to_string(), "touser"),
            (r#"{"touser":{},"message":{"text":{"content":"x"}}}"#.to_string(), "touser"),
            (r#"{"touser":"a\"b\\","extra":1,"message":{"text":{"content":"x"}}}"#.to_string(), "extra"),
            (message(r#"{"text":{"content":7}}"#), "message.text.content"),
            (message(r#"{"text":{}}"#), "message.text"),
            (message(r#"{"text":{"content":"x"},"kf_account":5}"#), "message.kf_account"),
            (message(r#"{"news":{"articles":[{"title":"t","url":"u"},{"title":"t"}]}}"#), "message.news.articles[1]"),
            (message(r#"{"video":{"media_id":"m","thumb_media_id":"t","titel":"x"}}"#), "message.video.titel"),
            (message(r#"{"sticker":{}}"#), "message"),
            (r#"{"touser":"o"}"#.to_string(), "message"),
            (
                r#"{"touser":"o","message":{"text":{"content":"x"}},"reply":{"type":"text","content":5}}"#.into(),
                "reply.content",
            ),
            (r#"{"touser":"o","message":{"text":{"content":"x"}},"pages":[[1,2],[3,"x"]]}"#.into(), "pages[1][1]"),
        ];
        for (json, field) in cases {
            assert_eq!(failure::<Send>(&json).0, field, "{json}");
        }
        let deep = format!(r#"{{"touser":"o","message":{}{}}}"#, "[".repeat(1000), "]".repeat(1000));
        assert_eq!(failure::<Send>(&deep).0, "message", "a list where the message belongs");
        assert_eq!(failure::<Args>("[1,2,3]").0, "arguments", "not an object at all");
    }

    #[test]
    fn fields_are_read_one_by_one_and_named() {
        let json =
            r#"{ "touser" : "o", "message": {"text": {"content": "a, \"b\" }"}}, "n": null, "list": [1, [2, "x"]] }"#;
        let fields = JsonFields::parse(json, &["touser", "message", "n", "list", "absent"]).unwrap();
        assert_eq!(fields.required::<String>("touser").unwrap(), "o");
        let message: Message = fields.required("message").unwrap();
        assert_eq!(serde_json::to_string(&message).unwrap(), r#"{"text":{"content":"a, \"b\" }"}}"#);
        assert!(fields.optional::<i64>("n").is_err(), "null is no i64");
        assert_eq!(fields.optional::<Option<i64>>("n").unwrap(), Some(None));
        assert_eq!(fields.optional::<i64>("absent").unwrap(), None);
        let field = |e: KfError| match e {
            KfError::Validation { field, .. } => field,
            other => format!("{other:?}"),
        };
        assert_eq!(field(fields.required::<String>("absent").unwrap_err()), "absent");
        assert_eq!(field(fields.required::<(i64, (i64, i64))>("list").unwrap_err()), "list[1][1]");
        assert_eq!(field(fields.required::<i64>("message").unwrap_err()), "message");
        let parse = |json: &str| JsonFields::parse(json, &["a", "b"]).map(|_| ()).map_err(field);
        assert_eq!(parse(""), Ok(()), "no text is no arguments");
        assert_eq!(parse(r#"{"a":1,"c":2}"#), Err("c".to_string()));
        assert_eq!(parse(r#"{"a":1,"a":2}"#), Err("a".to_string()));
        let lone = JsonFields::parse(r#"{"a":"\ud800"}"#, &["a"]).unwrap().required::<String>("a");
        assert_eq!(lone.map_err(field), Err("a".to_string()), "a lone surrogate, when the field is read");
        assert_eq!(parse(r#"[1]"#), Err("arguments".to_string()));
        let key = JsonFields::parse(r#"{"a":{"\ud800":1}}"#, &["a"]).unwrap().required::<Args>("a");
        assert_eq!(key.map_err(field).err().as_deref(), Some("a"), "a key that is no text: its object");
        assert_eq!(parse(r#"{"a":1"#), Err("a".to_string()), "broken JSON names where it broke");
    }
}
