//! `KfError` as UniFFI projects it: Kotlin `KfException` (a sealed class), Swift `KfError`.
//!
//! Mapped once from core's `wxkf::KfError`; the texts never hold a token, a secret or a key.

/// Why a transport could not complete an exchange (core's `TransportKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TransportKind {
    /// The connection could not be made: the request surely never left (writes are retried).
    Connect,
    /// No answer in time: the request may or may not have been applied.
    Timeout,
    /// The connection broke after the request was written: it may have been applied.
    Reset,
    /// The caller cancelled the call.
    Aborted,
    /// The request could not be produced or another local failure before sending (retried).
    NotSent,
    /// Anything else.
    Other,
}

/// Why a push (callback) request was refused (core's `CallbackKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CallbackKind {
    /// `signature` / `msg_signature` missing or wrong.
    Signature,
    /// `timestamp` missing, not a number, or outside the accepted window.
    Timestamp,
    /// The same nonce and timestamp were already accepted.
    Replay,
    /// The body exceeds the size cap.
    TooLarge,
    /// The `Encrypt` payload is not valid base64, block-aligned or padded ciphertext.
    Crypto,
    /// The decrypted payload names another appid.
    Appid,
    /// The XML is malformed, uses a DOCTYPE, is too deep or lacks a field.
    Xml,
}

/// The group an API error code belongs to (catch them together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ErrorFamily {
    /// Access-token problems (missing, invalid, expired).
    Token,
    /// AppID/AppSecret/caller-IP problems: fix the configuration.
    Credential,
    /// Rate limits and quotas, and system busy.
    RateLimit,
    /// Outside the 48-hour customer-service window (45015).
    OutOfWindow,
    /// Too many messages to a user without a reply (45047).
    ResponseLimit,
    /// The request was malformed or missing a parameter.
    InvalidRequest,
    /// kf account errors (65400–65412).
    Account,
    /// Session and record errors (65413–65417).
    Session,
    /// Messages and media.
    Message,
    /// Anything else.
    Other,
}

/// What a client may do after an API error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RetryClass {
    /// The access token is bad: the client refreshes it and retries once by itself.
    RefreshToken,
    /// WeChat is busy: the same call may succeed later.
    RetryLater,
    /// Retrying cannot help.
    Never,
}

/// Every failure of a wxkf call. Kotlin: `KfException.Api`, `.Validation`, … (a sealed class).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum KfError {
    /// WeChat answered with a non-zero `errcode`.
    #[error("{description}")]
    Api {
        /// The catalogue's stable name (`KF_ACCOUNT_EXISTS`, …; `OTHER` for unknown codes).
        code: String,
        /// The raw errcode.
        errcode: i64,
        /// The raw errmsg.
        errmsg: String,
        /// The family of the code.
        family: ErrorFamily,
        /// What a client may do about it.
        retry: RetryClass,
        /// A readable sentence with the code, its name and a hint where one helps.
        description: String,
    },
    /// An input broke a rule before anything was sent.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The offending field, e.g. `kf_account` or `news.articles`.
        field: String,
        /// The rule it broke.
        reason: String,
    },
    /// The response was not the JSON expected.
    #[error("could not decode the response: {reason}")]
    Decode {
        /// What went wrong.
        reason: String,
        /// The first bytes of the body.
        body: String,
    },
    /// A non-200 HTTP status.
    #[error("HTTP status {status} from WeChat")]
    Http {
        /// The status code.
        status: u16,
        /// The first bytes of the body.
        body: String,
    },
    /// The exchange failed below HTTP. Host transports throw this (`KfException.Transport`).
    #[error("transport failure ({kind:?}): {reason}")]
    Transport {
        /// What kind of failure; `Connect` only when the request surely never left.
        kind: TransportKind,
        /// A description (must not hold the URL's token).
        reason: String,
    },
    /// A push was refused: forged, stale, replayed, undecryptable or bad XML.
    #[error("push refused ({kind:?}): {reason}")]
    Callback {
        /// Why, as a stable kind.
        kind: CallbackKind,
        /// A description (never holds the token or the key).
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KfError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // A host callback threw something other than a KfException: treat it as a failed
        // exchange of unknown kind (never retried for writes).
        KfError::Transport { kind: TransportKind::Other, reason: format!("host callback failed: {}", e.reason) }
    }
}

impl From<wxkf::TransportKind> for TransportKind {
    fn from(k: wxkf::TransportKind) -> Self {
        use wxkf::TransportKind as K;
        match k {
            K::Connect => TransportKind::Connect,
            K::Timeout => TransportKind::Timeout,
            K::Reset => TransportKind::Reset,
            K::Aborted => TransportKind::Aborted,
            K::NotSent => TransportKind::NotSent,
            K::Other => TransportKind::Other,
        }
    }
}

