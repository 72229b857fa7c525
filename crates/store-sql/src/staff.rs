//! The admin API's ports on the pool: [`StaffDirectory`] (staff, their rights from
//! `tb_user_permissions` and their groups' `tb_group_permissions`), [`AdminQueries`] (the
//! statistics and the listings) and [`AuditLog`] (`tb_admin_audit`).

use std::collections::BTreeSet;

use async_trait::async_trait;
use meiduo_domain::ports::{
    AdminQueries, AuditLog, CategoryVisitStore, CreateUserError, RightsAdmin, RightsError,
    StaffDirectory, StoreError,
};
use meiduo_domain::{
    AuditAction, AuditEntry, CategoryId, ContentType, FieldChange, Group, NewUser, Order, Page,
    PermissionInfo, StaffAccount, StaffChange, StaffMember, User, UserId,
};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::codec::{db_id, id_of, instant, moment, now};
use crate::entity::{
    admin_audit, content_type, goods_category, goods_visit, group, group_permission, order_info,
    permission, user, user_group, user_permission,
};
use crate::error::{classify, store};
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
        let txn = self.db.begin().await?;
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

fn permission_info(row: permission::Model) -> Result<PermissionInfo, StoreError> {
    Ok(PermissionInfo {
        id: id_of(row.id)?,
        name: row.name,
        codename: row.codename,
        content_type: id_of(row.content_type_id)?,
    })
}

/// Ids of a column's rows, as the domain's ids.
fn ids(values: Vec<i64>) -> Result<Vec<u64>, StoreError> {
    values.into_iter().map(id_of).collect()
}

/// Checks that every id names a row of `entity`'s table; the first that does not, if any.
async fn first_missing<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    column: E::Column,
    wanted: &[u64],
) -> Result<Option<u64>, StoreError>
where
    E::Column: ColumnTrait,
{
    if wanted.is_empty() {
        return Ok(None);
    }
    let found: Vec<i64> = E::find()
        .select_only()
        .column(column)
        .filter(column.is_in(wanted.iter().map(|id| db_id(*id))))
        .into_tuple()
        .all(conn)
        .await
        .map_err(store)?;
    Ok(wanted.iter().copied().find(|id| !found.contains(&db_id(*id))))
}

