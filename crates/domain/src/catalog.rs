//! The catalog: products (SPU) and their purchasable variants (SKU).

use serde::Serialize;

use crate::{CategoryId, Money, SkuId, SpuId};

/// A stock-keeping unit: one variant of a product that can be put in a cart and ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sku {
    pub id: SkuId,
    pub spu_id: SpuId,
    pub category_id: CategoryId,
    pub name: String,
    pub caption: String,
    pub price: Money,
    /// Units that can still be sold. Never negative (the database guards it too).
    pub stock: u32,
    /// Units sold so far.
    pub sales: u32,
    /// Whether the SKU is on sale (上架). An unlaunched SKU cannot be added to a cart or ordered.
    pub is_launched: bool,
    /// Path of the default image, relative to the configured image host.
    pub default_image: Option<String>,
}

impl Sku {
    /// Whether `count` units can be taken from the current stock.
    pub fn covers(&self, count: crate::Quantity) -> bool {
        count.get() <= self.stock
    }
}

/// A standard product unit: what the SKUs of one product share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spu {
    pub id: SpuId,
    pub name: String,
    pub brand_id: u64,
    pub category_ids: [CategoryId; 3],
    /// Units of all its SKUs sold so far.
    pub sales: u64,
}
