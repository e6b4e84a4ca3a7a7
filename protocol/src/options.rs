//! Client settings every runtime accepts, with their defaults and their checks in one place:
//! JS and Python pass them as JSON (snake_case keys), Kotlin and Swift as a UniFFI record.

use serde::{Deserialize, Serialize};

use crate::budget::{default_budget_rules, BudgetRule};
use crate::endpoint::DEFAULT_BASE_URL;
use crate::secret::Secret;
use crate::{validate, KfError};

/// The longest wait any option may name (one day), in milliseconds.
pub const MAX_OPTION_MS: u64 = 86_400_000;

/// How a client behaves besides where its tokens come from. Every field has a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClientOptions {
    /// WeChat's base URL (the emulator's in tests): `http://` or `https://`, no path.
    #[cfg_attr(feature = "uniffi", uniffi(default = "https://api.weixin.qq.com"))]
    pub base_url: String,
    /// Attempts in all for a read (1 = no retry); a token error always gets one refresh and
    /// one retry besides.
    #[cfg_attr(feature = "uniffi", uniffi(default = 3))]
    pub max_attempts: u32,
    /// First backoff delay, in milliseconds (doubled per retry, with jitter).
    #[cfg_attr(feature = "uniffi", uniffi(default = 100))]
    pub base_delay_ms: u64,
    /// Largest backoff delay, in milliseconds.
    #[cfg_attr(feature = "uniffi", uniffi(default = 2000))]
    pub max_delay_ms: u64,
    /// No retry starts after this many milliseconds since the call began.
    #[cfg_attr(feature = "uniffi", uniffi(default = 15000))]
    pub deadline_ms: u64,
    /// Also retry writes after timeouts, resets, 5xx and `-1`: a retried send may reach the
    /// user twice, so opt in only where that is acceptable.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub retry_writes: bool,
    /// Whole-request timeout in milliseconds (transports that time requests themselves).
    #[cfg_attr(feature = "uniffi", uniffi(default = 15000))]
    pub timeout_ms: u64,
    /// Connect timeout in milliseconds (native transports).
    #[cfg_attr(feature = "uniffi", uniffi(default = 5000))]
    pub connect_timeout_ms: u64,
    /// Prefix of the keys under which tokens are stored (`<namespace>:<environment>:<appid>:<kind>`).
    #[cfg_attr(feature = "uniffi", uniffi(default = "wxkf:token"))]
    pub store_namespace: String,
    /// The environment (`prod`, `staging`, `test` …) in every key of a shared store, so two
    /// environments never share or overwrite each other's tokens and budgets by accident.
    /// Default: `prod` against WeChat's base URL, else the base URL's host and port (an
    /// emulator's tokens never land where production reads them).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub environment: Option<String>,
}

/// The production guards' settings (clients built with `wxkf-core`'s `guards` feature): the
/// reply budget, push deduplication, the token breaker and the force-refresh interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GuardOptions {
    /// What a send does when the user's reply budget says WeChat would refuse it: `off`
    /// (no check), `warn` (log and send), `enforce` (refuse before the network).
    // No UniFFI default: 0.29 has none for enum-typed fields (Kotlin/Swift callers name it).
    pub budget_mode: BudgetMode,
    /// The budget table (what each user action allows); the send doc's table when absent.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub budget_rules: Option<Vec<BudgetRule>>,
    /// How long a push is remembered for deduplication, in milliseconds (WeChat retries an
    /// unanswered push three times, 5 s apart).
    #[cfg_attr(feature = "uniffi", uniffi(default = 60000))]
    pub dedup_ttl_ms: u64,
    /// How long token calls pause after WeChat answered a quota error (45009), in milliseconds.
    #[cfg_attr(feature = "uniffi", uniffi(default = 60000))]
    pub token_cooldown_ms: u64,
    /// At most one stable-token force refresh per this many milliseconds per AppID (WeChat
    /// allows about 20 a day, 30 s apart).
    #[cfg_attr(feature = "uniffi", uniffi(default = 30000))]
    pub force_refresh_interval_ms: u64,
}

impl Default for GuardOptions {
    fn default() -> Self {
        GuardOptions {
            budget_mode: BudgetMode::Off,
            budget_rules: None,
            dedup_ttl_ms: 60_000,
            token_cooldown_ms: 60_000,
            force_refresh_interval_ms: 30_000,
        }
    }
}

