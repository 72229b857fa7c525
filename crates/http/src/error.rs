//! Every error answer: JSON with a stable machine code, a human message, and the fields at fault.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use meiduo_application::accounts::AccountError;
use meiduo_application::addresses::AddressError;
use meiduo_application::cart::CartError;
use meiduo_application::catalog::CatalogError;
use meiduo_application::errors::ServiceFailure;
use meiduo_application::orders::{
    KeyedOrderError, OrderHistoryError, PlaceOrderError, SettlementError,
};
use meiduo_application::payments::PaymentFailure;
use serde::Serialize;
use utoipa::ToSchema;

/// The stable machine code of every error answer (its `code` field). Serialised in snake case;
/// clients may rely on these strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The address book is full.
    AddressLimit,
    /// The address does not exist (or is not yours).
    AddressNotFound,
    /// The user agreement must be accepted.
    AgreementRequired,
    /// The order line has a comment already.
    AlreadyCommented,
    /// The paid amount differs from the order's.
    AmountMismatch,
    /// The order total is above what the shop takes.
    AmountTooLarge,
    /// Wrong username or password.
    BadCredentials,
    /// A payment callback's signature does not verify.
    BadSignature,
    /// The request body is larger than the shop accepts.
    BodyTooLarge,
    /// Too many concurrent orders of the same goods; try again.
    Busy,
    /// The cart holds as many lines as it can.
    CartFull,
    /// The order was paid by another trade; this one is refunded.
    DuplicateTrade,
    /// No cart line is selected.
    EmptySelection,
    /// Not enough stock for the count.
    InsufficientStock,
    /// Something failed on the shop's side (logged).
    InternalError,
    /// The body is not JSON.
    InvalidContentType,
    /// A count is not a whole number from 1 to the shop's limit.
    InvalidCount,
    /// A request field is malformed or out of range (`fields` says which).
    InvalidField,
    /// The page number is not a page of the list (404, as the original's paginator).
    InvalidPage,
    /// The JSON body is malformed.
    InvalidJson,
    /// A payment callback's parameters are malformed.
    InvalidPaymentParams,
    /// The query string is malformed.
    InvalidQuery,
    /// The mobile number is registered already.
    MobileTaken,
    /// The order is not paid online.
    NotAlipay,
    /// A valid token is required.
    NotAuthenticated,
    /// The order does not wait for comments.
    NotCommentable,
    /// No such resource (or not yours).
    NotFound,
    /// The trade is not paid.
    NotPaid,
    /// The order does not wait for a payment.
    NotPayable,
    /// The two passwords differ.
    PasswordsDiffer,
    /// The order was cancelled; the payment is refunded.
    PaymentRefunded,
    /// A service the shop needs is down or slow; try again shortly.
    ServiceUnavailable,
    /// The SKU does not exist or is not on sale.
    SkuUnavailable,
    /// The SKU is on flash sale and none of its units is left.
    SoldOut,
    /// An SMS code was sent to this number less than a minute ago.
    SmsTooFrequent,
    /// The username is registered already.
    UsernameTaken,
    /// A payment callback names another application.
    WrongApp,
    /// The SMS code is wrong or expired.
    WrongSmsCode,
    /// The image code is wrong, expired or used.
    WrongImageCode,
    /// An SMS code needs the image code first.
    ImageCodeRequired,
    /// The access token is invalid, expired, used, or another user's.
    InvalidToken,
    /// The old password is wrong.
    WrongPassword,
    /// QQ refused the login code (unknown, expired or used).
    QqCodeRefused,
    /// The QQ account is bound to a shop account already.
    QqBound,
    /// Too many failed logins or SMS codes; `Retry-After` says when to try again.
    TooManyAttempts,
    /// The `Idempotency-Key` was used with another request body (422).
    IdempotencyKeyReused,
    /// A request with this `Idempotency-Key` is still running (409).
    IdempotencyKeyInProgress,
    /// The order's status cannot change that way (now).
    InvalidTransition,
    /// The payment gateway refused our request, could not be reached (502) or timed out (503).
    PaymentGatewayError,
    /// A payment callback paid another seller.
    WrongSeller,
    /// The shopper holds as many unpaid orders, or units of a SKU unpaid, as allowed.
    TooManyUnpaidOrders,
    /// The path is served, but not with this method (405; `Allow` lists those it is).
    MethodNotAllowed,
    /// An admin endpoint called with a token that is not a staff member's (403).
    NotStaff,
    /// The staff member lacks the endpoint's permission (403).
    PermissionDenied,
    /// The row is still used by others and cannot be deleted (409).
    InUse,
    /// Lowering a SKU's stock that far would make it negative: units were sold meanwhile (409).
    StockBelowZero,
    /// The upload is not a picture the shop takes (JPEG, PNG, GIF or WebP).
    InvalidImage,
    /// The picture is larger than the shop takes (413).
    ImageTooLarge,
}

