//! The flash-sale gate in this process's memory: for the embedded default (one process).
//! Several replicas need a gate they share (Redis): with one of these each, every replica lets
//! as many orders through as there are units, and the database refuses the surplus.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
            if let Some(&left) = gates.get(sku).filter(|left| *left < count) {
                return Ok(GateTake::SoldOut { sku: *sku, left });
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

    fn known_sold_out(&self, sku: SkuId) -> bool {
        self.gates().get(&sku) == Some(&0)
    }
}

/// A shared gate (Redis) with this process's view of it, so that orders pay no round trip to it
/// that they do not need:
/// - which SKUs have a gate: learned from the gate's own list at each reconciliation round
///   ([`SaleGate::gated`]) and from the gates this process opens and closes. Orders of other SKUs
///   (nearly all orders) do not ask the gate at all; a sale opened by another replica is heeded
///   here from the next round on (meanwhile its orders go to the database, which guards the stock
///   anyway);
/// - which gates it found empty, for a moment: while a sale is sold out, the crowd that keeps
///   ordering is answered here. Units this process gives back (or a gate it sets) show at once;
///   units another replica gives back show here after at most the memory's length.
pub struct SharedGateView {
    inner: Arc<dyn SaleGate>,
    memory: Duration,
    /// The SKUs known to have a gate.
    gated: std::sync::RwLock<BTreeSet<SkuId>>,
    /// Gates found empty, until when that is believed.
    empty: Mutex<HashMap<SkuId, Instant>>,
}

impl std::fmt::Debug for SharedGateView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedGateView").field("memory", &self.memory).finish_non_exhaustive()
    }
}

impl SharedGateView {
    pub fn new(inner: Arc<dyn SaleGate>, memory: Duration) -> Self {
        SharedGateView { inner, memory, gated: Default::default(), empty: Mutex::default() }
    }

    /// The lines of SKUs known to have a gate.
    fn gated_lines(&self, lines: &[(SkuId, u32)]) -> Vec<(SkuId, u32)> {
        let gated = self.gated.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        lines.iter().filter(|(sku, _)| gated.contains(sku)).copied().collect()
    }

    fn know(&self, sku: SkuId, gated: bool) {
        let mut known = self.gated.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if gated {
            known.insert(sku);
        } else {
            known.remove(&sku);
        }
    }

    fn empty(&self) -> std::sync::MutexGuard<'_, HashMap<SkuId, Instant>> {
        // Inserts and removals only: a panicking holder left the map consistent.
        self.empty.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn forget(&self, skus: impl IntoIterator<Item = SkuId>) {
        let mut empty = self.empty();
        for sku in skus {
            empty.remove(&sku);
        }
    }
}

#[async_trait]
impl SaleGate for SharedGateView {
    async fn take(&self, lines: &[(SkuId, u32)]) -> Result<GateTake, StoreError> {
        let lines = &self.gated_lines(lines)[..];
        if lines.is_empty() {
            return Ok(GateTake::Taken);
        }
        let now = Instant::now();
        let remembered = {
            let mut empty = self.empty();
            lines.iter().filter(|(_, count)| *count > 0).find_map(|(sku, _)| {
                let until = empty.get_mut(sku)?;
                if *until > now {
                    return Some(*sku);
                }
                // Past its length: this caller asks the gate again, the others meanwhile still
                // answer from memory (a crowd does not all ask at once).
                *until = now + self.memory;
                None
            })
        };
        if let Some(sku) = remembered {
            return Ok(GateTake::SoldOut { sku, left: 0 });
        }
        let taken = self.inner.take(lines).await?;
        match taken {
            GateTake::SoldOut { sku, left: 0 } => {
                self.empty().insert(sku, Instant::now() + self.memory);
            }
            GateTake::SoldOut { sku, .. } => self.forget([sku]),
            GateTake::Taken => self.forget(lines.iter().map(|line| line.0)),
        }
        Ok(taken)
    }

    async fn give_back(&self, lines: &[(SkuId, u32)]) -> Result<(), StoreError> {
        let lines = self.gated_lines(lines);
        if lines.is_empty() {
            return Ok(());
        }
        self.forget(lines.iter().map(|line| line.0));
        self.inner.give_back(&lines).await
    }

    async fn open(&self, sku: SkuId, units: u32) -> Result<(), StoreError> {
        self.forget([sku]);
        self.inner.open(sku, units).await?;
        self.know(sku, true);
        Ok(())
    }

    async fn restore(&self, sku: SkuId, units: u32) -> Result<bool, StoreError> {
        self.forget([sku]);
        let restored = self.inner.restore(sku, units).await?;
        self.know(sku, true);
        Ok(restored)
    }

    async fn close(&self, sku: SkuId) -> Result<(), StoreError> {
        self.forget([sku]);
        self.know(sku, false);
        self.inner.close(sku).await
    }

    async fn gated(&self) -> Result<Vec<SkuId>, StoreError> {
        let gated = self.inner.gated().await?;
        *self.gated.write().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            gated.iter().copied().collect();
        Ok(gated)
    }

    async fn units(&self, sku: SkuId) -> Result<Option<u32>, StoreError> {
        self.inner.units(sku).await
    }

