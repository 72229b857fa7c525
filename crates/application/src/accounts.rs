//! Registration, login, profiles, SMS codes and image captchas, password change and reset.

use std::sync::Arc;
use std::time::Duration;

use meiduo_domain::ports::{
    BindError, CaptchaPainter, CodeCheck, CodeKey, CreateUserError, DrawnCaptcha, Message,
    OAuthError, Outbox, PasswordHasher, QqBindings, QqOAuth, RateLimits, SignedTokens, StoreError,
    TokenClaims, TokenPurpose, UserRepository, VerificationCodes,
};
use meiduo_domain::{
    AccountFieldError, CaptchaId, Email, Mobile, NewUser, Password, SmsCode, User, UserId, Username,
};
use rand::Rng;

use crate::errors::ServiceFailure;

/// Why an account request failed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("{field}: {source}")]
    InvalidField { field: &'static str, source: AccountFieldError },
    #[error("the two passwords differ")]
    PasswordsDiffer,
    #[error("the user agreement must be accepted")]
    AgreementRequired,
    #[error("the SMS code is wrong or expired")]
    WrongSmsCode,
    #[error("the image code is wrong")]
    WrongCaptcha,
    #[error("the image code expired or was used; ask for a new one")]
    CaptchaExpired,
    #[error("type the image code first")]
    CaptchaRequired,
    #[error("the access token is invalid, expired, used, or not for this")]
    InvalidToken,
    #[error("the old password is wrong")]
    WrongPassword,
    #[error("no such account")]
    AccountNotFound,
    #[error("QQ refused the login code; log in with QQ again")]
    QqRefused,
    #[error("too many attempts; try again in {} s", retry_after.as_secs().max(1))]
    TooManyAttempts { retry_after: Duration },
    #[error("this QQ account is bound to a shop account already")]
    QqBound,
    #[error("an SMS code was sent to this number less than a minute ago")]
    TooSoon,
    #[error("the username is taken")]
    UsernameTaken,
    #[error("the mobile number is registered already")]
    MobileTaken,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("no such user")]
    NotFound,
    #[error(transparent)]
    Failure(#[from] ServiceFailure),
}

impl From<StoreError> for AccountError {
    fn from(value: StoreError) -> Self {
        AccountError::Failure(value.into())
    }
}

/// A registration as the client sent it.
#[derive(Debug, Clone)]
pub struct Registration {
    pub username: String,
    pub password: String,
    pub password2: String,
    pub mobile: String,
    pub sms_code: String,
    pub allow: bool,
}

/// SMS codes, captchas and the tokens of the password reset.
#[derive(Debug, Clone, Copy)]
pub struct SmsPolicy {
    /// How long a code is valid (5 minutes).
    pub ttl: Duration,
    /// How long before another code may be sent to the same number (60 s).
    pub interval: Duration,
    /// Wrong tries that kill a code (5).
    pub max_wrong: u32,
    /// Whether `GET /sms_codes/<mobile>/` needs a solved image captcha.
    pub captcha_required: bool,
    /// How long a captcha's text is kept (5 minutes).
    pub captcha_ttl: Duration,
    /// How long the tokens of the password reset are valid (5 minutes).
    pub token_ttl: Duration,
    /// How long an email verification link works (24 hours).
    pub email_link_ttl: Duration,
    /// How long a QQ identity waits to be bound (10 minutes).
    pub qq_bind_ttl: Duration,
    /// Failed logins and SMS sends allowed per window.
    pub throttle: Throttle,
}

/// How many failed logins and SMS sends are allowed.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    /// Failed logins of one account per window (5).
    pub logins_per_account: u32,
    /// Failed logins from one client address per window (20).
    pub logins_per_address: u32,
    /// The window of failed logins (15 minutes).
    pub login_window: Duration,
    /// SMS codes asked from one client address per window (10).
    pub sms_per_address: u32,
    /// The window of SMS codes per address (1 hour).
    pub sms_window: Duration,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            logins_per_account: 5,
            logins_per_address: 20,
            login_window: Duration::from_secs(15 * 60),
            sms_per_address: 10,
            sms_window: Duration::from_secs(3600),
        }
    }
}

