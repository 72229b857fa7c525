//! The catalog: products (SPU) and their purchasable variants (SKU).

use serde::{Deserialize, Serialize};

use crate::{CategoryId, Money, SkuId, SpuId};

/// A stock-keeping unit: one variant of a product that can be put in a cart and ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// A category, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
}

/// A second-level category with its third-level children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryNode {
    pub id: CategoryId,
    pub name: String,
    pub sub_cats: Vec<Category>,
}

/// A first-level category shown in the channel menu, with its link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelEntry {
    pub id: CategoryId,
    pub name: String,
    pub url: String,
}

/// One group of the home page's category menu: its channels (first level), and their second and
/// third levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelGroupMenu {
    pub group_id: u64,
    pub channels: Vec<ChannelEntry>,
    pub sub_cats: Vec<CategoryNode>,
}

/// The first level of a breadcrumb: the channel's link and category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelLink {
    pub url: String,
    pub category: Category,
}

/// Where a category sits: its first, second and third levels (those above and including it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Breadcrumb {
    pub cat1: Option<ChannelLink>,
    pub cat2: Option<Category>,
    pub cat3: Option<Category>,
}

/// The order of a category's SKU list: the original's `ordering` fields `create_time`, `price`
/// and `sales`, each ascending or descending (`-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkuOrdering {
    /// Newest first (`-create_time`, the default).
    Newest,
    /// Oldest first (`create_time`).
    Oldest,
    /// Cheapest first (`price`).
    PriceAscending,
    /// Dearest first (`-price`).
    PriceDescending,
    /// Best sellers first (`-sales`).
    BestSelling,
    /// Least sold first (`sales`).
    LeastSelling,
}

impl SkuOrdering {
    /// One ordering term, e.g. `-price`.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "-create_time" => Some(SkuOrdering::Newest),
            "create_time" => Some(SkuOrdering::Oldest),
            "price" => Some(SkuOrdering::PriceAscending),
            "-price" => Some(SkuOrdering::PriceDescending),
            "-sales" => Some(SkuOrdering::BestSelling),
            "sales" => Some(SkuOrdering::LeastSelling),
            _ => None,
        }
    }

    /// The ordering a client asked for, read as DRF's `OrderingFilter` reads it: the first term
    /// of a comma-separated list that names a known field; unknown terms are ignored, and with
    /// none left the list is newest first.
    pub fn from_query(value: Option<&str>) -> Self {
        value
            .and_then(|terms| terms.split(',').find_map(SkuOrdering::parse))
            .unwrap_or(SkuOrdering::Newest)
    }
}

/// A SKU in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuSummary {
    pub id: SkuId,
    pub name: String,
    pub price: Money,
    pub default_image: Option<String>,
    pub comments: u32,
}

/// One page of a list, and how many items the whole list has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub count: u64,
    pub items: Vec<T>,
}

/// A product's description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpuDetail {
    pub id: SpuId,
    pub name: String,
    pub desc_detail: String,
    pub desc_pack: String,
    pub desc_service: String,
}

/// A specification (颜色, 内存, ...) and its options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Specification {
    pub id: u64,
    pub name: String,
    /// (option id, value), in id order.
    pub options: Vec<(u64, String)>,
}

/// Everything the detail page of a SKU is made of, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuDetailData {
    pub sku: Sku,
    pub market_price: Money,
    pub comments: u32,
    pub spu: SpuDetail,
    pub images: Vec<String>,
    /// The SPU's specifications, in id order.
    pub specs: Vec<Specification>,
    /// Every SKU of the SPU with its option per specification: (SKU, [(spec id, option id)]).
    pub variants: Vec<(SkuId, Vec<(u64, u64)>)>,
}

/// An option of a specification on the detail page, with the SKU a click on it leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionView {
    pub id: u64,
    pub value: String,
    /// The SKU with this option and the current SKU's other options; `None` when none exists.
    pub sku_id: Option<SkuId>,
    /// Whether the current SKU has this option.
    pub selected: bool,
}

/// A specification on the detail page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecView {
    pub id: u64,
    pub name: String,
    pub options: Vec<OptionView>,
}

