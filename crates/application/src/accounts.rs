//! Registration, login, profiles and SMS verification codes.

use std::sync::Arc;
use std::time::Duration;

use meiduo_domain::ports::{
    CreateUserError, PasswordHasher, SmsSender, StoreError, UserRepository, VerificationCodes,
};
use meiduo_domain::{
    AccountFieldError, Mobile, NewUser, Password, SmsCode, User, UserId, Username,
};

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

/// SMS code timing.
#[derive(Debug, Clone, Copy)]
pub struct SmsPolicy {
    /// How long a code is valid (5 minutes).
    pub ttl: Duration,
    /// How long before another code may be sent to the same number (60 s).
    pub interval: Duration,
}

impl Default for SmsPolicy {
    fn default() -> Self {
        SmsPolicy { ttl: Duration::from_secs(300), interval: Duration::from_secs(60) }
    }
}

/// The account use cases.
pub struct Accounts {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    codes: Arc<dyn VerificationCodes>,
    sms: Arc<dyn SmsSender>,
    policy: SmsPolicy,
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
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        codes: Arc<dyn VerificationCodes>,
        sms: Arc<dyn SmsSender>,
        policy: SmsPolicy,
    ) -> Self {
        Accounts { users, hasher, codes, sms, policy }
    }

    /// How many users have this username (0 or 1).
    #[tracing::instrument(name = "accounts.username_count", skip_all)]
    pub async fn username_count(&self, username: &str) -> Result<u64, AccountError> {
        let username = field("username", Username::parse(username))?;
        Ok(self.users.count_username(username.as_str()).await?)
    }

    /// How many users have this mobile number (0 or 1).
    #[tracing::instrument(name = "accounts.mobile_count", skip_all)]
    pub async fn mobile_count(&self, mobile: &str) -> Result<u64, AccountError> {
        let mobile = field("mobile", Mobile::parse(mobile))?;
        Ok(self.users.count_mobile(mobile.as_str()).await?)
    }

    /// Sends a fresh 6-digit code to `mobile`, at most once per interval.
    #[tracing::instrument(name = "accounts.send_sms_code", skip_all)]
    pub async fn send_sms_code(&self, mobile: &str) -> Result<(), AccountError> {
        let mobile = field("mobile", Mobile::parse(mobile))?;
        let code = SmsCode::from_number(fastrand::u32(..1_000_000));
        let stored = self
            .codes
            .store_if_quiet(&mobile, &code, self.policy.ttl, self.policy.interval)
            .await
            .map_err(ServiceFailure::from)?;
        if !stored {
            return Err(AccountError::TooSoon);
        }
        let minutes = self.policy.ttl.as_secs().div_ceil(60);
        self.sms
            .send_code(&mobile, &code, minutes)
            .await
            .map_err(|cause| AccountError::Failure(ServiceFailure::Unavailable(cause)))
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
        if self.users.count_username(username.as_str()).await? > 0 {
            return Err(AccountError::UsernameTaken);
        }
        if self.users.count_mobile(mobile.as_str()).await? > 0 {
            return Err(AccountError::MobileTaken);
        }
        if !self.codes.consume(&mobile, &code).await.map_err(ServiceFailure::from)? {
            return Err(AccountError::WrongSmsCode);
        }
        let password_hash = self
            .hasher
            .hash(password.expose())
            .await
            .map_err(|cause| AccountError::Failure(ServiceFailure::Unexpected(cause)))?;
        self.users.create(&NewUser { username, mobile, password_hash }).await.map_err(|e| match e {
            CreateUserError::MobileTaken => AccountError::MobileTaken,
            CreateUserError::UsernameTaken => AccountError::UsernameTaken,
            CreateUserError::Store(error) => error.into(),
        })
    }

    /// Checks a username-or-mobile and password. The same error whichever of the two is wrong.
    #[tracing::instrument(name = "accounts.login", skip_all)]
    pub async fn login(&self, login: &str, password: &str) -> Result<User, AccountError> {
        if login.is_empty() || login.len() > 20 || password.len() > 64 {
            return Err(AccountError::BadCredentials);
        }
        match self.users.find_credentials(login).await? {
            Some((user, hash)) if self.hasher.verify(password, &hash).await => Ok(user),
            _ => Err(AccountError::BadCredentials),
        }
    }

    #[tracing::instrument(name = "accounts.profile", skip_all, fields(user_id = %user))]
    pub async fn profile(&self, user: UserId) -> Result<User, AccountError> {
        self.users.find(user).await?.ok_or(AccountError::NotFound)
    }
}
