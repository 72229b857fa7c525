//! The operators' side, in the shape of Django's auth model: staff flags and the last login on
//! `tb_users`; content types, permissions (`<action>_<model>`), groups of permissions, and the
//! groups and permissions each staff user holds; and the audit log of admin writes. The
//! permissions of every model the admin API manages are created here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::{TimeDateTime, TimeDateTimeWithTimeZone};

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// The models the admin API manages: `(app_label, model, verbose name)`.
const MODELS: [(&str, &str, &str); 15] = [
    ("users", "user", "user"),
    ("orders", "orderinfo", "order"),
    ("goods", "sku", "SKU"),
    ("goods", "skuimage", "SKU image"),
    ("goods", "spu", "SPU"),
    ("goods", "brand", "brand"),
    ("goods", "spuspecification", "specification"),
    ("goods", "specificationoption", "specification option"),
    ("goods", "goodschannel", "channel"),
    ("goods", "goodschannelgroup", "channel group"),
    ("goods", "goodscategory", "category"),
    ("auth", "permission", "permission"),
    ("auth", "group", "group"),
    ("meiduo_admin", "auditentry", "audit entry"),
    ("meiduo_admin", "statistics", "statistics"),
];

/// Django's four actions on every model.
const ACTIONS: [&str; 4] = ["add", "change", "delete", "view"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        // One column per statement: SQLite alters a table one column at a time.
        let mut last_login = moment(db, "last_login");
        for mut column in
            [flag("is_staff", false), flag("is_superuser", false), last_login.null().take()]
        {
            manager
                .alter_table(Table::alter().table("tb_users").add_column(&mut column).take())
                .await?;
        }
        manager
            .create_table(table(
                db,
                "tb_content_type",
                vec![id("id"), text("app_label", 100), text("model", 100)],
                vec![],
            ))
            .await?;
        manager
            .create_index(index(
                "tb_content_type",
                "uq_content_type",
                &["app_label", "model"],
                true,
            ))
            .await?;
        manager
            .create_table(table(
                db,
                "tb_permission",
                vec![
                    id("id"),
                    text("name", 255),
                    reference("content_type_id"),
                    text("codename", 100),
                ],
                vec![fk("tb_permission", "content_type_id", "tb_content_type")],
            ))
            .await?;
        manager
            .create_index(index("tb_permission", "uq_permission_codename", &["codename"], true))
            .await?;
        manager
            .create_table(table(db, "tb_group", vec![id("id"), text("name", 150)], vec![]))
            .await?;
        manager.create_index(index("tb_group", "uq_group_name", &["name"], true)).await?;
        for (name, left, left_table, right, right_table) in [
            ("tb_group_permissions", "group_id", "tb_group", "permission_id", "tb_permission"),
            ("tb_user_groups", "user_id", "tb_users", "group_id", "tb_group"),
            ("tb_user_permissions", "user_id", "tb_users", "permission_id", "tb_permission"),
        ] {
            manager
                .create_table(table(
                    db,
                    name,
                    vec![id("id"), reference(left), reference(right)],
                    vec![fk(name, left, left_table), fk(name, right, right_table)],
                ))
                .await?;
            let unique: &'static str = match name {
                "tb_group_permissions" => "uq_group_permissions",
                "tb_user_groups" => "uq_user_groups",
                _ => "uq_user_permissions",
            };
            manager.create_index(index(name, unique, &[left, right], true)).await?;
        }
        manager
            .create_table(table(
                db,
                "tb_admin_audit",
                vec![
                    id("id"),
                    reference("actor_id"),
                    text("actor", 150),
                    text("action", 20),
                    text("resource", 100),
                    text("resource_id", 64),
                    ColumnDef::new("changes").text().not_null().take(),
                ],
                vec![fk("tb_admin_audit", "actor_id", "tb_users")],
            ))
            .await?;
        seed_permissions(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "tb_admin_audit",
                "tb_user_permissions",
                "tb_user_groups",
                "tb_group_permissions",
                "tb_group",
                "tb_permission",
                "tb_content_type",
            ],
        )
        .await?;
        for column in ["last_login", "is_superuser", "is_staff"] {
            manager
                .alter_table(Table::alter().table("tb_users").drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}

/// A content type per model and Django's four permissions on each.
async fn seed_permissions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let utc = TimeDateTimeWithTimeZone::now_utc();
    let now: SimpleExpr = TimeDateTime::new(utc.date(), utc.time()).into();
    for (content_type, (app_label, model, verbose)) in (1i64..).zip(MODELS.iter()) {
        manager
            .exec_stmt(
                Query::insert()
                    .into_table("tb_content_type")
                    .columns(["id", "app_label", "model", "create_time", "update_time"])
                    .values_panic([
                        content_type.into(),
                        (*app_label).into(),
                        (*model).into(),
                        now.clone(),
                        now.clone(),
                    ])
                    .take(),
            )
            .await?;
        for action in ACTIONS {
            manager
                .exec_stmt(
                    Query::insert()
                        .into_table("tb_permission")
                        .columns([
                            "name",
                            "content_type_id",
                            "codename",
                            "create_time",
                            "update_time",
                        ])
                        .values_panic([
                            format!("Can {action} {verbose}").into(),
                            content_type.into(),
                            format!("{action}_{model}").into(),
                            now.clone(),
                            now.clone(),
                        ])
                        .take(),
                )
                .await?;
        }
    }
    Ok(())
}
