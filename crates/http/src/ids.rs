//! Ids and whole numbers as clients send them. The store's ids are signed 64-bit, so an id above
//! 2^63 − 1 names nothing and is refused (a 400 in a body, a 404 in a path) rather than quietly
//! matching no row; a JSON number with a zero fraction (`110245.0`) is the whole number, as the
//! original's DRF `IntegerField` reads it.

use serde::{Deserialize, Deserializer};

/// The largest id: `i64::MAX`.
pub const MAX_ID: u64 = i64::MAX as u64;

/// A number as JSON (or a path segment) carries it.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

/// Whole numbers in `i64` (floats only with a zero fraction).
fn whole_number(number: Number) -> Option<i64> {
    match number {
        Number::Unsigned(n) => i64::try_from(n).ok(),
        Number::Signed(n) => Some(n),
        #[allow(clippy::cast_possible_truncation)]
        Number::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Some(x as i64),
        Number::Float(_) => None,
    }
}

/// A whole number (`count`, `score`, `pay_method`, ...).
///
/// # Errors
/// When the value is not a whole number within `i64`.
pub fn whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    whole_number(Number::deserialize(deserializer)?)
        .ok_or_else(|| serde::de::Error::custom("expected a whole number"))
}

/// An id: a whole number from 1 to 2^63 − 1.
///
/// # Errors
/// When the value is not such a number.
pub fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    whole_number(Number::deserialize(deserializer)?)
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            serde::de::Error::custom(format!("expected an id, a whole number from 1 to {MAX_ID}"))
        })
}

/// An id in a path (`web::Path<Id>`): from 1 to 2^63 − 1, or the path names nothing (404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id(pub u64);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(deserializer)?;
        if (1..=MAX_ID).contains(&n) {
            Ok(Id(n))
        } else {
            Err(serde::de::Error::custom(format!("an id is from 1 to {MAX_ID}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(deserialize_with = "id")]
        sku_id: u64,
        #[serde(deserialize_with = "whole")]
        count: i64,
    }

    fn body(json: &str) -> Option<(u64, i64)> {
        serde_json::from_str::<Body>(json).ok().map(|b| (b.sku_id, b.count))
    }

    #[test]
    fn ids_are_whole_numbers_within_the_stores_range() {
        assert_eq!(body(r#"{"sku_id": 3, "count": 2}"#), Some((3, 2)));
        assert_eq!(body(r#"{"sku_id": 110245.0, "count": 2.0}"#), Some((110_245, 2)));
        assert_eq!(body(r#"{"sku_id": 9223372036854775807, "count": -1}"#), Some((MAX_ID, -1)));
        for refused in [
            r#"{"sku_id": 9223372036854775808, "count": 1}"#,
            r#"{"sku_id": 18446744073709551615, "count": 1}"#,
            r#"{"sku_id": 0, "count": 1}"#,
            r#"{"sku_id": -3, "count": 1}"#,
            r#"{"sku_id": 1.5, "count": 1}"#,
            r#"{"sku_id": "3", "count": 1}"#,
            r#"{"sku_id": 3, "count": 1.5}"#,
            r#"{"sku_id": 3, "count": 9223372036854775808}"#,
        ] {
            assert_eq!(body(refused), None, "{refused}");
        }
    }
}
