//! Client settings from one flat JSON object: how the JS and Python bindings hand over what
//! their `Client` constructor was given (credentials and options side by side).

use serde_json::{Map, Value};

use crate::ops::from_json;
use crate::{ClientOptions, Credentials, KfError};

/// The keys of [`Credentials`]; every other key of a settings object is a [`ClientOptions`] field.
pub const CREDENTIAL_KEYS: [&str; 4] = ["app_id", "app_secret", "access_token", "token_kind"];

/// [`Credentials`] and [`ClientOptions`] from one JSON object of snake_case keys
/// (`{"app_id": "wx…", "app_secret": "…", "max_attempts": 1}`), read like every JSON entry
/// ([`from_json`]): a key of neither, or a value of the wrong type, is an error naming it.
pub fn settings_from_json(json: &str) -> Result<(Credentials, ClientOptions), KfError> {
    let mut options: Map<String, Value> = from_json(json)?;
    let credentials: Map<String, Value> = CREDENTIAL_KEYS.iter().filter_map(|key| options.remove_entry(*key)).collect();
    Ok((from_json(&Value::Object(credentials).to_string())?, from_json(&Value::Object(options).to_string())?))
}

/// The keys of [`GuardOptions`](crate::GuardOptions) (clients built with the `guards` feature).
#[cfg(feature = "guards")]
pub const GUARD_KEYS: [&str; 5] =
    ["budget_mode", "budget_rules", "dedup_ttl_ms", "token_cooldown_ms", "force_refresh_interval_ms"];

/// [`settings_from_json`] for a client with the production guards: their keys go to
/// [`GuardOptions`](crate::GuardOptions).
#[cfg(feature = "guards")]
pub fn guarded_settings_from_json(json: &str) -> Result<(Credentials, ClientOptions, crate::GuardOptions), KfError> {
    let mut all: Map<String, Value> = from_json(json)?;
    let guards: Map<String, Value> = GUARD_KEYS.iter().filter_map(|key| all.remove_entry(*key)).collect();
    let (credentials, options) = settings_from_json(&Value::Object(all).to_string())?;
    Ok((credentials, options, from_json(&Value::Object(guards).to_string())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TokenKind, TokenMode};

    fn field(json: &str) -> String {
        match settings_from_json(json) {
            Err(KfError::Validation { field, .. }) => field,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn splits_credentials_from_options_and_names_bad_keys() {
        let (credentials, options) =
            settings_from_json(r#"{"app_id":"wx1","app_secret":"S","token_kind":"classic","max_attempts":1}"#).unwrap();
        assert_eq!(options, ClientOptions { max_attempts: 1, ..ClientOptions::default() });
        assert_eq!(
            credentials.mode(false),
            Ok(TokenMode::Secret { app_id: "wx1".into(), app_secret: "S".into(), kind: TokenKind::Classic })
        );
        for key in CREDENTIAL_KEYS {
            assert!(
                field(&format!(r#"{{"{key}":[1]}}"#)).starts_with(key),
                "every credential key is a Credentials field"
            );
        }
        assert_eq!(field(r#"{"app_secret":"S","retry":false}"#), "retry");
        assert_eq!(field(r#"{"base_url":7}"#), "base_url");
        assert_eq!(field("[]"), "arguments");
    }

    #[cfg(feature = "guards")]
    #[test]
    fn guard_keys_are_the_guard_options() {
        let keys = serde_json::to_value(crate::GuardOptions::default()).unwrap_or_default();
        let names: Vec<&str> = keys.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        let mut expected = GUARD_KEYS.to_vec();
        expected.sort_unstable();
        let mut names = names;
        names.sort_unstable();
        assert_eq!(names, expected);
        let (_, options, guards) =
            guarded_settings_from_json(r#"{"access_token":"T","max_attempts":2,"budget_mode":"enforce"}"#).unwrap();
        assert_eq!((options.max_attempts, guards.budget_mode), (2, crate::BudgetMode::Enforce));
        assert_eq!(field(r#"{"budget_mode":"enforce"}"#), "budget_mode", "not an option without the guards");
    }
}
