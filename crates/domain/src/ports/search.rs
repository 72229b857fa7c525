//! Full-text search over the SKUs on sale: the index and where its documents come from.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::SkuId;

/// What the search index holds of a SKU: the texts a shopper may type and what ranks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuDocument {
    pub id: SkuId,
    pub name: String,
    pub caption: String,
    /// The SPU's name.
    pub spu: String,
    pub brand: String,
    /// The three levels of its category, top first.
    pub categories: Vec<String>,
    pub sales: u64,
    /// Unlaunched SKUs are taken out of the index.
    pub is_launched: bool,
}

/// The SKUs changed since a moment, and the moment to ask from next time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentChanges {
    pub documents: Vec<SkuDocument>,
    /// The latest change time seen (or the one asked from, when nothing changed).
    pub seen_until: OffsetDateTime,
}

/// The SKUs' documents as the database holds them: the index is built and refreshed from here,
/// so that every replica's index follows the same source.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SkuDocuments: Send + Sync {
    /// Every launched SKU's document.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn launched(&self) -> Result<Vec<SkuDocument>, StoreError>;

    /// The documents of SKUs whose row, SPU or brand changed at `since` or later (launched or
    /// not: the caller removes the unlaunched), and when the latest of those changes was.
    ///
    /// # Errors
    /// As [`SkuDocuments::launched`].
    async fn changed_since(&self, since: OffsetDateTime) -> Result<DocumentChanges, StoreError>;
}

/// One page of matches, best first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchHits {
    /// How many SKUs match in all.
    pub count: u64,
    pub ids: Vec<SkuId>,
}

/// A full-text index of the SKUs on sale.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SkuIndex: Send + Sync {
    /// The SKUs matching every word of `text`, best first; `None` while the index has not been
    /// built (the caller falls back to another search).
    ///
    /// # Errors
    /// [`StoreError::Unexpected`] when the index cannot be read.
    async fn search(
        &self,
        text: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Option<SearchHits>, StoreError>;

    /// Replaces the whole index with these documents (the unlaunched are left out).
    ///
    /// # Errors
    /// [`StoreError::Unexpected`] when the index cannot be written; the previous one stays.
    async fn rebuild(&self, documents: Vec<SkuDocument>) -> Result<(), StoreError>;

    /// Adds or replaces these documents (removing the unlaunched) and removes these SKUs.
    /// Does nothing before the first [`SkuIndex::rebuild`].
    ///
    /// # Errors
    /// [`StoreError::Unexpected`] when the index cannot be written; it is left as it was.
    async fn apply(
        &self,
        documents: Vec<SkuDocument>,
        removed: Vec<SkuId>,
    ) -> Result<(), StoreError>;

    /// How many SKUs the index holds; `None` before it has been built.
    fn size(&self) -> Option<u64>;
}
