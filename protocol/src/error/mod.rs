//! `KfError`, the one error type of wxkf, and the catalogue it draws codes from.

mod catalogue;
mod view;

use std::fmt;

pub use catalogue::{ErrorCode, ErrorFamily, ErrorInfo, RetryClass, CATALOGUE};
pub use view::{ErrorView, MAX_ERROR_TEXT};

/// Why a transport could not complete an exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TransportKind {
    /// The connection could not be made: the request surely never left.
    Connect,
    /// No answer in time: the request may or may not have been applied.
    Timeout,
    /// The connection broke after the request was written: it may have been applied.
    Reset,
    /// The caller cancelled the call.
    Aborted,
    /// The request body could not be produced or any other local failure before sending.
    NotSent,
    /// Anything else.
    Other,
}

impl TransportKind {
    /// True when the request certainly did not reach the server, so a write may be retried.
    pub fn surely_not_sent(self) -> bool {
        matches!(self, TransportKind::Connect | TransportKind::NotSent)
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "connect",
            TransportKind::Timeout => "timeout",
            TransportKind::Reset => "connection reset",
            TransportKind::Aborted => "aborted",
            TransportKind::NotSent => "not sent",
            TransportKind::Other => "other",
        })
    }
}

/// Why a push (callback) request was refused; a server answers all of them with a 4xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum CallbackKind {
    /// `signature` / `msg_signature` missing or wrong: the request is not from WeChat.
    Signature,
    /// `timestamp` missing, not a number, or outside the accepted window.
    Timestamp,
    /// The same `nonce` and `timestamp` were already accepted (replay).
    Replay,
    /// The body exceeds the size cap.
    TooLarge,
    /// The `Encrypt` payload is not valid base64, block-aligned or padded ciphertext.
    Crypto,
    /// The decrypted payload names another appid.
    Appid,
    /// The (decrypted) XML is malformed, uses a DOCTYPE, is too deep or lacks a field.
    Xml,
}

impl fmt::Display for CallbackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CallbackKind::Signature => "signature",
            CallbackKind::Timestamp => "timestamp",
            CallbackKind::Replay => "replay",
            CallbackKind::TooLarge => "too_large",
            CallbackKind::Crypto => "crypto",
            CallbackKind::Appid => "appid",
            CallbackKind::Xml => "xml",
        })
    }
}

/// Every failure of a wxkf call.
///
/// Its fields are the error view every runtime shows (JS and Python through [`ErrorView`],
/// Kotlin and Swift through UniFFI): same names, in each language's casing. Texts are capped
/// and bodies of token responses redacted when an error is made; a client also scrubs its own
/// secrets from every error it returns ([`KfError::scrubbed`]).
//
// No `uniffi::Error` derive here: UniFFI 0.29's Kotlin generator does not render a function
// whose error type belongs to another component (uniffi-rs #2392, fixed in 0.30), so the
// component whose functions throw it declares it: `bindings-mobile/src/kf_error.rs`
// (`#[uniffi::remote(Error)]`, checked against this definition by the compiler).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum KfError {
    /// WeChat answered with a non-zero `errcode`.
    #[error("{}", api_message(*.code, *.errcode, .errmsg))]
    Api {
        /// The catalogue's stable name (`KF_ACCOUNT_EXISTS` …; `OTHER` for unknown codes).
        code: ErrorCode,
        /// The raw errcode as WeChat sent it.
        errcode: i64,
        /// The raw errmsg as WeChat sent it.
        errmsg: String,
        /// The group of codes this one belongs to (what users catch together).
        family: ErrorFamily,
        /// What a client may do about it.
        retry: RetryClass,
    },
    /// An input broke a rule before anything was sent.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The offending field, e.g. `kf_account` or `news.articles`.
        field: String,
        /// The rule it broke.
        reason: String,
    },
    /// The response was not the JSON we expected.
    #[error("could not decode the response: {reason}")]
    Decode {
        /// What went wrong.
        reason: String,
        /// The first bytes of the body (lossy UTF-8, capped, token values redacted).
        body: String,
    },
    /// The server answered with a non-200 HTTP status.
    #[error("HTTP status {status} from WeChat")]
    Http {
        /// The status code.
        status: u16,
        /// The first bytes of the body (lossy UTF-8, capped, token values redacted).
        body: String,
    },
    /// The exchange failed below HTTP (connect, timeout, reset, abort).
    #[error("transport failure ({transport_kind}): {reason}")]
    Transport {
        /// What kind of failure; `Connect` and `NotSent` prove the request never left.
        transport_kind: TransportKind,
        /// A description (never holds the URL's token).
        reason: String,
    },
    /// A push (callback) request was refused: forged, stale, replayed, undecryptable or bad XML.
    #[error("push refused ({callback_kind}): {reason}")]
    Callback {
        /// Why, as a stable machine-readable kind.
        callback_kind: CallbackKind,
        /// A description (never holds the token or the key).
        reason: String,
    },
    /// A production guard refused the call before the network: the user's reply budget, the
    /// force-refresh interval, or the token breaker after a quota error.
    #[error("refused before sending ({guard_kind}): {reason}")]
    Guard {
        /// Which guard, as a stable machine-readable kind.
        guard_kind: GuardKind,
        /// A description.
        reason: String,
        /// When the call may succeed again (unix milliseconds), when the guard knows.
        until_ms: Option<i64>,
    },
}

