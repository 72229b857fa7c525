//! The operators' endpoints — `/metrics...`, the OpenAPI document and the Swagger UI — are not
//! the shoppers': behind a token, or not served, wherever the shop is not a developer's own.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};

use crate::error::{ApiError, ErrorCode};
use crate::state::ApiState;

/// Who may read the operators' endpoints.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum OpsAccess {
    /// Anyone (a developer's machine).
    #[default]
    Open,
    /// Requests with `Authorization: Bearer <token>`.
    Token(String),
    /// Nobody: they answer 404 (production without a token configured).
    Closed,
}

impl std::fmt::Debug for OpsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OpsAccess::Open => "Open",
            OpsAccess::Token(_) => "Token(..)",
            OpsAccess::Closed => "Closed",
        })
    }
}

/// Whether a path is one of the operators' endpoints.
pub fn is_ops_path(path: &str) -> bool {
    ["/metrics", "/docs", "/api-docs"].iter().any(|prefix| {
        path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Equal without saying, by its timing, how much of a guess was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

impl OpsAccess {
    /// Whether a request with this `Authorization` header may read them.
    pub fn allows(&self, authorization: Option<&str>) -> Result<(), ApiError> {
        match self {
            OpsAccess::Open => Ok(()),
            OpsAccess::Closed => Err(ApiError::not_found("no such endpoint")),
            OpsAccess::Token(token) => {
                let offered = authorization
                    .and_then(|value| value.trim().split_once(' '))
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, offered)| offered.trim());
                match offered {
                    Some(offered) if same(offered.as_bytes(), token.as_bytes()) => Ok(()),
                    _ => Err(ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        ErrorCode::NotAuthenticated,
                        "the operators' endpoints need `Authorization: Bearer <MEIDUO_OPS_TOKEN>`",
                    )),
                }
            }
        }
    }
}

/// Middleware (`actix_web::middleware::from_fn(ops_guard)`): the operators' endpoints as
/// [`ApiState::ops`] allows; every other request passes untouched.
pub async fn ops_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if is_ops_path(req.path()) {
        let access = req.app_data::<web::Data<ApiState>>().map(|state| state.ops.clone());
        let authorization = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        if let Err(refused) = access.unwrap_or(OpsAccess::Closed).allows(authorization) {
            let response = refused.error_response();
            return Ok(req.into_response(response));
        }
    }
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operators_paths_and_only_they_are_guarded() {
        for path in
            ["/metrics", "/metrics/orders", "/docs/", "/docs/index.html", "/api-docs/openapi.json"]
        {
            assert!(is_ops_path(path), "{path}");
        }
        for path in ["/metricsx", "/skus/1/", "/documents/", "/health/ready", "/"] {
            assert!(!is_ops_path(path), "{path}");
        }
    }

    #[test]
    fn a_token_must_be_offered_exactly() {
        let access = OpsAccess::Token("s3cret-token".into());
        assert!(access.allows(Some("Bearer s3cret-token")).is_ok());
        assert!(access.allows(Some("bearer  s3cret-token ")).is_ok());
        for wrong in [
            None,
            Some("Bearer s3cret-toke"),
            Some("Bearer s3cret-token2"),
            Some("JWT s3cret-token"),
            Some("s3cret-token"),
        ] {
            assert_eq!(
                access.allows(wrong).unwrap_err().status,
                StatusCode::UNAUTHORIZED,
                "{wrong:?}"
            );
        }
        assert_eq!(
            OpsAccess::Closed.allows(Some("Bearer x")).unwrap_err().status,
            StatusCode::NOT_FOUND
        );
        assert!(OpsAccess::Open.allows(None).is_ok());
        assert!(!format!("{access:?}").contains("s3cret"));
    }
}