impl Default for SmsPolicy {
    fn default() -> Self {
        SmsPolicy {
            ttl: Duration::from_secs(300),
            interval: Duration::from_secs(60),
            max_wrong: 5,
            captcha_required: true,
            captcha_ttl: Duration::from_secs(300),
            token_ttl: Duration::from_secs(300),
            email_link_ttl: Duration::from_secs(24 * 3600),
            qq_bind_ttl: Duration::from_secs(600),
            throttle: Throttle::default(),
        }
    }
}

/// An answer to an image captcha: the id the client drew it under, and the text typed.
#[derive(Debug, Clone)]
pub struct CaptchaAnswer {
    pub image_code_id: String,
    pub text: String,
}

/// What the first step of a password reset answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetStart {
    /// The account's mobile with its middle four digits hidden: `138****8000`.
    pub masked_mobile: String,
    /// A token that sends the reset code to that mobile.
    pub access_token: String,
}

/// What the second step answers: a token that sets the password of `user`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetGrant {
    pub user: UserId,
    pub access_token: String,
}

/// A new password as the client sent it, twice.
#[derive(Debug, Clone)]
pub struct NewPassword {
    pub password: String,
    pub password2: String,
}

/// The ports the account use cases need.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct AccountPorts {
    pub users: Arc<dyn UserRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub codes: Arc<dyn VerificationCodes>,
    /// SMS and mail leave through the outbox.
    pub outbox: Arc<dyn Outbox>,
    pub captchas: Arc<dyn CaptchaPainter>,
    pub tokens: Arc<dyn SignedTokens>,
    pub qq: Arc<dyn QqOAuth>,
    pub qq_bindings: Arc<dyn QqBindings>,
    pub limits: Arc<dyn RateLimits>,
}

/// What a QQ login code leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QqOutcome {
    /// The QQ identity is bound: this account logs in.
    LoggedIn(User),
    /// It is not: a token that binds it (`POST /oauth/qq/user/`), valid 10 minutes, once.
    Unbound { access_token: String },
}

/// The binding form: an existing account's mobile and password, or a new account's.
#[derive(Debug, Clone)]
pub struct QqBinding {
    pub mobile: String,
    pub password: String,
    pub sms_code: String,
    pub access_token: String,
}

fn mask(mobile: &str) -> String {
    let chars: Vec<char> = mobile.chars().collect();
    if chars.len() == 11 {
        format!(
            "{}****{}",
            chars[..3].iter().collect::<String>(),
            chars[7..].iter().collect::<String>()
        )
    } else {
        "*".repeat(chars.len())
    }
}

/// The account use cases.
pub struct Accounts {
    ports: AccountPorts,
    policy: SmsPolicy,
    /// A hash to check passwords against when the account does not exist, so that unknown and
    /// known accounts answer in the same time (made by the first such login).
    decoy_hash: std::sync::OnceLock<String>,
    /// The front end's page that verifies an email; the link adds `?token=`.
    email_verify_url: String,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts").field("policy", &self.policy).finish_non_exhaustive()
    }
}

fn field<T>(name: &'static str, parsed: Result<T, AccountFieldError>) -> Result<T, AccountError> {
    parsed.map_err(|source| AccountError::InvalidField { field: name, source })
}

impl Accounts {
    pub fn new(ports: AccountPorts, policy: SmsPolicy, email_verify_url: String) -> Self {
        Accounts { ports, policy, decoy_hash: std::sync::OnceLock::new(), email_verify_url }
    }

    /// Refuses while any of these counters is at its limit.
    async fn refuse_if_over(&self, counters: &[(&str, u32)]) -> Result<(), AccountError> {
        for (key, max) in counters {
            if let Some((count, left)) = self.ports.limits.peek(key).await?
                && count >= *max
            {
                return Err(AccountError::TooManyAttempts { retry_after: left });
            }
        }
        Ok(())
    }

