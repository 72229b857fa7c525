//! The SQL cart store (`tb_cart`): the embedded default's cart for logged-in users.

use async_trait::async_trait;
use meiduo_domain::ports::{CartAddition, CartStore, CartStoreError, StoreError};
use meiduo_domain::{Cart, CartLine, Quantity, SkuId, UserId};
use sea_orm::{ConnectionTrait, DbBackend, Value};
use time::OffsetDateTime;

use crate::codec::{self, get, get_u32, get_u64, id, placeholders};
use crate::error::cart_error;
use crate::store::SqlStore;

/// How an upsert treats the count of an existing line.
#[derive(Clone, Copy)]
enum Upsert {
    /// count = count + new (an atomic increment in the database).
    Add,
    /// count = new.
    Replace,
}

impl SqlStore {
    fn upsert_sql(&self, mode: Upsert) -> String {
        let insert = "INSERT INTO tb_cart (user_id, sku_id, count, selected, create_time, \
                      update_time) VALUES (?, ?, ?, ?, ?, ?)";
        let (new, count) = match self.backend {
            DbBackend::MySql => ("VALUES", "ON DUPLICATE KEY UPDATE"),
            _ => ("excluded", "ON CONFLICT (user_id, sku_id) DO UPDATE SET"),
        };
        let value = |col: &str| match self.backend {
            DbBackend::MySql => format!("{new}({col})"),
            _ => format!("{new}.{col}"),
        };
        let count_expr = match mode {
            Upsert::Add => format!("count + {}", value("count")),
            Upsert::Replace => value("count"),
        };
        format!(
            "{insert} {count} count = {count_expr}, selected = {}, update_time = {}",
            value("selected"),
            value("update_time")
        )
    }

    fn upsert_values(user: UserId, line: &CartLine) -> Vec<Value> {
        let now = codec::moment(OffsetDateTime::now_utc());
        vec![
            Value::BigInt(Some(user.0 as i64)),
            Value::BigInt(Some(line.sku_id.0 as i64)),
            Value::BigInt(Some(i64::from(line.count.get()))),
            Value::Bool(Some(line.selected)),
            now.clone(),
            now,
        ]
    }

    async fn upsert(
        &self,
        conn: &impl ConnectionTrait,
        user: UserId,
        line: &CartLine,
        mode: Upsert,
    ) -> Result<(), StoreError> {
        self.exec(conn, &self.upsert_sql(mode), Self::upsert_values(user, line)).await?;
        Ok(())
    }
}

#[async_trait]
impl CartStore for SqlStore {
    async fn load(&self, user: UserId) -> Result<Cart, CartStoreError> {
        let rows = self
            .rows(
                &self.db,
                "SELECT sku_id, count, selected FROM tb_cart WHERE user_id = ? ORDER BY sku_id",
                vec![id(user.0)],
            )
            .await
            .map_err(cart_error)?;
        let mut lines = Vec::with_capacity(rows.len());
        for row in &rows {
            let count = get_u32(row, "count").map_err(cart_error)?;
            lines.push(CartLine {
                sku_id: SkuId(get_u64(row, "sku_id").map_err(cart_error)?),
                count: Quantity::from_stored(count)
                    .ok_or_else(|| CartStoreError::Internal("a cart line of 0 units".into()))?,
                selected: get(row, "selected").map_err(cart_error)?,
            });
        }
        Ok(Cart::from_lines(lines))
    }

    /// The increment takes the line's row lock (creating the row), so concurrent additions to one
    /// line follow each other; one that went past the bound is rolled back.
    async fn add(
        &self,
        user: UserId,
        line: CartLine,
        at_most: u32,
    ) -> Result<CartAddition, CartStoreError> {
        let tx = self.begin_tx().await.map_err(cart_error)?;
        self.upsert(tx.conn(), user, &line, Upsert::Add).await.map_err(cart_error)?;
        let row = self
            .row(
                tx.conn(),
                "SELECT count FROM tb_cart WHERE user_id = ? AND sku_id = ?",
                vec![id(user.0), id(line.sku_id.0)],
            )
            .await
            .map_err(cart_error)?
            .ok_or_else(|| CartStoreError::Internal("the cart line vanished".into()))?;
        let count = get_u32(&row, "count").map_err(cart_error)?;
        if count > at_most {
            tx.abandon().await.map_err(cart_error)?;
            return Ok(CartAddition::Refused { have: count - line.count.get() });
        }
        tx.finish().await.map_err(cart_error)?;
        Ok(CartAddition::Added(count))
    }

    async fn set(&self, user: UserId, line: CartLine) -> Result<(), CartStoreError> {
        self.upsert(&self.db, user, &line, Upsert::Replace).await.map_err(cart_error)
    }

    async fn remove(&self, user: UserId, skus: &[SkuId]) -> Result<(), CartStoreError> {
        if skus.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "DELETE FROM tb_cart WHERE user_id = ? AND sku_id IN ({})",
            placeholders(skus.len())
        );
        let mut values = vec![id(user.0)];
        values.extend(skus.iter().map(|sku| id(sku.0)));
        self.exec(&self.db, &sql, values).await.map_err(cart_error)?;
        Ok(())
    }

    async fn select_all(&self, user: UserId, selected: bool) -> Result<(), CartStoreError> {
        self.exec(
            &self.db,
            "UPDATE tb_cart SET selected = ? WHERE user_id = ?",
            vec![Value::Bool(Some(selected)), id(user.0)],
        )
        .await
        .map_err(cart_error)?;
        Ok(())
    }

    async fn merge(&self, user: UserId, lines: &[CartLine]) -> Result<(), CartStoreError> {
        if lines.is_empty() {
            return Ok(());
        }
        let tx = self.begin_tx().await.map_err(cart_error)?;
        for line in lines {
            self.upsert(tx.conn(), user, line, Upsert::Replace).await.map_err(cart_error)?;
        }
        tx.finish().await.map_err(cart_error)
    }
}
