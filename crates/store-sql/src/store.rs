use std::time::Duration;

use meiduo_domain::ports::StoreError;
use meiduo_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, QueryResult,
    Statement,
};

use crate::error::classify;

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

/// The SQL store: a pool, and the engine it talks to.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) db: DatabaseConnection,
    pub(crate) backend: DbBackend,
}

impl SqlStore {
    /// Connects the pool. SQLite gets WAL, a busy timeout and foreign keys on every connection.
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
            pool.after_connect(|conn, _meta| {
                Box::pin(async move {
                    use sea_orm::sqlx::Executor;
                    conn.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED").await?;
                    Ok(())
                })
            })
        });
        let busy = config.sqlite_busy_timeout;
        options.map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy)
                .foreign_keys(true)
                .create_if_missing(true)
        });
        let db = Database::connect(options).await.map_err(classify)?;
        let backend = db.get_database_backend();
        Ok(SqlStore { db, backend })
    }

    /// The engine: MySQL (MariaDB) or SQLite.
    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    /// The sea-orm connection, for tools that need SQL of their own (benchmarks, tests).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Applies the migrations not applied yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.db, None).await.map_err(classify)
    }

    /// Reverts the last `steps` migrations (all of them with `None`).
    pub async fn revert(&self, steps: Option<u32>) -> Result<(), StoreError> {
        Migrator::down(&self.db, steps).await.map_err(classify)
    }

    /// Answers when the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(classify)
    }

    pub(crate) fn stmt(&self, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, values)
    }

    /// Runs a query on `conn` (the pool or a transaction).
    pub(crate) async fn rows(
        &self,
        conn: &impl ConnectionTrait,
        sql: &str,
        values: Vec<sea_orm::Value>,
    ) -> Result<Vec<QueryResult>, StoreError> {
        conn.query_all_raw(self.stmt(sql, values)).await.map_err(classify)
    }

    pub(crate) async fn row(
        &self,
        conn: &impl ConnectionTrait,
        sql: &str,
        values: Vec<sea_orm::Value>,
    ) -> Result<Option<QueryResult>, StoreError> {
        conn.query_one_raw(self.stmt(sql, values)).await.map_err(classify)
    }

    /// Runs a statement on `conn`; returns the affected-row count.
    pub(crate) async fn exec(
        &self,
        conn: &impl ConnectionTrait,
        sql: &str,
        values: Vec<sea_orm::Value>,
    ) -> Result<u64, StoreError> {
        conn.execute_raw(self.stmt(sql, values)).await.map(|r| r.rows_affected()).map_err(classify)
    }

    /// ` FOR UPDATE` on MySQL (row lock); nothing on SQLite, whose write transactions are
    /// exclusive from their start.
    pub(crate) fn for_update(&self) -> &'static str {
        if self.backend == DbBackend::MySql { " FOR UPDATE" } else { "" }
    }
}
