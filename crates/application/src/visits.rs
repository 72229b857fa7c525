//! Visits of category lists, counted per third-level category per day (Beijing time) for the
//! statistics page. A visit is counted in this process's memory — no write on the shopper's
//! path — and [`CategoryVisits::flush`] adds the counts to the store in one transaction, from a
//! background task. Counts of a process that dies between two flushes are lost: this is a
//! statistic, not a ledger.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use meiduo_domain::ports::{CategoryVisitStore, Clock};
use meiduo_domain::{BEIJING, CategoryId};
use time::Date;

use crate::errors::ServiceFailure;

/// The counter of category visits.
pub struct CategoryVisits {
    store: Arc<dyn CategoryVisitStore>,
    clock: Arc<dyn Clock>,
    pending: Mutex<HashMap<(CategoryId, Date), u64>>,
}

impl std::fmt::Debug for CategoryVisits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CategoryVisits").finish_non_exhaustive()
    }
}

impl CategoryVisits {
    pub fn new(store: Arc<dyn CategoryVisitStore>, clock: Arc<dyn Clock>) -> Self {
        CategoryVisits { store, clock, pending: Mutex::default() }
    }

    /// Counts a visit of the category's list, today (in memory only).
    pub fn record(&self, category: CategoryId) {
        let today = self.clock.now().to_offset(BEIJING).date();
        let mut pending = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *pending.entry((category, today)).or_insert(0) += 1;
    }

    /// Adds the visits counted since the last flush to the store; how many. When the store
    /// fails they are kept for the next flush.
    ///
    /// # Errors
    /// The store's failure.
    pub async fn flush(&self) -> Result<u64, ServiceFailure> {
        let taken: Vec<(CategoryId, Date, u64)> = {
            let mut pending =
                self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            pending.drain().map(|((category, day), count)| (category, day, count)).collect()
        };
        if taken.is_empty() {
            return Ok(0);
        }
        match self.store.add(&taken).await {
            Ok(()) => Ok(taken.iter().map(|(_, _, count)| count).sum()),
            Err(error) => {
                let mut pending =
                    self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                for (category, day, count) in taken {
                    *pending.entry((category, day)).or_insert(0) += count;
                }
                Err(error.into())
            }
        }
    }
}
