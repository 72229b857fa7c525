//! Idempotency keys of `POST /orders/`: per user, the request's fingerprint and the order it
//! placed, kept a day.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                table(
                    db,
                    "tb_idempotency_key",
                    vec![
                        reference("user_id"),
                        text("idem_key", 100),
                        text("fingerprint", 200),
                        ColumnDef::new("order_id").string_len(64).null().take(),
                    ],
                    vec![fk("tb_idempotency_key", "user_id", "tb_users")],
                )
                .primary_key(Index::create().col("user_id").col("idem_key"))
                .take(),
            )
            .await?;
        manager
            .create_index(index(
                "tb_idempotency_key",
                "ix_idempotency_key_create_time",
                &["create_time"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_idempotency_key"]).await
    }
}
