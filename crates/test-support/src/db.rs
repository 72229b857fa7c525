//! A database per test, and fixtures written with SQL of their own.
//!
//! Every test gets databases of its own: a fresh SQLite file always, and a fresh MariaDB database
//! (random name, dropped afterwards) when `MEIDUO_TEST_MYSQL_URL` is set. Without the variable
//! the MariaDB half prints that it skipped; under `CI=true` a missing or unreachable MariaDB
//! fails the test.
use std::path::PathBuf;

use meiduo_domain::ports::CartStore;
use meiduo_domain::{AddressId, CartLine, SkuId, SpuId, UserId};
use meiduo_store_sql::{SqlConfig, SqlStore};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, Value};
use time::OffsetDateTime;

/// A database for one test, removed when dropped: the store under test, and a connection of
/// the test's own for fixtures and checks (the store does not lend its pool).
pub struct TestDb {
    pub store: SqlStore,
    pub engine: &'static str,
    fixtures: DatabaseConnection,
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    MySql {
        server: String,
        name: String,
    },
    /// Another replica's connections: the database is its first owner's to remove.
    Keep,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Keep => {}
            Cleanup::MySql { server, name } => {
                let (server, name) = (server.clone(), name.clone());
                // Drop runs inside the test's runtime: drop the database from a thread of its own.
                let dropped = std::thread::spawn(move || {
                    let runtime =
                        tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                    runtime.block_on(async {
                        let db = Database::connect(server).await.map_err(std::io::Error::other)?;
                        // Bounded: a connection still inside a transaction must not hang the run.
                        db.execute_unprepared("SET SESSION lock_wait_timeout = 10")
                            .await
                            .map_err(std::io::Error::other)?;
                        db.execute_unprepared(&format!("DROP DATABASE IF EXISTS `{name}`"))
                            .await
                            .map_err(std::io::Error::other)?;
                        db.close().await.map_err(std::io::Error::other)
                    })
                })
                .join();
                if !matches!(dropped, Ok(Ok(()))) {
                    eprintln!("could not drop the test database of this {} test", self.engine);
                }
            }
        }
    }
}

fn random_name() -> String {
    format!("meiduo_t_{:016x}", fastrand::u64(..))
}

/// A migrated SQLite database in a file of its own.
pub async fn sqlite() -> TestDb {
    let path = std::env::temp_dir().join(format!("{}.db", random_name()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = SqlStore::connect(&SqlConfig::new(url.clone())).await.expect("open SQLite");
    store.migrate().await.expect("migrate SQLite");
    let fixtures = Database::connect(url.clone()).await.expect("a fixture connection to SQLite");
    TestDb { store, engine: "sqlite", fixtures, url, cleanup: Cleanup::File(path) }
}

/// A migrated MariaDB database of its own, or `None` (said loudly) without `MEIDUO_TEST_MYSQL_URL`.
pub async fn mysql() -> Option<TestDb> {
    let server = crate::service_url("MEIDUO_TEST_MYSQL_URL", "MariaDB")?;
    let server = server.trim_end_matches('/').to_owned();
    let name = random_name();
    let admin = Database::connect(server.clone())
        .await
        .unwrap_or_else(|e| panic!("MEIDUO_TEST_MYSQL_URL={server} does not answer: {e}"));
    admin
        .execute_unprepared(&format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        ))
        .await
        .expect("create the test database");
    admin.close().await.expect("close the admin connection");
    let url = format!("{server}/{name}");
    let mut config = SqlConfig::new(url.clone());
    config.max_connections = 32;
    let store = SqlStore::connect(&config).await.expect("connect to the test database");
    let fixtures = Database::connect(url.clone()).await.expect("a fixture connection to MariaDB");
    let cleanup = Cleanup::MySql { server, name };
    let db = TestDb { store, engine: "mariadb", fixtures, url, cleanup };
    db.store.migrate().await.expect("migrate MariaDB");
    Some(db)
}

/// SQLite, and MariaDB when configured.
pub async fn engines() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(mysql().await);
    dbs
}

/// A selected cart line.
pub fn cart_line(sku: u64, count: i64) -> CartLine {
    CartLine { sku_id: SkuId(sku), count: crate::qty(count), selected: true }
}

impl TestDb {
    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Pools of their own on the same database, as another replica of the shop has; dropping
    /// them leaves the database to this one.
    pub async fn replica(&self) -> TestDb {
        let mut config = SqlConfig::new(self.url.clone());
        config.max_connections = 8;
        let store = SqlStore::connect(&config).await.expect("connect a replica");
        let fixtures = Database::connect(self.url.clone()).await.expect("a replica's fixtures");
        TestDb {
            store,
            engine: self.engine,
            fixtures,
            url: self.url.clone(),
            cleanup: Cleanup::Keep,
        }
    }

