//! How domain values are stored on each engine.

use meiduo_domain::ports::StoreError;
use meiduo_domain::{CategoryId, Money, Sku, SkuId, SpuId};
use sea_orm::{DbBackend, QueryResult, TryGetable, Value};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Money as a bound value: `DECIMAL` on MySQL, integer fen on SQLite.
pub(crate) fn money(backend: DbBackend, amount: Money) -> Value {
    match backend {
        DbBackend::Sqlite => Value::BigInt(Some(amount.to_fen())),
        _ => Value::Decimal(Some(amount.as_decimal())),
    }
}

/// Reads an amount of money stored by [`money`].
pub(crate) fn get_money(
    backend: DbBackend,
    row: &QueryResult,
    col: &str,
) -> Result<Money, StoreError> {
    match backend {
        DbBackend::Sqlite => {
            let fen: i64 = get(row, col)?;
            u64::try_from(fen)
                .map(Money::from_fen)
                .map_err(|_| StoreError::Internal(format!("negative amount in `{col}`")))
        }
        _ => {
            let value: rust_decimal::Decimal = get(row, col)?;
            Money::from_decimal(value).map_err(|e| StoreError::Internal(format!("`{col}`: {e}")))
        }
    }
}

/// A moment as a bound value: UTC, without offset, microsecond precision on both engines.
pub(crate) fn moment(at: OffsetDateTime) -> Value {
    let utc = at.to_offset(UtcOffset::UTC);
    let truncated = utc.replace_nanosecond(utc.microsecond() * 1_000).unwrap_or(utc);
    Value::TimeDateTime(Some(PrimitiveDateTime::new(truncated.date(), truncated.time())))
}

pub(crate) fn get_moment(row: &QueryResult, col: &str) -> Result<OffsetDateTime, StoreError> {
    let at: PrimitiveDateTime = get(row, col)?;
    Ok(at.assume_utc())
}

pub(crate) fn get<T: TryGetable>(row: &QueryResult, col: &str) -> Result<T, StoreError> {
    row.try_get("", col).map_err(|e| StoreError::Internal(format!("column `{col}`: {e}")))
}

pub(crate) fn get_u64(row: &QueryResult, col: &str) -> Result<u64, StoreError> {
    let value: i64 = get(row, col)?;
    u64::try_from(value).map_err(|_| StoreError::Internal(format!("negative `{col}`")))
}

pub(crate) fn get_u32(row: &QueryResult, col: &str) -> Result<u32, StoreError> {
    let value: i64 = get(row, col)?;
    u32::try_from(value).map_err(|_| StoreError::Internal(format!("`{col}` out of range")))
}

/// The columns [`sku`] reads, for a `SELECT`.
pub(crate) const SKU_COLUMNS: &str =
    "id, goods_id, category_id, name, caption, price, stock, sales, is_launched, default_image_url";

pub(crate) fn sku(backend: DbBackend, row: &QueryResult) -> Result<Sku, StoreError> {
    Ok(Sku {
        id: SkuId(get_u64(row, "id")?),
        spu_id: SpuId(get_u64(row, "goods_id")?),
        category_id: CategoryId(get_u64(row, "category_id")?),
        name: get(row, "name")?,
        caption: get(row, "caption")?,
        price: get_money(backend, row, "price")?,
        stock: get_u32(row, "stock")?,
        sales: get_u32(row, "sales")?,
        is_launched: get(row, "is_launched")?,
        default_image: get(row, "default_image_url")?,
    })
}

/// `?, ?, ?` for `n` values.
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

pub(crate) fn id(value: u64) -> Value {
    Value::BigInt(Some(value as i64))
}

pub(crate) fn now() -> Value {
    moment(OffsetDateTime::now_utc())
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
