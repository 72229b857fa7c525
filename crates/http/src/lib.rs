//! The storefront's JSON HTTP API on actix-web. It keeps the original Django REST shop's paths,
//! methods, field names and shapes, so that its front end works unchanged.
//!
//! [`configure`] mounts every endpoint on an actix-web app; the server crate builds the
//! [`ApiState`] from its adapters. Errors are [`error::ApiError`]s: JSON with a stable code.

pub mod auth;
pub mod cookie_cart;
pub mod error;
pub mod handlers;
pub mod openapi;
pub mod paging;
pub mod state;

use actix_web::{HttpResponse, web};

pub use auth::Tokens;
pub use state::{ApiState, Readiness};

use crate::error::ApiError;
use crate::handlers::{cart, catalog, health, orders, payment, places, sandbox, users};

/// The largest JSON body accepted.
pub const MAX_JSON_BODY: usize = 16 * 1024;

/// Mounts the API, its OpenAPI document (`/api-docs/openapi.json`) and UI (`/docs/`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(MAX_JSON_BODY)
            .error_handler(|err, _| error::json_error(err)),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _| error::query_error(err)))
    .app_data(web::PathConfig::default().error_handler(|err, _| error::path_error(err)))
    // The router tries resources in this order: the storefront's busiest paths come first
    // (matching a path with a parameter runs a regex).
    .service(cart::add)
    .service(cart::list)
    .service(cart::update)
    .service(cart::remove)
    .service(cart::select_all)
    // Before `/orders/{order_id}/...`.
    .service(orders::settlement)
    .service(orders::place)
    .service(orders::list)
    .service(catalog::skus)
    // Before `/skus/{id}/`: "search" is not an id.
    .service(catalog::search)
    .service(catalog::detail)
    .service(catalog::menu)
    .service(catalog::breadcrumb)
    .service(catalog::hot)
    .service(catalog::comments)
    .service(catalog::record_visit)
    .service(catalog::recent_visits)
    .service(orders::uncommented)
    .service(orders::comment)
    .service(payment::pay_url)
    .service(payment::payment_status)
    .service(payment::payment_status_get)
    .service(payment::notify)
    .service(payment::cancel)
    .service(users::username_count)
    .service(users::mobile_count)
    .service(users::sms_code)
    .service(users::register)
    .service(users::login)
    .service(users::profile)
    .service(places::provinces)
    .service(places::area)
    .service(places::list)
    .service(places::create)
    .service(places::update)
    .service(places::remove)
    .service(places::set_default)
    .service(places::set_title)
    .service(health::live)
    .service(health::ready)
    .service(health::order_counters)
    .service(sandbox::page)
    .service(sandbox::pay)
    .service(sandbox::api)
    .service(openapi::document)
    .service(openapi::swagger_ui());
}

/// The answer to a path no endpoint serves.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("no such endpoint"))
}
