//! How the JSON dispatch reads an argument: serde for plain values, base64 for bytes.

use base64::Engine;
use serde::de::Deserializer;
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
        deserializer.deserialize_str(Base64)
    }
}

/// Reads base64 text (in the deserializer, so that a failure knows where it is).
struct Base64;

impl serde::de::Visitor<'_> for Base64 {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("base64 text")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Vec<u8>, E> {
        base64::engine::general_purpose::STANDARD.decode(text).map_err(E::custom)
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
