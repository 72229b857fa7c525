//! Verification codes (SMS codes, captcha texts, marks of used tokens) for a deployment without
//! Redis: every replica reads the same ones.

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
                "tb_verification_code",
                vec![
                    // `sms:13800138000`, `img:<uuid>`, `used:<token id>`.
                    ColumnDef::new("code_key").string_len(100).not_null().primary_key().take(),
                    text("code", 64),
                    counter("wrong_tries"),
                    moment(db, "sent_at"),
                    moment(db, "expires_at"),
                ],
                vec![],
            ))
            .await?;
        manager
            .create_index(index(
                "tb_verification_code",
                "ix_verification_code_expires_at",
                &["expires_at"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_verification_code"]).await
    }
}
