//! Deserializers for fields WeChat sends in more than one shape.

use serde::{Deserialize, Deserializer};

/// Accepts a string or a number (e.g. `kf_id`), giving a string.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        S(String),
        I(i64),
        U(u64),
        F(f64),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        Some(Raw::S(s)) => s,
        Some(Raw::I(i)) => i.to_string(),
        Some(Raw::U(u)) => u.to_string(),
        Some(Raw::F(f)) => f.to_string(),
        None => String::new(),
    })
}

/// Accepts a number or a numeric string (WeChat is not consistent about timestamps).
pub(crate) fn int_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        I(i64),
        F(f64),
        S(String),
    }
    match Option::<Raw>::deserialize(d)? {
        Some(Raw::I(i)) => Ok(i),
        Some(Raw::F(f)) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        Some(Raw::F(_)) => Err(serde::de::Error::custom("expected an integer")),
        Some(Raw::S(s)) if s.is_empty() => Ok(0),
        Some(Raw::S(s)) => s.trim().parse().map_err(serde::de::Error::custom),
        None => Ok(0),
    }
}

/// Accepts a string or null, giving a string (null → empty).
pub(crate) fn string_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}
