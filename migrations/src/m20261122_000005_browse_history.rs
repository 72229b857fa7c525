//! Browse history: the SKUs each user looked at last.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        // The id orders visits (newest = highest); one row per user and SKU.
        manager
            .create_table(table(
                db,
                "tb_browse_history",
                vec![id("id"), reference("user_id"), reference("sku_id")],
                vec![fk("tb_browse_history", "user_id", "tb_users")],
            ))
            .await?;
        manager
            .create_index(index(
                "tb_browse_history",
                "uq_browse_user_sku",
                &["user_id", "sku_id"],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_browse_history"]).await
    }
}
