//! Catalog reads cached through the [`Cache`] port: decorators around the catalog ports, so that
//! no use case knows a cache key.
//!
//! [`CachedCatalog`] keeps the category menu and the hot lists in a cache the replicas share
//! (Redis, with this process's copy in front of it), list pages and SKU details in this process's
//! cache, and forgets them when told of a [`CatalogChanges`]. [`CachedSkus`] remembers the
//! single-SKU look-ups the cart makes on every addition in this process.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use meiduo_domain::ports::{Cache, CatalogChanges, CatalogQueries, SkuCatalog, StoreError};
use meiduo_domain::{
    Breadcrumb, CategoryId, ChannelGroupMenu, Page, Sku, SkuComment, SkuDetailData, SkuId,
    SkuOrdering, SkuSummary,
};
use meiduo_memory::{RefreshedMemory, Source};
use tokio::sync::OnceCell;

/// How long the category menu stays cached.
pub const MENU_TTL: Duration = Duration::from_secs(300);
/// How long a category's hot list stays cached (orders also forget it).
pub const HOT_TTL: Duration = Duration::from_secs(60);
/// How long a page of a category's SKU list stays cached.
pub const LIST_TTL: Duration = Duration::from_secs(2);
/// How long a SKU's detail stays cached (comments also forget it).
pub const DETAIL_TTL: Duration = Duration::from_secs(2);
/// Orders forget a category's hot list at once, then at most once more per this time: the
/// orders that come meanwhile are covered by one forgetting at its end (a busy category's list
/// shows its sales this much later, and the shared cache is asked once, not once per order).
pub const SALES_FORGET_EVERY: Duration = Duration::from_millis(250);
/// How long a SKU's sale state and stock, as the cart checks them, are trusted after the store
/// answered (at most: a process's local cache time, when shorter, bounds it). The check is
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

/// Loads in progress, by cache name: concurrent misses of one entry share one load instead
/// of each reading the database (the stampede when a popular entry expires).
#[derive(Debug, Default)]
pub struct Flights(std::sync::Mutex<HashMap<String, Arc<OnceCell<Option<String>>>>>);

impl Flights {
    /// The load of `name` in progress, or a new one (`true`: this caller leads it).
    fn join(&self, name: &str) -> (Arc<OnceCell<Option<String>>>, bool) {
        let mut flights = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match flights.get(name) {
            Some(flight) => (flight.clone(), false),
            None => {
                let flight = Arc::new(OnceCell::new());
                flights.insert(name.to_owned(), flight.clone());
                (flight, true)
            }
        }
    }

    /// The load is over: later misses start their own.
    fn land(&self, name: &str, flight: &Arc<OnceCell<Option<String>>>) {
        let mut flights = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if flights.get(name).is_some_and(|current| Arc::ptr_eq(current, flight)) {
            flights.remove(name);
        }
    }
}

/// The cached document `name`, if the cache holds a readable one. A cache that fails, or
/// holds an entry that no longer reads, is logged and bypassed: it only saves work.
async fn read<T: serde::de::DeserializeOwned>(cache: &dyn Cache, name: &str) -> Option<T> {
    match cache.get(name).await {
        Ok(Some(json)) => match serde_json::from_str(&json) {
            Ok(value) => Some(value),
            Err(error) => {
                tracing::warn!(name, %error, "unreadable cache entry; reloading");
                None
            }
        },
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(name, %error, "cache unavailable; reading the database");
            None
        }
    }
}

/// The cached document `name`, or `load`ed and cached for `ttl`. Without a cache it just loads.
/// Of the callers that miss at once, one loads (reading the cache again first, in case a load
/// just ended) and the others take its document; if its load fails they load themselves.
async fn cached<T, F>(
    cache: Option<&dyn Cache>,
    flights: &Flights,
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
    if let Some(value) = read(cache, name).await {
        return Ok(value);
    }
    let (flight, leads) = flights.join(name);
    let mut load = Some(load);
    let mut loaded: Option<Result<T, StoreError>> = None;
    let shared = flight
        .get_or_init(|| async {
            if leads && let Some(value) = read::<T>(cache, name).await {
                // Cached by a load that ended between this caller's miss and its flight.
                let json = serde_json::to_string(&value).ok();
                loaded = Some(Ok(value));
                return json;
            }
            let load = load.take()?;
            let result = load.await;
            let json = match &result {
                Ok(value) => match serde_json::to_string(value) {
                    Ok(json) => {
                        if let Err(error) = cache.put(name, &json, ttl).await {
                            tracing::warn!(name, %error, "could not cache");
                        }
                        Some(json)
                    }
                    Err(error) => {
                        tracing::warn!(name, %error, "could not encode for the cache");
                        None
                    }
                },
                Err(_) => None,
            };
            loaded = Some(result);
            json
        })
        .await
        .clone();
    flights.land(name, &flight);
    if let Some(result) = loaded {
        return result;
    }
    if let Some(value) = shared.and_then(|json| serde_json::from_str(&json).ok()) {
        return Ok(value);
    }
    match load.take() {
        Some(load) => load.await,
        None => Err(StoreError::unexpected(format!("the load of {name} was taken"))),
    }
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
    flights: Flights,
    sales: Arc<SalesForgetting>,
}

