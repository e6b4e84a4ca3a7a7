//! API errors as the emulator answers them: `{"errcode","errmsg"}`.
//!
//! The `errmsg` texts are this table's own, written after the texts WeChat answers — not
//! core's catalogue: a test comparing `errmsg` must not check core against itself.

use serde_json::{json, Value};

/// WeChat-style `errmsg` of every code the emulator answers (code, text).
const ERRMSG: &[(i64, &str)] = &[
    (-1, "system error"),
    (40001, "invalid credential, access_token is invalid or not latest"),
    (40002, "invalid grant_type"),
    (40003, "invalid openid"),
    (40005, "invalid file type"),
    (40006, "invalid media size"),
    (40007, "invalid media_id"),
    (40013, "invalid appid"),
    (40014, "invalid access_token"),
    (40125, "invalid appsecret"),
    (40164, "invalid ip, not in whitelist"),
    (41001, "access_token missing"),
    (41002, "appid missing"),
    (41004, "appsecret missing"),
    (41005, "media data missing"),
    (41006, "media_id missing"),
    (41009, "missing openid"),
    (41011, "missing required fields"),
    (42001, "access_token expired"),
    (43004, "require subscribe"),
    (44002, "empty post data"),
    (45002, "content size out of limit"),
    (45008, "article size out of limit"),
    (45009, "reach max api daily quota limit"),
    (45011, "api minute-quota reach limit"),
    (45015, "response out of time limit or subscription is canceled"),
    (45047, "out of response count limit"),
    (45072, "command field is invalid"),
    (45080, "typing needs a message exchanged with the user in the last 30 seconds"),
    (45081, "already typing"),
    (47001, "data format error"),
    (65400, "api unavailable, please open the new customer service feature first"),
    (65401, "invalid custom service account"),
    (65402, "the custom service account is not bound to a wechat user"),
    (65403, "invalid nickname"),
    (65404, "invalid custom service account name"),
    (65405, "account count over the limit"),
    (65406, "custom service account already exists"),
    (65407, "the wechat user is already a custom service account of this official account"),
    (65408, "an invitation to this wechat user is already pending"),
    (65409, "invalid wechat id"),
    (65410, "the wechat user is bound to too many official accounts"),
    (65411, "this custom service account already has a pending invitation"),
    (65412, "this custom service account is already bound to a wechat user"),
    (65413, "no session for this customer"),
    (65414, "the customer is being served by another custom service account"),
    (65415, "the custom service account is not online"),
    (65416, "invalid query parameters"),
    (65417, "query period over the limit"),
];

/// The `errmsg` text of `code` (a generic text for a code outside the table).
pub fn errmsg_of(code: i64) -> &'static str {
    ERRMSG.iter().find(|(c, _)| *c == code).map_or("unknown error", |(_, text)| text)
}

/// An API error: errcode plus an optional hint appended to the table's text.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// WeChat errcode.
    pub code: i64,
    /// Extra detail for humans.
    pub detail: Option<String>,
}

/// Shorthand for an error without detail.
pub fn e(code: i64) -> ApiError {
    ApiError { code, detail: None }
}

/// Shorthand for an error with a hint.
pub fn ed(code: i64, detail: impl Into<String>) -> ApiError {
    ApiError { code, detail: Some(detail.into()) }
}

impl ApiError {
    /// The `{"errcode","errmsg"}` body.
    pub fn body(&self) -> Value {
        let text = errmsg_of(self.code);
        let errmsg = match &self.detail {
            Some(d) => format!("{text} hint: [{d}] rid: emulator"),
            None => format!("{text} rid: emulator"),
        };
        json!({ "errcode": self.code, "errmsg": errmsg })
    }
}

/// Result of an API operation.
pub type ApiResult = Result<Value, ApiError>;

/// `{"errcode":0,"errmsg":"ok"}`.
pub fn ok() -> Value {
    json!({"errcode": 0, "errmsg": "ok"})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_text() {
        for (i, (code, text)) in ERRMSG.iter().enumerate() {
            assert!(!text.is_empty(), "{code}");
            assert!(ERRMSG.iter().skip(i + 1).all(|(c, _)| c != code), "{code} listed twice");
        }
        assert_eq!(errmsg_of(45047), "out of response count limit");
        assert_eq!(errmsg_of(12345), "unknown error");
    }
}