impl SqlStaff {
    async fn group_in(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Group>, StoreError> {
        let Some(row) = group::Entity::find_by_id(id).one(conn).await.map_err(store)? else {
            return Ok(None);
        };
        let permissions: Vec<i64> = group_permission::Entity::find()
            .select_only()
            .column(group_permission::Column::PermissionId)
            .filter(group_permission::Column::GroupId.eq(id))
            .order_by_asc(group_permission::Column::PermissionId)
            .into_tuple()
            .all(conn)
            .await
            .map_err(store)?;
        Ok(Some(Group { id: id_of(row.id)?, name: row.name, permissions: ids(permissions)? }))
    }

    async fn account_in(
        conn: &impl ConnectionTrait,
        row: user::Model,
    ) -> Result<StaffAccount, StoreError> {
        let groups: Vec<i64> = user_group::Entity::find()
            .select_only()
            .column(user_group::Column::GroupId)
            .filter(user_group::Column::UserId.eq(row.id))
            .order_by_asc(user_group::Column::GroupId)
            .into_tuple()
            .all(conn)
            .await
            .map_err(store)?;
        let permissions: Vec<i64> = user_permission::Entity::find()
            .select_only()
            .column(user_permission::Column::PermissionId)
            .filter(user_permission::Column::UserId.eq(row.id))
            .order_by_asc(user_permission::Column::PermissionId)
            .into_tuple()
            .all(conn)
            .await
            .map_err(store)?;
        Ok(StaffAccount {
            user: row.to_user()?,
            is_superuser: row.is_superuser,
            groups: ids(groups)?,
            permissions: ids(permissions)?,
        })
    }

    fn active_staff() -> sea_orm::Select<user::Entity> {
        user::Entity::find()
            .filter(user::Column::IsStaff.eq(true))
            .filter(user::Column::IsActive.eq(true))
    }

    /// Replaces a user's groups and own permissions (checked to exist).
    async fn set_memberships(
        conn: &impl ConnectionTrait,
        user_id: i64,
        groups: &[u64],
        permissions: &[u64],
    ) -> Result<(), RightsError> {
        if let Some(missing) =
            first_missing::<group::Entity>(conn, group::Column::Id, groups).await?
        {
            return Err(RightsError::UnknownGroup(missing));
        }
        if let Some(missing) =
            first_missing::<permission::Entity>(conn, permission::Column::Id, permissions).await?
        {
            return Err(RightsError::UnknownPermission(missing));
        }
        user_group::Entity::delete_many()
            .filter(user_group::Column::UserId.eq(user_id))
            .exec(conn)
            .await
            .map_err(store)?;
        user_permission::Entity::delete_many()
            .filter(user_permission::Column::UserId.eq(user_id))
            .exec(conn)
            .await
            .map_err(store)?;
        let at = now();
        for group_id in dedup(groups) {
            user_group::Entity::insert(user_group::ActiveModel {
                user_id: Set(user_id),
                group_id: Set(db_id(group_id)),
                create_time: Set(at),
                update_time: Set(at),
                ..Default::default()
            })
            .exec(conn)
            .await
            .map_err(store)?;
        }
        for permission_id in dedup(permissions) {
            user_permission::Entity::insert(user_permission::ActiveModel {
                user_id: Set(user_id),
                permission_id: Set(db_id(permission_id)),
                create_time: Set(at),
                update_time: Set(at),
                ..Default::default()
            })
            .exec(conn)
            .await
            .map_err(store)?;
        }
        Ok(())
    }
}

fn dedup(ids: &[u64]) -> BTreeSet<u64> {
    ids.iter().copied().collect()
}

/// A duplicate key of `tb_users` as the rights administration names it.
fn user_conflict(error: sea_orm::DbErr) -> RightsError {
    match classify(error) {
        failure if failure.is_duplicate_of("mobile") => RightsError::MobileTaken,
        failure if failure.is_duplicate_of("username") => RightsError::UsernameTaken,
        failure => RightsError::Store(failure.into()),
    }
}

#[async_trait]
impl RightsAdmin for SqlStaff {
    async fn content_types(&self) -> Result<Vec<ContentType>, StoreError> {
        content_type::Entity::find()
            .order_by_asc(content_type::Column::Id)
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .into_iter()
            .map(|row| {
                Ok(ContentType { id: id_of(row.id)?, app_label: row.app_label, model: row.model })
            })
            .collect()
    }