/// When each category's hot list was last forgotten for its sales, and whether a forgetting is
/// already due at the end of its window.
#[derive(Debug, Default)]
struct SalesForgetting(std::sync::Mutex<HashMap<CategoryId, (Instant, bool)>>);

/// What to do about a category's sale now.
enum Forget {
    Now,
    /// At this instant: the window's end.
    At(Instant),
    /// Nothing: a forgetting is already due after this sale.
    Due,
}

impl SalesForgetting {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<CategoryId, (Instant, bool)>> {
        // Every change below is one statement: a panicking holder left the map consistent.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sale(&self, category: CategoryId, now: Instant) -> Forget {
        let mut entries = self.entries();
        match entries.get_mut(&category) {
            Some((last, due)) if now.duration_since(*last) < SALES_FORGET_EVERY => {
                if *due {
                    Forget::Due
                } else {
                    *due = true;
                    Forget::At(*last + SALES_FORGET_EVERY)
                }
            }
            _ => {
                entries.insert(category, (now, false));
                Forget::Now
            }
        }
    }

    /// The due forgetting starts: the next window begins now.
    fn started(&self, category: CategoryId, now: Instant) {
        self.entries().insert(category, (now, false));
    }
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
        CachedCatalog {
            inner,
            shared: None,
            local: None,
            flights: Flights::default(),
            sales: Arc::default(),
        }
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
        cached(
            self.shared.as_deref(),
            &self.flights,
            MENU_CACHE,
            MENU_TTL,
            self.inner.category_menu(),
        )
        .await
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
        cached(self.local.as_deref(), &self.flights, &name, LIST_TTL, load).await
    }

    async fn hot_skus(
        &self,
        category: CategoryId,
        limit: u64,
    ) -> Result<Vec<SkuSummary>, StoreError> {
        let load = self.inner.hot_skus(category, limit);
        cached(self.shared.as_deref(), &self.flights, &hot_cache(category), HOT_TTL, load).await
    }

    async fn sku_detail(&self, sku: SkuId) -> Result<Option<SkuDetailData>, StoreError> {
        let load = self.inner.sku_detail(sku);
        cached(self.local.as_deref(), &self.flights, &detail_cache(sku), DETAIL_TTL, load).await
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
        let Some(shared) = &self.shared else { return };
        let now = Instant::now();
        let mut names = Vec::new();
        for &category in categories {
            match self.sales.sale(category, now) {
                Forget::Now => names.push(hot_cache(category)),
                Forget::At(due) => {
                    let (shared, sales) = (Arc::clone(shared), Arc::clone(&self.sales));
                    tokio::spawn(async move {
                        tokio::time::sleep_until(due.into()).await;
                        sales.started(category, Instant::now());
                        forget(Some(shared.as_ref()), &[hot_cache(category)]).await;
                    });
                }
                Forget::Due => {}
            }
        }
        if !names.is_empty() {
            forget(Some(shared.as_ref()), &names).await;
        }
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

/// SKUs by id, the single-SKU look-ups (the cart's checks) remembered in this process, each for
/// a set time after the store answered, those in use read again together (see
/// [`RefreshedMemory`]).
pub struct CachedSkus {
    inner: Arc<dyn SkuCatalog>,
    memory: Option<RefreshedMemory<Sku>>,
}

impl std::fmt::Debug for CachedSkus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedSkus").field("memory", &self.memory).finish_non_exhaustive()
    }
}

/// The most SKUs a process remembers.
const SKUS_REMEMBERED: u64 = 100_000;

impl CachedSkus {
    /// Remembering each SKU read alone for `memory` (`Duration::ZERO`: not at all).
    pub fn new(inner: Arc<dyn SkuCatalog>, memory: Duration) -> Self {
        let memory = (!memory.is_zero())
            .then(|| RefreshedMemory::new("SKUs checked by carts", memory, SKUS_REMEMBERED));
        CachedSkus { inner, memory }
    }
}

/// The wrapped catalog as the memory's source.
#[derive(Clone)]
struct FromCatalog(Arc<dyn SkuCatalog>);

impl Source<Sku> for FromCatalog {
    type Error = StoreError;

    async fn one(&self, sku: u64) -> Result<Option<Sku>, StoreError> {
        let found = self.0.find_skus(&[SkuId(sku)]).await?;
        Ok(found.into_iter().find(|found| found.id == SkuId(sku)))
    }

    async fn many(&self, skus: &[u64]) -> Result<Vec<(u64, Sku)>, StoreError> {
        let ids: Vec<SkuId> = skus.iter().copied().map(SkuId).collect();
        Ok(self.0.find_skus(&ids).await?.into_iter().map(|sku| (sku.id.0, sku)).collect())
    }
}

#[async_trait]
impl SkuCatalog for CachedSkus {
    async fn find_skus(&self, ids: &[SkuId]) -> Result<Vec<Sku>, StoreError> {
        match (ids, &self.memory) {
            ([one], Some(memory)) => Ok(memory
                .current(&FromCatalog(Arc::clone(&self.inner)), one.0)
                .await?
                .into_iter()
                .collect()),
            _ => self.inner.find_skus(ids).await,
        }
    }
}
