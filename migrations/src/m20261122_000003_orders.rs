//! Orders, their lines and payments.

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
                "tb_order_info",
                vec![
                    ColumnDef::new("order_id").string_len(64).not_null().primary_key().take(),
                    reference("user_id"),
                    reference("address_id"),
                    counter("total_count"),
                    money(db, "total_amount"),
                    money(db, "freight"),
                    ColumnDef::new("pay_method").small_integer().not_null().take(),
                    ColumnDef::new("status").small_integer().not_null().take(),
                ],
                vec![
                    fk("tb_order_info", "user_id", "tb_users"),
                    fk("tb_order_info", "address_id", "tb_address"),
                ],
            ))
            .await?;
        manager
            .create_table(table(
                db,
                "tb_order_goods",
                vec![
                    id("id"),
                    ColumnDef::new("order_id").string_len(64).not_null().take(),
                    reference("sku_id"),
                    counter("count"),
                    // The unit price when the order was placed.
                    money(db, "price"),
                    ColumnDef::new("comment").text().not_null().take(),
                    ColumnDef::new("score").small_integer().not_null().default(5).take(),
                    flag("is_anonymous", false),
                    flag("is_commented", false),
                ],
                vec![
                    ForeignKey::create()
                        .name("fk_tb_order_goods_order_id")
                        .from("tb_order_goods", "order_id")
                        .to("tb_order_info", "order_id")
                        .take(),
                    fk("tb_order_goods", "sku_id", "tb_sku"),
                ],
            ))
            .await?;
        manager
            .create_table(table(
                db,
                "tb_payment",
                vec![
                    id("id"),
                    ColumnDef::new("order_id").string_len(64).not_null().unique_key().take(),
                    ColumnDef::new("trade_id").string_len(100).not_null().unique_key().take(),
                ],
                vec![
                    ForeignKey::create()
                        .name("fk_tb_payment_order_id")
                        .from("tb_payment", "order_id")
                        .to("tb_order_info", "order_id")
                        .take(),
                ],
            ))
            .await?;
        let indexes = [
            // "My orders", newest first.
            index("tb_order_info", "idx_order_user_time", &["user_id", "create_time"], false),
            // Unpaid orders by age, for expiry.
            index("tb_order_info", "idx_order_status_time", &["status", "create_time"], false),
            index("tb_order_goods", "uq_order_goods_line", &["order_id", "sku_id"], true),
            index("tb_order_goods", "idx_order_goods_sku", &["sku_id", "is_commented"], false),
        ];
        for stmt in indexes {
            manager.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_payment", "tb_order_goods", "tb_order_info"]).await
    }
}
