//! The SKUs operators put on flash sale: every replica reads them to keep its gate (in Redis,
//! shared) on the database's stock.

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
                "tb_flash_sale",
                vec![id("id"), reference("sku_id")],
                vec![fk("tb_flash_sale", "sku_id", "tb_sku")],
            ))
            .await?;
        manager.create_index(index("tb_flash_sale", "uq_flash_sale_sku", &["sku_id"], true)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_flash_sale"]).await
    }
}
