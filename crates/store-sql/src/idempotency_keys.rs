//! [`IdempotencyKeys`] in `tb_idempotency_key`: a claim is an `INSERT` that the primary key
//! (user, key) lets one request win; the rest read what the key stands for.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use meiduo_domain::ports::{IdempotencyKeys, KeyClaim, StoreError};
use meiduo_domain::{OrderId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use time::OffsetDateTime;

use crate::codec::{db_id, instant, moment, moment_before, order_id_of};
use crate::entity::idempotency_key as key_row;
use crate::error::{DbFailure, classify, store};
use crate::store::Db;

/// Keys older than their time are deleted on every this-many-th claim.
const PRUNE_EVERY: u32 = 256;
static CLAIMS: AtomicU32 = AtomicU32::new(0);

/// Idempotency keys on the pool.
#[derive(Debug, Clone)]
pub struct SqlIdempotencyKeys {
    db: Db,
}

impl SqlIdempotencyKeys {
    pub(crate) fn new(db: Db) -> Self {
        SqlIdempotencyKeys { db }
    }

    fn of(user: UserId, key: &str) -> sea_orm::Condition {
        sea_orm::Condition::all()
            .add(key_row::Column::UserId.eq(db_id(user.0)))
            .add(key_row::Column::IdemKey.eq(key))
    }
}

#[async_trait]
impl IdempotencyKeys for SqlIdempotencyKeys {
    async fn claim(
        &self,
        user: UserId,
        key: &str,
        fingerprint: &str,
        ttl: Duration,
        stale: Duration,
    ) -> Result<KeyClaim, StoreError> {
        let now = OffsetDateTime::now_utc();
        if CLAIMS.fetch_add(1, Ordering::Relaxed).is_multiple_of(PRUNE_EVERY) {
            key_row::Entity::delete_many()
                .filter(key_row::Column::CreateTime.lte(moment_before(now, ttl)))
                .exec(&self.db.conn)
                .await
                .map_err(store)?;
        }
        for _ in 0..3 {
            let row = key_row::ActiveModel {
                user_id: Set(db_id(user.0)),
                idem_key: Set(key.to_owned()),
                fingerprint: Set(fingerprint.to_owned()),
                order_id: Set(None),
                create_time: Set(moment(now)),
                update_time: Set(moment(now)),
            };
            match key_row::Entity::insert(row).exec_without_returning(&self.db.conn).await {
                Ok(_) => return Ok(KeyClaim::Claimed),
                Err(error) => match classify(error) {
                    DbFailure::Duplicate { .. } => {}
                    DbFailure::Store(error) => return Err(error),
                },
            }
            let Some(found) = key_row::Entity::find()
                .filter(Self::of(user, key))
                .one(&self.db.conn)
                .await
                .map_err(store)?
            else {
                continue; // released meanwhile: claim again
            };
            let expired = instant(found.create_time) <= now - ttl;
            let abandoned = found.order_id.is_none() && instant(found.update_time) <= now - stale;
            if expired || abandoned {
                // Take it over: of two takers the one whose delete removes the row claims again.
                let removed = key_row::Entity::delete_many()
                    .filter(Self::of(user, key))
                    .filter(key_row::Column::UpdateTime.eq(found.update_time))
                    .exec(&self.db.conn)
                    .await
                    .map_err(store)?;
                if removed.rows_affected == 1 {
                    continue;
                }
                return Ok(KeyClaim::Pending);
            }
            if found.fingerprint != fingerprint {
                return Ok(KeyClaim::Mismatch);
            }
            return Ok(match found.order_id {
                Some(order) => KeyClaim::Done(order_id_of(&order)?),
                None => KeyClaim::Pending,
            });
        }
        Ok(KeyClaim::Pending)
    }

    async fn complete(&self, user: UserId, key: &str, order: &OrderId) -> Result<(), StoreError> {
        key_row::Entity::update_many()
            .col_expr(key_row::Column::OrderId, Expr::value(Some(order.to_string())))
            .col_expr(key_row::Column::UpdateTime, Expr::value(moment(OffsetDateTime::now_utc())))
            .filter(Self::of(user, key))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn release(&self, user: UserId, key: &str) -> Result<(), StoreError> {
        key_row::Entity::delete_many()
            .filter(Self::of(user, key))
            .filter(key_row::Column::OrderId.is_null())
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(())
    }
}
