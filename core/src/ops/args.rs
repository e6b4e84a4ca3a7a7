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

/// Reads an arguments object, naming the path of the offending field on failure.
pub(crate) fn parse<T: DeserializeOwned>(args: &str) -> Result<T, crate::KfError> {
    let mut deserializer = serde_json::Deserializer::from_str(args);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let reason = e.inner().to_string();
        let field = match path.as_str() {
            "." | "" => missing_field(&reason).unwrap_or("arguments").to_string(),
            _ => path,
        };
        crate::KfError::validation(field, strip_position(&reason))
    })
}

/// The field named by serde's "missing field `x`".
fn missing_field(reason: &str) -> Option<&str> {
    reason.strip_prefix("missing field `")?.split('`').next()
}

/// serde_json's " at line 1 column 42" says nothing to a caller who passed an object.
fn strip_position(reason: &str) -> &str {
    reason.rsplit_once(" at line ").map_or(reason, |(text, _)| text)
}
