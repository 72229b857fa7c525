//! Accounts: availability checks, SMS codes, registration, login, profile.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use meiduo_application::accounts::Registration;
use meiduo_domain::{Mobile, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::cookie_cart;
use crate::error::{ApiError, ErrorBody};
use crate::state::ApiState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UsernameCount {
    pub username: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MobileCount {
    pub mobile: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Message {
    pub message: &'static str,
}

/// The original's URL patterns: a value they do not match is a path that does not exist (404).
fn matching(value: String, pattern: fn(&str) -> bool) -> Result<String, ApiError> {
    if pattern(&value) { Ok(value) } else { Err(ApiError::not_found("no such endpoint")) }
}

/// `[A-Za-z0-9_-]{5,20}`: the original's `\w{5,20}` within what our usernames may hold.
fn username_pattern(value: &str) -> bool {
    (5..=20).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `1[3-9]\d{9}`.
fn mobile_pattern(value: &str) -> bool {
    Mobile::parse(value).is_ok()
}

/// How many users have this username (0 or 1).
#[utoipa::path(tag = "accounts", params(("username" = String, Path, pattern = "^[A-Za-z0-9_-]{5,20}$")),
    responses((status = 200, body = UsernameCount), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/usernames/{username}/count/")]
pub async fn username_count(
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let username = matching(path.into_inner(), username_pattern)?;
    let count = state.accounts.username_count(&username).await?;
    Ok(HttpResponse::Ok().json(UsernameCount { username, count }))
}

/// How many users have this mobile number (0 or 1).
#[utoipa::path(tag = "accounts", params(("mobile" = String, Path, pattern = "^1[3-9][0-9]{9}$")),
    responses((status = 200, body = MobileCount), (status = 404, body = ErrorBody)))]
#[get("/mobiles/{mobile}/count/")]
pub async fn mobile_count(
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mobile = matching(path.into_inner(), mobile_pattern)?;
    let count = state.accounts.mobile_count(&mobile).await?;
    Ok(HttpResponse::Ok().json(MobileCount { mobile, count }))
}

/// Sends a 6-digit code valid 5 minutes; once per number per 60 s.
#[utoipa::path(tag = "accounts", params(("mobile" = String, Path, pattern = "^1[3-9][0-9]{9}$")),
    responses((status = 200, body = Message), (status = 400, body = ErrorBody)))]
#[get("/sms_codes/{mobile}/")]
pub async fn sms_code(
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.accounts.send_sms_code(&matching(path.into_inner(), mobile_pattern)?).await?;
    Ok(HttpResponse::Ok().json(Message { message: "OK" }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterBody {
    pub username: String,
    pub password: String,
    pub password2: String,
    pub mobile: String,
    pub sms_code: String,
    /// The original front end sends `"true"`; a JSON boolean is accepted too.
    #[schema(value_type = String)]
    pub allow: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub id: u64,
    pub username: String,
    pub mobile: String,
    pub token: String,
}

/// Registers a user.
#[utoipa::path(tag = "accounts", request_body = RegisterBody,
    responses((status = 201, body = Registered), (status = 400, body = ErrorBody)))]
#[post("/users/")]
pub async fn register(
    state: web::Data<ApiState>,
    body: web::Json<RegisterBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let allow = matches!(&body.allow, serde_json::Value::Bool(true))
        || matches!(&body.allow, serde_json::Value::String(s) if s == "true");
    let user = state
        .accounts
        .register(Registration {
            username: body.username,
            password: body.password,
            password2: body.password2,
            mobile: body.mobile,
            sms_code: body.sms_code,
            allow,
        })
        .await?;
    let token = state.tokens.issue(&user)?;
    Ok(HttpResponse::Created().json(Registered {
        id: user.id.0,
        username: user.username,
        mobile: user.mobile,
        token,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginBody {
    /// A username or a mobile number.
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedIn {
    pub token: String,
    pub user_id: u64,
    pub username: String,
}

/// Logs in with a username or mobile number; merges the anonymous cart into the user's.
#[utoipa::path(tag = "accounts", request_body = LoginBody,
    responses((status = 200, body = LoggedIn), (status = 400, body = ErrorBody)))]
#[post("/authorizations/")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let user: User = state.accounts.login(&body.username, &body.password).await?;
    let token = state.tokens.issue(&user)?;
    let anonymous = cookie_cart::read(&req, &state.cookie_key, state.carts.limit());
    let mut response = HttpResponse::Ok();
    if !anonymous.cart.is_empty() {
        state.carts.merge(user.id, &anonymous.cart).await?;
    }
    if req.cookie(cookie_cart::COOKIE_NAME).is_some() {
        response.cookie(cookie_cart::clear());
    }
    Ok(response.json(LoggedIn { token, user_id: user.id.0, username: user.username }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Profile {
    pub id: u64,
    pub username: String,
    pub mobile: String,
    /// Empty until the user sets one.
    pub email: String,
    pub email_active: bool,
}

/// The logged-in user's profile.
#[utoipa::path(tag = "accounts", security(("jwt" = [])),
    responses((status = 200, body = Profile), (status = 401, body = ErrorBody)))]
#[get("/user/")]
pub async fn profile(state: web::Data<ApiState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let user = state.accounts.profile(user.0).await?;
    Ok(HttpResponse::Ok().json(Profile {
        id: user.id.0,
        username: user.username,
        mobile: user.mobile,
        email: user.email.unwrap_or_default(),
        email_active: user.email_active,
    }))
}