    async fn permissions(
        &self,
        offset: u64,
        limit: u64,
    ) -> Result<Page<PermissionInfo>, StoreError> {
        let count = permission::Entity::find().count(&self.db.conn).await.map_err(store)?;
        let items = permission::Entity::find()
            .order_by_asc(permission::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .into_iter()
            .map(permission_info)
            .collect::<Result<_, StoreError>>()?;
        Ok(Page { count, items })
    }

    async fn permission(&self, id: u64) -> Result<Option<PermissionInfo>, StoreError> {
        let row =
            permission::Entity::find_by_id(db_id(id)).one(&self.db.conn).await.map_err(store)?;
        row.map(permission_info).transpose()
    }

    async fn save_permission<'a>(
        &self,
        id: Option<u64>,
        wanted: &'a PermissionInfo,
    ) -> Result<Option<PermissionInfo>, RightsError> {
        let txn = self.db.begin().await?;
        if first_missing::<content_type::Entity>(
            &txn,
            content_type::Column::Id,
            &[wanted.content_type],
        )
        .await?
        .is_some()
        {
            return Err(RightsError::UnknownContentType(wanted.content_type));
        }
        let taken = |error| match classify(error) {
            failure if failure.is_duplicate_of("codename") => RightsError::CodenameTaken,
            failure => RightsError::Store(failure.into()),
        };
        let at = now();
        let permission_id = match id {
            None => {
                permission::Entity::insert(permission::ActiveModel {
                    name: Set(wanted.name.clone()),
                    codename: Set(wanted.codename.clone()),
                    content_type_id: Set(db_id(wanted.content_type)),
                    create_time: Set(at),
                    update_time: Set(at),
                    ..Default::default()
                })
                .exec(&txn)
                .await
                .map_err(taken)?
                .last_insert_id
            }
            Some(id) => {
                let changed = permission::Entity::update_many()
                    .col_expr(permission::Column::Name, Expr::value(wanted.name.clone()))
                    .col_expr(permission::Column::Codename, Expr::value(wanted.codename.clone()))
                    .col_expr(
                        permission::Column::ContentTypeId,
                        Expr::value(db_id(wanted.content_type)),
                    )
                    .col_expr(permission::Column::UpdateTime, Expr::value(at))
                    .filter(permission::Column::Id.eq(db_id(id)))
                    .exec(&txn)
                    .await
                    .map_err(taken)?;
                if changed.rows_affected == 0 {
                    return Ok(None);
                }
                db_id(id)
            }
        };
        let saved = permission::Entity::find_by_id(permission_id).one(&txn).await.map_err(store)?;
        txn.commit().await.map_err(store)?;
        Ok(saved.map(permission_info).transpose()?)
    }

    async fn delete_permission(&self, id: u64) -> Result<bool, StoreError> {
        let txn = self.db.begin().await?;
        let id = db_id(id);
        group_permission::Entity::delete_many()
            .filter(group_permission::Column::PermissionId.eq(id))
            .exec(&txn)
            .await
            .map_err(store)?;
        user_permission::Entity::delete_many()
            .filter(user_permission::Column::PermissionId.eq(id))
            .exec(&txn)
            .await
            .map_err(store)?;
        let deleted = permission::Entity::delete_by_id(id).exec(&txn).await.map_err(store)?;
        txn.commit().await.map_err(store)?;
        Ok(deleted.rows_affected == 1)
    }

    async fn groups(&self, offset: u64, limit: u64) -> Result<Page<Group>, StoreError> {
        let count = group::Entity::find().count(&self.db.conn).await.map_err(store)?;
        let rows: Vec<i64> = group::Entity::find()
            .select_only()
            .column(group::Column::Id)
            .order_by_asc(group::Column::Id)
            .offset(offset)
            .limit(limit)
            .into_tuple()
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let mut items = Vec::with_capacity(rows.len());
        for id in rows {
            items.extend(Self::group_in(&self.db.conn, id).await?);
        }
        Ok(Page { count, items })
    }

    async fn group(&self, id: u64) -> Result<Option<Group>, StoreError> {
        Self::group_in(&self.db.conn, db_id(id)).await
    }

