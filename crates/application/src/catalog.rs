//! Browsing: the category menu, lists, details, search, comments, areas and browse history.

use std::sync::Arc;
use std::time::Duration;

use meiduo_domain::ports::{
    AreaRepository, BrowseHistory, Cache, CatalogQueries, SkuCatalog, StoreError,
};
use meiduo_domain::{
    Area, AreaWithSubs, Breadcrumb, CategoryId, ChannelGroupMenu, Page, SkuComment, SkuDetailData,
    SkuId, SkuOrdering, SkuSummary, UserId,
};

use crate::errors::{PageRequest, ServiceFailure};

/// How many SKUs a category's hot list shows (the original's `HOT_SKUS_COUNT_LIMIT`).
pub const HOT_SKUS: u64 = 2;
/// How many SKUs the browse history keeps.
pub const HISTORY_LENGTH: u32 = 5;
/// How long the category menu stays cached.
pub const MENU_TTL: Duration = Duration::from_secs(300);
/// How long a category's hot list stays cached (orders also forget it).
pub const HOT_TTL: Duration = Duration::from_secs(60);
/// The cache name of the category menu.
pub const MENU_CACHE: &str = "category_menu";

/// The cache name of a category's hot list.
pub fn hot_cache(category: CategoryId) -> String {
    format!("hot_skus:{category}")
}

/// The longest search text.
pub const MAX_SEARCH_LEN: usize = 50;

/// Why a catalog request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("no such category")]
    CategoryNotFound,
    #[error("no such SKU on sale")]
    SkuNotFound,
    #[error("no such area")]
    AreaNotFound,
    #[error("unknown ordering; use create_time, price, -price or -sales")]
    BadOrdering,
    #[error("page and page_size must be at least 1")]
    BadPage,
    #[error("the search text must be 1 to {MAX_SEARCH_LEN} characters")]
    BadSearch,
    #[error(transparent)]
    Failure(#[from] ServiceFailure),
}

impl From<StoreError> for CatalogError {
    fn from(value: StoreError) -> Self {
        CatalogError::Failure(value.into())
    }
}

/// The catalog use cases.
pub struct Catalog {
    queries: Arc<dyn CatalogQueries>,
    skus: Arc<dyn SkuCatalog>,
    areas: Arc<dyn AreaRepository>,
    history: Arc<dyn BrowseHistory>,
    cache: Option<Arc<dyn Cache>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").finish_non_exhaustive()
    }
}

impl Catalog {
    pub fn new(
        queries: Arc<dyn CatalogQueries>,
        skus: Arc<dyn SkuCatalog>,
        areas: Arc<dyn AreaRepository>,
        history: Arc<dyn BrowseHistory>,
    ) -> Self {
        Catalog { queries, skus, areas, history, cache: None }
    }

    /// Caches the menu and the hot lists there.
    pub fn with_cache(mut self, cache: Arc<dyn Cache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The cached document, or `load`ed and cached. A cache that fails is logged and bypassed:
    /// it only saves work.
    async fn cached<T, F>(&self, name: &str, ttl: Duration, load: F) -> Result<T, CatalogError>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
        F: std::future::Future<Output = Result<T, StoreError>>,
    {
        let Some(cache) = &self.cache else {
            return Ok(load.await?);
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
        if let Ok(json) = serde_json::to_string(&value)
            && let Err(error) = cache.put(name, &json, ttl).await
        {
            tracing::warn!(name, %error, "could not cache");
        }
        Ok(value)
    }

    pub async fn menu(&self) -> Result<Vec<ChannelGroupMenu>, CatalogError> {
        self.cached(MENU_CACHE, MENU_TTL, self.queries.category_menu()).await
    }

    pub async fn breadcrumb(&self, category: CategoryId) -> Result<Breadcrumb, CatalogError> {
        self.queries.breadcrumb(category).await?.ok_or(CatalogError::CategoryNotFound)
    }

    /// A page of a category's SKUs. An unknown category gives an empty list, as the original.
    pub async fn list(
        &self,
        category: CategoryId,
        ordering: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<SkuSummary>, CatalogError> {
        let ordering = match ordering {
            None => SkuOrdering::Newest,
            Some(value) => SkuOrdering::parse(value).ok_or(CatalogError::BadOrdering)?,
        };
        Ok(self.queries.list_skus(category, ordering, page.offset(), page.page_size).await?)
    }

    pub async fn hot(&self, category: CategoryId) -> Result<Vec<SkuSummary>, CatalogError> {
        self.cached(&hot_cache(category), HOT_TTL, self.queries.hot_skus(category, HOT_SKUS)).await
    }

    pub async fn detail(&self, sku: SkuId) -> Result<SkuDetailData, CatalogError> {
        self.queries.sku_detail(sku).await?.ok_or(CatalogError::SkuNotFound)
    }

    pub async fn search(
        &self,
        text: &str,
        page: PageRequest,
    ) -> Result<Page<SkuSummary>, CatalogError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_SEARCH_LEN {
            return Err(CatalogError::BadSearch);
        }
        Ok(self.queries.search_skus(text, page.offset(), page.page_size).await?)
    }

    /// The comments on a SKU; anonymous commenters' names are masked (`a***e`).
    pub async fn comments(&self, sku: SkuId) -> Result<Vec<SkuComment>, CatalogError> {
        if self.skus.find_skus(&[sku]).await?.is_empty() {
            return Err(CatalogError::SkuNotFound);
        }
        let mut comments = self.queries.sku_comments(sku, 30).await?;
        for comment in &mut comments {
            if comment.is_anonymous {
                comment.username = mask(&comment.username);
            }
        }
        Ok(comments)
    }

    pub async fn provinces(&self) -> Result<Vec<Area>, CatalogError> {
        Ok(self.areas.provinces().await?)
    }

    pub async fn area(&self, id: u64) -> Result<AreaWithSubs, CatalogError> {
        self.areas.with_subs(id).await?.ok_or(CatalogError::AreaNotFound)
    }

    /// Records that the user looked at a SKU on sale.
    pub async fn record_visit(&self, user: UserId, sku: SkuId) -> Result<(), CatalogError> {
        match self.skus.find_skus(&[sku]).await?.first() {
            Some(found) if found.is_launched => {}
            _ => return Err(CatalogError::SkuNotFound),
        }
        Ok(self.history.record(user, sku, HISTORY_LENGTH).await?)
    }

    /// The SKUs the user looked at last, newest first.
    pub async fn recent_visits(&self, user: UserId) -> Result<Vec<SkuSummary>, CatalogError> {
        let ids = self.history.recent(user, HISTORY_LENGTH).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.queries.sku_summaries(&ids).await?)
    }
}

/// `alice` → `a***e`; a one-character name → `*`.
fn mask(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.as_slice() {
        [] | [_] => "*".to_owned(),
        [first, .., last] => format!("{first}***{last}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_names_are_masked() {
        assert_eq!(mask("alice"), "a***e");
        assert_eq!(mask("张三丰"), "张***丰");
        assert_eq!(mask("x"), "*");
    }
}
