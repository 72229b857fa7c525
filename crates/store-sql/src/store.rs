//! The store: the connection pool, the schema's migrations, and the adapters it hands out.

use std::time::Duration;

use meiduo_domain::ports::StoreError;
use meiduo_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::error::store;
use crate::{
    SqlAddresses, SqlAreas, SqlBrowseHistory, SqlCartStore, SqlCatalogQueries, SqlIdempotencyKeys,
    SqlOrders, SqlOutbox, SqlPayments, SqlQqBindings, SqlRateLimits, SqlSkuCatalog,
    SqlSkuDocuments, SqlUnitOfWork, SqlUsers, SqlVerificationCodes,
};

/// A pooled connection idle for longer than this is pinged before it is handed out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct SqlConfig {
    /// `mysql://user:password@host:3306/db` or `sqlite://path/to/file.db?mode=rwc`.
    pub url: String,
    /// Pool size. SQLite needs more than one connection: a query outside a transaction must not
    /// wait on one inside it.
    pub max_connections: u32,
    pub min_connections: u32,
    /// How long a caller waits for a pooled connection before the store is "unavailable".
    pub acquire_timeout: Duration,
    /// How long SQLite waits for a lock before it reports busy (a retryable conflict).
    pub sqlite_busy_timeout: Duration,
}

impl SqlConfig {
    pub fn new(url: impl Into<String>) -> Self {
        SqlConfig {
            url: url.into(),
            max_connections: 16,
            min_connections: 1,
            acquire_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The pool and the engine behind it, shared by every adapter of this crate.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    pub(crate) conn: DatabaseConnection,
    pub(crate) backend: DbBackend,
}

impl Db {
    /// Begins a transaction: READ COMMITTED on MySQL (set on each pooled connection when it is
    /// made, see [`SqlStore::connect`]), `BEGIN IMMEDIATE` on SQLite (the write lock up front, so
    /// that two writers wait for each other instead of failing on a lock upgrade).
    pub(crate) async fn begin(&self) -> Result<DatabaseTransaction, StoreError> {
        let options = match self.backend {
            DbBackend::Sqlite => TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            },
            _ => TransactionOptions::default(),
        };
        self.conn.begin_with_options(options).await.map_err(store)
    }
}

/// The SQL store: connects the pool and hands out one adapter per port, all on that pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) db: Db,
}

/// The tracing target of the pool's reports of each wait for a connection.
pub const ACQUIRE_TARGET: &str = "sqlx::pool::acquire";
/// A wait for a connection longer than this is reported as a warning.
const SLOW_ACQUIRE: Duration = Duration::from_secs(1);

/// Every wait for a pooled connection is reported as an event of [`ACQUIRE_TARGET`] with its
/// `acquired_after_secs`: at `TRACE`, or `WARN` past [`SLOW_ACQUIRE`] (the server's metrics
/// make a histogram of them).
fn timed<DB: sea_orm::sqlx::Database>(
    pool: sea_orm::sqlx::pool::PoolOptions<DB>,
) -> sea_orm::sqlx::pool::PoolOptions<DB> {
    pool.acquire_time_level(log::LevelFilter::Trace)
        .acquire_slow_level(log::LevelFilter::Warn)
        .acquire_slow_threshold(SLOW_ACQUIRE)
}

