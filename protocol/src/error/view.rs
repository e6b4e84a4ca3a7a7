//! The error view every binding projects, and the one policy for what an error may hold:
//! texts capped at [`MAX_ERROR_TEXT`] bytes, token values in kept bodies redacted, and a
//! client's own secrets scrubbed from every text before an error leaves it.

use serde::Serialize;

use super::KfError;

/// The longest text (reason, errmsg, body) an error keeps, in bytes; longer ones are cut at a
/// character boundary and marked.
pub const MAX_ERROR_TEXT: usize = 1024;

/// Secrets shorter than this are not scrubbed: replacing a short test token would mangle every
/// text, and real access tokens and AppSecrets are far longer.
const MIN_SCRUBBED_LEN: usize = 8;
const CUT_MARK: &str = "…(truncated)";
const REDACTED: &str = "***";
/// JSON keys whose string values never stay in an error: a token response that fails to
/// parse (say `"expires_in":"soon"`) would otherwise carry the token in its `Decode` body.
const SECRET_KEYS: [&str; 3] = ["\"access_token\"", "\"secret\"", "\"appsecret\""];

/// What JS and Python receive for an error: `kind`, the stable `code`, the readable `message`
/// and the kind's own fields (`errcode`, `field`, `transport_kind` …), snake_case.
#[derive(Debug, Serialize)]
pub struct ErrorView<'a> {
    /// The stable name: the catalogue name of an API error, else `VALIDATION`, `DECODE`,
    /// `HTTP_STATUS`, `TRANSPORT` or `CALLBACK`.
    pub code: &'static str,
    /// The readable sentence (the error's `Display`).
    pub message: String,
    /// `kind` and the fields of the error.
    #[serde(flatten)]
    pub error: &'a KfError,
}

impl KfError {
    /// The view JS and Python project (serialize it as JSON).
    pub fn view(&self) -> ErrorView<'_> {
        ErrorView { code: self.code_name(), message: cap(self.to_string()), error: self }
    }

    /// The same error with every occurrence of each of `secrets` (a token, the AppSecret) —
    /// as given and as percent-encoded in a URL — replaced by `***` in its texts, every text
    /// capped. Clients call this on every error they return, so a host transport, store or
    /// provider whose error quoted a secret or a URL cannot leak it, nor an unbounded text.
    pub fn scrubbed(self, secrets: &[&str]) -> Self {
        let mut forms: Vec<String> = Vec::new();
        for s in secrets.iter().filter(|s| s.len() >= MIN_SCRUBBED_LEN) {
            forms.push(s.to_string());
            forms.push(crate::http::encode_query_value(s));
        }
        // Longest first, so a form that contains another is replaced whole.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        let clean = |text: String| -> String {
            if !forms.iter().any(|f| text.contains(f.as_str())) {
                return cap(text);
            }
            cap(forms.iter().fold(text, |t, f| t.replace(f.as_str(), REDACTED)))
        };
        match self {
            KfError::Api { code, errcode, errmsg, family, retry } => {
                KfError::Api { code, errcode, errmsg: clean(errmsg), family, retry }
            }
            KfError::Validation { field, reason } => KfError::Validation { field: clean(field), reason: clean(reason) },
            KfError::Decode { reason, body } => KfError::Decode { reason: clean(reason), body: clean(body) },
            KfError::Http { status, body } => KfError::Http { status, body: clean(body) },
            KfError::Transport { transport_kind, reason } => {
                KfError::Transport { transport_kind, reason: clean(reason) }
            }
            KfError::Callback { callback_kind, reason } => KfError::Callback { callback_kind, reason: clean(reason) },
            KfError::Guard { guard_kind, reason, until_ms } => {
                KfError::Guard { guard_kind, reason: clean(reason), until_ms }
            }
        }
    }
}

/// `text` cut to at most [`MAX_ERROR_TEXT`] bytes (at a character boundary), marked when cut.
pub(crate) fn cap(mut text: String) -> String {
    if text.len() <= MAX_ERROR_TEXT {
        return text;
    }
    let mut cut = MAX_ERROR_TEXT;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    text.push_str(CUT_MARK);
    text
}

/// A response body as an error keeps it: lossy UTF-8, secret JSON values redacted, capped.
pub(crate) fn body_text(body: &[u8]) -> String {
    // Redact before capping so a value cut in half cannot survive as a prefix.
    cap(redact_json_secrets(&String::from_utf8_lossy(body)))
}

/// Replaces the string value of every `SECRET_KEYS` member with `***`; tolerant of broken
/// JSON (it scans text, it does not parse).
fn redact_json_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, key)) = SECRET_KEYS.iter().filter_map(|k| rest.find(k).map(|i| (i, *k))).min() {
        let (kept, after) = rest.split_at(at + key.len());
        out.push_str(kept);
        rest = after;
        // Only `key : "…"` is a member holding a string; anything else is kept as is.
        let gap = rest.len() - rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':').len();
        let (between, value) = rest.split_at(gap);
        let Some(value) = value.strip_prefix('"').filter(|_| between.contains(':')) else {
            continue;
        };
        out.push_str(between);
        out.push('"');
        out.push_str(REDACTED);
        rest = value.split_at(string_end(value)).1;
    }
    out.push_str(rest);
    out
}