    async fn save_group<'a>(
        &self,
        id: Option<u64>,
        name: &'a str,
        permissions: &'a [u64],
    ) -> Result<Option<Group>, RightsError> {
        let txn = self.db.begin().await?;
        if let Some(missing) =
            first_missing::<permission::Entity>(&txn, permission::Column::Id, permissions).await?
        {
            return Err(RightsError::UnknownPermission(missing));
        }
        let taken = |error| match classify(error) {
            failure if failure.is_duplicate_of("name") => RightsError::GroupNameTaken,
            failure => RightsError::Store(failure.into()),
        };
        let at = now();
        let group_id = match id {
            None => {
                group::Entity::insert(group::ActiveModel {
                    name: Set(name.to_owned()),
                    create_time: Set(at),
                    update_time: Set(at),
                    ..Default::default()
                })
                .exec(&txn)
                .await
                .map_err(taken)?
                .last_insert_id
            }
            Some(id) => {
                let changed = group::Entity::update_many()
                    .col_expr(group::Column::Name, Expr::value(name))
                    .col_expr(group::Column::UpdateTime, Expr::value(at))
                    .filter(group::Column::Id.eq(db_id(id)))
                    .exec(&txn)
                    .await
                    .map_err(taken)?;
                if changed.rows_affected == 0 {
                    return Ok(None);
                }
                db_id(id)
            }
        };
        group_permission::Entity::delete_many()
            .filter(group_permission::Column::GroupId.eq(group_id))
            .exec(&txn)
            .await
            .map_err(store)?;
        for permission_id in dedup(permissions) {
            group_permission::Entity::insert(group_permission::ActiveModel {
                group_id: Set(group_id),
                permission_id: Set(db_id(permission_id)),
                create_time: Set(at),
                update_time: Set(at),
                ..Default::default()
            })
            .exec(&txn)
            .await
            .map_err(store)?;
        }
        let saved = Self::group_in(&txn, group_id).await?;
        txn.commit().await.map_err(store)?;
        Ok(saved)
    }

    async fn delete_group(&self, id: u64) -> Result<bool, StoreError> {
        let txn = self.db.begin().await?;
        let id = db_id(id);
        group_permission::Entity::delete_many()
            .filter(group_permission::Column::GroupId.eq(id))
            .exec(&txn)
            .await
            .map_err(store)?;
        user_group::Entity::delete_many()
            .filter(user_group::Column::GroupId.eq(id))
            .exec(&txn)
            .await
            .map_err(store)?;
        let deleted = group::Entity::delete_by_id(id).exec(&txn).await.map_err(store)?;
        txn.commit().await.map_err(store)?;
        Ok(deleted.rows_affected == 1)
    }

    async fn staff_accounts(
        &self,
        offset: u64,
        limit: u64,
    ) -> Result<Page<StaffAccount>, StoreError> {
        let count = Self::active_staff().count(&self.db.conn).await.map_err(store)?;
        let rows = Self::active_staff()
            .order_by_asc(user::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            items.push(Self::account_in(&self.db.conn, row).await?);
        }
        Ok(Page { count, items })
    }

    async fn staff_account(&self, id: UserId) -> Result<Option<StaffAccount>, StoreError> {
        let row = Self::active_staff()
            .filter(user::Column::Id.eq(db_id(id.0)))
            .one(&self.db.conn)
            .await
            .map_err(store)?;
        match row {
            Some(row) => Ok(Some(Self::account_in(&self.db.conn, row).await?)),
            None => Ok(None),
        }
    }

    async fn create_staff_account<'a>(
        &self,
        new: &'a NewUser,
        groups: &'a [u64],
        permissions: &'a [u64],
    ) -> Result<StaffAccount, RightsError> {
        let txn = self.db.begin().await?;
        let created = insert_user(&txn, new, Some(false)).await.map_err(|e| match e {
            CreateUserError::UsernameTaken => RightsError::UsernameTaken,
            CreateUserError::MobileTaken => RightsError::MobileTaken,
            CreateUserError::Store(error) => RightsError::Store(error),
        })?;
        let id = db_id(created.id.0);
        Self::set_memberships(&txn, id, groups, permissions).await?;
        let row = user::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(store)?
            .ok_or_else(|| StoreError::unexpected("the new staff account vanished"))?;
        let account = Self::account_in(&txn, row).await?;
        txn.commit().await.map_err(store)?;
        Ok(account)
    }

    async fn update_staff_account<'a>(
        &self,
        id: UserId,
        change: &'a StaffChange,
    ) -> Result<Option<StaffAccount>, RightsError> {
        let txn = self.db.begin().await?;
        let id = db_id(id.0);
        let mut update = user::Entity::update_many()
            .col_expr(user::Column::Username, Expr::value(change.username.as_str()))
            .col_expr(user::Column::Mobile, Expr::value(change.mobile.as_str()))
            .col_expr(user::Column::UpdateTime, Expr::value(now()));
        if let Some((hash, stamp)) = &change.new_password {
            update = update
                .col_expr(user::Column::Password, Expr::value(hash.as_str()))
                .col_expr(user::Column::TokenStamp, Expr::value(stamp.as_str()));
        }
        let changed = update
            .filter(user::Column::Id.eq(id))
            .filter(user::Column::IsStaff.eq(true))
            .filter(user::Column::IsActive.eq(true))
            .exec(&txn)
            .await
            .map_err(user_conflict)?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        Self::set_memberships(&txn, id, &change.groups, &change.permissions).await?;
        let row = user::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(store)?
            .ok_or_else(|| StoreError::unexpected("the staff account vanished"))?;
        let account = Self::account_in(&txn, row).await?;
        txn.commit().await.map_err(store)?;
        Ok(Some(account))
    }

    async fn deactivate_staff(&self, id: UserId) -> Result<bool, StoreError> {
        let changed = user::Entity::update_many()
            .col_expr(user::Column::IsActive, Expr::value(false))
            .col_expr(user::Column::UpdateTime, Expr::value(now()))
            .filter(user::Column::Id.eq(db_id(id.0)))
            .filter(user::Column::IsStaff.eq(true))
            .filter(user::Column::IsActive.eq(true))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(changed.rows_affected == 1)
    }
}

