//! Figures about the store for load tests and operators: the totals the stock invariants
//! compare, and the statements the database has executed.

use meiduo_domain::ports::StoreError;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{DbBackend, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, Statement};

use crate::entity::{order_goods, order_info, sku};
use crate::error::store;
use crate::store::SqlStore;

/// Totals over every order and SKU. Stock and sales move together when an order is placed or
/// cancelled, so `stock_and_sales` never changes; none of the counts may ever be negative or
/// an order lineless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockTotals {
    pub orders: u64,
    /// The sum of every SKU's stock and sales.
    pub stock_and_sales: i64,
    /// The sum of every SKU's sales.
    pub sold: i64,
    /// SKUs whose stock is below zero.
    pub negative_stock: u64,
    /// Orders that have no line.
    pub orders_without_lines: u64,
}

#[derive(Debug, FromQueryResult)]
struct Sums {
    stock_and_sales: Option<i64>,
    sold: Option<i64>,
}

/// A row of `SHOW GLOBAL STATUS`.
#[derive(Debug, FromQueryResult)]
struct ServerStatus {
    #[sea_orm(alias = "Value")]
    value: String,
}

/// `CAST(SUM(expr) AS SIGNED)` on MySQL (a `DECIMAL` there otherwise), `SUM(expr)` on SQLite.
fn sum(backend: DbBackend, expr: SimpleExpr) -> SimpleExpr {
    let total: SimpleExpr = Func::sum(expr).into();
    match backend {
        DbBackend::MySql => Func::cast_as(total, "SIGNED").into(),
        _ => total,
    }
}

impl SqlStore {
    /// The totals the stock invariants compare.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached.
    pub async fn stock_totals(&self) -> Result<StockTotals, StoreError> {
        let conn = &self.db.conn;
        let backend = self.db.backend;
        let sums = Query::select()
            .expr_as(
                sum(backend, Expr::col(sku::Column::Stock).add(Expr::col(sku::Column::Sales))),
                "stock_and_sales",
            )
            .expr_as(sum(backend, Expr::col(sku::Column::Sales)), "sold")
            .from(sku::Entity)
            .to_owned();
        let sums = Sums::find_by_statement(backend.build(&sums))
            .one(conn)
            .await
            .map_err(store)?
            .ok_or_else(|| StoreError::unexpected("a sum answered no row"))?;
        let lines = Query::select()
            .expr(Expr::val(1))
            .from(order_goods::Entity)
            .and_where(
                Expr::col((order_goods::Entity, order_goods::Column::OrderId))
                    .equals((order_info::Entity, order_info::Column::OrderId)),
            )
            .to_owned();
        Ok(StockTotals {
            orders: order_info::Entity::find().count(conn).await.map_err(store)?,
            stock_and_sales: sums.stock_and_sales.unwrap_or(0),
            sold: sums.sold.unwrap_or(0),
            negative_stock: sku::Entity::find()
                .filter(Expr::col(sku::Column::Stock).lt(0))
                .count(conn)
                .await
                .map_err(store)?,
            orders_without_lines: order_info::Entity::find()
                .filter(Expr::exists(lines).not())
                .count(conn)
                .await
                .map_err(store)?,
        })
    }

    /// The statements the database server has executed since it started (MySQL's `Questions`,
    /// which counts every statement of every client); `None` on SQLite, which keeps no count.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached.
    pub async fn statements_executed(&self) -> Result<Option<u64>, StoreError> {
        if self.db.backend != DbBackend::MySql {
            return Ok(None);
        }
        let show = Statement::from_string(
            DbBackend::MySql,
            "SHOW GLOBAL STATUS LIKE 'Questions'".to_owned(),
        );
        let row = ServerStatus::find_by_statement(show).one(&self.db.conn).await.map_err(store)?;
        Ok(row.and_then(|row| row.value.parse().ok()))
    }
}