impl GuardOptions {
    /// Checks every option, naming the first that breaks its rule.
    pub fn validate(&self) -> Result<(), KfError> {
        for (field, ms) in [
            ("dedup_ttl_ms", self.dedup_ttl_ms),
            ("token_cooldown_ms", self.token_cooldown_ms),
            ("force_refresh_interval_ms", self.force_refresh_interval_ms),
        ] {
            if ms > MAX_OPTION_MS {
                return Err(KfError::validation(field, format!("must be at most {MAX_OPTION_MS} (one day)")));
            }
        }
        for (i, rule) in self.budget_rules.iter().flatten().enumerate() {
            if !(1..=30 * 86_400).contains(&rule.within_secs) {
                return Err(KfError::validation(format!("budget_rules[{i}].within_secs"), "must be 1 s to 30 days"));
            }
        }
        Ok(())
    }

    /// The budget table in force.
    pub fn budget_rules(&self) -> Vec<BudgetRule> {
        self.budget_rules.clone().unwrap_or_else(default_budget_rules)
    }
}

/// What a send does when the user's reply budget says WeChat would refuse it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum BudgetMode {
    /// No check (the default: the budget is only as good as the pushes it is fed).
    #[default]
    Off,
    /// Log a warning and send anyway.
    Warn,
    /// Refuse before the network with a `Guard` error.
    Enforce,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            base_url: DEFAULT_BASE_URL.to_string(),
            max_attempts: 3,
            base_delay_ms: 100,
            max_delay_ms: 2_000,
            deadline_ms: 15_000,
            retry_writes: false,
            timeout_ms: 15_000,
            connect_timeout_ms: 5_000,
            store_namespace: "wxkf:token".to_string(),
            environment: None,
        }
    }
}

impl ClientOptions {
    /// Checks every option, naming the first that breaks its rule.
    pub fn validate(&self) -> Result<(), KfError> {
        validate::required("base_url", &self.base_url)?;
        let rest = ["http://", "https://"].iter().find_map(|scheme| self.base_url.strip_prefix(scheme));
        match rest {
            None => return Err(KfError::validation("base_url", "must start with http:// or https://")),
            Some(host) if host.trim_end_matches('/').is_empty() => {
                return Err(KfError::validation("base_url", "must name a host"))
            }
            Some(host) if host.trim_end_matches('/').contains(['/', '?', '#', ' ']) => {
                return Err(KfError::validation("base_url", "must be a scheme and a host (with a port), no path"))
            }
            Some(_) => {}
        }
        if self.max_attempts == 0 {
            return Err(KfError::validation("max_attempts", "must be at least 1"));
        }
        for (field, ms) in [
            ("base_delay_ms", self.base_delay_ms),
            ("max_delay_ms", self.max_delay_ms),
            ("deadline_ms", self.deadline_ms),
        ] {
            if ms > MAX_OPTION_MS {
                return Err(KfError::validation(field, format!("must be at most {MAX_OPTION_MS} (one day)")));
            }
        }
        for (field, ms) in [("timeout_ms", self.timeout_ms), ("connect_timeout_ms", self.connect_timeout_ms)] {
            if ms == 0 || ms > MAX_OPTION_MS {
                return Err(KfError::validation(field, format!("must be 1-{MAX_OPTION_MS} milliseconds")));
            }
        }
        validate::required("store_namespace", &self.store_namespace)?;
        if let Some(env) = &self.environment {
            validate::required("environment", env)?;
        }
        Ok(())
    }

    /// The environment keys of shared stores carry (see [`ClientOptions::environment`]).
    pub fn environment(&self) -> String {
        self.environment.clone().unwrap_or_else(|| environment_of(self.normalized_base_url()))
    }

    /// The base URL without a trailing slash (after [`validate`](Self::validate)).
    pub fn normalized_base_url(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

/// The environment a client without one configured is in: `prod` against WeChat's base URL,
/// else the base URL's host and port.
pub fn environment_of(base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    if base == DEFAULT_BASE_URL {
        return "prod".to_string();
    }
    base.split_once("://").map_or(base, |(_, host)| host).to_string()
}

/// Which token endpoint a client with an AppSecret uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TokenKind {
    /// `/cgi-bin/stable_token`: the same token for every caller until it expires (default).
    #[default]
    Stable,
    /// `/cgi-bin/token`: each fetch replaces the previous token.
    Classic,
}

/// Where a JS or Python client's tokens come from, as data: an AppID with its AppSecret, or a
/// fixed access token (a token provider is a host object and travels apart). Never printed.
#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Credentials {
    /// The Official Account's AppID.
    pub app_id: Option<String>,
    /// Its AppSecret (server side only: never ship it in an app or a browser).
    pub app_secret: Option<Secret>,
    /// A fixed access token, never refreshed.
    pub access_token: Option<Secret>,
    /// `stable` (default) or `classic`, for clients with an AppSecret.
    pub token_kind: TokenKind,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("app_id", &self.app_id).field("token_kind", &self.token_kind).finish()
    }
}

