//! How the JSON dispatch reads an argument: serde for plain values, base64 for bytes.

use base64::Engine;
use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;

use crate::ops::prelude::{Message, TypingCommand};

/// An argument type the JSON dispatch accepts; bytes (`Vec<u8>`) travel as base64 text.
pub trait JsonArg: Sized {
    /// Reads the value from the argument's JSON.
    fn from_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

macro_rules! plain_args {
    ($($ty:ty),*) => {$(
        impl JsonArg for $ty {
            fn from_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$ty as Deserialize>::deserialize(deserializer)
            }
        }
    )*};
}

plain_args!(String, i64, bool, Message, TypingCommand);

impl JsonArg for Vec<u8> {
    fn from_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        base64::engine::general_purpose::STANDARD.decode(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}

impl<T: JsonArg> JsonArg for Option<T> {
    fn from_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<Arg<T>>::deserialize(deserializer).map(|v| v.map(|a| a.0))
    }
}

/// A field of a dispatch arguments struct.
pub(crate) struct Arg<T>(pub(crate) T);

impl<'de, T: JsonArg> Deserialize<'de> for Arg<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::from_json(deserializer).map(Arg)
    }
}

/// A dispatch argument with a default: absent is `None`, and `null` is refused like any value
/// of the wrong type.
pub(crate) struct Defaulted<T>(pub(crate) Option<T>);

impl<T> Default for Defaulted<T> {
    fn default() -> Self {
        Defaulted(None)
    }
}

impl<'de, T: JsonArg> Deserialize<'de> for Defaulted<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::from_json(deserializer).map(|v| Defaulted(Some(v)))
    }
}

/// Reads a JSON object into `T` the way every JSON entry of wxkf does (the operation
/// arguments of [`Client::call_json`](crate::Client::call_json), the client settings, a
/// cursor, a push query, the JS binding's option objects): a failure is a validation error
/// naming the path of the offending field (`message.text.content`, `starttime`, an unknown
/// key; a key that is not valid text is named by the object holding it), and its reason never
/// quotes the value given (a secret put in the wrong field stays out of the error).
pub fn from_json<T: DeserializeOwned>(args: &str) -> Result<T, crate::KfError> {
    let mut deserializer = serde_json::Deserializer::from_str(args);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let reason = e.inner().to_string();
        // serde_path_to_error writes `?` for a key it could not read (say, a lone surrogate).
        let path = path.trim_end_matches(".?").trim_end_matches('?');
        let field = match path {
            "." | "" => named_field(&reason).unwrap_or("arguments").to_string(),
            _ => path.to_string(),
        };
        crate::KfError::validation(field, unquoted(strip_position(&reason)))
    })
}

/// The field named by serde's "missing field `x`" or "unknown field `x`, expected …".
fn named_field(reason: &str) -> Option<&str> {
    ["missing field `", "unknown field `"].iter().find_map(|prefix| reason.strip_prefix(prefix))?.split('`').next()
}

/// serde_json's " at line 1 column 42" says nothing to a caller who passed an object.
fn strip_position(reason: &str) -> &str {
    reason.rsplit_once(" at line ").map_or(reason, |(text, _)| text)
}

/// serde's reason without the value it quotes: `invalid type: string "…", expected u32`
/// becomes `invalid type: string, expected u32`, ``unknown variant `…`, expected …`` becomes
/// `unknown variant, expected …`.
fn unquoted(reason: &str) -> String {
    const QUOTING: [&str; 3] = ["invalid type: string \"", "invalid value: string \"", "unknown variant `"];
    match QUOTING.iter().find(|prefix| reason.starts_with(*prefix)) {
        // serde's own ", expected …" comes last, after anything the value may hold.
        Some(prefix) => {
            let tail = reason.rfind(", expected").map_or("", |at| reason.get(at..).unwrap_or(""));
            format!("{}{tail}", prefix.trim_end_matches(['"', '`', ' ']))
        }
        None => reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Args {
        count: u32,
        kind: crate::TokenKind,
    }

    fn field_and_reason(json: &str) -> (String, String) {
        match from_json::<Args>(json) {
            Err(crate::KfError::Validation { field, reason }) => (field, reason),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_the_field_and_never_quotes_the_value() {
        let (field, reason) = field_and_reason(r#"{"count":"SECRET-1, expected x","kind":"stable"}"#);
        assert_eq!((field.as_str(), reason.as_str()), ("count", "invalid type: string, expected u32"));
        let (field, reason) = field_and_reason(r#"{"count":1,"kind":"SECRET-2"}"#);
        assert_eq!(field, "kind");
        assert!(reason.starts_with("unknown variant, expected") && !reason.contains("SECRET"), "{reason}");
        assert_eq!(field_and_reason(r#"{"count":1,"kind":"stable","typo":3}"#).0, "typo");
        assert_eq!(field_and_reason(r#"{"kind":"stable"}"#).0, "count");
        assert_eq!(field_and_reason(r#"{"count":1,"kind":"\ud800"}"#).0, "kind");
    }
}