    /// While [`take`](SaleGate::take) would answer the SKU from this process's memory of its
    /// empty gate; past the memory's length, not (the next take asks the gate).
    fn known_sold_out(&self, sku: SkuId) -> bool {
        self.empty().get(&sku).is_some_and(|until| *until > Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meiduo_domain::ports::MockSaleGate;

    #[tokio::test]
    async fn an_empty_gate_is_remembered_for_a_moment_and_forgotten_when_units_come_back() {
        let mut inner = MockSaleGate::new();
        let mut calls = mockall::Sequence::new();
        // One unit left for an order of two: not empty, not remembered.
        inner
            .expect_take()
            .times(1)
            .in_sequence(&mut calls)
            .returning(|_| Ok(GateTake::SoldOut { sku: SkuId(1), left: 1 }));
        inner
            .expect_take()
            .times(1)
            .in_sequence(&mut calls)
            .returning(|_| Ok(GateTake::SoldOut { sku: SkuId(1), left: 0 }));
        inner.expect_give_back().times(1).in_sequence(&mut calls).returning(|_| Ok(()));
        inner.expect_take().times(1).in_sequence(&mut calls).returning(|_| Ok(GateTake::Taken));
        inner.expect_gated().returning(|| Ok(vec![SkuId(1)]));
        let gate = SharedGateView::new(Arc::new(inner), Duration::from_secs(60));
        gate.gated().await.unwrap();
        let sold_out = GateTake::SoldOut { sku: SkuId(1), left: 0 };

        assert_eq!(
            gate.take(&[(SkuId(1), 2)]).await.unwrap(),
            GateTake::SoldOut { sku: SkuId(1), left: 1 }
        );
        assert!(!gate.known_sold_out(SkuId(1)), "a unit is left");
        assert_eq!(gate.take(&[(SkuId(1), 1)]).await.unwrap(), sold_out);
        assert!(gate.known_sold_out(SkuId(1)));
        assert!(!gate.known_sold_out(SkuId(2)));
        // Answered from memory (the mock would refuse a third take here).
        assert_eq!(gate.take(&[(SkuId(2), 1), (SkuId(1), 1)]).await.unwrap(), sold_out);
        gate.give_back(&[(SkuId(1), 1)]).await.unwrap();
        assert!(!gate.known_sold_out(SkuId(1)), "units given back here show at once");
        assert_eq!(gate.take(&[(SkuId(1), 1)]).await.unwrap(), GateTake::Taken);
    }

    #[tokio::test]
    async fn past_its_length_one_caller_asks_again_and_learns_of_units_come_back() {
        let mut inner = MockSaleGate::new();
        let mut calls = mockall::Sequence::new();
        let empty = GateTake::SoldOut { sku: SkuId(1), left: 0 };
        inner.expect_take().times(1).in_sequence(&mut calls).returning(move |_| Ok(empty));
        inner.expect_take().times(1).in_sequence(&mut calls).returning(|_| Ok(GateTake::Taken));
        inner.expect_open().returning(|_, _| Ok(()));
        let gate = SharedGateView::new(Arc::new(inner), Duration::from_millis(20));
        gate.open(SkuId(1), 0).await.unwrap();
        assert_eq!(gate.take(&[(SkuId(1), 1)]).await.unwrap(), empty);
        assert_eq!(gate.take(&[(SkuId(1), 1)]).await.unwrap(), empty, "from memory");
        assert!(gate.known_sold_out(SkuId(1)));
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!gate.known_sold_out(SkuId(1)), "past its length");
        // Another replica gave units back: the caller that asks again takes one, and the memory
        // of the empty gate is gone.
        assert_eq!(gate.take(&[(SkuId(1), 1)]).await.unwrap(), GateTake::Taken);
        assert!(gate.empty().is_empty());
    }

    #[tokio::test]
    async fn orders_of_skus_without_a_known_gate_do_not_ask_the_shared_gate() {
        let mut inner = MockSaleGate::new();
        // Only the line of the SKU known to have a gate is asked about.
        inner
            .expect_take()
            .withf(|lines| lines == [(SkuId(2), 1)])
            .times(1)
            .returning(|_| Ok(GateTake::Taken));
        inner.expect_gated().times(1).returning(|| Ok(vec![SkuId(2)]));
        inner.expect_close().returning(|_| Ok(()));
        inner.expect_give_back().never();
        let gate = SharedGateView::new(Arc::new(inner), Duration::from_secs(60));
        // Nothing known yet (no round has run): no round trip.
        assert_eq!(gate.take(&[(SkuId(2), 1)]).await.unwrap(), GateTake::Taken);
        gate.give_back(&[(SkuId(1), 1)]).await.unwrap();
        assert_eq!(gate.gated().await.unwrap(), vec![SkuId(2)]);
        assert_eq!(gate.take(&[(SkuId(1), 3), (SkuId(2), 1)]).await.unwrap(), GateTake::Taken);
        gate.close(SkuId(2)).await.unwrap();
        assert_eq!(gate.take(&[(SkuId(2), 1)]).await.unwrap(), GateTake::Taken, "closed here");
        gate.give_back(&[(SkuId(2), 1)]).await.unwrap();
    }

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
            GateTake::SoldOut { sku: SkuId(1), left: 1 }
        );
        assert_eq!(gate.units(SkuId(2)).await.unwrap(), Some(5), "nothing taken");
        assert!(!gate.known_sold_out(SkuId(1)), "one unit is left");
        assert_eq!(gate.take(&[(SkuId(1), 1)]).await.unwrap(), GateTake::Taken);
        assert!(gate.known_sold_out(SkuId(1)));
        assert!(!gate.known_sold_out(SkuId(9)), "no gate: not sold out here");
        gate.give_back(&[(SkuId(1), 1)]).await.unwrap();
        assert!(!gate.known_sold_out(SkuId(1)));
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