    /// The hash an unknown account's password is checked against.
    async fn decoy_hash(&self) -> Result<String, AccountError> {
        if let Some(hash) = self.decoy_hash.get() {
            return Ok(hash.clone());
        }
        let hash = self
            .ports
            .hasher
            .hash("no account has this password")
            .await
            .map_err(|cause| AccountError::Failure(ServiceFailure::Unexpected(cause)))?;
        Ok(self.decoy_hash.get_or_init(|| hash).clone())
    }

    /// QQ's login page, coming back with `next` (`/` when absent) as the state.
    pub fn qq_login_url(&self, next: Option<&str>) -> String {
        self.ports.qq.login_url(next.filter(|n| !n.is_empty()).unwrap_or("/"))
    }

    /// The account a QQ login code belongs to, or a token to bind the QQ identity to one.
    #[tracing::instrument(name = "accounts.qq_user", skip_all)]
    pub async fn qq_user(&self, code: &str) -> Result<QqOutcome, AccountError> {
        if code.is_empty() || code.len() > 256 {
            return Err(AccountError::InvalidField {
                field: "code",
                source: AccountFieldError::OAuthCode,
            });
        }
        let openid = self.ports.qq.openid(code).await.map_err(|error| match error {
            OAuthError::Refused(reason) => {
                tracing::info!(%reason, "QQ refused a login code");
                AccountError::QqRefused
            }
            OAuthError::Unavailable(cause) => {
                AccountError::Failure(ServiceFailure::Unavailable(cause))
            }
        })?;
        match self.ports.qq_bindings.user_of(&openid).await? {
            Some(id) => {
                let user = self.ports.users.find(id).await?.ok_or(AccountError::AccountNotFound)?;
                Ok(QqOutcome::LoggedIn(user))
            }
            None => {
                let access_token = self
                    .ports
                    .tokens
                    .sign(TokenPurpose::BindQq, &openid, self.policy.qq_bind_ttl)
                    .map_err(|cause| AccountError::Failure(ServiceFailure::Unexpected(cause)))?;
                Ok(QqOutcome::Unbound { access_token })
            }
        }
    }

    /// Binds the QQ identity of a token to the account of this mobile (its password checked),
    /// or to a new account of this mobile and password (named after the mobile); the SMS code
    /// proves the mobile. The token works once.
    #[tracing::instrument(name = "accounts.bind_qq", skip_all)]
    pub async fn bind_qq(&self, form: QqBinding) -> Result<User, AccountError> {
        let mobile = field("mobile", Mobile::parse(&form.mobile))?;
        let password = field("password", Password::parse(&form.password))?;
        let code = field("sms_code", SmsCode::parse(&form.sms_code))?;
        if self.ports.tokens.verify(TokenPurpose::BindQq, &form.access_token).is_none() {
            return Err(AccountError::InvalidToken);
        }
        self.check_sms_code(&mobile, &code).await?;
        let user = match self.ports.users.find_credentials(mobile.as_str()).await? {
            Some((user, hash)) if user.mobile == mobile.as_str() => {
                if !self.ports.hasher.verify(password.expose(), &hash).await {
                    return Err(AccountError::BadCredentials);
                }
                user
            }
            _ => {
                let password_hash =
                    self.ports.hasher.hash(password.expose()).await.map_err(|cause| {
                        AccountError::Failure(ServiceFailure::Unexpected(cause))
                    })?;
                let new = NewUser {
                    username: Username::of_mobile(&mobile),
                    mobile,
                    password_hash,
                    token_stamp: new_token_stamp(),
                };
                self.ports.users.create(&new).await.map_err(|e| match e {
                    CreateUserError::MobileTaken | CreateUserError::UsernameTaken => {
                        AccountError::MobileTaken
                    }
                    CreateUserError::Store(error) => error.into(),
                })?
            }
        };
        let claims = self.redeem(TokenPurpose::BindQq, &form.access_token).await?;
        self.ports.qq_bindings.bind(&claims.subject, user.id).await.map_err(|e| match e {
            BindError::AlreadyBound => AccountError::QqBound,
            BindError::Store(error) => error.into(),
        })?;
        Ok(user)
    }

