use std::time::Duration;

use async_trait::async_trait;

use super::{Cause, StoreError};
use crate::{CaptchaId, Mobile, NewUser, SmsCode, User, UserId};

/// Why [`UserRepository::create`] wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("the username is taken")]
    UsernameTaken,
    #[error("the mobile number is taken")]
    MobileTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Registered users.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// How many users have this username (0 or 1).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn count_username(&self, username: &str) -> Result<u64, StoreError>;

    /// How many users have this mobile number (0 or 1).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn count_mobile(&self, mobile: &str) -> Result<u64, StoreError>;

    /// Creates the user.
    ///
    /// # Errors
    /// [`CreateUserError::UsernameTaken`] or [`CreateUserError::MobileTaken`] when another user
    /// has it (checked by the store's unique keys, so two concurrent registrations of one name
    /// cannot both succeed); nothing was written then.
    async fn create(&self, user: &NewUser) -> Result<User, CreateUserError>;

    /// Replaces the user's password hash and token stamp together (the tokens of before are no
    /// longer honoured). `Ok(false)` when there is no such user.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time.
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        token_stamp: &str,
    ) -> Result<bool, StoreError>;

    /// The stamp the user's tokens must carry; `None` when there is no such user (or it was
    /// deactivated).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time.
    async fn token_stamp(&self, id: UserId) -> Result<Option<String>, StoreError>;

    /// The stamps of those of `ids` that are active users, read together (in one statement
    /// where the store can); an id without one has no such active user.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time.
    async fn token_stamps(&self, ids: &[UserId]) -> Result<Vec<(UserId, String)>, StoreError>;

    /// The user's password hash.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time.
    async fn password_hash(&self, id: UserId) -> Result<Option<String>, StoreError>;

    /// Sets the user's email, not yet verified, and queues `then` (the verification mail) in
    /// the same transaction: both are written or neither. `Ok(false)` when there is no such user.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached; nothing was written.
    async fn change_email(
        &self,
        id: UserId,
        email: &str,
        then: &super::Message,
    ) -> Result<bool, StoreError>;

    /// Marks the user's email verified if it still is `email`. `Ok(false)` otherwise.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn verify_email(&self, id: UserId, email: &str) -> Result<bool, StoreError>;

    /// The active user whose username or mobile is `login`, with the password hash.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn find_credentials(&self, login: &str) -> Result<Option<(User, String)>, StoreError>;

    /// The user with this id.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached or does not answer in time;
    /// [`StoreError::Unexpected`] for stored data that breaks the domain's rules.
    async fn find(&self, id: UserId) -> Result<Option<User>, StoreError>;
}

/// Hashes and checks passwords (argon2 in production). Both are slow on purpose (tens of
/// milliseconds of CPU and MiBs of memory each): an adapter must not run them on the threads
/// that serve requests.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// A self-describing hash (PHC string) with its own salt.
    ///
    /// # Errors
    /// `Err` with the cause when the hasher fails (its parameters or memory); nothing is stored.
    async fn hash(&self, password: &str) -> Result<String, Cause>;

    /// Whether `password` matches `hash`; false for a malformed hash.
    async fn verify(&self, password: &str, hash: &str) -> bool;
}

/// What a stored verification code is for, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CodeKey {
    /// The SMS code sent to a mobile number.
    Sms(Mobile),
    /// The text of an image captcha, under the id the client chose.
    Captcha(CaptchaId),
    /// The mark of a single-use token that was used, under the token's id.
    UsedToken(String),
}

impl CodeKey {
    /// What the key is for: `sms`, `img` or `used`, the start of its stored name.
    pub fn kind(&self) -> &'static str {
        match self {
            CodeKey::Sms(_) => "sms",
            CodeKey::Captcha(_) => "img",
            CodeKey::UsedToken(_) => "used",
        }
    }

    /// Whose it is: the mobile number, captcha id or token id.
    pub fn owner(&self) -> &str {
        match self {
            CodeKey::Sms(mobile) => mobile.as_str(),
            CodeKey::Captcha(id) => id.as_str(),
            CodeKey::UsedToken(id) => id,
        }
    }
}

/// What became of a code typed by a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// It was the stored code, which is now used up.
    Matched,
    /// It was not; the wrong try was counted (and the code is gone if that was the last one).
    Wrong,
    /// No code is stored: never sent, expired, used, or dead after too many wrong tries.
    Missing,
}

