//! Every error answer: JSON with a stable machine code, a human message, and the fields at fault.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use meiduo_application::accounts::AccountError;
use meiduo_application::addresses::AddressError;
use meiduo_application::cart::CartError;
use meiduo_application::catalog::CatalogError;
use meiduo_application::errors::ServiceFailure;
use meiduo_application::orders::{OrderHistoryError, PlaceOrderError, SettlementError};
use meiduo_application::payments::PaymentFailure;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `insufficient_stock`.
    pub code: &'static str,
    /// A human-readable message.
    pub message: String,
    /// The same message, where the original's DRF front end looks for it.
    pub detail: String,
    /// The request fields at fault, with what is wrong with each.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

/// An error answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), fields: BTreeMap::new() }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn field(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut error = Self::bad_request(code, format!("{field}: {message}"));
        error.fields.insert(field.to_owned(), message);
        error
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "not_authenticated",
            "log in first: a valid token is required",
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(ErrorBody {
            code: self.code,
            message: self.message.clone(),
            detail: self.message.clone(),
            fields: self.fields.clone(),
        })
    }
}

impl From<ServiceFailure> for ApiError {
    fn from(value: ServiceFailure) -> Self {
        match value {
            ServiceFailure::Unavailable(why) => {
                tracing::warn!(%why, "a service is unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "service_unavailable",
                    "a service the shop needs is unavailable; try again shortly",
                )
            }
            ServiceFailure::Internal(why) => {
                tracing::error!(%why, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "something went wrong on our side",
                )
            }
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(value: AccountError) -> Self {
        let message = value.to_string();
        match value {
            AccountError::InvalidField { field, source } => {
                ApiError::field("invalid_field", field, source.to_string())
            }
            AccountError::PasswordsDiffer => {
                ApiError::field("passwords_differ", "password2", message)
            }
            AccountError::AgreementRequired => {
                ApiError::field("agreement_required", "allow", message)
            }
            AccountError::WrongSmsCode => ApiError::field("wrong_sms_code", "sms_code", message),
            AccountError::TooSoon => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "sms_too_frequent", message)
            }
            AccountError::UsernameTaken => ApiError::field("username_taken", "username", message),
            AccountError::MobileTaken => ApiError::field("mobile_taken", "mobile", message),
            AccountError::BadCredentials => ApiError::bad_request("bad_credentials", message),
            AccountError::NotFound => ApiError::unauthorized(),
            AccountError::Failure(failure) => failure.into(),
        }
    }
}

impl From<AddressError> for ApiError {
    fn from(value: AddressError) -> Self {
        let message = value.to_string();
        match value {
            AddressError::InvalidField { field, message } => {
                ApiError::field("invalid_field", field, message)
            }
            AddressError::LimitReached(_) => ApiError::bad_request("address_limit", message),
            AddressError::NotFound => ApiError::not_found(message),
            AddressError::Failure(failure) => failure.into(),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(value: CatalogError) -> Self {
        let message = value.to_string();
        match value {
            CatalogError::CategoryNotFound
            | CatalogError::SkuNotFound
            | CatalogError::AreaNotFound => ApiError::not_found(message),
            CatalogError::BadOrdering => ApiError::field("invalid_field", "ordering", message),
            CatalogError::BadPage => ApiError::field("invalid_field", "page", message),
            CatalogError::BadSearch => ApiError::field("invalid_field", "text", message),
            CatalogError::Failure(failure) => failure.into(),
        }
    }
}

impl From<CartError> for ApiError {
    fn from(value: CartError) -> Self {
        let message = value.to_string();
        match value {
            CartError::BadCount(_) => ApiError::field("invalid_count", "count", message),
            CartError::SkuUnavailable(_) => ApiError::field("sku_unavailable", "sku_id", message),
            CartError::NotEnoughStock { .. } => {
                ApiError::field("insufficient_stock", "count", message)
            }
            CartError::Full(_) => ApiError::bad_request("cart_full", message),
            CartError::Failure(failure) => failure.into(),
        }
    }
}

impl From<SettlementError> for ApiError {
    fn from(value: SettlementError) -> Self {
        let message = value.to_string();
        match value {
            SettlementError::SkusUnavailable(_) => {
                ApiError::bad_request("sku_unavailable", message)
            }
            SettlementError::Unavailable(why) => ServiceFailure::Unavailable(why).into(),
            SettlementError::Internal(why) => ServiceFailure::Internal(why).into(),
        }
    }
}

impl From<PlaceOrderError> for ApiError {
    fn from(value: PlaceOrderError) -> Self {
        let message = value.to_string();
        match value {
            PlaceOrderError::EmptySelection => ApiError::bad_request("empty_selection", message),
            PlaceOrderError::UnknownPayMethod(_) => {
                ApiError::field("invalid_field", "pay_method", message)
            }
            PlaceOrderError::AddressNotFound => {
                ApiError::field("address_not_found", "address", message)
            }
            PlaceOrderError::CountTooLarge { .. } => {
                ApiError::bad_request("invalid_count", message)
            }
            PlaceOrderError::SkuUnavailable(_) => ApiError::bad_request("sku_unavailable", message),
            PlaceOrderError::InsufficientStock(_) => {
                ApiError::bad_request("insufficient_stock", message)
            }
            PlaceOrderError::AmountTooLarge(_) => {
                ApiError::bad_request("amount_too_large", message)
            }
            PlaceOrderError::Busy => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message)
            }
            PlaceOrderError::Unavailable(why) => ServiceFailure::Unavailable(why).into(),
            PlaceOrderError::Internal(why) => ServiceFailure::Internal(why).into(),
        }
    }
}

