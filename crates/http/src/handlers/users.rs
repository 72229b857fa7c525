//! Accounts: availability checks, SMS codes, registration, login, profile.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use meiduo_application::accounts::{
    CaptchaAnswer, NewPassword, QqBinding, QqOutcome, Registration,
};
use meiduo_domain::{CaptchaId, Mobile, User, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::cookie_cart;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::ids::Id;
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

/// A captcha answer in the query string.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CaptchaQuery {
    /// The UUID the picture was drawn under (`GET /image_codes/<uuid>/`).
    #[param(value_type = String, required = true, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub image_code_id: Option<String>,
    /// The characters typed (case does not matter).
    #[param(value_type = String, required = true, pattern = r"^[0-9A-Za-z]{4}$")]
    pub text: Option<String>,
}

impl CaptchaQuery {
    fn answer(&self) -> Option<CaptchaAnswer> {
        Some(CaptchaAnswer {
            image_code_id: self.image_code_id.clone()?,
            text: self.text.clone().unwrap_or_default(),
        })
    }
}

/// An image captcha (PNG) for the UUID the client chose; its text is kept 5 minutes and can be
/// checked once.
#[utoipa::path(tag = "accounts", params(("image_code_id" = String, Path, description = "a UUID")),
    responses((status = 200, content_type = "image/png", description = "the picture"), (status = 404, body = ErrorBody)))]
#[get("/image_codes/{image_code_id}/")]
pub async fn image_code(
    state: web::Data<ApiState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = matching(path.into_inner(), |id| CaptchaId::parse(id).is_ok())?;
    let png = state.accounts.image_code(&id).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(png))
}