/// Verification codes (SMS codes, captcha texts, marks of used tokens), each with an expiry and
/// a resend interval, shared by every replica (Redis, or the database).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait VerificationCodes: Send + Sync {
    /// Stores `code` under `key` for `ttl`, unless a code was stored under it less than
    /// `interval` ago: then nothing changes and it returns `Ok(false)`. Atomic: of two
    /// concurrent calls at most one returns `Ok(true)`. Storing resets the wrong tries.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the code store cannot be reached or does not answer in time.
    async fn store_if_quiet(
        &self,
        key: &CodeKey,
        code: &str,
        ttl: Duration,
        interval: Duration,
    ) -> Result<bool, StoreError>;

    /// Compares `code` with the unexpired code under `key`: a match consumes it; a mismatch is
    /// counted, and the `max_wrong`th mismatch deletes the code, so that it cannot be guessed.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the code store cannot be reached or does not answer in time.
    async fn check(
        &self,
        key: &CodeKey,
        code: &str,
        max_wrong: u32,
    ) -> Result<CodeCheck, StoreError>;

    /// Removes and returns the unexpired code under `key` (a captcha is read once, whatever
    /// the client typed). Of two concurrent calls at most one gets it.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the code store cannot be reached or does not answer in time.
    async fn take(&self, key: &CodeKey) -> Result<Option<String>, StoreError>;

    /// Removes the code under `key` with its send interval and wrong tries, as if it had never
    /// been stored.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the code store cannot be reached or does not answer in time.
    async fn withdraw(&self, key: &CodeKey) -> Result<(), StoreError>;
}

/// A captcha: the text to type and its picture.
#[derive(Clone, PartialEq, Eq)]
pub struct DrawnCaptcha {
    pub text: String,
    /// A PNG image.
    pub png: Vec<u8>,
}

impl std::fmt::Debug for DrawnCaptcha {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DrawnCaptcha").field("png_bytes", &self.png.len()).finish_non_exhaustive()
    }
}

/// Draws image captchas.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CaptchaPainter: Send + Sync {
    /// A fresh captcha with random text (from a cryptographic generator).
    ///
    /// # Errors
    /// `Err` with the cause when the picture cannot be made.
    async fn draw(&self) -> Result<DrawnCaptcha, Cause>;
}

/// Sends SMS messages.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends the verification code, valid for `valid_minutes`.
    ///
    /// # Errors
    /// `Err` with the cause when the SMS provider refuses the message or cannot be reached.
    async fn send_code(
        &self,
        mobile: &Mobile,
        code: &SmsCode,
        valid_minutes: u64,
    ) -> Result<(), Cause>;
}

/// What a signed token lets its bearer do; a token for one purpose is refused for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// Send a password-reset SMS code to the named user's mobile.
    SendResetCode,
    /// Set a new password for the named user.
    ResetPassword,
    /// Verify the email address named with the user (`<user id>:<email>`).
    VerifyEmail,
    /// Bind the QQ identity (openid) it names to an account.
    BindQq,
}

impl TokenPurpose {
    /// The name signed into the token.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::SendResetCode => "send_reset_code",
            TokenPurpose::ResetPassword => "reset_password",
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::BindQq => "bind_qq",
        }
    }
}

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// Whose it is (a user id, an email address...).
    pub subject: String,
    /// The token's own random id, to mark it used.
    pub id: String,
    /// How long it would still be valid.
    pub remaining: Duration,
}

/// Short-lived signed tokens that carry a purpose and a subject (HMAC under the server's
/// secret), as the original's `itsdangerous` tokens. Signing and checking are pure computation.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait SignedTokens: Send + Sync {
    /// A token for `purpose` naming `subject`, valid for `ttl`, with a random id.
    ///
    /// # Errors
    /// `Err` with the cause when the token cannot be signed.
    fn sign(&self, purpose: TokenPurpose, subject: &str, ttl: Duration) -> Result<String, Cause>;

    /// The claims of `token` if it is ours, unexpired and for `purpose`; `None` otherwise.
    fn verify(&self, purpose: TokenPurpose, token: &str) -> Option<TokenClaims>;
}

/// Fixed-window counters of events (failed logins, SMS sends) under a key, shared by every
/// replica (Redis, or the database).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait RateLimits: Send + Sync {
    /// How many events the key's current window holds, and how long the window still runs;
    /// `None` when no window is open.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn peek(&self, key: &str) -> Result<Option<(u32, Duration)>, StoreError>;

    /// Counts one event, opening a window of `window` if none is open; the count with this one,
    /// and how long the window still runs. Atomic: concurrent hits are all counted.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn hit(&self, key: &str, window: Duration) -> Result<(u32, Duration), StoreError>;

    /// Forgets the key's window.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn clear(&self, key: &str) -> Result<(), StoreError>;
}