    /// Sets the user's email (not yet verified) and queues a mail with a link that verifies
    /// it, in one transaction; the mail leaves from the outbox.
    #[tracing::instrument(name = "accounts.set_email", skip_all, fields(user_id = %user))]
    pub async fn set_email(&self, user: UserId, email: &str) -> Result<Email, AccountError> {
        let email = field("email", Email::parse(email))?;
        let token = self
            .ports
            .tokens
            .sign(
                TokenPurpose::VerifyEmail,
                &format!("{}:{}", user.0, email.as_str()),
                self.policy.email_link_ttl,
            )
            .map_err(|cause| AccountError::Failure(ServiceFailure::Unexpected(cause)))?;
        let link = format!("{}?token={token}", self.email_verify_url);
        let mail = Message::VerifyEmail { to: email.as_str().to_owned(), link };
        if self.ports.users.change_email(user, email.as_str(), &mail).await? {
            Ok(email)
        } else {
            Err(AccountError::NotFound)
        }
    }

    /// Verifies the email a link names, if it is still the user's.
    #[tracing::instrument(name = "accounts.verify_email", skip_all)]
    pub async fn verify_email(&self, token: &str) -> Result<(), AccountError> {
        let claims = self
            .ports
            .tokens
            .verify(TokenPurpose::VerifyEmail, token)
            .ok_or(AccountError::InvalidToken)?;
        let (id, email) = claims.subject.split_once(':').ok_or(AccountError::InvalidToken)?;
        let id = id.parse().map_err(|_| AccountError::InvalidToken)?;
        if self.ports.users.verify_email(UserId(id), email).await? {
            Ok(())
        } else {
            Err(AccountError::InvalidToken)
        }
    }

    /// Draws a captcha for the id the client chose and keeps its text for 5 minutes (a new
    /// picture under the same id replaces the old text).
    #[tracing::instrument(name = "accounts.image_code", skip_all)]
    pub async fn image_code(&self, image_code_id: &str) -> Result<Vec<u8>, AccountError> {
        let id = field("image_code_id", CaptchaId::parse(image_code_id))?;
        let DrawnCaptcha { text, png } = self
            .ports
            .captchas
            .draw()
            .await
            .map_err(|cause| AccountError::Failure(ServiceFailure::Unexpected(cause)))?;
        let stored = self
            .ports
            .codes
            .store_if_quiet(&CodeKey::Captcha(id), &text, self.policy.captcha_ttl, Duration::ZERO)
            .await?;
        if !stored {
            return Err(AccountError::TooSoon);
        }
        Ok(png)
    }

    /// Checks an answer to a captcha; the captcha is used up whatever the answer (case does not
    /// matter).
    async fn solve_captcha(&self, answer: &CaptchaAnswer) -> Result<(), AccountError> {
        let id = field("image_code_id", CaptchaId::parse(&answer.image_code_id))?;
        match self.ports.codes.take(&CodeKey::Captcha(id)).await? {
            None => Err(AccountError::CaptchaExpired),
            Some(text) if text.eq_ignore_ascii_case(answer.text.trim()) => Ok(()),
            Some(_) => Err(AccountError::WrongCaptcha),
        }
    }

    /// Stores and sends a fresh code to `mobile`, at most once per interval.
    async fn send_code_to(&self, mobile: &Mobile) -> Result<(), AccountError> {
        let code = SmsCode::from_number(rand::rng().random_range(0..1_000_000));
        let stored = self
            .ports
            .codes
            .store_if_quiet(
                &CodeKey::Sms(mobile.clone()),
                code.as_str(),
                self.policy.ttl,
                self.policy.interval,
            )
            .await
            .map_err(ServiceFailure::from)?;
        if !stored {
            return Err(AccountError::TooSoon);
        }
        let valid_minutes = self.policy.ttl.as_secs().div_ceil(60);
        let message = Message::SmsCode { mobile: mobile.clone(), code, valid_minutes };
        if let Err(error) = self.ports.outbox.enqueue(&message).await {
            // The code and its message are two stores (Redis and the database cannot share a
            // transaction): a code whose message could not be queued is taken back, so that the
            // client may ask again at once instead of waiting out the interval for nothing.
            if let Err(undo) = self.ports.codes.withdraw(&CodeKey::Sms(mobile.clone())).await {
                tracing::warn!(error = %undo, "an SMS code without its message could not be taken back");
            }
            return Err(error.into());
        }
        Ok(())
    }

