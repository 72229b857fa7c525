//! The `raw` drive: the order transaction's own statements through the bare driver (sqlx on
//! MySQL/MariaDB), with no product layer, no cart and no Redis: the database's limit for this
//! transaction's shape, against which the HTTP and direct drives are measured.
//!
//! Per order, the very statements of the product's order path, text for text (its general log):
//! the address check, `BEGIN`, a savepoint, the SKU read, the order's row, the covering stock
//! update (`stock >= n`, on sale), the SPU's sales, the line, `COMMIT`. A stock update that finds
//! too little stock rolls the transaction back and counts as sold out.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use meiduo_store_sql::{SqlConfig, SqlStore};
use sea_orm::sqlx::mysql::MySqlPool;
use sea_orm::sqlx::{self, Row};

use crate::{Bench, ClientTally, Report, Scenario};

/// Order ids of this drive: `raw`, the run, a counter.
static NEXT_ORDER: AtomicU64 = AtomicU64::new(0);

/// The bare pool: `connections` to `database_url` (MySQL/MariaDB only), the product's own
/// (`SqlStore::connect`), so that it pings and sets up each connection as the product's does.
///
/// # Errors
/// When the database cannot be reached, or is not MySQL/MariaDB.
pub async fn pool(database_url: &str, connections: u32) -> anyhow::Result<MySqlPool> {
    anyhow::ensure!(database_url.starts_with("mysql:"), "the raw drive needs MySQL/MariaDB");
    let mut config = SqlConfig::new(database_url.to_owned());
    config.max_connections = connections;
    let store = SqlStore::connect(&config).await.context("the raw drive's pool")?;
    store.mysql_pool().context("the raw drive needs MySQL/MariaDB")
}

/// The product's statements, as its general log shows them (sea-query builds them; sqlx
/// prepares each once per connection). `BEGIN`, the savepoint and `COMMIT` go as plain text, as
/// the product's do.
mod sql {
    pub(super) const ADDRESS: &str = "SELECT `tb_address`.`id` FROM `tb_address` \
        WHERE `tb_address`.`id` = ? AND `tb_address`.`user_id` = ? AND `tb_address`.`is_deleted` = ? \
        LIMIT ?";
    pub(super) const SAVEPOINT: &str = "SAVEPOINT meiduo_order";
    pub(super) const SKUS: &str = "SELECT `tb_sku`.`id` AS `id`, `tb_sku`.`name` AS `name`, \
        `tb_sku`.`caption` AS `caption`, `tb_sku`.`goods_id` AS `goods_id`, \
        `tb_sku`.`category_id` AS `category_id`, `tb_sku`.`price` AS `price`, \
        `tb_sku`.`stock` AS `stock`, `tb_sku`.`sales` AS `sales`, \
        `tb_sku`.`is_launched` AS `is_launched`, `tb_sku`.`default_image_url` AS `default_image_url` \
        FROM `tb_sku` WHERE `tb_sku`.`id` IN (?) ORDER BY `tb_sku`.`id` ASC";
    pub(super) const ORDER: &str = "INSERT INTO `tb_order_info` (`order_id`, `user_id`, `address_id`, \
        `total_count`, `total_amount`, `freight`, `pay_method`, `status`, `create_time`, \
        `update_time`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    pub(super) const TAKE: &str = "UPDATE `tb_sku` SET `stock` = `stock` - ?, `sales` = `sales` + ?, \
        `update_time` = ? WHERE `tb_sku`.`id` = ? AND `tb_sku`.`stock` >= ? \
        AND `tb_sku`.`is_launched` = ?";
    pub(super) const SPU_SALES: &str =
        "UPDATE `tb_goods` SET `sales` = `sales` + ? WHERE `tb_goods`.`id` = ?";
    pub(super) const LINE: &str = "INSERT INTO `tb_order_goods` (`order_id`, `sku_id`, `count`, `price`, \
        `comment`, `create_time`, `update_time`) VALUES (?, ?, ?, ?, ?, ?, ?)";
}

/// One order of one unit of `sku` by `user` to `address`, its id marked with `run`; `Ok(false)`
/// when sold out.
///
/// # Errors
/// The driver's, and `RowNotFound` when the address is not the user's usable one.
pub async fn order(
    pool: &MySqlPool,
    run: u32,
    user: i64,
    address: i64,
    sku: i64,
) -> Result<bool, sqlx::Error> {
    // No usable address: `RowNotFound`, counted as the run's error.
    sqlx::query(sql::ADDRESS)
        .bind(address)
        .bind(user)
        .bind(false)
        .bind(1_u64)
        .fetch_one(pool)
        .await?;
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(sql::SAVEPOINT).execute(&mut *tx).await?;
    let row = sqlx::query(sql::SKUS).bind(sku).fetch_one(&mut *tx).await?;
    let price: rust_decimal::Decimal = row.try_get("price")?;
    let spu: i64 = row.try_get("goods_id")?;
    let order_id = format!("raw{run:06x}{:012}", NEXT_ORDER.fetch_add(1, Ordering::Relaxed));
    let now = time::OffsetDateTime::now_utc();
    let now = time::PrimitiveDateTime::new(now.date(), now.time());
    sqlx::query(sql::ORDER)
        .bind(&order_id)
        .bind(user)
        .bind(address)
        .bind(1_i32)
        .bind(price + rust_decimal::Decimal::TEN)
        .bind(rust_decimal::Decimal::TEN)
        .bind(1_i16)
        .bind(2_i16)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let taken = sqlx::query(sql::TAKE)
        .bind(1_i64)
        .bind(1_i64)
        .bind(now)
        .bind(sku)
        .bind(1_i64)
        .bind(true)
        .execute(&mut *tx)
        .await?;
    if taken.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query(sql::SPU_SALES).bind(1_i64).bind(spu).execute(&mut *tx).await?;
    sqlx::query(sql::LINE)
        .bind(&order_id)
        .bind(sku)
        .bind(1_i32)
        .bind(price)
        .bind("")
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
