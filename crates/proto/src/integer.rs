//! Integers as JSON Schema counts them: a number with no fractional part, so `60.0` is the integer
//! 60 (JSON Schema 2020-12 §6.1.1, "integer": "any number with a zero fractional part"). serde
//! alone refuses `60.0` for an `i64`; the management API's integer fields take it.

use serde::{Deserialize, Deserializer, de::Error};

/// A JSON number that is a whole number within `i64`.
fn whole(value: serde_json::Number) -> Option<i64> {
    if let Some(i) = value.as_i64() {
        return Some(i);
    }
    let f = value.as_f64()?;
    // Beyond 2^53 a double no longer holds every integer; those are not taken as integers.
    (f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0).then_some(f as i64)
}

/// Deserialises an optional integer written as `60` or `60.0`.
pub fn option_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(n) => whole(n)
            .map(Some)
            .ok_or_else(|| D::Error::custom("invalid type: expected an integer")),
    }
}

/// Deserialises an optional page size from a query string, written as `10` or `10.0`.
pub fn option_u32_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let number: serde_json::Number = text
        .trim()
        .parse()
        .map_err(|_| D::Error::custom("invalid digit found in string"))?;
    whole(number)
        .and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| D::Error::custom("invalid type: expected a whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "option_i64")]
        n: Option<i64>,
    }

    #[test]
    fn whole_numbers_in_either_spelling() {
        let parse = |text: &str| serde_json::from_str::<T>(text).map(|t| t.n);
        assert_eq!(parse(r#"{"n": 60}"#).unwrap(), Some(60));
        assert_eq!(parse(r#"{"n": 60.0}"#).unwrap(), Some(60));
        assert_eq!(parse(r#"{"n": -1e3}"#).unwrap(), Some(-1000));
        assert_eq!(parse(r#"{"n": null}"#).unwrap(), None);
        assert_eq!(parse(r#"{}"#).unwrap(), None);
        assert!(parse(r#"{"n": 60.5}"#).is_err());
        assert!(parse(r#"{"n": "60"}"#).is_err());
        assert!(parse(r#"{"n": 1e300}"#).is_err());
    }
}