    /// Whether `code` is `mobile`'s code; a wrong one is counted and the fifth kills the code.
    async fn check_sms_code(&self, mobile: &Mobile, code: &SmsCode) -> Result<(), AccountError> {
        let key = CodeKey::Sms(mobile.clone());
        match self.ports.codes.check(&key, code.as_str(), self.policy.max_wrong).await? {
            CodeCheck::Matched => Ok(()),
            CodeCheck::Wrong | CodeCheck::Missing => Err(AccountError::WrongSmsCode),
        }
    }

    /// The claims of an unused token for `purpose`, which is marked used.
    async fn redeem(
        &self,
        purpose: TokenPurpose,
        token: &str,
    ) -> Result<TokenClaims, AccountError> {
        let claims = self.ports.tokens.verify(purpose, token).ok_or(AccountError::InvalidToken)?;
        let first_use = self
            .ports
            .codes
            .store_if_quiet(
                &CodeKey::UsedToken(claims.id.clone()),
                "1",
                claims.remaining,
                claims.remaining,
            )
            .await?;
        if first_use { Ok(claims) } else { Err(AccountError::InvalidToken) }
    }

    fn sign(&self, purpose: TokenPurpose, user: UserId) -> Result<String, AccountError> {
        self.ports
            .tokens
            .sign(purpose, &user.0.to_string(), self.policy.token_ttl)
            .map_err(|cause| AccountError::Failure(ServiceFailure::Unexpected(cause)))
    }

    /// The active user whose username or mobile is `account`.
    async fn account(&self, account: &str) -> Result<User, AccountError> {
        if account.is_empty() || account.len() > 20 {
            return Err(AccountError::AccountNotFound);
        }
        let (user, _) = self
            .ports
            .users
            .find_credentials(account)
            .await?
            .ok_or(AccountError::AccountNotFound)?;
        Ok(user)
    }

    /// Reset, step 1: a solved captcha and an account give the masked mobile and a token that
    /// sends the reset code there.
    #[tracing::instrument(name = "accounts.start_reset", skip_all)]
    pub async fn start_reset(
        &self,
        account: &str,
        captcha: &CaptchaAnswer,
    ) -> Result<ResetStart, AccountError> {
        self.solve_captcha(captcha).await?;
        let user = self.account(account).await?;
        Ok(ResetStart {
            masked_mobile: mask(&user.mobile),
            access_token: self.sign(TokenPurpose::SendResetCode, user.id)?,
        })
    }

    /// Reset, step 2: the token of step 1 sends a code to the account's mobile (once).
    #[tracing::instrument(name = "accounts.send_reset_code", skip_all)]
    pub async fn send_reset_code(&self, access_token: &str) -> Result<(), AccountError> {
        let claims = self.redeem(TokenPurpose::SendResetCode, access_token).await?;
        let user = self.token_user(&claims).await?;
        let mobile = Mobile::parse(&user.mobile)
            .map_err(|_| ServiceFailure::unexpected("a stored mobile number is malformed"))?;
        self.send_code_to(&mobile).await
    }

    /// Reset, step 3: the account and the code sent to its mobile give a token that sets the
    /// password.
    #[tracing::instrument(name = "accounts.grant_reset", skip_all)]
    pub async fn grant_reset(
        &self,
        account: &str,
        sms_code: &str,
    ) -> Result<ResetGrant, AccountError> {
        let code = field("sms_code", SmsCode::parse(sms_code))?;
        let user = self.account(account).await?;
        let mobile = Mobile::parse(&user.mobile)
            .map_err(|_| ServiceFailure::unexpected("a stored mobile number is malformed"))?;
        self.check_sms_code(&mobile, &code).await?;
        Ok(ResetGrant {
            user: user.id,
            access_token: self.sign(TokenPurpose::ResetPassword, user.id)?,
        })
    }