    pub async fn exec(&self, sql: &str, values: Vec<Value>) {
        let stmt = Statement::from_sql_and_values(self.store.backend(), sql, values);
        self.fixtures.execute_raw(stmt).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Runs a statement; the database's error when it refuses it.
    pub async fn try_exec(&self, sql: &str) -> Result<u64, sea_orm::DbErr> {
        self.fixtures.execute_unprepared(sql).await.map(|done| done.rows_affected())
    }

    pub async fn scalar(&self, sql: &str, values: Vec<Value>) -> i64 {
        let stmt = Statement::from_sql_and_values(self.store.backend(), sql, values);
        let row = self.fixtures.query_one_raw(stmt).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }

    /// The text in the first column of the first row.
    pub async fn scalar_text(&self, sql: &str) -> String {
        let stmt = Statement::from_string(self.store.backend(), sql.to_owned());
        let row = self.fixtures.query_one_raw(stmt).await.unwrap().unwrap();
        row.try_get_by_index::<String>(0).unwrap()
    }

    /// Loads the demo catalog and the areas.
    pub async fn with_catalog(self) -> Self {
        self.store.load_demo_data().await.expect("load the demo data");
        self
    }

    /// A registered user (the user port arrives with the HTTP API; this writes the row).
    pub async fn user(&self, name: &str) -> UserId {
        let now = Value::TimeDateTime(Some(time_now()));
        let mobile = format!("13{:09}", fastrand::u32(..1_000_000_000));
        self.exec(
            "INSERT INTO tb_users (username, password, mobile, email_active, is_active, \
             create_time, update_time) VALUES (?, 'x', ?, 0, 1, ?, ?)",
            vec![name.into(), mobile.clone().into(), now.clone(), now],
        )
        .await;
        UserId(
            self.scalar("SELECT id FROM tb_users WHERE mobile = ?", vec![mobile.into()]).await
                as u64,
        )
    }

    /// A delivery address of `user` in 北京市东城区.
    pub async fn address(&self, user: UserId) -> AddressId {
        let now = Value::TimeDateTime(Some(time_now()));
        self.exec(
            "INSERT INTO tb_address (user_id, title, receiver, province_id, city_id, district_id, \
             place, mobile, is_deleted, create_time, update_time) \
             VALUES (?, 'home', '张三', 110000, 110100, 110101, '长安街 1 号', '13800138000', 0, ?, ?)",
            vec![(user.0 as i64).into(), now.clone(), now],
        )
        .await;
        AddressId(
            self.scalar(
                "SELECT MAX(id) FROM tb_address WHERE user_id = ?",
                vec![(user.0 as i64).into()],
            )
            .await as u64,
        )
    }

    pub async fn set_stock(&self, sku: u64, stock: i64) {
        self.exec(
            "UPDATE tb_sku SET stock = ? WHERE id = ?",
            vec![stock.into(), (sku as i64).into()],
        )
        .await;
    }

    /// (stock, sales) of a SKU.
    pub async fn sku_counts(&self, sku: u64) -> (i64, i64) {
        let id: Value = (sku as i64).into();
        (
            self.scalar("SELECT stock FROM tb_sku WHERE id = ?", vec![id.clone()]).await,
            self.scalar("SELECT sales FROM tb_sku WHERE id = ?", vec![id]).await,
        )
    }

    pub async fn spu_sales(&self, spu: SpuId) -> i64 {
        self.scalar("SELECT sales FROM tb_goods WHERE id = ?", vec![(spu.0 as i64).into()]).await
    }

    pub async fn count(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT COUNT(*) FROM {table}"), vec![]).await
    }

    /// Orders that have no line: must always be zero.
    pub async fn orders_without_lines(&self) -> i64 {
        self.scalar(
            "SELECT COUNT(*) FROM tb_order_info o WHERE NOT EXISTS \
             (SELECT 1 FROM tb_order_goods g WHERE g.order_id = o.order_id)",
            vec![],
        )
        .await
    }

    /// A user with an address and these lines selected in the cart.
    pub async fn shopper(&self, name: &str, lines: &[CartLine]) -> (UserId, AddressId) {
        let user = self.user(name).await;
        let address = self.address(user).await;
        for line in lines {
            self.store.carts().set(user, *line).await.unwrap();
        }
        (user, address)
    }
}

fn time_now() -> time::PrimitiveDateTime {
    let now = OffsetDateTime::now_utc();
    time::PrimitiveDateTime::new(now.date(), now.time())
}

/// A moment as a fixture statement binds it (UTC, no offset), as the store writes moments.
pub fn time_value(at: OffsetDateTime) -> Value {
    let utc = at.to_offset(time::UtcOffset::UTC);
    Value::TimeDateTime(Some(time::PrimitiveDateTime::new(utc.date(), utc.time())))
}
