//! Payments: confirmation exactly once, refund records, cancellation of unpaid orders.

use std::collections::BTreeMap;

use async_trait::async_trait;
use meiduo_domain::ports::{ConfirmOutcome, PaymentRepository, StoreError};
use meiduo_domain::{Money, Order, OrderId, OrderStatus};
use sea_orm::Value;
use time::OffsetDateTime;

use crate::codec::{self, get, get_u32, get_u64, id, now};
use crate::store::SqlStore;

fn status(s: OrderStatus) -> Value {
    Value::SmallInt(Some(i16::from(s.code())))
}

impl SqlStore {
    /// Records a trade for refund (once per trade).
    async fn record_for_refund(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
        order_id: &OrderId,
        trade_id: &str,
        amount: Money,
        reason: &str,
    ) -> Result<(), StoreError> {
        let known = self
            .row(conn, "SELECT id FROM tb_payment_refund WHERE trade_id = ?", vec![trade_id.into()])
            .await?;
        if known.is_none() {
            self.exec(
                conn,
                "INSERT INTO tb_payment_refund (order_id, trade_id, amount, reason, refunded, \
                 create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                vec![
                    order_id.as_str().into(),
                    trade_id.into(),
                    codec::money(self.backend, amount),
                    reason.into(),
                    Value::Bool(Some(false)),
                    now(),
                    now(),
                ],
            )
            .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl PaymentRepository for SqlStore {
    async fn find_order(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError> {
        self.order_by_id(&self.db, order_id).await
    }

    async fn confirm(
        &self,
        order_id: &OrderId,
        trade_id: &str,
        amount: Money,
    ) -> Result<ConfirmOutcome, StoreError> {
        let tx = self.begin_tx().await?;
        let lock =
            format!("SELECT status FROM tb_order_info WHERE order_id = ?{}", self.for_update());
        let Some(row) = self.row(tx.conn(), &lock, vec![order_id.as_str().into()]).await? else {
            return Ok(ConfirmOutcome::NotFound);
        };
        let current = OrderStatus::from_code(get(&row, "status")?)
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let paid = self
            .row(
                tx.conn(),
                "SELECT trade_id FROM tb_payment WHERE order_id = ?",
                vec![order_id.as_str().into()],
            )
            .await?;
        let outcome = if let Some(paid) = paid {
            let paid_trade_id: String = get(&paid, "trade_id")?;
            if paid_trade_id == trade_id {
                ConfirmOutcome::AlreadyConfirmed
            } else {
                self.record_for_refund(tx.conn(), order_id, trade_id, amount, "order already paid")
                    .await?;
                ConfirmOutcome::OtherTradeRecorded { paid_trade_id }
            }
        } else {
            match current {
                OrderStatus::Unpaid => {
                    current
                        .transition(OrderStatus::Unsend)
                        .map_err(|e| StoreError::Internal(e.to_string()))?;
                    self.exec(
                        tx.conn(),
                        "INSERT INTO tb_payment (order_id, trade_id, create_time, update_time) VALUES (?, ?, ?, ?)",
                        vec![order_id.as_str().into(), trade_id.into(), now(), now()],
                    )
                    .await?;
                    let moved = self
                        .exec(
                            tx.conn(),
                            "UPDATE tb_order_info SET status = ?, update_time = ? WHERE order_id = ? AND status = ?",
                            vec![status(OrderStatus::Unsend), now(), order_id.as_str().into(), status(OrderStatus::Unpaid)],
                        )
                        .await?;
                    if moved != 1 {
                        return Err(StoreError::Conflict);
                    }
                    ConfirmOutcome::Confirmed
                }
                OrderStatus::Canceled => {
                    self.record_for_refund(
                        tx.conn(),
                        order_id,
                        trade_id,
                        amount,
                        "order cancelled",
                    )
                    .await?;
                    ConfirmOutcome::OrderCanceled
                }
                _ => ConfirmOutcome::NotPayable,
            }
        };
        tx.finish().await?;
        Ok(outcome)
    }

    async fn mark_refunded(&self, trade_id: &str) -> Result<(), StoreError> {
        self.exec(
            &self.db,
            "UPDATE tb_payment_refund SET refunded = ?, update_time = ? WHERE trade_id = ?",
            vec![Value::Bool(Some(true)), now(), trade_id.into()],
        )
        .await?;
        Ok(())
    }

    async fn trade_of(&self, order_id: &OrderId) -> Result<Option<String>, StoreError> {
        let row = self
            .row(
                &self.db,
                "SELECT trade_id FROM tb_payment WHERE order_id = ?",
                vec![order_id.as_str().into()],
            )
            .await?;
        row.map(|row| get(&row, "trade_id")).transpose()
    }

    async fn unpaid_before(
        &self,
        placed_before: OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<OrderId>, StoreError> {
        let rows = self
            .rows(
                &self.db,
                "SELECT order_id FROM tb_order_info WHERE status = ? AND create_time < ? \
                 ORDER BY create_time LIMIT ?",
                vec![status(OrderStatus::Unpaid), codec::moment(placed_before), id(limit)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let raw: String = get(row, "order_id")?;
                OrderId::parse(&raw).map_err(|e| StoreError::Internal(e.to_string()))
            })
            .collect()
    }

    async fn cancel_unpaid(&self, order_id: &OrderId) -> Result<bool, StoreError> {
        OrderStatus::Unpaid
            .transition(OrderStatus::Canceled)
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let tx = self.begin_tx().await?;
        let taken = self
            .exec(
                tx.conn(),
                "UPDATE tb_order_info SET status = ?, update_time = ? WHERE order_id = ? AND status = ?",
                vec![status(OrderStatus::Canceled), now(), order_id.as_str().into(), status(OrderStatus::Unpaid)],
            )
            .await?;
        if taken != 1 {
            return Ok(false);
        }
        let lines = self
            .rows(
                tx.conn(),
                "SELECT g.sku_id, g.count, k.goods_id FROM tb_order_goods g JOIN tb_sku k ON k.id = g.sku_id \
                 WHERE g.order_id = ? ORDER BY g.sku_id",
                vec![order_id.as_str().into()],
            )
            .await?;
        let mut spu_sales: BTreeMap<u64, i64> = BTreeMap::new();
        // SKU rows in id order, then SPU rows in id order: the lock order of placing an order.
        for line in &lines {
            let count = i64::from(get_u32(line, "count")?);
            self.exec(
                tx.conn(),
                "UPDATE tb_sku SET stock = stock + ?, sales = sales - ?, update_time = ? WHERE id = ?",
                vec![count.into(), count.into(), now(), id(get_u64(line, "sku_id")?)],
            )
            .await?;
            *spu_sales.entry(get_u64(line, "goods_id")?).or_default() += count;
        }
        for (spu, count) in spu_sales {
            self.exec(
                tx.conn(),
                "UPDATE tb_goods SET sales = sales - ? WHERE id = ?",
                vec![count.into(), id(spu)],
            )
            .await?;
        }
        tx.finish().await?;
        Ok(true)
    }
}
