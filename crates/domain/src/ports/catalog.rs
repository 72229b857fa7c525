use async_trait::async_trait;

use super::{DynTransaction, StoreError};
use crate::{Quantity, Sku, SkuId, SpuId};

/// The condition under which a compare-and-swap takes stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockGuard {
    /// The original's optimistic lock: the stock must still equal what was read
    /// (`... WHERE id = ? AND stock = expected`). Any concurrent change makes it miss.
    Equals(u32),
    /// One conditional decrement: the stock must still cover the count
    /// (`... WHERE id = ? AND stock >= count`). Misses only when the stock truly ran short.
    Covers,
}

/// Stock and sales of SKUs, changed inside a transaction.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StockRepository: Send + Sync {
    /// Reads the SKUs with these ids as the transaction sees them now (the latest committed
    /// values at READ COMMITTED), in id order. Unknown ids are left out of the result.
    async fn read_skus(
        &self,
        tx: &mut DynTransaction,
        ids: &[SkuId],
    ) -> Result<Vec<Sku>, StoreError>;

    /// Compare-and-swap: takes `count` units from the SKU's stock and adds them to its sales in
    /// one conditional update, only if `guard` still holds. `Ok(true)`: applied (the row stays
    /// locked until the transaction ends). `Ok(false)`: the compare missed (the stock changed, or
    /// no longer covers the count, or the SKU is gone) and nothing changed; read again to decide.
    /// Never makes the stock negative.
    async fn take_stock(
        &self,
        tx: &mut DynTransaction,
        sku: SkuId,
        count: Quantity,
        guard: StockGuard,
    ) -> Result<bool, StoreError>;

    /// Adds `count` to the SPU's sales counter atomically (`sales = sales + count`), so that
    /// concurrent orders never lose an update.
    async fn add_spu_sales(
        &self,
        tx: &mut DynTransaction,
        spu: SpuId,
        count: u32,
    ) -> Result<(), StoreError>;
}

/// Read-only look-ups of the catalog, outside any transaction.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SkuCatalog: Send + Sync {
    /// The SKUs with these ids (launched or not), in id order; unknown ids are left out.
    async fn find_skus(&self, ids: &[SkuId]) -> Result<Vec<Sku>, StoreError>;
}
