//! JWT authentication: `Authorization: JWT <token>` (the original's scheme) or `Bearer <token>`.

use std::future::{Ready, ready};
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use meiduo_domain::{User, UserId};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::state::ApiState;

/// Signs and checks tokens (HS256).
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    lifetime: Duration,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").field("lifetime", &self.lifetime).finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    user_id: u64,
    username: String,
    exp: u64,
    iat: u64,
}

impl Tokens {
    pub fn new(secret: &[u8], lifetime: Duration) -> Self {
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            lifetime,
        }
    }

    /// A token for the user.
    pub fn issue(&self, user: &User) -> Result<String, ApiError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
        let claims = Claims {
            user_id: user.id.0,
            username: user.username.clone(),
            iat: now,
            exp: now + self.lifetime.as_secs(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| {
            tracing::error!(error = %e, "token signing failed");
            ApiError::new(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalError,
                "could not sign a token",
            )
        })
    }

    /// The user of a valid, unexpired token.
    pub fn check(&self, token: &str) -> Option<UserId> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| UserId(data.claims.user_id))
    }
}

/// The token of a request, if its `Authorization` header carries one.
fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("jwt") || scheme.eq_ignore_ascii_case("bearer"))
        .then(|| token.trim())
}

fn user_of(req: &HttpRequest) -> Option<UserId> {
    let state = req.app_data::<web::Data<ApiState>>()?;
    state.tokens.check(bearer(req)?)
}

/// A logged-in user; requests without a valid token get 401.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub UserId);

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(user_of(req).map(AuthUser).ok_or_else(ApiError::unauthorized))
    }
}

/// The user if the request carries a valid token; anonymous otherwise. The original front end
/// sends `Authorization: JWT undefined` when nobody is logged in: that is anonymous, not an error.
#[derive(Debug, Clone, Copy)]
pub struct MaybeUser(pub Option<UserId>);

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(MaybeUser(user_of(req))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            id: UserId(7),
            username: "alice".into(),
            mobile: "13800138000".into(),
            email: None,
            email_active: false,
            default_address_id: None,
        }
    }

    #[test]
    fn a_token_names_its_user_and_only_verifies_with_its_secret() {
        let tokens = Tokens::new(b"a secret of enough length for hs256", Duration::from_secs(60));
        let token = tokens.issue(&user()).unwrap();
        assert_eq!(tokens.check(&token), Some(UserId(7)));
        let other = Tokens::new(b"another secret of enough length!!!", Duration::from_secs(60));
        assert_eq!(other.check(&token), None);
        assert_eq!(tokens.check("undefined"), None);
        assert_eq!(tokens.check(&format!("{token}x")), None);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let tokens = Tokens::new(b"a secret of enough length for hs256", Duration::ZERO);
        let token = tokens.issue(&user()).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(tokens.check(&token), None);
    }
}
