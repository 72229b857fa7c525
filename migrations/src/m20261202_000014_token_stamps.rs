//! A stamp per user that every login token carries: a token is honoured only while its stamp is
//! the user's, so a password change logs the user out everywhere, and tokens signed before a
//! database was reset do not reach the new accounts that reuse their ids.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("tb_users")
                    .add_column(ColumnDef::new("token_stamp").string_len(32).not_null().default(""))
                    .take(),
            )
            .await?;
        // Users of before get a stamp of their own: tokens issued before carry none and are
        // no longer honoured (their holders log in again).
        let random = match manager.get_database_backend() {
            DbBackend::Sqlite => "lower(hex(randomblob(16)))",
            _ => "lower(hex(random_bytes(16)))",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!("UPDATE tb_users SET token_stamp = {random}"))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("tb_users").drop_column("token_stamp").take())
            .await?;
        Ok(())
    }
}
