//! Catalog reads cached through the [`Cache`] port: decorators around the catalog ports, so that
//! no use case knows a cache key.
//!
//! [`CachedCatalog`] keeps the category menu and the hot lists in a cache the replicas share
//! (Redis, with this process's copy in front of it), list pages and SKU details in this process's
//! cache, and forgets them when told of a [`CatalogChanges`]. [`CachedSkus`] keeps the single-SKU
//! look-ups the cart makes on every addition in this process's cache.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use meiduo_domain::ports::{Cache, CatalogChanges, CatalogQueries, SkuCatalog, StoreError};
use meiduo_domain::{
    Breadcrumb, CategoryId, ChannelGroupMenu, Page, Sku, SkuComment, SkuDetailData, SkuId,
    SkuOrdering, SkuSummary,
};

/// How long the category menu stays cached.
pub const MENU_TTL: Duration = Duration::from_secs(300);
/// How long a category's hot list stays cached (orders also forget it).
pub const HOT_TTL: Duration = Duration::from_secs(60);
/// How long a page of a category's SKU list stays cached.
pub const LIST_TTL: Duration = Duration::from_secs(2);
/// How long a SKU's detail stays cached (comments also forget it).
pub const DETAIL_TTL: Duration = Duration::from_secs(2);
/// How long a SKU's sale state and stock, as the cart checks them, stay cached. The check is
/// advisory (ordering checks stock again in its transaction).
pub const SKU_TTL: Duration = Duration::from_secs(1);

/// The cache name of the category menu.
pub const MENU_CACHE: &str = "category_menu";

/// The cache name of a category's hot list.
pub fn hot_cache(category: CategoryId) -> String {
    format!("hot_skus:{category}")
}

/// The cache name of a SKU's detail.
pub fn detail_cache(sku: SkuId) -> String {
    format!("sku_detail:{sku}")
}

/// The cached document `name`, or `load`ed and cached for `ttl`. Without a cache it just loads.
/// A cache that fails, or holds an entry that no longer reads, is logged and bypassed: it only
/// saves work.
async fn cached<T, F>(
    cache: Option<&dyn Cache>,
    name: &str,
    ttl: Duration,
    load: F,
) -> Result<T, StoreError>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
    F: Future<Output = Result<T, StoreError>>,
{
    let Some(cache) = cache else {
        return load.await;
    };
    match cache.get(name).await {
        Ok(Some(json)) => match serde_json::from_str(&json) {
            Ok(value) => return Ok(value),
            Err(error) => tracing::warn!(name, %error, "unreadable cache entry; reloading"),
        },
        Ok(None) => {}
        Err(error) => tracing::warn!(name, %error, "cache unavailable; reading the database"),
    }
    let value = load.await?;
    match serde_json::to_string(&value) {
        Ok(json) => {
            if let Err(error) = cache.put(name, &json, ttl).await {
                tracing::warn!(name, %error, "could not cache");
            }
        }
        Err(error) => tracing::warn!(name, %error, "could not encode for the cache"),
    }
    Ok(value)
}

/// Forgets cached documents; a failure is logged (they expire on their own).
async fn forget(cache: Option<&dyn Cache>, names: &[String]) {
    if let Some(cache) = cache
        && let Err(error) = cache.forget(names).await
    {
        tracing::warn!(?names, %error, "a cached catalog read could not be forgotten");
    }
}

/// The storefront's catalog reads, cached.
pub struct CachedCatalog {
    inner: Arc<dyn CatalogQueries>,
    /// Shared by the replicas: the menu and hot lists.
    shared: Option<Arc<dyn Cache>>,
    /// This process's: list pages and details.
    local: Option<Arc<dyn Cache>>,
}

impl std::fmt::Debug for CachedCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedCatalog")
            .field("shared", &self.shared.is_some())
            .field("local", &self.local.is_some())
            .finish_non_exhaustive()
    }
}

impl CachedCatalog {
    /// `inner` with no cache yet: every read goes through.
    pub fn new(inner: Arc<dyn CatalogQueries>) -> Self {
        CachedCatalog { inner, shared: None, local: None }
    }

    /// Caches the menu and the hot lists there (a cache the replicas share; orders forget the
    /// hot lists of their categories).
    pub fn with_shared_cache(mut self, cache: Option<Arc<dyn Cache>>) -> Self {
        self.shared = cache;
        self
    }

