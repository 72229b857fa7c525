//! [`RateLimits`] in `tb_rate_limit`: a hit is one short transaction (the counter's row lock
//! on MySQL, the write lock on SQLite), so concurrent hits from several replicas are all counted
//! and each reads its own count.

use std::time::Duration;

use async_trait::async_trait;
use meiduo_domain::ports::{RateLimits, StoreError};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use time::OffsetDateTime;

use crate::codec::{instant, moment, moment_after};
use crate::entity::rate_limit as limit;
use crate::error::{DbFailure, classify, store};
use crate::store::Db;

/// How many times a hit that lost a race runs again.
const MAX_ATTEMPTS: u32 = 8;

/// Rate-limit counters on the pool.
#[derive(Debug, Clone)]
pub struct SqlRateLimits {
    db: Db,
}

impl SqlRateLimits {
    pub(crate) fn new(db: Db) -> Self {
        SqlRateLimits { db }
    }
}

/// The key's open window: its count and how long it still runs.
async fn open_window<C: ConnectionTrait>(
    conn: &C,
    key: &str,
) -> Result<Option<(u32, Duration)>, StoreError> {
    let now = OffsetDateTime::now_utc();
    let row = limit::Entity::find_by_id(key.to_owned())
        .filter(limit::Column::WindowEnds.gt(moment(now)))
        .one(conn)
        .await
        .map_err(store)?;
    Ok(row.map(|row| {
        let left = instant(row.window_ends) - now;
        (u32::try_from(row.hits).unwrap_or(0), left.try_into().unwrap_or_default())
    }))
}

/// Adds one to the key's open window; whether there was one.
async fn bump<C: ConnectionTrait>(conn: &C, key: &str) -> Result<bool, StoreError> {
    let now = OffsetDateTime::now_utc();
    let counted = limit::Entity::update_many()
        .col_expr(limit::Column::Hits, Expr::col(limit::Column::Hits).add(1))
        .col_expr(limit::Column::UpdateTime, Expr::value(moment(now)))
        .filter(limit::Column::LimitKey.eq(key))
        .filter(limit::Column::WindowEnds.gt(moment(now)))
        .exec(conn)
        .await
        .map_err(store)?;
    Ok(counted.rows_affected == 1)
}

/// Counts a hit inside a transaction: bumps the open window, or opens one.
async fn hit_in<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    window: Duration,
) -> Result<(u32, Duration), StoreError> {
    let counted = |open: Option<(u32, Duration)>| {
        open.ok_or_else(|| StoreError::Conflict("the window closed under this hit".into()))
    };
    if bump(conn, key).await? {
        return counted(open_window(conn, key).await?);
    }
    let now = OffsetDateTime::now_utc();
    let ends = moment_after(now, window);
    let row = limit::ActiveModel {
        limit_key: Set(key.to_owned()),
        hits: Set(1),
        window_ends: Set(ends),
        create_time: Set(moment(now)),
        update_time: Set(moment(now)),
    };
    match limit::Entity::insert(row).exec_without_returning(conn).await {
        Ok(_) => return Ok((1, window)),
        Err(error) => match classify(error) {
            DbFailure::Duplicate { .. } => {}
            DbFailure::Store(error) => return Err(error),
        },
    }
    // The row is there: start a new window if its window ended, else another hit just opened
    // one and this one adds to it.
    let restarted = limit::Entity::update_many()
        .col_expr(limit::Column::Hits, Expr::value(1))
        .col_expr(limit::Column::WindowEnds, Expr::value(ends))
        .col_expr(limit::Column::UpdateTime, Expr::value(moment(now)))
        .filter(limit::Column::LimitKey.eq(key))
        .filter(limit::Column::WindowEnds.lte(moment(now)))
        .exec(conn)
        .await
        .map_err(store)?;
    if restarted.rows_affected == 1 {
        return Ok((1, window));
    }
    if bump(conn, key).await? {
        return counted(open_window(conn, key).await?);
    }
    Err(StoreError::Conflict("the window changed under this hit".into()))
}

#[async_trait]
impl RateLimits for SqlRateLimits {
    async fn peek(&self, key: &str) -> Result<Option<(u32, Duration)>, StoreError> {
        open_window(&self.db.conn, key).await
    }

    async fn hit(&self, key: &str, window: Duration) -> Result<(u32, Duration), StoreError> {
        // Two first hits of a key can deadlock on MySQL's gap locks: the loser runs again.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let outcome = async {
                let tx = self.db.begin().await?;
                let counted = hit_in(&tx, key, window).await?;
                tx.commit().await.map_err(store)?;
                Ok(counted)
            }
            .await;
            match outcome {
                Err(StoreError::Conflict(_)) if attempts < MAX_ATTEMPTS => continue,
                outcome => return outcome,
            }
        }
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        limit::Entity::delete_by_id(key.to_owned()).exec(&self.db.conn).await.map_err(store)?;
        Ok(())
    }
}
