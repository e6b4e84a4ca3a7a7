//! Validation rules shared by the request types; each failure names the field and the rule.

use crate::error::KfError;

/// Largest string field we accept before the network (WeChat's own limits are far lower).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
/// Largest avatar image we upload: the doc's "at most 5 MB", read as 5 MiB (5,242,880 bytes),
/// the larger reading, so no image WeChat takes is refused here.
pub const MAX_AVATAR_BYTES: usize = 5 * 1024 * 1024;
/// Longest prefix of a kf account (before the `@`).
pub const MAX_KF_PREFIX: usize = 10;
/// Longest WeChat id after the `@` of a kf account, in characters.
pub const MAX_KF_WECHAT_ID_CHARS: usize = 30;
/// Longest nickname, in characters.
pub const MAX_NICKNAME_CHARS: usize = 16;

/// Latest unix time accepted (9999-12-31 23:59:59 UTC): keeps time arithmetic far from overflow
/// and a record walk from stepping through billions of day windows.
pub const MAX_UNIX_SECS: i64 = 253_402_300_799;
/// Longest excerpt of a bad value quoted in an error message, in characters.
const MAX_QUOTE_CHARS: usize = 64;

/// A unix time in seconds between 1970 and the year 9999.
pub fn unix_time(field: &str, value: i64) -> Result<(), KfError> {
    if !(0..=MAX_UNIX_SECS).contains(&value) {
        return Err(KfError::validation(
            field,
            format!("must be unix seconds between 0 and {MAX_UNIX_SECS} (got {value})"),
        ));
    }
    Ok(())
}

/// `value` quoted for an error message, cut after a few dozen characters so that a huge input
/// never comes back as a huge error.
pub fn quote(value: &str) -> String {
    match value.char_indices().nth(MAX_QUOTE_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes in all)", &value[..cut], value.len()),
    }
}

/// Non-empty and not absurdly large.
pub fn required(field: &str, value: &str) -> Result<(), KfError> {
    if value.trim().is_empty() {
        return Err(KfError::validation(field, "must not be empty"));
    }
    bounded(field, value)
}

/// At most `MAX_FIELD_BYTES` (empty allowed).
pub fn bounded(field: &str, value: &str) -> Result<(), KfError> {
    if value.len() > MAX_FIELD_BYTES {
        return Err(KfError::validation(
            field,
            format!("is {} bytes; at most {MAX_FIELD_BYTES} are accepted", value.len()),
        ));
    }
    Ok(())
}

/// `prefix@wechat_id`: a prefix of 1–10 English letters, digits or underscores; a WeChat id of
/// 1–30 characters without spaces.
pub fn kf_account(field: &str, value: &str) -> Result<(), KfError> {
    bounded(field, value)?;
    let Some((prefix, id)) = value.split_once('@') else {
        return Err(KfError::validation(field, "must have the form prefix@wechat_id"));
    };
    if prefix.is_empty()
        || prefix.len() > MAX_KF_PREFIX
        || !prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(KfError::validation(
            field,
            format!("prefix before '@' must be 1-{MAX_KF_PREFIX} English letters, digits or underscores"),
        ));
    }
    if id.is_empty() || id.contains('@') || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(KfError::validation(
            field,
            "WeChat id after '@' must be non-empty, without spaces or a second '@'",
        ));
    }
    let id_chars = id.chars().count();
    if id_chars > MAX_KF_WECHAT_ID_CHARS {
        return Err(KfError::validation(
            field,
            format!("WeChat id after '@' must be at most {MAX_KF_WECHAT_ID_CHARS} characters (got {id_chars})"),
        ));
    }
    Ok(())
}

/// 1–16 characters.
pub fn nickname(field: &str, value: &str) -> Result<(), KfError> {
    bounded(field, value)?;
    let chars = value.chars().count();
    if value.trim().is_empty() || chars > MAX_NICKNAME_CHARS {
        return Err(KfError::validation(field, format!("must be 1-{MAX_NICKNAME_CHARS} characters (got {chars})")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_short_and_times_bounded() {
        assert_eq!(quote("ab\"c"), r#""ab\"c""#);
        let long = "é".repeat(5_000_000);
        let q = quote(&long);
        assert!(q.len() < 200 && q.ends_with("(10000000 bytes in all)"), "{q}");
        assert!(unix_time("t", 0).is_ok() && unix_time("t", MAX_UNIX_SECS).is_ok());
        for bad in [-1, MAX_UNIX_SECS + 1, i64::MIN, i64::MAX] {
            assert!(matches!(unix_time("t", bad), Err(KfError::Validation { field, .. }) if field == "t"));
        }
    }

    #[test]
    fn kf_account_rules() {
        let id30 = format!("gh_{}", "x".repeat(27));
        for good in ["kf01@gh_test", "kf_1@gh_abc", "_@gh", "abcdefghi_@gh", &format!("k@{id30}")] {
            assert!(kf_account("kf_account", good).is_ok(), "{good}");
        }
        let id31 = format!("k@{id30}x");
        for bad in ["", "kf01", "@gh", "kf01@", "abcdefghijk@gh", "kf-1@gh", "kf@a b", "a@b@c", "小@gh", &id31] {
            let err = kf_account("kf_account", bad).err();
            assert!(matches!(err, Some(KfError::Validation { ref field, .. }) if field == "kf_account"), "{bad}");
        }
    }

    #[test]
    fn nickname_counts_characters_not_bytes() {
        assert!(nickname("nickname", "客服小王客服小王客服小王客服小王").is_ok());
        assert!(nickname("nickname", "客服小王客服小王客服小王客服小王客").is_err());
        assert!(nickname("nickname", " ").is_err());
    }

    #[test]
    fn huge_fields_are_rejected() {
        let huge = "x".repeat(MAX_FIELD_BYTES + 1);
        assert!(required("content", &huge).is_err());
    }
}