impl ErrorCode {
    /// The code as clients see it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AddressLimit => "address_limit",
            ErrorCode::AddressNotFound => "address_not_found",
            ErrorCode::AgreementRequired => "agreement_required",
            ErrorCode::AlreadyCommented => "already_commented",
            ErrorCode::AmountMismatch => "amount_mismatch",
            ErrorCode::AmountTooLarge => "amount_too_large",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::BadSignature => "bad_signature",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::Busy => "busy",
            ErrorCode::CartFull => "cart_full",
            ErrorCode::DuplicateTrade => "duplicate_trade",
            ErrorCode::EmptySelection => "empty_selection",
            ErrorCode::InsufficientStock => "insufficient_stock",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::InvalidContentType => "invalid_content_type",
            ErrorCode::InvalidCount => "invalid_count",
            ErrorCode::InvalidField => "invalid_field",
            ErrorCode::InvalidPage => "invalid_page",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidPaymentParams => "invalid_payment_params",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::MobileTaken => "mobile_taken",
            ErrorCode::NotAlipay => "not_alipay",
            ErrorCode::NotAuthenticated => "not_authenticated",
            ErrorCode::NotCommentable => "not_commentable",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NotPaid => "not_paid",
            ErrorCode::NotPayable => "not_payable",
            ErrorCode::PasswordsDiffer => "passwords_differ",
            ErrorCode::PaymentRefunded => "payment_refunded",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::SkuUnavailable => "sku_unavailable",
            ErrorCode::SoldOut => "sold_out",
            ErrorCode::SmsTooFrequent => "sms_too_frequent",
            ErrorCode::UsernameTaken => "username_taken",
            ErrorCode::WrongApp => "wrong_app",
            ErrorCode::WrongSmsCode => "wrong_sms_code",
            ErrorCode::WrongPassword => "wrong_password",
            ErrorCode::QqCodeRefused => "qq_code_refused",
            ErrorCode::QqBound => "qq_bound",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::IdempotencyKeyInProgress => "idempotency_key_in_progress",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::PaymentGatewayError => "payment_gateway_error",
            ErrorCode::WrongSeller => "wrong_seller",
            ErrorCode::TooManyUnpaidOrders => "too_many_unpaid_orders",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::NotStaff => "not_staff",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::InUse => "in_use",
            ErrorCode::StockBelowZero => "stock_below_zero",
            ErrorCode::InvalidImage => "invalid_image",
            ErrorCode::ImageTooLarge => "image_too_large",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::ImageCodeRequired => "image_code_required",
            ErrorCode::WrongImageCode => "wrong_image_code",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `insufficient_stock`.
    pub code: ErrorCode,
    /// A human-readable message.
    pub message: String,
    /// The same message, where the original's DRF front end looks for it.
    pub detail: String,
    /// The request fields at fault, with what is wrong with each.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// On a 400 that no one field caused, the message again, as DRF's validation errors list it
    /// (the original's front end shows `non_field_errors[0]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_field_errors: Option<Vec<String>>,
    /// On a 400 caused by fields, each field at fault with its messages as a list, as DRF's
    /// validation errors answer (`{"mobile": ["..."]}`).
    #[serde(flatten)]
    pub field_lists: BTreeMap<String, Vec<String>>,
}

