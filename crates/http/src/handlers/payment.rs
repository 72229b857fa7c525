//! Payment: the page-pay URL, the browser return, Alipay's notification, cancellation.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use meiduo_application::payments::PaymentFailure;
use meiduo_domain::OrderId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::ApiState;

#[derive(Debug, Serialize, ToSchema)]
pub struct PayUrlJson {
    pub alipay_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TradeJson {
    pub trade_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CanceledJson {
    pub order_id: String,
    pub status: u8,
}

fn order_id(raw: &str) -> Result<OrderId, ApiError> {
    OrderId::parse(raw).map_err(|_| ApiError::not_found("no such order"))
}

/// The gateway URL where the owner pays an unpaid Alipay order.
#[utoipa::path(tag = "payment", security(("jwt" = [])), params(("order_id" = String, Path)),
    responses((status = 200, body = PayUrlJson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/orders/{order_id}/payment/")]
pub async fn pay_url(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let alipay_url = state.payments.pay_url(user.0, &order_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(PayUrlJson { alipay_url }))
}

async fn confirm_return(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let trade_id = state.payments.confirm_return(req.query_string()).await?;
    Ok(HttpResponse::Ok().json(TradeJson { trade_id }))
}

/// The browser's return from Alipay, with Alipay's signed parameters in the query string.
#[utoipa::path(tag = "payment",
    responses((status = 200, body = TradeJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[put("/payment/status/")]
pub async fn payment_status(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    confirm_return(req, state).await
}

/// The same as `PUT`, for a browser redirected straight here (the sandbox's default return URL).
#[utoipa::path(tag = "payment",
    responses((status = 200, body = TradeJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/payment/status/")]
pub async fn payment_status_get(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    confirm_return(req, state).await
}

/// Alipay's asynchronous notification (form-encoded). Answers the plain text `success`, or
/// `failure` so that Alipay tries again (with 400/403 when it failed verification).
#[utoipa::path(tag = "payment", request_body(content = String, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = String), (status = 400, body = String), (status = 403, body = String), (status = 503, body = String)))]
#[post("/payment/alipay/notify/")]
pub async fn notify(state: web::Data<ApiState>, body: String) -> HttpResponse {
    let outcome = state.payments.confirm_notification(&body).await;
    let text = |status: actix_web::http::StatusCode, body: &'static str| {
        HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(body)
    };
    match outcome {
        // A payment that cannot count was recorded and refunded: nothing to resend.
        Ok(()) | Err(PaymentFailure::Refunded | PaymentFailure::PaidByAnotherTrade) => {
            text(actix_web::http::StatusCode::OK, "success")
        }
        Err(failure) => {
            let error = ApiError::from(failure);
            tracing::warn!(code = %error.code, message = %error.message, "payment notification refused");
            text(error.status, "failure")
        }
    }
}

/// Cancels the owner's unpaid order; its stock is given back.
#[utoipa::path(tag = "payment", security(("jwt" = [])), params(("order_id" = String, Path)),
    responses((status = 200, body = CanceledJson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/orders/{order_id}/cancel/")]
pub async fn cancel(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    state.payments.cancel(user.0, &id).await?;
    Ok(HttpResponse::Ok().json(CanceledJson { order_id: id.to_string(), status: 6 }))
}
