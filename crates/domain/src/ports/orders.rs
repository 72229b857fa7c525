use async_trait::async_trait;

use super::{DynTransaction, StoreError};
use crate::{Address, AddressId, Order, OrderGoods, OrderId, UserId};

/// Orders and their lines.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait OrderRepository: Send + Sync {
    /// Writes the order and all its lines inside `tx`.
    ///
    /// Returns [`StoreError::Duplicate`] when an order with the same id exists (then nothing of
    /// this order was written), [`StoreError::Conflict`] on a deadlock or lock wait timeout.
    async fn insert(
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
}