#[async_trait]
impl CategoryVisitStore for SqlStaff {
    async fn add<'a>(&self, visits: &'a [(CategoryId, time::Date, u64)]) -> Result<(), StoreError> {
        if visits.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin().await?;
        // Only categories that (still) exist: one unknown id must not keep the batch from
        // ever being written.
        let known: Vec<i64> = goods_category::Entity::find()
            .select_only()
            .column(goods_category::Column::Id)
            .filter(goods_category::Column::Id.is_in(visits.iter().map(|(c, _, _)| db_id(c.0))))
            .into_tuple()
            .all(&txn)
            .await
            .map_err(store)?;
        let at = now();
        for (category, day, count) in visits.iter().filter(|(c, _, _)| known.contains(&db_id(c.0)))
        {
            let count = i64::try_from(*count).unwrap_or(i64::MAX);
            // One upsert per (category, day): the unique key adds to the row another replica
            // may have written meanwhile.
            goods_visit::Entity::insert(goods_visit::ActiveModel {
                category_id: Set(db_id(category.0)),
                date: Set(*day),
                count: Set(count),
                create_time: Set(at),
                update_time: Set(at),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([goods_visit::Column::CategoryId, goods_visit::Column::Date])
                    .value(
                        goods_visit::Column::Count,
                        Expr::col(goods_visit::Column::Count).add(count),
                    )
                    .value(goods_visit::Column::UpdateTime, Expr::value(at))
                    .to_owned(),
            )
            .exec(&txn)
            .await
            .map_err(store)?;
        }
        txn.commit().await.map_err(store)
    }

    async fn day(&self, day: time::Date) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = goods_visit::Entity::find()
            .filter(goods_visit::Column::Date.eq(day))
            .order_by_desc(goods_visit::Column::Count)
            .order_by_asc(goods_visit::Column::CategoryId)
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let ids: Vec<i64> = rows.iter().map(|row| row.category_id).collect();
        let names: Vec<(i64, String)> = goods_category::Entity::find()
            .select_only()
            .column(goods_category::Column::Id)
            .column(goods_category::Column::Name)
            .filter(goods_category::Column::Id.is_in(ids))
            .into_tuple()
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        rows.into_iter()
            .map(|row| {
                let name = names
                    .iter()
                    .find(|(id, _)| *id == row.category_id)
                    .map(|(_, name)| name.clone())
                    .unwrap_or_default();
                let count = u64::try_from(row.count)
                    .map_err(|_| StoreError::unexpected("a negative visit count"))?;
                Ok((name, count))
            })
            .collect()
    }
}