/// Which production guard refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum GuardKind {
    /// No window the user's actions opened is open (WeChat would answer 45015).
    OutOfWindow,
    /// The open windows are spent (WeChat would answer 45047).
    BudgetSpent,
    /// A stable-token force refresh within 30 s of the last one for this AppID.
    ForceRefreshTooSoon,
    /// Token calls are paused after WeChat answered a quota error (45009).
    TokenBreakerOpen,
}

impl GuardKind {
    /// The stable SCREAMING_SNAKE name (the view's `code`).
    pub fn name(self) -> &'static str {
        match self {
            GuardKind::OutOfWindow => "OUT_OF_WINDOW",
            GuardKind::BudgetSpent => "BUDGET_SPENT",
            GuardKind::ForceRefreshTooSoon => "FORCE_REFRESH_TOO_SOON",
            GuardKind::TokenBreakerOpen => "TOKEN_BREAKER_OPEN",
        }
    }
}

impl fmt::Display for GuardKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GuardKind::OutOfWindow => "out_of_window",
            GuardKind::BudgetSpent => "budget_spent",
            GuardKind::ForceRefreshTooSoon => "force_refresh_too_soon",
            GuardKind::TokenBreakerOpen => "token_breaker_open",
        })
    }
}

/// What a foreign (Kotlin/Swift) implementation of a host trait threw when it was not a
/// `KfException`/`KfError`: a failed exchange of unknown kind (never retried for writes).
#[cfg(feature = "uniffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for KfError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KfError::transport(TransportKind::Other, format!("host callback failed: {}", e.reason))
    }
}

fn api_message(code: ErrorCode, errcode: i64, errmsg: &str) -> String {
    let hint = match code {
        ErrorCode::IpNotWhitelisted => {
            " (hint: the caller IP is not whitelisted; serverless and mobile callers must not fetch tokens themselves: use a token provider)"
        }
        ErrorCode::InvalidAppid | ErrorCode::InvalidAppsecret => " (hint: check the AppID and AppSecret)",
        ErrorCode::ResponseOutOfTime => " (hint: the user has not interacted in the last 48 hours)",
        _ => "",
    };
    format!("WeChat error {errcode} {}: {errmsg}{hint}", code.name())
}

