//! The admin API's ports on the pool: [`StaffDirectory`] (staff, their rights from
//! `tb_user_permissions` and their groups' `tb_group_permissions`), [`AdminQueries`] (the
//! statistics and the listings) and [`AuditLog`] (`tb_admin_audit`).

use std::collections::BTreeSet;

use async_trait::async_trait;
use meiduo_domain::ports::{AdminQueries, AuditLog, CreateUserError, StaffDirectory, StoreError};
use meiduo_domain::{
    AuditAction, AuditEntry, FieldChange, NewUser, Order, Page, StaffMember, User, UserId,
};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, TransactionTrait, Value,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::codec::{db_id, id_of, instant, moment, now};
use crate::entity::{admin_audit, order_info, permission, user, user_permission};
use crate::error::store;
use crate::store::Db;
use crate::users::insert_user;

/// Staff, statistics, listings and the audit log on the pool.
#[derive(Debug, Clone)]
pub struct SqlStaff {
    db: Db,
}

impl SqlStaff {
    pub(crate) fn new(db: Db) -> Self {
        SqlStaff { db }
    }

    fn shoppers() -> sea_orm::Select<user::Entity> {
        user::Entity::find()
            .filter(user::Column::IsStaff.eq(false))
            .filter(user::Column::IsActive.eq(true))
    }

    async fn count(&self, select: sea_orm::Select<user::Entity>) -> Result<u64, StoreError> {
        select.count(&self.db.conn).await.map_err(store)
    }

    /// The codenames the user holds, of its own and through its groups.
    async fn permissions_of(&self, id: i64) -> Result<BTreeSet<String>, StoreError> {
        let sql = "SELECT p.codename AS codename FROM tb_permission p \
                   JOIN tb_user_permissions up ON up.permission_id = p.id WHERE up.user_id = ? \
                   UNION \
                   SELECT p.codename AS codename FROM tb_permission p \
                   JOIN tb_group_permissions gp ON gp.permission_id = p.id \
                   JOIN tb_user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = ?";
        let backend = self.db.conn.get_database_backend();
        let rows = self
            .db
            .conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [Value::from(id), Value::from(id)],
            ))
            .await
            .map_err(store)?;
        rows.iter().map(|row| row.try_get::<String>("", "codename").map_err(store)).collect()
    }
}

#[async_trait]
impl StaffDirectory for SqlStaff {
    async fn staff(&self, id: UserId) -> Result<Option<StaffMember>, StoreError> {
        let Some(row) = user::Entity::find_by_id(db_id(id.0))
            .filter(user::Column::IsStaff.eq(true))
            .filter(user::Column::IsActive.eq(true))
            .one(&self.db.conn)
            .await
            .map_err(store)?
        else {
            return Ok(None);
        };
        let permissions =
            if row.is_superuser { BTreeSet::new() } else { self.permissions_of(row.id).await? };
        Ok(Some(StaffMember { user: row.to_user()?, is_superuser: row.is_superuser, permissions }))
    }

    async fn create_staff(
        &self,
        new: &NewUser,
        superuser: bool,
        permissions: &[String],
    ) -> Result<User, CreateUserError> {
        let txn = self.db.conn.begin().await.map_err(store)?;
        let created = insert_user(&txn, new, Some(superuser)).await?;
        for codename in permissions {
            let found: Option<i64> = permission::Entity::find()
                .select_only()
                .column(permission::Column::Id)
                .filter(permission::Column::Codename.eq(codename.as_str()))
                .into_tuple()
                .one(&txn)
                .await
                .map_err(store)?;
            let Some(permission_id) = found else {
                return Err(StoreError::unexpected(format!("no permission `{codename}`")).into());
            };
            let at = now();
            user_permission::Entity::insert(user_permission::ActiveModel {
                user_id: Set(db_id(created.id.0)),
                permission_id: Set(permission_id),
                create_time: Set(at),
                update_time: Set(at),
                ..Default::default()
            })
            .exec(&txn)
            .await
            .map_err(store)?;
        }
        txn.commit().await.map_err(store)?;
        Ok(created)
    }

    async fn record_login(&self, id: UserId, at: OffsetDateTime) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::LastLogin, Expr::value(moment(at)))
            .filter(user::Column::Id.eq(db_id(id.0)))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(())
    }
}

#[async_trait]
impl AdminQueries for SqlStaff {
    async fn count_shoppers(&self) -> Result<u64, StoreError> {
        self.count(Self::shoppers()).await
    }