impl From<TransportKind> for wxkf::TransportKind {
    fn from(k: TransportKind) -> Self {
        use wxkf::TransportKind as K;
        match k {
            TransportKind::Connect => K::Connect,
            TransportKind::Timeout => K::Timeout,
            TransportKind::Reset => K::Reset,
            TransportKind::Aborted => K::Aborted,
            TransportKind::NotSent => K::NotSent,
            TransportKind::Other => K::Other,
        }
    }
}

impl From<wxkf::CallbackKind> for CallbackKind {
    fn from(k: wxkf::CallbackKind) -> Self {
        use wxkf::CallbackKind as K;
        match k {
            K::Signature => CallbackKind::Signature,
            K::Timestamp => CallbackKind::Timestamp,
            K::Replay => CallbackKind::Replay,
            K::TooLarge => CallbackKind::TooLarge,
            K::Crypto => CallbackKind::Crypto,
            K::Appid => CallbackKind::Appid,
            K::Xml => CallbackKind::Xml,
        }
    }
}

impl From<CallbackKind> for wxkf::CallbackKind {
    fn from(k: CallbackKind) -> Self {
        use wxkf::CallbackKind as K;
        match k {
            CallbackKind::Signature => K::Signature,
            CallbackKind::Timestamp => K::Timestamp,
            CallbackKind::Replay => K::Replay,
            CallbackKind::TooLarge => K::TooLarge,
            CallbackKind::Crypto => K::Crypto,
            CallbackKind::Appid => K::Appid,
            CallbackKind::Xml => K::Xml,
        }
    }
}

impl From<wxkf::error::ErrorFamily> for ErrorFamily {
    fn from(f: wxkf::error::ErrorFamily) -> Self {
        use wxkf::error::ErrorFamily as F;
        match f {
            F::Token => ErrorFamily::Token,
            F::Credential => ErrorFamily::Credential,
            F::RateLimit => ErrorFamily::RateLimit,
            F::OutOfWindow => ErrorFamily::OutOfWindow,
            F::ResponseLimit => ErrorFamily::ResponseLimit,
            F::InvalidRequest => ErrorFamily::InvalidRequest,
            F::Account => ErrorFamily::Account,
            F::Session => ErrorFamily::Session,
            F::Message => ErrorFamily::Message,
            F::Other => ErrorFamily::Other,
        }
    }
}

impl From<wxkf::RetryClass> for RetryClass {
    fn from(r: wxkf::RetryClass) -> Self {
        match r {
            wxkf::RetryClass::RefreshToken => RetryClass::RefreshToken,
            wxkf::RetryClass::RetryLater => RetryClass::RetryLater,
            wxkf::RetryClass::Never => RetryClass::Never,
        }
    }
}

/// Longest text (in bytes) an error carries into Kotlin/Swift; longer ones are cut.
const MAX_TEXT_BYTES: usize = 1024;

