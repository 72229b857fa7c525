//! Rights administration under `/meiduo_admin/permission/`: content types and permissions to
//! read, groups of permissions, and staff accounts. Reading needs `view_permission` or
//! `view_group`; granting rights — writing groups, and everything about staff accounts — is a
//! superuser's alone, so that no holder of a right can widen it. Every write is audited.

use actix_web::{HttpResponse, delete, get, post, put, web};
use meiduo_application::admin::{StaffForm, permissions};
use meiduo_domain::{ContentType, Group, PermissionInfo, StaffAccount, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::handlers::admin::{AdminListQuery, AdminPaged};
use crate::ids::Id;
use crate::state::ApiState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ContentTypeJson {
    pub id: u64,
    /// The model (`orderinfo`, `sku`, ...), as Django's `ContentType.name` names it.
    pub name: String,
    pub app_label: String,
}

/// What permissions can be about.
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<ContentTypeJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/permission/content_types/")]
pub async fn content_types(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_PERMISSION).await?;
    let types: Vec<ContentTypeJson> = state
        .admin
        .content_types()
        .await?
        .into_iter()
        .map(|t: ContentType| ContentTypeJson { id: t.id, name: t.model, app_label: t.app_label })
        .collect();
    Ok(HttpResponse::Ok().json(types))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionJson {
    pub id: u64,
    pub name: String,
    pub codename: String,
    pub content_type: u64,
}

impl From<PermissionInfo> for PermissionJson {
    fn from(p: PermissionInfo) -> Self {
        PermissionJson {
            id: p.id,
            name: p.name,
            codename: p.codename,
            content_type: p.content_type,
        }
    }
}

/// The permissions, by page.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<PermissionJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/permission/perms/")]
pub async fn perms(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_PERMISSION).await?;
    let page = query.page()?;
    let found = state.admin.permissions(Some(page)).await?;
    let lists = found.items.into_iter().map(PermissionJson::from).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PermissionBody {
    #[schema(min_length = 1, max_length = 255, pattern = r"\S")]
    pub name: String,
    #[schema(pattern = r"^[a-z0-9_]{1,100}$")]
    pub codename: String,
    /// The content type's id.
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub content_type: u64,
}

impl From<PermissionBody> for PermissionInfo {
    fn from(b: PermissionBody) -> Self {
        PermissionInfo { id: 0, name: b.name, codename: b.codename, content_type: b.content_type }
    }
}

/// Creates a permission of the shop's own, for groups to hold (superusers only).
#[utoipa::path(tag = "admin", security(("jwt" = [])), request_body = PermissionBody,
    responses((status = 201, body = PermissionJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/meiduo_admin/permission/perms/")]
pub async fn create_perm(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<PermissionBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::SUPERUSER).await?;
    let saved = state.admin.save_permission(&actor, None, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(PermissionJson::from(saved)))
}

/// One permission.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = PermissionJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/permission/perms/{id}/")]
pub async fn perm(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_PERMISSION).await?;
    let found = state.admin.permission(path.into_inner().0).await?;
    Ok(HttpResponse::Ok().json(PermissionJson::from(found)))
}

/// Changes a permission of the shop's own; those the admin API checks are 409 `in_use`
/// (superusers only).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)), request_body = PermissionBody,
    responses((status = 200, body = PermissionJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[put("/meiduo_admin/permission/perms/{id}/")]
pub async fn update_perm(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    body: web::Json<PermissionBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::SUPERUSER).await?;
    let id = Some(path.into_inner().0);
    let saved = state.admin.save_permission(&actor, id, body.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(PermissionJson::from(saved)))
}

/// Deletes a permission of the shop's own; its holders lose it (superusers only).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[delete("/meiduo_admin/permission/perms/{id}/")]
pub async fn delete_perm(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::SUPERUSER).await?;
    state.admin.delete_permission(&actor, path.into_inner().0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every permission (for the group form).
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<PermissionJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/permission/simple/")]
pub async fn perms_simple(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_PERMISSION).await?;
    let all: Vec<PermissionJson> =
        state.admin.permissions(None).await?.items.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(all))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupJson {
    pub id: u64,
    pub name: String,
    /// The permissions' ids.
    pub permissions: Vec<u64>,
}

impl From<Group> for GroupJson {
    fn from(g: Group) -> Self {
        GroupJson { id: g.id, name: g.name, permissions: g.permissions }
    }
}

/// The groups, by page.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<GroupJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/permission/groups/")]
pub async fn groups(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_GROUP).await?;
    let page = query.page()?;
    let found = state.admin.groups(Some(page)).await?;
    let lists = found.items.into_iter().map(GroupJson::from).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupNameJson {
    pub id: u64,
    pub name: String,
}

/// Every group (for the staff form).
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<GroupNameJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/permission/groups/simple/")]
pub async fn groups_simple(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_GROUP).await?;
    let all: Vec<GroupNameJson> = state
        .admin
        .groups(None)
        .await?
        .items
        .into_iter()
        .map(|g| GroupNameJson { id: g.id, name: g.name })
        .collect();
    Ok(HttpResponse::Ok().json(all))
}

/// One group.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = GroupJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/permission/groups/{id}/")]
pub async fn group(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_GROUP).await?;
    Ok(HttpResponse::Ok().json(GroupJson::from(state.admin.group(path.into_inner().0).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GroupBody {
    #[schema(min_length = 1, max_length = 150, pattern = r"\S")]
    pub name: String,
    /// The permissions' ids.
    #[serde(default)]
    pub permissions: Vec<Id>,
}

fn ids_of(ids: &[Id]) -> Vec<u64> {
    ids.iter().map(|id| id.0).collect()
}

/// Creates a group (superusers only).
#[utoipa::path(tag = "admin", security(("jwt" = [])), request_body = GroupBody,
    responses((status = 201, body = GroupJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/meiduo_admin/permission/groups/")]
pub async fn create_group(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<GroupBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::SUPERUSER).await?;
    let saved =
        state.admin.save_group(&actor, None, &body.name, &ids_of(&body.permissions)).await?;
    Ok(HttpResponse::Created().json(GroupJson::from(saved)))
}

/// Replaces a group's name and permissions (superusers only).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)), request_body = GroupBody,
    responses((status = 200, body = GroupJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/meiduo_admin/permission/groups/{id}/")]
pub async fn update_group(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    body: web::Json<GroupBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::SUPERUSER).await?;
    let id = Some(path.into_inner().0);
    let saved = state.admin.save_group(&actor, id, &body.name, &ids_of(&body.permissions)).await?;
    Ok(HttpResponse::Ok().json(GroupJson::from(saved)))
}

/// Deletes a group; its members lose its permissions (superusers only).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/meiduo_admin/permission/groups/{id}/")]
pub async fn delete_group(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::SUPERUSER).await?;
    state.admin.delete_group(&actor, path.into_inner().0).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffJson {
    pub id: u64,
    pub username: String,
    pub mobile: String,
    /// `""` when none.
    pub email: String,
    pub is_superuser: bool,
    /// The groups' ids.
    pub groups: Vec<u64>,
    /// The ids of the permissions it holds of its own.
    pub user_permissions: Vec<u64>,
}

impl From<StaffAccount> for StaffJson {
    fn from(a: StaffAccount) -> Self {
        StaffJson {
            id: a.user.id.0,
            username: a.user.username,
            mobile: a.user.mobile,
            email: a.user.email.unwrap_or_default(),
            is_superuser: a.is_superuser,
            groups: a.groups,
            user_permissions: a.permissions,
        }
    }
}

/// The active staff accounts, by page (superusers only).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<StaffJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/permission/admins/")]
pub async fn admins(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::SUPERUSER).await?;
    let page = query.page()?;
    let found = state.admin.staff_accounts(page).await?;
    let lists = found.items.into_iter().map(StaffJson::from).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

/// One staff account (superusers only).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = StaffJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/permission/admins/{id}/")]
pub async fn admin(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::SUPERUSER).await?;
    let account = state.admin.staff_account(UserId(path.into_inner().0)).await?;
    Ok(HttpResponse::Ok().json(StaffJson::from(account)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffBody {
    #[schema(pattern = r"^[A-Za-z0-9_-]{5,20}$")]
    pub username: String,
    #[schema(pattern = r"^1[3-9][0-9]{9}$")]
    pub mobile: String,
    /// Required to create; when updating, absent or empty keeps the password.
    #[schema(min_length = 8, max_length = 20)]
    pub password: Option<String>,
    #[serde(default)]
    pub groups: Vec<Id>,
    #[serde(default)]
    pub user_permissions: Vec<Id>,
}

impl From<StaffBody> for StaffForm {
    fn from(b: StaffBody) -> Self {
        StaffForm {
            username: b.username,
            mobile: b.mobile,
            password: b.password,
            groups: ids_of(&b.groups),
            permissions: ids_of(&b.user_permissions),
        }
    }
}

/// Creates a staff account (not a superuser) with its groups and permissions (superusers only).
#[utoipa::path(tag = "admin", security(("jwt" = [])), request_body = StaffBody,
    responses((status = 201, body = StaffJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/meiduo_admin/permission/admins/")]
pub async fn create_admin(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<StaffBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::SUPERUSER).await?;
    let account = state.admin.create_staff(&actor, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(StaffJson::from(account)))
}

/// Changes a staff account; a new password ends its sessions (superusers only).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)), request_body = StaffBody,
    responses((status = 200, body = StaffJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/meiduo_admin/permission/admins/{id}/")]
pub async fn update_admin(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    body: web::Json<StaffBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::SUPERUSER).await?;
    let id = UserId(path.into_inner().0);
    let account = state.admin.update_staff(&actor, id, body.into_inner().into()).await?;
    state.tokens.forget(id);
    Ok(HttpResponse::Ok().json(StaffJson::from(account)))
}

/// Deactivates a staff account (its orders and audit entries stay; it can no longer log in);
/// never one's own (superusers only).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/meiduo_admin/permission/admins/{id}/")]
pub async fn delete_admin(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::SUPERUSER).await?;
    let id = UserId(path.into_inner().0);
    state.admin.deactivate_staff(&actor, id).await?;
    state.tokens.forget(id);
    Ok(HttpResponse::NoContent().finish())
}