    async fn joined_between(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.count(
            Self::shoppers()
                .filter(user::Column::CreateTime.gte(moment(from)))
                .filter(user::Column::CreateTime.lt(moment(to))),
        )
        .await
    }

    async fn active_since(&self, since: OffsetDateTime) -> Result<u64, StoreError> {
        self.count(Self::shoppers().filter(user::Column::LastLogin.gte(moment(since)))).await
    }

    async fn ordering_since(&self, since: OffsetDateTime) -> Result<u64, StoreError> {
        order_info::Entity::find()
            .select_only()
            .column(order_info::Column::UserId)
            .distinct()
            .filter(order_info::Column::CreateTime.gte(moment(since)))
            .count(&self.db.conn)
            .await
            .map_err(store)
    }

    async fn users<'a>(
        &self,
        keyword: Option<&'a str>,
        offset: u64,
        limit: u64,
    ) -> Result<Page<User>, StoreError> {
        let mut select = user::Entity::find();
        if let Some(keyword) = keyword {
            select = select.filter(user::Column::Username.contains(keyword));
        }
        let count = select.clone().count(&self.db.conn).await.map_err(store)?;
        let items = select
            .order_by_asc(user::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .iter()
            .map(user::Model::to_user)
            .collect::<Result<_, _>>()?;
        Ok(Page { count, items })
    }

    async fn orders<'a>(
        &self,
        keyword: Option<&'a str>,
        offset: u64,
        limit: u64,
    ) -> Result<Page<Order>, StoreError> {
        let mut select = order_info::Entity::find();
        if let Some(keyword) = keyword {
            select = select.filter(order_info::Column::OrderId.contains(keyword));
        }
        let count = select.clone().count(&self.db.conn).await.map_err(store)?;
        let items = select
            .order_by_desc(order_info::Column::CreateTime)
            .order_by_desc(order_info::Column::OrderId)
            .offset(offset)
            .limit(limit)
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .into_iter()
            .map(order_info::Model::into_order)
            .collect::<Result<_, _>>()?;
        Ok(Page { count, items })
    }
}

/// A change as `tb_admin_audit.changes` keeps it.
#[derive(Serialize, Deserialize)]
struct StoredChange {
    field: String,
    before: Option<String>,
    after: Option<String>,
}

#[async_trait]
impl AuditLog for SqlStaff {
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let changes: Vec<StoredChange> = entry
            .changes
            .iter()
            .map(|c| StoredChange {
                field: c.field.clone(),
                before: c.before.clone(),
                after: c.after.clone(),
            })
            .collect();
        let changes = serde_json::to_string(&changes)
            .map_err(|e| StoreError::unexpected(format!("audit changes: {e}")))?;
        let at = moment(entry.at);
        admin_audit::Entity::insert(admin_audit::ActiveModel {
            actor_id: Set(db_id(entry.actor.0)),
            actor: Set(entry.actor_name.clone()),
            action: Set(entry.action.as_str().to_owned()),
            resource: Set(entry.resource.clone()),
            resource_id: Set(entry.resource_id.clone()),
            changes: Set(changes),
            create_time: Set(at),
            update_time: Set(at),
            ..Default::default()
        })
        .exec(&self.db.conn)
        .await
        .map_err(store)?;
        Ok(())
    }

    async fn page(&self, offset: u64, limit: u64) -> Result<Page<AuditEntry>, StoreError> {
        let count = admin_audit::Entity::find().count(&self.db.conn).await.map_err(store)?;
        let rows = admin_audit::Entity::find()
            .order_by_desc(admin_audit::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let items = rows
            .into_iter()
            .map(|row| {
                let changes: Vec<StoredChange> = serde_json::from_str(&row.changes)
                    .map_err(|e| StoreError::unexpected(format!("audit entry {}: {e}", row.id)))?;
                Ok(AuditEntry {
                    actor: UserId(id_of(row.actor_id)?),
                    actor_name: row.actor,
                    action: AuditAction::parse(&row.action).ok_or_else(|| {
                        StoreError::unexpected(format!("audit action `{}`", row.action))
                    })?,
                    resource: row.resource,
                    resource_id: row.resource_id,
                    changes: changes
                        .into_iter()
                        .map(|c| FieldChange { field: c.field, before: c.before, after: c.after })
                        .collect(),
                    at: instant(row.create_time),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Page { count, items })
    }
}
