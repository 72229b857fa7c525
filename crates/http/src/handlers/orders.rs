//! Checkout and the buyer's orders.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use meiduo_application::orders::{CommentForm, OrderLineView, OrderView, PlaceOrderRequest};
use meiduo_domain::{BEIJING, OrderId, SkuId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::paging::{PageQuery, Paged};
use crate::state::ApiState;

#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementSkuJson {
    pub id: u64,
    pub name: String,
    pub default_image_url: String,
    pub price: String,
    pub count: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementJson {
    pub freight: String,
    pub skus: Vec<SettlementSkuJson>,
}

/// The selected cart lines priced, and the freight.
#[utoipa::path(tag = "orders", security(("jwt" = [])),
    responses((status = 200, body = SettlementJson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
#[get("/orders/settlement/")]
pub async fn settlement(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let view = state.settlement.execute(user.0).await?;
    Ok(HttpResponse::Ok().json(SettlementJson {
        freight: view.freight.to_string(),
        skus: view
            .lines
            .into_iter()
            .map(|line| SettlementSkuJson {
                id: line.sku_id.0,
                name: line.name,
                default_image_url: state.image_url(line.default_image.as_deref()),
                price: line.price.to_string(),
                count: line.count.get(),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PlaceOrderBody {
    /// The delivery address id.
    #[serde(deserialize_with = "crate::ids::whole")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub address: i64,
    /// 1 cash on delivery, 2 Alipay.
    #[serde(deserialize_with = "crate::ids::whole")]
    #[schema(minimum = 1, maximum = 2)]
    pub pay_method: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlacedJson {
    pub order_id: String,
}

/// Places the order of the selected cart lines. With an `Idempotency-Key` header, the same key
/// and body within a day answer the first order again (201, same `order_id`); the key with
/// another body is 422.
#[utoipa::path(tag = "orders", security(("jwt" = [])), request_body = PlaceOrderBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 100 printable characters, chosen per submit")),
    responses((status = 201, body = PlacedJson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[post("/orders/")]
pub async fn place(
    req: HttpRequest,
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<PlaceOrderBody>,
) -> Result<HttpResponse, ApiError> {
    let request = PlaceOrderRequest::parse(user.0, body.address, body.pay_method)?;
    let order_id = match req.headers().get("Idempotency-Key") {
        Some(key) => {
            let key = key.to_str().unwrap_or("\u{0}");
            state.place_order_once.execute(request, key).await?
        }
        None => state.place_order.execute(request).await?.order.order_id,
    };
    Ok(HttpResponse::Created().json(PlacedJson { order_id: order_id.to_string() }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderSkuJson {
    pub id: u64,
    pub name: String,
    pub default_image_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineJson {
    pub sku: OrderSkuJson,
    pub count: u32,
    pub price: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderJson {
    pub order_id: String,
    /// When the order was placed, Beijing time to the minute: `2019-02-15 22:32`.
    pub create_time: String,
    pub address: u64,
    pub total_count: u32,
    pub total_amount: String,
    pub freight: String,
    pub pay_method: u8,
    pub status: u8,
    pub skus: Vec<OrderLineJson>,
}

fn line_json(state: &ApiState, line: OrderLineView) -> OrderLineJson {
    OrderLineJson {
        sku: OrderSkuJson {
            id: line.sku.id.0,
            name: line.sku.name,
            default_image_url: state.image_url(line.sku.default_image.as_deref()),
        },
        count: line.count.get(),
        price: line.price.to_string(),
    }
}

pub(crate) fn order_json(state: &ApiState, view: OrderView) -> OrderJson {
    let order = view.order;
    OrderJson {
        order_id: order.order_id.to_string(),
        create_time: display_time(order.created_at),
        address: order.address_id.0,
        total_count: order.total_count,
        total_amount: order.total_amount.to_string(),
        freight: order.freight.to_string(),
        pay_method: order.pay_method.code(),
        status: order.status.code(),
        skus: view.lines.into_iter().map(|line| line_json(state, line)).collect(),
    }
}

const DISPLAY_TIME: &[BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");

/// An order's time as the original's order list shows it: `2019-02-15 22:32`, Beijing time.
pub(crate) fn display_time(at: OffsetDateTime) -> String {
    at.to_offset(BEIJING).format(DISPLAY_TIME).unwrap_or_default()
}

pub(crate) fn order_id(raw: &str) -> Result<OrderId, ApiError> {
    OrderId::parse(raw).map_err(|_| ApiError::not_found("no such order"))
}

/// The user's orders, newest first, with their lines.
#[utoipa::path(tag = "orders", security(("jwt" = [])), params(PageQuery),
    responses((status = 200, body = Paged<OrderJson>), (status = 401, body = ErrorBody)))]
#[get("/orders/")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.request()?;
    let (count, views) = state.history.list(user.0, page).await?;
    let results = views.into_iter().map(|view| order_json(&state, view)).collect();
    Ok(HttpResponse::Ok().json(Paged::new(&req, &state.public_url, page, count, results)?))
}

/// The lines of the user's order still waiting for a comment.
#[utoipa::path(tag = "orders", security(("jwt" = [])), params(("order_id" = String, Path)),
    responses((status = 200, body = Vec<OrderLineJson>), (status = 404, body = ErrorBody)))]
#[get("/orders/{order_id}/uncommentgoods/")]
pub async fn uncommented(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let lines = state.history.uncommented(user.0, &order_id(&path)?).await?;
    let lines: Vec<OrderLineJson> = lines.into_iter().map(|line| line_json(&state, line)).collect();
    Ok(HttpResponse::Ok().json(lines))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CommentBody {
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub sku: u64,
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub comment: String,
    /// 0 to 5.
    #[serde(deserialize_with = "crate::ids::whole")]
    #[schema(minimum = 0, maximum = 5)]
    pub score: i64,
    #[serde(default)]
    pub is_anonymous: bool,
}

/// Comments one line of the user's order; the last comment finishes the order.
#[utoipa::path(tag = "orders", security(("jwt" = [])), params(("order_id" = String, Path)), request_body = CommentBody,
    responses((status = 201, body = CommentBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[post("/orders/{order_id}/comments/")]
pub async fn comment(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Json<CommentBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let form = CommentForm {
        sku: SkuId(body.sku),
        comment: body.comment.clone(),
        score: body.score,
        is_anonymous: body.is_anonymous,
    };
    state.history.comment(user.0, &order_id(&path)?, form).await?;
    Ok(HttpResponse::Created().json(body))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeJson {
    /// The status before (`null` for the placing).
    pub from_status: Option<u8>,
    pub status: u8,
    /// Who: `user:<id>`, `shop`, `alipay`, `expiry`.
    pub actor: String,
    /// Beijing time to the second: `2019-02-15 22:32:05`.
    pub time: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDetailJson {
    #[serde(flatten)]
    pub order: OrderJson,
    pub history: Vec<StatusChangeJson>,
}

const HISTORY_TIME: &[BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// One order of mine with its lines and the history of its status.
#[utoipa::path(tag = "orders", security(("jwt" = [])), params(("order_id" = String, Path)),
    responses((status = 200, body = OrderDetailJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/orders/{order_id}/")]
pub async fn detail(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (view, history) = state.history.detail(user.0, &order_id(&path)?).await?;
    let history = history
        .into_iter()
        .map(|change| StatusChangeJson {
            from_status: change.from.map(|s| s.code()),
            status: change.to.code(),
            actor: change.actor,
            time: change.at.to_offset(BEIJING).format(HISTORY_TIME).unwrap_or_default(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(OrderDetailJson { order: order_json(&state, view), history }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderStatusJson {
    pub order_id: String,
    pub status: u8,
}

/// The buyer confirms receipt of a shipped order (Unreceived → Uncomment).
#[utoipa::path(tag = "orders", security(("jwt" = [])), params(("order_id" = String, Path)),
    responses((status = 200, body = OrderStatusJson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/orders/{order_id}/receipt/")]
pub async fn receipt(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let order = state.history.receive(user.0, &order_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(OrderStatusJson {
        order_id: order.order_id.to_string(),
        status: order.status.code(),
    }))
}