    /// Caches list pages and SKU details there, for [`LIST_TTL`] and [`DETAIL_TTL`]: a page
    /// ordered by sales, or a detail's stock, may be that old.
    pub fn with_local_cache(mut self, cache: Option<Arc<dyn Cache>>) -> Self {
        self.local = cache;
        self
    }
}

#[async_trait]
impl CatalogQueries for CachedCatalog {
    async fn category_menu(&self) -> Result<Vec<ChannelGroupMenu>, StoreError> {
        cached(self.shared.as_deref(), MENU_CACHE, MENU_TTL, self.inner.category_menu()).await
    }

    async fn breadcrumb(&self, category: CategoryId) -> Result<Option<Breadcrumb>, StoreError> {
        self.inner.breadcrumb(category).await
    }

    async fn list_skus(
        &self,
        category: CategoryId,
        ordering: SkuOrdering,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SkuSummary>, StoreError> {
        let name = format!("skus:{category}:{ordering:?}:{offset}:{limit}");
        let load = self.inner.list_skus(category, ordering, offset, limit);
        cached(self.local.as_deref(), &name, LIST_TTL, load).await
    }

    async fn hot_skus(
        &self,
        category: CategoryId,
        limit: u64,
    ) -> Result<Vec<SkuSummary>, StoreError> {
        let load = self.inner.hot_skus(category, limit);
        cached(self.shared.as_deref(), &hot_cache(category), HOT_TTL, load).await
    }

    async fn sku_detail(&self, sku: SkuId) -> Result<Option<SkuDetailData>, StoreError> {
        let load = self.inner.sku_detail(sku);
        cached(self.local.as_deref(), &detail_cache(sku), DETAIL_TTL, load).await
    }

    async fn search_skus(
        &self,
        text: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SkuSummary>, StoreError> {
        self.inner.search_skus(text, offset, limit).await
    }

    async fn sku_summaries(&self, ids: &[SkuId]) -> Result<Vec<SkuSummary>, StoreError> {
        self.inner.sku_summaries(ids).await
    }

    async fn launched_summaries(&self, ids: &[SkuId]) -> Result<Vec<SkuSummary>, StoreError> {
        self.inner.launched_summaries(ids).await
    }

    async fn sku_comments(&self, sku: SkuId, limit: u64) -> Result<Vec<SkuComment>, StoreError> {
        self.inner.sku_comments(sku, limit).await
    }
}

#[async_trait]
impl CatalogChanges for CachedCatalog {
    async fn sales_changed(&self, categories: &[CategoryId]) {
        let names: Vec<String> = categories.iter().copied().map(hot_cache).collect();
        forget(self.shared.as_deref(), &names).await;
    }

    async fn comments_changed(&self, sku: SkuId) {
        forget(self.local.as_deref(), &[detail_cache(sku)]).await;
    }

    async fn skus_changed(&self, skus: &[(SkuId, CategoryId)]) {
        let details: Vec<String> = skus.iter().map(|(sku, _)| detail_cache(*sku)).collect();
        forget(self.local.as_deref(), &details).await;
        let mut hot: Vec<String> = skus.iter().map(|(_, category)| hot_cache(*category)).collect();
        hot.sort();
        hot.dedup();
        forget(self.shared.as_deref(), &hot).await;
    }

    async fn menu_changed(&self) {
        forget(self.shared.as_deref(), &[MENU_CACHE.to_owned()]).await;
    }
}

/// SKUs by id, with the single-SKU look-ups cached for [`SKU_TTL`] in this process.
pub struct CachedSkus {
    inner: Arc<dyn SkuCatalog>,
    local: Option<Arc<dyn Cache>>,
}

impl std::fmt::Debug for CachedSkus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedSkus").field("local", &self.local.is_some()).finish_non_exhaustive()
    }
}

impl CachedSkus {
    pub fn new(inner: Arc<dyn SkuCatalog>, local: Option<Arc<dyn Cache>>) -> Self {
        CachedSkus { inner, local }
    }
}

#[async_trait]
impl SkuCatalog for CachedSkus {
    async fn find_skus(&self, ids: &[SkuId]) -> Result<Vec<Sku>, StoreError> {
        match ids {
            [one] => {
                let load = self.inner.find_skus(ids);
                cached(self.local.as_deref(), &format!("sku:{one}"), SKU_TTL, load).await
            }
            _ => self.inner.find_skus(ids).await,
        }
    }
}
