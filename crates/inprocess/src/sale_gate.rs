//! The flash-sale gate in this process's memory: for the embedded default (one process).
//! Several replicas need a gate they share (Redis): with one of these each, every replica lets
//! as many orders through as there are units, and the database refuses the surplus.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use meiduo_domain::SkuId;
use meiduo_domain::ports::{GateTake, SaleGate, StoreError};

/// Units left by gated SKU.
#[derive(Debug, Default)]
pub struct MemorySaleGate(Mutex<BTreeMap<SkuId, u32>>);

impl MemorySaleGate {
    fn gates(&self) -> std::sync::MutexGuard<'_, BTreeMap<SkuId, u32>> {
        // Every change below is one statement: a panicking holder left the map consistent.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl SaleGate for MemorySaleGate {
    async fn take(&self, lines: &[(SkuId, u32)]) -> Result<GateTake, StoreError> {
        let mut gates = self.gates();
        for (sku, count) in lines {
            if gates.get(sku).is_some_and(|left| left < count) {
                return Ok(GateTake::SoldOut(*sku));
            }
        }
        for (sku, count) in lines {
            if let Some(left) = gates.get_mut(sku) {
                *left -= count;
            }
        }
        Ok(GateTake::Taken)
    }

    async fn give_back(&self, lines: &[(SkuId, u32)]) -> Result<(), StoreError> {
        let mut gates = self.gates();
        for (sku, count) in lines {
            if let Some(left) = gates.get_mut(sku) {
                *left = left.saturating_add(*count);
            }
        }
        Ok(())
    }

    async fn open(&self, sku: SkuId, units: u32) -> Result<(), StoreError> {
        self.gates().insert(sku, units);
        Ok(())
    }

    async fn restore(&self, sku: SkuId, units: u32) -> Result<bool, StoreError> {
        let mut gates = self.gates();
        match gates.get(&sku) {
            Some(&left) if left > 0 || units == 0 => Ok(false),
            _ => {
                gates.insert(sku, units);
                Ok(true)
            }
        }
    }

    async fn close(&self, sku: SkuId) -> Result<(), StoreError> {
        self.gates().remove(&sku);
        Ok(())
    }

    async fn gated(&self) -> Result<Vec<SkuId>, StoreError> {
        Ok(self.gates().keys().copied().collect())
    }

    async fn units(&self, sku: SkuId) -> Result<Option<u32>, StoreError> {
        Ok(self.gates().get(&sku).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn takes_all_lines_or_none_and_lets_ungated_skus_pass() {
        let gate = MemorySaleGate::default();
        gate.open(SkuId(1), 3).await.unwrap();
        assert_eq!(gate.take(&[(SkuId(1), 2), (SkuId(9), 50)]).await.unwrap(), GateTake::Taken);
        assert_eq!(gate.units(SkuId(1)).await.unwrap(), Some(1));
        assert_eq!(gate.units(SkuId(9)).await.unwrap(), None, "no gate is made by an order");
        gate.open(SkuId(2), 5).await.unwrap();
        assert_eq!(
            gate.take(&[(SkuId(2), 1), (SkuId(1), 2)]).await.unwrap(),
            GateTake::SoldOut(SkuId(1))
        );
        assert_eq!(gate.units(SkuId(2)).await.unwrap(), Some(5), "nothing taken");
        gate.give_back(&[(SkuId(1), 2), (SkuId(9), 1)]).await.unwrap();
        assert_eq!(gate.units(SkuId(1)).await.unwrap(), Some(3));
        assert_eq!(gate.units(SkuId(9)).await.unwrap(), None);
    }

    #[tokio::test]
    async fn restores_a_lost_or_empty_gate_and_leaves_a_counting_one() {
        let gate = MemorySaleGate::default();
        assert!(gate.restore(SkuId(1), 4).await.unwrap(), "lost: restored");
        assert!(!gate.restore(SkuId(1), 9).await.unwrap(), "counting: left alone");
        assert_eq!(gate.units(SkuId(1)).await.unwrap(), Some(4));
        assert_eq!(gate.take(&[(SkuId(1), 4)]).await.unwrap(), GateTake::Taken);
        assert!(!gate.restore(SkuId(1), 0).await.unwrap(), "empty in both");
        assert!(gate.restore(SkuId(1), 2).await.unwrap(), "empty, the database has units");
        assert_eq!(gate.units(SkuId(1)).await.unwrap(), Some(2));
        gate.close(SkuId(1)).await.unwrap();
        assert_eq!(gate.gated().await.unwrap(), Vec::<SkuId>::new());
    }
}
