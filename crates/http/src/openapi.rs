//! The OpenAPI 3 document, generated from the handlers, and the Swagger UI (bundled at build time).

use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

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

/// The document's own parts; the paths are added by [`crate::configure`] as it registers each
/// endpoint, so that a route and its documentation are declared once.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Meiduo mall storefront API", description = "The JSON API of the Meiduo mall storefront, compatible with the original Django REST shop."),
    modifiers(&JwtScheme),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorCode)),
)]
pub struct ApiDoc;

/// The document at `GET /api-docs/openapi.json` and the Swagger UI at `/docs/`, serving `api`
/// (the document [`crate::api`] collected).
pub fn docs(api: utoipa::openapi::OpenApi) -> impl FnOnce(&mut actix_web::web::ServiceConfig) {
    move |cfg| {
        let json = web::Data::new(api.clone());
        cfg.service(
            web::resource("/api-docs/openapi.json").app_data(json).route(web::get().to(document)),
        )
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi-ui.json", api));
    }
}

async fn document(api: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(api.get_ref())
}
