//! WeChat's `errcode`/`errmsg` envelope, read in the same pass as the typed response: a
//! success body is parsed once (not once for the envelope and again for the fields), which
//! matters for a 10,000-record page.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, StringDeserializer};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// The status fields every WeChat JSON answer may carry.
#[derive(Deserialize, Default)]
pub(crate) struct Envelope {
    #[serde(default)]
    pub errcode: Option<i64>,
    #[serde(default)]
    pub errmsg: Option<String>,
}

/// Parses a JSON object into `T` and its envelope in one pass: `errcode` and `errmsg` are
/// taken out of the object as they come and every other field goes to `T`.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(crate) fn parse_with_envelope<T: for<'de> Deserialize<'de>>(
    body: &[u8],
) -> (Result<T, serde_json::Error>, Envelope) {
    let mut envelope = Envelope::default();
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed =
        Fields { envelope: &mut envelope, typed: PhantomData }.deserialize(&mut de).and_then(|t| de.end().map(|()| t));
    (parsed, envelope)
}

/// The seed that reads an object into `T`, its envelope into `envelope`.
struct Fields<'a, T> {
    envelope: &'a mut Envelope,
    typed: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Fields<'_, T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Fields<'_, T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(WithoutEnvelope { map, envelope: self.envelope }))
    }
}

/// The object's entries less `errcode` and `errmsg`, which land in `envelope`.
struct WithoutEnvelope<'a, A> {
    map: A,
    envelope: &'a mut Envelope,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for WithoutEnvelope<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        while let Some(key) = self.map.next_key::<String>()? {
            match key.as_str() {
                "errcode" => self.envelope.errcode = self.map.next_value()?,
                "errmsg" => self.envelope.errmsg = self.map.next_value()?,
                _ => return seed.deserialize(StringDeserializer::new(key)).map(Some),
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct List {
        #[serde(default)]
        items: Vec<u32>,
        total: u32,
    }

    #[test]
    fn envelope_and_fields_in_one_pass_in_any_order() {
        let (list, env) = parse_with_envelope::<List>(br#"{"total":2,"errcode":0,"items":[1,2],"errmsg":"ok"}"#);
        assert_eq!(list.unwrap(), List { items: vec![1, 2], total: 2 });
        assert_eq!((env.errcode, env.errmsg.as_deref()), (Some(0), Some("ok")));
    }

    #[test]
    fn an_error_body_fills_the_envelope_even_when_the_fields_are_missing() {
        let (list, env) = parse_with_envelope::<List>(br#"{"errcode":40001,"errmsg":"invalid credential"}"#);
        assert!(list.is_err());
        assert_eq!(env.errcode, Some(40001));
    }

    #[test]
    fn not_an_object_or_trailing_bytes_fail() {
        assert!(parse_with_envelope::<List>(b"[1]").0.is_err());
        assert!(parse_with_envelope::<List>(br#"{"total":1} x"#).0.is_err());
    }
}
