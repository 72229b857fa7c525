//! Which methods each documented path serves, read from the OpenAPI document: a request for a
//! path the API serves, with a method it does not (`HEAD`, `TRACE`, `PATCH`, ...), is answered
//! 405 with `Allow`, not 404.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::HttpMethod;

use crate::error::{ApiError, ErrorCode};

/// One documented path: its segments (`None` for a `{parameter}`) and its methods.
#[derive(Debug, Clone)]
struct Route {
    segments: Vec<Option<String>>,
    methods: Vec<&'static str>,
}

/// The documented paths and their methods.
#[derive(Debug, Clone, Default)]
pub struct Routes(Vec<Route>);

fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Head => "HEAD",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Trace => "TRACE",
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_start_matches('/').split('/')
}

impl Routes {
    /// The paths and methods of `document`.
    pub fn of(document: &OpenApi) -> Self {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = segments(path)
                    .map(|segment| (!segment.starts_with('{')).then(|| segment.to_owned()))
                    .collect();
                let mut methods: Vec<&'static str> = [
                    (HttpMethod::Get, &item.get),
                    (HttpMethod::Post, &item.post),
                    (HttpMethod::Put, &item.put),
                    (HttpMethod::Delete, &item.delete),
                    (HttpMethod::Patch, &item.patch),
                ]
                .into_iter()
                .filter(|(_, operation)| operation.is_some())
                .map(|(method, _)| method_name(&method))
                .collect();
                methods.sort_unstable();
                Route { segments, methods }
            })
            .collect();
        Routes(routes)
    }

    /// The methods a path is served with (empty: no documented path is like it). Where several
    /// patterns match, the most literal wins: `/permission/groups/simple/` is that path, not
    /// `/permission/groups/{id}/` with the id `simple`.
    pub fn allowed(&self, path: &str) -> Vec<&'static str> {
        let asked: Vec<&str> = segments(path).collect();
        let matching: Vec<&Route> = self
            .0
            .iter()
            .filter(|route| {
                route.segments.len() == asked.len()
                    && route.segments.iter().zip(&asked).all(|(expected, segment)| match expected {
                        Some(literal) => literal == segment,
                        None => !segment.is_empty(),
                    })
            })
            .collect();
        let parameters = |route: &Route| route.segments.iter().filter(|s| s.is_none()).count();
        let fewest = matching.iter().map(|route| parameters(route)).min().unwrap_or(0);
        let mut methods: Vec<&'static str> = matching
            .into_iter()
            .filter(|route| parameters(route) == fewest)
            .flat_map(|route| route.methods.iter().copied())
            .collect();
        methods.sort_unstable();
        methods.dedup();
        methods
    }
}

/// The answer to a request no endpoint took: 405 with `Allow` when the path is served with
/// other methods, 404 otherwise.
pub async fn unrouted(req: HttpRequest) -> HttpResponse {
    refusal(&req, ApiError::not_found("no such endpoint"))
}

/// `not_found` for a request whose path names nothing, unless the path is served with other
/// methods than the request's: then 405 with `Allow`.
pub fn refusal(req: &HttpRequest, not_found: ApiError) -> HttpResponse {
    let allowed = req
        .app_data::<web::Data<Routes>>()
        .map(|routes| routes.allowed(req.path()))
        .unwrap_or_default();
    if allowed.is_empty() || allowed.contains(&req.method().as_str()) {
        return not_found.error_response();
    }
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        format!("{} is not served here; this path takes {}", req.method(), allowed.join(", ")),
    )
    .error_response();
    if let Ok(value) = header::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_their_patterns_segment_by_segment() {
        let document: OpenApi = serde_json::from_value(serde_json::json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/carts/": {"get": {"responses": {}}, "post": {"responses": {}},
                            "put": {"responses": {}}, "delete": {"responses": {}}},
                "/skus/{id}/": {"get": {"responses": {}}},
                "/skus/search/": {"get": {"responses": {}}},
                "/addresses/{id}/": {"put": {"responses": {}}, "delete": {"responses": {}}},
                "/groups/simple/": {"get": {"responses": {}}},
                "/groups/{id}/": {"get": {"responses": {}}, "put": {"responses": {}}}
            }
        }))
        .unwrap();
        let routes = Routes::of(&document);
        assert_eq!(routes.allowed("/carts/"), ["DELETE", "GET", "POST", "PUT"]);
        assert_eq!(routes.allowed("/skus/3/"), ["GET"]);
        assert_eq!(routes.allowed("/skus/search/"), ["GET"]);
        assert_eq!(routes.allowed("/addresses/7/"), ["DELETE", "PUT"]);
        assert!(routes.allowed("/carts").is_empty(), "the trailing slash counts");
        assert!(routes.allowed("/skus//").is_empty());
        assert!(routes.allowed("/skus/3/extra/").is_empty());
        assert!(routes.allowed("/nothing/").is_empty());
        assert_eq!(routes.allowed("/groups/simple/"), ["GET"], "the literal path wins");
        assert_eq!(routes.allowed("/groups/7/"), ["GET", "PUT"]);
    }
}
