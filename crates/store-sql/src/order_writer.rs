//! [`OrderWriter`] inside a transaction: a new order and its lines, the order row's lock, status
//! moves by conditional update, and comments on lines.

use async_trait::async_trait;
use meiduo_domain::ports::{
    InsertOrderError, LineComment, LockedOrder, NewComment, OrderWriter, StoreError, UnpaidHoldings,
};
use meiduo_domain::{Order, OrderGoods, OrderId, OrderStatus, SkuId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QuerySelect,
};

use crate::codec::{DbMoney, db_id, id_of, moment, now, status_code, status_of};
use crate::entity::{order_goods, order_info, order_status_log};
use crate::error::{DbFailure, classify, store};
use crate::unit_of_work::Tx;

/// The order writer bound to one transaction.
#[derive(Debug)]
pub(crate) struct SqlOrderWriter {
    tx: Tx,
}

impl SqlOrderWriter {
    pub(crate) fn new(tx: Tx) -> Self {
        SqlOrderWriter { tx }
    }
}

/// The owner and status of a locked order.
#[derive(Debug, FromQueryResult)]
struct OwnerAndStatus {
    user_id: i64,
    status: i16,
}

#[async_trait]
impl OrderWriter for SqlOrderWriter {
    async fn insert_order(&self, order: &Order) -> Result<(), InsertOrderError> {
        let b = self.tx.backend;
        let row = order_info::ActiveModel {
            order_id: Set(order.order_id.as_str().to_owned()),
            user_id: Set(db_id(order.user_id.0)),
            address_id: Set(db_id(order.address_id.0)),
            total_count: Set(i32::try_from(order.total_count).unwrap_or(i32::MAX)),
            total_amount: Set(DbMoney::new(b, order.total_amount)),
            freight: Set(DbMoney::new(b, order.freight)),
            pay_method: Set(i16::from(order.pay_method.code())),
            status: Set(status_code(order.status)),
            create_time: Set(moment(order.created_at)),
            update_time: Set(moment(order.updated_at)),
        };
        match order_info::Entity::insert(row).exec_without_returning(self.tx.conn()).await {
            Ok(_) => Ok(()),
            Err(error) => match classify(error) {
                DbFailure::Duplicate { .. } => Err(InsertOrderError::IdTaken),
                DbFailure::Store(error) => Err(error.into()),
            },
        }
    }

