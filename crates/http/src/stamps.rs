//! What this process remembers of users' token stamps (see [`crate::auth`]): a
//! [`RefreshedMemory`], so that a stamp read from the store is trusted for the memory's time
//! after the store answered, the stamps in use are read again together every half of that
//! time, and a change made elsewhere (another replica's password change, an operator's SQL)
//! takes effect here within it.

use std::sync::Arc;
use std::time::Duration;

use meiduo_application::accounts::{AccountError, Accounts};
use meiduo_domain::UserId;
use meiduo_memory::{RefreshedMemory, Source};

/// The most users whose stamps a process remembers.
const REMEMBERED: u64 = 100_000;

/// Users' stamps as read lately.
#[derive(Debug)]
pub(crate) struct Stamps(RefreshedMemory<Arc<str>>);

/// The accounts use case as the memory's source.
#[derive(Clone)]
struct FromAccounts(Arc<Accounts>);

impl Source<Arc<str>> for FromAccounts {
    type Error = AccountError;

    async fn one(&self, user: u64) -> Result<Option<Arc<str>>, AccountError> {
        Ok(self.0.token_stamp(UserId(user)).await?.map(Arc::from))
    }

    async fn many(&self, users: &[u64]) -> Result<Vec<(u64, Arc<str>)>, AccountError> {
        let users: Vec<UserId> = users.iter().copied().map(UserId).collect();
        let found = self.0.token_stamps(&users).await?;
        Ok(found.into_iter().map(|(user, stamp)| (user.0, Arc::from(stamp))).collect())
    }
}

impl Stamps {
    /// A memory that trusts each read for `memory`.
    pub(crate) fn new(memory: Duration) -> Self {
        Stamps(RefreshedMemory::new("token stamps", memory, REMEMBERED))
    }

    /// The user's current stamp (`None`: no such active user).
    ///
    /// # Errors
    /// When the store cannot be read for this user's stamp.
    pub(crate) async fn current(
        &self,
        accounts: &Arc<Accounts>,
        user: UserId,
    ) -> Result<Option<Arc<str>>, AccountError> {
        self.0.current(&FromAccounts(Arc::clone(accounts)), user.0).await
    }

    /// Forgets the user's stamp (after it changed in this process).
    pub(crate) fn forget(&self, user: UserId) {
        self.0.forget(user.0);
    }
}
