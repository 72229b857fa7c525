use std::time::Duration;

use async_trait::async_trait;

use super::{Cause, StoreError};
use crate::{Mobile, NewUser, SmsCode, User, UserId};

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

/// SMS verification codes and their send interval.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait VerificationCodes: Send + Sync {
    /// Stores `code` for `mobile` for `ttl`, unless a code was stored for it less than
    /// `interval` ago: then nothing changes and it returns `Ok(false)`. Atomic: of two
    /// concurrent calls at most one returns `Ok(true)`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the code store cannot be reached or does not answer in time.
    async fn store_if_quiet(
        &self,
        mobile: &Mobile,
        code: &SmsCode,
        ttl: Duration,
        interval: Duration,
    ) -> Result<bool, StoreError>;

    /// Whether `code` is the unexpired code of `mobile`; a match consumes it.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the code store cannot be reached or does not answer in time.
    async fn consume(&self, mobile: &Mobile, code: &SmsCode) -> Result<bool, StoreError>;
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
