use std::any::Any;

use async_trait::async_trait;

/// An error of a persistence port.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The transaction lost to a concurrent one (deadlock, lock wait timeout, serialization
    /// failure). Nothing it wrote survives; running the whole transaction again may succeed.
    #[error("the transaction conflicted with a concurrent one")]
    Conflict,
    /// A unique key would be violated. Carries the key's name.
    #[error("duplicate value for unique key `{0}`")]
    Duplicate(String),
    /// The store cannot be reached (connection refused or lost, pool exhausted).
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// Anything else; the text is for the log, never for a client.
    #[error("store failure: {0}")]
    Internal(String),
}

/// Opens transactions.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait UnitOfWork: Send + Sync {
    /// Begins a transaction. On MySQL it runs at READ COMMITTED whatever the server's default, so
    /// that a compare-and-swap that lost a race sees the winner's commit when it reads again.
    ///
    /// Returns [`StoreError::Unavailable`] when no connection can be had.
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError>;
}

/// One open transaction, with at most one savepoint at a time.
///
/// The application decides where the savepoint is and when to roll back to it; the adapter
/// decides how (a SAVEPOINT, a nested transaction, ...). Repositories that take part in the
/// transaction receive it as `&mut dyn Transaction` and recognise their own adapter's
/// transaction by downcasting (it is `Any`); one from another adapter is an
/// [`StoreError::Internal`] error. Dropping a transaction without committing rolls it back.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait Transaction: Any + Send {
    /// Sets the savepoint. Everything written after it can be undone by
    /// [`rollback_to_savepoint`](Self::rollback_to_savepoint) while earlier writes stay.
    /// Setting a savepoint while one is open is an [`StoreError::Internal`] error.
    async fn savepoint(&mut self) -> Result<(), StoreError>;

    /// Undoes every write made since [`savepoint`](Self::savepoint) and closes the savepoint.
    /// Without an open savepoint it is an [`StoreError::Internal`] error.
    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError>;

    /// Makes every write durable (releasing an open savepoint first). Returns
    /// [`StoreError::Conflict`] when the database refuses the commit for a concurrent one; then
    /// nothing was written.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;

    /// Undoes every write of the transaction.
    async fn rollback(self: Box<Self>) -> Result<(), StoreError>;
}

/// A transaction as repositories receive it: `&mut DynTransaction` (a `'static` trait object, so
/// that the adapter can downcast it to its own transaction type).
pub type DynTransaction = dyn Transaction;
