use async_trait::async_trait;

use super::{Cause, StoreError};
use crate::UserId;

/// Why the QQ provider gave no identity for a code.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The provider refused the code (unknown, expired or used), with its own words.
    #[error("the provider refused the code: {0}")]
    Refused(String),
    /// The provider could not be reached or answered something unreadable.
    #[error("the provider is unavailable: {0}")]
    Unavailable(#[source] Cause),
}

/// QQ login (graph.qq.com's OAuth 2.0): where to send the browser, and whose a code is.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait QqOAuth: Send + Sync {
    /// The provider's login page, which comes back to the front end with a code and `state`.
    fn login_url(&self, state: &str) -> String;

    /// The QQ identity (openid) of the user who was given `code`: the code is exchanged for an
    /// access token, and the token for the openid.
    ///
    /// # Errors
    /// [`OAuthError::Refused`] for a code the provider does not accept;
    /// [`OAuthError::Unavailable`] when it cannot be reached.
    async fn openid(&self, code: &str) -> Result<String, OAuthError>;
}

/// Why [`QqBindings::bind`] wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("this QQ identity is bound to an account already")]
    AlreadyBound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which account each QQ identity logs in to.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait QqBindings: Send + Sync {
    /// The account bound to `openid`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn user_of(&self, openid: &str) -> Result<Option<UserId>, StoreError>;

    /// Binds `openid` to `user`.
    ///
    /// # Errors
    /// [`BindError::AlreadyBound`] when the identity is bound already (by the store's unique
    /// key: of two concurrent bindings one wins).
    async fn bind(&self, openid: &str, user: UserId) -> Result<(), BindError>;
}
