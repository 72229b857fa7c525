//! JWT authentication: `Authorization: JWT <token>` (the original's scheme) or `Bearer <token>`.
//!
//! A token names its user and carries the user's token stamp; it is honoured only while the
//! user exists, is active and still has that stamp (a password change draws a new one, so every
//! other session ends; a database reset that reuses the id does not revive old tokens). This
//! process trusts a stamp it read for [`Tokens::with_memory`]'s time, so another replica's
//! password change takes effect here within it (the stamps in use are read again together,
//! see `stamps.rs`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use meiduo_application::accounts::AccountError;
use meiduo_domain::{User, UserId};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::stamps::Stamps;
use crate::state::ApiState;

/// Signs and checks tokens (HS256).
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    lifetime: Duration,
    /// Users' current stamps as read lately.
    stamps: Option<Arc<Stamps>>,
    /// Tokens whose signature was verified lately, with what they vouch for and their expiry
    /// (a signature's verdict does not change; the expiry is checked on every use).
    verified: Option<moka::sync::Cache<Arc<str>, (Signed, u64)>>,
}

/// How many verified tokens a process remembers, and for how long unused.
const VERIFIED_TOKENS: u64 = 50_000;
const VERIFIED_IDLE: Duration = Duration::from_secs(600);

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
    /// The user's token stamp when the token was issued.
    stamp: String,
}

/// What a valid signature vouches for: the user, and the stamp to compare with the user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub user: UserId,
    pub stamp: String,
}

impl Tokens {
    pub fn new(secret: &[u8], lifetime: Duration) -> Self {
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            lifetime,
            stamps: None,
            verified: None,
        }
    }

    /// The same, remembering each user's stamp this long (`Duration::ZERO`: asking the store on
    /// every request), and the tokens it verified (until they expire or go unused for
    /// ten minutes), so that a token's signature is checked once, not on every request.
    pub fn with_memory(mut self, memory: Duration) -> Self {
        self.stamps = (!memory.is_zero()).then(|| Arc::new(Stamps::new(memory)));
        self.verified = (!memory.is_zero()).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(VERIFIED_TOKENS)
                .time_to_idle(VERIFIED_IDLE)
                .build()
        });
        self
    }

    /// Forgets what this process remembers of the user's stamp (after it changed here).
    pub fn forget(&self, user: UserId) {
        if let Some(stamps) = &self.stamps {
            stamps.forget(user);
        }
    }

    /// Whether a signed token is still honoured: its user exists and has its stamp.
    pub async fn honoured(&self, state: &ApiState, signed: &Signed) -> Result<bool, AccountError> {
        let current = match &self.stamps {
            Some(stamps) => stamps.current(&state.accounts, signed.user).await?,
            None => state.accounts.token_stamp(signed.user).await?.map(Arc::from),
        };
        Ok(current.is_some_and(|current| !current.is_empty() && *current == *signed.stamp))
    }

    /// A token for the user.
    pub fn issue(&self, user: &User) -> Result<String, ApiError> {
        let now = unix_now();
        let claims = Claims {
            user_id: user.id.0,
            username: user.username.clone(),
            iat: now,
            exp: now + self.lifetime.as_secs(),
            stamp: user.token_stamp.clone(),
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

    /// The user and stamp of a validly signed, unexpired token (whether it is still honoured is
    /// [`Tokens::honoured`]'s question).
    pub fn check(&self, token: &str) -> Option<Signed> {
        let now = unix_now();
        if let Some((signed, exp)) = self.verified.as_ref().and_then(|memory| memory.get(token)) {
            return (now < exp).then_some(signed);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        let claims = decode::<Claims>(token, &self.decoding, &validation).ok()?.claims;
        let signed = Signed { user: UserId(claims.user_id), stamp: claims.stamp };
        if let Some(memory) = &self.verified {
            memory.insert(Arc::from(token), (signed.clone(), claims.exp));
        }
        // jsonwebtoken's own check passes a token in its expiry's second; this one does not,
        // so that a remembered token and a fresh one get the same answer.
        (now < claims.exp).then_some(signed)
    }
}

fn unix_now() -> u64 {
    time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64
}

/// The token of a request, if its `Authorization` header carries one.
fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("jwt") || scheme.eq_ignore_ascii_case("bearer"))
        .then(|| token.trim())
}

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// The user of the request's token if it is validly signed and still honoured; `Ok(None)` for
/// no token, a bad one, or one no longer honoured.
fn user_of(req: &HttpRequest) -> impl Future<Output = Result<Option<UserId>, ApiError>> + use<> {
    let state = req.app_data::<web::Data<ApiState>>().cloned();
    let signed =
        state.as_ref().zip(bearer(req)).and_then(|(state, token)| state.tokens.check(token));
    async move {
        let (Some(state), Some(signed)) = (state, signed) else { return Ok(None) };
        Ok(state.tokens.honoured(&state, &signed).await?.then_some(signed.user))
    }
}

/// A logged-in user; requests without a token that is valid and still honoured get 401.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub UserId);

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = user_of(req);
        Box::pin(async move { user.await?.map(AuthUser).ok_or_else(ApiError::unauthorized) })
    }
}

/// The user if the request carries a valid, honoured token; anonymous otherwise (as the
/// original's cart views, which treat any token they cannot use as none). The original front
/// end sends `Authorization: JWT undefined` when nobody is logged in: that is anonymous too.
#[derive(Debug, Clone, Copy)]
pub struct MaybeUser(pub Option<UserId>);

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = user_of(req);
        Box::pin(async move { Ok(MaybeUser(user.await?)) })
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
            token_stamp: "5f1e".into(),
        }
    }

    #[test]
    fn a_token_names_its_user_and_only_verifies_with_its_secret() {
        let tokens = Tokens::new(b"a secret of enough length for hs256", Duration::from_secs(60));
        let token = tokens.issue(&user()).unwrap();
        assert_eq!(tokens.check(&token), Some(Signed { user: UserId(7), stamp: "5f1e".into() }));
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

    #[test]
    fn a_remembered_token_still_expires_and_a_changed_one_is_checked_again() {
        let tokens = Tokens::new(b"a secret of enough length for hs256", Duration::from_secs(1))
            .with_memory(Duration::from_secs(60));
        let token = tokens.issue(&user()).unwrap();
        let signed = Some(Signed { user: UserId(7), stamp: "5f1e".into() });
        assert_eq!(tokens.check(&token), signed);
        assert_eq!(tokens.check(&token), signed, "the remembered verdict");
        assert_eq!(tokens.check(&format!("{token}x")), None);
        let other = Tokens::new(b"another secret of enough length!!!", Duration::from_secs(60))
            .with_memory(Duration::from_secs(60));
        assert_eq!(other.check(&token), None);
        std::thread::sleep(Duration::from_millis(2100));
        assert_eq!(tokens.check(&token), None, "remembered, but expired");
    }
}