impl KfError {
    /// A validation error naming the field and the rule.
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        KfError::Validation { field: view::cap(field.into()), reason: view::cap(reason.into()) }
    }

    /// A validation error's field named inside `parent` (`content` → `text.content`); other
    /// errors unchanged.
    pub fn in_field(self, parent: &str) -> Self {
        match self {
            KfError::Validation { field, reason } => KfError::validation(format!("{parent}.{field}"), reason),
            other => other,
        }
    }

    /// An API error from a raw errcode and errmsg.
    pub fn api(errcode: i64, errmsg: impl Into<String>) -> Self {
        let code = ErrorCode::from_errcode(errcode);
        KfError::Api {
            code,
            errcode,
            errmsg: view::cap(errmsg.into()),
            family: code.family(),
            retry: code.retry_class(),
        }
    }

    /// A decode error keeping a capped, redacted copy of the body.
    pub fn decode(reason: impl Into<String>, body: &[u8]) -> Self {
        KfError::Decode { reason: view::cap(reason.into()), body: view::body_text(body) }
    }

    /// A non-200 answer, keeping a capped, redacted copy of the body.
    pub fn http(status: u16, body: &[u8]) -> Self {
        KfError::Http { status, body: view::body_text(body) }
    }

    /// A transport error.
    pub fn transport(transport_kind: TransportKind, reason: impl Into<String>) -> Self {
        KfError::Transport { transport_kind, reason: view::cap(reason.into()) }
    }

    /// A refused push.
    pub fn callback(callback_kind: CallbackKind, reason: impl Into<String>) -> Self {
        KfError::Callback { callback_kind, reason: view::cap(reason.into()) }
    }

    /// A call a guard refused before the network.
    pub fn guard(guard_kind: GuardKind, reason: impl Into<String>, until_ms: Option<i64>) -> Self {
        KfError::Guard { guard_kind, reason: view::cap(reason.into()), until_ms }
    }

    /// The kind of error as the view names it: `api`, `validation`, `decode`, `http`,
    /// `transport`, `callback` or `guard`.
    pub fn kind(&self) -> &'static str {
        match self {
            KfError::Api { .. } => "api",
            KfError::Validation { .. } => "validation",
            KfError::Decode { .. } => "decode",
            KfError::Http { .. } => "http",
            KfError::Transport { .. } => "transport",
            KfError::Callback { .. } => "callback",
            KfError::Guard { .. } => "guard",
        }
    }

    /// The WeChat errcode, for API errors.
    pub fn errcode(&self) -> Option<i64> {
        match self {
            KfError::Api { errcode, .. } => Some(*errcode),
            _ => None,
        }
    }

    /// The stable name of the error: the catalogue name for API errors, else the kind.
    pub fn code_name(&self) -> &'static str {
        match self {
            KfError::Api { code, .. } => code.name(),
            KfError::Validation { .. } => "VALIDATION",
            KfError::Decode { .. } => "DECODE",
            KfError::Http { .. } => "HTTP_STATUS",
            KfError::Transport { .. } => "TRANSPORT",
            KfError::Callback { .. } => "CALLBACK",
            KfError::Guard { guard_kind, .. } => guard_kind.name(),
        }
    }

    /// The retry class of an API error (`Never` for anything else).
    pub fn retry_class(&self) -> RetryClass {
        match self {
            KfError::Api { retry, .. } => *retry,
            _ => RetryClass::Never,
        }
    }

    /// True for 40001/40014/42001: refresh the token and retry once.
    pub fn is_token_error(&self) -> bool {
        self.retry_class() == RetryClass::RefreshToken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_names_code_and_hint() {
        let e = KfError::api(40164, "invalid ip 1.2.3.4");
        let text = e.to_string();
        assert!(
            text.contains("40164") && text.contains("IP_NOT_WHITELISTED") && text.contains("token provider"),
            "{text}"
        );
        assert_eq!(e.errcode(), Some(40164));
        assert!(!e.is_token_error());
        assert!(KfError::api(42001, "expired").is_token_error());
    }

    #[cfg(feature = "uniffi")]
    #[test]
    fn an_unexpected_host_exception_is_a_capped_transport_error() {
        let e = KfError::from(uniffi::UnexpectedUniFFICallbackError::new("x".repeat(5000)));
        let KfError::Transport { transport_kind, reason } = e else { panic!("kind") };
        assert_eq!(transport_kind, TransportKind::Other);
        assert!(reason.starts_with("host callback failed: x") && reason.len() <= MAX_ERROR_TEXT + 20, "{reason}");
    }

    #[test]
    fn decode_keeps_a_truncated_body() {
        let body = vec![b'x'; 2000];
        let KfError::Decode { body: kept, .. } = KfError::decode("bad", &body) else { panic!("kind") };
        assert!(kept.len() <= MAX_ERROR_TEXT + 20 && kept.ends_with("(truncated)"));
    }
}
