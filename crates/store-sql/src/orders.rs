//! [`OrderRepository`]: the buyers' orders and their lines, and status moves outside a
//! transaction.

use async_trait::async_trait;
use meiduo_domain::ports::{OrderRepository, StatusChange, StoreError};
use meiduo_domain::{Order, OrderGoods, OrderId, OrderStatus, Page, UserId};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::codec::{db_id, instant, status_of};
use crate::entity::{order_goods, order_info, order_status_log};
use crate::error::store;
use crate::order_writer::move_status;
use crate::store::Db;

/// The buyers' orders, on the pool.
#[derive(Debug, Clone)]
pub struct SqlOrders {
    db: Db,
}

impl SqlOrders {
    pub(crate) fn new(db: Db) -> Self {
        SqlOrders { db }
    }

    async fn owned(&self, user: UserId, order_id: &OrderId) -> Result<Option<Order>, StoreError> {
        order_info::Entity::find_by_id(order_id.as_str())
            .filter(order_info::Column::UserId.eq(db_id(user.0)))
            .one(&self.db.conn)
            .await
            .map_err(store)?
            .map(order_info::Model::into_order)
            .transpose()
    }

    /// The lines of these orders (only the uncommented ones when asked), grouped per order in
    /// the order given, each group in SKU-id order.
    async fn lines_of(
        &self,
        orders: &[OrderId],
        uncommented_only: bool,
    ) -> Result<Vec<Vec<OrderGoods>>, StoreError> {
        let mut grouped: Vec<Vec<OrderGoods>> = vec![Vec::new(); orders.len()];
        if orders.is_empty() {
            return Ok(grouped);
        }
        let mut query = order_goods::Entity::find()
            .filter(order_goods::Column::OrderId.is_in(orders.iter().map(OrderId::as_str)));
        if uncommented_only {
            query = query.filter(order_goods::Column::IsCommented.eq(false));
        }
        let rows = query
            .order_by_asc(order_goods::Column::OrderId)
            .order_by_asc(order_goods::Column::SkuId)
            .into_partial_model::<order_goods::Line>()
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        for row in rows {
            let Some(at) = orders.iter().position(|o| o.as_str() == row.order_id) else {
                continue;
            };
            grouped[at].push(row.into_domain()?);
        }
        Ok(grouped)
    }
}

#[async_trait]
impl OrderRepository for SqlOrders {
    async fn find_for_user(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<Option<(Order, Vec<OrderGoods>)>, StoreError> {
        let Some(order) = self.owned(user, order_id).await? else {
            return Ok(None);
        };
        let lines = self.lines_of(std::slice::from_ref(&order.order_id), false).await?;
        Ok(Some((order, lines.into_iter().next().unwrap_or_default())))
    }

    async fn list_for_user(
        &self,
        user: UserId,
        offset: u64,
        limit: u64,
    ) -> Result<Page<(Order, Vec<OrderGoods>)>, StoreError> {
        let mine = order_info::Entity::find().filter(order_info::Column::UserId.eq(db_id(user.0)));
        let count = mine.clone().count(&self.db.conn).await.map_err(store)?;
        let orders: Vec<Order> = mine
            .order_by_desc(order_info::Column::CreateTime)
            .order_by_desc(order_info::Column::OrderId)
            .limit(limit)
            .offset(offset)
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .into_iter()
            .map(order_info::Model::into_order)
            .collect::<Result<_, _>>()?;
        let ids: Vec<OrderId> = orders.iter().map(|o| o.order_id.clone()).collect();
        let lines = self.lines_of(&ids, false).await?;
        Ok(Page { count, items: orders.into_iter().zip(lines).collect() })
    }

    async fn uncommented(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<Option<Vec<OrderGoods>>, StoreError> {
        if self.owned(user, order_id).await?.is_none() {
            return Ok(None);
        }
        let lines = self.lines_of(std::slice::from_ref(order_id), true).await?;
        Ok(Some(lines.into_iter().next().unwrap_or_default()))
    }

    async fn transition(
        &self,
        order_id: &OrderId,
        from: OrderStatus,
        to: OrderStatus,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let tx = self.db.begin().await?;
        if !move_status(&tx, order_id, from, to, actor).await? {
            return Ok(false);
        }
        tx.commit().await.map_err(store)?;
        Ok(true)
    }

    async fn history(&self, order_id: &OrderId) -> Result<Vec<StatusChange>, StoreError> {
        order_status_log::Entity::find()
            .filter(order_status_log::Column::OrderId.eq(order_id.as_str()))
            .order_by_asc(order_status_log::Column::Id)
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .into_iter()
            .map(|row| {
                Ok(StatusChange {
                    from: row.from_status.map(status_of).transpose()?,
                    to: status_of(row.to_status)?,
                    actor: row.actor,
                    at: instant(row.create_time),
                })
            })
            .collect()
    }
}