    /// Reset, step 4: the token of step 3, for this user, sets the new password (once).
    #[tracing::instrument(name = "accounts.reset_password", skip_all, fields(user_id = %user))]
    pub async fn reset_password(
        &self,
        user: UserId,
        access_token: &str,
        new: NewPassword,
    ) -> Result<(), AccountError> {
        let password = self.new_password(&new)?;
        // Another user's token is refused before it is used up.
        let theirs = self
            .ports
            .tokens
            .verify(TokenPurpose::ResetPassword, access_token)
            .is_some_and(|claims| claims.subject != user.0.to_string());
        if theirs {
            return Err(AccountError::InvalidToken);
        }
        self.redeem(TokenPurpose::ResetPassword, access_token).await?;
        self.store_password(user, &password).await
    }

    /// A logged-in user changes the password, giving the old one. Every token of the user's
    /// is then void; the user as now stored (with the new stamp, for this session's new token)
    /// is returned.
    #[tracing::instrument(name = "accounts.change_password", skip_all, fields(user_id = %user))]
    pub async fn change_password(
        &self,
        user: UserId,
        old_password: &str,
        new: NewPassword,
    ) -> Result<User, AccountError> {
        let password = self.new_password(&new)?;
        let hash = self.ports.users.password_hash(user).await?.ok_or(AccountError::NotFound)?;
        if old_password.len() > 64 || !self.ports.hasher.verify(old_password, &hash).await {
            return Err(AccountError::WrongPassword);
        }
        self.store_password(user, &password).await?;
        self.ports.users.find(user).await?.ok_or(AccountError::NotFound)
    }

    /// The stamp `user`'s login tokens must carry to be honoured; `None` when there is no such
    /// active user.
    pub async fn token_stamp(&self, user: UserId) -> Result<Option<String>, AccountError> {
        Ok(self.ports.users.token_stamp(user).await?)
    }

    /// The stamps of those of `users` that are active, read together; a user left out has
    /// none (see [`token_stamp`](Self::token_stamp)).
    pub async fn token_stamps(
        &self,
        users: &[UserId],
    ) -> Result<Vec<(UserId, String)>, AccountError> {
        Ok(self.ports.users.token_stamps(users).await?)
    }

    fn new_password(&self, new: &NewPassword) -> Result<Password, AccountError> {
        let password = field("password", Password::parse(&new.password))?;
        if new.password != new.password2 {
            return Err(AccountError::PasswordsDiffer);
        }
        Ok(password)
    }

    async fn store_password(&self, user: UserId, password: &Password) -> Result<(), AccountError> {
        let hash = self
            .ports
            .hasher
            .hash(password.expose())
            .await
            .map_err(|cause| AccountError::Failure(ServiceFailure::Unexpected(cause)))?;
        if self.ports.users.set_password(user, &hash, &new_token_stamp()).await? {
            Ok(())
        } else {
            Err(AccountError::AccountNotFound)
        }
    }

    async fn token_user(&self, claims: &TokenClaims) -> Result<User, AccountError> {
        let id = claims.subject.parse().map_err(|_| AccountError::InvalidToken)?;
        self.ports.users.find(UserId(id)).await?.ok_or(AccountError::InvalidToken)
    }

    /// How many users have this username (0 or 1).
    #[tracing::instrument(name = "accounts.username_count", skip_all)]
    pub async fn username_count(&self, username: &str) -> Result<u64, AccountError> {
        let username = field("username", Username::parse(username))?;
        Ok(self.ports.users.count_username(username.as_str()).await?)
    }

    /// How many users have this mobile number (0 or 1).
    #[tracing::instrument(name = "accounts.mobile_count", skip_all)]
    pub async fn mobile_count(&self, mobile: &str) -> Result<u64, AccountError> {
        let mobile = field("mobile", Mobile::parse(mobile))?;
        Ok(self.ports.users.count_mobile(mobile.as_str()).await?)
    }

