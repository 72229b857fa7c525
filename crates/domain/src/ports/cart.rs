use async_trait::async_trait;

use super::StoreError;
use crate::{Cart, CartLine, SkuId, UserId};

/// What [`CartStore::add`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CartAddition {
    /// The units were added; the line now holds this many.
    Added(u32),
    /// The line would have held more than the bound; it keeps `have` units (0: no line).
    Refused { have: u32 },
}

/// Logged-in users' carts.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CartStore: Send + Sync {
    /// The user's cart; an empty cart when the user has none.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn load(&self, user: UserId) -> Result<Cart, StoreError>;

    /// Adds `line.count` units to the user's line of that SKU (creating it) and sets its selected
    /// flag, unless the line would then hold more than `at_most` units: one atomic step, so that
    /// two concurrent additions cannot pass the bound together. Returns
    /// [`CartAddition::Added`] with the line's new count, or [`CartAddition::Refused`] with the
    /// count it keeps (0 for no line), in which case nothing changed.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn add(
        &self,
        user: UserId,
        line: CartLine,
        at_most: u32,
    ) -> Result<CartAddition, StoreError>;

    /// Sets the line's count and selected flag, creating the line if needed.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn set(&self, user: UserId, line: CartLine) -> Result<(), StoreError>;

    /// Removes exactly these SKUs' lines; others stay. Unknown SKUs are ignored.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn remove(&self, user: UserId, skus: &[SkuId]) -> Result<(), StoreError>;

    /// Ticks or unticks every line.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn select_all(&self, user: UserId, selected: bool) -> Result<(), StoreError>;

    /// Merges an anonymous cart into the user's: each of `lines` replaces the user's line of the
    /// same SKU (its count and selected flag win); the user's other lines stay. Atomic.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] when a concurrent writer held what this
    /// call needed for longer than the store waits (deadlock, lock wait timeout, SQLite busy): nothing
    /// was changed and the call may be repeated.
    async fn merge(&self, user: UserId, lines: &[CartLine]) -> Result<(), StoreError>;

    /// Takes these selected lines out of the user's cart in one atomic step, if every one is
    /// still there, selected and of the same count: `Ok(true)` when they were taken, `Ok(false)`
    /// (nothing changed) when another request took or changed any of them first. Of two
    /// concurrent calls over the same lines at most one takes them.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time
    /// (then nothing was changed); [`StoreError::Conflict`] as for the other writes.
    async fn take(&self, user: UserId, lines: &[CartLine]) -> Result<bool, StoreError>;

    /// A number that grows with every write of the user's cart through this handle (finished or
    /// failed), so that a caller that read it before loading the cart can tell later whether
    /// this process has written the cart since. Writes through other processes do not show.
    /// `None` (the default) when the handle does not count.
    fn local_writes(&self, _user: UserId) -> Option<u64> {
        None
    }
}
