//! The SQL cart store: one row per user and SKU.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        // No foreign key to tb_sku on purpose: it would make every cart write take a shared lock
        // on the SKU row that a concurrent order holds exclusively. The use cases check SKUs.
        let mut stmt = table(
            db,
            "tb_cart",
            vec![
                reference("user_id"),
                reference("sku_id"),
                ColumnDef::new("count").integer().not_null().check(Expr::col("count").gt(0)).take(),
                flag("selected", true),
            ],
            vec![fk("tb_cart", "user_id", "tb_users")],
        );
        stmt.primary_key(Index::create().col("user_id").col("sku_id"));
        manager.create_table(stmt).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_cart"]).await
    }
}
