//! Visits per third-level category per day (the original's `GoodsVisitCount`), added to in
//! batches by each replica's counter.

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
                "tb_goods_visit",
                vec![
                    id("id"),
                    reference("category_id"),
                    ColumnDef::new("date").date().not_null().take(),
                    ColumnDef::new("count").big_integer().not_null().default(0).take(),
                ],
                vec![fk("tb_goods_visit", "category_id", "tb_goods_category")],
            ))
            .await?;
        manager
            .create_index(index(
                "tb_goods_visit",
                "uq_goods_visit_day",
                &["category_id", "date"],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_goods_visit"]).await
    }
}
