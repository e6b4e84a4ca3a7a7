//! API errors as the emulator answers them: `{"errcode","errmsg"}`.

use serde_json::{json, Value};
use wxkf::error::ErrorCode;

/// An API error: errcode plus an optional hint appended to the catalogue's meaning.
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
        let meaning = if self.code == -1 { "system error" } else { ErrorCode::from_errcode(self.code).meaning() };
        let errmsg = match &self.detail {
            Some(d) => format!("{meaning} hint: [{d}] rid: emulator"),
            None => format!("{meaning} rid: emulator"),
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
