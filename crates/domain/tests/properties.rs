//! Properties of the domain's value types over generated inputs.
#![allow(clippy::unwrap_used)]

use meiduo_domain::{Money, OrderId, Quantity, QuantityError, QuantityLimit, UserId};
use proptest::prelude::*;
use rust_decimal::Decimal;
use time::OffsetDateTime;

/// Amounts the shop can store, in fen.
fn storable_fen() -> impl Strategy<Value = u64> {
    0..=(Money::MAX.to_fen() as u64)
}

proptest! {
    #[test]
    fn an_amount_in_fen_survives_every_representation(fen in storable_fen()) {
        let money = Money::from_fen(fen);
        prop_assert_eq!(money.to_fen(), fen as i64);
        prop_assert_eq!(money.to_string().parse::<Money>().unwrap(), money);
        prop_assert_eq!(Money::from_decimal(money.as_decimal()).unwrap(), money);
        prop_assert!(money.is_storable());
    }

    #[test]
    fn adding_amounts_adds_their_fen(a in storable_fen(), b in storable_fen(), c in storable_fen()) {
        let (x, y, z) = (Money::from_fen(a), Money::from_fen(b), Money::from_fen(c));
        prop_assert_eq!((x + y).to_fen(), (a + b) as i64);
        prop_assert_eq!((x + y) + z, x + (y + z));
        prop_assert_eq!([x, y, z].into_iter().sum::<Money>(), x + y + z);
    }

    #[test]
    fn a_price_times_a_count_is_exact(fen in 0u64..10_000_000, count in 1i64..=200) {
        let quantity = Quantity::new(count, QuantityLimit::DEFAULT).unwrap();
        prop_assert_eq!(Money::from_fen(fen).times(quantity).to_fen(), fen as i64 * count);
    }

    #[test]
    fn rounding_happens_once_to_the_nearest_fen(mantissa in 0i64..1_000_000_000_000, scale in 0u32..8) {
        let value = Decimal::new(mantissa, scale);
        let money = Money::from_decimal(value).unwrap();
        // Two places, and within half a fen of the value.
        prop_assert_eq!(money.as_decimal().scale(), 2);
        prop_assert!((money.as_decimal() - value).abs() <= Decimal::new(5, 3));
        // Rounding an already rounded amount changes nothing.
        prop_assert_eq!(Money::from_decimal(money.as_decimal()).unwrap(), money);
    }

    #[test]
    fn a_negative_amount_is_refused(mantissa in 1i64..1_000_000_000, scale in 0u32..4) {
        prop_assert!(Money::from_decimal(Decimal::new(-mantissa, scale)).is_err());
    }

    #[test]
    fn a_count_is_accepted_exactly_within_one_and_the_limit(value in -1_000i64..1_000, max in 1u32..500) {
        let limit = QuantityLimit::new(max).unwrap();
        match Quantity::new(value, limit) {
            Ok(quantity) => {
                prop_assert!((1..=i64::from(max)).contains(&value));
                prop_assert_eq!(i64::from(quantity.get()), value);
            }
            Err(QuantityError::TooSmall) => prop_assert!(value < 1),
            Err(QuantityError::TooLarge { max: said }) => {
                prop_assert!(value > i64::from(max));
                prop_assert_eq!(said, max);
            }
        }
    }

    #[test]
    fn order_ids_are_digits_that_parse_back_and_tell_suffixes_apart(
        seconds in 0i64..4_102_444_800,
        user in 0u64..1_000_000_000,
        suffix in 0u32..1_000_000,
        other in 0u32..1_000_000,
    ) {
        let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
        let id = OrderId::new(at, UserId(user), suffix);
        prop_assert!(id.as_str().bytes().all(|b| b.is_ascii_digit()));
        prop_assert_eq!(id.as_str().len(), 14 + 9 + 6);
        prop_assert_eq!(OrderId::parse(id.as_str()).unwrap(), id.clone());
        prop_assert_eq!(OrderId::new(at, UserId(user), other) == id, other == suffix);
    }

    #[test]
    fn anything_but_up_to_64_digits_is_not_an_order_id(text in "\\PC{0,80}") {
        let valid = !text.is_empty() && text.len() <= 64 && text.bytes().all(|b| b.is_ascii_digit());
        prop_assert_eq!(OrderId::parse(&text).is_ok(), valid);
    }
}
