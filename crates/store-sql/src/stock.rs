//! [`StockRepository`] inside a transaction: SKU stock and sales by compare-and-swap, SPU sales
//! and comment counters by atomic increments.

use async_trait::async_trait;
use meiduo_domain::ports::{StockGuard, StockRepository, StoreError};
use meiduo_domain::{Quantity, Sku, SkuId, SpuId};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::codec::{db_id, now};
use crate::entity::{goods, sku};
use crate::error::store;
use crate::unit_of_work::Tx;

/// The stock repository bound to one transaction.
#[derive(Debug)]
pub(crate) struct SqlStock {
    tx: Tx,
}

impl SqlStock {
    pub(crate) fn new(tx: Tx) -> Self {
        SqlStock { tx }
    }
}

#[async_trait]
impl StockRepository for SqlStock {
    async fn read_skus(&self, ids: &[SkuId]) -> Result<Vec<Sku>, StoreError> {
        read_skus(self.tx.conn(), ids).await
    }

    async fn take_stock(
        &self,
        sku: SkuId,
        count: Quantity,
        guard: StockGuard,
    ) -> Result<bool, StoreError> {
        let n = i64::from(count.get());
        let guard = match guard {
            StockGuard::Equals(expected) => sku::Column::Stock.eq(i64::from(expected)),
            StockGuard::Covers => sku::Column::Stock.gte(n),
        };
        let result = sku::Entity::update_many()
            .col_expr(sku::Column::Stock, Expr::col(sku::Column::Stock).sub(n))
            .col_expr(sku::Column::Sales, Expr::col(sku::Column::Sales).add(n))
            .col_expr(sku::Column::UpdateTime, Expr::value(now()))
            .filter(sku::Column::Id.eq(db_id(sku.0)))
            .filter(guard)
            .filter(sku::Column::IsLaunched.eq(true))
            .exec(self.tx.conn())
            .await
            .map_err(store)?;
        Ok(result.rows_affected == 1)
    }

    async fn add_spu_sales(&self, spu: SpuId, count: u32) -> Result<(), StoreError> {
        goods::Entity::update_many()
            .col_expr(goods::Column::Sales, Expr::col(goods::Column::Sales).add(i64::from(count)))
            .filter(goods::Column::Id.eq(db_id(spu.0)))
            .exec(self.tx.conn())
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn count_comment(&self, sku_id: SkuId) -> Result<(), StoreError> {
        sku::Entity::update_many()
            .col_expr(sku::Column::Comments, Expr::col(sku::Column::Comments).add(1))
            .filter(sku::Column::Id.eq(db_id(sku_id.0)))
            .exec(self.tx.conn())
            .await
            .map_err(store)?;
        let spu_of_sku = Query::select()
            .column(sku::Column::GoodsId)
            .from(sku::Entity)
            .and_where(sku::Column::Id.eq(db_id(sku_id.0)))
            .to_owned();
        goods::Entity::update_many()
            .col_expr(goods::Column::Comments, Expr::col(goods::Column::Comments).add(1))
            .filter(goods::Column::Id.in_subquery(spu_of_sku))
            .exec(self.tx.conn())
            .await
            .map_err(store)?;
        Ok(())
    }
}

/// The SKUs with these ids, in id order, on `conn` (the pool or a transaction).
pub(crate) async fn read_skus(
    conn: &impl sea_orm::ConnectionTrait,
    ids: &[SkuId],
) -> Result<Vec<Sku>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sku::Entity::find()
        .filter(sku::Column::Id.is_in(ids.iter().map(|sku| db_id(sku.0))))
        .order_by_asc(sku::Column::Id)
        .into_partial_model::<sku::Sale>()
        .all(conn)
        .await
        .map_err(store)?
        .into_iter()
        .map(sku::Sale::into_sku)
        .collect()
}
