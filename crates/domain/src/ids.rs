//! Identifiers.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset, macros::format_description};

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

numeric_id!(
    /// A registered user.
    UserId
);
numeric_id!(
    /// A stock-keeping unit: one purchasable variant (`tb_sku.id`).
    SkuId
);
numeric_id!(
    /// A standard product unit: the product a family of SKUs belongs to (`tb_goods.id`).
    SpuId
);
numeric_id!(
    /// A delivery address of a user (`tb_address.id`).
    AddressId
);
numeric_id!(
    /// A goods category (`tb_goods_category.id`).
    CategoryId
);

/// China Standard Time, the zone the shop's readable order ids and Alipay timestamps use.
pub const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// An order number in the original's readable form, made unique.
///
/// `YYYYmmddHHMMSS` (Beijing time) + the user id as nine digits + a six-digit suffix from the
/// [`OrderIdSource`](crate::ports::OrderIdSource). The original stopped after the user id, so two
/// orders of one user in the same second collided on the primary key; the suffix tells them apart.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(String);

/// Why a string is not an order id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an order number")]
pub struct InvalidOrderId(pub String);

impl OrderId {
    /// Length of the longest order id we accept from outside (the column is 64 characters).
    pub const MAX_LEN: usize = 64;

    /// Builds the id of an order placed at `placed_at` by `user`, told apart from the user's other
    /// orders of that second by `suffix` (taken modulo 1,000,000).
    pub fn new(placed_at: OffsetDateTime, user: UserId, suffix: u32) -> Self {
        let format = format_description!("[year][month][day][hour][minute][second]");
        let stamp = placed_at
            .to_offset(BEIJING)
            .format(&format)
            .unwrap_or_else(|_| "00000000000000".to_owned());
        OrderId(format!("{stamp}{:09}{:06}", user.0, suffix % 1_000_000))
    }

    /// Accepts an order id from a path or a callback: digits only, at most [`Self::MAX_LEN`].
    pub fn parse(value: &str) -> Result<Self, InvalidOrderId> {
        if value.is_empty()
            || value.len() > Self::MAX_LEN
            || !value.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(InvalidOrderId(value.chars().take(Self::MAX_LEN).collect()));
        }
        Ok(OrderId(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The buyer an id of [`OrderId::new`]'s shape names (14 digits of time, 9 of user, 6 of
    /// suffix); `None` for an id of another shape.
    pub fn buyer(&self) -> Option<UserId> {
        (self.0.len() == 29).then(|| self.0[14..23].parse().ok()).flatten().map(UserId)
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use time::macros::datetime;

    #[test]
    fn keeps_the_original_readable_form_in_beijing_time() {
        let id = OrderId::new(datetime!(2026-11-22 04:05:06 UTC), UserId(42), 7);
        assert_eq!(id.as_str(), "20261122120506000000042000007");
        assert_eq!(id.buyer(), Some(UserId(42)));
        assert_eq!(OrderId::parse("2019021522320000000001").unwrap().buyer(), None);
    }

    #[test]
    fn two_orders_of_one_user_in_the_same_second_get_different_ids() {
        let second = datetime!(2026-11-22 12:00:00 +8);
        let ids: HashSet<OrderId> = (0..1000).map(|n| OrderId::new(second, UserId(1), n)).collect();
        assert_eq!(ids.len(), 1000);
    }

    #[test]
    fn parse_accepts_only_digits_of_bounded_length() {
        assert!(OrderId::parse("20261122120506000000042000007").is_ok());
        assert!(OrderId::parse("").is_err());
        assert!(OrderId::parse("2026'; DROP TABLE").is_err());
        assert!(OrderId::parse(&"1".repeat(65)).is_err());
    }
}