impl ErrorBody {
    fn new(
        status: StatusCode,
        code: ErrorCode,
        message: &str,
        fields: &BTreeMap<String, String>,
    ) -> Self {
        let validation = status == StatusCode::BAD_REQUEST;
        ErrorBody {
            code,
            message: message.to_owned(),
            detail: message.to_owned(),
            fields: fields.clone(),
            non_field_errors: (validation && fields.is_empty()).then(|| vec![message.to_owned()]),
            field_lists: if validation {
                fields
                    .iter()
                    .filter(|(name, _)| !RESERVED.contains(&name.as_str()))
                    .map(|(name, problem)| (name.clone(), vec![problem.clone()]))
                    .collect()
            } else {
                BTreeMap::new()
            },
        }
    }
}

/// Keys of [`ErrorBody`] that a field list must not shadow.
const RESERVED: [&str; 5] = ["code", "message", "detail", "fields", "non_field_errors"];

/// An error answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub fields: BTreeMap<String, String>,
    /// Seconds before trying again (`Retry-After`), for a 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after: None,
        }
    }

    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn field(code: ErrorCode, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut error = Self::bad_request(code, format!("{field}: {message}"));
        error.fields.insert(field.to_owned(), message);
        error
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::NotAuthenticated,
            "log in first: a valid token is required",
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(ErrorBody::new(self.status, self.code, &self.message, &self.fields))
    }
}

impl From<ServiceFailure> for ApiError {
    fn from(value: ServiceFailure) -> Self {
        match value {
            ServiceFailure::Unavailable(cause) => {
                tracing::warn!(error = %cause, "a service is unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::ServiceUnavailable,
                    "a service the shop needs is unavailable; try again shortly",
                )
            }
            ServiceFailure::Unexpected(cause) => {
                tracing::error!(error = %cause, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::InternalError,
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
                ApiError::field(ErrorCode::InvalidField, field, source.to_string())
            }
            AccountError::PasswordsDiffer => {
                ApiError::field(ErrorCode::PasswordsDiffer, "password2", message)
            }
            AccountError::AgreementRequired => {
                ApiError::field(ErrorCode::AgreementRequired, "allow", message)
            }
            AccountError::WrongSmsCode => {
                ApiError::field(ErrorCode::WrongSmsCode, "sms_code", message)
            }
            AccountError::TooSoon => ApiError::bad_request(ErrorCode::SmsTooFrequent, message),
            AccountError::UsernameTaken => {
                ApiError::field(ErrorCode::UsernameTaken, "username", message)
            }
            AccountError::MobileTaken => ApiError::field(ErrorCode::MobileTaken, "mobile", message),
            AccountError::BadCredentials => {
                ApiError::bad_request(ErrorCode::BadCredentials, message)
            }
            AccountError::WrongCaptcha | AccountError::CaptchaExpired => {
                ApiError::field(ErrorCode::WrongImageCode, "text", message)
            }
            AccountError::CaptchaRequired => {
                ApiError::field(ErrorCode::ImageCodeRequired, "image_code_id", message)
            }
            AccountError::InvalidToken => {
                ApiError::field(ErrorCode::InvalidToken, "access_token", message)
            }
            AccountError::WrongPassword => {
                ApiError::field(ErrorCode::WrongPassword, "old_password", message)
            }
            AccountError::AccountNotFound => ApiError::not_found(message),
            AccountError::QqRefused => ApiError::field(ErrorCode::QqCodeRefused, "code", message),
            AccountError::QqBound => ApiError::bad_request(ErrorCode::QqBound, message),
            AccountError::TooManyAttempts { retry_after } => ApiError {
                retry_after: Some(retry_after.as_secs().max(1)),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyAttempts, message)
            },
            AccountError::NotFound => ApiError::unauthorized(),
            AccountError::Failure(failure) => failure.into(),
        }
    }
}

