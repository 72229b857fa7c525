//! Browsing: the category menu, lists, details, search, comments, areas and browse history.

use std::sync::Arc;

use meiduo_domain::ports::{
    AreaRepository, BrowseHistory, CatalogQueries, SkuCatalog, SkuIndex, StoreError,
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
/// The longest search text.
pub const MAX_SEARCH_LEN: usize = 50;

/// Why a catalog request failed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("no such category")]
    CategoryNotFound,
    #[error("no such SKU on sale")]
    SkuNotFound,
    #[error("no such area")]
    AreaNotFound,
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
    index: Arc<dyn SkuIndex>,
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
        index: Arc<dyn SkuIndex>,
    ) -> Self {
        Catalog { queries, skus, areas, history, index }
    }

    #[tracing::instrument(name = "catalog.menu", skip_all)]
    pub async fn menu(&self) -> Result<Vec<ChannelGroupMenu>, CatalogError> {
        Ok(self.queries.category_menu().await?)
    }

    #[tracing::instrument(name = "catalog.breadcrumb", skip_all, fields(category_id = %category))]
    pub async fn breadcrumb(&self, category: CategoryId) -> Result<Breadcrumb, CatalogError> {
        self.queries.breadcrumb(category).await?.ok_or(CatalogError::CategoryNotFound)
    }

    /// A page of a category's SKUs. An unknown category gives an empty list, as the original.
    #[tracing::instrument(name = "catalog.list", skip_all, fields(category_id = %category))]
    pub async fn list(
        &self,
        category: CategoryId,
        ordering: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<SkuSummary>, CatalogError> {
        let ordering = SkuOrdering::from_query(ordering);
        Ok(self.queries.list_skus(category, ordering, page.offset(), page.page_size).await?)
    }

    #[tracing::instrument(name = "catalog.hot", skip_all, fields(category_id = %category))]
    pub async fn hot(&self, category: CategoryId) -> Result<Vec<SkuSummary>, CatalogError> {
        Ok(self.queries.hot_skus(category, HOT_SKUS).await?)
    }

    #[tracing::instrument(name = "catalog.detail", skip_all, fields(sku_id = %sku))]
    pub async fn detail(&self, sku: SkuId) -> Result<SkuDetailData, CatalogError> {
        self.queries.sku_detail(sku).await?.ok_or(CatalogError::SkuNotFound)
    }

    #[tracing::instrument(name = "catalog.search", skip_all)]
    pub async fn search(
        &self,
        text: &str,
        page: PageRequest,
    ) -> Result<Page<SkuSummary>, CatalogError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_SEARCH_LEN {
            return Err(CatalogError::BadSearch);
        }
        let hits = match self.index.search(text, page.offset(), page.page_size).await {
            Ok(hits) => hits,
            Err(error) => {
                tracing::warn!(%error, "the search index failed; searching the database instead");
                None
            }
        };
        match hits {
            Some(hits) if hits.count > 0 => {
                let items = self.queries.launched_summaries(&hits.ids).await?;
                let mut count = hits.count;
                if items.len() < hits.ids.len() {
                    // Taken off sale or deleted since the index last heard: gone from this
                    // answer and, at once, from this index.
                    let gone: Vec<SkuId> = hits
                        .ids
                        .iter()
                        .filter(|id| !items.iter().any(|item| item.id == **id))
                        .copied()
                        .collect();
                    count = count.saturating_sub(gone.len() as u64);
                    if let Err(error) = self.index.apply(Vec::new(), gone).await {
                        tracing::warn!(%error, "stale SKUs stay in the search index");
                    }
                }
                Ok(Page { count, items })
            }
            Some(_) if text.contains(char::is_whitespace) => Ok(Page { count: 0, items: vec![] }),
            // Not built yet, or one word the index does not know (a single character, part of
            // a word the segmenter keeps whole): the literal match over names and captions.
            _ => Ok(self.queries.search_skus(text, page.offset(), page.page_size).await?),
        }
    }

    /// The comments on a SKU; anonymous commenters' names are masked (`a***e`).
    #[tracing::instrument(name = "catalog.comments", skip_all, fields(sku_id = %sku))]
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

    #[tracing::instrument(name = "catalog.provinces", skip_all)]
    pub async fn provinces(&self) -> Result<Vec<Area>, CatalogError> {
        Ok(self.areas.provinces().await?)
    }

    #[tracing::instrument(name = "catalog.area", skip_all)]
    pub async fn area(&self, id: u64) -> Result<AreaWithSubs, CatalogError> {
        self.areas.with_subs(id).await?.ok_or(CatalogError::AreaNotFound)
    }

    /// Records that the user looked at a SKU on sale.
    #[tracing::instrument(name = "catalog.record_visit", skip_all, fields(user_id = %user, sku_id = %sku))]
    pub async fn record_visit(&self, user: UserId, sku: SkuId) -> Result<(), CatalogError> {
        match self.skus.find_skus(&[sku]).await?.first() {
            Some(found) if found.is_launched => {}
            _ => return Err(CatalogError::SkuNotFound),
        }
        Ok(self.history.record(user, sku, HISTORY_LENGTH).await?)
    }

    /// The SKUs the user looked at last, newest first.
    #[tracing::instrument(name = "catalog.recent_visits", skip_all, fields(user_id = %user))]
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
