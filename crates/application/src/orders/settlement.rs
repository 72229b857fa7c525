//! Settlement: what the order of the selected cart lines would be (the original's
//! `GET /orders/settlement/`).

use std::sync::Arc;

use meiduo_domain::ports::{CartStore, SkuCatalog, StoreError};
use meiduo_domain::{Money, Quantity, SkuId, UserId};

use crate::errors::ServiceFailure;

/// One selected line, priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementLine {
    pub sku_id: SkuId,
    pub name: String,
    pub default_image: Option<String>,
    pub price: Money,
    pub count: Quantity,
    pub amount: Money,
}

/// The would-be order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementView {
    pub freight: Money,
    /// In SKU-id order.
    pub lines: Vec<SettlementLine>,
    pub total_count: u32,
    pub goods_amount: Money,
    /// Goods plus freight.
    pub total_amount: Money,
}

/// Why the settlement cannot be shown.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettlementError {
    /// Selected SKUs that do not exist or are not on sale: the buyer must untick them first.
    #[error("these SKUs are not on sale: {0:?}")]
    SkusUnavailable(Vec<SkuId>),
    #[error(transparent)]
    Failure(#[from] ServiceFailure),
}

impl From<StoreError> for SettlementError {
    fn from(value: StoreError) -> Self {
        SettlementError::Failure(value.into())
    }
}

/// The settlement use case.
pub struct Settlement {
    carts: Arc<dyn CartStore>,
    catalog: Arc<dyn SkuCatalog>,
    freight: Money,
}

impl std::fmt::Debug for Settlement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settlement").field("freight", &self.freight).finish_non_exhaustive()
    }
}

impl Settlement {
    pub fn new(carts: Arc<dyn CartStore>, catalog: Arc<dyn SkuCatalog>, freight: Money) -> Self {
        Settlement { carts, catalog, freight }
    }

    /// Prices the user's selected lines at today's prices. An empty selection gives an empty
    /// settlement (freight still shown, as the original does).
    #[tracing::instrument(name = "settlement.execute", skip_all, fields(user_id = %user))]
    pub async fn execute(&self, user: UserId) -> Result<SettlementView, SettlementError> {
        let selected = self.carts.load(user).await?.selected();
        let ids: Vec<SkuId> = selected.iter().map(|line| line.sku_id).collect();
        let skus = if ids.is_empty() { Vec::new() } else { self.catalog.find_skus(&ids).await? };

        let mut lines = Vec::with_capacity(selected.len());
        let mut unavailable = Vec::new();
        for line in &selected {
            match skus.iter().find(|sku| sku.id == line.sku_id) {
                Some(sku) if sku.is_launched => lines.push(SettlementLine {
                    sku_id: sku.id,
                    name: sku.name.clone(),
                    default_image: sku.default_image.clone(),
                    price: sku.price,
                    count: line.count,
                    amount: sku.price.times(line.count),
                }),
                _ => unavailable.push(line.sku_id),
            }
        }
        if !unavailable.is_empty() {
            return Err(SettlementError::SkusUnavailable(unavailable));
        }
        let goods_amount: Money = lines.iter().map(|line| line.amount).sum();
        Ok(SettlementView {
            freight: self.freight,
            total_count: lines.iter().map(|line| line.count.get()).sum(),
            goods_amount,
            total_amount: goods_amount + self.freight,
            lines,
        })
    }
}