    async fn insert_lines(&self, order: &Order, lines: &[OrderGoods]) -> Result<(), StoreError> {
        if lines.is_empty() {
            return Ok(());
        }
        let created = moment(order.created_at);
        let rows = lines.iter().map(|line| order_goods::ActiveModel {
            order_id: Set(order.order_id.as_str().to_owned()),
            sku_id: Set(db_id(line.sku_id.0)),
            count: Set(i32::try_from(line.count.get()).unwrap_or(i32::MAX)),
            price: Set(DbMoney::new(self.tx.backend, line.price)),
            comment: Set(String::new()),
            create_time: Set(created),
            update_time: Set(created),
            ..Default::default()
        });
        order_goods::Entity::insert_many(rows)
            .exec_without_returning(self.tx.conn())
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn lock(&self, order_id: &OrderId) -> Result<Option<LockedOrder>, StoreError> {
        let row = order_info::Entity::find_by_id(order_id.as_str())
            .select_only()
            .column(order_info::Column::UserId)
            .column(order_info::Column::Status)
            .lock_exclusive()
            .into_model::<OwnerAndStatus>()
            .one(self.tx.conn())
            .await
            .map_err(store)?;
        row.map(|row| {
            Ok(LockedOrder { user_id: UserId(id_of(row.user_id)?), status: status_of(row.status)? })
        })
        .transpose()
    }

    async fn move_status(
        &self,
        order_id: &OrderId,
        from: OrderStatus,
        to: OrderStatus,
        actor: &str,
    ) -> Result<bool, StoreError> {
        move_status(self.tx.conn(), order_id, from, to, actor).await
    }

    async fn comment_line(
        &self,
        order_id: &OrderId,
        comment: &NewComment,
    ) -> Result<LineComment, StoreError> {
        let line = || {
            order_goods::Column::OrderId
                .eq(order_id.as_str())
                .and(order_goods::Column::SkuId.eq(db_id(comment.sku.0)))
        };
        let changed = order_goods::Entity::update_many()
            .col_expr(order_goods::Column::Comment, Expr::value(comment.comment.clone()))
            .col_expr(order_goods::Column::Score, Expr::value(i16::from(comment.score)))
            .col_expr(order_goods::Column::IsAnonymous, Expr::value(comment.is_anonymous))
            .col_expr(order_goods::Column::IsCommented, Expr::value(true))
            .col_expr(order_goods::Column::UpdateTime, Expr::value(now()))
            .filter(line())
            .filter(order_goods::Column::IsCommented.eq(false))
            .exec(self.tx.conn())
            .await
            .map_err(store)?;
        if changed.rows_affected > 0 {
            return Ok(LineComment::Commented);
        }
        let exists = order_goods::Entity::find().filter(line()).count(self.tx.conn()).await;
        Ok(if exists.map_err(store)? > 0 {
            LineComment::AlreadyCommented
        } else {
            LineComment::NoSuchLine
        })
    }

    async fn uncommented_count(&self, order_id: &OrderId) -> Result<u64, StoreError> {
        order_goods::Entity::find()
            .filter(order_goods::Column::OrderId.eq(order_id.as_str()))
            .filter(order_goods::Column::IsCommented.eq(false))
            .count(self.tx.conn())
            .await
            .map_err(store)
    }

    async fn unpaid_holdings(
        &self,
        user: UserId,
        skus: &[SkuId],
    ) -> Result<UnpaidHoldings, StoreError> {
        let unpaid = order_info::Entity::find()
            .select_only()
            .column(order_info::Column::OrderId)
            .filter(order_info::Column::UserId.eq(db_id(user.0)))
            .filter(order_info::Column::Status.eq(status_code(OrderStatus::Unpaid)))
            .into_tuple::<String>()
            .all(self.tx.conn())
            .await
            .map_err(store)?;
        let mut held = UnpaidHoldings {
            orders: u32::try_from(unpaid.len()).unwrap_or(u32::MAX),
            ..UnpaidHoldings::default()
        };
        if unpaid.is_empty() || skus.is_empty() {
            return Ok(held);
        }
        let lines: Vec<(i64, i32)> = order_goods::Entity::find()
            .select_only()
            .column(order_goods::Column::SkuId)
            .column(order_goods::Column::Count)
            .filter(order_goods::Column::OrderId.is_in(unpaid))
            .filter(order_goods::Column::SkuId.is_in(skus.iter().map(|sku| db_id(sku.0))))
            .into_tuple()
            .all(self.tx.conn())
            .await
            .map_err(store)?;
        for (sku, count) in lines {
            *held.units.entry(SkuId(id_of(sku)?)).or_default() += u32::try_from(count).unwrap_or(0);
        }
        Ok(held)
    }
}

/// Logs a change of the order's status on `conn` (the transaction of the change).
pub(crate) async fn log_status(
    conn: &impl sea_orm::ConnectionTrait,
    order_id: &OrderId,
    from: Option<OrderStatus>,
    to: OrderStatus,
    actor: &str,
) -> Result<(), StoreError> {
    let at = now();
    let row = order_status_log::ActiveModel {
        order_id: Set(order_id.as_str().to_owned()),
        from_status: Set(from.map(status_code)),
        to_status: Set(status_code(to)),
        actor: Set(actor.chars().take(40).collect()),
        create_time: Set(at),
        update_time: Set(at),
        ..Default::default()
    };
    order_status_log::Entity::insert(row).exec_without_returning(conn).await.map_err(store)?;
    Ok(())
}

/// Moves an order from `from` to `to` by a conditional update on `conn`, and logs it there;
/// whether it moved.
pub(crate) async fn move_status(
    conn: &impl sea_orm::ConnectionTrait,
    order_id: &OrderId,
    from: OrderStatus,
    to: OrderStatus,
    actor: &str,
) -> Result<bool, StoreError> {
    let result = order_info::Entity::update_many()
        .col_expr(order_info::Column::Status, Expr::value(status_code(to)))
        .col_expr(order_info::Column::UpdateTime, Expr::value(now()))
        .filter(order_info::Column::OrderId.eq(order_id.as_str()))
        .filter(order_info::Column::Status.eq(status_code(from)))
        .exec(conn)
        .await
        .map_err(store)?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    log_status(conn, order_id, Some(from), to, actor).await?;
    Ok(true)
}
