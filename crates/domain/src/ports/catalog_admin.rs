//! What the catalog's administration needs: the store's reads and writes of SKUs, SPUs, brands,
//! specifications, options, channels and pictures, and the storage of the pictures' files.

use async_trait::async_trait;

use super::StoreError;
use crate::{
    BrandRecord, ChannelForm, ChannelRecord, NamedRef, OptionRecord, Page, SkuForm, SkuImageRecord,
    SkuRecord, SkuRemoval, SpecRecord, SpuForm, SpuRecord,
};

/// Why a catalog write wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum CatalogEditError {
    /// A referenced row does not exist (`field` names the reference).
    #[error("{field}: no such {what} ({id})")]
    UnknownReference { field: &'static str, what: &'static str, id: u64 },
    /// The row is still referenced (by what), so it cannot be deleted.
    #[error("still used by {0}")]
    InUse(&'static str),
    /// Lowering the stock that far would make it negative (units were sold meanwhile).
    #[error("the stock would fall below zero")]
    StockBelowZero,
    /// The name is taken where it must be unique.
    #[error("{0} is taken")]
    Taken(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The catalog's rows as operators read and write them. Every write is one transaction.
/// Writes answer `Ok(None)` (or `Ok(false)`) when the row to change does not exist.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CatalogEditor: Send + Sync {
    /// A page of SKUs by id whose name contains `keyword` (all when `None`).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached; [`StoreError::Unexpected`]
    /// for a row that breaks the domain's rules.
    async fn skus<'a>(
        &self,
        keyword: Option<&'a str>,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SkuRecord>, StoreError>;

    /// The SKU, or `None`.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn sku(&self, id: u64) -> Result<Option<SkuRecord>, StoreError>;

    /// Creates a SKU (`id` `None`) or changes one, with its options. On a change the stock moves
    /// by the difference between the form's and the stored value read in the transaction, in one
    /// guarded relative update (`stock = stock + d WHERE stock + d >= 0`): units sold meanwhile
    /// are not given back.
    ///
    /// # Errors
    /// An unknown SPU, category, specification or option; [`CatalogEditError::StockBelowZero`].
    async fn save_sku<'a>(
        &self,
        id: Option<u64>,
        form: &'a SkuForm,
    ) -> Result<Option<SkuRecord>, CatalogEditError>;

    /// Deletes a SKU no order references, with its options and pictures' rows (answering the
    /// pictures' paths, whose files are the caller's to remove), or takes one that orders
    /// reference off sale; `None` when there is none.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn remove_sku(
        &self,
        id: u64,
    ) -> Result<Option<(SkuRemoval, Vec<String>)>, CatalogEditError>;

    /// Every SKU by id and name (`skus/simple/`).
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn sku_names(&self) -> Result<Vec<NamedRef>, StoreError>;

    /// The categories with this parent (`None`: the first level), by id.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn categories_under(&self, parent: Option<u64>) -> Result<Vec<NamedRef>, StoreError>;

    /// Every third-level category (those with a parent whose parent has one), by id.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn third_level_categories(&self) -> Result<Vec<NamedRef>, StoreError>;

    /// A page of SPUs by id whose name contains `keyword`.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn spus<'a>(
        &self,
        keyword: Option<&'a str>,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SpuRecord>, StoreError>;

    /// The SPU, or `None`.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn spu(&self, id: u64) -> Result<Option<SpuRecord>, StoreError>;

    /// Creates or changes an SPU.
    ///
    /// # Errors
    /// An unknown brand or category.
    async fn save_spu<'a>(
        &self,
        id: Option<u64>,
        form: &'a SpuForm,
    ) -> Result<Option<SpuRecord>, CatalogEditError>;

    /// Deletes an SPU that has no SKU and no specification; `Ok(false)` when there is none.
    ///
    /// # Errors
    /// [`CatalogEditError::InUse`] while SKUs or specifications belong to it.
    async fn delete_spu(&self, id: u64) -> Result<bool, CatalogEditError>;

    /// Every SPU by id and name (`goods/simple/`).
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn spu_names(&self) -> Result<Vec<NamedRef>, StoreError>;

    /// The specifications of an SPU with their options, by id.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn spu_specs(&self, spu: u64) -> Result<Vec<SpecRecord>, StoreError>;

    /// A page of brands by id.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn brands(&self, offset: u64, limit: u64) -> Result<Page<BrandRecord>, StoreError>;

    /// The brand, or `None`.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn brand(&self, id: u64) -> Result<Option<BrandRecord>, StoreError>;

    /// Creates or changes a brand (its `id` is ignored on creation).
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn save_brand<'a>(
        &self,
        id: Option<u64>,
        brand: &'a BrandRecord,
    ) -> Result<Option<BrandRecord>, CatalogEditError>;

    /// Deletes a brand no SPU has; `Ok(false)` when there is none.
    ///
    /// # Errors
    /// [`CatalogEditError::InUse`] while SPUs have it.
    async fn delete_brand(&self, id: u64) -> Result<bool, CatalogEditError>;

    /// A page of specifications by id, with their options.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn specs(&self, offset: u64, limit: u64) -> Result<Page<SpecRecord>, StoreError>;

    /// The specification, or `None`.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn spec(&self, id: u64) -> Result<Option<SpecRecord>, StoreError>;

    /// Creates or changes a specification of an SPU.
    ///
    /// # Errors
    /// An unknown SPU; [`CatalogEditError::InUse`] when moving to another SPU one its SKUs use.
    async fn save_spec<'a>(
        &self,
        id: Option<u64>,
        name: &'a str,
        spu: u64,
    ) -> Result<Option<SpecRecord>, CatalogEditError>;

    /// Deletes a specification no SKU uses, with its options; `Ok(false)` when there is none.
    ///
    /// # Errors
    /// [`CatalogEditError::InUse`] while SKUs use it.
    async fn delete_spec(&self, id: u64) -> Result<bool, CatalogEditError>;

    /// A page of options by id.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn options(&self, offset: u64, limit: u64) -> Result<Page<OptionRecord>, StoreError>;

    /// The option, or `None`.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn option(&self, id: u64) -> Result<Option<OptionRecord>, StoreError>;

    /// Creates or changes an option of a specification.
    ///
    /// # Errors
    /// An unknown specification; [`CatalogEditError::InUse`] when moving to another
    /// specification one that SKUs use.
    async fn save_option<'a>(
        &self,
        id: Option<u64>,
        value: &'a str,
        spec: u64,
    ) -> Result<Option<OptionRecord>, CatalogEditError>;

    /// Deletes an option no SKU uses; `Ok(false)` when there is none.
    ///
    /// # Errors
    /// [`CatalogEditError::InUse`] while SKUs use it.
    async fn delete_option(&self, id: u64) -> Result<bool, CatalogEditError>;

    /// A page of channels by group and sequence.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn channels(&self, offset: u64, limit: u64) -> Result<Page<ChannelRecord>, StoreError>;

    /// The channel, or `None`.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn channel(&self, id: u64) -> Result<Option<ChannelRecord>, StoreError>;

    /// Creates or changes a channel.
    ///
    /// # Errors
    /// An unknown group or category; [`CatalogEditError::Taken`] for a category that has a
    /// channel already.
    async fn save_channel<'a>(
        &self,
        id: Option<u64>,
        form: &'a ChannelForm,
    ) -> Result<Option<ChannelRecord>, CatalogEditError>;

    /// Deletes a channel (the menu loses it; its category stays); `Ok(false)` when there is none.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn delete_channel(&self, id: u64) -> Result<bool, CatalogEditError>;

    /// Every channel group by id and name (`goods/channel_types/`).
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn channel_groups(&self) -> Result<Vec<NamedRef>, StoreError>;

    /// A page of pictures by id.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn images(&self, offset: u64, limit: u64) -> Result<Page<SkuImageRecord>, StoreError>;

    /// The picture, or `None`.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn image(&self, id: u64) -> Result<Option<SkuImageRecord>, StoreError>;

    /// Adds a picture to a SKU (its default picture when it has none).
    ///
    /// # Errors
    /// An unknown SKU.
    async fn add_image<'a>(
        &self,
        sku: u64,
        path: &'a str,
    ) -> Result<SkuImageRecord, CatalogEditError>;

    /// Points a picture at another file, and at another SKU (the SKUs' default pictures
    /// follow); the record as it was before, or `None`.
    ///
    /// # Errors
    /// An unknown SKU.
    async fn replace_image<'a>(
        &self,
        id: u64,
        sku: u64,
        path: &'a str,
    ) -> Result<Option<SkuImageRecord>, CatalogEditError>;

    /// Deletes a picture (a SKU whose default it was takes another of its pictures, or none);
    /// the deleted record, or `None`.
    ///
    /// # Errors
    /// As [`skus`](Self::skus).
    async fn delete_image(&self, id: u64) -> Result<Option<SkuImageRecord>, CatalogEditError>;
}

/// Why an image store failed.
#[derive(Debug, thiserror::Error)]
pub enum ImageStoreError {
    /// The storage cannot be reached or refused the request.
    #[error("image storage unavailable: {0}")]
    Unavailable(String),
}

/// Where uploaded pictures' files live: a local directory the server serves, or object storage.
/// Paths are relative (`skus/12/3f9c….png`); the configured image host prefixes them in URLs.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ImageStore: Send + Sync {
    /// Stores the file at `path` (replacing any file there).
    ///
    /// # Errors
    /// [`ImageStoreError::Unavailable`]; nothing is stored then.
    async fn put(
        &self,
        path: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), ImageStoreError>;

    /// The stored file, or `None`.
    ///
    /// # Errors
    /// [`ImageStoreError::Unavailable`].
    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, ImageStoreError>;

    /// Removes the file at `path` (nothing there is not an error).
    ///
    /// # Errors
    /// [`ImageStoreError::Unavailable`].
    async fn delete(&self, path: &str) -> Result<(), ImageStoreError>;
}
