//! Counts of units in a cart line or an order line.

use std::fmt;

use serde::Serialize;

/// The configured upper bound of a count in one cart or order line. Never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuantityLimit(u32);

impl QuantityLimit {
    /// The default maximum number of units of one SKU in a cart line or an order line.
    pub const DEFAULT: QuantityLimit = QuantityLimit(200);

    pub fn new(max: u32) -> Option<Self> {
        (max > 0).then_some(QuantityLimit(max))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for QuantityLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A number of units: at least 1, at most the configured [`QuantityLimit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "u32")]
pub struct Quantity(u32);

/// Why a number is not a valid count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("a count must be at least 1")]
    TooSmall,
    #[error("a count may be at most {max}")]
    TooLarge { max: u32 },
}

impl Quantity {
    /// Validates a count received from outside (a request, a cookie, a stored cart).
    pub fn new(value: i64, limit: QuantityLimit) -> Result<Self, QuantityError> {
        if value < 1 {
            return Err(QuantityError::TooSmall);
        }
        if value > i64::from(limit.0) {
            return Err(QuantityError::TooLarge { max: limit.0 });
        }
        Ok(Quantity(value as u32))
    }

    /// A count read back from our own storage, where it was validated when written. Only zero is
    /// refused: a stored count above today's limit (the limit was lowered) is still a fact.
    pub fn from_stored(value: u32) -> Option<Self> {
        (value > 0).then_some(Quantity(value))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl From<Quantity> for u32 {
    fn from(value: Quantity) -> Self {
        value.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_negative_counts_are_refused() {
        let limit = QuantityLimit::DEFAULT;
        assert_eq!(Quantity::new(0, limit), Err(QuantityError::TooSmall));
        assert_eq!(Quantity::new(-3, limit), Err(QuantityError::TooSmall));
        assert_eq!(Quantity::from_stored(0), None);
    }

    #[test]
    fn counts_above_the_configured_limit_are_refused() {
        let limit = QuantityLimit::new(5).unwrap();
        assert_eq!(Quantity::new(5, limit).map(Quantity::get), Ok(5));
        assert_eq!(Quantity::new(6, limit), Err(QuantityError::TooLarge { max: 5 }));
        assert_eq!(Quantity::new(i64::MAX, limit), Err(QuantityError::TooLarge { max: 5 }));
    }

    #[test]
    fn a_zero_limit_does_not_exist() {
        assert_eq!(QuantityLimit::new(0), None);
    }
}
