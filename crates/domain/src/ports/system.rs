use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

/// The time, and waiting.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> OffsetDateTime;

    /// Waits `duration` (the back-off between retries). Tests answer at once.
    async fn sleep(&self, duration: Duration);
}

/// Makes order ids unique.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait OrderIdSource: Send + Sync {
    /// A suffix (0..1,000,000) for the next order id. Consecutive calls in one process give
    /// different values until a million ids later; across processes a clash is possible and shows
    /// as [`StoreError::Duplicate`](super::StoreError::Duplicate) on insert, upon which the caller
    /// takes a new suffix.
    fn next_suffix(&self) -> u32;
}
