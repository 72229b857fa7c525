//! The catalog as operators edit it: SKUs with their specification options and pictures, SPUs,
//! brands, specifications and their options, channels. Records carry the names of what they
//! reference, as the course's admin front end shows them.

use serde::Serialize;

use crate::Money;

/// Anything listed by id and name (the admin's `simple/` lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedRef {
    pub id: u64,
    pub name: String,
}

/// One specification of a SKU, and the option it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SkuSpecChoice {
    pub spec_id: u64,
    pub option_id: u64,
}

/// A SKU as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkuRecord {
    pub id: u64,
    pub name: String,
    pub caption: String,
    pub spu_id: u64,
    /// The SPU's name.
    pub spu: String,
    pub category_id: u64,
    /// The category's name.
    pub category: String,
    pub price: Money,
    pub cost_price: Money,
    pub market_price: Money,
    pub stock: u32,
    pub sales: u32,
    pub comments: u32,
    pub is_launched: bool,
    /// Path of the default picture, relative to the image host.
    pub default_image: Option<String>,
    /// Its options, by specification.
    pub specs: Vec<SkuSpecChoice>,
}

/// A SKU as an operator writes it. The stock is the target, applied as a difference: to
/// `stock_was` (the stock the operator's form showed) when given, else to the stock read when
/// the write runs; so units sold meanwhile are never given back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuForm {
    pub name: String,
    pub caption: String,
    pub spu_id: u64,
    pub category_id: u64,
    pub price: Money,
    pub cost_price: Money,
    pub market_price: Money,
    pub stock: u32,
    /// The stock the change is relative to (ignored on creation).
    pub stock_was: Option<u32>,
    pub is_launched: bool,
    pub specs: Vec<SkuSpecChoice>,
}

/// What deleting a SKU did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkuRemoval {
    /// Nothing referenced it: it is gone, with its options and pictures' rows.
    Deleted,
    /// Orders reference it: it was taken off sale instead, and keeps its history.
    Unlaunched,
}

/// An SPU as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpuRecord {
    pub id: u64,
    pub name: String,
    pub brand_id: u64,
    /// The brand's name.
    pub brand: String,
    pub category1_id: u64,
    pub category2_id: u64,
    pub category3_id: u64,
    pub sales: u64,
    pub comments: u64,
    pub desc_detail: String,
    pub desc_pack: String,
    pub desc_service: String,
}

/// An SPU as an operator writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpuForm {
    pub name: String,
    pub brand_id: u64,
    /// First, second and third level.
    pub category_ids: [u64; 3],
    pub desc_detail: String,
    pub desc_pack: String,
    pub desc_service: String,
}

/// A brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrandRecord {
    pub id: u64,
    pub name: String,
    /// Path of the logo, relative to the image host (may be empty).
    pub logo: String,
    pub first_letter: String,
}

/// An option of a specification, by id and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionValue {
    pub id: u64,
    pub value: String,
}

/// A specification of an SPU (colour, memory, ...), with its options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecRecord {
    pub id: u64,
    pub name: String,
    pub spu_id: u64,
    /// The SPU's name.
    pub spu: String,
    pub options: Vec<OptionValue>,
}

/// An option of a specification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionRecord {
    pub id: u64,
    pub value: String,
    pub spec_id: u64,
    /// The specification's name.
    pub spec: String,
}

/// A channel of the home page's menu: a first-level category in a group, at a place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelRecord {
    pub id: u64,
    pub group_id: u64,
    /// The group's name.
    pub group: String,
    pub category_id: u64,
    /// The category's name.
    pub category: String,
    pub url: String,
    pub sequence: u32,
}

/// A channel as an operator writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelForm {
    pub group_id: u64,
    pub category_id: u64,
    pub url: String,
    pub sequence: u32,
}

/// A picture of a SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkuImageRecord {
    pub id: u64,
    pub sku: u64,
    /// Path of the picture, relative to the image host.
    pub image: String,
}
