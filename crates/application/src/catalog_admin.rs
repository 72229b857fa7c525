//! The catalog's administration: SKUs with their specification options, SPUs, brands,
//! specifications and options, channels, and SKU pictures. Every write is validated (the
//! original's rules and ours: price and stock bounds, a SKU's options covering its SPU's
//! specifications exactly once each, nothing deleted that orders reference), audited with the
//! fields it changed, and announced to the storefront's caches.

use std::collections::BTreeSet;
use std::sync::Arc;

use meiduo_domain::ports::{
    AuditLog, CatalogChanges, CatalogEditError, CatalogEditor, Clock, ImageStore, ImageStoreError,
    StoreError,
};
use meiduo_domain::{
    AuditAction, BrandRecord, CategoryId, ChannelForm, ChannelRecord, FieldChange, Money, NamedRef,
    OptionRecord, Page, SkuForm, SkuId, SkuImageRecord, SkuRecord, SkuRemoval, SpecRecord, SpuForm,
    SpuRecord, StaffMember,
};

use crate::admin::{AdminError, record_audit};
use crate::errors::{PageRequest, ServiceFailure};

/// The highest price a SKU may have, in fen (100,000.00 yuan): 200 units of it still fit an
/// order's total.
pub const MAX_PRICE_FEN: u64 = 10_000_000;
/// The most units a SKU's stock may hold.
pub const MAX_STOCK: u32 = 1_000_000;
/// The largest picture accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// The widest or tallest picture accepted, in pixels.
pub const MAX_IMAGE_SIDE: usize = 10_000;

/// What the catalog's administration needs.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct CatalogAdminPorts {
    pub editor: Arc<dyn CatalogEditor>,
    pub images: Arc<dyn ImageStore>,
    pub changes: Arc<dyn CatalogChanges>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
}

/// The catalog's administration use cases.
pub struct CatalogAdmin {
    ports: CatalogAdminPorts,
}

impl std::fmt::Debug for CatalogAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogAdmin").finish_non_exhaustive()
    }
}

impl From<CatalogEditError> for AdminError {
    fn from(value: CatalogEditError) -> Self {
        match value {
            CatalogEditError::UnknownReference { field, what, id } => {
                AdminError::UnknownReference { field, what, id }
            }
            CatalogEditError::InUse(by) => AdminError::InUse(by),
            CatalogEditError::StockBelowZero => AdminError::StockBelowZero,
            CatalogEditError::Taken(field) => AdminError::Taken(field),
            CatalogEditError::Store(error) => error.into(),
        }
    }
}

