//! Ids and whole numbers as clients send them. The store's ids are signed 64-bit, so an id above
//! 2^63 − 1 names nothing and is refused (a 400 in a body, a 404 in a path) rather than quietly
//! matching no row; a JSON number with a zero fraction (`110245.0`) is the whole number, as the
//! original's DRF `IntegerField` reads it.

use serde::{Deserialize, Deserializer};

/// The largest id: `i64::MAX`.
pub const MAX_ID: u64 = i64::MAX as u64;

/// Reads a whole number within `i64` from a JSON number (a float only with a zero fraction),
/// and, when `text` is allowed, from its text (a path segment, or DRF's `"3"`).
struct Whole {
    text: bool,
}

impl serde::de::Visitor<'_> for Whole {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).ok())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // Within ±2^53 every whole float is exact.
        #[allow(clippy::cast_possible_truncation)]
        Ok((v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0).then_some(v as i64))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if self.text {
            Ok(v.trim().parse::<i64>().ok())
        } else {
            Err(E::invalid_type(serde::de::Unexpected::Str(v), &self))
        }
    }
}

/// A whole number (`count`, `score`, `pay_method`, ...).
///
/// # Errors
/// When the value is not a whole number within `i64`.
pub fn whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer
        .deserialize_any(Whole { text: false })?
        .ok_or_else(|| serde::de::Error::custom("expected a whole number"))
}

/// An id: a whole number from 1 to 2^63 − 1.
///
/// # Errors
/// When the value is not such a number.
pub fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer
        .deserialize_any(Whole { text: false })?
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            serde::de::Error::custom(format!("expected an id, a whole number from 1 to {MAX_ID}"))
        })
}

/// A count from 0 to 2^32 − 1 (a stock, a sequence), as a whole number (`3` or `3.0`).
///
/// # Errors
/// When the value is not such a number.
pub fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    deserializer
        .deserialize_any(Whole { text: false })?
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| serde::de::Error::custom("expected a whole number from 0 to 4294967295"))
}

/// The same, or `null`.
///
/// # Errors
/// When the value is neither `null` nor such a number.
pub fn optional_count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    struct Count(#[serde(deserialize_with = "count")] u32);
    Ok(Option::<Count>::deserialize(deserializer)?.map(|c| c.0))
}

/// An id in a path (`web::Path<Id>`): from 1 to 2^63 − 1, or the path names nothing (404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id(pub u64);

impl<'de> Deserialize<'de> for Id {
    /// From a path segment (text) or a JSON value (a whole number, or its text as DRF takes it).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(Whole { text: true })? {
            Some(n) if (1..=MAX_ID).contains(&u64::try_from(n).unwrap_or(0)) => {
                Ok(Id(u64::try_from(n).unwrap_or(0)))
            }
            _ => Err(serde::de::Error::custom(format!("an id is from 1 to {MAX_ID}"))),
        }
    }
}

impl utoipa::PartialSchema for Id {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(1))
            .maximum(Some(i64::MAX))
            .into()
    }
}

impl utoipa::ToSchema for Id {}

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

    #[test]
    fn a_path_or_list_id_reads_from_text_or_a_whole_number_within_range() {
        let read = |json: &str| serde_json::from_str::<Vec<Id>>(json).ok();
        assert_eq!(read("[3, 4.0, \"5\"]"), Some(vec![Id(3), Id(4), Id(5)]));
        assert_eq!(
            read("[2251799813685247.0, 14042387098, 201.0]"),
            Some(vec![Id(2_251_799_813_685_247), Id(14_042_387_098), Id(201)])
        );
        for refused in ["[0]", "[-1]", "[1.5]", "[\"x\"]", "[9223372036854775808]"] {
            assert_eq!(read(refused), None, "{refused}");
        }
    }
}
