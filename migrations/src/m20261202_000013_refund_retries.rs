//! Refunds retried by the reconciliation worker: attempts, when the next one is due, the last
//! error.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        // One column per statement: SQLite alters a table one column at a time.
        let mut next = moment(db, "next_attempt_at");
        for mut column in [
            counter("attempts"),
            next.null().take(),
            ColumnDef::new("last_error").string_len(500).null().take(),
        ] {
            manager
                .alter_table(
                    Table::alter().table("tb_payment_refund").add_column(&mut column).take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["last_error", "next_attempt_at", "attempts"] {
            manager
                .alter_table(Table::alter().table("tb_payment_refund").drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