impl From<ImageStoreError> for AdminError {
    fn from(value: ImageStoreError) -> Self {
        AdminError::Failure(ServiceFailure::Unavailable(Box::new(value)))
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> AdminError {
    AdminError::Invalid { field, reason: reason.into() }
}

/// A trimmed text of 1 to `max` characters (`min_one`) or of at most `max`.
fn text(field: &'static str, value: &str, max: usize, min_one: bool) -> Result<String, AdminError> {
    let value = value.trim();
    let len = value.chars().count();
    if (min_one && len == 0) || len > max {
        let range = if min_one { format!("1 to {max}") } else { format!("at most {max}") };
        return Err(invalid(field, format!("{range} characters")));
    }
    Ok(value.to_owned())
}

fn price(field: &'static str, value: Money, min: Money) -> Result<Money, AdminError> {
    let max = Money::from_fen(MAX_PRICE_FEN);
    if value < min || value > max {
        return Err(invalid(field, format!("from {min} to {max}")));
    }
    Ok(value)
}

/// The fields two versions of a record differ in (a creation has no `before`, a deletion no
/// `after`), each value as text.
pub(crate) fn diff<T: serde::Serialize>(before: Option<&T>, after: Option<&T>) -> Vec<FieldChange> {
    let fields = |record: Option<&T>| match record.map(serde_json::to_value) {
        Some(Ok(serde_json::Value::Object(map))) => map,
        _ => serde_json::Map::new(),
    };
    let (before, after) = (fields(before), fields(after));
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let as_text = |value: Option<&serde_json::Value>| {
        value.map(|value| match value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    };
    names
        .into_iter()
        .filter(|name| name.as_str() != "id")
        .filter_map(|name| {
            let (b, a) = (as_text(before.get(name)), as_text(after.get(name)));
            (b != a).then(|| FieldChange { field: name.clone(), before: b, after: a })
        })
        .collect()
}

/// A picture's format, from its header; `None` for anything else.
fn image_format(bytes: &[u8]) -> Result<(&'static str, &'static str), AdminError> {
    let kind =
        imagesize::image_type(bytes).map_err(|_| AdminError::BadImage("not a picture".into()))?;
    let format = match kind {
        imagesize::ImageType::Jpeg => ("jpg", "image/jpeg"),
        imagesize::ImageType::Png => ("png", "image/png"),
        imagesize::ImageType::Gif => ("gif", "image/gif"),
        imagesize::ImageType::Webp => ("webp", "image/webp"),
        other => return Err(AdminError::BadImage(format!("{other:?} is not taken"))),
    };
    let size = imagesize::blob_size(bytes)
        .map_err(|_| AdminError::BadImage("an unreadable header".into()))?;
    if size.width == 0 || size.height == 0 || size.width.max(size.height) > MAX_IMAGE_SIDE {
        return Err(AdminError::BadImage(format!(
            "{}×{} pixels (at most {MAX_IMAGE_SIDE} a side)",
            size.width, size.height
        )));
    }
    Ok(format)
}

/// A generated name for a SKU's picture: never the client's.
fn picture_path(sku: u64, extension: &str) -> String {
    format!("skus/{sku}/{}.{extension}", crate::accounts::new_token_stamp())
}

/// How many times a write that lost a race to a concurrent one (a deadlock, SQLite's busy
/// snapshot) is tried in all.
const WRITE_ATTEMPTS: u32 = 5;

/// Runs a write again, from the start, while it loses races: each attempt is a transaction of
/// its own that either committed or changed nothing.
async fn retried<T, F, Fut>(mut write: F) -> Result<T, CatalogEditError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CatalogEditError>>,
{
    let mut attempt = 1;
    loop {
        match write().await {
            Err(CatalogEditError::Store(StoreError::Conflict(cause)))
                if attempt < WRITE_ATTEMPTS =>
            {
                tracing::debug!(%cause, attempt, "a catalog write lost a race; trying again");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// A catalog row as the audit log names it.
trait Row: serde::Serialize {
    /// The model's name in the audit log (Django's, as the permissions name it).
    const RESOURCE: &'static str;
    /// What a client is told is missing.
    const WHAT: &'static str;
    fn row_id(&self) -> u64;
}

macro_rules! rows {
    ($($record:ty => $resource:literal, $what:literal;)*) => {$(
        impl Row for $record {
            const RESOURCE: &'static str = $resource;
            const WHAT: &'static str = $what;
            fn row_id(&self) -> u64 {
                self.id
            }
        }
    )*};
}

rows! {
    SkuRecord => "sku", "SKU";
    SpuRecord => "spu", "SPU";
    BrandRecord => "brand", "brand";
    SpecRecord => "spuspecification", "specification";
    OptionRecord => "specificationoption", "option";
    ChannelRecord => "goodschannel", "channel";
    SkuImageRecord => "skuimage", "picture";
}

fn window(page: Option<PageRequest>) -> (u64, u64) {
    page.map_or((0, u64::MAX >> 1), |p| (p.offset(), p.page_size))
}

impl CatalogAdmin {
    pub fn new(ports: CatalogAdminPorts) -> Self {
        CatalogAdmin { ports }
    }

    async fn audit(
        &self,
        actor: &StaffMember,
        action: AuditAction,
        resource: &str,
        id: u64,
        changes: Vec<FieldChange>,
    ) {
        let (log, clock) = (self.ports.audit.as_ref(), self.ports.clock.as_ref());
        record_audit(log, clock, actor, action, resource, &id.to_string(), changes).await;
    }

    async fn sku_changed(&self, records: &[&SkuRecord]) {
        let skus: Vec<(SkuId, CategoryId)> =
            records.iter().map(|r| (SkuId(r.id), CategoryId(r.category_id))).collect();
        self.ports.changes.skus_changed(&skus).await;
    }

    /// Writes a row (tried again while it loses races) and audits it: a creation when there
    /// is no `before`, else a change of it.
    async fn save<T, F, Fut>(
        &self,
        actor: &StaffMember,
        before: Option<T>,
        write: F,
    ) -> Result<T, AdminError>
    where
        T: Row,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, CatalogEditError>>,
    {
        let record = retried(write).await?.ok_or(AdminError::NotFound(T::WHAT))?;
        let action = if before.is_some() { AuditAction::Update } else { AuditAction::Create };
        let changes = diff(before.as_ref(), Some(&record));
        self.audit(actor, action, T::RESOURCE, record.row_id(), changes).await;
        Ok(record)
    }

    /// Deletes a row (tried again while it loses races) and audits it with what it held.
    async fn remove<T, F, Fut>(
        &self,
        actor: &StaffMember,
        before: T,
        write: F,
    ) -> Result<(), AdminError>
    where
        T: Row,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<bool, CatalogEditError>>,
    {
        if !retried(write).await? {
            return Err(AdminError::NotFound(T::WHAT));
        }
        let changes = diff(Some(&before), None);
        self.audit(actor, AuditAction::Delete, T::RESOURCE, before.row_id(), changes).await;
        Ok(())
    }

    // SKUs.

    pub async fn skus(
        &self,
        keyword: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<SkuRecord>, AdminError> {
        let keyword = keyword.map(str::trim).filter(|k| !k.is_empty());
        Ok(self.ports.editor.skus(keyword, page.offset(), page.page_size).await?)
    }

    pub async fn sku(&self, id: u64) -> Result<SkuRecord, AdminError> {
        self.ports.editor.sku(id).await?.ok_or(AdminError::NotFound("SKU"))
    }

    /// Checks a SKU's form: bounds, and the options against its SPU's specifications.
    async fn checked_sku(&self, form: SkuForm) -> Result<SkuForm, AdminError> {
        let name = text("name", &form.name, 50, true)?;
        let caption = text("caption", &form.caption, 100, false)?;
        let price = price("price", form.price, Money::from_fen(1))?;
        let cost_price = price_or_zero("cost_price", form.cost_price)?;
        let market_price = price_or_zero("market_price", form.market_price)?;
        if form.stock > MAX_STOCK || form.stock_was.is_some_and(|was| was > MAX_STOCK) {
            return Err(invalid("stock", format!("from 0 to {MAX_STOCK}")));
        }
        let spu =
            self.ports.editor.spu(form.spu_id).await?.ok_or(AdminError::UnknownReference {
                field: "spu_id",
                what: "SPU",
                id: form.spu_id,
            })?;
        if form.category_id != spu.category3_id {
            return Err(invalid(
                "category_id",
                format!("the SPU's third-level category ({})", spu.category3_id),
            ));
        }
        let specs = self.ports.editor.spu_specs(spu.id).await?;
        let mut seen = BTreeSet::new();
        for choice in &form.specs {
            let Some(spec) = specs.iter().find(|s| s.id == choice.spec_id) else {
                return Err(invalid(
                    "specs",
                    format!("{} is not a specification of the SPU", choice.spec_id),
                ));
            };
            if !seen.insert(choice.spec_id) {
                return Err(invalid("specs", format!("specification {} is given twice", spec.id)));
            }
            if !spec.options.iter().any(|o| o.id == choice.option_id) {
                return Err(invalid(
                    "specs",
                    format!("{} is not an option of specification {}", choice.option_id, spec.id),
                ));
            }
        }
        if let Some(missing) = specs.iter().find(|s| !seen.contains(&s.id)) {
            return Err(invalid(
                "specs",
                format!("specification {} ({}) needs an option", missing.id, missing.name),
            ));
        }
        let mut specs = form.specs;
        specs.sort();
        Ok(SkuForm { name, caption, price, cost_price, market_price, specs, ..form })
    }

    /// Creates a SKU, audited.
    pub async fn create_sku(
        &self,
        actor: &StaffMember,
        form: SkuForm,
    ) -> Result<SkuRecord, AdminError> {
        let form = self.checked_sku(form).await?;
        let record = self.save(actor, None, || self.ports.editor.save_sku(None, &form)).await?;
        self.sku_changed(&[&record]).await;
        Ok(record)
    }

    /// Changes a SKU, audited. Its stock moves by the difference from the stored value (units
    /// sold meanwhile are not given back); a new price applies to orders placed from now on.
    pub async fn update_sku(
        &self,
        actor: &StaffMember,
        id: u64,
        form: SkuForm,
    ) -> Result<SkuRecord, AdminError> {
        let before = self.sku(id).await?;
        let form = self.checked_sku(form).await?;
        let write = || self.ports.editor.save_sku(Some(id), &form);
        let record = self.save(actor, Some(before.clone()), write).await?;
        self.sku_changed(&[&before, &record]).await;
        Ok(record)
    }

    /// Deletes a SKU no order references, or takes it off sale; the SKU as it is after (`None`
    /// when deleted).
    pub async fn delete_sku(
        &self,
        actor: &StaffMember,
        id: u64,
    ) -> Result<Option<SkuRecord>, AdminError> {
        let before = self.sku(id).await?;
        let (removal, pictures) = retried(|| self.ports.editor.remove_sku(id))
            .await?
            .ok_or(AdminError::NotFound("SKU"))?;
        self.sku_changed(&[&before]).await;
        match removal {
            SkuRemoval::Deleted => {
                self.audit(actor, AuditAction::Delete, "sku", id, diff(Some(&before), None)).await;
                for path in pictures {
                    self.discard(&path).await;
                }
                Ok(None)
            }
            SkuRemoval::Unlaunched => {
                let after = self.sku(id).await?;
                let changes = diff(Some(&before), Some(&after));
                self.audit(actor, AuditAction::Update, "sku", id, changes).await;
                Ok(Some(after))
            }
        }
    }

    pub async fn sku_names(&self) -> Result<Vec<NamedRef>, AdminError> {
        Ok(self.ports.editor.sku_names().await?)
    }

    pub async fn third_level_categories(&self) -> Result<Vec<NamedRef>, AdminError> {
        Ok(self.ports.editor.third_level_categories().await?)
    }

    pub async fn categories_under(&self, parent: Option<u64>) -> Result<Vec<NamedRef>, AdminError> {
        Ok(self.ports.editor.categories_under(parent).await?)
    }

    // SPUs.

    pub async fn spus(
        &self,
        keyword: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<SpuRecord>, AdminError> {
        let keyword = keyword.map(str::trim).filter(|k| !k.is_empty());
        Ok(self.ports.editor.spus(keyword, page.offset(), page.page_size).await?)
    }

    pub async fn spu(&self, id: u64) -> Result<SpuRecord, AdminError> {
        self.ports.editor.spu(id).await?.ok_or(AdminError::NotFound("SPU"))
    }

    async fn checked_spu(&self, form: SpuForm) -> Result<SpuForm, AdminError> {
        let name = text("name", &form.name, 50, true)?;
        let desc_detail = text("desc_detail", &form.desc_detail, 10_000, false)?;
        let desc_pack = text("desc_pack", &form.desc_pack, 10_000, false)?;
        let desc_service = text("desc_service", &form.desc_service, 10_000, false)?;
        let [c1, c2, c3] = form.category_ids;
        let levels = [
            ("category1_id", None, c1),
            ("category2_id", Some(c1), c2),
            ("category3_id", Some(c2), c3),
        ];
        for (field, parent, id) in levels {
            let under = self.ports.editor.categories_under(parent).await?;
            if !under.iter().any(|c| c.id == id) {
                let place = match parent {
                    None => "a first-level category".to_owned(),
                    Some(parent) => format!("a category under {parent}"),
                };
                return Err(invalid(field, format!("{id} is not {place}")));
            }
        }
        Ok(SpuForm { name, desc_detail, desc_pack, desc_service, ..form })
    }

    pub async fn create_spu(
        &self,
        actor: &StaffMember,
        form: SpuForm,
    ) -> Result<SpuRecord, AdminError> {
        let form = self.checked_spu(form).await?;
        self.save(actor, None, || self.ports.editor.save_spu(None, &form)).await
    }

    pub async fn update_spu(
        &self,
        actor: &StaffMember,
        id: u64,
        form: SpuForm,
    ) -> Result<SpuRecord, AdminError> {
        let before = self.spu(id).await?;
        let form = self.checked_spu(form).await?;
        self.save(actor, Some(before), || self.ports.editor.save_spu(Some(id), &form)).await
    }

    pub async fn delete_spu(&self, actor: &StaffMember, id: u64) -> Result<(), AdminError> {
        let before = self.spu(id).await?;
        self.remove(actor, before, || self.ports.editor.delete_spu(id)).await
    }

    pub async fn spu_names(&self) -> Result<Vec<NamedRef>, AdminError> {
        Ok(self.ports.editor.spu_names().await?)
    }

    pub async fn spu_specs(&self, spu: u64) -> Result<Vec<SpecRecord>, AdminError> {
        self.spu(spu).await?;
        Ok(self.ports.editor.spu_specs(spu).await?)
    }

    // Brands.

    pub async fn brands(&self, page: Option<PageRequest>) -> Result<Page<BrandRecord>, AdminError> {
        let (offset, limit) = window(page);
        Ok(self.ports.editor.brands(offset, limit).await?)
    }

    pub async fn brand(&self, id: u64) -> Result<BrandRecord, AdminError> {
        self.ports.editor.brand(id).await?.ok_or(AdminError::NotFound("brand"))
    }

    /// Creates (`id` `None`) or changes a brand, audited.
    pub async fn save_brand(
        &self,
        actor: &StaffMember,
        id: Option<u64>,
        brand: BrandRecord,
    ) -> Result<BrandRecord, AdminError> {
        let name = text("name", &brand.name, 20, true)?;
        let first_letter = brand.first_letter.trim().to_ascii_uppercase();
        if first_letter.len() != 1 || !first_letter.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(invalid("first_letter", "one letter from A to Z"));
        }
        let logo = text("logo", &brand.logo, 100, false)?;
        let brand = BrandRecord { id: 0, name, logo, first_letter };
        let before = match id {
            Some(id) => Some(self.brand(id).await?),
            None => None,
        };
        self.save(actor, before, || self.ports.editor.save_brand(id, &brand)).await
    }

    pub async fn delete_brand(&self, actor: &StaffMember, id: u64) -> Result<(), AdminError> {
        let before = self.brand(id).await?;
        self.remove(actor, before, || self.ports.editor.delete_brand(id)).await
    }

    // Specifications and options.

    pub async fn specs(&self, page: Option<PageRequest>) -> Result<Page<SpecRecord>, AdminError> {
        let (offset, limit) = window(page);
        Ok(self.ports.editor.specs(offset, limit).await?)
    }

    pub async fn spec(&self, id: u64) -> Result<SpecRecord, AdminError> {
        self.ports.editor.spec(id).await?.ok_or(AdminError::NotFound("specification"))
    }

    /// Creates (`id` `None`) or changes a specification, audited.
    pub async fn save_spec(
        &self,
        actor: &StaffMember,
        id: Option<u64>,
        name: &str,
        spu: u64,
    ) -> Result<SpecRecord, AdminError> {
        let name = text("name", name, 20, true)?;
        let before = match id {
            Some(id) => Some(self.spec(id).await?),
            None => None,
        };
        self.save(actor, before, || self.ports.editor.save_spec(id, &name, spu)).await
    }

    pub async fn delete_spec(&self, actor: &StaffMember, id: u64) -> Result<(), AdminError> {
        let before = self.spec(id).await?;
        self.remove(actor, before, || self.ports.editor.delete_spec(id)).await
    }

    pub async fn options(
        &self,
        page: Option<PageRequest>,
    ) -> Result<Page<OptionRecord>, AdminError> {
        let (offset, limit) = window(page);
        Ok(self.ports.editor.options(offset, limit).await?)
    }

    pub async fn option(&self, id: u64) -> Result<OptionRecord, AdminError> {
        self.ports.editor.option(id).await?.ok_or(AdminError::NotFound("option"))
    }

    /// Creates (`id` `None`) or changes an option, audited.
    pub async fn save_option(
        &self,
        actor: &StaffMember,
        id: Option<u64>,
        value: &str,
        spec: u64,
    ) -> Result<OptionRecord, AdminError> {
        let value = text("value", value, 20, true)?;
        let before = match id {
            Some(id) => Some(self.option(id).await?),
            None => None,
        };
        self.save(actor, before, || self.ports.editor.save_option(id, &value, spec)).await
    }

    pub async fn delete_option(&self, actor: &StaffMember, id: u64) -> Result<(), AdminError> {
        let before = self.option(id).await?;
        self.remove(actor, before, || self.ports.editor.delete_option(id)).await
    }

    // Channels.

    pub async fn channels(
        &self,
        page: Option<PageRequest>,
    ) -> Result<Page<ChannelRecord>, AdminError> {
        let (offset, limit) = window(page);
        Ok(self.ports.editor.channels(offset, limit).await?)
    }

    pub async fn channel(&self, id: u64) -> Result<ChannelRecord, AdminError> {
        self.ports.editor.channel(id).await?.ok_or(AdminError::NotFound("channel"))
    }

    /// Creates (`id` `None`) or changes a channel, audited; the menu is rebuilt.
    pub async fn save_channel(
        &self,
        actor: &StaffMember,
        id: Option<u64>,
        form: ChannelForm,
    ) -> Result<ChannelRecord, AdminError> {
        let url = text("url", &form.url, 50, true)?;
        if url.chars().any(char::is_whitespace)
            || !(url.starts_with("http://") || url.starts_with("https://") || url.starts_with('/'))
        {
            return Err(invalid("url", "an http(s) URL or a path"));
        }
        if form.sequence > 10_000 {
            return Err(invalid("sequence", "from 0 to 10000"));
        }
        let first_level = self.ports.editor.categories_under(None).await?;
        if !first_level.iter().any(|c| c.id == form.category_id) {
            return Err(invalid(
                "category_id",
                format!("{} is not a first-level category", form.category_id),
            ));
        }
        let before = match id {
            Some(id) => Some(self.channel(id).await?),
            None => None,
        };
        let form = ChannelForm { url, ..form };
        let record = self.save(actor, before, || self.ports.editor.save_channel(id, &form)).await?;
        self.ports.changes.menu_changed().await;
        Ok(record)
    }

    pub async fn delete_channel(&self, actor: &StaffMember, id: u64) -> Result<(), AdminError> {
        let before = self.channel(id).await?;
        self.remove(actor, before, || self.ports.editor.delete_channel(id)).await?;
        self.ports.changes.menu_changed().await;
        Ok(())
    }

    pub async fn channel_groups(&self) -> Result<Vec<NamedRef>, AdminError> {
        Ok(self.ports.editor.channel_groups().await?)
    }

    // Pictures.

    pub async fn images(
        &self,
        page: Option<PageRequest>,
    ) -> Result<Page<SkuImageRecord>, AdminError> {
        let (offset, limit) = window(page);
        Ok(self.ports.editor.images(offset, limit).await?)
    }

    pub async fn image(&self, id: u64) -> Result<SkuImageRecord, AdminError> {
        self.ports.editor.image(id).await?.ok_or(AdminError::NotFound("picture"))
    }

    /// Checks an upload and stores its file under a generated name.
    async fn store_picture(&self, sku: u64, bytes: Vec<u8>) -> Result<String, AdminError> {
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(AdminError::ImageTooLarge(MAX_IMAGE_BYTES));
        }
        let (extension, content_type) = image_format(&bytes)?;
        let path = picture_path(sku, extension);
        self.ports.images.put(&path, bytes, content_type).await?;
        Ok(path)
    }

    /// Removes a file no row points at any more; a failure leaves an orphan, logged.
    async fn discard(&self, path: &str) {
        if let Err(error) = self.ports.images.delete(path).await {
            tracing::warn!(path, %error, "a picture's file could not be removed; it is orphaned");
        }
    }

    /// Adds a picture to a SKU (its default when it has none), audited.
    pub async fn add_image(
        &self,
        actor: &StaffMember,
        sku: u64,
        bytes: Vec<u8>,
    ) -> Result<SkuImageRecord, AdminError> {
        let owner = self.ports.editor.sku(sku).await?.ok_or(AdminError::UnknownReference {
            field: "sku",
            what: "SKU",
            id: sku,
        })?;
        let path = self.store_picture(sku, bytes).await?;
        let record = match retried(|| self.ports.editor.add_image(sku, &path)).await {
            Ok(record) => record,
            Err(error) => {
                self.discard(&path).await;
                return Err(error.into());
            }
        };
        self.audit(actor, AuditAction::Create, "skuimage", record.id, diff(None, Some(&record)))
            .await;
        self.sku_changed(&[&owner]).await;
        Ok(record)
    }

    /// Replaces a picture's file (and moves it to `sku`), audited; the old file is removed.
    pub async fn replace_image(
        &self,
        actor: &StaffMember,
        id: u64,
        sku: u64,
        bytes: Vec<u8>,
    ) -> Result<SkuImageRecord, AdminError> {
        self.image(id).await?;
        let owner = self.ports.editor.sku(sku).await?.ok_or(AdminError::UnknownReference {
            field: "sku",
            what: "SKU",
            id: sku,
        })?;
        let path = self.store_picture(sku, bytes).await?;
        let before = match retried(|| self.ports.editor.replace_image(id, sku, &path)).await {
            Ok(Some(before)) => before,
            Ok(None) => {
                self.discard(&path).await;
                return Err(AdminError::NotFound("picture"));
            }
            Err(error) => {
                self.discard(&path).await;
                return Err(error.into());
            }
        };
        let after = SkuImageRecord { id, sku, image: path };
        self.audit(actor, AuditAction::Update, "skuimage", id, diff(Some(&before), Some(&after)))
            .await;
        self.discard(&before.image).await;
        let previous = self.ports.editor.sku(before.sku).await?;
        let mut changed = vec![&owner];
        changed.extend(previous.as_ref());
        self.sku_changed(&changed).await;
        Ok(after)
    }

    /// Deletes a picture and its file, audited.
    pub async fn delete_image(&self, actor: &StaffMember, id: u64) -> Result<(), AdminError> {
        let record = retried(|| self.ports.editor.delete_image(id))
            .await?
            .ok_or(AdminError::NotFound("picture"))?;
        self.audit(actor, AuditAction::Delete, "skuimage", id, diff(Some(&record), None)).await;
        self.discard(&record.image).await;
        if let Some(owner) = self.ports.editor.sku(record.sku).await? {
            self.sku_changed(&[&owner]).await;
        }
        Ok(())
    }

    /// A stored picture's bytes, for serving them (`None` when there is no such file).
    pub async fn picture(&self, path: &str) -> Result<Option<Vec<u8>>, AdminError> {
        Ok(self.ports.images.get(path).await?)
    }
}

fn price_or_zero(field: &'static str, value: Money) -> Result<Money, AdminError> {
    price(field, value, Money::ZERO)
}
