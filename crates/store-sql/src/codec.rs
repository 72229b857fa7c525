//! How domain values are stored on each engine, and read back from typed rows.

use meiduo_domain::ports::StoreError;
use meiduo_domain::{Money, OrderId, OrderStatus, Quantity};
use rust_decimal::Decimal;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueTypeErr};
use sea_orm::{ColIdx, DbBackend, QueryResult, TryGetError, TryGetable, Value};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// An amount of money as a column holds it: `DECIMAL(10,2)` on MySQL, integer fen on SQLite
/// (where decimal columns would be floats). Made for an engine with [`DbMoney::new`], read back
/// from either; [`DbMoney::money`] gives the domain's [`Money`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DbMoney {
    Fen(i64),
    Yuan(Decimal),
}

impl DbMoney {
    /// `amount` as `backend` stores it.
    pub(crate) fn new(backend: DbBackend, amount: Money) -> Self {
        match backend {
            DbBackend::Sqlite => DbMoney::Fen(amount.to_fen()),
            _ => DbMoney::Yuan(amount.as_decimal()),
        }
    }

    /// The amount; a negative or over-precise stored amount is corrupt data.
    pub(crate) fn money(self) -> Result<Money, StoreError> {
        match self {
            DbMoney::Fen(fen) => u64::try_from(fen)
                .map(Money::from_fen)
                .map_err(|_| StoreError::unexpected(format!("a negative amount: {fen} fen"))),
            DbMoney::Yuan(value) => Money::from_decimal(value)
                .map_err(|e| StoreError::unexpected(format!("the amount {value}: {e}"))),
        }
    }
}

impl From<DbMoney> for Value {
    fn from(value: DbMoney) -> Self {
        match value {
            DbMoney::Fen(fen) => Value::BigInt(Some(fen)),
            DbMoney::Yuan(decimal) => Value::Decimal(Some(decimal)),
        }
    }
}

impl TryGetable for DbMoney {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        if res.try_as_sqlite_row().is_some() {
            i64::try_get_by(res, idx).map(DbMoney::Fen)
        } else {
            Decimal::try_get_by(res, idx).map(DbMoney::Yuan)
        }
    }
}

impl sea_orm::sea_query::ValueType for DbMoney {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        match v {
            Value::BigInt(Some(fen)) => Ok(DbMoney::Fen(fen)),
            Value::Decimal(Some(decimal)) => Ok(DbMoney::Yuan(decimal)),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "DbMoney".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::Decimal
    }

    fn column_type() -> ColumnType {
        ColumnType::Decimal(Some((10, 2)))
    }
}

impl Nullable for DbMoney {
    fn null() -> Value {
        Value::Decimal(None)
    }
}

impl sea_orm::IntoActiveValue<DbMoney> for DbMoney {
    fn into_active_value(self) -> sea_orm::ActiveValue<DbMoney> {
        sea_orm::ActiveValue::Set(self)
    }
}

/// A moment as both engines store it: UTC without offset, microsecond precision.
pub(crate) fn moment(at: OffsetDateTime) -> PrimitiveDateTime {
    let utc = at.to_offset(UtcOffset::UTC);
    let truncated = utc.replace_nanosecond(utc.microsecond() * 1_000).unwrap_or(utc);
    PrimitiveDateTime::new(truncated.date(), truncated.time())
}

/// `at` moved forward by `by`, as [`moment`] stores it; a span too long for a date stops at the
/// last storable day rather than overflowing.
pub(crate) fn moment_after(at: OffsetDateTime, by: std::time::Duration) -> PrimitiveDateTime {
    let last = PrimitiveDateTime::new(time::Date::MAX, time::Time::MIDNIGHT);
    time::Duration::try_from(by).ok().and_then(|by| at.checked_add(by)).map_or(last, moment)
}

/// `at` moved back by `by`, as [`moment`] stores it; stops at the first storable day.
pub(crate) fn moment_before(at: OffsetDateTime, by: std::time::Duration) -> PrimitiveDateTime {
    let first = PrimitiveDateTime::new(time::Date::MIN, time::Time::MIDNIGHT);
    time::Duration::try_from(by).ok().and_then(|by| at.checked_sub(by)).map_or(first, moment)
}

/// Now, as [`moment`] stores it.
pub(crate) fn now() -> PrimitiveDateTime {
    moment(OffsetDateTime::now_utc())
}

/// A moment read back.
pub(crate) fn instant(at: PrimitiveDateTime) -> OffsetDateTime {
    at.assume_utc()
}

/// An id column (signed `BIGINT`) as the domain's unsigned id; a negative id is corrupt data.
pub(crate) fn id_of(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::unexpected(format!("a negative id: {value}")))
}

/// The domain's unsigned id as the signed `BIGINT` column holds it.
pub(crate) fn db_id(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A counter column (`CHECK (n >= 0)`) as a `u32`.
pub(crate) fn count_of(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value)
        .map_err(|_| StoreError::unexpected(format!("a count out of range: {value}")))
}

/// A stored order id.
pub(crate) fn order_id_of(raw: &str) -> Result<OrderId, StoreError> {
    OrderId::parse(raw).map_err(|e| StoreError::unexpected(format!("order id {raw}: {e}")))
}

/// A stored order status.
pub(crate) fn status_of(code: i16) -> Result<OrderStatus, StoreError> {
    OrderStatus::from_code(i64::from(code))
        .map_err(|e| StoreError::unexpected(format!("order status {code}: {e}")))
}

/// An order status as stored.
pub(crate) fn status_code(status: OrderStatus) -> i16 {
    i16::from(status.code())
}

/// A stored line count (at least 1).
pub(crate) fn quantity_of(count: i32) -> Result<Quantity, StoreError> {
    u32::try_from(count)
        .ok()
        .and_then(Quantity::from_stored)
        .ok_or_else(|| StoreError::unexpected(format!("a line of {count} units")))
}

/// Escapes `%`, `_` and `!` for `LIKE ... ESCAPE '!'` (a character both engines take literally).
pub(crate) fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_stored_as_fen_on_sqlite_and_as_a_decimal_on_mysql() {
        let amount: Money = "3788.50".parse().unwrap_or_else(|_| Money::from_fen(0));
        assert_eq!(DbMoney::new(DbBackend::Sqlite, amount), DbMoney::Fen(378_850));
        assert_eq!(DbMoney::new(DbBackend::MySql, amount), DbMoney::Yuan(amount.as_decimal()));
        for backend in [DbBackend::Sqlite, DbBackend::MySql] {
            assert_eq!(DbMoney::new(backend, amount).money().ok(), Some(amount));
        }
        assert!(DbMoney::Fen(-1).money().is_err(), "a negative amount is corrupt");
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_off!"), "%50!%!_off!!%");
    }
}
