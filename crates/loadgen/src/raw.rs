//! The `raw` drive: the order transaction's own statements through the bare driver (sqlx on
//! MySQL/MariaDB), with no product layer, no cart and no Redis: the database's limit for this
//! transaction's shape, against which the HTTP and direct drives are measured.
//!
//! Per order, as the product's order path issues them: the address check, `BEGIN`, a
//! savepoint, the SKU read, the order's row, the covering stock update (`stock >= n`), the SPU's
//! sales, the line, `COMMIT`. A stock update that finds too little stock rolls the transaction
//! back and counts as sold out.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::sqlx::mysql::{MySqlPool, MySqlPoolOptions};
use sea_orm::sqlx::{self, Row};

use crate::{Bench, ClientTally, Report, Scenario};

/// Order ids of this drive: `raw`, the run, a counter.
static NEXT_ORDER: AtomicU64 = AtomicU64::new(0);

/// The bare pool: `connections` to `database_url` (MySQL/MariaDB only).
///
/// # Errors
/// When the database cannot be reached, or is not MySQL/MariaDB.
pub async fn pool(database_url: &str, connections: u32) -> anyhow::Result<MySqlPool> {
    anyhow::ensure!(database_url.starts_with("mysql:"), "the raw drive needs MySQL/MariaDB");
    MySqlPoolOptions::new()
        .max_connections(connections)
        .after_connect(|conn, _| {
            Box::pin(async move {
                // As the product's pool: READ COMMITTED set once per connection.
                sqlx::query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .connect(database_url)
        .await
        .context("the raw drive's pool")
}

/// One order of one unit of `sku`; `Ok(false)` when sold out.
async fn order(
    pool: &MySqlPool,
    run: u32,
    user: i64,
    address: i64,
    sku: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query("SELECT id FROM tb_address WHERE id = ? AND user_id = ? AND is_deleted = 0")
        .bind(address)
        .bind(user)
        .fetch_one(pool)
        .await?;
    let mut tx = pool.begin().await?;
    sqlx::query("SAVEPOINT order_lines").execute(&mut *tx).await?;
    let row =
        sqlx::query("SELECT id, price, stock, goods_id, is_launched FROM tb_sku WHERE id = ?")
            .bind(sku)
            .fetch_one(&mut *tx)
            .await?;
    let price: rust_decimal::Decimal = row.try_get("price")?;
    let spu: i64 = row.try_get("goods_id")?;
    let order_id = format!("raw{run:06x}{:012}", NEXT_ORDER.fetch_add(1, Ordering::Relaxed));
    let now = time::OffsetDateTime::now_utc();
    let now = time::PrimitiveDateTime::new(now.date(), now.time());
    sqlx::query(
        "INSERT INTO tb_order_info (order_id, user_id, address_id, total_count, total_amount, \
         freight, pay_method, status, create_time, update_time) \
         VALUES (?, ?, ?, 1, ?, 10.00, 1, 2, ?, ?)",
    )
    .bind(&order_id)
    .bind(user)
    .bind(address)
    .bind(price + rust_decimal::Decimal::TEN)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let taken = sqlx::query(
        "UPDATE tb_sku SET stock = stock - 1, sales = sales + 1 WHERE id = ? AND stock >= 1",
    )
    .bind(sku)
    .execute(&mut *tx)
    .await?;
    if taken.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query("UPDATE tb_goods SET sales = sales + 1 WHERE id = ?")
        .bind(spu)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO tb_order_goods (order_id, sku_id, count, price, comment, score, \
         is_anonymous, is_commented, create_time, update_time) \
         VALUES (?, ?, 1, ?, '', 5, 0, 0, ?, ?)",
    )
    .bind(&order_id)
    .bind(sku)
    .bind(price)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

impl Bench {
    /// Drives an order scenario's transactions through the bare driver on `pool`, one client
    /// per shopper, for `duration`.
    pub async fn run_raw(
        self: &Arc<Self>,
        scenario: Scenario,
        duration: Duration,
        pool: &MySqlPool,
    ) -> Report {
        let run = fastrand::u32(..0x00ff_ffff);
        let started = Instant::now();
        let deadline = started + duration;
        let tasks: Vec<_> = (0..self.shoppers.len())
            .map(|i| {
                let (bench, pool) = (Arc::clone(self), pool.clone());
                tokio::spawn(async move {
                    let shopper = &bench.shoppers[i];
                    let (user, address) = (shopper.user.0 as i64, shopper.address.0 as i64);
                    let mut tally = ClientTally::default();
                    while Instant::now() < deadline {
                        let sku = bench.pick(scenario).0 as i64;
                        let began = Instant::now();
                        let placed = order(&pool, run, user, address, sku).await;
                        tally.requests += 1;
                        tally.latencies.push(began.elapsed());
                        match placed {
                            Ok(true) => tally.orders += 1,
                            Ok(false) => *tally.errors.entry("sold out".into()).or_default() += 1,
                            Err(error) => *tally.errors.entry(format!("{error}")).or_default() += 1,
                        }
                    }
                    tally
                })
            })
            .collect();
        Report::gather(scenario, "raw", started, tasks).await
    }
}
