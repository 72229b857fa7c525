use std::time::Duration;

use async_trait::async_trait;

use super::StoreError;
use crate::{
    AddressId, AddressInput, AddressView, Order, OrderGoods, OrderId, OrderStatus, Page, SkuId,
    UserId,
};

/// Orders and their lines, as the buyer reads them, and status changes outside a transaction.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait OrderRepository: Send + Sync {
    /// The order with this id and its lines (in SKU-id order), if it is `user`'s; `None` when it
    /// does not exist or belongs to somebody else.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached, [`StoreError::Unexpected`]
    /// for a stored order that breaks the domain's rules.
    async fn find_for_user(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<Option<(Order, Vec<OrderGoods>)>, StoreError>;

    /// A page of the user's orders with their lines, newest first.
    ///
    /// # Errors
    /// As [`find_for_user`](Self::find_for_user).
    async fn list_for_user(
        &self,
        user: UserId,
        offset: u64,
        limit: u64,
    ) -> Result<Page<(Order, Vec<OrderGoods>)>, StoreError>;

    /// The lines of the user's order not commented yet; `None` when the order is not the user's.
    ///
    /// # Errors
    /// As [`find_for_user`](Self::find_for_user).
    async fn uncommented(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<Option<Vec<OrderGoods>>, StoreError>;

    /// Moves an order from `from` to `to` with a conditional update and logs the change with
    /// its `actor`, in one transaction: `Ok(false)` when the order is not in `from` (any more).
    /// The caller has checked the transition against the table.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout, [`StoreError::Unavailable`]
    /// when the store cannot be reached.
    async fn transition(
        &self,
        order_id: &OrderId,
        from: OrderStatus,
        to: OrderStatus,
        actor: &str,
    ) -> Result<bool, StoreError>;

    /// The order's status changes after its placing, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn history(&self, order_id: &OrderId) -> Result<Vec<StatusChange>, StoreError>;
}

/// One change of an order's status, as its log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// `None` for the order's placing (which the order's own row records).
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    /// Who: `user:<id>`, `shop`, `alipay`, `expiry`.
    pub actor: String,
    pub at: time::OffsetDateTime,
}

/// Why [`OrderWriter::insert_order`] wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum InsertOrderError {
    /// An order with this id exists already: take another id and run the transaction again.
    #[error("an order with this id exists already")]
    IdTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An order row locked by [`OrderWriter::lock`]: its owner and status as of the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockedOrder {
    pub user_id: UserId,
    pub status: OrderStatus,
}

/// What [`OrderWriter::comment_line`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineComment {
    /// The line took the comment.
    Commented,
    /// The line had a comment already; nothing changed.
    AlreadyCommented,
    /// The order has no line of that SKU.
    NoSuchLine,
}

/// Orders as a transaction writes them (handed out by
/// [`Transaction::orders`](super::Transaction::orders)).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait OrderWriter: Send + Sync {
    /// Writes the order's own row; its lines follow with [`insert_lines`](Self::insert_lines).
    ///
    /// # Errors
    /// [`InsertOrderError::IdTaken`] when an order with the same id exists (then nothing of this
    /// order was written); [`StoreError::Conflict`] on a deadlock or lock wait timeout.
    async fn insert_order(&self, order: &Order) -> Result<(), InsertOrderError>;

    /// Writes the lines of an order written by [`insert_order`](Self::insert_order) in the same
    /// transaction. Each line refers to its SKU: on MySQL that takes a shared lock on the SKU
    /// row, so a transaction that updates the SKU must do so before.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout; [`StoreError::Unexpected`]
    /// when the order was not written first.
    async fn insert_lines(&self, order: &Order, lines: &[OrderGoods]) -> Result<(), StoreError>;

    /// Locks the order's row until the transaction ends (`SELECT ... FOR UPDATE` on MySQL; a
    /// SQLite write transaction holds the whole database) and reads its owner and status;
    /// `None` when there is no such order. Concurrent lockers of one order follow each other.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout, [`StoreError::Unexpected`] for
    /// a stored status the domain does not know.
    async fn lock(&self, order_id: &OrderId) -> Result<Option<LockedOrder>, StoreError>;

    /// Moves the order from `from` to `to` with a conditional update (`... WHERE status =
    /// from`), and logs the change with its `actor` in this transaction: `Ok(false)` when it is
    /// not in `from`. The caller has checked the transition against the table.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout.
    async fn move_status(
        &self,
        order_id: &OrderId,
        from: OrderStatus,
        to: OrderStatus,
        actor: &str,
    ) -> Result<bool, StoreError>;

    /// Gives one line of the order its comment, once.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout.
    async fn comment_line(
        &self,
        order_id: &OrderId,
        comment: &NewComment,
    ) -> Result<LineComment, StoreError>;

    /// How many lines of the order wait for a comment.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout.
    async fn uncommented_count(&self, order_id: &OrderId) -> Result<u64, StoreError>;

    /// What the user holds unpaid: how many unpaid orders, and the units of each of `skus` in
    /// them.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout.
    async fn unpaid_holdings(
        &self,
        user: UserId,
        skus: &[SkuId],
    ) -> Result<UnpaidHoldings, StoreError>;
}

