//! [`SkuDocuments`]: what the search index holds of each SKU, read from the catalog's tables.

use std::collections::BTreeSet;

use async_trait::async_trait;
use meiduo_domain::SkuId;
use meiduo_domain::ports::{DocumentChanges, SkuDocument, SkuDocuments, StoreError};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{FromQueryResult, StatementBuilder};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::codec::{count_of, db_id, id_of, instant, moment};
use crate::entity::{brand, goods, goods_category, sku};
use crate::error::store;
use crate::store::Db;

/// How many SKUs one query reads back by id.
const CHUNK: usize = 1000;

/// The search index's source, on the pool.
#[derive(Debug, Clone)]
pub struct SqlSkuDocuments {
    db: Db,
}

#[derive(Debug, FromQueryResult)]
struct DocumentRow {
    id: i64,
    name: String,
    caption: String,
    sales: i32,
    is_launched: bool,
    spu: String,
    brand: String,
    category1: Option<String>,
    category2: Option<String>,
    category3: Option<String>,
}

impl DocumentRow {
    fn into_domain(self) -> Result<SkuDocument, StoreError> {
        Ok(SkuDocument {
            id: SkuId(id_of(self.id)?),
            name: self.name,
            caption: self.caption,
            spu: self.spu,
            brand: self.brand,
            categories: [self.category1, self.category2, self.category3]
                .into_iter()
                .flatten()
                .collect(),
            sales: u64::from(count_of(i64::from(self.sales))?),
            is_launched: self.is_launched,
        })
    }
}

#[derive(Debug, FromQueryResult)]
struct Changed {
    id: i64,
    changed: PrimitiveDateTime,
}

/// A SKU's row joined to its SPU's.
fn sku_spu() -> sea_orm::sea_query::SimpleExpr {
    Expr::col((sku::Entity, sku::Column::GoodsId)).equals((goods::Entity, goods::Column::Id))
}

/// An SPU's row joined to its brand's.
fn spu_brand() -> sea_orm::sea_query::SimpleExpr {
    Expr::col((goods::Entity, goods::Column::BrandId)).equals((brand::Entity, brand::Column::Id))
}

/// The documents' query, without its filter.
fn documents() -> SelectStatement {
    let category = |n: u8| Alias::new(format!("c{n}"));
    let mut query = Query::select();
    query
        .column((sku::Entity, sku::Column::Id))
        .column((sku::Entity, sku::Column::Name))
        .column((sku::Entity, sku::Column::Caption))
        .column((sku::Entity, sku::Column::Sales))
        .column((sku::Entity, sku::Column::IsLaunched))
        .expr_as(Expr::col((goods::Entity, goods::Column::Name)), Alias::new("spu"))
        .expr_as(Expr::col((brand::Entity, brand::Column::Name)), Alias::new("brand"))
        .from(sku::Entity)
        .inner_join(goods::Entity, sku_spu())
        .inner_join(brand::Entity, spu_brand());
    let levels =
        [goods::Column::Category1Id, goods::Column::Category2Id, goods::Column::Category3Id];
    for (n, level) in (1..).zip(levels) {
        query
            .expr_as(
                Expr::col((category(n), goods_category::Column::Name)),
                Alias::new(format!("category{n}")),
            )
            .join_as(
                sea_orm::JoinType::LeftJoin,
                goods_category::Entity,
                category(n),
                Expr::col((category(n), goods_category::Column::Id)).equals((goods::Entity, level)),
            );
    }
    query
}

impl SqlSkuDocuments {
    pub(crate) fn new(db: Db) -> Self {
        SqlSkuDocuments { db }
    }

    async fn read(&self, query: &SelectStatement) -> Result<Vec<SkuDocument>, StoreError> {
        let statement = StatementBuilder::build(query, &self.db.conn.get_database_backend());
        DocumentRow::find_by_statement(statement)
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .into_iter()
            .map(DocumentRow::into_domain)
            .collect()
    }

    async fn changed(&self, query: &SelectStatement) -> Result<Vec<Changed>, StoreError> {
        let statement = StatementBuilder::build(query, &self.db.conn.get_database_backend());
        Changed::find_by_statement(statement).all(&self.db.conn).await.map_err(store)
    }
}

#[async_trait]
impl SkuDocuments for SqlSkuDocuments {
    async fn launched(&self) -> Result<Vec<SkuDocument>, StoreError> {
        let mut query = documents();
        query.and_where(Expr::col((sku::Entity, sku::Column::IsLaunched)).eq(true));
        self.read(&query).await
    }

    async fn changed_since(&self, since: OffsetDateTime) -> Result<DocumentChanges, StoreError> {
        let from = moment(since);
        // The SKUs whose row changed, whose SPU changed, whose brand changed: each one range
        // on an index of `update_time`.
        let sku_time = Expr::col((sku::Entity, sku::Column::UpdateTime));
        let spu_time = Expr::col((goods::Entity, goods::Column::UpdateTime));
        let brand_time = Expr::col((brand::Entity, brand::Column::UpdateTime));
        let mut own = Query::select();
        own.column((sku::Entity, sku::Column::Id))
            .expr_as(sku_time.clone(), Alias::new("changed"))
            .from(sku::Entity)
            .and_where(sku_time.gte(from));
        let mut by_spu = Query::select();
        by_spu
            .column((sku::Entity, sku::Column::Id))
            .expr_as(spu_time.clone(), Alias::new("changed"))
            .from(goods::Entity)
            .inner_join(sku::Entity, sku_spu())
            .and_where(spu_time.gte(from));
        let mut by_brand = Query::select();
        by_brand
            .column((sku::Entity, sku::Column::Id))
            .expr_as(brand_time.clone(), Alias::new("changed"))
            .from(brand::Entity)
            .inner_join(goods::Entity, spu_brand())
            .inner_join(sku::Entity, sku_spu())
            .and_where(brand_time.gte(from));
        let mut ids = BTreeSet::new();
        let mut seen_until = since;
        for query in [own, by_spu, by_brand] {
            for row in self.changed(&query).await? {
                ids.insert(db_id(id_of(row.id)?));
                seen_until = Ord::max(seen_until, instant(row.changed));
            }
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let mut query = documents();
            query.and_where(Expr::col((sku::Entity, sku::Column::Id)).is_in(chunk.iter().copied()));
            found.extend(self.read(&query).await?);
        }
        Ok(DocumentChanges { documents: found, seen_until })
    }
}
