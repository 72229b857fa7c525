//! Trades that arrived but could not count (a second trade for a paid order, a payment for a
//! cancelled order): recorded for refund.

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
                "tb_payment_refund",
                vec![
                    id("id"),
                    ColumnDef::new("order_id").string_len(64).not_null().take(),
                    ColumnDef::new("trade_id").string_len(100).not_null().unique_key().take(),
                    money(db, "amount"),
                    text("reason", 50),
                    flag("refunded", false),
                ],
                vec![
                    ForeignKey::create()
                        .name("fk_tb_payment_refund_order_id")
                        .from("tb_payment_refund", "order_id")
                        .to("tb_order_info", "order_id")
                        .take(),
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_payment_refund"]).await
    }
}
