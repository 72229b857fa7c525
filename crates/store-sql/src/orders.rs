//! Orders, their lines and comments.

use async_trait::async_trait;
use meiduo_domain::ports::{
    CommentOutcome, DynTransaction, NewComment, OrderRepository, StoreError,
};
use meiduo_domain::{
    AddressId, Order, OrderGoods, OrderId, OrderStatus, Page, PayMethod, Quantity, SkuId, UserId,
};
use sea_orm::{ConnectionTrait, QueryResult, Value};

use crate::codec::{self, get, get_moment, get_money, get_u32, get_u64, id, now, placeholders};
use crate::error::classify;
use crate::store::SqlStore;
use crate::tx::SqlTransaction;

#[async_trait]
impl OrderRepository for SqlStore {
    async fn insert_order(&self, tx: &mut DynTransaction, order: &Order) -> Result<(), StoreError> {
        let tx = SqlTransaction::of(tx)?;
        let b = self.backend;
        let header = vec![
            Value::String(Some(order.order_id.as_str().to_owned())),
            Value::BigInt(Some(order.user_id.0 as i64)),
            Value::BigInt(Some(order.address_id.0 as i64)),
            Value::BigInt(Some(i64::from(order.total_count))),
            codec::money(b, order.total_amount),
            codec::money(b, order.freight),
            Value::SmallInt(Some(i16::from(order.pay_method.code()))),
            Value::SmallInt(Some(i16::from(order.status.code()))),
            codec::moment(order.created_at),
            codec::moment(order.updated_at),
        ];
        tx.conn()
            .execute_raw(self.stmt(
                "INSERT INTO tb_order_info (order_id, user_id, address_id, total_count, \
                 total_amount, freight, pay_method, status, create_time, update_time) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                header,
            ))
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert_lines(
        &self,
        tx: &mut DynTransaction,
        order: &Order,
        lines: &[OrderGoods],
    ) -> Result<(), StoreError> {
        let tx = SqlTransaction::of(tx)?;
        if lines.is_empty() {
            return Ok(());
        }
        let mut values = Vec::with_capacity(lines.len() * 7);
        for line in lines {
            values.extend([
                Value::String(Some(order.order_id.as_str().to_owned())),
                Value::BigInt(Some(line.sku_id.0 as i64)),
                Value::BigInt(Some(i64::from(line.count.get()))),
                codec::money(self.backend, line.price),
                Value::String(Some(String::new())),
                codec::moment(order.created_at),
                codec::moment(order.created_at),
            ]);
        }
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?)"; lines.len()].join(", ");
        let sql = format!(
            "INSERT INTO tb_order_goods (order_id, sku_id, count, price, comment, create_time, \
             update_time) VALUES {rows}"
        );
        tx.conn().execute_raw(self.stmt(&sql, values)).await.map_err(classify)?;
        Ok(())
    }

