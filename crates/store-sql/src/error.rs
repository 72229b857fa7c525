//! Database errors become domain errors here; `DbErr` never leaves this crate.

use meiduo_domain::ports::{CartStoreError, StoreError};
use sea_orm::{DbErr, RuntimeErr, sqlx};

/// Sorts a database error into the domain's [`StoreError`].
pub(crate) fn classify(err: DbErr) -> StoreError {
    match &err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => StoreError::Unavailable(err.to_string()),
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            classify_sqlx(e, &err)
        }
        _ => StoreError::Internal(err.to_string()),
    }
}

fn classify_sqlx(e: &sqlx::Error, err: &DbErr) -> StoreError {
    match e {
        sqlx::Error::Database(db) => {
            if let Some(mysql) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                return match mysql.number() {
                    // 1213 deadlock found, 1205 lock wait timeout exceeded.
                    1213 | 1205 => StoreError::Conflict,
                    1022 | 1062 | 1169 | 1586 => StoreError::Duplicate(mysql_key(mysql.message())),
                    // Server has gone away, lost connection during query, server shutdown.
                    2006 | 2013 | 1053 => StoreError::Unavailable(err.to_string()),
                    _ => StoreError::Internal(err.to_string()),
                };
            }
            let code: i64 = db.code().and_then(|code| code.parse().ok()).unwrap_or(-1);
            match code {
                // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY.
                2067 | 1555 => StoreError::Duplicate(db.message().to_owned()),
                // SQLITE_BUSY and SQLITE_LOCKED with their extended codes.
                c if c >= 0 && (c & 0xff == 5 || c & 0xff == 6) => StoreError::Conflict,
                _ => StoreError::Internal(err.to_string()),
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err.to_string()),
        _ => StoreError::Internal(err.to_string()),
    }
}

/// The key name in MySQL's "Duplicate entry 'x' for key 'name'" (the whole message otherwise).
fn mysql_key(message: &str) -> String {
    message
        .rsplit_once("for key '")
        .map(|(_, key)| key.trim_end_matches('\'').to_owned())
        .unwrap_or_else(|| message.to_owned())
}

pub(crate) fn cart_error(err: StoreError) -> CartStoreError {
    match err {
        StoreError::Unavailable(why) => CartStoreError::Unavailable(why),
        other => CartStoreError::Internal(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_name_is_taken_from_mysql_messages() {
        assert_eq!(mysql_key("Duplicate entry '2026' for key 'PRIMARY'"), "PRIMARY");
        assert_eq!(
            mysql_key("Duplicate entry 'x' for key 'tb_payment.trade_id'"),
            "tb_payment.trade_id"
        );
        assert_eq!(mysql_key("something else"), "something else");
    }
}
