//! The unit of work: transactions with one savepoint, each handing out the repositories that
//! write through it.

use std::sync::Arc;

use async_trait::async_trait;
use meiduo_domain::ports::{
    OrderWriter, PaymentLedger, StockRepository, StoreError, Transaction, UnitOfWork,
};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend};

use crate::error::store;
use crate::order_writer::SqlOrderWriter;
use crate::payment_ledger::SqlPaymentLedger;
use crate::stock::SqlStock;
use crate::store::Db;

/// An open transaction as the repositories bound to it see it.
#[derive(Debug, Clone)]
pub(crate) struct Tx {
    pub(crate) conn: Arc<DatabaseTransaction>,
    pub(crate) backend: DbBackend,
}

impl Tx {
    /// Where statements go.
    pub(crate) fn conn(&self) -> &DatabaseTransaction {
        &self.conn
    }
}

/// Opens [`SqlTransaction`]s on the pool.
#[derive(Debug, Clone)]
pub struct SqlUnitOfWork {
    db: Db,
}

impl SqlUnitOfWork {
    pub(crate) fn new(db: Db) -> Self {
        SqlUnitOfWork { db }
    }
}

#[async_trait]
impl UnitOfWork for SqlUnitOfWork {
    #[tracing::instrument(level = "trace", skip_all)]
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        let conn = Arc::new(self.db.begin().await?);
        let tx = Tx { conn: Arc::clone(&conn), backend: self.db.backend };
        Ok(Box::new(SqlTransaction {
            conn,
            stock: SqlStock::new(tx.clone()),
            orders: SqlOrderWriter::new(tx.clone()),
            payments: SqlPaymentLedger::new(tx),
            savepoint: false,
        }))
    }
}

/// A database transaction with at most one savepoint, set and rolled back with plain
/// `SAVEPOINT` / `ROLLBACK TO SAVEPOINT` statements: rolling it back keeps what the transaction
/// wrote before it, and `COMMIT` releases it with the transaction (no `RELEASE SAVEPOINT`
/// round trip).
#[derive(Debug)]
pub struct SqlTransaction {
    conn: Arc<DatabaseTransaction>,
    stock: SqlStock,
    orders: SqlOrderWriter,
    payments: SqlPaymentLedger,
    savepoint: bool,
}

/// The savepoint's name.
const SAVEPOINT: &str = "meiduo_order";

impl SqlTransaction {
    /// The transaction itself, once the repositories bound to it are gone.
    fn into_inner(self) -> Result<DatabaseTransaction, StoreError> {
        let SqlTransaction { conn, stock, orders, payments, .. } = self;
        drop((stock, orders, payments));
        Arc::into_inner(conn).ok_or_else(|| {
            StoreError::unexpected("a repository of the transaction outlived it".to_owned())
        })
    }
}

#[async_trait]
impl Transaction for SqlTransaction {
    fn stock(&self) -> &dyn StockRepository {
        &self.stock
    }

    fn orders(&self) -> &dyn OrderWriter {
        &self.orders
    }

    fn payments(&self) -> &dyn PaymentLedger {
        &self.payments
    }

    async fn savepoint(&mut self) -> Result<(), StoreError> {
        if self.savepoint {
            return Err(StoreError::unexpected("a savepoint is already open"));
        }
        self.conn.execute_unprepared(&format!("SAVEPOINT {SAVEPOINT}")).await.map_err(store)?;
        self.savepoint = true;
        Ok(())
    }

    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        if !self.savepoint {
            return Err(StoreError::unexpected("no savepoint is open"));
        }
        self.savepoint = false;
        self.conn
            .execute_unprepared(&format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}"))
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        (*self).into_inner()?.commit().await.map_err(store)
    }

    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        (*self).into_inner()?.rollback().await.map_err(store)
    }
}
