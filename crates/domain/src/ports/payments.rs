use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::{Money, Order, OrderId};

/// Payments of orders.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PaymentRepository: Send + Sync {
    /// The order, whoever it belongs to (callbacks name orders, not users).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn find_order(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError>;

    /// Marks a trade recorded for refund as refunded.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn mark_refunded(&self, trade_id: &str) -> Result<(), StoreError>;

    /// Refunds recorded and not done whose next attempt is due at `now`, oldest first, each
    /// claimed until `claim_until` (of several replicas one takes each).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn claim_due_refunds(
        &self,
        now: OffsetDateTime,
        claim_until: OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<PendingRefund>, StoreError>;

    /// How many refunds are recorded and not done yet (due or waiting for their next attempt).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn pending_refunds(&self) -> Result<u64, StoreError>;

    /// A refund attempt failed: counted, with the error, and tried again at `next_attempt`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn refund_failed(
        &self,
        trade_id: &str,
        next_attempt: OffsetDateTime,
        error: &str,
    ) -> Result<(), StoreError>;

    /// The trade number of the order's payment, if it was paid.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn trade_of(&self, order_id: &OrderId) -> Result<Option<String>, StoreError>;

    /// Unpaid orders placed before `placed_before`, in order-number order (which is the order of
    /// placing), after `after` when given, at most `limit`: a caller pages through all of them.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn unpaid_before(
        &self,
        placed_before: OffsetDateTime,
        after: Option<OrderId>,
        limit: u64,
    ) -> Result<Vec<OrderId>, StoreError>;

    /// Cancels an unpaid order and gives its stock and sales back, atomically and once: the
    /// conditional update Unpaid → Canceled decides, so of several replicas cancelling the same
    /// order exactly one does it. `Ok(false)` when the order was not unpaid (any more).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn cancel_unpaid(&self, order_id: &OrderId, actor: &str) -> Result<bool, StoreError>;
}

/// Payments as a transaction records them (handed out by
/// [`Transaction::payments`](super::Transaction::payments)).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PaymentLedger: Send + Sync {
    /// The trade number of the order's payment, if one is recorded.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout.
    async fn paid_trade(&self, order_id: &OrderId) -> Result<Option<String>, StoreError>;

    /// Records the order's payment by this trade. The payment is unique per order and per trade.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when a payment of the order or of the trade exists (a concurrent
    /// confirmation got there first: read again), or on a deadlock or lock wait timeout.
    async fn insert_payment(&self, order_id: &OrderId, trade_id: &str) -> Result<(), StoreError>;

    /// Records a trade that cannot count for its order, for refund of `amount` (with the
    /// reason, for operators), unless it is recorded already; `Ok(true)` when recorded now.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when a concurrent transaction recorded the same trade, or on a
    /// deadlock or lock wait timeout.
    async fn record_refund(
        &self,
        order_id: &OrderId,
        trade_id: &str,
        amount: Money,
        reason: &str,
    ) -> Result<bool, StoreError>;
}

/// A refund recorded and not done yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRefund {
    pub order_id: OrderId,
    pub trade_id: String,
    pub amount: crate::Money,
    /// Attempts that failed so far.
    pub attempts: u32,
}
