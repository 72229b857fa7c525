//! Flash sales: an operator puts a SKU on sale, its stock is loaded into the gate, and each order
//! of it first takes its units there (see [`PlaceOrder`](crate::orders::PlaceOrder)), so that
//! only as many orders as there are units reach the database. The database records which SKUs
//! are on sale; every replica reconciles the gate with it, at start and then periodically.

use std::sync::Arc;

use meiduo_domain::ports::{AuditLog, Clock, FlashSales, SaleGate};
use meiduo_domain::{AuditAction, FieldChange, SkuId, StaffMember};

use crate::admin::record_audit;
use crate::errors::ServiceFailure;

/// A SKU on flash sale: its stock in the database and the units its gate holds (`None`: no gate
/// here yet, until the next reconciliation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaleState {
    pub sku: SkuId,
    pub stock: u32,
    pub gate: Option<u32>,
}

/// Why a flash-sale command did nothing.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FlashSaleError {
    #[error("no SKU has id {0}")]
    UnknownSku(SkuId),
    #[error("SKU {0} is not on flash sale")]
    NotOnSale(SkuId),
    #[error(transparent)]
    Failure(#[from] ServiceFailure),
}

impl From<meiduo_domain::ports::StoreError> for FlashSaleError {
    fn from(value: meiduo_domain::ports::StoreError) -> Self {
        FlashSaleError::Failure(value.into())
    }
}

/// What one reconciliation changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// Gates set from the database's stock.
    pub restored: Vec<SkuId>,
    /// Gates of SKUs no longer on sale, removed.
    pub closed: Vec<SkuId>,
}

/// The flash-sale commands and the gate's reconciliation.
pub struct FlashSale {
    sales: Arc<dyn FlashSales>,
    gate: Arc<dyn SaleGate>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    /// The SKUs whose gate the last periodic round found empty while the database had units,
    /// with the database's stock then.
    stranded: std::sync::Mutex<std::collections::HashMap<SkuId, u32>>,
}

impl std::fmt::Debug for FlashSale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlashSale").finish_non_exhaustive()
    }
}

/// The audit entry's field for a SKU put on sale or taken off.
fn sale_change(before: bool, after: bool) -> Vec<FieldChange> {
    vec![FieldChange {
        field: "flash_sale".to_owned(),
        before: Some(before.to_string()),
        after: Some(after.to_string()),
    }]
}

impl FlashSale {
    pub fn new(
        sales: Arc<dyn FlashSales>,
        gate: Arc<dyn SaleGate>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        FlashSale { sales, gate, audit, clock, stranded: Default::default() }
    }

    /// Puts the SKU on sale (again): its gate holds the database's stock from now on. `actor` is
    /// the staff member whose write is audited (`None`: the command line, which logs it).
    #[tracing::instrument(name = "flash_sale.open", skip_all, fields(sku_id = %sku))]
    pub async fn open(
        &self,
        actor: Option<&StaffMember>,
        sku: SkuId,
    ) -> Result<SaleState, FlashSaleError> {
        let marked = self.sales.mark(sku).await?.ok_or(FlashSaleError::UnknownSku(sku))?;
        self.gate.open(sku, marked.stock).await?;
        tracing::info!(sku_id = %sku, units = marked.stock, "flash sale opened");
        if let Some(actor) = actor {
            let (log, clock) = (self.audit.as_ref(), self.clock.as_ref());
            let changes = sale_change(false, true);
            record_audit(log, clock, actor, AuditAction::Update, "sku", &sku.to_string(), changes)
                .await;
        }
        Ok(SaleState { sku, stock: marked.stock, gate: Some(marked.stock) })
    }

    /// Ends the SKU's sale: its orders go straight to the database again.
    #[tracing::instrument(name = "flash_sale.close", skip_all, fields(sku_id = %sku))]
    pub async fn close(
        &self,
        actor: Option<&StaffMember>,
        sku: SkuId,
    ) -> Result<(), FlashSaleError> {
        let was_on_sale = self.sales.unmark(sku).await?;
        // The gate goes even when the database had no mark (a gate left by a lost race).
        self.gate.close(sku).await?;
        if !was_on_sale {
            return Err(FlashSaleError::NotOnSale(sku));
        }
        tracing::info!(sku_id = %sku, "flash sale closed");
        if let Some(actor) = actor {
            let (log, clock) = (self.audit.as_ref(), self.clock.as_ref());
            let changes = sale_change(true, false);
            record_audit(log, clock, actor, AuditAction::Update, "sku", &sku.to_string(), changes)
                .await;
        }
        Ok(())
    }

    fn stranded(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<SkuId, u32>> {
        // Replaced whole by each round: a panicking holder left it consistent.
        self.stranded.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The SKUs on sale, with their stock and gates.
    pub async fn list(&self) -> Result<Vec<SaleState>, FlashSaleError> {
        let mut states = Vec::new();
        for marked in self.sales.marked().await? {
            let gate = self.gate.units(marked.sku).await?;
            states.push(SaleState { sku: marked.sku, stock: marked.stock, gate });
        }
        Ok(states)
    }

    /// Brings the gates in line with the database. With `reset` (a process starting, after a
    /// crash or not) every gate is set to the database's stock: units taken by orders that
    /// died with a process come back. Without it (the periodic round) a gate that is gone (Redis
    /// restarted) is set again, and so is one found empty while the database had units in two
    /// rounds in a row with the same stock: orders still in flight would have changed it, so
    /// those units are stranded (orders that died, cancelled unpaid orders) and go back. A gate
    /// that counts is left alone, so that a sale in progress is not disturbed. Either way, gates
    /// of SKUs no longer on sale are removed.
    ///
    /// A gate set while orders that took units are still in flight counts a few units too many:
    /// those orders reach the database, which refuses what it does not have.
    pub async fn reconcile(&self, reset: bool) -> Result<Reconciled, FlashSaleError> {
        let marked = self.sales.marked().await?;
        let mut done = Reconciled::default();
        for sku in self.gate.gated().await? {
            if !marked.iter().any(|m| m.sku == sku) {
                self.gate.close(sku).await?;
                done.closed.push(sku);
            }
        }
        let mut stranded = std::collections::HashMap::new();
        for sale in &marked {
            let restore = if reset {
                self.gate.open(sale.sku, sale.stock).await?;
                false
            } else {
                match self.gate.units(sale.sku).await? {
                    None => true,
                    Some(0) if sale.stock > 0 => {
                        stranded.insert(sale.sku, sale.stock);
                        self.stranded().get(&sale.sku) == Some(&sale.stock)
                    }
                    Some(_) => false,
                }
            };
            if reset || (restore && self.gate.restore(sale.sku, sale.stock).await?) {
                stranded.remove(&sale.sku);
                done.restored.push(sale.sku);
            }
        }
        *self.stranded() = stranded;
        if !done.restored.is_empty() || !done.closed.is_empty() {
            tracing::info!(restored = ?done.restored, closed = ?done.closed, reset,
                "flash-sale gates reconciled with the database");
        }
        Ok(done)
    }
}
