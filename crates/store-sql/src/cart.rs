//! [`CartStore`] in `tb_cart`: the embedded default's cart for logged-in users.

use async_trait::async_trait;
use meiduo_domain::ports::{CartAddition, CartStore, StoreError};
use meiduo_domain::{Cart, CartLine, SkuId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::codec::{count_of, db_id, id_of, now, quantity_of};
use crate::entity::cart;
use crate::error::store;
use crate::store::Db;

/// Logged-in users' carts in `tb_cart`.
#[derive(Debug, Clone)]
pub struct SqlCartStore {
    db: Db,
}

/// How an upsert treats the count of an existing line.
#[derive(Clone, Copy)]
enum Upsert {
    /// count = count + new (an atomic increment in the database).
    Add,
    /// count = new.
    Replace,
}

/// A line's count.
#[derive(Debug, FromQueryResult)]
struct LineCount {
    count: i32,
}

fn line_of(user: UserId, sku: SkuId) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(cart::Column::UserId.eq(db_id(user.0)))
        .add(cart::Column::SkuId.eq(db_id(sku.0)))
}

impl SqlCartStore {
    pub(crate) fn new(db: Db) -> Self {
        SqlCartStore { db }
    }

    /// Inserts the line, or updates the existing one (`ON DUPLICATE KEY UPDATE` on MySQL,
    /// `ON CONFLICT ... DO UPDATE` on SQLite).
    async fn upsert(
        &self,
        conn: &impl ConnectionTrait,
        user: UserId,
        line: &CartLine,
        mode: Upsert,
    ) -> Result<(), StoreError> {
        let count = i64::from(line.count.get());
        let at = now();
        let row = cart::ActiveModel {
            user_id: Set(db_id(user.0)),
            sku_id: Set(db_id(line.sku_id.0)),
            count: Set(i32::try_from(count).unwrap_or(i32::MAX)),
            selected: Set(line.selected),
            create_time: Set(at),
            update_time: Set(at),
        };
        let new_count = match mode {
            Upsert::Add => Expr::col((cart::Entity, cart::Column::Count)).add(count),
            Upsert::Replace => Expr::value(count),
        };
        let on_conflict = OnConflict::columns([cart::Column::UserId, cart::Column::SkuId])
            .value(cart::Column::Count, new_count)
            .value(cart::Column::Selected, line.selected)
            .value(cart::Column::UpdateTime, at)
            .to_owned();
        cart::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(conn)
            .await
            .map_err(store)?;
        Ok(())
    }
}

#[async_trait]
impl CartStore for SqlCartStore {
    async fn load(&self, user: UserId) -> Result<Cart, StoreError> {
        let rows = cart::Entity::find()
            .filter(cart::Column::UserId.eq(db_id(user.0)))
            .order_by_asc(cart::Column::SkuId)
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let lines: Vec<CartLine> = rows
            .into_iter()
            .map(|row| {
                Ok(CartLine {
                    sku_id: SkuId(id_of(row.sku_id)?),
                    count: quantity_of(row.count)?,
                    selected: row.selected,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Cart::from_lines(lines))
    }

    /// The increment takes the line's row lock (creating the row), so concurrent additions to one
    /// line follow each other; one that went past the bound is rolled back.
    async fn add(
        &self,
        user: UserId,
        line: CartLine,
        at_most: u32,
    ) -> Result<CartAddition, StoreError> {
        let tx = self.db.begin().await?;
        self.upsert(&tx, user, &line, Upsert::Add).await?;
        let row = cart::Entity::find()
            .select_only()
            .column(cart::Column::Count)
            .filter(line_of(user, line.sku_id))
            .into_model::<LineCount>()
            .one(&tx)
            .await
            .map_err(store)?
            .ok_or_else(|| StoreError::unexpected("the cart line vanished"))?;
        let count = count_of(i64::from(row.count))?;
        if count > at_most {
            tx.rollback().await.map_err(store)?;
            return Ok(CartAddition::Refused { have: count - line.count.get() });
        }
        tx.commit().await.map_err(store)?;
        Ok(CartAddition::Added(count))
    }

    async fn set(&self, user: UserId, line: CartLine) -> Result<(), StoreError> {
        self.upsert(&self.db.conn, user, &line, Upsert::Replace).await
    }

    async fn remove(&self, user: UserId, skus: &[SkuId]) -> Result<(), StoreError> {
        if skus.is_empty() {
            return Ok(());
        }
        cart::Entity::delete_many()
            .filter(cart::Column::UserId.eq(db_id(user.0)))
            .filter(cart::Column::SkuId.is_in(skus.iter().map(|sku| db_id(sku.0))))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn select_all(&self, user: UserId, selected: bool) -> Result<(), StoreError> {
        cart::Entity::update_many()
            .col_expr(cart::Column::Selected, Expr::value(selected))
            .filter(cart::Column::UserId.eq(db_id(user.0)))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn take(&self, user: UserId, lines: &[CartLine]) -> Result<bool, StoreError> {
        if lines.is_empty() {
            return Ok(false);
        }
        let tx = self.db.begin().await?;
        for line in lines {
            let taken = cart::Entity::delete_many()
                .filter(cart::Column::UserId.eq(db_id(user.0)))
                .filter(cart::Column::SkuId.eq(db_id(line.sku_id.0)))
                .filter(cart::Column::Count.eq(i64::from(line.count.get())))
                .filter(cart::Column::Selected.eq(true))
                .exec(&tx)
                .await
                .map_err(store)?;
            if taken.rows_affected != 1 {
                // Dropping the transaction rolls back the lines taken so far.
                return Ok(false);
            }
        }
        tx.commit().await.map_err(store)?;
        Ok(true)
    }

    async fn merge(&self, user: UserId, lines: &[CartLine]) -> Result<(), StoreError> {
        if lines.is_empty() {
            return Ok(());
        }
        let tx = self.db.begin().await?;
        for line in lines {
            self.upsert(&tx, user, line, Upsert::Replace).await?;
        }
        tx.commit().await.map_err(store)
    }
}
