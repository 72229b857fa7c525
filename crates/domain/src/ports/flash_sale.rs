//! Flash sales: SKUs whose units are first taken from a fast counter (the gate), so that of a
//! crowd ordering one hot SKU only as many shoppers as there are units reach the database.

use async_trait::async_trait;

use super::StoreError;
use crate::SkuId;

/// What [`SaleGate::take`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateTake {
    /// Every gated SKU of the order had the units, and they were taken (SKUs without a gate
    /// pass as they are).
    Taken,
    /// This SKU's gate has fewer units than the order's line (it has `left`): nothing was
    /// taken.
    SoldOut { sku: SkuId, left: u32 },
}

/// The counters of the SKUs on flash sale. The gate only turns shoppers away early: the order's
/// transaction stays the guard of the stock, so a gate that counts too many units lets a few
/// orders reach the database that it refuses, and one that counts too few (a process that took
/// units and crashed) under-sells until the reconciliation with the database ([`restore`],
/// from [`FlashSales::marked`]) gives them back.
///
/// [`restore`]: SaleGate::restore
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SaleGate: Send + Sync {
    /// Takes each line's units from its SKU's gate, all or none, in one atomic step. Lines of
    /// SKUs without a gate are not counted.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the gate cannot be reached (nothing was taken).
    async fn take(&self, lines: &[(SkuId, u32)]) -> Result<GateTake, StoreError>;

    /// Puts units taken by an order that was not placed back into the gates that still exist.
    ///
    /// # Errors
    /// As [`take`](Self::take).
    async fn give_back(&self, lines: &[(SkuId, u32)]) -> Result<(), StoreError>;

    /// Opens the SKU's gate with `units`, or sets an open gate's count to `units`.
    ///
    /// # Errors
    /// As [`take`](Self::take).
    async fn open(&self, sku: SkuId, units: u32) -> Result<(), StoreError>;

    /// Sets the gate's count to `units` where it has no gate (lost with the store's memory) or
    /// one that is empty while the database still has units (taken by orders that did not
    /// complete, or given back by cancelled orders). Returns whether it changed the gate.
    ///
    /// # Errors
    /// As [`take`](Self::take).
    async fn restore(&self, sku: SkuId, units: u32) -> Result<bool, StoreError>;

    /// Removes the SKU's gate: its orders go straight to the database again.
    ///
    /// # Errors
    /// As [`take`](Self::take).
    async fn close(&self, sku: SkuId) -> Result<(), StoreError>;

    /// The SKUs that have a gate, by id.
    ///
    /// # Errors
    /// As [`take`](Self::take).
    async fn gated(&self) -> Result<Vec<SkuId>, StoreError>;

    /// The units the SKU's gate holds, or `None` without a gate.
    ///
    /// # Errors
    /// As [`take`](Self::take).
    async fn units(&self, sku: SkuId) -> Result<Option<u32>, StoreError>;

    /// Whether this process knows the SKU's gate to be empty right now, without asking the
    /// gate: `false` (the default) when it does not know. A gate shared with other processes
    /// may have had units given back there since, for as long as [`take`](Self::take) itself
    /// answers from this memory.
    fn known_sold_out(&self, _sku: SkuId) -> bool {
        false
    }
}

/// A SKU on flash sale as the database records it, with its stock there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashSaleSku {
    pub sku: SkuId,
    pub stock: u32,
}

/// The SKUs operators put on flash sale, kept in the database so that every replica, and a
/// restarted one, knows them.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait FlashSales: Send + Sync {
    /// Records the SKU as on sale; returns its stock, or `None` for an unknown SKU.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn mark(&self, sku: SkuId) -> Result<Option<FlashSaleSku>, StoreError>;

    /// Ends the SKU's sale; returns whether it was on sale.
    ///
    /// # Errors
    /// As [`mark`](Self::mark).
    async fn unmark(&self, sku: SkuId) -> Result<bool, StoreError>;

    /// The SKUs on sale, by id, with their stock.
    ///
    /// # Errors
    /// As [`mark`](Self::mark).
    async fn marked(&self) -> Result<Vec<FlashSaleSku>, StoreError>;
}