impl SkuDetailData {
    /// The specifications with, for every option, the variant it switches to: the original's
    /// spec→SKU map of the detail page.
    pub fn spec_views(&self) -> Vec<SpecView> {
        let own: Vec<(u64, u64)> = self
            .variants
            .iter()
            .find(|(id, _)| *id == self.sku.id)
            .map(|(_, options)| options.clone())
            .unwrap_or_default();
        let option_of = |options: &[(u64, u64)], spec: u64| {
            options.iter().find(|(s, _)| *s == spec).map(|(_, o)| *o)
        };
        self.specs
            .iter()
            .map(|spec| SpecView {
                id: spec.id,
                name: spec.name.clone(),
                options: spec
                    .options
                    .iter()
                    .map(|(option, value)| {
                        // The wanted combination: ours, with this spec set to this option.
                        let wanted: Vec<(u64, u64)> = self
                            .specs
                            .iter()
                            .map(|s| {
                                if s.id == spec.id {
                                    (s.id, *option)
                                } else {
                                    (s.id, option_of(&own, s.id).unwrap_or(0))
                                }
                            })
                            .collect();
                        let sku_id = self
                            .variants
                            .iter()
                            .find(|(_, options)| {
                                wanted.iter().all(|(s, o)| option_of(options, *s) == Some(*o))
                            })
                            .map(|(id, _)| *id);
                        OptionView {
                            id: *option,
                            value: value.clone(),
                            sku_id,
                            selected: option_of(&own, spec.id) == Some(*option),
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

/// A buyer's comment on a SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkuComment {
    pub username: String,
    pub comment: String,
    pub score: u8,
    pub is_anonymous: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku(id: u64) -> Sku {
        Sku {
            id: SkuId(id),
            spu_id: SpuId(1),
            category_id: CategoryId(1),
            name: String::new(),
            caption: String::new(),
            price: Money::ZERO,
            stock: 1,
            sales: 0,
            is_launched: true,
            default_image: None,
        }
    }

    #[test]
    fn each_option_leads_to_the_variant_that_differs_only_there() {
        // Colour 1 (gold) / 2 (grey); memory 3 (64GB) / 4 (256GB). No grey 256GB.
        let data = SkuDetailData {
            sku: sku(10),
            market_price: Money::ZERO,
            comments: 0,
            spu: SpuDetail {
                id: SpuId(1),
                name: String::new(),
                desc_detail: String::new(),
                desc_pack: String::new(),
                desc_service: String::new(),
            },
            images: vec![],
            specs: vec![
                Specification {
                    id: 1,
                    name: "颜色".into(),
                    options: vec![(1, "金".into()), (2, "灰".into())],
                },
                Specification {
                    id: 2,
                    name: "内存".into(),
                    options: vec![(3, "64".into()), (4, "256".into())],
                },
            ],
            variants: vec![
                (SkuId(10), vec![(1, 1), (2, 3)]),
                (SkuId(11), vec![(1, 1), (2, 4)]),
                (SkuId(12), vec![(1, 2), (2, 3)]),
            ],
        };
        let views = data.spec_views();
        let colour: Vec<_> = views[0].options.iter().map(|o| (o.sku_id, o.selected)).collect();
        assert_eq!(colour, vec![(Some(SkuId(10)), true), (Some(SkuId(12)), false)]);
        let memory: Vec<_> = views[1].options.iter().map(|o| (o.sku_id, o.selected)).collect();
        assert_eq!(memory, vec![(Some(SkuId(10)), true), (Some(SkuId(11)), false)]);
    }

    #[test]
    fn orderings_are_the_originals() {
        assert_eq!(SkuOrdering::parse("-create_time"), Some(SkuOrdering::Newest));
        assert_eq!(SkuOrdering::parse("price"), Some(SkuOrdering::PriceAscending));
        assert_eq!(SkuOrdering::parse("-price"), Some(SkuOrdering::PriceDescending));
        assert_eq!(SkuOrdering::parse("-sales"), Some(SkuOrdering::BestSelling));
        assert_eq!(SkuOrdering::parse("sales; DROP TABLE"), None);
    }
}
