use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::{Money, Order, OrderId};

/// What [`PaymentRepository::confirm`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmOutcome {
    /// The payment is recorded and the order moved Unpaid → Unsend.
    Confirmed,
    /// This trade was confirmed before: nothing changed (a replay).
    AlreadyConfirmed,
    /// The order was paid by another trade; this one is recorded for refund.
    OtherTradeRecorded { paid_trade_id: String },
    /// The order was cancelled; this trade is recorded for refund.
    OrderCanceled,
    /// The order does not wait for an online payment (a cash order, or already further along).
    NotPayable,
    /// No such order.
    NotFound,
}

/// Payments of orders.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PaymentRepository: Send + Sync {
    /// The order, whoever it belongs to (callbacks name orders, not users).
    async fn find_order(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError>;

    /// Records a verified payment exactly once, in one transaction that locks the order: a
    /// payment row unique per order and per trade number, and the order moved Unpaid → Unsend by
    /// a conditional update. Concurrent calls for one order are serialised by the lock; a trade
    /// that cannot be accepted is recorded for refund (see [`ConfirmOutcome`]).
    async fn confirm(
        &self,
        order_id: &OrderId,
        trade_id: &str,
        amount: Money,
    ) -> Result<ConfirmOutcome, StoreError>;

    /// Marks a trade recorded for refund as refunded.
    async fn mark_refunded(&self, trade_id: &str) -> Result<(), StoreError>;

    /// The trade number of the order's payment, if it was paid.
    async fn trade_of(&self, order_id: &OrderId) -> Result<Option<String>, StoreError>;

    /// Unpaid orders placed before `placed_before`, oldest first, at most `limit`.
    async fn unpaid_before(
        &self,
        placed_before: OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<OrderId>, StoreError>;

    /// Cancels an unpaid order and gives its stock and sales back, atomically and once: the
    /// conditional update Unpaid → Canceled decides, so of several replicas cancelling the same
    /// order exactly one does it. `Ok(false)` when the order was not unpaid (any more).
    async fn cancel_unpaid(&self, order_id: &OrderId) -> Result<bool, StoreError>;
}
