use async_trait::async_trait;

use super::{OrderWriter, PaymentLedger, StockRepository};

/// The underlying cause of a failure, kept for the log (never shown to a client).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failure of a port that is not a business fact: the store (a database, Redis, a file) lost
/// a race, could not be reached, or failed in a way nobody planned for. Ports whose calls can
/// also end in a business fact (a username taken, an order id taken) have error enums of their
/// own that wrap this one.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The transaction lost to a concurrent one (deadlock, lock wait timeout, serialization
    /// failure, a unique key a concurrent writer took first). Nothing it wrote survives; running
    /// the whole transaction again may succeed.
    #[error("the transaction conflicted with a concurrent one: {0}")]
    Conflict(#[source] Cause),
    /// The store cannot be reached or did not answer in time (connection refused or lost, pool
    /// exhausted, timeout). Nothing was changed; trying later may succeed.
    #[error("the store is unavailable: {0}")]
    Unavailable(#[source] Cause),
    /// Anything else: a broken invariant, corrupt data, a statement the store refused.
    #[error("unexpected store failure: {0}")]
    Unexpected(#[source] Cause),
}

impl StoreError {
    /// An unexpected failure described by a message (an invariant the adapter found broken).
    pub fn unexpected(message: impl Into<String>) -> Self {
        StoreError::Unexpected(message.into().into())
    }
}

/// Opens transactions.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait UnitOfWork: Send + Sync {
    /// Begins a transaction. On MySQL it runs at READ COMMITTED whatever the server's default, so
    /// that a compare-and-swap that lost a race sees the winner's commit when it reads again.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when no connection can be had; [`StoreError::Conflict`] when
    /// the store is locked by another writer for longer than it waits (SQLite).
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError>;
}

/// One open transaction, with at most one savepoint at a time, and the repositories that work
/// inside it.
///
/// The application decides where the savepoint is and when to roll back to it; the adapter
/// decides how (a SAVEPOINT, a nested transaction, ...). The repositories it hands out write
/// through this transaction and live no longer than it does. Dropping a transaction without
/// committing rolls it back.
#[async_trait]
pub trait Transaction: Send + Sync {
    /// SKU stock, sales and comment counters, inside this transaction.
    fn stock(&self) -> &dyn StockRepository;

    /// Orders, their lines and status, inside this transaction.
    fn orders(&self) -> &dyn OrderWriter;

    /// Payments and refund records, inside this transaction.
    fn payments(&self) -> &dyn PaymentLedger;

    /// Sets the savepoint. Everything written after it can be undone by
    /// [`rollback_to_savepoint`](Self::rollback_to_savepoint) while earlier writes stay.
    ///
    /// # Errors
    /// [`StoreError::Unexpected`] when a savepoint is open already; [`StoreError::Unavailable`]
    /// when the connection was lost.
    async fn savepoint(&mut self) -> Result<(), StoreError>;

    /// Undoes every write made since [`savepoint`](Self::savepoint) and closes the savepoint.
    ///
    /// # Errors
    /// [`StoreError::Unexpected`] without an open savepoint; [`StoreError::Unavailable`] when the
    /// connection was lost.
    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError>;

    /// Makes every write durable (an open savepoint goes with it).
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the database refuses the commit for a concurrent
    /// transaction (then nothing was written); [`StoreError::Unavailable`] when the connection
    /// was lost (then the outcome is unknown to the caller).
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;

    /// Undoes every write of the transaction.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the connection was lost (the database discards the
    /// transaction then anyway).
    async fn rollback(self: Box<Self>) -> Result<(), StoreError>;
}
