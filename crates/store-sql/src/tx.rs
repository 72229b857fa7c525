//! Transactions with one savepoint: the unit of work.

use std::any::Any;

use async_trait::async_trait;
use meiduo_domain::ports::{DynTransaction, StoreError, Transaction, UnitOfWork};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use crate::error::classify;
use crate::store::SqlStore;

/// A database transaction with at most one savepoint, set and rolled back with plain
/// `SAVEPOINT` / `ROLLBACK TO SAVEPOINT` statements: rolling it back keeps what the transaction
/// wrote before it, and `COMMIT` releases it with the transaction (no `RELEASE SAVEPOINT`
/// round trip).
#[derive(Debug)]
pub struct SqlTransaction {
    outer: DatabaseTransaction,
    savepoint: bool,
}

/// The savepoint's name.
const SAVEPOINT: &str = "meiduo_order";

impl SqlTransaction {
    /// Where statements go.
    pub(crate) fn conn(&self) -> &DatabaseTransaction {
        &self.outer
    }

    /// Commits (an open savepoint goes with it): what the adapter's own transactions call.
    pub(crate) async fn finish(self) -> Result<(), StoreError> {
        self.outer.commit().await.map_err(classify)
    }

    /// Rolls the whole transaction back.
    pub(crate) async fn abandon(self) -> Result<(), StoreError> {
        self.outer.rollback().await.map_err(classify)
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
        if self.savepoint {
            return Err(StoreError::Internal("a savepoint is already open".into()));
        }
        self.outer.execute_unprepared(&format!("SAVEPOINT {SAVEPOINT}")).await.map_err(classify)?;
        self.savepoint = true;
        Ok(())
    }

    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        if !self.savepoint {
            return Err(StoreError::Internal("no savepoint is open".into()));
        }
        self.savepoint = false;
        self.outer
            .execute_unprepared(&format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}"))
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        (*self).finish().await
    }

    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        (*self).abandon().await
    }
}

impl SqlStore {
    /// Begins a transaction: READ COMMITTED on MySQL (set on each pooled connection when it is
    /// made, see [`SqlStore::connect`]), `BEGIN IMMEDIATE` on SQLite (the write lock up front, so
    /// that two writers wait for each other instead of failing on a lock upgrade).
    pub(crate) async fn begin_tx(&self) -> Result<SqlTransaction, StoreError> {
        let options = match self.backend {
            DbBackend::Sqlite => TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            },
            _ => TransactionOptions::default(),
        };
        let outer = self.db.begin_with_options(options).await.map_err(classify)?;
        Ok(SqlTransaction { outer, savepoint: false })
    }
}

#[async_trait]
impl UnitOfWork for SqlStore {
    async fn begin(&self) -> Result<Box<DynTransaction>, StoreError> {
        Ok(Box::new(self.begin_tx().await?))
    }
}
