//! The catalog: categories, channels, brands, SPUs with specifications, SKUs.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        let tables = [
            table(
                db,
                "tb_goods_category",
                vec![
                    id("id"),
                    text("name", 10),
                    ColumnDef::new("parent_id").big_integer().null().take(),
                ],
                vec![fk("tb_goods_category", "parent_id", "tb_goods_category")],
            ),
            table(db, "tb_goods_channel_group", vec![id("id"), text("name", 20)], vec![]),
            table(
                db,
                "tb_goods_channel",
                vec![
                    id("id"),
                    reference("group_id"),
                    reference("category_id"),
                    text("url", 50),
                    ColumnDef::new("sequence").integer().not_null().take(),
                ],
                vec![
                    fk("tb_goods_channel", "group_id", "tb_goods_channel_group"),
                    fk("tb_goods_channel", "category_id", "tb_goods_category"),
                ],
            ),
            table(
                db,
                "tb_brand",
                vec![id("id"), text("name", 20), text("logo", 100), text("first_letter", 1)],
                vec![],
            ),
            table(
                db,
                "tb_goods",
                vec![
                    id("id"),
                    text("name", 50),
                    reference("brand_id"),
                    reference("category1_id"),
                    reference("category2_id"),
                    reference("category3_id"),
                    ColumnDef::new("sales").big_integer().not_null().default(0).take(),
                    ColumnDef::new("comments").big_integer().not_null().default(0).take(),
                    ColumnDef::new("desc_detail").text().not_null().take(),
                    ColumnDef::new("desc_pack").text().not_null().take(),
                    ColumnDef::new("desc_service").text().not_null().take(),
                ],
                vec![
                    fk("tb_goods", "brand_id", "tb_brand"),
                    fk("tb_goods", "category1_id", "tb_goods_category"),
                    fk("tb_goods", "category2_id", "tb_goods_category"),
                    fk("tb_goods", "category3_id", "tb_goods_category"),
                ],
            ),
            table(
                db,
                "tb_goods_specification",
                vec![id("id"), reference("goods_id"), text("name", 20)],
                vec![fk("tb_goods_specification", "goods_id", "tb_goods")],
            ),
            table(
                db,
                "tb_specification_option",
                vec![id("id"), reference("spec_id"), text("value", 20)],
                vec![fk("tb_specification_option", "spec_id", "tb_goods_specification")],
            ),
            table(
                db,
                "tb_sku",
                vec![
                    id("id"),
                    text("name", 50),
                    text("caption", 100),
                    reference("goods_id"),
                    reference("category_id"),
                    money(db, "price"),
                    money(db, "cost_price"),
                    money(db, "market_price"),
                    counter("stock"),
                    counter("sales"),
                    counter("comments"),
                    flag("is_launched", true),
                    ColumnDef::new("default_image_url").string_len(200).null().take(),
                ],
                vec![
                    fk("tb_sku", "goods_id", "tb_goods"),
                    fk("tb_sku", "category_id", "tb_goods_category"),
                ],
            ),
            table(
                db,
                "tb_sku_image",
                vec![id("id"), reference("sku_id"), text("image", 200)],
                vec![fk("tb_sku_image", "sku_id", "tb_sku")],
            ),
            table(
                db,
                "tb_sku_specification",
                vec![id("id"), reference("sku_id"), reference("spec_id"), reference("option_id")],
                vec![
                    fk("tb_sku_specification", "sku_id", "tb_sku"),
                    fk("tb_sku_specification", "spec_id", "tb_goods_specification"),
                    fk("tb_sku_specification", "option_id", "tb_specification_option"),
                ],
            ),
        ];
        for stmt in tables {
            manager.create_table(stmt).await?;
        }
        let indexes = [
            index("tb_goods_category", "idx_category_parent", &["parent_id"], false),
            // The category list, for each of its orderings.
            index(
                "tb_sku",
                "idx_sku_category_sales",
                &["category_id", "is_launched", "sales"],
                false,
            ),
            index(
                "tb_sku",
                "idx_sku_category_price",
                &["category_id", "is_launched", "price"],
                false,
            ),
            index(
                "tb_sku",
                "idx_sku_category_time",
                &["category_id", "is_launched", "create_time"],
                false,
            ),
            index("tb_sku_image", "idx_sku_image_sku", &["sku_id"], false),
            index("tb_sku_specification", "idx_sku_spec_sku", &["sku_id"], false),
            index("tb_goods_specification", "idx_spec_goods", &["goods_id"], false),
        ];
        for stmt in indexes {
            manager.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "tb_sku_specification",
                "tb_sku_image",
                "tb_sku",
                "tb_specification_option",
                "tb_goods_specification",
                "tb_goods",
                "tb_brand",
                "tb_goods_channel",
                "tb_goods_channel_group",
                "tb_goods_category",
            ],
        )
        .await
    }
}
