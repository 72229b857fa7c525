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
    /// as [`InsertOrderError::IdTaken`](super::InsertOrderError::IdTaken) on insert, upon which the caller
    /// takes a new suffix.
    fn next_suffix(&self) -> u32;
}

/// A cache of JSON documents (the category menu, hot SKU lists) with a short lifetime.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait Cache: Send + Sync {
    /// The cached document, if present and not expired.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`](super::StoreError::Unavailable) when the cache cannot be reached or does not answer in time.
    async fn get(&self, name: &str) -> Result<Option<String>, super::StoreError>;

    /// Caches a document for `ttl`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`](super::StoreError::Unavailable) when the cache cannot be reached or does not answer in time.
    async fn put(&self, name: &str, value: &str, ttl: Duration) -> Result<(), super::StoreError>;

    /// Removes documents (when what they were made of changed).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`](super::StoreError::Unavailable) when the cache cannot be reached or does not answer in time.
    async fn forget(&self, names: &[String]) -> Result<(), super::StoreError>;
}
