//! [`Outbox`] in `tb_outbox`: a message is a row until it is delivered. A worker claims a row
//! by a guarded update that takes its lease (`locked_until`) only if no live lease is on it, so
//! of several replicas one delivers it at a time; a worker that dies leaves a lease that runs
//! out, and the message is claimed again (at least once).

use std::time::Duration;

use async_trait::async_trait;
use meiduo_domain::ports::{Message, Outbox, Outgoing, StoreError};
use meiduo_domain::{Mobile, SmsCode};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::codec::{db_id, id_of, moment, moment_after};
use crate::entity::outbox;
use crate::error::store;
use crate::store::Db;

/// The longest error text kept on a row.
const ERROR_LEN: usize = 500;

#[derive(Serialize, Deserialize)]
struct SmsPayload {
    mobile: String,
    code: String,
    valid_minutes: u64,
}

#[derive(Serialize, Deserialize)]
struct MailPayload {
    to: String,
    link: String,
}

/// The row that queues `message` for delivery now.
fn row(message: &Message) -> Result<outbox::ActiveModel, StoreError> {
    let (kind, payload) = match message {
        Message::SmsCode { mobile, code, valid_minutes } => (
            "sms_code",
            serde_json::to_string(&SmsPayload {
                mobile: mobile.as_str().to_owned(),
                code: code.as_str().to_owned(),
                valid_minutes: *valid_minutes,
            }),
        ),
        Message::VerifyEmail { to, link } => (
            "verify_email",
            serde_json::to_string(&MailPayload { to: to.clone(), link: link.clone() }),
        ),
    };
    let payload = payload.map_err(|e| StoreError::Unexpected(Box::new(e)))?;
    let now = moment(OffsetDateTime::now_utc());
    Ok(outbox::ActiveModel {
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        failed: Set(false),
        last_error: Set(None),
        create_time: Set(now),
        update_time: Set(now),
        ..Default::default()
    })
}

/// Queues `message` on `conn`: the pool, or the transaction of the change that asks for it.
pub(crate) async fn enqueue_on<C: ConnectionTrait>(
    conn: &C,
    message: &Message,
) -> Result<(), StoreError> {
    outbox::Entity::insert(row(message)?).exec_without_returning(conn).await.map_err(store)?;
    Ok(())
}

fn message_of(row: &outbox::Model) -> Result<Message, StoreError> {
    let corrupt = |what: &str| StoreError::unexpected(format!("outbox row {}: {what}", row.id));
    match row.kind.as_str() {
        "sms_code" => {
            let p: SmsPayload =
                serde_json::from_str(&row.payload).map_err(|_| corrupt("malformed SMS"))?;
            Ok(Message::SmsCode {
                mobile: Mobile::parse(&p.mobile).map_err(|_| corrupt("malformed mobile"))?,
                code: SmsCode::parse(&p.code).map_err(|_| corrupt("malformed code"))?,
                valid_minutes: p.valid_minutes,
            })
        }
        "verify_email" => {
            let p: MailPayload =
                serde_json::from_str(&row.payload).map_err(|_| corrupt("malformed mail"))?;
            Ok(Message::VerifyEmail { to: p.to, link: p.link })
        }
        other => Err(corrupt(&format!("unknown kind {other}"))),
    }
}

fn clipped(error: &str) -> String {
    error.chars().take(ERROR_LEN).collect()
}

/// The outbox on the pool.
#[derive(Debug, Clone)]
pub struct SqlOutbox {
    db: Db,
}

impl SqlOutbox {
    pub(crate) fn new(db: Db) -> Self {
        SqlOutbox { db }
    }
}

#[async_trait]
impl Outbox for SqlOutbox {
    async fn enqueue(&self, message: &Message) -> Result<(), StoreError> {
        enqueue_on(&self.db.conn, message).await
    }

    async fn claim(&self, limit: u32, lease: Duration) -> Result<Vec<Outgoing>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let free = Condition::any()
            .add(outbox::Column::LockedUntil.is_null())
            .add(outbox::Column::LockedUntil.lte(moment(now)));
        let due: Vec<outbox::Model> = outbox::Entity::find()
            .filter(outbox::Column::Failed.eq(false))
            .filter(outbox::Column::NextAttemptAt.lte(moment(now)))
            .filter(free.clone())
            .order_by_asc(outbox::Column::Id)
            .limit(u64::from(limit))
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let until = moment_after(now, lease);
        let mut claimed = Vec::with_capacity(due.len());
        for row in due {
            // Of two workers that read the row, the one whose update finds it free holds it.
            let taken = outbox::Entity::update_many()
                .col_expr(outbox::Column::LockedUntil, Expr::value(Some(until)))
                .col_expr(outbox::Column::Attempts, Expr::col(outbox::Column::Attempts).add(1))
                .col_expr(outbox::Column::UpdateTime, Expr::value(moment(now)))
                .filter(outbox::Column::Id.eq(row.id))
                .filter(outbox::Column::Failed.eq(false))
                .filter(free.clone())
                .exec(&self.db.conn)
                .await
                .map_err(store)?;
            if taken.rows_affected != 1 {
                continue;
            }
            let attempts = u32::try_from(row.attempts + 1).unwrap_or(u32::MAX);
            match message_of(&row) {
                Ok(message) => claimed.push(Outgoing { id: id_of(row.id)?, message, attempts }),
                Err(corrupt) => {
                    tracing::error!(error = %corrupt, "an outbox row cannot be read; marked failed");
                    self.give_up(id_of(row.id)?, &corrupt.to_string()).await?;
                }
            }
        }
        Ok(claimed)
    }

    async fn delivered(&self, id: u64) -> Result<(), StoreError> {
        outbox::Entity::delete_by_id(db_id(id)).exec(&self.db.conn).await.map_err(store)?;
        Ok(())
    }

    async fn retry(&self, id: u64, after: Duration, error: &str) -> Result<(), StoreError> {
        let now = OffsetDateTime::now_utc();
        outbox::Entity::update_many()
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(moment_after(now, after)))
            .col_expr(
                outbox::Column::LockedUntil,
                Expr::value(Option::<time::PrimitiveDateTime>::None),
            )
            .col_expr(outbox::Column::LastError, Expr::value(Some(clipped(error))))
            .col_expr(outbox::Column::UpdateTime, Expr::value(moment(now)))
            .filter(outbox::Column::Id.eq(db_id(id)))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn give_up(&self, id: u64, error: &str) -> Result<(), StoreError> {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Failed, Expr::value(true))
            .col_expr(
                outbox::Column::LockedUntil,
                Expr::value(Option::<time::PrimitiveDateTime>::None),
            )
            .col_expr(outbox::Column::LastError, Expr::value(Some(clipped(error))))
            .col_expr(outbox::Column::UpdateTime, Expr::value(moment(OffsetDateTime::now_utc())))
            .filter(outbox::Column::Id.eq(db_id(id)))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(())
    }
}
