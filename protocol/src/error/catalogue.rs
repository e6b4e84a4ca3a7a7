//! The one table of WeChat error codes wxkf knows: code, stable name, meaning, retry class,
//! family. The `ErrorCode` enum and every binding's error names are generated from it.

use serde::{Deserialize, Serialize};

/// What a client may do after an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum RetryClass {
    /// The access token is bad: fetch a new one and retry the call once.
    RefreshToken,
    /// WeChat is busy: the same call may succeed later (reads retry automatically).
    RetryLater,
    /// Retrying cannot help.
    Never,
}

/// Groups of codes that users catch together (one exception class per family in bindings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// kf account errors (65400–65412; 65402, "not bound to a WeChat user", is fixed on the
    /// account — an accepted invitation — although it answers going online or taking a session).
    Account,
    /// Session and record errors (65413–65417).
    Session,
    /// Messages and media (bad openid, media id, content).
    Message,
    /// Anything else.
    Other,
}

/// One row of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// WeChat's numeric errcode.
    pub errcode: i64,
    /// Stable SCREAMING_SNAKE name used by every binding (`code` in JS, `code` in Python).
    pub name: &'static str,
    /// What the code means, in English.
    pub meaning: &'static str,
    /// What a client may do about it.
    pub retry: RetryClass,
    /// Which group of errors it belongs to.
    pub family: ErrorFamily,
}

macro_rules! catalogue {
    ($( $errcode:literal => $variant:ident, $name:literal, $retry:ident, $family:ident, $meaning:literal; )*) => {
        /// A known WeChat error code, or `Other` for a code the catalogue does not list.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $(
                #[doc = $meaning]
                $variant,
            )*
            /// A code not in the catalogue; the raw number is kept.
            Other(i64),
        }

        /// Every known code, in table order.
        pub const CATALOGUE: &[ErrorInfo] = &[
            $( ErrorInfo {
                errcode: $errcode,
                name: $name,
                meaning: $meaning,
                retry: RetryClass::$retry,
                family: ErrorFamily::$family,
            }, )*
        ];

        impl ErrorCode {
            /// Maps a raw errcode to its enum value (never fails: unknown codes are `Other`).
            pub fn from_errcode(errcode: i64) -> Self {
                match errcode {
                    $( $errcode => ErrorCode::$variant, )*
                    other => ErrorCode::Other(other),
                }
            }

            /// The raw errcode.
            pub fn errcode(self) -> i64 {
                match self {
                    $( ErrorCode::$variant => $errcode, )*
                    ErrorCode::Other(code) => code,
                }
            }

            /// The catalogue row, if the code is known.
            pub fn info(self) -> Option<&'static ErrorInfo> {
                let code = self.errcode();
                CATALOGUE.iter().find(|row| row.errcode == code)
            }
        }
    };
}

