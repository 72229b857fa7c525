use async_trait::async_trait;

use super::StoreError;
use crate::{
    Area, AreaWithSubs, Breadcrumb, CategoryId, ChannelGroupMenu, Page, Quantity, Sku, SkuComment,
    SkuDetailData, SkuId, SkuOrdering, SkuSummary, SpuId, UserId,
};

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

/// Stock, sales and comment counters of SKUs and SPUs, changed inside a transaction (handed
/// out by [`Transaction::stock`](super::Transaction::stock)).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StockRepository: Send + Sync {
    /// Reads the SKUs with these ids as the transaction sees them now (the latest committed
    /// values at READ COMMITTED), in id order. Unknown ids are left out of the result.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout, [`StoreError::Unavailable`]
    /// when the connection was lost, [`StoreError::Unexpected`] for a row that breaks the
    /// schema's rules.
    async fn read_skus(&self, ids: &[SkuId]) -> Result<Vec<Sku>, StoreError>;

    /// Compare-and-swap: takes `count` units from the SKU's stock and adds them to its sales in
    /// one conditional update, only if `guard` still holds and the SKU is on sale. `Ok(true)`:
    /// applied (the row stays locked until the transaction ends). `Ok(false)`: the compare missed
    /// (the stock changed, or no longer covers the count, or the SKU is gone or off sale) and
    /// nothing changed; read again to decide. Never makes the stock negative.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout, [`StoreError::Unavailable`]
    /// when the connection was lost.
    async fn take_stock(
        &self,
        sku: SkuId,
        count: Quantity,
        guard: StockGuard,
    ) -> Result<bool, StoreError>;

    /// Adds `count` to the SPU's sales counter atomically (`sales = sales + count`), so that
    /// concurrent orders never lose an update.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout, [`StoreError::Unavailable`]
    /// when the connection was lost.
    async fn add_spu_sales(&self, spu: SpuId, count: u32) -> Result<(), StoreError>;

    /// Counts one more comment on the SKU and on its SPU, atomically.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] on a deadlock or lock wait timeout, [`StoreError::Unavailable`]
    /// when the connection was lost.
    async fn count_comment(&self, sku: SkuId) -> Result<(), StoreError>;
}

/// Read-only look-ups of the catalog, outside any transaction.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SkuCatalog: Send + Sync {
    /// The SKUs with these ids (launched or not), in id order; unknown ids are left out.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn find_skus(&self, ids: &[SkuId]) -> Result<Vec<Sku>, StoreError>;
}

/// The catalog as the storefront browses it.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CatalogQueries: Send + Sync {
    /// The channel menu: groups in id order, channels by their sequence, categories by id.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn category_menu(&self) -> Result<Vec<ChannelGroupMenu>, StoreError>;

    /// The breadcrumb of a category; `None` when it does not exist.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn breadcrumb(&self, category: CategoryId) -> Result<Option<Breadcrumb>, StoreError>;

    /// A page of the launched SKUs of a category, ordered.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn list_skus(
        &self,
        category: CategoryId,
        ordering: SkuOrdering,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SkuSummary>, StoreError>;

    /// The best-selling launched SKUs of a category.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn hot_skus(
        &self,
        category: CategoryId,
        limit: u64,
    ) -> Result<Vec<SkuSummary>, StoreError>;

    /// Everything the detail page of a launched SKU needs; `None` when it does not exist or is
    /// not on sale.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn sku_detail(&self, sku: SkuId) -> Result<Option<SkuDetailData>, StoreError>;

    /// Launched SKUs whose name or caption contains `text` (matched literally), best sellers first.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn search_skus(
        &self,
        text: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SkuSummary>, StoreError>;

    /// Summaries of these SKUs, in the order of `ids`; unknown ones are left out.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn sku_summaries(&self, ids: &[SkuId]) -> Result<Vec<SkuSummary>, StoreError>;

    /// Summaries of those of these SKUs that are on sale, in the order of `ids`.
    ///
    /// # Errors
    /// As [`CatalogQueries::sku_summaries`].
    async fn launched_summaries(&self, ids: &[SkuId]) -> Result<Vec<SkuSummary>, StoreError>;

    /// The comments on a SKU, newest first, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn sku_comments(&self, sku: SkuId, limit: u64) -> Result<Vec<SkuComment>, StoreError>;
}

/// Changes to the catalog that what is derived from it (caches) must hear of.
///
/// Neither method fails: they only spare others stale reads. An adapter that cannot pass a
/// change on logs that, and what it derived expires on its own.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CatalogChanges: Send + Sync {
    /// The sales of SKUs in these categories changed (an order was placed or cancelled): lists
    /// ordered by sales are stale.
    async fn sales_changed(&self, categories: &[CategoryId]);

    /// A SKU's comments changed.
    async fn comments_changed(&self, sku: SkuId);

    /// Operators changed these SKUs (price, stock, sale state, pictures, ...) in these
    /// categories: their details, the category lists and hot lists are stale.
    async fn skus_changed(&self, skus: &[(SkuId, CategoryId)]);

    /// Operators changed the channel menu (channels, categories).
    async fn menu_changed(&self);
}

/// Which SKUs a user looked at last.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait BrowseHistory: Send + Sync {
    /// Records a visit: the SKU moves to the front, once, and only the newest `keep` stay.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn record(&self, user: UserId, sku: SkuId, keep: u32) -> Result<(), StoreError>;

    /// The last visited SKUs, newest first, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn recent(&self, user: UserId, limit: u32) -> Result<Vec<SkuId>, StoreError>;
}

/// Provinces, cities and districts.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait AreaRepository: Send + Sync {
    /// The provinces, in code order.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn provinces(&self) -> Result<Vec<Area>, StoreError>;

    /// An area with the areas directly under it; `None` when it does not exist.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn with_subs(&self, id: u64) -> Result<Option<AreaWithSubs>, StoreError>;

    /// The parent of each of these areas that exists: (id, parent id, name).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn lineage(&self, ids: &[u64]) -> Result<Vec<(u64, Option<u64>, String)>, StoreError>;
}
