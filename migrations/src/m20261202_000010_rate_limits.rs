//! Fixed-window counters (failed logins, SMS sends) for a deployment without Redis.

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
                "tb_rate_limit",
                vec![
                    // `login_user:alice`, `login_ip:10.0.0.7`, `sms_ip:10.0.0.7`.
                    ColumnDef::new("limit_key").string_len(100).not_null().primary_key().take(),
                    counter("hits"),
                    moment(db, "window_ends"),
                ],
                vec![],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_rate_limit"]).await
    }
}
