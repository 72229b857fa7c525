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

/// The operations counted per client and refused past a limit (logins, SMS codes).
const THROTTLED: [&str; 2] = ["/authorizations/", "/sms_codes/{mobile}/"];

/// Documents the answers every operation of a kind can give, which the handlers' own
/// annotations leave out: 401 where a token is required, 404 where a path names a resource or
/// a page is asked for, 400 where the client sends parameters or a body, and 503 where a store
/// is needed (it may be down).
pub fn complete(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    for (path, item) in document.paths.paths.iter_mut() {
        let operations =
            [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            let parameters = operation.parameters.as_deref().unwrap_or_default();
            let in_path = parameters.iter().any(|p| p.parameter_in == ParameterIn::Path);
            let paged = parameters.iter().any(|p| p.name == "page");
            let sends = operation.request_body.is_some()
                || parameters.iter().any(|p| p.parameter_in == ParameterIn::Query);
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let needs_store = !path.starts_with("/health/live");
            let throttled = THROTTLED.contains(&path.as_str());
            let ops = path.starts_with("/metrics");
            for (wanted, status, description) in [
                (sends, "400", "The request is not acceptable: `code` and `fields` say why"),
                (ops, "401", "The ops token is required (`Authorization: Bearer <token>`)"),
                (ops, "404", "Not served here: production without an ops token"),
                (throttled, "429", "Too many attempts: `Retry-After` says when to try again"),
                (secured, "401", "No token, or one that is invalid, expired or no longer honoured"),
                (in_path || paged, "404", "No such resource (or page) for this client"),
                (needs_store, "503", "A store the request needs does not answer: try again"),
            ] {
                if wanted && !operation.responses.responses.contains_key(status) {
                    operation.responses.responses.insert(status.to_owned(), error(description));
                }
            }
        }
    }
}

/// An error answer with the [`crate::error::ErrorBody`] shape.
pub fn error(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
        )
        .build()
        .into()
}
