//! [`PaymentRepository`]: orders as callbacks name them, refund records, and the cancellation of
//! unpaid orders.

use std::collections::BTreeMap;

use async_trait::async_trait;
use meiduo_domain::ports::{PaymentRepository, PendingRefund, StoreError};
use meiduo_domain::{Order, OrderId, OrderStatus};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use time::OffsetDateTime;

use crate::codec::{count_of, moment, now, order_id_of, status_code};
use crate::entity::{goods, order_goods, order_info, payment_refund, sku};
use crate::error::store;
use crate::order_writer::move_status;
use crate::payment_ledger::paid_trade;
use crate::store::Db;

/// Payments of orders, on the pool.
#[derive(Debug, Clone)]
pub struct SqlPayments {
    db: Db,
}

impl SqlPayments {
    pub(crate) fn new(db: Db) -> Self {
        SqlPayments { db }
    }
}

/// An order line with its SKU's SPU, for giving stock and sales back.
#[derive(Debug, FromQueryResult)]
struct LineOfSpu {
    sku_id: i64,
    count: i32,
    goods_id: i64,
}

/// An order's id.
#[derive(Debug, FromQueryResult)]
struct OrderKey {
    order_id: String,
}

#[async_trait]
impl PaymentRepository for SqlPayments {
    async fn find_order(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError> {
        order_info::Entity::find_by_id(order_id.as_str())
            .one(&self.db.conn)
            .await
            .map_err(store)?
            .map(order_info::Model::into_order)
            .transpose()
    }

    async fn mark_refunded(&self, trade_id: &str) -> Result<(), StoreError> {
        payment_refund::Entity::update_many()
            .col_expr(payment_refund::Column::Refunded, Expr::value(true))
            .col_expr(payment_refund::Column::UpdateTime, Expr::value(now()))
            .filter(payment_refund::Column::TradeId.eq(trade_id))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn pending_refunds(&self) -> Result<u64, StoreError> {
        payment_refund::Entity::find()
            .filter(payment_refund::Column::Refunded.eq(false))
            .count(&self.db.conn)
            .await
            .map_err(store)
    }

    async fn claim_due_refunds(
        &self,
        now: OffsetDateTime,
        claim_until: OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<PendingRefund>, StoreError> {
        let due = || {
            Condition::any()
                .add(payment_refund::Column::NextAttemptAt.is_null())
                .add(payment_refund::Column::NextAttemptAt.lte(moment(now)))
        };
        let rows = payment_refund::Entity::find()
            .filter(payment_refund::Column::Refunded.eq(false))
            .filter(due())
            .order_by_asc(payment_refund::Column::Id)
            .limit(limit)
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            // Of two replicas that read the row, the one whose update still finds it due has it.
            let taken = payment_refund::Entity::update_many()
                .col_expr(
                    payment_refund::Column::NextAttemptAt,
                    Expr::value(Some(moment(claim_until))),
                )
                .filter(payment_refund::Column::Id.eq(row.id))
                .filter(payment_refund::Column::Refunded.eq(false))
                .filter(due())
                .exec(&self.db.conn)
                .await
                .map_err(store)?;
            if taken.rows_affected == 1 {
                claimed.push(PendingRefund {
                    order_id: order_id_of(&row.order_id)?,
                    trade_id: row.trade_id,
                    amount: row.amount.money()?,
                    attempts: u32::try_from(row.attempts).unwrap_or(0),
                });
            }
        }
        Ok(claimed)
    }

    async fn refund_failed(
        &self,
        trade_id: &str,
        next_attempt: OffsetDateTime,
        error: &str,
    ) -> Result<(), StoreError> {
        payment_refund::Entity::update_many()
            .col_expr(
                payment_refund::Column::Attempts,
                Expr::col(payment_refund::Column::Attempts).add(1),
            )
            .col_expr(
                payment_refund::Column::NextAttemptAt,
                Expr::value(Some(moment(next_attempt))),
            )
            .col_expr(
                payment_refund::Column::LastError,
                Expr::value(Some(error.chars().take(500).collect::<String>())),
            )
            .col_expr(payment_refund::Column::UpdateTime, Expr::value(now()))
            .filter(payment_refund::Column::TradeId.eq(trade_id))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn trade_of(&self, order_id: &OrderId) -> Result<Option<String>, StoreError> {
        paid_trade(&self.db.conn, order_id).await
    }

    async fn unpaid_before(
        &self,
        placed_before: OffsetDateTime,
        after: Option<OrderId>,
        limit: u64,
    ) -> Result<Vec<OrderId>, StoreError> {
        let mut query = order_info::Entity::find()
            .select_only()
            .column(order_info::Column::OrderId)
            .filter(order_info::Column::Status.eq(status_code(OrderStatus::Unpaid)))
            .filter(order_info::Column::CreateTime.lt(moment(placed_before)));
        if let Some(after) = after {
            query = query.filter(order_info::Column::OrderId.gt(after.as_str()));
        }
        query
            .order_by_asc(order_info::Column::OrderId)
            .limit(limit)
            .into_model::<OrderKey>()
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .iter()
            .map(|row| order_id_of(&row.order_id))
            .collect()
    }

    async fn cancel_unpaid(&self, order_id: &OrderId, actor: &str) -> Result<bool, StoreError> {
        OrderStatus::Unpaid
            .transition(OrderStatus::Canceled)
            .map_err(|e| StoreError::Unexpected(Box::new(e)))?;
        let tx = self.db.begin().await?;
        if !move_status(&tx, order_id, OrderStatus::Unpaid, OrderStatus::Canceled, actor).await? {
            return Ok(false);
        }
        let lines = Query::select()
            .column((order_goods::Entity, order_goods::Column::SkuId))
            .column((order_goods::Entity, order_goods::Column::Count))
            .column((sku::Entity, sku::Column::GoodsId))
            .from(order_goods::Entity)
            .inner_join(
                sku::Entity,
                Expr::col((sku::Entity, sku::Column::Id))
                    .equals((order_goods::Entity, order_goods::Column::SkuId)),
            )
            .and_where(
                Expr::col((order_goods::Entity, order_goods::Column::OrderId))
                    .eq(order_id.as_str()),
            )
            .order_by((order_goods::Entity, order_goods::Column::SkuId), sea_orm::Order::Asc)
            .to_owned();
        let lines = LineOfSpu::find_by_statement(self.db.backend.build(&lines))
            .all(&tx)
            .await
            .map_err(store)?;
        let mut spu_sales: BTreeMap<i64, i64> = BTreeMap::new();
        // SKU rows in id order, then SPU rows in id order: the lock order of placing an order.
        for line in &lines {
            let count = i64::from(count_of(i64::from(line.count))?);
            sku::Entity::update_many()
                .col_expr(sku::Column::Stock, Expr::col(sku::Column::Stock).add(count))
                .col_expr(sku::Column::Sales, Expr::col(sku::Column::Sales).sub(count))
                .col_expr(sku::Column::UpdateTime, Expr::value(now()))
                .filter(sku::Column::Id.eq(line.sku_id))
                .exec(&tx)
                .await
                .map_err(store)?;
            *spu_sales.entry(line.goods_id).or_default() += count;
        }
        for (spu, count) in spu_sales {
            goods::Entity::update_many()
                .col_expr(goods::Column::Sales, Expr::col(goods::Column::Sales).sub(count))
                .filter(goods::Column::Id.eq(spu))
                .exec(&tx)
                .await
                .map_err(store)?;
        }
        tx.commit().await.map_err(store)?;
        Ok(true)
    }
}
