//! The demo catalog and the areas, loaded idempotently.

use meiduo_domain::ports::StoreError;
use meiduo_domain::{Money, SkuId};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter};

use crate::codec::{db_id, id_of, now};
use crate::entity::{area, goods, goods_category, sku};
use crate::error::{DbFailure, classify, store};
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
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached,
    /// [`StoreError::Unexpected`] when a statement of the seed fails.
    pub async fn load_demo_data(&self) -> Result<SeedReport, StoreError> {
        let has_catalog =
            goods_category::Entity::find().count(&self.db.conn).await.map_err(store)? > 0;
        let has_areas = area::Entity::find().count(&self.db.conn).await.map_err(store)? > 0;
        Ok(SeedReport {
            catalog_loaded: !has_catalog && self.load(CATALOG).await?,
            areas_loaded: !has_areas && self.load(AREAS).await?,
        })
    }

    /// Sets a SKU's stock (restocking, as an operator would).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached.
    pub async fn restock(&self, sku_id: SkuId, stock: u32) -> Result<(), StoreError> {
        sku::Entity::update_many()
            .col_expr(sku::Column::Stock, Expr::value(i64::from(stock)))
            .col_expr(sku::Column::UpdateTime, Expr::value(now()))
            .filter(sku::Column::Id.eq(db_id(sku_id.0)))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(())
    }

    /// Adds `count` launched SKUs with `stock` units each to the demo catalog, each a copy of
    /// SKU 1 under a product (SPU) of its own copied from SKU 1's, in SKU 1's category: load
    /// tests that spread orders over many SKUs then share no row. Returns their ids.
    ///
    /// # Errors
    /// [`StoreError::Unexpected`] when SKU 1 or its SPU is missing.
    pub async fn add_bench_skus(&self, count: u32, stock: u32) -> Result<Vec<SkuId>, StoreError> {
        let tx = self.db.begin().await?;
        let template = sku::Entity::find_by_id(1_i64)
            .one(&tx)
            .await
            .map_err(store)?
            .ok_or_else(|| StoreError::unexpected("the demo catalog has no SKU 1"))?;
        let spu_template = goods::Entity::find_by_id(template.goods_id)
            .one(&tx)
            .await
            .map_err(store)?
            .ok_or_else(|| StoreError::unexpected("SKU 1 has no SPU"))?;
        let mut ids = Vec::with_capacity(count as usize);
        for n in 0..count {
            let at = now();
            let spu = goods::ActiveModel {
                id: NotSet,
                name: Set(format!("bench SPU {n}")),
                sales: Set(0),
                comments: Set(0),
                create_time: Set(at),
                update_time: Set(at),
                ..goods::ActiveModel::from(spu_template.clone())
            };
            let spu = goods::Entity::insert(spu).exec(&tx).await.map_err(store)?.last_insert_id;
            let copy = sku::ActiveModel {
                id: NotSet,
                name: Set(format!("bench SKU {n}")),
                goods_id: Set(spu),
                stock: Set(i32::try_from(stock).unwrap_or(i32::MAX)),
                sales: Set(0),
                comments: Set(0),
                is_launched: Set(true),
                create_time: Set(at),
                update_time: Set(at),
                ..sku::ActiveModel::from(template.clone())
            };
            let inserted = sku::Entity::insert(copy).exec(&tx).await.map_err(store)?;
            ids.push(SkuId(id_of(inserted.last_insert_id)?));
        }
        tx.commit().await.map_err(store)?;
        Ok(ids)
    }

    /// Runs a seed script in one transaction; `false` when another process loaded the same
    /// rows meanwhile.
    async fn load(&self, script: &str) -> Result<bool, StoreError> {
        let tx = self.db.begin().await?;
        for statement in statements(script) {
            let sql = render_money(self.db.backend, statement);
            match tx.execute_unprepared(&sql).await.map_err(classify) {
                Ok(_) => {}
                Err(DbFailure::Duplicate { .. }) => return Ok(false),
                Err(DbFailure::Store(other)) => return Err(other),
            }
        }
        tx.commit().await.map_err(store)?;
        Ok(true)
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
