//! Deserializers for fields WeChat sends in more than one shape. Written as visitors rather
//! than `#[serde(untagged)]` enums: those buffer every value in serde's `Content` first, and
//! the npm package pays for that code in its size budget.

use std::fmt;

use serde::de::{Deserializer, Error, Visitor};
use serde::Deserialize;

/// Accepts a string or an integer (e.g. `kf_id`), giving a string; null gives "".
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(StringOrNumber)
}

struct StringOrNumber;

impl<'de> Visitor<'de> for StringOrNumber {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an integer")
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<String, E> {
        integral(v).map(|i| i.to_string())
    }
    fn visit_unit<E: Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_none<E: Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

/// Accepts a number or a numeric string (WeChat is not consistent about timestamps); null
/// and "" give 0.
pub(crate) fn int_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(IntLenient)
}

struct IntLenient;

impl<'de> Visitor<'de> for IntLenient {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a numeric string")
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<i64, E> {
        integral(v)
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<i64, E> {
        match v.trim() {
            "" => Ok(0),
            t => t.parse().map_err(|_| E::custom("expected an integer")),
        }
    }
    fn visit_unit<E: Error>(self) -> Result<i64, E> {
        Ok(0)
    }
    fn visit_none<E: Error>(self) -> Result<i64, E> {
        Ok(0)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<i64, D::Error> {
        d.deserialize_any(self)
    }
}

/// A float that holds an integer (JSON writers may send `1001.0`).
fn integral<E: Error>(v: f64) -> Result<i64, E> {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
        Ok(v as i64)
    } else {
        Err(E::custom("expected an integer"))
    }
}

/// Accepts a string or null, giving a string (null → empty).
pub(crate) fn string_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Both {
        #[serde(default, deserialize_with = "string_or_number")]
        id: String,
        #[serde(default, deserialize_with = "int_lenient")]
        time: i64,
    }

    fn read(json: &str) -> Result<Both, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn each_shape_wechat_sends() {
        let both = |id: &str, time| Ok(Both { id: id.into(), time });
        assert_eq!(read(r#"{"id":"1001","time":5}"#), both("1001", 5));
        assert_eq!(read(r#"{"id":1001,"time":"5"}"#), both("1001", 5));
        assert_eq!(read(r#"{"id":1001.0,"time":5.0}"#), both("1001", 5));
        assert_eq!(read(r#"{"id":null,"time":null}"#), both("", 0));
        assert_eq!(read(r#"{"time":""}"#), both("", 0));
        assert_eq!(read(r#"{"id":18446744073709551615}"#), both("18446744073709551615", 0));
        assert!(read(r#"{"id":1.5}"#).is_err());
        assert!(read(r#"{"time":"soon"}"#).is_err());
        assert!(read(r#"{"time":[1]}"#).is_err());
        assert!(read(r#"{"time":18446744073709551615}"#).is_err());
    }
}