/// Sends a 6-digit code valid 5 minutes; once per number per 60 s. With the image code
/// (required unless the shop is configured otherwise).
#[utoipa::path(tag = "accounts", params(("mobile" = String, Path, pattern = "^1[3-9][0-9]{9}$"), CaptchaQuery),
    responses((status = 200, body = Message), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[get("/sms_codes/{mobile}/")]
pub async fn sms_code(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<String>,
    query: web::Query<CaptchaQuery>,
) -> Result<HttpResponse, ApiError> {
    let mobile = matching(path.into_inner(), mobile_pattern)?;
    let address = state.client_address(&req);
    state.accounts.send_sms_code(&mobile, query.answer().as_ref(), &address).await?;
    Ok(HttpResponse::Ok().json(Message { message: "OK" }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetStartJson {
    /// The account's mobile with the middle digits hidden: `138****8000`.
    pub mobile: String,
    /// Sends the reset code (`GET /sms_codes/?access_token=`); valid 5 minutes, once.
    pub access_token: String,
}

/// Password reset, step 1: the account (username or mobile) and a solved image code.
#[utoipa::path(tag = "accounts", params(("account" = String, Path), CaptchaQuery),
    responses((status = 200, body = ResetStartJson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/accounts/{account}/sms/token/")]
pub async fn start_reset(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    query: web::Query<CaptchaQuery>,
) -> Result<HttpResponse, ApiError> {
    let answer = query.answer().ok_or_else(|| {
        ApiError::field(ErrorCode::ImageCodeRequired, "image_code_id", "type the image code first")
    })?;
    let start = state.accounts.start_reset(&path.into_inner(), &answer).await?;
    Ok(HttpResponse::Ok()
        .json(ResetStartJson { mobile: start.masked_mobile, access_token: start.access_token }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AccessTokenQuery {
    #[param(value_type = String, required = true, min_length = 1)]
    pub access_token: Option<String>,
}

/// Password reset, step 2: sends the code to the account's mobile.
#[utoipa::path(tag = "accounts", params(AccessTokenQuery),
    responses((status = 200, body = Message), (status = 400, body = ErrorBody)))]
#[get("/sms_codes/")]
pub async fn send_reset_code(
    state: web::Data<ApiState>,
    query: web::Query<AccessTokenQuery>,
) -> Result<HttpResponse, ApiError> {
    state.accounts.send_reset_code(query.access_token.as_deref().unwrap_or("")).await?;
    Ok(HttpResponse::Ok().json(Message { message: "OK" }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SmsCodeQuery {
    #[param(value_type = String, required = true, pattern = r"^[0-9]{6}$")]
    pub sms_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetGrantJson {
    pub user_id: u64,
    /// Sets the password (`POST /users/<user_id>/password/`); valid 5 minutes, once.
    pub access_token: String,
}

/// Password reset, step 3: the code sent to the account's mobile.
#[utoipa::path(tag = "accounts", params(("account" = String, Path), SmsCodeQuery),
    responses((status = 200, body = ResetGrantJson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/accounts/{account}/password/token/")]
pub async fn grant_reset(
    state: web::Data<ApiState>,
    path: web::Path<String>,
    query: web::Query<SmsCodeQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = query.sms_code.as_deref().unwrap_or("");
    let grant = state.accounts.grant_reset(&path.into_inner(), code).await?;
    Ok(HttpResponse::Ok()
        .json(ResetGrantJson { user_id: grant.user.0, access_token: grant.access_token }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetPasswordBody {
    #[schema(min_length = 8, max_length = 20)]
    pub password: String,
    #[schema(min_length = 8, max_length = 20)]
    pub password2: String,
    pub access_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserIdJson {
    pub id: u64,
}

/// Password reset, step 4: the new password, with the token of step 3 (for this user).
#[utoipa::path(tag = "accounts", params(("user_id" = u64, Path)), request_body = ResetPasswordBody,
    responses((status = 200, body = UserIdJson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[post("/users/{user_id}/password/")]
pub async fn reset_password(
    state: web::Data<ApiState>,
    path: web::Path<Id>,
    body: web::Json<ResetPasswordBody>,
) -> Result<HttpResponse, ApiError> {
    let user = UserId(path.into_inner().0);
    let body = body.into_inner();
    let new = NewPassword { password: body.password, password2: body.password2 };
    state.accounts.reset_password(user, &body.access_token, new).await?;
    // The user's tokens of before are void: not even this process remembers them as good.
    state.tokens.forget(user);
    Ok(HttpResponse::Ok().json(UserIdJson { id: user.0 }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordBody {
    #[schema(max_length = 64)]
    pub old_password: String,
    #[schema(min_length = 8, max_length = 20)]
    pub password: String,
    #[schema(min_length = 8, max_length = 20)]
    pub password2: String,
}

/// The user's id, and the session's new token.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordChanged {
    pub id: u64,
    /// Replaces the token this request carried: a password change voids every token issued
    /// before (the user's other sessions are logged out).
    pub token: String,
}

/// A logged-in user changes the password, giving the old one (another user's id is 404). Every
/// token issued before is void; the answer carries this session's new one.
#[utoipa::path(tag = "accounts", security(("jwt" = [])), params(("user_id" = u64, Path)), request_body = ChangePasswordBody,
    responses((status = 200, body = PasswordChanged), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/users/{user_id}/password/")]
pub async fn change_password(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    body: web::Json<ChangePasswordBody>,
) -> Result<HttpResponse, ApiError> {
    if path.into_inner().0 != user.0.0 {
        return Err(ApiError::not_found("no such user"));
    }
    let body = body.into_inner();
    let new = NewPassword { password: body.password, password2: body.password2 };
    let changed = state.accounts.change_password(user.0, &body.old_password, new).await?;
    state.tokens.forget(user.0);
    let token = state.tokens.issue(&changed)?;
    Ok(HttpResponse::Ok().json(PasswordChanged { id: user.0.0, token }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterBody {
    #[schema(pattern = r"^[A-Za-z0-9_-]{5,20}$")]
    pub username: String,
    #[schema(min_length = 8, max_length = 20)]
    pub password: String,
    #[schema(min_length = 8, max_length = 20)]
    pub password2: String,
    #[schema(pattern = r"^1[3-9][0-9]{9}$")]
    pub mobile: String,
    #[schema(pattern = r"^[0-9]{6}$")]
    pub sms_code: String,
    /// The original front end sends `"true"`; a JSON boolean is accepted too.
    #[schema(value_type = String, pattern = "^true$")]
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
    #[schema(min_length = 1, max_length = 20)]
    pub username: String,
    #[schema(max_length = 64)]
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
    responses((status = 200, body = LoggedIn), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[post("/authorizations/")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let address = state.client_address(&req);
    let user: User = state.accounts.login(&body.username, &body.password, &address).await?;
    logged_in(&req, &state, user).await
}

/// The answer of every login: a token, the anonymous cart merged into the user's and its cookie
/// cleared.
async fn logged_in(
    req: &HttpRequest,
    state: &ApiState,
    user: User,
) -> Result<HttpResponse, ApiError> {
    let token = state.tokens.issue(&user)?;
    // The statistics count today's active shoppers by their logins; a login does not fail for it.
    if let Err(error) = state.admin.note_login(user.id).await {
        tracing::warn!(%error, "a login could not be noted for the statistics");
    }
    let anonymous = cookie_cart::read(req, &state.cookie_key, state.carts.limit());
    let mut response = HttpResponse::Ok();
    if !anonymous.cart.is_empty() {
        state.carts.merge(user.id, &anonymous.cart).await?;
    }
    if req.cookie(cookie_cart::COOKIE_NAME).is_some() {
        response.cookie(cookie_cart::clear(state.secure_cookies()));
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

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailBody {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailJson {
    pub id: u64,
    pub email: String,
}

/// Sets the logged-in user's email (not verified until the mailed link is opened); the mail
/// leaves from the outbox.
#[utoipa::path(tag = "accounts", security(("jwt" = [])), request_body = EmailBody,
    responses((status = 200, body = EmailJson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
#[put("/email/")]
pub async fn set_email(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    let email = state.accounts.set_email(user.0, &body.email).await?;
    Ok(HttpResponse::Ok().json(EmailJson { id: user.0.0, email: email.as_str().to_owned() }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TokenQuery {
    #[param(value_type = String, required = true, min_length = 1)]
    pub token: Option<String>,
}

/// Verifies an email with the token of the mailed link (while it is still the user's email).
#[utoipa::path(tag = "accounts", params(TokenQuery),
    responses((status = 200, body = Message), (status = 400, body = ErrorBody)))]
#[get("/emails/verification/")]
pub async fn verify_email(
    state: web::Data<ApiState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    let token = query.token.as_deref().filter(|t| !t.is_empty()).ok_or_else(|| {
        ApiError::field(ErrorCode::InvalidToken, "token", "the link has no token")
    })?;
    state.accounts.verify_email(token).await?;
    Ok(HttpResponse::Ok().json(Message { message: "OK" }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NextQuery {
    /// Where the front end returns after the login (`/` when absent).
    pub next: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QqLoginUrl {
    pub login_url: String,
}

/// QQ's login page, for the browser to open.
#[utoipa::path(tag = "accounts", params(NextQuery), responses((status = 200, body = QqLoginUrl)))]
#[get("/oauth/qq/authorization/")]
pub async fn qq_login_url(
    state: web::Data<ApiState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, ApiError> {
    let login_url = state.accounts.qq_login_url(query.next.as_deref());
    Ok(HttpResponse::Ok().json(QqLoginUrl { login_url }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CodeQuery {
    /// The code QQ gave the front end's callback page.
    #[param(value_type = String, required = true, min_length = 1, max_length = 256)]
    pub code: Option<String>,
}

/// The token to bind a QQ account that is bound to no shop account yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct QqBindToken {
    pub access_token: String,
}

/// A QQ login code: logs in the bound account (`{token, user_id, username}`, the anonymous cart
/// merged), or answers `{access_token}` to bind the QQ account first.
#[utoipa::path(tag = "accounts", params(CodeQuery),
    responses((status = 200, body = LoggedIn), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[get("/oauth/qq/user/")]
pub async fn qq_user(
    req: HttpRequest,
    state: web::Data<ApiState>,
    query: web::Query<CodeQuery>,
) -> Result<HttpResponse, ApiError> {
    match state.accounts.qq_user(query.code.as_deref().unwrap_or("")).await? {
        QqOutcome::LoggedIn(user) => logged_in(&req, &state, user).await,
        QqOutcome::Unbound { access_token } => {
            Ok(HttpResponse::Ok().json(QqBindToken { access_token }))
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct QqBindBody {
    #[schema(pattern = r"^1[3-9][0-9]{9}$")]
    pub mobile: String,
    #[schema(min_length = 8, max_length = 20)]
    pub password: String,
    #[schema(pattern = r"^[0-9]{6}$")]
    pub sms_code: String,
    pub access_token: String,
}

/// Binds the QQ account of the token to the account of this mobile (password checked) or to a
/// new one, and logs in.
#[utoipa::path(tag = "accounts", request_body = QqBindBody,
    responses((status = 200, body = LoggedIn), (status = 400, body = ErrorBody)))]
#[post("/oauth/qq/user/")]
pub async fn bind_qq(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: web::Json<QqBindBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user = state
        .accounts
        .bind_qq(QqBinding {
            mobile: body.mobile,
            password: body.password,
            sms_code: body.sms_code,
            access_token: body.access_token,
        })
        .await?;
    logged_in(&req, &state, user).await
}
