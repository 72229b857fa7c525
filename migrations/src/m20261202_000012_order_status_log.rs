//! Every change of an order's status, with who made it and when, written in the transaction of
//! the change.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(table(
                db,
                "tb_order_status_log",
                vec![
                    id("id"),
                    ColumnDef::new("order_id").string_len(64).not_null().take(),
                    // NULL for the order's placing.
                    ColumnDef::new("from_status").small_integer().null().take(),
                    ColumnDef::new("to_status").small_integer().not_null().take(),
                    text("actor", 40),
                ],
                vec![
                    ForeignKey::create()
                        .name("fk_tb_order_status_log_order_id")
                        .from("tb_order_status_log", "order_id")
                        .to("tb_order_info", "order_id")
                        .take(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "tb_order_status_log",
                "ix_order_status_log_order",
                &["order_id", "id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_order_status_log"]).await
    }
}
