//! [`VerificationCodes`] in `tb_verification_code`, for a deployment without Redis: every
//! statement is a single atomic insert, update or delete guarded by its `WHERE`, so replicas
//! on one database agree without locks.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use meiduo_domain::ports::{CodeCheck, CodeKey, StoreError, VerificationCodes};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
use time::OffsetDateTime;

use crate::codec::{moment, moment_after, moment_before};
use crate::entity::verification_code as code;
use crate::error::{DbFailure, classify, store};
use crate::store::Db;

/// Expired rows are deleted on every this-many-th new code.
const PURGE_EVERY: u32 = 256;
static NEW_CODES: AtomicU32 = AtomicU32::new(0);

/// Verification codes in the database.
#[derive(Debug, Clone)]
pub struct SqlVerificationCodes {
    db: Db,
}

impl SqlVerificationCodes {
    pub(crate) fn new(db: Db) -> Self {
        SqlVerificationCodes { db }
    }

    /// Deletes codes that expired and were stored over an hour ago (longer than any interval
    /// they hold).
    async fn purge_expired(&self) -> Result<(), StoreError> {
        let now = OffsetDateTime::now_utc();
        code::Entity::delete_many()
            .filter(code::Column::ExpiresAt.lte(moment(now)))
            .filter(code::Column::SentAt.lte(moment(now - time::Duration::HOUR)))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(())
    }
}

fn name(key: &CodeKey) -> String {
    format!("{}:{}", key.kind(), key.owner())
}

/// The row under `key` while it is unexpired and alive.
fn live(key: &CodeKey, now: OffsetDateTime) -> Condition {
    Condition::all()
        .add(code::Column::CodeKey.eq(name(key)))
        .add(code::Column::ExpiresAt.gt(moment(now)))
}

/// The expiry of a used code: long past, whatever the clocks of concurrent callers read.
fn used() -> time::PrimitiveDateTime {
    moment(OffsetDateTime::UNIX_EPOCH)
}

#[async_trait]
impl VerificationCodes for SqlVerificationCodes {
    async fn store_if_quiet(
        &self,
        key: &CodeKey,
        value: &str,
        ttl: Duration,
        interval: Duration,
    ) -> Result<bool, StoreError> {
        let now = OffsetDateTime::now_utc();
        let row = code::ActiveModel {
            code_key: Set(name(key)),
            code: Set(value.to_owned()),
            wrong_tries: Set(0),
            sent_at: Set(moment(now)),
            expires_at: Set(moment_after(now, ttl)),
            create_time: Set(moment(now)),
            update_time: Set(moment(now)),
        };
        match code::Entity::insert(row).exec_without_returning(&self.db.conn).await {
            Ok(_) => {
                if NEW_CODES.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1 {
                    self.purge_expired().await?;
                }
                return Ok(true);
            }
            Err(error) => match classify(error) {
                DbFailure::Duplicate { .. } => {}
                DbFailure::Store(error) => return Err(error),
            },
        }
        // A row exists: replace it only if it was stored longer than the interval ago (a used or
        // expired code still holds the interval, as Redis's send flag does).
        let quiet_since = moment_before(now, interval);
        let replaced = code::Entity::update_many()
            .col_expr(code::Column::Code, Expr::value(value))
            .col_expr(code::Column::WrongTries, Expr::value(0))
            .col_expr(code::Column::SentAt, Expr::value(moment(now)))
            .col_expr(code::Column::ExpiresAt, Expr::value(moment_after(now, ttl)))
            .col_expr(code::Column::UpdateTime, Expr::value(moment(now)))
            .filter(code::Column::CodeKey.eq(name(key)))
            .filter(code::Column::SentAt.lte(quiet_since))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(replaced.rows_affected == 1)
    }

    async fn check(
        &self,
        key: &CodeKey,
        value: &str,
        max_wrong: u32,
    ) -> Result<CodeCheck, StoreError> {
        let now = OffsetDateTime::now_utc();
        let alive =
            live(key, now).add(code::Column::WrongTries.lt(i64::from(Ord::max(max_wrong, 1))));
        // A match uses the code up: it expires (the row keeps the send interval).
        let matched = code::Entity::update_many()
            .col_expr(code::Column::ExpiresAt, Expr::value(used()))
            .filter(alive.clone())
            .filter(code::Column::Code.eq(value))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        if matched.rows_affected == 1 {
            return Ok(CodeCheck::Matched);
        }
        let counted = code::Entity::update_many()
            .col_expr(code::Column::WrongTries, Expr::col(code::Column::WrongTries).add(1))
            .filter(alive)
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(if counted.rows_affected == 1 { CodeCheck::Wrong } else { CodeCheck::Missing })
    }

    async fn take(&self, key: &CodeKey) -> Result<Option<String>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let stored: Option<String> = code::Entity::find()
            .select_only()
            .column(code::Column::Code)
            .filter(live(key, now))
            .into_tuple()
            .one(&self.db.conn)
            .await
            .map_err(store)?;
        let Some(stored) = stored else { return Ok(None) };
        // Of two readers, the one whose update expires the row has it.
        let taken = code::Entity::update_many()
            .col_expr(code::Column::ExpiresAt, Expr::value(used()))
            .filter(live(key, now))
            .filter(code::Column::Code.eq(stored.as_str()))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok((taken.rows_affected == 1).then_some(stored))
    }

    async fn withdraw(&self, key: &CodeKey) -> Result<(), StoreError> {
        code::Entity::delete_by_id(name(key)).exec(&self.db.conn).await.map_err(store)?;
        Ok(())
    }
}