impl From<OrderHistoryError> for ApiError {
    fn from(value: OrderHistoryError) -> Self {
        let message = value.to_string();
        match value {
            OrderHistoryError::NotFound => ApiError::not_found(message),
            OrderHistoryError::LineNotFound => ApiError::field("invalid_field", "sku", message),
            OrderHistoryError::NotCommentable => ApiError::bad_request("not_commentable", message),
            OrderHistoryError::AlreadyCommented => {
                ApiError::bad_request("already_commented", message)
            }
            OrderHistoryError::InvalidField { field, message } => {
                ApiError::field("invalid_field", field, message)
            }
            OrderHistoryError::Failure(failure) => failure.into(),
        }
    }
}

impl From<PaymentFailure> for ApiError {
    fn from(value: PaymentFailure) -> Self {
        let message = value.to_string();
        match value {
            PaymentFailure::NotFound => ApiError::not_found(message),
            PaymentFailure::NotAlipay => ApiError::bad_request("not_alipay", message),
            PaymentFailure::NotPayable => ApiError::bad_request("not_payable", message),
            PaymentFailure::BadSignature => {
                ApiError::new(StatusCode::FORBIDDEN, "bad_signature", message)
            }
            PaymentFailure::WrongApp => ApiError::new(StatusCode::FORBIDDEN, "wrong_app", message),
            PaymentFailure::Malformed(_) => {
                ApiError::bad_request("invalid_payment_params", message)
            }
            PaymentFailure::AmountMismatch { .. } => {
                ApiError::bad_request("amount_mismatch", message)
            }
            PaymentFailure::NotPaid => ApiError::bad_request("not_paid", message),
            PaymentFailure::Refunded => ApiError::bad_request("payment_refunded", message),
            PaymentFailure::PaidByAnotherTrade => ApiError::bad_request("duplicate_trade", message),
            PaymentFailure::Failure(failure) => failure.into(),
        }
    }
}

/// Malformed JSON, query strings and paths become 400/404 answers in this shape.
pub(crate) fn json_error(err: actix_web::error::JsonPayloadError) -> actix_web::Error {
    let (code, message) = match &err {
        actix_web::error::JsonPayloadError::Overflow { .. }
        | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
            ("body_too_large", "the request body is too large".to_owned())
        }
        actix_web::error::JsonPayloadError::ContentType => {
            ("invalid_content_type", "send JSON (Content-Type: application/json)".to_owned())
        }
        other => ("invalid_json", format!("the JSON body is not acceptable: {other}")),
    };
    let status = if code == "body_too_large" {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::BAD_REQUEST
    };
    ApiError::new(status, code, message).into()
}

pub(crate) fn query_error(err: actix_web::error::QueryPayloadError) -> actix_web::Error {
    ApiError::bad_request("invalid_query", format!("the query string is not acceptable: {err}"))
        .into()
}

pub(crate) fn path_error(err: actix_web::error::PathError) -> actix_web::Error {
    ApiError::not_found(format!("no such resource: {err}")).into()
}
