//! The outbox: SMS and mail queued in the transaction that asks for them, delivered at least
//! once by a worker that holds a lease on each.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        let mut locked_until = moment(db, "locked_until");
        manager
            .create_table(table(
                db,
                "tb_outbox",
                vec![
                    id("id"),
                    // `sms_code` or `verify_email`; the payload is its JSON.
                    text("kind", 20),
                    ColumnDef::new("payload").text().not_null().take(),
                    counter("attempts"),
                    moment(db, "next_attempt_at"),
                    locked_until.null().take(),
                    flag("failed", false),
                    ColumnDef::new("last_error").string_len(500).null().take(),
                ],
                vec![],
            ))
            .await?;
        manager
            .create_index(index(
                "tb_outbox",
                "ix_outbox_due",
                &["failed", "next_attempt_at"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_outbox"]).await
    }
}
