//! What the admin API needs from the store: staff and their rights, the figures of the
//! statistics page, listings over every shopper and order, and the audit log.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{CreateUserError, StoreError};
use crate::{AuditEntry, NewUser, Order, Page, StaffMember, User, UserId};

/// Staff members and their rights.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StaffDirectory: Send + Sync {
    /// The active staff member with this id, with its own permissions and its groups'; `None`
    /// for a shopper, an inactive user or nobody.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn staff(&self, id: UserId) -> Result<Option<StaffMember>, StoreError>;

    /// Creates a staff user: a superuser, or one holding these permissions (codenames).
    ///
    /// # Errors
    /// As [`super::UserRepository::create`]; also [`StoreError::Unexpected`] for a codename no
    /// permission has (nothing was written then).
    async fn create_staff(
        &self,
        user: &NewUser,
        superuser: bool,
        permissions: &[String],
    ) -> Result<User, CreateUserError>;

    /// Notes that the user logged in now (the statistics count active users by it).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn record_login(&self, id: UserId, at: OffsetDateTime) -> Result<(), StoreError>;
}

/// Reads over the whole shop, for operators.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait AdminQueries: Send + Sync {
    /// Active users who are not staff.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn count_shoppers(&self) -> Result<u64, StoreError>;

    /// Shoppers who registered in `[from, to)`.
    ///
    /// # Errors
    /// As [`count_shoppers`](Self::count_shoppers).
    async fn joined_between(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<u64, StoreError>;

    /// Shoppers who logged in at or after `since`.
    ///
    /// # Errors
    /// As [`count_shoppers`](Self::count_shoppers).
    async fn active_since(&self, since: OffsetDateTime) -> Result<u64, StoreError>;

    /// Users who placed an order at or after `since` (each once).
    ///
    /// # Errors
    /// As [`count_shoppers`](Self::count_shoppers).
    async fn ordering_since(&self, since: OffsetDateTime) -> Result<u64, StoreError>;

    /// A page of users, by id, whose username contains `keyword` (all when `None`).
    ///
    /// # Errors
    /// As [`count_shoppers`](Self::count_shoppers).
    async fn users<'a>(
        &self,
        keyword: Option<&'a str>,
        offset: u64,
        limit: u64,
    ) -> Result<Page<User>, StoreError>;

    /// A page of orders, newest first, whose number contains `keyword` (all when `None`).
    ///
    /// # Errors
    /// As [`count_shoppers`](Self::count_shoppers); [`StoreError::Unexpected`] for a stored
    /// order that breaks the domain's rules.
    async fn orders<'a>(
        &self,
        keyword: Option<&'a str>,
        offset: u64,
        limit: u64,
    ) -> Result<Page<Order>, StoreError>;
}

/// Every write made through the admin API.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Keeps the entry.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// A page of the entries, newest first.
    ///
    /// # Errors
    /// As [`record`](Self::record); [`StoreError::Unexpected`] for an entry that cannot be read.
    async fn page(&self, offset: u64, limit: u64) -> Result<Page<AuditEntry>, StoreError>;
}
