//! Indexes on the change times of SKUs, SPUs and brands: every replica's search index asks
//! every few seconds what changed since it last looked.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const INDEXES: [(&str, &str); 3] = [
    ("tb_sku", "ix_sku_update_time"),
    ("tb_goods", "ix_goods_update_time"),
    ("tb_brand", "ix_brand_update_time"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in INDEXES {
            manager.create_index(index(table, name, &["update_time"], false)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in INDEXES {
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        Ok(())
    }
}