catalogue! {
    -1    => SystemBusy, "SYSTEM_BUSY", RetryLater, RateLimit, "System busy; retry later.";
    40001 => InvalidCredential, "INVALID_CREDENTIAL", RefreshToken, Token, "Invalid credential: the access token is invalid or not the latest (or the AppSecret is wrong on a token call).";
    40002 => InvalidGrantType, "INVALID_GRANT_TYPE", Never, InvalidRequest, "Invalid grant_type.";
    40003 => InvalidOpenid, "INVALID_OPENID", Never, Message, "Invalid openid (unknown user of this account).";
    40005 => InvalidFileType, "INVALID_FILE_TYPE", Never, Message, "Invalid file type (an avatar must be a JPEG or PNG image).";
    40007 => InvalidMediaId, "INVALID_MEDIA_ID", Never, Message, "Invalid media_id.";
    40013 => InvalidAppid, "INVALID_APPID", Never, Credential, "Invalid AppID.";
    40014 => InvalidAccessToken, "INVALID_ACCESS_TOKEN", RefreshToken, Token, "Invalid access_token.";
    40125 => InvalidAppsecret, "INVALID_APPSECRET", Never, Credential, "Invalid AppSecret.";
    40164 => IpNotWhitelisted, "IP_NOT_WHITELISTED", Never, Credential, "The caller's IP is not in the account's whitelist; fetch tokens on a whitelisted server and give this client a token provider.";
    41001 => AccessTokenMissing, "ACCESS_TOKEN_MISSING", Never, Token, "access_token missing.";
    41002 => AppidMissing, "APPID_MISSING", Never, InvalidRequest, "appid parameter missing.";
    41003 => RefreshTokenMissing, "REFRESH_TOKEN_MISSING", Never, InvalidRequest, "refresh_token parameter missing.";
    41004 => SecretMissing, "SECRET_MISSING", Never, InvalidRequest, "secret parameter missing.";
    41005 => MediaDataMissing, "MEDIA_DATA_MISSING", Never, InvalidRequest, "Media file data missing (multipart field `media`).";
    41006 => MediaIdMissing, "MEDIA_ID_MISSING", Never, InvalidRequest, "media_id parameter missing.";
    41007 => SubMenuMissing, "SUB_MENU_MISSING", Never, InvalidRequest, "Sub-menu data missing.";
    41008 => OauthCodeMissing, "OAUTH_CODE_MISSING", Never, InvalidRequest, "OAuth code missing.";
    41009 => OpenidMissing, "OPENID_MISSING", Never, InvalidRequest, "openid parameter missing.";
    41010 => UrlMissing, "URL_MISSING", Never, InvalidRequest, "url parameter missing.";
    41011 => RequiredFieldMissing, "REQUIRED_FIELD_MISSING", Never, InvalidRequest, "A required field is missing.";
    42001 => AccessTokenExpired, "ACCESS_TOKEN_EXPIRED", RefreshToken, Token, "access_token expired.";
    43004 => UserNotSubscribed, "USER_NOT_SUBSCRIBED", Never, Message, "The user does not follow the account.";
    44002 => EmptyPostBody, "EMPTY_POST_BODY", Never, InvalidRequest, "Empty POST body.";
    45002 => ContentTooLong, "CONTENT_TOO_LONG", Never, Message, "Message content too long.";
    45008 => ArticleLimitExceeded, "ARTICLE_LIMIT_EXCEEDED", Never, Message, "Too many articles: a news message holds exactly one.";
    45009 => DailyQuotaExceeded, "DAILY_QUOTA_EXCEEDED", Never, RateLimit, "Daily call quota of this API exceeded.";
    45011 => MinuteRateLimited, "MINUTE_RATE_LIMITED", RetryLater, RateLimit, "API minute-rate limit reached; retry later.";
    45015 => ResponseOutOfTime, "RESPONSE_OUT_OF_TIME", Never, OutOfWindow, "Response out of time limit: the user's last interaction is more than 48 hours old.";
    45047 => ResponseCountExceeded, "RESPONSE_COUNT_EXCEEDED", Never, ResponseLimit, "Out of response count limit: too many messages without a reply from the user.";
    45072 => TypingInvalidCommand, "TYPING_INVALID_COMMAND", Never, Message, "Invalid typing command (Typing or CancelTyping).";
    45080 => TypingWithoutRecentExchange, "TYPING_WITHOUT_RECENT_EXCHANGE", Never, Message, "Typing needs a message exchanged with the user in the last 30 seconds.";
    45081 => AlreadyTyping, "ALREADY_TYPING", Never, Message, "Already typing: the typing state lasts 15 seconds and cannot be re-sent meanwhile.";
    47001 => InvalidJsonBody, "INVALID_JSON_BODY", Never, InvalidRequest, "The POST body is not valid JSON or has the wrong format.";
    48001 => ApiUnauthorized, "API_UNAUTHORIZED", Never, Credential, "API not authorised for this account.";
    65400 => KfUnavailable, "KF_UNAVAILABLE", Never, Account, "API unavailable: the new customer-service feature is not enabled.";
    65401 => InvalidKfAccount, "INVALID_KF_ACCOUNT", Never, Account, "Invalid kf account.";
    65402 => KfNotBound, "KF_NOT_BOUND", Never, Account, "The kf account is not bound to a WeChat user: it must accept an invitation before it can go online or take sessions.";
    65403 => InvalidNickname, "INVALID_NICKNAME", Never, Account, "Invalid kf nickname.";
    65404 => InvalidKfAccountName, "INVALID_KF_ACCOUNT_NAME", Never, Account, "Invalid kf account name.";
    65405 => KfAccountLimit, "KF_ACCOUNT_LIMIT", Never, Account, "The number of kf accounts reached its limit.";
    65406 => KfAccountExists, "KF_ACCOUNT_EXISTS", Never, Account, "The kf account already exists.";
    65407 => InviteeAlreadyKf, "INVITEE_ALREADY_KF", Never, Account, "The invitee is already a kf of this account.";
    65408 => InvitationPending, "INVITATION_PENDING", Never, Account, "An invitation to this WeChat user is already pending.";
    65409 => InvalidWechatId, "INVALID_WECHAT_ID", Never, Account, "Invalid WeChat id.";
    65410 => InviteeBoundTooMany, "INVITEE_BOUND_TOO_MANY", Never, Account, "The invitee is bound to too many accounts (5).";
    65411 => KfInvitationPending, "KF_INVITATION_PENDING", Never, Account, "This kf account already has a pending invitation.";
    65412 => KfAlreadyBound, "KF_ALREADY_BOUND", Never, Account, "This kf account is already bound to a WeChat user.";
    65413 => NoSession, "NO_SESSION", Never, Session, "No customer-service session for this user.";
    65414 => ServedByOtherKf, "SERVED_BY_OTHER_KF", Never, Session, "The user is being served by another kf.";
    65415 => KfNotOnline, "KF_NOT_ONLINE", Never, Session, "The kf is not online.";
    65416 => InvalidQueryParameters, "INVALID_QUERY_PARAMETERS", Never, Session, "Invalid query parameters.";
    65417 => QueryPeriodTooLong, "QUERY_PERIOD_TOO_LONG", Never, Session, "Query period over the limit (24 hours, one China-time day).";
}

