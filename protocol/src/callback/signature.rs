//! Request signatures: the URL check (`signature`) and the safe-mode `msg_signature`.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use crate::error::CallbackKind;
use crate::KfError;

/// The default accepted clock skew, in seconds, either side of `now`.
pub const DEFAULT_WINDOW_SECS: u64 = 300;

/// Hex SHA-1 of the lexicographically sorted concatenation of `parts`.
pub fn sorted_sha1_hex(parts: &[&str]) -> String {
    let mut sorted: Vec<&str> = parts.to_vec();
    sorted.sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted {
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// The plain-mode `signature`: SHA-1 of sorted (token, timestamp, nonce).
pub fn signature(token: &str, timestamp: &str, nonce: &str) -> String {
    sorted_sha1_hex(&[token, timestamp, nonce])
}

/// The safe-mode `msg_signature`: SHA-1 of sorted (token, timestamp, nonce, encrypt).
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    sorted_sha1_hex(&[token, timestamp, nonce, encrypt])
}

/// Compares a received hex signature with the expected one in constant time (case-insensitive).
pub(crate) fn check_signature(field: &str, received: &str, expected: &str) -> Result<(), KfError> {
    if received.is_empty() {
        return Err(KfError::callback(CallbackKind::Signature, format!("{field} is missing")));
    }
    let received = received.to_ascii_lowercase();
    if bool::from(received.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(KfError::callback(CallbackKind::Signature, format!("{field} does not match")))
    }
}

/// Parses `timestamp` (decimal unix seconds) and checks it lies within `window` seconds of `now`.
pub fn check_timestamp(timestamp: &str, now: i64, window: u64) -> Result<i64, KfError> {
    if timestamp.is_empty() || timestamp.len() > 12 || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(KfError::callback(CallbackKind::Timestamp, "timestamp is missing or not decimal unix seconds"));
    }
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| KfError::callback(CallbackKind::Timestamp, "timestamp is not decimal unix seconds"))?;
    let skew = ts.abs_diff(now);
    if skew > window {
        return Err(KfError::callback(
            CallbackKind::Timestamp,
            format!("timestamp is {skew} s away from now; at most {window} s are accepted"),
        ));
    }
    Ok(ts)
}

/// The URL check (GET): verifies `signature` and the timestamp window, then returns `echostr`
/// to be echoed back verbatim as the response body.
pub fn verify_url(
    token: &str,
    signature_hex: &str,
    timestamp: &str,
    nonce: &str,
    echostr: &str,
    now: i64,
    window: u64,
) -> Result<String, KfError> {
    check_signature("signature", signature_hex, &signature(token, timestamp, nonce))?;
    check_timestamp(timestamp, now, window)?;
    Ok(echostr.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_signature() {
        // sha1("1409304348" + "123" + "token") computed with Python's hashlib.
        let sig = signature("token", "1409304348", "123");
        assert_eq!(sig, "671e902c02d23f0580115dbcedde52e83e3555d7");
        let ok = verify_url("token", &sig.to_uppercase(), "1409304348", "123", "echo", 1409304348, 300);
        assert_eq!(ok.ok().as_deref(), Some("echo"));
    }

    #[test]
    fn rejects_bad_signature_and_stale_timestamp() {
        let sig = signature("token", "1000", "n");
        let bad = verify_url("token", "00", "1000", "n", "e", 1000, 300);
        assert!(matches!(bad, Err(KfError::Callback { callback_kind: CallbackKind::Signature, .. })));
        let stale = verify_url("token", &sig, "1000", "n", "e", 1301, 300);
        assert!(matches!(stale, Err(KfError::Callback { callback_kind: CallbackKind::Timestamp, .. })));
        assert!(verify_url("token", &sig, "1000", "n", "e", 1300, 300).is_ok());
        assert!(check_timestamp("-5", 0, 300).is_err());
        assert!(check_timestamp("", 0, 300).is_err());
    }
}