/// A buyer's comment on one line of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    pub sku: SkuId,
    pub comment: String,
    /// 0 to 5.
    pub score: u8,
    pub is_anonymous: bool,
}

/// The users' delivery addresses.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait AddressRepository: Send + Sync {
    /// Whether an order may be sent to the address with this id: it exists, belongs to `user`
    /// and is not deleted. Reads nothing else of it.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time.
    async fn is_usable(&self, user: UserId, id: AddressId) -> Result<bool, StoreError>;

    /// The user's addresses that are not deleted, with area names, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn list_for_user(&self, user: UserId) -> Result<Vec<AddressView>, StoreError>;

    /// Creates an address unless the user has `limit` (not deleted) already: then `Ok(None)`.
    /// Atomic per user: concurrent creations never pass the limit.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn create(
        &self,
        user: UserId,
        input: &AddressInput,
        limit: u32,
    ) -> Result<Option<AddressView>, StoreError>;

    /// Replaces the fields of the user's (not deleted) address; `None` when there is none.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn update(
        &self,
        user: UserId,
        id: AddressId,
        input: &AddressInput,
    ) -> Result<Option<AddressView>, StoreError>;

    /// Marks the user's address deleted (orders keep pointing at it); clears it as the default.
    /// `false` when there is no such (not deleted) address.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn delete(&self, user: UserId, id: AddressId) -> Result<bool, StoreError>;

    /// Renames the user's address. `false` when there is none.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn set_title(&self, user: UserId, id: AddressId, title: &str)
    -> Result<bool, StoreError>;

    /// Makes it the user's default address. `false` when there is none.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn set_default(&self, user: UserId, id: AddressId) -> Result<bool, StoreError>;
}

/// A user's unpaid orders and the units of some SKUs they hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnpaidHoldings {
    pub orders: u32,
    pub units: std::collections::BTreeMap<SkuId, u32>,
}

/// What a client's idempotency key already stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyClaim {
    /// The key is new: this request holds it and runs.
    Claimed,
    /// A request with this key and the same fingerprint placed this order.
    Done(OrderId),
    /// A request with this key is running now.
    Pending,
    /// The key was used with another request body.
    Mismatch,
}

/// Idempotency keys of `POST /orders/`, per user, kept in the database (they must hold across
/// replicas and restarts) for a day.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait IdempotencyKeys: Send + Sync {
    /// Claims `key` for a request of this `fingerprint` (its body, canonical), or tells what
    /// the key already stands for. A claim left pending longer than `stale` (its request died)
    /// may be taken over; keys older than `ttl` are forgotten. Of two concurrent claims of a
    /// new key one gets [`KeyClaim::Claimed`].
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn claim(
        &self,
        user: UserId,
        key: &str,
        fingerprint: &str,
        ttl: Duration,
        stale: Duration,
    ) -> Result<KeyClaim, StoreError>;

    /// The claimed key's request placed `order`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn complete(&self, user: UserId, key: &str, order: &OrderId) -> Result<(), StoreError>;

    /// The claimed key's request failed: the key is free for a retry.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn release(&self, user: UserId, key: &str) -> Result<(), StoreError>;
}
