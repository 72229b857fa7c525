//! Money: an exact decimal amount in yuan with two places.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::Quantity;

/// The number of decimal places every amount is kept at (fen).
pub const MONEY_SCALE: u32 = 2;

/// An amount of money in yuan, exact, always at two decimal places.
///
/// Rounding happens in one place, [`Money::from_decimal`]: half away from zero, as a cashier
/// rounds. Sums and products of amounts that are already at two places are exact and need no
/// rounding. Serialises as a JSON string (`"3788.00"`), never as a float.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Money(Decimal);

/// Why a value is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("an amount of money cannot be negative")]
    Negative,
    #[error("`{0}` is not a decimal amount")]
    Unparsable(String),
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);
    /// The largest amount the shop stores (`DECIMAL(10,2)`): 99,999,999.99.
    pub const MAX: Money = Money(Decimal::from_parts(1_410_065_407, 2, 0, false, 2));

    /// Whether the amount fits the shop's storage ([`Money::MAX`]).
    pub fn is_storable(self) -> bool {
        self <= Money::MAX
    }

    /// Rounds `value` to two places (half away from zero). Negative amounts are refused: prices,
    /// totals and freight are never below zero.
    pub fn from_decimal(value: Decimal) -> Result<Self, MoneyError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::Negative);
        }
        let mut rounded =
            value.round_dp_with_strategy(MONEY_SCALE, RoundingStrategy::MidpointAwayFromZero);
        rounded.rescale(MONEY_SCALE);
        Ok(Money(rounded))
    }

    /// An amount written with at most two places, taken exactly: `6509.004` is refused rather
    /// than rounded (a payment's amount must be the order's to the fen, not near it).
    pub fn parse_exact(s: &str) -> Result<Self, MoneyError> {
        let value =
            Decimal::from_str_exact(s.trim()).map_err(|_| MoneyError::Unparsable(s.to_owned()))?;
        if value.normalize().scale() > MONEY_SCALE {
            return Err(MoneyError::Unparsable(s.to_owned()));
        }
        Money::from_decimal(value)
    }

    /// An amount in fen (1/100 yuan), the unit that payment providers and integer storage use.
    pub fn from_fen(fen: u64) -> Self {
        Money(Decimal::new(fen as i64, MONEY_SCALE))
    }

    /// The amount in fen. Exact: the amount always has two places.
    pub fn to_fen(self) -> i64 {
        // Scale is always 2, so the mantissa is the amount in fen.
        self.0.mantissa() as i64
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// The amount of `count` units at this price. Exact.
    pub fn times(self, count: Quantity) -> Money {
        // Both factors are non-negative and the price has two places: the product is exact.
        let mut product = self.0 * Decimal::from(count.get());
        product.rescale(MONEY_SCALE);
        Money(product)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;
    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Money::from_decimal(value)
    }
}

impl From<Money> for Decimal {
    fn from(value: Money) -> Self {
        value.0
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value =
            Decimal::from_str_exact(s.trim()).map_err(|_| MoneyError::Unparsable(s.to_owned()))?;
        Money::from_decimal(value)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        let mut sum = self.0 + rhs.0;
        sum.rescale(MONEY_SCALE);
        Money(sum)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QuantityLimit;
    use rust_decimal_macros::dec;

    fn money(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn amounts_are_kept_at_two_places() {
        assert_eq!(money("5").to_string(), "5.00");
        assert_eq!(money("5").as_decimal().scale(), 2);
        assert_eq!(money("0.1").to_string(), "0.10");
    }

    #[test]
    fn a_gateways_amount_is_taken_exactly() {
        assert_eq!(Money::parse_exact("6509.00").unwrap(), money("6509"));
        assert_eq!(Money::parse_exact("6509.1").unwrap(), money("6509.10"));
        assert_eq!(Money::parse_exact("6509.000").unwrap(), money("6509"), "zeros are exact");
        assert!(Money::parse_exact("6509.004").is_err(), "not rounded to 6509.00");
        assert!(Money::parse_exact("6509.005").is_err());
        assert!(Money::parse_exact("-1.00").is_err());
    }

    #[test]
    fn rounding_is_half_away_from_zero_in_one_place() {
        assert_eq!(money("0.125").to_string(), "0.13");
        assert_eq!(money("0.124").to_string(), "0.12");
        assert_eq!(money("2.675").to_string(), "2.68");
        assert_eq!(Money::from_decimal(dec!(1.005)).unwrap().to_string(), "1.01");
    }

    #[test]
    fn sums_are_exact_where_floats_are_not() {
        assert_eq!(money("0.10") + money("0.20"), money("0.30"));
        let many: Money = std::iter::repeat_n(money("0.01"), 10_000).sum();
        assert_eq!(many, money("100.00"));
    }

    #[test]
    fn a_price_times_a_count_is_exact() {
        let three = Quantity::new(3, QuantityLimit::new(200).unwrap()).unwrap();
        assert_eq!(money("3788.00").times(three), money("11364.00"));
    }

    #[test]
    fn negative_amounts_and_garbage_are_refused() {
        assert_eq!("-1.00".parse::<Money>(), Err(MoneyError::Negative));
        assert!(matches!("abc".parse::<Money>(), Err(MoneyError::Unparsable(_))));
        assert!("1e3".parse::<Money>().is_err());
    }

    #[test]
    fn the_storable_maximum_is_that_of_decimal_10_2() {
        assert_eq!(Money::MAX.to_string(), "99999999.99");
        assert!(money("99999999.99").is_storable());
        assert!(!money("100000000.00").is_storable());
    }

    #[test]
    fn fen_round_trips() {
        assert_eq!(Money::from_fen(378_800), money("3788.00"));
        assert_eq!(money("3788.00").to_fen(), 378_800);
        assert_eq!(money("0.07").to_fen(), 7);
    }
}
