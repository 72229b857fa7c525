//! The OpenAPI 3 document, generated from the handlers, and the Swagger UI (bundled at build time).

use actix_web::{HttpResponse, get};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::handlers::{cart, catalog, health, orders, payment, places, users};

struct JwtScheme;

impl Modify for JwtScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "jwt",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`JWT <token>` (the original's scheme) or `Bearer <token>`",
            ))),
        );
    }
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Meiduo mall storefront API", description = "The JSON API of the Meiduo mall storefront, compatible with the original Django REST shop."),
    modifiers(&JwtScheme),
    paths(
        health::live, health::ready, health::order_counters,
        users::username_count, users::mobile_count, users::sms_code, users::register, users::login, users::profile,
        places::provinces, places::area, places::list, places::create, places::update, places::remove,
        places::set_default, places::set_title,
        catalog::menu, catalog::breadcrumb, catalog::skus, catalog::hot, catalog::search, catalog::detail,
        catalog::comments, catalog::record_visit, catalog::recent_visits,
        cart::add, cart::list, cart::update, cart::remove, cart::select_all,
        orders::settlement, orders::place, orders::list, orders::uncommented, orders::comment,
        payment::pay_url, payment::payment_status, payment::payment_status_get, payment::notify, payment::cancel,
    )
)]
pub struct ApiDoc;

/// `GET /api-docs/openapi.json`
#[allow(unreachable_pub)]
#[get("/api-docs/openapi.json")]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

/// The Swagger UI at `/docs/`, reading the document above.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi-ui.json", ApiDoc::openapi())
}
