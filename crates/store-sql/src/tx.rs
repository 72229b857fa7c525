//! Transactions with one savepoint: the unit of work.

use std::any::Any;

use async_trait::async_trait;
use meiduo_domain::ports::{DynTransaction, StoreError, Transaction, UnitOfWork};
use sea_orm::{
    DatabaseTransaction, DbBackend, IsolationLevel, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use crate::error::classify;
use crate::store::SqlStore;

/// A database transaction. The savepoint is a nested sea-orm transaction (`SAVEPOINT`), so
/// rolling it back keeps what the outer transaction wrote before it.
#[derive(Debug)]
pub struct SqlTransaction {
    // Declared first so that it is dropped (rolled back) before the outer transaction.
    savepoint: Option<DatabaseTransaction>,
    outer: DatabaseTransaction,
}

impl SqlTransaction {
    /// Where statements go: into the savepoint while one is open.
    pub(crate) fn conn(&self) -> &DatabaseTransaction {
        self.savepoint.as_ref().unwrap_or(&self.outer)
    }

    /// Commits (releasing an open savepoint first): what the adapter's own transactions call.
    pub(crate) async fn finish(self) -> Result<(), StoreError> {
        let SqlTransaction { savepoint, outer } = self;
        if let Some(savepoint) = savepoint {
            savepoint.commit().await.map_err(classify)?;
        }
        outer.commit().await.map_err(classify)
    }

    /// Recognises a transaction of this adapter.
    pub(crate) fn of(tx: &mut DynTransaction) -> Result<&mut SqlTransaction, StoreError> {
        let any: &mut dyn Any = tx;
        any.downcast_mut::<SqlTransaction>().ok_or_else(|| {
            StoreError::Internal(
                "a transaction of another adapter was passed to the SQL store".into(),
            )
        })
    }
}

#[async_trait]
impl Transaction for SqlTransaction {
    async fn savepoint(&mut self) -> Result<(), StoreError> {
        if self.savepoint.is_some() {
            return Err(StoreError::Internal("a savepoint is already open".into()));
        }
        self.savepoint = Some(self.outer.begin().await.map_err(classify)?);
        Ok(())
    }

    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        let savepoint = self
            .savepoint
            .take()
            .ok_or_else(|| StoreError::Internal("no savepoint is open".into()))?;
        savepoint.rollback().await.map_err(classify)
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        (*self).finish().await
    }

    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        let SqlTransaction { savepoint, outer } = *self;
        if let Some(savepoint) = savepoint {
            savepoint.rollback().await.map_err(classify)?;
        }
        outer.rollback().await.map_err(classify)
    }
}

impl SqlStore {
    /// Begins a transaction: READ COMMITTED on MySQL (set for this transaction, whatever the
    /// server's default), `BEGIN IMMEDIATE` on SQLite (the write lock up front, so that two
    /// writers wait for each other instead of failing on a lock upgrade).
    pub(crate) async fn begin_tx(&self) -> Result<SqlTransaction, StoreError> {
        let options = match self.backend {
            DbBackend::Sqlite => TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            },
            _ => TransactionOptions {
                isolation_level: Some(IsolationLevel::ReadCommitted),
                ..TransactionOptions::default()
            },
        };
        let outer = self.db.begin_with_options(options).await.map_err(classify)?;
        Ok(SqlTransaction { savepoint: None, outer })
    }
}

#[async_trait]
impl UnitOfWork for SqlStore {
    async fn begin(&self) -> Result<Box<DynTransaction>, StoreError> {
        Ok(Box::new(self.begin_tx().await?))
    }
}