/// The byte offset of the quote closing a JSON string that starts at `value` (its length if
/// the string never closes).
fn string_end(value: &str) -> usize {
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return i,
            _ => {}
        }
    }
    value.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{CallbackKind, TransportKind};

    #[test]
    fn token_values_in_bodies_are_redacted() {
        let body = br#"{"access_token":"TOKEN-MARKER-1","expires_in":"soon"}"#;
        let KfError::Decode { body, .. } = KfError::decode("bad shape", body) else { panic!("kind") };
        assert_eq!(body, r#"{"access_token":"***","expires_in":"soon"}"#);
        // Spacing, escapes and a value cut by the cap.
        let odd = "{ \"access_token\" :  \"a\\\"b-MARKER\" , \"secret\":\"S-MARKER\"}";
        let kept = body_text(odd.as_bytes());
        assert!(!kept.contains("MARKER"), "{kept}");
        let long = format!("{{\"access_token\":\"{}MARKER\"}}", "x".repeat(5000));
        assert!(!body_text(long.as_bytes()).contains("MARKER"));
        // Not a member with a string value: untouched.
        assert_eq!(body_text(br#"{"access_token":null} access_token"#), r#"{"access_token":null} access_token"#);
    }

    #[test]
    fn texts_are_capped_at_a_char_boundary() {
        let e = KfError::validation("f", "é".repeat(2000));
        let KfError::Validation { reason, .. } = &e else { panic!("kind") };
        assert!(reason.len() <= MAX_ERROR_TEXT + CUT_MARK.len() && reason.ends_with(CUT_MARK));
        let view = serde_json::to_value(e.view()).unwrap_or_default();
        assert!(view["message"].as_str().is_some_and(|m| m.len() <= MAX_ERROR_TEXT + CUT_MARK.len()));
    }

    #[test]
    fn scrubbed_removes_secrets_from_every_text() {
        let errors = [
            KfError::api(40001, "bad S3CRET-MARKER"),
            KfError::validation("S3CRET-MARKER", "S3CRET-MARKER"),
            KfError::decode("S3CRET-MARKER", b"S3CRET-MARKER"),
            KfError::http(502, b"S3CRET-MARKER"),
            KfError::transport(TransportKind::Other, "GET /x?access_token=S3CRET-MARKER failed"),
            KfError::callback(CallbackKind::Xml, "S3CRET-MARKER"),
        ];
        for e in errors {
            let text = serde_json::to_string(&e.scrubbed(&["S3CRET-MARKER", ""]).view()).unwrap_or_default();
            assert!(!text.contains("S3CRET-MARKER") && text.contains("***"), "{text}");
        }
    }

    #[test]
    fn scrubbed_removes_url_encoded_secrets_and_caps_what_a_host_made() {
        let url = format!("GET /x?access_token={}", crate::http::encode_query_value("TOK+EN/MARKER="));
        let e =
            KfError::Transport { transport_kind: TransportKind::Reset, reason: format!("{url} {}", "x".repeat(5000)) };
        let KfError::Transport { reason, .. } = e.scrubbed(&["TOK+EN/MARKER="]) else { panic!("kind") };
        assert!(!reason.contains("MARKER") && reason.starts_with("GET /x?access_token=*** x"), "{reason}");
        assert!(reason.len() <= MAX_ERROR_TEXT + CUT_MARK.len() && reason.ends_with(CUT_MARK));
        let long = KfError::Validation { field: "f".into(), reason: "é".repeat(2000) }.scrubbed(&[]);
        assert!(matches!(long, KfError::Validation { reason, .. } if reason.ends_with(CUT_MARK)));
    }

    #[test]
    fn the_view_names_kind_code_and_fields() {
        let v = serde_json::to_value(KfError::api(45015, "out of time").view()).unwrap_or_default();
        assert_eq!(v["kind"], "api");
        assert_eq!(v["code"], "RESPONSE_OUT_OF_TIME");
        assert_eq!(v["errcode"], 45015);
        assert_eq!(v["family"], "out_of_window");
        assert_eq!(v["retry"], "never");
        let v = serde_json::to_value(KfError::transport(TransportKind::Timeout, "slow").view()).unwrap_or_default();
        assert_eq!((v["kind"].as_str(), v["code"].as_str()), (Some("transport"), Some("TRANSPORT")));
        assert_eq!((v["transport_kind"].as_str(), v["reason"].as_str()), (Some("timeout"), Some("slow")));
        assert!(v["message"].as_str().is_some_and(|m| m.contains("timeout")));
    }
}