    async fn find_for_user(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<Option<(Order, Vec<OrderGoods>)>, StoreError> {
        let sql = format!("{ORDER_SQL} WHERE order_id = ? AND user_id = ?");
        let Some(row) =
            self.row(&self.db, &sql, vec![order_id.as_str().into(), id(user.0)]).await?
        else {
            return Ok(None);
        };
        let order = self.order(&row)?;
        let mut lines = self.lines_of(std::slice::from_ref(&order.order_id), false).await?;
        Ok(Some((order, lines.remove(0).1)))
    }

    async fn list_for_user(
        &self,
        user: UserId,
        offset: u64,
        limit: u64,
    ) -> Result<Page<(Order, Vec<OrderGoods>)>, StoreError> {
        let count = self
            .row(
                &self.db,
                "SELECT COUNT(*) AS n FROM tb_order_info WHERE user_id = ?",
                vec![id(user.0)],
            )
            .await?
            .map_or(Ok(0), |row| get_u64(&row, "n"))?;
        let sql = format!(
            "{ORDER_SQL} WHERE user_id = ? ORDER BY create_time DESC, order_id DESC LIMIT ? OFFSET ?"
        );
        let orders: Vec<Order> = self
            .rows(&self.db, &sql, vec![id(user.0), id(limit), id(offset)])
            .await?
            .iter()
            .map(|row| self.order(row))
            .collect::<Result<_, _>>()?;
        let ids: Vec<OrderId> = orders.iter().map(|o| o.order_id.clone()).collect();
        let lines = self.lines_of(&ids, false).await?;
        Ok(Page {
            count,
            items: orders.into_iter().zip(lines.into_iter().map(|(_, l)| l)).collect(),
        })
    }

    async fn uncommented(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<Option<Vec<OrderGoods>>, StoreError> {
        let owned = self
            .row(
                &self.db,
                "SELECT order_id FROM tb_order_info WHERE order_id = ? AND user_id = ?",
                vec![order_id.as_str().into(), id(user.0)],
            )
            .await?;
        if owned.is_none() {
            return Ok(None);
        }
        let mut lines = self.lines_of(std::slice::from_ref(order_id), true).await?;
        Ok(Some(lines.remove(0).1))
    }

    async fn add_comment(
        &self,
        user: UserId,
        order_id: &OrderId,
        comment: &NewComment,
    ) -> Result<CommentOutcome, StoreError> {
        let tx = self.begin_tx().await?;
        let lock = format!(
            "SELECT status FROM tb_order_info WHERE order_id = ? AND user_id = ?{}",
            self.for_update()
        );
        let oid: Value = order_id.as_str().into();
        let Some(row) = self.row(tx.conn(), &lock, vec![oid.clone(), id(user.0)]).await? else {
            return Ok(CommentOutcome::NotFound);
        };
        if get::<i64>(&row, "status")? != i64::from(OrderStatus::Uncomment.code()) {
            return Ok(CommentOutcome::NotCommentable);
        }
        let changed = self
            .exec(
                tx.conn(),
                "UPDATE tb_order_goods SET comment = ?, score = ?, is_anonymous = ?, \
                 is_commented = 1, update_time = ? WHERE order_id = ? AND sku_id = ? AND is_commented = 0",
                vec![
                    comment.comment.clone().into(),
                    Value::SmallInt(Some(i16::from(comment.score))),
                    Value::Bool(Some(comment.is_anonymous)),
                    now(),
                    oid.clone(),
                    id(comment.sku.0),
                ],
            )
            .await?;
        if changed == 0 {
            let exists = self
                .row(
                    tx.conn(),
                    "SELECT id FROM tb_order_goods WHERE order_id = ? AND sku_id = ?",
                    vec![oid, id(comment.sku.0)],
                )
                .await?;
            return Ok(if exists.is_some() {
                CommentOutcome::AlreadyCommented
            } else {
                CommentOutcome::NotFound
            });
        }
        self.exec(
            tx.conn(),
            "UPDATE tb_sku SET comments = comments + 1 WHERE id = ?",
            vec![id(comment.sku.0)],
        )
        .await?;
        self.exec(
            tx.conn(),
            "UPDATE tb_goods SET comments = comments + 1 WHERE id = (SELECT goods_id FROM tb_sku WHERE id = ?)",
            vec![id(comment.sku.0)],
        )
        .await?;
        let left = self
            .row(
                tx.conn(),
                "SELECT COUNT(*) AS n FROM tb_order_goods WHERE order_id = ? AND is_commented = 0",
                vec![oid.clone()],
            )
            .await?
            .map_or(Ok(0), |row| get_u64(&row, "n"))?;
        let order_finished = left == 0;
        if order_finished {
            OrderStatus::Uncomment
                .transition(OrderStatus::Finished)
                .map_err(|e| StoreError::Internal(e.to_string()))?;
            self.exec(
                tx.conn(),
                "UPDATE tb_order_info SET status = ?, update_time = ? WHERE order_id = ? AND status = ?",
                vec![
                    Value::SmallInt(Some(i16::from(OrderStatus::Finished.code()))),
                    now(),
                    oid,
                    Value::SmallInt(Some(i16::from(OrderStatus::Uncomment.code()))),
                ],
            )
            .await?;
        }
        tx.finish().await?;
        Ok(CommentOutcome::Commented { order_finished })
    }

    async fn transition(
        &self,
        order_id: &OrderId,
        from: OrderStatus,
        to: OrderStatus,
    ) -> Result<bool, StoreError> {
        let changed = self
            .exec(
                &self.db,
                "UPDATE tb_order_info SET status = ?, update_time = ? WHERE order_id = ? AND status = ?",
                vec![
                    Value::SmallInt(Some(i16::from(to.code()))),
                    now(),
                    order_id.as_str().into(),
                    Value::SmallInt(Some(i16::from(from.code()))),
                ],
            )
            .await?;
        Ok(changed == 1)
    }
}

const ORDER_SQL: &str = "SELECT order_id, user_id, address_id, total_count, total_amount, freight, \
    pay_method, status, create_time, update_time FROM tb_order_info";

impl SqlStore {
    /// An order by id, whoever it belongs to.
    pub(crate) async fn order_by_id(
        &self,
        conn: &impl ConnectionTrait,
        order_id: &OrderId,
    ) -> Result<Option<Order>, StoreError> {
        let sql = format!("{ORDER_SQL} WHERE order_id = ?");
        self.row(conn, &sql, vec![order_id.as_str().into()])
            .await?
            .map(|row| self.order(&row))
            .transpose()
    }

    fn order(&self, row: &QueryResult) -> Result<Order, StoreError> {
        let b = self.backend;
        let raw_id: String = get(row, "order_id")?;
        let corrupt = |what: String| StoreError::Internal(format!("order {raw_id}: {what}"));
        Ok(Order {
            order_id: OrderId::parse(&raw_id).map_err(|e| corrupt(e.to_string()))?,
            user_id: UserId(get_u64(row, "user_id")?),
            address_id: AddressId(get_u64(row, "address_id")?),
            total_count: get_u32(row, "total_count")?,
            total_amount: get_money(b, row, "total_amount")?,
            freight: get_money(b, row, "freight")?,
            pay_method: PayMethod::from_code(get(row, "pay_method")?)
                .map_err(|e| corrupt(e.to_string()))?,
            status: OrderStatus::from_code(get(row, "status")?)
                .map_err(|e| corrupt(e.to_string()))?,
            created_at: get_moment(row, "create_time")?,
            updated_at: get_moment(row, "update_time")?,
        })
    }

    /// The lines of these orders (only the uncommented ones when asked), grouped per order in
    /// the order given, each group in SKU-id order.
    async fn lines_of(
        &self,
        orders: &[OrderId],
        uncommented_only: bool,
    ) -> Result<Vec<(OrderId, Vec<OrderGoods>)>, StoreError> {
        let mut grouped: Vec<(OrderId, Vec<OrderGoods>)> =
            orders.iter().map(|o| (o.clone(), Vec::new())).collect();
        if orders.is_empty() {
            return Ok(grouped);
        }
        let filter = if uncommented_only { " AND is_commented = 0" } else { "" };
        let sql = format!(
            "SELECT order_id, sku_id, count, price FROM tb_order_goods WHERE order_id IN ({}){filter} \
             ORDER BY order_id, sku_id",
            placeholders(orders.len())
        );
        let rows =
            self.rows(&self.db, &sql, orders.iter().map(|o| o.as_str().into()).collect()).await?;
        for row in &rows {
            let order: String = get(row, "order_id")?;
            let line = OrderGoods {
                sku_id: SkuId(get_u64(row, "sku_id")?),
                count: Quantity::from_stored(get_u32(row, "count")?).ok_or_else(|| {
                    StoreError::Internal(format!("order {order}: a line of 0 units"))
                })?,
                price: get_money(self.backend, row, "price")?,
            };
            if let Some((_, lines)) = grouped.iter_mut().find(|(o, _)| o.as_str() == order) {
                lines.push(line);
            }
        }
        Ok(grouped)
    }
}