impl SqlStore {
    /// Connects the pool. SQLite gets WAL, a busy timeout and foreign keys on every connection.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached.
    pub async fn connect(config: &SqlConfig) -> Result<Self, StoreError> {
        let mut options = ConnectOptions::new(config.url.clone());
        options
            .max_connections(config.max_connections)
            .min_connections(config.min_connections)
            .acquire_timeout(config.acquire_timeout)
            .connect_timeout(config.acquire_timeout)
            .sqlx_logging(false)
            // A pooled connection is pinged before use only after it sat idle this long: under
            // load a ping per checkout would be one more round trip per query.
            .test_before_acquire_if_idle_for(IDLE_BEFORE_PING);
        // READ COMMITTED for every transaction, set once per connection: a compare-and-swap
        // retried in the same transaction must see other transactions' commits. Setting it
        // per transaction would cost a round trip before each BEGIN.
        options.map_sqlx_mysql_pool_opts(|pool| {
            timed(pool).after_connect(|conn, _meta| {
                Box::pin(async move {
                    use sea_orm::sqlx::Executor;
                    conn.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED").await?;
                    Ok(())
                })
            })
        });
        options.map_sqlx_sqlite_pool_opts(timed);
        let busy = config.sqlite_busy_timeout;
        options.map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy)
                .foreign_keys(true)
                .create_if_missing(true)
        });
        let conn = Database::connect(options).await.map_err(store)?;
        let backend = conn.get_database_backend();
        Ok(SqlStore { db: Db { conn, backend } })
    }

    /// The engine: MySQL (MariaDB) or SQLite.
    pub fn backend(&self) -> DbBackend {
        self.db.backend
    }

    /// Applies the migrations not applied yet.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached,
    /// [`StoreError::Unexpected`] when a migration fails.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.db.conn, None).await.map_err(store)
    }

    /// Reverts the last `steps` migrations (all of them with `None`).
    ///
    /// # Errors
    /// As [`migrate`](Self::migrate).
    pub async fn revert(&self, steps: Option<u32>) -> Result<(), StoreError> {
        Migrator::down(&self.db.conn, steps).await.map_err(store)
    }

    /// Closes the pool: connections in use are closed when given back.
    pub async fn close(&self) {
        if let Err(error) = self.db.conn.clone().close().await {
            tracing::warn!(%error, "the database pool did not close cleanly");
        }
    }

    /// The store's own sqlx pool on MySQL/MariaDB (its size, pings and per-connection
    /// settings), for a client that drives the same database without the store's layers (the
    /// load generator's raw drive); `None` on SQLite.
    pub fn mysql_pool(&self) -> Option<sea_orm::sqlx::MySqlPool> {
        (self.db.backend == DbBackend::MySql)
            .then(|| self.db.conn.get_mysql_connection_pool().clone())
    }

    /// The pool's connections: (in use, idle).
    pub fn pool_status(&self) -> (u64, u64) {
        let (size, idle) = match self.db.backend {
            DbBackend::Sqlite => {
                let pool = self.db.conn.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = self.db.conn.get_mysql_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        (u64::from(size).saturating_sub(idle as u64), idle as u64)
    }

    /// Answers when the database answers.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.conn.ping().await.map_err(store)
    }

    /// Transactions, with the stock, order and payment repositories bound to each.
    pub fn unit_of_work(&self) -> SqlUnitOfWork {
        SqlUnitOfWork::new(self.db.clone())
    }

    /// Registered users.
    pub fn users(&self) -> SqlUsers {
        SqlUsers::new(self.db.clone())
    }

    /// Provinces, cities and districts.
    pub fn areas(&self) -> SqlAreas {
        SqlAreas::new(self.db.clone())
    }

    /// The address book.
    pub fn addresses(&self) -> SqlAddresses {
        SqlAddresses::new(self.db.clone())
    }

    /// The catalog as the storefront browses it.
    pub fn catalog(&self) -> SqlCatalogQueries {
        SqlCatalogQueries::new(self.db.clone())
    }

    /// What the search index holds of each SKU.
    pub fn sku_documents(&self) -> SqlSkuDocuments {
        SqlSkuDocuments::new(self.db.clone())
    }

    /// The SKUs on flash sale.
    pub fn flash_sales(&self) -> crate::SqlFlashSales {
        crate::SqlFlashSales::new(self.db.clone())
    }

    /// SKUs by id.
    pub fn skus(&self) -> SqlSkuCatalog {
        SqlSkuCatalog::new(self.db.clone())
    }

    /// Browse history.
    pub fn browse_history(&self) -> SqlBrowseHistory {
        SqlBrowseHistory::new(self.db.clone())
    }

    /// Failed-login and SMS counters, for a deployment without Redis.
    pub fn rate_limits(&self) -> SqlRateLimits {
        SqlRateLimits::new(self.db.clone())
    }

    /// Idempotency keys of `POST /orders/`.
    pub fn idempotency_keys(&self) -> SqlIdempotencyKeys {
        SqlIdempotencyKeys::new(self.db.clone())
    }

    /// QQ identities bound to accounts.
    /// The catalog as operators edit it.
    pub fn catalog_editor(&self) -> crate::SqlCatalogEditor {
        crate::SqlCatalogEditor::new(self.db.clone())
    }

    /// Staff, statistics, listings and the audit log.
    pub fn staff(&self) -> crate::SqlStaff {
        crate::SqlStaff::new(self.db.clone())
    }

    pub fn qq_bindings(&self) -> SqlQqBindings {
        SqlQqBindings::new(self.db.clone())
    }

    /// The outbox of SMS and mail.
    pub fn outbox(&self) -> SqlOutbox {
        SqlOutbox::new(self.db.clone())
    }

    /// SMS codes, captchas and used-token marks, for a deployment without Redis.
    pub fn codes(&self) -> SqlVerificationCodes {
        SqlVerificationCodes::new(self.db.clone())
    }

    /// The buyers' orders.
    pub fn orders(&self) -> SqlOrders {
        SqlOrders::new(self.db.clone())
    }

    /// Payments, refunds and expiry of unpaid orders.
    pub fn payments(&self) -> SqlPayments {
        SqlPayments::new(self.db.clone())
    }

    /// The SQL cart store.
    pub fn carts(&self) -> SqlCartStore {
        SqlCartStore::new(self.db.clone())
    }
}
