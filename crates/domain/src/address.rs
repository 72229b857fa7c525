//! Delivery addresses.

use serde::Serialize;

use crate::{AddressId, UserId};

/// A delivery address of a user (`tb_address`). Deleting one only marks it deleted: orders keep
/// pointing at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub id: AddressId,
    pub user_id: UserId,
    pub title: String,
    pub receiver: String,
    pub province_id: u64,
    pub city_id: u64,
    pub district_id: u64,
    pub place: String,
    pub mobile: String,
    pub tel: Option<String>,
    pub email: Option<String>,
    pub is_deleted: bool,
}

/// The fields of an address a user writes, validated by the address use cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressInput {
    pub title: String,
    pub receiver: String,
    pub province_id: u64,
    pub city_id: u64,
    pub district_id: u64,
    pub place: String,
    pub mobile: crate::Mobile,
    pub tel: Option<String>,
    pub email: Option<String>,
}

/// An address with the names of its areas, as the address book shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressView {
    #[serde(flatten)]
    pub address: Address,
    pub province: String,
    pub city: String,
    pub district: String,
}
