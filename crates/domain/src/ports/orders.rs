use async_trait::async_trait;

use super::{DynTransaction, StoreError};
use crate::{
    Address, AddressId, AddressInput, AddressView, Order, OrderGoods, OrderId, OrderStatus, Page,
    SkuId, UserId,
};

/// Orders and their lines.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait OrderRepository: Send + Sync {
    /// Writes the order's own row inside `tx`; its lines follow with
    /// [`insert_lines`](Self::insert_lines).
    ///
    /// Returns [`StoreError::Duplicate`] when an order with the same id exists (then nothing of
    /// this order was written), [`StoreError::Conflict`] on a deadlock or lock wait timeout.
    async fn insert_order(&self, tx: &mut DynTransaction, order: &Order) -> Result<(), StoreError>;

    /// Writes the lines of an order written by [`insert_order`](Self::insert_order) in the same
    /// `tx`. Each line refers to its SKU: on MySQL that takes a shared lock on the SKU row, so a
    /// transaction that updates the SKU must do so before.
    ///
    /// Returns [`StoreError::Conflict`] on a deadlock or lock wait timeout.
    async fn insert_lines(
        &self,
        tx: &mut DynTransaction,
        order: &Order,
        lines: &[OrderGoods],
    ) -> Result<(), StoreError>;

    /// The order with this id and its lines (in SKU-id order), if it is `user`'s; `None` when it
    /// does not exist or belongs to somebody else.
    async fn find_for_user(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<Option<(Order, Vec<OrderGoods>)>, StoreError>;

    /// A page of the user's orders with their lines, newest first.
    async fn list_for_user(
        &self,
        user: UserId,
        offset: u64,
        limit: u64,
    ) -> Result<Page<(Order, Vec<OrderGoods>)>, StoreError>;

    /// The lines of the user's order not commented yet; `None` when the order is not the user's.
    async fn uncommented(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<Option<Vec<OrderGoods>>, StoreError>;

    /// Comments one line of the user's order, atomically: the line gets the comment (once), the
    /// SKU's and SPU's comment counters grow, and when it was the last uncommented line the order
    /// moves Uncomment → Finished.
    async fn add_comment(
        &self,
        user: UserId,
        order_id: &OrderId,
        comment: &NewComment,
    ) -> Result<CommentOutcome, StoreError>;

    /// Moves an order from `from` to `to` with a conditional update: `Ok(false)` when the order
    /// is not in `from` (any more). The caller has checked the transition against the table.
    async fn transition(
        &self,
        order_id: &OrderId,
        from: OrderStatus,
        to: OrderStatus,
    ) -> Result<bool, StoreError>;
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

/// What [`OrderRepository::add_comment`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentOutcome {
    /// Commented; `order_finished` when it was the order's last uncommented line.
    Commented { order_finished: bool },
    /// The order is not the user's, or has no line of that SKU.
    NotFound,
    /// The order is not waiting for comments (status other than Uncomment).
    NotCommentable,
    /// That line was commented already.
    AlreadyCommented,
}

/// The users' delivery addresses.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait AddressRepository: Send + Sync {
    /// The address with this id if it belongs to `user` (deleted ones included, with
    /// `is_deleted` set); `None` when it does not exist or belongs to somebody else.
    async fn find_for_user(
        &self,
        user: UserId,
        id: AddressId,
    ) -> Result<Option<Address>, StoreError>;

    /// The user's addresses that are not deleted, with area names, oldest first.
    async fn list_for_user(&self, user: UserId) -> Result<Vec<AddressView>, StoreError>;

    /// Creates an address unless the user has `limit` (not deleted) already: then `Ok(None)`.
    /// Atomic per user: concurrent creations never pass the limit.
    async fn create(
        &self,
        user: UserId,
        input: &AddressInput,
        limit: u32,
    ) -> Result<Option<AddressView>, StoreError>;

    /// Replaces the fields of the user's (not deleted) address; `None` when there is none.
    async fn update(
        &self,
        user: UserId,
        id: AddressId,
        input: &AddressInput,
    ) -> Result<Option<AddressView>, StoreError>;

    /// Marks the user's address deleted (orders keep pointing at it); clears it as the default.
    /// `false` when there is no such (not deleted) address.
    async fn delete(&self, user: UserId, id: AddressId) -> Result<bool, StoreError>;

    /// Renames the user's address. `false` when there is none.
    async fn set_title(&self, user: UserId, id: AddressId, title: &str)
    -> Result<bool, StoreError>;

    /// Makes it the user's default address. `false` when there is none.
    async fn set_default(&self, user: UserId, id: AddressId) -> Result<bool, StoreError>;
}
