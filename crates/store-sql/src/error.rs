//! Database errors become domain errors here; `DbErr` never leaves this crate, but it stays
//! attached to the domain error as its source, for the log.

use meiduo_domain::ports::StoreError;
use sea_orm::{DbErr, RuntimeErr, sqlx};

/// What a database error means to this adapter.
#[derive(Debug)]
pub(crate) enum DbFailure {
    /// A unique key would be violated; carries the key's name (MySQL) or the constrained
    /// columns (SQLite, `tb_users.mobile`), for the adapter that knows its schema.
    Duplicate { key: String, source: DbErr },
    /// Anything else, already sorted into the domain's variants.
    Store(StoreError),
}

impl DbFailure {
    /// Whether this is a violation of the unique key whose name contains `column`.
    pub(crate) fn is_duplicate_of(&self, column: &str) -> bool {
        matches!(self, DbFailure::Duplicate { key, .. } if key.contains(column))
    }
}

impl From<DbFailure> for StoreError {
    /// A unique key that a concurrent writer took first is a lost race: read again.
    fn from(value: DbFailure) -> Self {
        match value {
            DbFailure::Duplicate { source, .. } => StoreError::Conflict(Box::new(source)),
            DbFailure::Store(error) => error,
        }
    }
}

/// Sorts a database error.
pub(crate) fn classify(err: DbErr) -> DbFailure {
    let sorted = match &err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Sort::Unavailable,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            sort_sqlx(e)
        }
        _ => Sort::Unexpected,
    };
    match sorted {
        Sort::Duplicate(key) => DbFailure::Duplicate { key, source: err },
        Sort::Conflict => DbFailure::Store(StoreError::Conflict(Box::new(err))),
        Sort::Unavailable => DbFailure::Store(StoreError::Unavailable(Box::new(err))),
        Sort::Unexpected => DbFailure::Store(StoreError::Unexpected(Box::new(err))),
    }
}

/// Sorts a database error into the domain's [`StoreError`] (a duplicate key is a conflict).
pub(crate) fn store(err: DbErr) -> StoreError {
    classify(err).into()
}

enum Sort {
    Duplicate(String),
    Conflict,
    Unavailable,
    Unexpected,
}

fn sort_sqlx(e: &sqlx::Error) -> Sort {
    match e {
        sqlx::Error::Database(db) => {
            if let Some(mysql) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                return match mysql.number() {
                    // 1213 deadlock found, 1205 lock wait timeout exceeded.
                    1213 | 1205 => Sort::Conflict,
                    1022 | 1062 | 1169 | 1586 => Sort::Duplicate(mysql_key(mysql.message())),
                    // Server has gone away, lost connection during query, server shutdown.
                    2006 | 2013 | 1053 => Sort::Unavailable,
                    _ => Sort::Unexpected,
                };
            }
            let code: i64 = db.code().and_then(|code| code.parse().ok()).unwrap_or(-1);
            match code {
                // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY.
                2067 | 1555 => Sort::Duplicate(db.message().to_owned()),
                // SQLITE_BUSY and SQLITE_LOCKED with their extended codes.
                c if c >= 0 && (c & 0xff == 5 || c & 0xff == 6) => Sort::Conflict,
                _ => Sort::Unexpected,
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Sort::Unavailable,
        _ => Sort::Unexpected,
    }
}

/// The key name in MySQL's "Duplicate entry 'x' for key 'name'" (the whole message otherwise).
fn mysql_key(message: &str) -> String {
    message
        .rsplit_once("for key '")
        .map(|(_, key)| key.trim_end_matches('\'').to_owned())
        .unwrap_or_else(|| message.to_owned())
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

    #[test]
    fn a_lost_connection_is_unavailable_and_keeps_its_cause() {
        let error = store(DbErr::Conn(RuntimeErr::Internal("connection refused".into())));
        assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
        let cause = std::error::Error::source(&error).map(ToString::to_string);
        assert!(cause.is_some_and(|c| c.contains("connection refused")), "{error:?}");
    }
}