/// The token mode [`Credentials`] (plus whether a provider was given) select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenMode {
    /// AppID and AppSecret with the stable or the classic endpoint.
    Secret {
        /// AppID.
        app_id: String,
        /// AppSecret.
        app_secret: Secret,
        /// Which endpoint.
        kind: TokenKind,
    },
    /// A fixed token.
    Fixed(Secret),
    /// The host's token provider.
    Provider,
}

impl Credentials {
    /// The one token mode these credentials name; exactly one of an AppSecret, an access
    /// token and a provider must be given.
    pub fn mode(self, has_provider: bool) -> Result<TokenMode, KfError> {
        let given = [self.app_secret.is_some(), self.access_token.is_some(), has_provider];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(KfError::validation(
                "app_secret",
                "give only one of app_secret, access_token and token_provider",
            ));
        }
        if has_provider {
            return Ok(TokenMode::Provider);
        }
        if let Some(token) = self.access_token {
            validate::required("access_token", token.expose())?;
            return Ok(TokenMode::Fixed(token));
        }
        let Some(app_secret) = self.app_secret else {
            return Err(KfError::validation(
                "app_secret",
                "is required unless token_provider or access_token is given",
            ));
        };
        let app_id = self.app_id.unwrap_or_default();
        validate::required("app_id", &app_id)?;
        validate::required("app_secret", app_secret.expose())?;
        Ok(TokenMode::Secret { app_id, app_secret, kind: self.token_kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_each_rule_names_its_field() {
        assert_eq!(ClientOptions::default().validate(), Ok(()));
        let bad = |o: ClientOptions| match o.validate() {
            Err(KfError::Validation { field, .. }) => field,
            other => format!("{other:?}"),
        };
        let d = ClientOptions::default;
        assert_eq!(bad(ClientOptions { base_url: "ftp://x".into(), ..d() }), "base_url");
        assert_eq!(bad(ClientOptions { base_url: "https://".into(), ..d() }), "base_url");
        assert_eq!(bad(ClientOptions { base_url: "https://h/path".into(), ..d() }), "base_url");
        assert_eq!(bad(ClientOptions { base_url: "x".repeat(70_000), ..d() }), "base_url");
        assert_eq!(bad(ClientOptions { max_attempts: 0, ..d() }), "max_attempts");
        assert_eq!(bad(ClientOptions { timeout_ms: 0, ..d() }), "timeout_ms");
        assert_eq!(bad(ClientOptions { deadline_ms: u64::MAX, ..d() }), "deadline_ms");
        let ok = ClientOptions { base_url: "http://127.0.0.1:8080/".into(), ..d() };
        assert_eq!((ok.validate(), ok.normalized_base_url()), (Ok(()), "http://127.0.0.1:8080"));
        let parsed: Result<ClientOptions, _> = serde_json::from_str(r#"{"max_attempts":1,"typo":2}"#);
        assert!(parsed.is_err());
    }

    #[test]
    fn credentials_name_exactly_one_mode() {
        let c = |json: &str| serde_json::from_str::<Credentials>(json).unwrap_or_default();
        let secret = c(r#"{"app_id":"wx1","app_secret":"S","token_kind":"classic"}"#);
        assert!(format!("{secret:?}").contains("wx1") && !format!("{secret:?}").contains("\"S\""));
        assert_eq!(
            secret.mode(false),
            Ok(TokenMode::Secret { app_id: "wx1".into(), app_secret: "S".into(), kind: TokenKind::Classic })
        );
        assert_eq!(c(r#"{"access_token":"T"}"#).mode(false), Ok(TokenMode::Fixed("T".into())));
        assert_eq!(c("{}").mode(true), Ok(TokenMode::Provider));
        assert!(c(r#"{"access_token":"T","app_secret":"S"}"#).mode(false).is_err());
        assert!(c(r#"{"access_token":"T"}"#).mode(true).is_err());
        assert!(c("{}").mode(false).is_err());
        assert!(c(r#"{"app_secret":"S"}"#).mode(false).is_err());
    }
}
