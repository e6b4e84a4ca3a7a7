//! Core's `KfError` as this component's UniFFI error (Kotlin `KfException`, Swift `KfError`).
//!
//! Declared here, not derived in core: UniFFI 0.29's Kotlin generator skips every function
//! whose error belongs to another component (uniffi-rs #2392, fixed in 0.30). `remote` only
//! restates the shape; the compiler checks it against core's type, and no value is converted.

use wxkf::error::{CallbackKind, ErrorCode, ErrorFamily, GuardKind, RetryClass, TransportKind};
use wxkf::KfError;

/// Every failure of a wxkf call (core's error view).
#[uniffi::remote(Error)]
pub enum KfError {
    /// WeChat answered with a non-zero `errcode`: `code` is the catalogue's stable name.
    Api { code: ErrorCode, errcode: i64, errmsg: String, family: ErrorFamily, retry: RetryClass },
    /// An input broke a rule before anything was sent.
    Validation { field: String, reason: String },
    /// The response was not the JSON expected (`body`: capped, token values redacted).
    Decode { reason: String, body: String },
    /// The server answered with a non-200 HTTP status.
    Http { status: u16, body: String },
    /// The exchange failed below HTTP; `Connect` and `NotSent` prove the request never left.
    Transport { transport_kind: TransportKind, reason: String },
    /// A push (callback) request was refused.
    Callback { callback_kind: CallbackKind, reason: String },
    /// A production guard refused the call before the network (budget, force refresh, breaker).
    Guard { guard_kind: GuardKind, reason: String, until_ms: Option<i64> },
}
