use async_trait::async_trait;

use crate::{Cart, CartLine, SkuId, UserId};

/// An error of the cart store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartStoreError {
    /// The store cannot be reached or timed out; nothing was changed.
    #[error("the cart store is unavailable: {0}")]
    Unavailable(String),
    /// Anything else; the text is for the log, never for a client.
    #[error("cart store failure: {0}")]
    Internal(String),
}

/// Logged-in users' carts.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CartStore: Send + Sync {
    /// The user's cart; an empty cart when the user has none.
    async fn load(&self, user: UserId) -> Result<Cart, CartStoreError>;

    /// Adds `line.count` units to the user's line of that SKU (creating it), as one atomic
    /// increment, and sets its selected flag. Returns the line's new count.
    async fn add(&self, user: UserId, line: CartLine) -> Result<u32, CartStoreError>;

    /// Sets the line's count and selected flag, creating the line if needed.
    async fn set(&self, user: UserId, line: CartLine) -> Result<(), CartStoreError>;

    /// Removes exactly these SKUs' lines; others stay. Unknown SKUs are ignored.
    async fn remove(&self, user: UserId, skus: &[SkuId]) -> Result<(), CartStoreError>;

    /// Ticks or unticks every line.
    async fn select_all(&self, user: UserId, selected: bool) -> Result<(), CartStoreError>;

    /// Merges an anonymous cart into the user's: each of `lines` replaces the user's line of the
    /// same SKU (its count and selected flag win); the user's other lines stay. Atomic.
    async fn merge(&self, user: UserId, lines: &[CartLine]) -> Result<(), CartStoreError>;
}