impl From<meiduo_application::flash_sale::FlashSaleError> for ApiError {
    fn from(value: meiduo_application::flash_sale::FlashSaleError) -> Self {
        use meiduo_application::flash_sale::FlashSaleError;
        let message = value.to_string();
        match value {
            FlashSaleError::UnknownSku(_) | FlashSaleError::NotOnSale(_) => {
                ApiError::not_found(message)
            }
            FlashSaleError::Failure(failure) => failure.into(),
        }
    }
}

impl From<meiduo_application::admin::AdminError> for ApiError {
    fn from(value: meiduo_application::admin::AdminError) -> Self {
        use meiduo_application::admin::AdminError;
        let message = value.to_string();
        match value {
            AdminError::NotStaff => {
                ApiError::new(StatusCode::FORBIDDEN, ErrorCode::NotStaff, message)
            }
            AdminError::Forbidden(_) => {
                ApiError::new(StatusCode::FORBIDDEN, ErrorCode::PermissionDenied, message)
            }
            AdminError::InvalidField { field, source } => {
                ApiError::field(ErrorCode::InvalidField, field, source.to_string())
            }
            AdminError::UsernameTaken => {
                ApiError::field(ErrorCode::UsernameTaken, "username", message)
            }
            AdminError::MobileTaken => ApiError::field(ErrorCode::MobileTaken, "mobile", message),
            AdminError::GroupNameTaken => ApiError::field(ErrorCode::InvalidField, "name", message),
            AdminError::BadName(field) => ApiError::field(ErrorCode::InvalidField, field, message),
            AdminError::UnknownPermission(_) => {
                ApiError::field(ErrorCode::InvalidField, "permissions", message)
            }
            AdminError::UnknownGroup(_) => {
                ApiError::field(ErrorCode::InvalidField, "groups", message)
            }
            AdminError::NotFound(_) => ApiError::not_found(message),
            AdminError::OwnAccount => ApiError::bad_request(ErrorCode::InvalidField, message),
            AdminError::Invalid { field, reason } => {
                ApiError::field(ErrorCode::InvalidField, field, reason)
            }
            AdminError::UnknownReference { field, what, id } => {
                ApiError::field(ErrorCode::InvalidField, field, format!("no such {what} ({id})"))
            }
            AdminError::Taken(field) => ApiError::field(ErrorCode::InvalidField, field, "is taken"),
            AdminError::InUse(_) => ApiError::new(StatusCode::CONFLICT, ErrorCode::InUse, message),
            AdminError::StockBelowZero => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::StockBelowZero, message)
            }
            AdminError::BadImage(_) => ApiError::field(ErrorCode::InvalidImage, "image", message),
            AdminError::ImageTooLarge(_) => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::ImageTooLarge, message)
            }
            AdminError::Order(error) => error.into(),
            AdminError::Failure(failure) => failure.into(),
        }
    }
}

impl From<AddressError> for ApiError {
    fn from(value: AddressError) -> Self {
        let message = value.to_string();
        match value {
            AddressError::InvalidField { field, message } => {
                ApiError::field(ErrorCode::InvalidField, field, message)
            }
            AddressError::LimitReached(_) => {
                ApiError::bad_request(ErrorCode::AddressLimit, message)
            }
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
            CatalogError::BadSearch => ApiError::field(ErrorCode::InvalidField, "text", message),
            CatalogError::Failure(failure) => failure.into(),
        }
    }
}

