//! The operators' API under `/meiduo_admin/`, compatible with the course's admin front end:
//! its login (`{token, id, username}`), its statistics (`{date, count}`), and its pages
//! (`{count, lists, page, pages, pagesize}`, `?page=&pagesize=`, 10 at most). Every endpoint
//! needs a staff member's token (a shopper's is 403 `not_staff`) holding the endpoint's
//! permission (403 `permission_denied` otherwise; a superuser holds all); every write is
//! recorded in the audit log.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use meiduo_application::admin::{ADMIN_PAGE_SIZE, DayCount, NewShopper, permissions};
use meiduo_application::errors::PageRequest;
use meiduo_domain::{AuditEntry, Order, OrderStatus, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::handlers::orders::{OrderJson, display_time, order_id, order_json};
use crate::paging::{last_page, page_request};
use crate::state::ApiState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct AdminLoginBody {
    #[schema(min_length = 1, max_length = 20)]
    pub username: String,
    #[schema(max_length = 64)]
    pub password: String,
}

/// The course's admin login answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminLoggedIn {
    pub token: String,
    pub id: u64,
    pub username: String,
}

/// A staff member logs in (a shopper's account is 403 `not_staff`).
#[utoipa::path(tag = "admin", request_body = AdminLoginBody,
    responses((status = 200, body = AdminLoggedIn), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[post("/meiduo_admin/authorizations/")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Json<AdminLoginBody>,
) -> Result<HttpResponse, ApiError> {
    let address = state.client_address(&req);
    let user = state.accounts.login(&body.username, &body.password, &address).await?;
    let member = state.admin.staff_login(&user).await?;
    let token = state.tokens.issue(&member.user)?;
    Ok(HttpResponse::Ok().json(AdminLoggedIn {
        token,
        id: member.user.id.0,
        username: member.user.username,
    }))
}

/// A count on a day of the shop (Beijing time).
#[derive(Debug, Serialize, ToSchema)]
pub struct DayCountJson {
    /// `2026-12-02`.
    pub date: String,
    pub count: u64,
}

impl From<DayCount> for DayCountJson {
    fn from(day: DayCount) -> Self {
        DayCountJson { date: day.date.to_string(), count: day.count }
    }
}

/// Shoppers in all.
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = DayCountJson), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/statistical/total_count/")]
pub async fn total_count(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_STATISTICS).await?;
    Ok(HttpResponse::Ok().json(DayCountJson::from(state.admin.total_count().await?)))
}

/// Shoppers who registered today.
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = DayCountJson), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/statistical/day_increment/")]
pub async fn day_increment(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_STATISTICS).await?;
    Ok(HttpResponse::Ok().json(DayCountJson::from(state.admin.day_increment().await?)))
}

/// Shoppers who logged in today.
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = DayCountJson), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/statistical/day_active/")]
pub async fn day_active(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_STATISTICS).await?;
    Ok(HttpResponse::Ok().json(DayCountJson::from(state.admin.day_active().await?)))
}

/// Users who placed an order today.
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = DayCountJson), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/statistical/day_orders/")]
pub async fn day_orders(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_STATISTICS).await?;
    Ok(HttpResponse::Ok().json(DayCountJson::from(state.admin.day_orders().await?)))
}

/// Today's visits of one category's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryVisitsJson {
    /// The category's name.
    pub category: String,
    pub count: u64,
}

/// Today's visits per third-level category, most visited first (each replica adds its counts
/// every 10 seconds).
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<CategoryVisitsJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/statistical/goods_day_views/")]
pub async fn goods_day_views(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_STATISTICS).await?;
    let visits: Vec<CategoryVisitsJson> = state
        .admin
        .goods_day_views()
        .await?
        .into_iter()
        .map(|(category, count)| CategoryVisitsJson { category, count })
        .collect();
    Ok(HttpResponse::Ok().json(visits))
}

/// Registrations per day over the last 30 days, today last.
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<DayCountJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/statistical/month_increment/")]
pub async fn month_increment(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_STATISTICS).await?;
    let days: Vec<DayCountJson> =
        state.admin.month_increment().await?.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(days))
}

/// `keyword`, `page` and `pagesize` of an admin listing.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AdminListQuery {
    /// Part of a username (users) or of an order number (orders).
    pub keyword: Option<String>,
    /// A page of the list, from 1.
    #[param(value_type = Option<u64>)]
    pub page: Option<String>,
    /// Items per page: 10, and at most 10; anything but a positive number means 10.
    #[param(value_type = Option<String>)]
    pub pagesize: Option<String>,
}

impl AdminListQuery {
    pub(crate) fn page(&self) -> Result<PageRequest, ApiError> {
        page_request(
            self.page.as_deref(),
            self.pagesize.as_deref(),
            ADMIN_PAGE_SIZE,
            ADMIN_PAGE_SIZE,
        )
    }
}

/// The course's admin page.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminPaged<T> {
    pub count: u64,
    pub lists: Vec<T>,
    pub page: u64,
    pub pages: u64,
    pub pagesize: u64,
}

