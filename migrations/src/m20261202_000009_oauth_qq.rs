//! QQ identities bound to accounts (the original's `tb_oauth_qq`).

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
                "tb_oauth_qq",
                vec![
                    id("id"),
                    reference("user_id"),
                    ColumnDef::new("openid").string_len(64).not_null().unique_key().take(),
                ],
                vec![fk("tb_oauth_qq", "user_id", "tb_users")],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_oauth_qq"]).await
    }
}