impl ErrorCode {
    /// The code with this stable name (`Other(0)` for a name the catalogue does not list).
    pub fn from_name(name: &str) -> Self {
        CATALOGUE.iter().find(|row| row.name == name).map_or(ErrorCode::Other(0), |row| Self::from_errcode(row.errcode))
    }

    /// The stable name (`OTHER` for codes the catalogue does not list).
    pub fn name(self) -> &'static str {
        self.info().map_or("OTHER", |row| row.name)
    }

    /// What the code means.
    pub fn meaning(self) -> &'static str {
        self.info().map_or("Unknown WeChat error code.", |row| row.meaning)
    }

    /// The retry class (unknown codes are never retried).
    pub fn retry_class(self) -> RetryClass {
        self.info().map_or(RetryClass::Never, |row| row.retry)
    }

    /// The family users catch this code by.
    pub fn family(self) -> ErrorFamily {
        self.info().map_or(ErrorFamily::Other, |row| row.family)
    }
}

/// Serialized as its stable name (`"INVALID_CREDENTIAL"`, `"OTHER"`): the raw number travels
/// beside it as `errcode`.
impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for ErrorCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ErrorCode".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = CATALOGUE.iter().map(|row| row.name).chain(["OTHER"]).collect();
        schemars::json_schema!({
            "type": "string",
            "description": "The catalogue's stable name of a WeChat errcode (`OTHER` for codes it does not list).",
            "enum": names,
        })
    }
}

// Kotlin and Swift see the stable name as a string, like JS and Python.
#[cfg(feature = "uniffi")]
uniffi::custom_type!(ErrorCode, String, {
    lower: |code| code.name().to_string(),
    try_lift: |name| Ok(ErrorCode::from_name(&name)),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips_every_row_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for row in CATALOGUE {
            let code = ErrorCode::from_errcode(row.errcode);
            assert!(!matches!(code, ErrorCode::Other(_)), "{}", row.errcode);
            assert_eq!(code.errcode(), row.errcode);
            assert_eq!(code.name(), row.name);
            assert!(names.insert(row.name), "duplicate name {}", row.name);
        }
    }

    #[test]
    fn retry_classes_follow_the_spec() {
        for c in [40001, 40014, 42001] {
            assert_eq!(ErrorCode::from_errcode(c).retry_class(), RetryClass::RefreshToken);
        }
        assert_eq!(ErrorCode::from_errcode(-1).retry_class(), RetryClass::RetryLater);
        for c in [40013, 40125, 40164, 41001, 45015, 45047, 99999] {
            assert_eq!(ErrorCode::from_errcode(c).retry_class(), RetryClass::Never);
        }
        assert_eq!(ErrorCode::from_errcode(99999), ErrorCode::Other(99999));
        assert_eq!(ErrorCode::Other(99999).name(), "OTHER");
    }

    #[test]
    fn binding_and_typing_codes_are_known() {
        let row = |c| ErrorCode::from_errcode(c).info().map(|r| (r.name, r.family, r.retry));
        assert_eq!(row(65402), Some(("KF_NOT_BOUND", ErrorFamily::Account, RetryClass::Never)));
        assert_eq!(row(45072), Some(("TYPING_INVALID_COMMAND", ErrorFamily::Message, RetryClass::Never)));
        assert_eq!(row(45080), Some(("TYPING_WITHOUT_RECENT_EXCHANGE", ErrorFamily::Message, RetryClass::Never)));
        assert_eq!(row(45081), Some(("ALREADY_TYPING", ErrorFamily::Message, RetryClass::Never)));
    }
}
