//! The operators' use cases behind `/meiduo_admin/`: who is staff and what each may do, the
//! statistics page, the users and orders listings, shipping, and the audit log that records
//! every write with its actor and the fields it changed.

use std::sync::Arc;

use meiduo_domain::ports::{
    AdminQueries, AuditLog, CategoryVisitStore, Clock, CreateUserError, PasswordHasher,
    RightsAdmin, RightsError, StaffDirectory, StoreError,
};
use meiduo_domain::{
    AccountFieldError, AuditAction, AuditEntry, BEIJING, ContentType, FieldChange, Group, Mobile,
    NewUser, Order, OrderId, OrderStatus, Page, Password, PermissionInfo, StaffAccount,
    StaffChange, StaffMember, User, UserId, Username,
};
use time::{Date, OffsetDateTime};

use crate::accounts::new_token_stamp;
use crate::errors::{PageRequest, ServiceFailure};
use crate::orders::{OrderHistory, OrderHistoryError, OrderView};

/// Why an admin request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdminError {
    /// The token is a shopper's (or of a staff member no longer active).
    #[error("this account is not staff")]
    NotStaff,
    /// The staff member lacks the permission.
    #[error("permission `{0}` is required")]
    Forbidden(&'static str),
    #[error("{field}: {source}")]
    InvalidField { field: &'static str, source: AccountFieldError },
    #[error("the username is taken")]
    UsernameTaken,
    #[error("the mobile number is taken")]
    MobileTaken,
    #[error("a group has this name already")]
    GroupNameTaken,
    #[error("no permission has id {0}")]
    UnknownPermission(u64),
    #[error("no group has id {0}")]
    UnknownGroup(u64),
    #[error("{0}: a name of 1 to 150 characters")]
    BadName(&'static str),
    /// No such group or staff account.
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("you cannot deactivate your own account")]
    OwnAccount,
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// A referenced row does not exist.
    #[error("{field}: no such {what} ({id})")]
    UnknownReference { field: &'static str, what: &'static str, id: u64 },
    /// The row is still referenced, so it cannot be deleted.
    #[error("still used by {0}")]
    InUse(&'static str),
    #[error("the stock would fall below zero: units were sold meanwhile")]
    StockBelowZero,
    #[error("{0} is taken")]
    Taken(&'static str),
    /// An upload that is not a picture the shop takes.
    #[error("not a picture the shop takes: {0}")]
    BadImage(String),
    #[error("the picture is larger than {0} bytes")]
    ImageTooLarge(usize),
    #[error(transparent)]
    Order(#[from] OrderHistoryError),
    #[error(transparent)]
    Failure(#[from] ServiceFailure),
}

impl From<StoreError> for AdminError {
    fn from(value: StoreError) -> Self {
        AdminError::Failure(value.into())
    }
}

impl From<RightsError> for AdminError {
    fn from(value: RightsError) -> Self {
        match value {
            RightsError::GroupNameTaken => AdminError::GroupNameTaken,
            RightsError::UsernameTaken => AdminError::UsernameTaken,
            RightsError::MobileTaken => AdminError::MobileTaken,
            RightsError::UnknownPermission(id) => AdminError::UnknownPermission(id),
            RightsError::UnknownGroup(id) => AdminError::UnknownGroup(id),
            RightsError::CodenameTaken => AdminError::Taken("codename"),
            RightsError::UnknownContentType(id) => {
                AdminError::UnknownReference { field: "content_type", what: "content type", id }
            }
            RightsError::Store(error) => error.into(),
        }
    }
}

impl From<CreateUserError> for AdminError {
    fn from(value: CreateUserError) -> Self {
        match value {
            CreateUserError::UsernameTaken => AdminError::UsernameTaken,
            CreateUserError::MobileTaken => AdminError::MobileTaken,
            CreateUserError::Store(error) => error.into(),
        }
    }
}

/// The permissions the admin API checks (Django's codenames).
pub mod permissions {
    pub const VIEW_STATISTICS: &str = "view_statistics";
    pub const VIEW_USER: &str = "view_user";
    pub const ADD_USER: &str = "add_user";
    pub const VIEW_ORDER: &str = "view_orderinfo";
    pub const CHANGE_ORDER: &str = "change_orderinfo";
    pub const VIEW_AUDIT: &str = "view_auditentry";
    pub const VIEW_PERMISSION: &str = "view_permission";
    pub const VIEW_GROUP: &str = "view_group";
    pub const VIEW_SKU: &str = "view_sku";
    pub const ADD_SKU: &str = "add_sku";
    pub const CHANGE_SKU: &str = "change_sku";
    pub const DELETE_SKU: &str = "delete_sku";
    pub const VIEW_SKU_IMAGE: &str = "view_skuimage";
    pub const ADD_SKU_IMAGE: &str = "add_skuimage";
    pub const CHANGE_SKU_IMAGE: &str = "change_skuimage";
    pub const DELETE_SKU_IMAGE: &str = "delete_skuimage";
    pub const VIEW_SPU: &str = "view_spu";
    pub const ADD_SPU: &str = "add_spu";
    pub const CHANGE_SPU: &str = "change_spu";
    pub const DELETE_SPU: &str = "delete_spu";
    pub const VIEW_BRAND: &str = "view_brand";
    pub const ADD_BRAND: &str = "add_brand";
    pub const CHANGE_BRAND: &str = "change_brand";
    pub const DELETE_BRAND: &str = "delete_brand";
    pub const VIEW_SPEC: &str = "view_spuspecification";
    pub const ADD_SPEC: &str = "add_spuspecification";
    pub const CHANGE_SPEC: &str = "change_spuspecification";
    pub const DELETE_SPEC: &str = "delete_spuspecification";
    pub const VIEW_OPTION: &str = "view_specificationoption";
    pub const ADD_OPTION: &str = "add_specificationoption";
    pub const CHANGE_OPTION: &str = "change_specificationoption";
    pub const DELETE_OPTION: &str = "delete_specificationoption";
    pub const VIEW_CHANNEL: &str = "view_goodschannel";
    pub const ADD_CHANNEL: &str = "add_goodschannel";
    pub const CHANGE_CHANNEL: &str = "change_goodschannel";
    pub const DELETE_CHANNEL: &str = "delete_goodschannel";
    pub const VIEW_CHANNEL_GROUP: &str = "view_goodschannelgroup";
    pub const VIEW_CATEGORY: &str = "view_goodscategory";
    /// Granting rights (writing groups, administering staff accounts) is a superuser's alone:
    /// a holder of a group's rights could otherwise widen them.
    pub const SUPERUSER: &str = "superuser";
}

/// The course's admin pages hold 10 items, and at most 10 (`?pagesize=`).
pub const ADMIN_PAGE_SIZE: u64 = 10;

/// A count on a day (Beijing time), as the statistics page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount {
    pub date: Date,
    pub count: u64,
}

/// A user as an operator creates one.
#[derive(Debug, Clone)]
pub struct NewShopper {
    pub username: String,
    pub mobile: String,
    pub password: String,
}

/// A staff account as a superuser writes one.
#[derive(Debug, Clone)]
pub struct StaffForm {
    pub username: String,
    pub mobile: String,
    /// Required to create; when updating, `None` keeps the password.
    pub password: Option<String>,
    pub groups: Vec<u64>,
    pub permissions: Vec<u64>,
}

/// What the admin use cases need.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct AdminPorts {
    pub staff: Arc<dyn StaffDirectory>,
    pub queries: Arc<dyn AdminQueries>,
    pub audit: Arc<dyn AuditLog>,
    pub users: Arc<dyn meiduo_domain::ports::UserRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub clock: Arc<dyn Clock>,
    pub rights: Arc<dyn RightsAdmin>,
    pub visits: Arc<dyn CategoryVisitStore>,
}

/// The admin use cases.
pub struct Admin {
    ports: AdminPorts,
    orders: OrderHistory,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin").finish_non_exhaustive()
    }
}

fn field<T>(name: &'static str, parsed: Result<T, AccountFieldError>) -> Result<T, AdminError> {
    parsed.map_err(|source| AdminError::InvalidField { field: name, source })
}

impl Admin {
    pub fn new(ports: AdminPorts, orders: OrderHistory) -> Self {
        Admin { ports, orders }
    }

    /// The staff member of a (valid) token, holding `permission`.
    ///
    /// # Errors
    /// [`AdminError::NotStaff`] for a shopper, [`AdminError::Forbidden`] without the permission.
    pub async fn authorize(
        &self,
        user: UserId,
        permission: &'static str,
    ) -> Result<StaffMember, AdminError> {
        let member = self.ports.staff.staff(user).await?.ok_or(AdminError::NotStaff)?;
        let allowed = if permission == permissions::SUPERUSER {
            member.is_superuser
        } else {
            member.may(permission)
        };
        if allowed { Ok(member) } else { Err(AdminError::Forbidden(permission)) }
    }

    /// The staff member a login belongs to (any staff member may log in), with the login noted.
    ///
    /// # Errors
    /// [`AdminError::NotStaff`] for a shopper's account.
    pub async fn staff_login(&self, user: &User) -> Result<StaffMember, AdminError> {
        let member = self.ports.staff.staff(user.id).await?.ok_or(AdminError::NotStaff)?;
        self.ports.staff.record_login(user.id, self.ports.clock.now()).await?;
        Ok(member)
    }

    /// Notes a shopper's login, for the count of active users.
    pub async fn note_login(&self, user: UserId) -> Result<(), AdminError> {
        Ok(self.ports.staff.record_login(user, self.ports.clock.now()).await?)
    }

    /// The start of today in Beijing, the shop's day.
    fn today(&self) -> OffsetDateTime {
        self.ports.clock.now().to_offset(BEIJING).replace_time(time::Time::MIDNIGHT)
    }

    /// Shoppers in all (`total_count`).
    pub async fn total_count(&self) -> Result<DayCount, AdminError> {
        let count = self.ports.queries.count_shoppers().await?;
        Ok(DayCount { date: self.today().date(), count })
    }

    /// Shoppers who registered today (`day_increment`).
    pub async fn day_increment(&self) -> Result<DayCount, AdminError> {
        let today = self.today();
        let count = self.ports.queries.joined_between(today, today + time::Duration::DAY).await?;
        Ok(DayCount { date: today.date(), count })
    }

    /// Shoppers who logged in today (`day_active`).
    pub async fn day_active(&self) -> Result<DayCount, AdminError> {
        let today = self.today();
        let count = self.ports.queries.active_since(today).await?;
        Ok(DayCount { date: today.date(), count })
    }

    /// Users who ordered today (`day_orders`).
    pub async fn day_orders(&self) -> Result<DayCount, AdminError> {
        let today = self.today();
        let count = self.ports.queries.ordering_since(today).await?;
        Ok(DayCount { date: today.date(), count })
    }

    /// Today's visits per category, most visited first (`goods_day_views`; counts reach the
    /// store with each replica's next flush).
    pub async fn goods_day_views(&self) -> Result<Vec<(String, u64)>, AdminError> {
        Ok(self.ports.visits.day(self.today().date()).await?)
    }

    /// Registrations per day over the last 30 days, today last (`month_increment`).
    pub async fn month_increment(&self) -> Result<Vec<DayCount>, AdminError> {
        let today = self.today();
        let mut days = Vec::with_capacity(30);
        for back in (0..30).rev() {
            let start = today - time::Duration::days(back);
            let count =
                self.ports.queries.joined_between(start, start + time::Duration::DAY).await?;
            days.push(DayCount { date: start.date(), count });
        }
        Ok(days)
    }

    /// A page of users whose username contains `keyword`.
    pub async fn users(
        &self,
        keyword: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<User>, AdminError> {
        let keyword = keyword.map(str::trim).filter(|k| !k.is_empty());
        Ok(self.ports.queries.users(keyword, page.offset(), page.page_size).await?)
    }

    /// Creates a shopper's account on behalf of `actor`, audited.
    ///
    /// # Errors
    /// Invalid fields, a taken username or mobile.
    pub async fn create_user(
        &self,
        actor: &StaffMember,
        form: NewShopper,
    ) -> Result<User, AdminError> {
        let username = field("username", Username::parse(&form.username))?;
        let mobile = field("mobile", Mobile::parse(&form.mobile))?;
        let (password_hash, token_stamp) = self.hashed(&form.password).await?;
        let user = self
            .ports
            .users
            .create(&NewUser { username, mobile, password_hash, token_stamp })
            .await?;
        self.audit(
            actor,
            AuditAction::Create,
            "user",
            &user.id.to_string(),
            vec![
                FieldChange {
                    field: "username".into(),
                    before: None,
                    after: Some(user.username.clone()),
                },
                FieldChange {
                    field: "mobile".into(),
                    before: None,
                    after: Some(user.mobile.clone()),
                },
            ],
        )
        .await;
        Ok(user)
    }

    /// A page of orders whose number contains `keyword`, newest first.
    pub async fn orders(
        &self,
        keyword: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Order>, AdminError> {
        let keyword = keyword.map(str::trim).filter(|k| !k.is_empty());
        Ok(self.ports.queries.orders(keyword, page.offset(), page.page_size).await?)
    }

    /// Any order, with its lines.
    pub async fn order(&self, order_id: &OrderId) -> Result<OrderView, AdminError> {
        Ok(self.orders.any(order_id).await?)
    }

    /// Moves an order on behalf of `actor`: operators ship (Unsend → Unreceived); any other
    /// move is refused, as the transition table or the shopper's own steps decide them.
    pub async fn set_status(
        &self,
        actor: &StaffMember,
        order_id: &OrderId,
        to: OrderStatus,
    ) -> Result<Order, AdminError> {
        let current = self.orders.any(order_id).await?.order;
        if to != OrderStatus::Unreceived {
            return Err(OrderHistoryError::InvalidTransition { from: current.status, to }.into());
        }
        let shipped = self.orders.ship_as(order_id, &format!("admin:{}", actor.user.id.0)).await?;
        self.audit(
            actor,
            AuditAction::Update,
            "orderinfo",
            order_id.as_str(),
            vec![FieldChange {
                field: "status".into(),
                before: Some((current.status as u8).to_string()),
                after: Some((shipped.status as u8).to_string()),
            }],
        )
        .await;
        Ok(shipped)
    }

    /// A page of the audit log, newest first.
    pub async fn audit_log(&self, page: PageRequest) -> Result<Page<AuditEntry>, AdminError> {
        Ok(self.ports.audit.page(page.offset(), page.page_size).await?)
    }

    /// Every content type.
    pub async fn content_types(&self) -> Result<Vec<ContentType>, AdminError> {
        Ok(self.ports.rights.content_types().await?)
    }

    /// A page of the permissions (`None`: all of them).
    pub async fn permissions(
        &self,
        page: Option<PageRequest>,
    ) -> Result<Page<PermissionInfo>, AdminError> {
        let (offset, limit) = page.map_or((0, u64::MAX >> 1), |p| (p.offset(), p.page_size));
        Ok(self.ports.rights.permissions(offset, limit).await?)
    }

    pub async fn permission(&self, id: u64) -> Result<PermissionInfo, AdminError> {
        self.ports.rights.permission(id).await?.ok_or(AdminError::NotFound("permission"))
    }

    /// Whether a permission is one of Django's four on a model (`add_sku`, `view_orderinfo`):
    /// those the admin API checks, which stay as the migration made them.
    async fn built_in(&self, permission: &PermissionInfo) -> Result<bool, AdminError> {
        let types = self.ports.rights.content_types().await?;
        let model = types.iter().find(|t| t.id == permission.content_type).map(|t| &t.model);
        Ok(model.is_some_and(|model| {
            ["add", "change", "delete", "view"]
                .iter()
                .any(|action| permission.codename == format!("{action}_{model}"))
        }))
    }

    /// Creates (`id` `None`) or changes a permission of the shop's own, audited. The
    /// permissions the admin API checks cannot be changed.
    pub async fn save_permission(
        &self,
        actor: &StaffMember,
        id: Option<u64>,
        wanted: PermissionInfo,
    ) -> Result<PermissionInfo, AdminError> {
        let name = wanted.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 255 {
            return Err(AdminError::BadName("name"));
        }
        let codename = wanted.codename.trim().to_owned();
        let plain =
            codename.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if codename.is_empty() || codename.len() > 100 || !plain {
            return Err(AdminError::Invalid {
                field: "codename",
                reason: "1 to 100 of a-z, 0-9 and _".into(),
            });
        }
        let before = match id {
            Some(id) => Some(self.permission(id).await?),
            None => None,
        };
        if let Some(before) = &before
            && self.built_in(before).await?
        {
            return Err(AdminError::InUse("the admin API's own checks"));
        }
        let wanted = PermissionInfo { id: 0, name, codename, ..wanted };
        let saved = self
            .ports
            .rights
            .save_permission(id, &wanted)
            .await?
            .ok_or(AdminError::NotFound("permission"))?;
        let action = if before.is_some() { AuditAction::Update } else { AuditAction::Create };
        let changes = crate::catalog_admin::diff(before.as_ref(), Some(&saved));
        self.audit(actor, action, "permission", &saved.id.to_string(), changes).await;
        Ok(saved)
    }

    /// Deletes a permission of the shop's own (its holders lose it), audited.
    pub async fn delete_permission(&self, actor: &StaffMember, id: u64) -> Result<(), AdminError> {
        let before = self.permission(id).await?;
        if self.built_in(&before).await? {
            return Err(AdminError::InUse("the admin API's own checks"));
        }
        if !self.ports.rights.delete_permission(id).await? {
            return Err(AdminError::NotFound("permission"));
        }
        let changes = crate::catalog_admin::diff(Some(&before), None);
        self.audit(actor, AuditAction::Delete, "permission", &id.to_string(), changes).await;
        Ok(())
    }

    /// A page of the groups (`None`: all of them).
    pub async fn groups(&self, page: Option<PageRequest>) -> Result<Page<Group>, AdminError> {
        let (offset, limit) = page.map_or((0, u64::MAX >> 1), |p| (p.offset(), p.page_size));
        Ok(self.ports.rights.groups(offset, limit).await?)
    }

    pub async fn group(&self, id: u64) -> Result<Group, AdminError> {
        self.ports.rights.group(id).await?.ok_or(AdminError::NotFound("group"))
    }

    /// Creates (`id` `None`) or replaces a group, audited.
    pub async fn save_group(
        &self,
        actor: &StaffMember,
        id: Option<u64>,
        name: &str,
        permissions: &[u64],
    ) -> Result<Group, AdminError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 150 {
            return Err(AdminError::BadName("name"));
        }
        let before = match id {
            Some(id) => Some(self.group(id).await?),
            None => None,
        };
        let saved = self
            .ports
            .rights
            .save_group(id, name, permissions)
            .await?
            .ok_or(AdminError::NotFound("group"))?;
        let changes = group_changes(before.as_ref(), Some(&saved));
        let action = if before.is_some() { AuditAction::Update } else { AuditAction::Create };
        self.audit(actor, action, "group", &saved.id.to_string(), changes).await;
        Ok(saved)
    }

    /// Deletes a group (its members lose its permissions), audited.
    pub async fn delete_group(&self, actor: &StaffMember, id: u64) -> Result<(), AdminError> {
        let before = self.group(id).await?;
        if !self.ports.rights.delete_group(id).await? {
            return Err(AdminError::NotFound("group"));
        }
        let changes = group_changes(Some(&before), None);
        self.audit(actor, AuditAction::Delete, "group", &id.to_string(), changes).await;
        Ok(())
    }

    /// A page of the active staff accounts.
    pub async fn staff_accounts(
        &self,
        page: PageRequest,
    ) -> Result<Page<StaffAccount>, AdminError> {
        Ok(self.ports.rights.staff_accounts(page.offset(), page.page_size).await?)
    }

    pub async fn staff_account(&self, id: UserId) -> Result<StaffAccount, AdminError> {
        self.ports.rights.staff_account(id).await?.ok_or(AdminError::NotFound("staff account"))
    }

    async fn hashed(&self, password: &str) -> Result<(String, String), AdminError> {
        let password = field("password", Password::parse(password))?;
        let hash = self
            .ports
            .hasher
            .hash(password.expose())
            .await
            .map_err(|cause| AdminError::Failure(ServiceFailure::Unexpected(cause)))?;
        Ok((hash, new_token_stamp()))
    }

    /// Creates a staff account (never a superuser: those come from the command line), audited.
    pub async fn create_staff(
        &self,
        actor: &StaffMember,
        form: StaffForm,
    ) -> Result<StaffAccount, AdminError> {
        let username = field("username", Username::parse(&form.username))?;
        let mobile = field("mobile", Mobile::parse(&form.mobile))?;
        let (password_hash, token_stamp) =
            self.hashed(form.password.as_deref().unwrap_or_default()).await?;
        let new = NewUser { username, mobile, password_hash, token_stamp };
        let account =
            self.ports.rights.create_staff_account(&new, &form.groups, &form.permissions).await?;
        let changes = account_changes(None, Some(&account), false);
        self.audit(actor, AuditAction::Create, "admin", &account.user.id.to_string(), changes)
            .await;
        Ok(account)
    }

    /// Changes a staff account (a new password voids its tokens), audited.
    pub async fn update_staff(
        &self,
        actor: &StaffMember,
        id: UserId,
        form: StaffForm,
    ) -> Result<StaffAccount, AdminError> {
        let username = field("username", Username::parse(&form.username))?;
        let mobile = field("mobile", Mobile::parse(&form.mobile))?;
        let new_password = match form.password.as_deref().filter(|p| !p.is_empty()) {
            Some(password) => Some(self.hashed(password).await?),
            None => None,
        };
        let before = self.staff_account(id).await?;
        let change = StaffChange {
            username,
            mobile,
            new_password,
            groups: form.groups,
            permissions: form.permissions,
        };
        let account = self
            .ports
            .rights
            .update_staff_account(id, &change)
            .await?
            .ok_or(AdminError::NotFound("staff account"))?;
        let changes = account_changes(Some(&before), Some(&account), change.new_password.is_some());
        self.audit(actor, AuditAction::Update, "admin", &id.to_string(), changes).await;
        Ok(account)
    }

    /// Deactivates a staff account (never one's own), audited.
    pub async fn deactivate_staff(
        &self,
        actor: &StaffMember,
        id: UserId,
    ) -> Result<(), AdminError> {
        if actor.user.id == id {
            return Err(AdminError::OwnAccount);
        }
        let before = self.staff_account(id).await?;
        if !self.ports.rights.deactivate_staff(id).await? {
            return Err(AdminError::NotFound("staff account"));
        }
        let changes = account_changes(Some(&before), None, false);
        self.audit(actor, AuditAction::Delete, "admin", &id.to_string(), changes).await;
        Ok(())
    }

    async fn audit(
        &self,
        actor: &StaffMember,
        action: AuditAction,
        resource: &str,
        resource_id: &str,
        changes: Vec<FieldChange>,
    ) {
        let (log, clock) = (self.ports.audit.as_ref(), self.ports.clock.as_ref());
        record_audit(log, clock, actor, action, resource, resource_id, changes).await;
    }
}

/// Records a write that has happened. The write stands if its entry cannot be kept: the
/// failure is logged as an error with the entry, for operators to add by hand.
pub(crate) async fn record_audit(
    log: &dyn AuditLog,
    clock: &dyn Clock,
    actor: &StaffMember,
    action: AuditAction,
    resource: &str,
    resource_id: &str,
    changes: Vec<FieldChange>,
) {
    let entry = AuditEntry {
        actor: actor.user.id,
        actor_name: actor.user.username.clone(),
        action,
        resource: resource.to_owned(),
        resource_id: resource_id.to_owned(),
        changes,
        at: clock.now(),
    };
    if let Err(error) = log.record(&entry).await {
        tracing::error!(%error, ?entry, "an admin write was made but its audit entry was not kept");
    }
}

fn ids_text(ids: &[u64]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

/// The fields a group's write changed.
fn group_changes(before: Option<&Group>, after: Option<&Group>) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let (name_before, name_after) = (before.map(|g| g.name.clone()), after.map(|g| g.name.clone()));
    if name_before != name_after {
        changes.push(FieldChange { field: "name".into(), before: name_before, after: name_after });
    }
    let (perms_before, perms_after) =
        (before.map(|g| ids_text(&g.permissions)), after.map(|g| ids_text(&g.permissions)));
    if perms_before != perms_after {
        changes.push(FieldChange {
            field: "permissions".into(),
            before: perms_before,
            after: perms_after,
        });
    }
    changes
}

/// The fields a staff account's write changed (a new password is noted, never its value).
fn account_changes(
    before: Option<&StaffAccount>,
    after: Option<&StaffAccount>,
    new_password: bool,
) -> Vec<FieldChange> {
    let field_of = |account: Option<&StaffAccount>, field: &str| {
        account.map(|a| match field {
            "username" => a.user.username.clone(),
            "mobile" => a.user.mobile.clone(),
            "groups" => ids_text(&a.groups),
            _ => ids_text(&a.permissions),
        })
    };
    let mut changes: Vec<FieldChange> = ["username", "mobile", "groups", "permissions"]
        .into_iter()
        .filter_map(|field| {
            let (b, a) = (field_of(before, field), field_of(after, field));
            (b != a).then(|| FieldChange { field: field.into(), before: b, after: a })
        })
        .collect();
    if new_password {
        changes.push(FieldChange {
            field: "password".into(),
            before: None,
            after: Some("(changed)".into()),
        });
    }
    changes
}
