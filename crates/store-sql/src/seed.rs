//! The demo catalog and the areas, loaded idempotently.

use meiduo_domain::ports::StoreError;
use meiduo_domain::{Money, SkuId};
use sea_orm::{ConnectionTrait, DbBackend};

use crate::codec::get;
use crate::error::classify;
use crate::store::SqlStore;

/// The original shop's demo catalog: categories, channels, brands, SPUs with specifications and
/// options, 16 SKUs with images.
const CATALOG: &str = include_str!("../seed/catalog.sql");
/// China's provinces, cities and districts (3,226 rows).
const AREAS: &str = include_str!("../seed/areas.sql");

/// What [`SqlStore::load_demo_data`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// The catalog was loaded now (false: it was already there).
    pub catalog_loaded: bool,
    /// The areas were loaded now (false: they were already there).
    pub areas_loaded: bool,
}

impl SqlStore {
    /// Loads the demo catalog and the areas into empty tables; tables that already hold rows are
    /// left alone, so running it again changes nothing. Each part loads in one transaction.
    pub async fn load_demo_data(&self) -> Result<SeedReport, StoreError> {
        Ok(SeedReport {
            catalog_loaded: self.load_if_empty("tb_goods_category", CATALOG).await?,
            areas_loaded: self.load_if_empty("tb_areas", AREAS).await?,
        })
    }

    /// Sets a SKU's stock (restocking, as an operator would).
    pub async fn restock(&self, sku: SkuId, stock: u32) -> Result<(), StoreError> {
        self.exec(
            &self.db,
            "UPDATE tb_sku SET stock = ?, update_time = ? WHERE id = ?",
            vec![i64::from(stock).into(), crate::codec::now(), crate::codec::id(sku.0)],
        )
        .await
        .map(|_| ())
    }

    /// Adds `count` launched SKUs with `stock` units each to the demo catalog, each a copy of
    /// SKU 1 under a product (SPU) of its own copied from SKU 1's, in SKU 1's category: load
    /// tests that spread orders over many SKUs then share no row. Returns their ids.
    pub async fn add_bench_skus(&self, count: u32, stock: u32) -> Result<Vec<SkuId>, StoreError> {
        let tx = self.begin_tx().await?;
        let mut ids = Vec::with_capacity(count as usize);
        for n in 0..count {
            let spu = tx
                .conn()
                .execute_raw(self.stmt(
                    "INSERT INTO tb_goods (name, brand_id, category1_id, category2_id, category3_id, \
                     sales, comments, desc_detail, desc_pack, desc_service, create_time, update_time) \
                     SELECT ?, brand_id, category1_id, category2_id, category3_id, 0, 0, desc_detail, \
                     desc_pack, desc_service, ?, ? FROM tb_goods \
                     WHERE id = (SELECT goods_id FROM tb_sku WHERE id = 1)",
                    vec![
                        format!("bench SPU {n}").into(),
                        crate::codec::now(),
                        crate::codec::now(),
                    ],
                ))
                .await
                .map_err(classify)?
                .last_insert_id();
            let result = tx
                .conn()
                .execute_raw(self.stmt(
                    "INSERT INTO tb_sku (name, caption, goods_id, category_id, price, cost_price, \
                     market_price, stock, sales, comments, is_launched, default_image_url, create_time, \
                     update_time) SELECT ?, caption, ?, category_id, price, cost_price, market_price, \
                     ?, 0, 0, 1, default_image_url, ?, ? FROM tb_sku WHERE id = 1",
                    vec![
                        format!("bench SKU {n}").into(),
                        crate::codec::id(spu),
                        i64::from(stock).into(),
                        crate::codec::now(),
                        crate::codec::now(),
                    ],
                ))
                .await
                .map_err(classify)?;
            ids.push(SkuId(result.last_insert_id()));
        }
        tx.finish().await?;
        Ok(ids)
    }

    async fn load_if_empty(&self, table: &str, script: &str) -> Result<bool, StoreError> {
        if self.has_rows(table).await? {
            return Ok(false);
        }
        let tx = self.begin_tx().await?;
        for statement in statements(script) {
            let sql = render_money(self.backend, statement);
            match tx.conn().execute_unprepared(&sql).await.map_err(classify) {
                Ok(_) => {}
                // Another process loaded the same rows meanwhile.
                Err(StoreError::Duplicate(_)) => return Ok(false),
                Err(other) => return Err(other),
            }
        }
        tx.finish().await?;
        Ok(true)
    }

    async fn has_rows(&self, table: &str) -> Result<bool, StoreError> {
        let row = self.row(&self.db, &format!("SELECT COUNT(*) AS n FROM {table}"), vec![]).await?;
        let n: i64 = match row {
            Some(row) => get(&row, "n")?,
            None => 0,
        };
        Ok(n > 0)
    }
}

/// The statements of a seed script: each ends with `;` at the end of a line; `--` lines are
/// comments.
fn statements(script: &str) -> impl Iterator<Item = &str> {
    script
        .split(";\n")
        .map(|chunk| {
            let mut statement = chunk.trim_start();
            while statement.starts_with("--") {
                statement = statement.split_once('\n').map_or("", |(_, rest)| rest).trim_start();
            }
            statement
        })
        .filter(|statement| !statement.is_empty())
}

/// Writes each `M(1234.50)` of a seed statement as the engine stores money: the decimal itself
/// on MySQL, integer fen on SQLite.
fn render_money(backend: DbBackend, statement: &str) -> String {
    let mut out = String::with_capacity(statement.len());
    let mut rest = statement;
    while let Some(start) = rest.find("M(") {
        let after = &rest[start + 2..];
        let end = after.find(')').unwrap_or(0);
        let amount = &after[..end];
        let is_amount = end > 0 && amount.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        out.push_str(&rest[..start]);
        if !is_amount {
            out.push_str("M(");
            rest = after;
            continue;
        }
        match backend {
            DbBackend::Sqlite => match amount.parse::<Money>() {
                Ok(money) => out.push_str(&money.to_fen().to_string()),
                Err(_) => out.push_str(amount),
            },
            _ => out.push_str(amount),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_per_engine() {
        let sql = "VALUES (1,'a M(b)',M(3788.00),M(0.5),M(12))";
        assert_eq!(render_money(DbBackend::Sqlite, sql), "VALUES (1,'a M(b)',378800,50,1200)");
        assert_eq!(render_money(DbBackend::MySql, sql), "VALUES (1,'a M(b)',3788.00,0.5,12)");
    }

    #[test]
    fn scripts_split_into_statements_without_comments() {
        let script =
            "-- a comment\n-- another\nINSERT INTO a VALUES\n(1);\nINSERT INTO b VALUES (2);\n";
        let all: Vec<&str> = statements(script).collect();
        assert_eq!(all, vec!["INSERT INTO a VALUES\n(1)", "INSERT INTO b VALUES (2)"]);
    }

    #[test]
    fn the_shipped_seed_has_every_table_and_sixteen_skus() {
        let all: Vec<&str> = statements(CATALOG).collect();
        for table in [
            "tb_goods_category",
            "tb_goods_channel_group",
            "tb_goods_channel",
            "tb_brand",
            "tb_goods ",
            "tb_goods_specification",
            "tb_specification_option",
            "tb_sku ",
            "tb_sku_image",
            "tb_sku_specification",
        ] {
            assert!(all.iter().any(|s| s.starts_with(&format!("INSERT INTO {table}"))), "{table}");
        }
        let skus = all.iter().find(|s| s.starts_with("INSERT INTO tb_sku ")).unwrap();
        assert_eq!(skus.matches("\n(").count(), 16);
    }
}