impl<T> AdminPaged<T> {
    /// The page, or 404 past the last one (page 1 of an empty list is a page).
    pub(crate) fn new(page: PageRequest, count: u64, lists: Vec<T>) -> Result<Self, ApiError> {
        let pages = last_page(page, count)?;
        Ok(AdminPaged { count, lists, page: page.page, pages, pagesize: page.page_size })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserJson {
    pub id: u64,
    pub username: String,
    pub mobile: String,
    /// `""` when none.
    pub email: String,
}

impl From<User> for AdminUserJson {
    fn from(user: User) -> Self {
        AdminUserJson {
            id: user.id.0,
            username: user.username,
            mobile: user.mobile,
            email: user.email.unwrap_or_default(),
        }
    }
}

/// Users whose username contains `keyword`, by id.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<AdminUserJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/users/")]
pub async fn users(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_USER).await?;
    let page = query.page()?;
    let found = state.admin.users(query.keyword.as_deref(), page).await?;
    let lists = found.items.into_iter().map(AdminUserJson::from).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AdminNewUserBody {
    #[schema(pattern = r"^[A-Za-z0-9_-]{5,20}$")]
    pub username: String,
    #[schema(pattern = r"^1[3-9][0-9]{9}$")]
    pub mobile: String,
    #[schema(min_length = 8, max_length = 20)]
    pub password: String,
    /// Optional; when given it is saved unverified and the verification mail is sent.
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
}

/// Creates a shopper's account (audited).
#[utoipa::path(tag = "admin", security(("jwt" = [])), request_body = AdminNewUserBody,
    responses((status = 201, body = AdminUserJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/meiduo_admin/users/")]
pub async fn create_user(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<AdminNewUserBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::ADD_USER).await?;
    let body = body.into_inner();
    let email = body.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
    if let Some(email) = email {
        meiduo_domain::Email::parse(email)
            .map_err(|e| ApiError::field(ErrorCode::InvalidField, "email", e.to_string()))?;
    }
    let form = NewShopper { username: body.username, mobile: body.mobile, password: body.password };
    let created = state.admin.create_user(&actor, form).await?;
    let mut json = AdminUserJson::from(created.clone());
    if let Some(email) = email {
        let set = state.accounts.set_email(created.id, email).await?;
        json.email = set.as_str().to_owned();
    }
    Ok(HttpResponse::Created().json(json))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminOrderRowJson {
    pub order_id: String,
    /// Beijing time to the minute.
    pub create_time: String,
    pub status: u8,
    pub total_amount: String,
    pub user: u64,
}

impl From<Order> for AdminOrderRowJson {
    fn from(order: Order) -> Self {
        AdminOrderRowJson {
            order_id: order.order_id.to_string(),
            create_time: display_time(order.created_at),
            status: order.status.code(),
            total_amount: order.total_amount.to_string(),
            user: order.user_id.0,
        }
    }
}

/// Orders whose number contains `keyword`, newest first.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<AdminOrderRowJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/orders/")]
pub async fn orders(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_ORDER).await?;
    let page = query.page()?;
    let found = state.admin.orders(query.keyword.as_deref(), page).await?;
    let lists = found.items.into_iter().map(AdminOrderRowJson::from).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

/// An order with its lines and its buyer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminOrderJson {
    #[serde(flatten)]
    pub order: OrderJson,
    /// The buyer's user id.
    pub user: u64,
}

/// Any order, with its lines.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("order_id" = String, Path)),
    responses((status = 200, body = AdminOrderJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/orders/{order_id}/")]
pub async fn order_detail(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_ORDER).await?;
    let view = state.admin.order(&order_id(&path)?).await?;
    let buyer = view.order.user_id.0;
    Ok(HttpResponse::Ok().json(AdminOrderJson { order: order_json(&state, view), user: buyer }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AdminStatusBody {
    /// The status to move to: operators ship (`3`, from `2`).
    #[serde(deserialize_with = "crate::ids::whole")]
    #[schema(minimum = 1, maximum = 6)]
    pub status: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminStatusJson {
    pub order_id: String,
    pub status: u8,
}

/// Moves an order along the transition table: operators ship it (2 → 3); audited.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("order_id" = String, Path)), request_body = AdminStatusBody,
    responses((status = 200, body = AdminStatusJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/meiduo_admin/orders/{order_id}/status/")]
pub async fn set_status(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Json<AdminStatusBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::CHANGE_ORDER).await?;
    let id = order_id(&path)?;
    let to = u8::try_from(body.status)
        .ok()
        .and_then(|code| OrderStatus::try_from(code).ok())
        .ok_or_else(|| {
            ApiError::field(ErrorCode::InvalidField, "status", "not an order status (1 to 6)")
        })?;
    let order = state.admin.set_status(&actor, &id, to).await?;
    Ok(HttpResponse::Ok().json(AdminStatusJson {
        order_id: order.order_id.to_string(),
        status: order.status.code(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeJson {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryJson {
    pub actor_id: u64,
    pub actor: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    pub resource: String,
    pub resource_id: String,
    pub changes: Vec<FieldChangeJson>,
    /// RFC 3339, UTC.
    pub time: String,
}

impl From<AuditEntry> for AuditEntryJson {
    fn from(entry: AuditEntry) -> Self {
        AuditEntryJson {
            actor_id: entry.actor.0,
            actor: entry.actor_name,
            action: entry.action.as_str().to_owned(),
            resource: entry.resource,
            resource_id: entry.resource_id,
            changes: entry
                .changes
                .into_iter()
                .map(|c| FieldChangeJson { field: c.field, before: c.before, after: c.after })
                .collect(),
            time: entry
                .at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        }
    }
}

/// Every write made through the admin API, newest first.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<AuditEntryJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/audit/")]
pub async fn audit(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_AUDIT).await?;
    let page = query.page()?;
    let found = state.admin.audit_log(page).await?;
    let lists = found.items.into_iter().map(AuditEntryJson::from).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}