impl From<CartError> for ApiError {
    fn from(value: CartError) -> Self {
        let message = value.to_string();
        match value {
            CartError::BadCount(_) => ApiError::field(ErrorCode::InvalidCount, "count", message),
            CartError::SkuUnavailable(_) => {
                ApiError::field(ErrorCode::SkuUnavailable, "sku_id", message)
            }
            CartError::NotEnoughStock { .. } => {
                ApiError::field(ErrorCode::InsufficientStock, "count", message)
            }
            CartError::Full(_) => ApiError::bad_request(ErrorCode::CartFull, message),
            CartError::Failure(failure) => failure.into(),
        }
    }
}

impl From<SettlementError> for ApiError {
    fn from(value: SettlementError) -> Self {
        let message = value.to_string();
        match value {
            SettlementError::SkusUnavailable(_) => {
                ApiError::bad_request(ErrorCode::SkuUnavailable, message)
            }
            SettlementError::Failure(failure) => failure.into(),
        }
    }
}

impl From<PlaceOrderError> for ApiError {
    fn from(value: PlaceOrderError) -> Self {
        let message = value.to_string();
        match value {
            PlaceOrderError::EmptySelection => {
                ApiError::bad_request(ErrorCode::EmptySelection, message)
            }
            PlaceOrderError::UnknownPayMethod(_) => {
                ApiError::field(ErrorCode::InvalidField, "pay_method", message)
            }
            PlaceOrderError::AddressNotFound => {
                ApiError::field(ErrorCode::AddressNotFound, "address", message)
            }
            PlaceOrderError::CountTooLarge { .. } => {
                ApiError::bad_request(ErrorCode::InvalidCount, message)
            }
            PlaceOrderError::SkuUnavailable(_) => {
                ApiError::bad_request(ErrorCode::SkuUnavailable, message)
            }
            PlaceOrderError::InsufficientStock(_) => {
                ApiError::bad_request(ErrorCode::InsufficientStock, message)
            }
            PlaceOrderError::SoldOut(_) => ApiError::bad_request(ErrorCode::SoldOut, message),
            PlaceOrderError::AmountTooLarge(_) => {
                ApiError::bad_request(ErrorCode::AmountTooLarge, message)
            }
            PlaceOrderError::TooManyUnpaidOrders(_)
            | PlaceOrderError::TooManyUnpaidUnits { .. } => {
                ApiError::bad_request(ErrorCode::TooManyUnpaidOrders, message)
            }
            PlaceOrderError::Busy => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Busy, message)
            }
            PlaceOrderError::Failure(failure) => failure.into(),
        }
    }
}

impl From<KeyedOrderError> for ApiError {
    fn from(value: KeyedOrderError) -> Self {
        let message = value.to_string();
        match value {
            KeyedOrderError::BadKey => {
                ApiError::field(ErrorCode::InvalidField, "Idempotency-Key", message)
            }
            KeyedOrderError::KeyReused => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::IdempotencyKeyReused,
                message,
            ),
            KeyedOrderError::InProgress => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::IdempotencyKeyInProgress, message)
            }
            KeyedOrderError::Order(error) => error.into(),
        }
    }
}