/// `text` cut to at most `MAX_TEXT_BYTES` (on a character boundary), saying how long it was.
/// Some texts quote input (a push's `encrypt_type`, a host's exception, a server's `errmsg`):
/// a 10 MB input must not become a 10 MB exception message that apps log.
fn capped(text: String) -> String {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let mut end = MAX_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

impl From<wxkf::KfError> for KfError {
    fn from(e: wxkf::KfError) -> Self {
        let description = capped(e.to_string());
        match e {
            wxkf::KfError::Api { code, errcode, errmsg, .. } => KfError::Api {
                code: code.name().to_string(),
                errcode,
                errmsg: capped(errmsg),
                family: code.family().into(),
                retry: code.retry_class().into(),
                description,
            },
            wxkf::KfError::Validation { field, reason } => {
                KfError::Validation { field: capped(field), reason: capped(reason) }
            }
            wxkf::KfError::Decode { reason, body } => KfError::Decode { reason: capped(reason), body: capped(body) },
            wxkf::KfError::Http { status, body } => KfError::Http { status, body: capped(body) },
            wxkf::KfError::Transport { transport_kind, reason } => {
                KfError::Transport { kind: transport_kind.into(), reason: capped(reason) }
            }
            wxkf::KfError::Callback { callback_kind, reason } => {
                KfError::Callback { kind: callback_kind.into(), reason: capped(reason) }
            }
        }
    }
}

impl From<KfError> for wxkf::KfError {
    fn from(e: KfError) -> Self {
        match e {
            KfError::Api { errcode, errmsg, .. } => wxkf::KfError::api(errcode, errmsg),
            KfError::Validation { field, reason } => wxkf::KfError::Validation { field, reason },
            KfError::Decode { reason, body } => wxkf::KfError::Decode { reason, body },
            KfError::Http { status, body } => wxkf::KfError::Http { status, body },
            KfError::Transport { kind, reason } => wxkf::KfError::Transport { transport_kind: kind.into(), reason },
            KfError::Callback { kind, reason } => wxkf::KfError::Callback { callback_kind: kind.into(), reason },
        }
    }
}

/// Secrets shorter than this are not scrubbed (replacing a one-letter test token would
/// mangle every text); real access tokens and AppSecrets are far longer.
const MIN_SCRUBBED_LEN: usize = 8;

impl KfError {
    /// The error with every occurrence of `secrets` in its texts replaced by `***`.
    ///
    /// Applied to what host callbacks throw: a host transport that echoes the request URL
    /// (`…?access_token=…`) or a broker that echoes the rejected token in its exception text
    /// would otherwise put the secret into a `KfException` that apps log.
    pub(crate) fn scrubbed(self, secrets: &[String]) -> KfError {
        let mut secrets: Vec<&str> =
            secrets.iter().map(String::as_str).filter(|s| s.len() >= MIN_SCRUBBED_LEN).collect();
        if secrets.is_empty() {
            return self;
        }
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let clean =
            |text: String| secrets.iter().fold(text, |t, s| if t.contains(s) { t.replace(s, "***") } else { t });
        match self {
            KfError::Api { code, errcode, errmsg, family, retry, description } => {
                KfError::Api { code, errcode, errmsg: clean(errmsg), family, retry, description: clean(description) }
            }
            KfError::Validation { field, reason } => KfError::Validation { field: clean(field), reason: clean(reason) },
            KfError::Decode { reason, body } => KfError::Decode { reason: clean(reason), body: clean(body) },
            KfError::Http { status, body } => KfError::Http { status, body: clean(body) },
            KfError::Transport { kind, reason } => KfError::Transport { kind, reason: clean(reason) },
            KfError::Callback { kind, reason } => KfError::Callback { kind, reason: clean(reason) },
        }
    }
}

/// A validation error naming the field and the rule.
pub(crate) fn validation(field: &str, reason: impl Into<String>) -> KfError {
    KfError::Validation { field: field.to_string(), reason: reason.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_carry_name_family_retry_and_hint() {
        let e: KfError = wxkf::KfError::api(40164, "invalid ip").into();
        match &e {
            KfError::Api { code, errcode, family, retry, description, .. } => {
                assert_eq!((code.as_str(), *errcode), ("IP_NOT_WHITELISTED", 40164));
                assert_eq!((*family, *retry), (ErrorFamily::Credential, RetryClass::Never));
                assert!(description.contains("token provider"), "{description}");
            }
            other => panic!("{other:?}"),
        }
        let back: wxkf::KfError = e.into();
        assert_eq!(back.errcode(), Some(40164));
    }

    #[test]
    fn scrubbing_replaces_secrets_in_every_text() {
        let secrets = vec!["TOKEN_MARKER_123".to_string(), "short".to_string()];
        let e = KfError::Transport {
            kind: TransportKind::Reset,
            reason: "reset: http://h/p?access_token=TOKEN_MARKER_123&a=short".into(),
        };
        assert_eq!(
            e.scrubbed(&secrets),
            KfError::Transport {
                kind: TransportKind::Reset,
                reason: "reset: http://h/p?access_token=***&a=short".into()
            }
        );
        let e = KfError::Validation { field: "user".into(), reason: "TOKEN_MARKER_123 refused".into() };
        assert_eq!(e.scrubbed(&secrets), KfError::Validation { field: "user".into(), reason: "*** refused".into() });
        let e = KfError::Http { status: 502, body: "x".into() };
        assert_eq!(e.clone().scrubbed(&[]), e);
    }

    #[test]
    fn long_texts_are_capped_on_a_character_boundary() {
        let e: KfError = wxkf::KfError::callback(wxkf::CallbackKind::Crypto, "é".repeat(600_000)).into();
        match e {
            KfError::Callback { reason, .. } => {
                assert!(reason.len() < MAX_TEXT_BYTES + 40, "{}", reason.len());
                assert!(reason.ends_with("… (1200000 bytes in all)"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(capped("short".into()), "short");
    }

    #[test]
    fn every_kind_round_trips() {
        for k in [
            TransportKind::Connect,
            TransportKind::Timeout,
            TransportKind::Reset,
            TransportKind::Aborted,
            TransportKind::NotSent,
            TransportKind::Other,
        ] {
            assert_eq!(TransportKind::from(wxkf::TransportKind::from(k)), k);
        }
        for k in [
            CallbackKind::Signature,
            CallbackKind::Timestamp,
            CallbackKind::Replay,
            CallbackKind::TooLarge,
            CallbackKind::Crypto,
            CallbackKind::Appid,
            CallbackKind::Xml,
        ] {
            assert_eq!(CallbackKind::from(wxkf::CallbackKind::from(k)), k);
        }
    }
}
