//! The storefront's JSON HTTP API on actix-web. It keeps the original Django REST shop's paths,
//! methods, field names and shapes, so that its front end works unchanged.
//!
//! [`configure`] mounts every endpoint, with its OpenAPI entry, on a `utoipa-actix-web` app;
//! [`api`] builds such an app with the document and the Swagger UI. The server crate builds
//! the [`ApiState`] from its adapters. Errors are [`error::ApiError`]s: JSON with a stable code.

pub mod auth;
pub mod cookie_cart;
pub mod error;
pub mod handlers;
pub mod ids;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod paging;
pub mod routes;
mod stamps;
pub mod state;

use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, Error, HttpResponse, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

pub use auth::Tokens;
pub use ops::{OpsAccess, ops_guard};
pub use state::{ApiState, Readiness};

use crate::handlers::{
    admin, cart, catalog, catalog_admin, flash_sale, health, orders, payment, places, rights, users,
};

/// The largest JSON body accepted.
pub const MAX_JSON_BODY: usize = 16 * 1024;

/// `app` with the API, its OpenAPI document (`/api-docs/openapi.json`) and UI (`/docs/`).
pub fn api<T>(app: App<T>) -> App<T>
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse,
            Error = Error,
            InitError = (),
        >,
{
    let (app, mut document) = app
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(configure)
        .split_for_parts();
    openapi::complete(&mut document);
    let routes = web::Data::new(routes::Routes::of(&document));
    app.app_data(routes).configure(openapi::docs(document))
}

/// Mounts every endpoint, each with its OpenAPI entry.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(MAX_JSON_BODY)
            .error_handler(|err, _| error::json_error(err)),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _| error::query_error(err)))
    .app_data(web::PathConfig::default().error_handler(error::path_error))
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
    .service(orders::detail)
    .service(orders::receipt)
    .service(orders::comment)
    .service(payment::pay_url)
    .service(payment::payment_status)
    .service(payment::payment_status_get)
    .service(payment::notify)
    .service(payment::cancel)
    .service(users::username_count)
    .service(users::mobile_count)
    .service(users::image_code)
    .service(users::sms_code)
    .service(users::send_reset_code)
    .service(users::start_reset)
    .service(users::grant_reset)
    .service(users::reset_password)
    .service(users::change_password)
    .service(users::set_email)
    .service(users::verify_email)
    .service(users::qq_login_url)
    .service(users::qq_user)
    .service(users::bind_qq)
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
    .service(admin::login)
    .service(admin::total_count)
    .service(admin::day_increment)
    .service(admin::day_active)
    .service(admin::day_orders)
    .service(admin::month_increment)
    .service(admin::goods_day_views)
    .service(admin::users)
    .service(admin::create_user)
    .service(admin::orders)
    .service(admin::order_detail)
    .service(admin::set_status)
    .service(admin::audit)
    .service(rights::content_types)
    .service(rights::perms)
    .service(rights::perms_simple)
    .service(rights::create_perm)
    .service(rights::perm)
    .service(rights::update_perm)
    .service(rights::delete_perm)
    // Before `/permission/groups/{id}/`: "simple" is not an id.
    .service(rights::groups_simple)
    .service(rights::groups)
    .service(rights::group)
    .service(rights::create_group)
    .service(rights::update_group)
    .service(rights::delete_group)
    .service(rights::admins)
    .service(rights::admin)
    .service(rights::create_admin)
    .service(rights::update_admin)
    .service(rights::delete_admin)
    // The literal paths before those with an id: "simple", "categories", "images", "brands",
    // "specs", "channels" and "channel_types" are not ids.
    .service(catalog_admin::skus_simple)
    .service(catalog_admin::sku_categories)
    .service(catalog_admin::images)
    .service(catalog_admin::create_image)
    .service(catalog_admin::image_detail)
    .service(catalog_admin::update_image)
    .service(catalog_admin::delete_image)
    .service(catalog_admin::skus)
    .service(catalog_admin::create_sku)
    .service(catalog_admin::sku_detail)
    .service(catalog_admin::update_sku)
    .service(catalog_admin::delete_sku)
    .service(flash_sale::flash_sales)
    .service(flash_sale::open_flash_sale)
    .service(flash_sale::close_flash_sale)
    .service(catalog_admin::spus_simple)
    .service(catalog_admin::brands_simple)
    .service(catalog_admin::brands)
    .service(catalog_admin::create_brand)
    .service(catalog_admin::brand_detail)
    .service(catalog_admin::update_brand)
    .service(catalog_admin::delete_brand)
    .service(catalog_admin::first_categories)
    .service(catalog_admin::sub_categories)
    .service(catalog_admin::channel_categories)
    .service(catalog_admin::specs_simple)
    .service(catalog_admin::specs)
    .service(catalog_admin::create_spec)
    .service(catalog_admin::spec_detail)
    .service(catalog_admin::update_spec)
    .service(catalog_admin::delete_spec)
    .service(catalog_admin::channel_types)
    .service(catalog_admin::channels)
    .service(catalog_admin::create_channel)
    .service(catalog_admin::channel_detail)
    .service(catalog_admin::update_channel)
    .service(catalog_admin::delete_channel)
    .service(catalog_admin::spus)
    .service(catalog_admin::create_spu)
    .service(catalog_admin::spu_specs)
    .service(catalog_admin::spu_detail)
    .service(catalog_admin::update_spu)
    .service(catalog_admin::delete_spu)
    .service(catalog_admin::options)
    .service(catalog_admin::create_option)
    .service(catalog_admin::option_detail)
    .service(catalog_admin::update_option)
    .service(catalog_admin::delete_option)
    .service(catalog_admin::picture)
    .service(health::live)
    .service(health::ready)
    .service(health::order_counters)
    .service(health::prometheus);
}

/// The answer to a request no endpoint took: 405 with `Allow` for a path served with other
/// methods, 404 for any other.
pub async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    routes::unrouted(req).await
}
