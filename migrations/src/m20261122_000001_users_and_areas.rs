//! Users, the national administrative areas and delivery addresses.

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
                "tb_users",
                vec![
                    id("id"),
                    text("username", 20).unique_key().take(),
                    // An argon2 PHC string.
                    text("password", 128),
                    text("mobile", 11).unique_key().take(),
                    ColumnDef::new("email").string_len(254).null().take(),
                    flag("email_active", false),
                    ColumnDef::new("default_address_id").big_integer().null().take(),
                    flag("is_active", true),
                ],
                vec![],
            ))
            .await?;
        manager
            .create_table(table(
                db,
                "tb_areas",
                vec![
                    // The national administrative division code (110000 北京市 ...).
                    ColumnDef::new("id").big_integer().not_null().primary_key().take(),
                    text("name", 20),
                    ColumnDef::new("parent_id").big_integer().null().take(),
                ],
                vec![fk("tb_areas", "parent_id", "tb_areas")],
            ))
            .await?;
        manager.create_index(index("tb_areas", "idx_areas_parent", &["parent_id"], false)).await?;
        manager
            .create_table(table(
                db,
                "tb_address",
                vec![
                    id("id"),
                    reference("user_id"),
                    text("title", 20),
                    text("receiver", 20),
                    reference("province_id"),
                    reference("city_id"),
                    reference("district_id"),
                    text("place", 50),
                    text("mobile", 11),
                    ColumnDef::new("tel").string_len(20).null().take(),
                    ColumnDef::new("email").string_len(30).null().take(),
                    flag("is_deleted", false),
                ],
                vec![
                    fk("tb_address", "user_id", "tb_users"),
                    fk("tb_address", "province_id", "tb_areas"),
                    fk("tb_address", "city_id", "tb_areas"),
                    fk("tb_address", "district_id", "tb_areas"),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "tb_address",
                "idx_address_user",
                &["user_id", "is_deleted"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["tb_address", "tb_areas", "tb_users"]).await
    }
}
