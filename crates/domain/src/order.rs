//! Orders, their lines, pay methods and the order life cycle.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{AddressId, Money, OrderId, Quantity, SkuId, UserId};

/// How the buyer pays (`tb_order_info.pay_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
#[repr(u8)]
pub enum PayMethod {
    /// 货到付款: cash on delivery.
    Cash = 1,
    /// 支付宝.
    Alipay = 2,
}

/// The number is not a pay method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a pay method (1 cash on delivery, 2 Alipay)")]
pub struct UnknownPayMethod(pub i64);

impl PayMethod {
    pub fn from_code(code: i64) -> Result<Self, UnknownPayMethod> {
        match code {
            1 => Ok(PayMethod::Cash),
            2 => Ok(PayMethod::Alipay),
            other => Err(UnknownPayMethod(other)),
        }
    }

    pub fn code(self) -> u8 {
        self as u8
    }

    /// The status a new order of this pay method starts in: a cash order waits to be sent, an
    /// Alipay order waits to be paid.
    pub fn initial_status(self) -> OrderStatus {
        match self {
            PayMethod::Cash => OrderStatus::Unsend,
            PayMethod::Alipay => OrderStatus::Unpaid,
        }
    }
}

impl From<PayMethod> for u8 {
    fn from(value: PayMethod) -> Self {
        value.code()
    }
}

impl TryFrom<u8> for PayMethod {
    type Error = UnknownPayMethod;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        PayMethod::from_code(i64::from(value))
    }
}

/// Where an order is in its life (`tb_order_info.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
#[repr(u8)]
pub enum OrderStatus {
    /// 待支付
    Unpaid = 1,
    /// 待发货
    Unsend = 2,
    /// 待收货
    Unreceived = 3,
    /// 待评价
    Uncomment = 4,
    /// 已完成
    Finished = 5,
    /// 已取消
    Canceled = 6,
}

/// The number is not an order status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not an order status")]
pub struct UnknownOrderStatus(pub i64);

/// A status change that the life cycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an order cannot go from {from:?} to {to:?}")]
pub struct ForbiddenTransition {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

/// Every status change an order may make; nothing else is allowed.
pub const ORDER_TRANSITIONS: &[(OrderStatus, OrderStatus)] = &[
    // paid (Alipay confirmed the trade)
    (OrderStatus::Unpaid, OrderStatus::Unsend),
    // cancelled by the buyer, or expired unpaid
    (OrderStatus::Unpaid, OrderStatus::Canceled),
    // shipped
    (OrderStatus::Unsend, OrderStatus::Unreceived),
    // received
    (OrderStatus::Unreceived, OrderStatus::Uncomment),
    // every line commented
    (OrderStatus::Uncomment, OrderStatus::Finished),
];

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Unpaid,
        OrderStatus::Unsend,
        OrderStatus::Unreceived,
        OrderStatus::Uncomment,
        OrderStatus::Finished,
        OrderStatus::Canceled,
    ];

    pub fn from_code(code: i64) -> Result<Self, UnknownOrderStatus> {
        OrderStatus::ALL
            .into_iter()
            .find(|status| i64::from(status.code()) == code)
            .ok_or(UnknownOrderStatus(code))
    }

    pub fn code(self) -> u8 {
        self as u8
    }

    /// Checks a status change against [`ORDER_TRANSITIONS`], the one table of allowed changes.
    pub fn transition(self, to: OrderStatus) -> Result<OrderStatus, ForbiddenTransition> {
        if ORDER_TRANSITIONS.contains(&(self, to)) {
            Ok(to)
        } else {
            Err(ForbiddenTransition { from: self, to })
        }
    }
}

impl From<OrderStatus> for u8 {
    fn from(value: OrderStatus) -> Self {
        value.code()
    }
}

impl TryFrom<u8> for OrderStatus {
    type Error = UnknownOrderStatus;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        OrderStatus::from_code(i64::from(value))
    }
}

/// An order (`tb_order_info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub order_id: OrderId,
    pub user_id: UserId,
    pub address_id: AddressId,
    /// Units over all lines.
    pub total_count: u32,
    /// Goods plus freight.
    pub total_amount: Money,
    pub freight: Money,
    pub pay_method: PayMethod,
    pub status: OrderStatus,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One line of an order (`tb_order_goods`): the unit price is the SKU's price when the order was
/// placed, whatever the price becomes later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderGoods {
    pub sku_id: SkuId,
    pub count: Quantity,
    pub price: Money,
}

impl OrderGoods {
    pub fn amount(&self) -> Money {
        self.price.times(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cash_orders_wait_to_be_sent_and_alipay_orders_to_be_paid() {
        assert_eq!(PayMethod::Cash.initial_status(), OrderStatus::Unsend);
        assert_eq!(PayMethod::Alipay.initial_status(), OrderStatus::Unpaid);
    }

    #[test]
    fn pay_method_codes_are_the_originals() {
        assert_eq!(PayMethod::from_code(1), Ok(PayMethod::Cash));
        assert_eq!(PayMethod::from_code(2), Ok(PayMethod::Alipay));
        assert_eq!(PayMethod::from_code(3), Err(UnknownPayMethod(3)));
        assert_eq!(PayMethod::from_code(0), Err(UnknownPayMethod(0)));
    }

    #[test]
    fn status_codes_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::from_code(i64::from(status.code())), Ok(status));
        }
        assert_eq!(OrderStatus::from_code(7), Err(UnknownOrderStatus(7)));
    }

    #[test]
    fn the_table_allows_exactly_the_listed_transitions() {
        let mut allowed = 0;
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let listed = ORDER_TRANSITIONS.contains(&(from, to));
                assert_eq!(from.transition(to).is_ok(), listed, "{from:?} -> {to:?}");
                allowed += usize::from(listed);
            }
        }
        assert_eq!(allowed, 5);
    }

    #[test]
    fn a_paid_or_cancelled_order_cannot_be_paid_again() {
        use OrderStatus::*;
        assert_eq!(Unpaid.transition(Unsend), Ok(Unsend));
        assert!(Unsend.transition(Unsend).is_err());
        assert!(Canceled.transition(Unsend).is_err());
        assert!(Canceled.transition(Unpaid).is_err());
        assert!(Finished.transition(Canceled).is_err());
    }
}
