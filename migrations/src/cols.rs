//! Column definitions shared by the migrations, chosen per engine.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// An auto-increment `BIGINT` primary key (`INTEGER PRIMARY KEY AUTOINCREMENT` on SQLite).
pub fn id(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().auto_increment().primary_key().take()
}

/// A `BIGINT NOT NULL` reference to another row.
pub fn reference(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

/// An amount of money: `DECIMAL(10,2)` on MySQL, integer fen on SQLite, where decimal columns
/// would be floats. Never negative.
pub fn money(backend: DbBackend, name: &'static str) -> ColumnDef {
    let mut col = ColumnDef::new(name);
    match backend {
        DbBackend::Sqlite => col.big_integer(),
        _ => col.decimal_len(10, 2),
    };
    col.not_null().check(Expr::col(name).gte(0)).take()
}

/// A moment with sub-second precision, stored in UTC: `DATETIME(6)` on MySQL (no 2038 limit),
/// ISO-8601 text on SQLite.
pub fn moment(backend: DbBackend, name: &'static str) -> ColumnDef {
    let mut col = ColumnDef::new(name);
    match backend {
        DbBackend::MySql => col.custom("DATETIME(6)"),
        _ => col.date_time(),
    };
    col.not_null().take()
}

/// A count that can never go below zero (`CHECK (name >= 0)`).
pub fn counter(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().default(0).check(Expr::col(name).gte(0)).take()
}

pub fn text(name: &'static str, len: u32) -> ColumnDef {
    ColumnDef::new(name).string_len(len).not_null().take()
}

pub fn flag(name: &'static str, default: bool) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().default(default).take()
}

/// `create_time` and `update_time`, as every table of the original has.
pub fn timestamps(backend: DbBackend) -> [ColumnDef; 2] {
    [moment(backend, "create_time"), moment(backend, "update_time")]
}

/// A foreign key from `table.column` to `target.id`.
pub fn fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .on_update(ForeignKeyAction::Restrict)
        .take()
}

/// Creates `table` with these columns and foreign keys (`IF NOT EXISTS` is not used: a
/// half-applied migration should fail loudly).
pub fn table(
    backend: DbBackend,
    name: &'static str,
    columns: Vec<ColumnDef>,
    fks: Vec<ForeignKeyCreateStatement>,
) -> TableCreateStatement {
    let mut stmt = Table::create();
    stmt.table(name);
    for mut column in columns {
        stmt.col(&mut column);
    }
    for mut key in fks {
        stmt.foreign_key(&mut key);
    }
    for column in timestamps(backend) {
        stmt.col(column);
    }
    if backend == DbBackend::MySql {
        stmt.engine("InnoDB").character_set("utf8mb4").collate("utf8mb4_unicode_ci");
    }
    stmt.take()
}

/// A (possibly unique) index on `table (columns...)`.
pub fn index(
    table: &'static str,
    name: &'static str,
    columns: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for column in columns {
        stmt.col(*column);
    }
    if unique {
        stmt.unique();
    }
    stmt.take()
}

/// Drops tables, in the order given.
pub async fn drop_tables(
    manager: &SchemaManager<'_>,
    tables: &[&'static str],
) -> Result<(), DbErr> {
    for name in tables {
        manager.drop_table(Table::drop().table(*name).to_owned()).await?;
    }
    Ok(())
}
