//! The operators' side: staff members and their rights (Django's auth model: permissions named
//! `<action>_<model>`, groups of permissions, staff who hold groups and permissions of their
//! own, superusers who hold all), and the audit log of what they changed.

use std::collections::BTreeSet;

use time::OffsetDateTime;

use crate::{User, UserId};

/// A staff member as the admin API sees one: the user, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub user: User,
    pub is_superuser: bool,
    /// The codenames of its own permissions and of its groups' (`view_orderinfo`, ...).
    pub permissions: BTreeSet<String>,
}

impl StaffMember {
    /// Whether it may do what the permission `codename` names: a superuser may do anything.
    pub fn may(&self, codename: &str) -> bool {
        self.is_superuser || self.permissions.contains(codename)
    }
}

/// What an audited write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Create,
    Update,
    Delete,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "create" => Some(AuditAction::Create),
            "update" => Some(AuditAction::Update),
            "delete" => Some(AuditAction::Delete),
            _ => None,
        }
    }
}

/// One field an audited write changed: its value before (none for a creation) and after (none
/// for a deletion), as text. Secrets (password hashes) are never recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One write made through the admin API: who, what, when, and the fields it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: UserId,
    pub actor_name: String,
    pub action: AuditAction,
    /// The kind of thing written (`user`, `orderinfo`, ...).
    pub resource: String,
    pub resource_id: String,
    pub changes: Vec<FieldChange>,
    pub at: OffsetDateTime,
}

/// A kind of thing permissions are about (Django's `ContentType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType {
    pub id: u64,
    pub app_label: String,
    pub model: String,
}

/// A permission as the rights administration lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PermissionInfo {
    pub id: u64,
    pub name: String,
    pub codename: String,
    pub content_type: u64,
}

/// A group of permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: u64,
    pub name: String,
    /// The permissions' ids.
    pub permissions: Vec<u64>,
}

/// A staff account as the rights administration shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub user: User,
    pub is_superuser: bool,
    /// The groups' ids.
    pub groups: Vec<u64>,
    /// The ids of the permissions it holds of its own.
    pub permissions: Vec<u64>,
}

/// What an update of a staff account sets; the password (already hashed, with a new token
/// stamp) only when it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffChange {
    pub username: crate::Username,
    pub mobile: crate::Mobile,
    pub new_password: Option<(String, String)>,
    pub groups: Vec<u64>,
    pub permissions: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(is_superuser: bool, permissions: &[&str]) -> StaffMember {
        StaffMember {
            user: User {
                id: UserId(1),
                username: "admin".into(),
                mobile: "13800000000".into(),
                email: None,
                email_active: false,
                default_address_id: None,
                token_stamp: String::new(),
            },
            is_superuser,
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn a_superuser_may_do_anything_and_others_what_they_hold() {
        assert!(member(true, &[]).may("delete_sku"));
        let clerk = member(false, &["view_orderinfo"]);
        assert!(clerk.may("view_orderinfo"));
        assert!(!clerk.may("change_orderinfo"));
    }

    #[test]
    fn audit_actions_read_back() {
        for action in [AuditAction::Create, AuditAction::Update, AuditAction::Delete] {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("drop"), None);
    }
}