impl From<OrderHistoryError> for ApiError {
    fn from(value: OrderHistoryError) -> Self {
        let message = value.to_string();
        match value {
            OrderHistoryError::NotFound => ApiError::not_found(message),
            OrderHistoryError::LineNotFound => {
                ApiError::field(ErrorCode::InvalidField, "sku", message)
            }
            OrderHistoryError::NotCommentable => {
                ApiError::bad_request(ErrorCode::NotCommentable, message)
            }
            OrderHistoryError::AlreadyCommented => {
                ApiError::bad_request(ErrorCode::AlreadyCommented, message)
            }
            OrderHistoryError::InvalidField { field, message } => {
                ApiError::field(ErrorCode::InvalidField, field, message)
            }
            OrderHistoryError::InvalidTransition { .. } => {
                ApiError::bad_request(ErrorCode::InvalidTransition, message)
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
            PaymentFailure::NotAlipay => ApiError::bad_request(ErrorCode::NotAlipay, message),
            PaymentFailure::NotPayable => ApiError::bad_request(ErrorCode::NotPayable, message),
            PaymentFailure::BadSignature => {
                ApiError::new(StatusCode::FORBIDDEN, ErrorCode::BadSignature, message)
            }
            PaymentFailure::WrongApp => {
                ApiError::new(StatusCode::FORBIDDEN, ErrorCode::WrongApp, message)
            }
            PaymentFailure::WrongSeller => {
                ApiError::new(StatusCode::FORBIDDEN, ErrorCode::WrongSeller, message)
            }
            PaymentFailure::Malformed(_) => {
                ApiError::bad_request(ErrorCode::InvalidPaymentParams, message)
            }
            PaymentFailure::AmountMismatch { .. } => {
                ApiError::bad_request(ErrorCode::AmountMismatch, message)
            }
            PaymentFailure::NotPaid => ApiError::bad_request(ErrorCode::NotPaid, message),
            PaymentFailure::Refunded => ApiError::bad_request(ErrorCode::PaymentRefunded, message),
            PaymentFailure::PaidByAnotherTrade => {
                ApiError::bad_request(ErrorCode::DuplicateTrade, message)
            }
            PaymentFailure::Gateway(_) => ApiError::new(
                StatusCode::BAD_GATEWAY,
                ErrorCode::PaymentGatewayError,
                "the payment gateway failed; try again later",
            ),
            PaymentFailure::GatewayTimedOut => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::PaymentGatewayError,
                message,
            ),
            PaymentFailure::Failure(failure) => failure.into(),
        }
    }
}

/// Malformed JSON, query strings and paths become 400/404 answers in this shape.
pub(crate) fn json_error(err: actix_web::error::JsonPayloadError) -> actix_web::Error {
    json_refusal(err).into()
}

/// Why a JSON body was not taken.
fn json_refusal(err: actix_web::error::JsonPayloadError) -> ApiError {
    let (code, message) = match &err {
        actix_web::error::JsonPayloadError::Overflow { .. }
        | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
            (ErrorCode::BodyTooLarge, "the request body is too large".to_owned())
        }
        actix_web::error::JsonPayloadError::ContentType => {
            (ErrorCode::InvalidContentType, "send JSON (Content-Type: application/json)".to_owned())
        }
        other => (ErrorCode::InvalidJson, format!("the JSON body is not acceptable: {other}")),
    };
    let status = if code == ErrorCode::BodyTooLarge {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::BAD_REQUEST
    };
    ApiError::new(status, code, message)
}

/// A JSON body of up to `limit` bytes, for the few requests that carry more than
/// [`crate::MAX_JSON_BODY`] (an SPU's descriptions); refused as every JSON body is.
pub(crate) async fn large_json<T: serde::de::DeserializeOwned>(
    req: &actix_web::HttpRequest,
    payload: actix_web::web::Payload,
    limit: usize,
) -> Result<T, ApiError> {
    let mut payload = payload.into_inner();
    actix_web::dev::JsonBody::new(req, &mut payload, None, false)
        .limit(limit)
        .await
        .map_err(json_refusal)
}

pub(crate) fn query_error(err: actix_web::error::QueryPayloadError) -> actix_web::Error {
    ApiError::bad_request(
        ErrorCode::InvalidQuery,
        format!("the query string is not acceptable: {err}"),
    )
    .into()
}

/// A path segment that does not parse names no resource (404), unless the path is one the API
/// serves with other methods (405, as for any other request it does not take).
pub(crate) fn path_error(
    err: actix_web::error::PathError,
    req: &actix_web::HttpRequest,
) -> actix_web::Error {
    let refused =
        crate::routes::refusal(req, ApiError::not_found(format!("no such resource: {err}")));
    actix_web::error::InternalError::from_response(err, refused).into()
}
