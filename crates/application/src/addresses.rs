//! The address book.

use std::sync::Arc;

use meiduo_domain::ports::{AddressRepository, AreaRepository, StoreError, UserRepository};
use meiduo_domain::{AddressId, AddressInput, AddressView, Mobile, UserId};

use crate::errors::ServiceFailure;

/// The most addresses a user may keep.
pub const ADDRESS_LIMIT: u32 = 20;

/// Why an address request failed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("{field}: {message}")]
    InvalidField { field: &'static str, message: &'static str },
    #[error("at most {0} addresses")]
    LimitReached(u32),
    #[error("no such address")]
    NotFound,
    #[error(transparent)]
    Failure(#[from] ServiceFailure),
}

impl From<StoreError> for AddressError {
    fn from(value: StoreError) -> Self {
        AddressError::Failure(value.into())
    }
}

/// An address as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct AddressForm {
    pub title: Option<String>,
    pub receiver: String,
    pub province_id: u64,
    pub city_id: u64,
    pub district_id: u64,
    pub place: String,
    pub mobile: String,
    pub tel: Option<String>,
    pub email: Option<String>,
}

/// The address book of a user, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressBook {
    pub user_id: UserId,
    pub default_address_id: Option<AddressId>,
    pub limit: u32,
    pub addresses: Vec<AddressView>,
}

/// The address use cases.
pub struct Addresses {
    addresses: Arc<dyn AddressRepository>,
    areas: Arc<dyn AreaRepository>,
    users: Arc<dyn UserRepository>,
}

impl std::fmt::Debug for Addresses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Addresses").finish_non_exhaustive()
    }
}

fn bounded(field: &'static str, value: &str, max: usize) -> Result<String, AddressError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(AddressError::InvalidField { field, message: "required, and not too long" });
    }
    Ok(value.to_owned())
}

fn optional(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, AddressError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() <= max => Ok(Some(v.to_owned())),
        Some(_) => Err(AddressError::InvalidField { field, message: "too long" }),
    }
}

impl Addresses {
    pub fn new(
        addresses: Arc<dyn AddressRepository>,
        areas: Arc<dyn AreaRepository>,
        users: Arc<dyn UserRepository>,
    ) -> Self {
        Addresses { addresses, areas, users }
    }

    /// Validates a form: lengths, the mobile, the e-mail's shape, and that the district lies in
    /// the city and the city in the province.
    #[tracing::instrument(name = "addresses.validate", skip_all)]
    pub async fn validate(&self, form: &AddressForm) -> Result<AddressInput, AddressError> {
        let receiver = bounded("receiver", &form.receiver, 20)?;
        let title = match form.title.as_deref().map(str::trim) {
            None | Some("") => receiver.clone(),
            Some(title) => bounded("title", title, 20)?,
        };
        let place = bounded("place", &form.place, 50)?;
        let mobile = Mobile::parse(form.mobile.trim()).map_err(|_| AddressError::InvalidField {
            field: "mobile",
            message: "11 digits starting with 13 to 19",
        })?;
        let tel = optional("tel", form.tel.as_deref(), 20)?;
        let email = optional("email", form.email.as_deref(), 30)?;
        if email
            .as_deref()
            .is_some_and(|e| !e.contains('@') || e.starts_with('@') || e.ends_with('@'))
        {
            return Err(AddressError::InvalidField {
                field: "email",
                message: "not an e-mail address",
            });
        }
        let lineage =
            self.areas.lineage(&[form.province_id, form.city_id, form.district_id]).await?;
        let parent = |id: u64| lineage.iter().find(|(a, _, _)| *a == id).map(|(_, p, _)| *p);
        if parent(form.province_id) != Some(None) {
            return Err(AddressError::InvalidField {
                field: "province_id",
                message: "not a province",
            });
        }
        if parent(form.city_id) != Some(Some(form.province_id)) {
            return Err(AddressError::InvalidField {
                field: "city_id",
                message: "not a city of the province",
            });
        }
        if parent(form.district_id) != Some(Some(form.city_id)) {
            return Err(AddressError::InvalidField {
                field: "district_id",
                message: "not a district of the city",
            });
        }
        Ok(AddressInput {
            title,
            receiver,
            province_id: form.province_id,
            city_id: form.city_id,
            district_id: form.district_id,
            place,
            mobile,
            tel,
            email,
        })
    }

    #[tracing::instrument(name = "addresses.list", skip_all, fields(user_id = %user))]
    pub async fn list(&self, user: UserId) -> Result<AddressBook, AddressError> {
        let profile = self.users.find(user).await?.ok_or(AddressError::NotFound)?;
        Ok(AddressBook {
            user_id: user,
            default_address_id: profile.default_address_id,
            limit: ADDRESS_LIMIT,
            addresses: self.addresses.list_for_user(user).await?,
        })
    }

    #[tracing::instrument(name = "addresses.create", skip_all, fields(user_id = %user))]
    pub async fn create(
        &self,
        user: UserId,
        form: &AddressForm,
    ) -> Result<AddressView, AddressError> {
        let input = self.validate(form).await?;
        self.addresses
            .create(user, &input, ADDRESS_LIMIT)
            .await?
            .ok_or(AddressError::LimitReached(ADDRESS_LIMIT))
    }

    #[tracing::instrument(name = "addresses.update", skip_all, fields(user_id = %user))]
    pub async fn update(
        &self,
        user: UserId,
        id: AddressId,
        form: &AddressForm,
    ) -> Result<AddressView, AddressError> {
        let input = self.validate(form).await?;
        self.addresses.update(user, id, &input).await?.ok_or(AddressError::NotFound)
    }

    #[tracing::instrument(name = "addresses.delete", skip_all, fields(user_id = %user))]
    pub async fn delete(&self, user: UserId, id: AddressId) -> Result<(), AddressError> {
        self.addresses.delete(user, id).await?.then_some(()).ok_or(AddressError::NotFound)
    }

    #[tracing::instrument(name = "addresses.set_default", skip_all, fields(user_id = %user))]
    pub async fn set_default(&self, user: UserId, id: AddressId) -> Result<(), AddressError> {
        self.addresses.set_default(user, id).await?.then_some(()).ok_or(AddressError::NotFound)
    }

    #[tracing::instrument(name = "addresses.set_title", skip_all, fields(user_id = %user))]
    pub async fn set_title(
        &self,
        user: UserId,
        id: AddressId,
        title: &str,
    ) -> Result<(), AddressError> {
        let title = bounded("title", title, 20)?;
        self.addresses
            .set_title(user, id, &title)
            .await?
            .then_some(())
            .ok_or(AddressError::NotFound)
    }
}