    /// Sends a fresh 6-digit code to `mobile`, at most once per interval, after checking the
    /// answer to an image captcha (required when the policy says so).
    #[tracing::instrument(name = "accounts.send_sms_code", skip_all)]
    pub async fn send_sms_code(
        &self,
        mobile: &str,
        captcha: Option<&CaptchaAnswer>,
        address: &str,
    ) -> Result<(), AccountError> {
        let mobile = field("mobile", Mobile::parse(mobile))?;
        let t = self.policy.throttle;
        let address_key = format!("sms_ip:{address}");
        self.refuse_if_over(&[(&address_key, t.sms_per_address)]).await?;
        self.ports.limits.hit(&address_key, t.sms_window).await?;
        match captcha {
            Some(answer) => self.solve_captcha(answer).await?,
            None if self.policy.captcha_required => return Err(AccountError::CaptchaRequired),
            None => {}
        }
        self.send_code_to(&mobile).await
    }

    /// Registers a user after checking every field and the SMS code; the code is consumed.
    #[tracing::instrument(name = "accounts.register", skip_all)]
    pub async fn register(&self, form: Registration) -> Result<User, AccountError> {
        let username = field("username", Username::parse(&form.username))?;
        let password = field("password", Password::parse(&form.password))?;
        if form.password != form.password2 {
            return Err(AccountError::PasswordsDiffer);
        }
        let mobile = field("mobile", Mobile::parse(&form.mobile))?;
        let code = field("sms_code", SmsCode::parse(&form.sms_code))?;
        if !form.allow {
            return Err(AccountError::AgreementRequired);
        }
        if self.ports.users.count_username(username.as_str()).await? > 0 {
            return Err(AccountError::UsernameTaken);
        }
        if self.ports.users.count_mobile(mobile.as_str()).await? > 0 {
            return Err(AccountError::MobileTaken);
        }
        self.check_sms_code(&mobile, &code).await?;
        let password_hash = self
            .ports
            .hasher
            .hash(password.expose())
            .await
            .map_err(|cause| AccountError::Failure(ServiceFailure::Unexpected(cause)))?;
        let new = NewUser { username, mobile, password_hash, token_stamp: new_token_stamp() };
        self.ports.users.create(&new).await.map_err(|e| match e {
            CreateUserError::MobileTaken => AccountError::MobileTaken,
            CreateUserError::UsernameTaken => AccountError::UsernameTaken,
            CreateUserError::Store(error) => error.into(),
        })
    }

    /// Checks a username-or-mobile and password, from the client at `address`. The same error,
    /// in the same time, whichever of the two is wrong; failures are counted per account and per
    /// address, and past the limit the login is refused until the window ends.
    #[tracing::instrument(name = "accounts.login", skip_all)]
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        address: &str,
    ) -> Result<User, AccountError> {
        if login.is_empty() || login.len() > 20 || password.len() > 64 {
            return Err(AccountError::BadCredentials);
        }
        let t = self.policy.throttle;
        let account_key = format!("login_user:{}", login.to_lowercase());
        let address_key = format!("login_ip:{address}");
        self.refuse_if_over(&[
            (&account_key, t.logins_per_account),
            (&address_key, t.logins_per_address),
        ])
        .await?;
        let found = self.ports.users.find_credentials(login).await?;
        let hash = match &found {
            Some((_, hash)) => hash.clone(),
            None => self.decoy_hash().await?,
        };
        let verified = self.ports.hasher.verify(password, &hash).await;
        match found {
            Some((user, _)) if verified => {
                self.ports.limits.clear(&account_key).await?;
                Ok(user)
            }
            _ => {
                self.ports.limits.hit(&account_key, t.login_window).await?;
                self.ports.limits.hit(&address_key, t.login_window).await?;
                Err(AccountError::BadCredentials)
            }
        }
    }

    #[tracing::instrument(name = "accounts.profile", skip_all, fields(user_id = %user))]
    pub async fn profile(&self, user: UserId) -> Result<User, AccountError> {
        self.ports.users.find(user).await?.ok_or(AccountError::NotFound)
    }
}

/// A new, unguessable stamp for a user's tokens (128 bits from the thread's CSPRNG, as hex).
pub fn new_token_stamp() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
