//! What the admin API needs from the store: staff and their rights, the figures of the
//! statistics page, listings over every shopper and order, and the audit log.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{CreateUserError, StoreError};
use crate::{
    AuditEntry, ContentType, Group, NewUser, Order, Page, PermissionInfo, StaffAccount,
    StaffChange, StaffMember, User, UserId,
};

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

/// Why a write of the rights administration wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum RightsError {
    #[error("a group has this name already")]
    GroupNameTaken,
    #[error("the username is taken")]
    UsernameTaken,
    #[error("the mobile number is taken")]
    MobileTaken,
    #[error("no permission has id {0}")]
    UnknownPermission(u64),
    #[error("no group has id {0}")]
    UnknownGroup(u64),
    #[error("a permission has this codename already")]
    CodenameTaken,
    #[error("no content type has id {0}")]
    UnknownContentType(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Groups, permissions and staff accounts, as superusers administer them. Every write is one
/// transaction: a group or account with its memberships, or nothing.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait RightsAdmin: Send + Sync {
    /// Every content type, by id.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn content_types(&self) -> Result<Vec<ContentType>, StoreError>;

    /// A page of the permissions, by id.
    ///
    /// # Errors
    /// As [`content_types`](Self::content_types).
    async fn permissions(
        &self,
        offset: u64,
        limit: u64,
    ) -> Result<Page<PermissionInfo>, StoreError>;

    /// The permission, or `None`.
    ///
    /// # Errors
    /// As [`content_types`](Self::content_types).
    async fn permission(&self, id: u64) -> Result<Option<PermissionInfo>, StoreError>;

    /// Creates a permission (`id` `None`) or changes one; `Ok(None)` when there is no `id`.
    ///
    /// # Errors
    /// A taken codename, an unknown content type; nothing was written then.
    async fn save_permission<'a>(
        &self,
        id: Option<u64>,
        permission: &'a PermissionInfo,
    ) -> Result<Option<PermissionInfo>, RightsError>;

    /// Deletes a permission, taking it from the groups and staff holding it; `Ok(false)` when
    /// there is none.
    ///
    /// # Errors
    /// As [`content_types`](Self::content_types).
    async fn delete_permission(&self, id: u64) -> Result<bool, StoreError>;

    /// A page of the groups, by id.
    ///
    /// # Errors
    /// As [`content_types`](Self::content_types).
    async fn groups(&self, offset: u64, limit: u64) -> Result<Page<Group>, StoreError>;

    /// The group, or `None`.
    ///
    /// # Errors
    /// As [`content_types`](Self::content_types).
    async fn group(&self, id: u64) -> Result<Option<Group>, StoreError>;

    /// Creates a group (`id` `None`) or replaces one's name and permissions; `Ok(None)` when
    /// there is no group `id`.
    ///
    /// # Errors
    /// A taken name, an unknown permission; nothing was written then.
    async fn save_group<'a>(
        &self,
        id: Option<u64>,
        name: &'a str,
        permissions: &'a [u64],
    ) -> Result<Option<Group>, RightsError>;

    /// Deletes the group and its memberships; `Ok(false)` when there is none.
    ///
    /// # Errors
    /// As [`content_types`](Self::content_types).
    async fn delete_group(&self, id: u64) -> Result<bool, StoreError>;

    /// A page of the active staff accounts, by id.
    ///
    /// # Errors
    /// As [`content_types`](Self::content_types).
    async fn staff_accounts(
        &self,
        offset: u64,
        limit: u64,
    ) -> Result<Page<StaffAccount>, StoreError>;

    /// The active staff account, or `None`.
    ///
    /// # Errors
    /// As [`content_types`](Self::content_types).
    async fn staff_account(&self, id: UserId) -> Result<Option<StaffAccount>, StoreError>;

    /// Creates a staff account (not a superuser) in these groups, holding these permissions.
    ///
    /// # Errors
    /// A taken username or mobile, an unknown group or permission; nothing was written then.
    async fn create_staff_account<'a>(
        &self,
        user: &'a NewUser,
        groups: &'a [u64],
        permissions: &'a [u64],
    ) -> Result<StaffAccount, RightsError>;

    /// Changes an active staff account; `Ok(None)` when there is none.
    ///
    /// # Errors
    /// As [`create_staff_account`](Self::create_staff_account).
    async fn update_staff_account<'a>(
        &self,
        id: UserId,
        change: &'a StaffChange,
    ) -> Result<Option<StaffAccount>, RightsError>;

    /// Deactivates a staff account (it keeps its orders and its audit entries; it can no longer
    /// log in, and its tokens are refused); `Ok(false)` when there is no active one.
    ///
    /// # Errors
    /// As [`content_types`](Self::content_types).
    async fn deactivate_staff(&self, id: UserId) -> Result<bool, StoreError>;
}

/// Visits per category per day, added to in batches.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CategoryVisitStore: Send + Sync {
    /// Adds these visits (category, day, how many) to the stored counts, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached; nothing was added then.
    async fn add<'a>(
        &self,
        visits: &'a [(crate::CategoryId, time::Date, u64)],
    ) -> Result<(), StoreError>;

    /// The categories visited on `day`, with their names and counts, most visited first.
    ///
    /// # Errors
    /// As [`add`](Self::add).
    async fn day(&self, day: time::Date) -> Result<Vec<(String, u64)>, StoreError>;
}
