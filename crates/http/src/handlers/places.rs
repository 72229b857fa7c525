//! Areas and the address book.

use actix_web::{HttpResponse, delete, get, post, put, web};
use meiduo_application::addresses::AddressForm;
use meiduo_domain::{AddressId, AddressView, Area, AreaWithSubs};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::ids::Id;
use crate::state::ApiState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AreaJson {
    pub id: u64,
    pub name: String,
}

impl From<Area> for AreaJson {
    fn from(a: Area) -> Self {
        AreaJson { id: a.id, name: a.name }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AreaWithSubsJson {
    pub id: u64,
    pub name: String,
    pub subs: Vec<AreaJson>,
}

impl From<AreaWithSubs> for AreaWithSubsJson {
    fn from(a: AreaWithSubs) -> Self {
        AreaWithSubsJson {
            id: a.id,
            name: a.name,
            subs: a.subs.into_iter().map(Into::into).collect(),
        }
    }
}

/// The provinces.
#[utoipa::path(tag = "areas", responses((status = 200, body = Vec<AreaJson>)))]
#[get("/areas/")]
pub async fn provinces(state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let provinces: Vec<AreaJson> =
        state.catalog.provinces().await?.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(provinces))
}

/// An area and the areas under it (a province's cities, a city's districts).
#[utoipa::path(tag = "areas", params(("id" = u64, Path)),
    responses((status = 200, body = AreaWithSubsJson), (status = 404, body = ErrorBody)))]
#[get("/areas/{id}/")]
pub async fn area(
    state: web::Data<ApiState>,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let found: AreaWithSubsJson = state.catalog.area(path.into_inner().0).await?.into();
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddressJson {
    pub id: u64,
    pub title: String,
    pub receiver: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub province_id: u64,
    pub city_id: u64,
    pub district_id: u64,
    pub place: String,
    pub mobile: String,
    pub tel: Option<String>,
    pub email: Option<String>,
}

impl From<AddressView> for AddressJson {
    fn from(view: AddressView) -> Self {
        let a = view.address;
        AddressJson {
            id: a.id.0,
            title: a.title,
            receiver: a.receiver,
            province: view.province,
            city: view.city,
            district: view.district,
            province_id: a.province_id,
            city_id: a.city_id,
            district_id: a.district_id,
            place: a.place,
            mobile: a.mobile,
            tel: a.tel,
            email: a.email,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddressBookJson {
    pub user_id: u64,
    pub default_address_id: Option<u64>,
    pub limit: u32,
    pub addresses: Vec<AddressJson>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddressBody {
    #[schema(max_length = 20)]
    pub title: Option<String>,
    #[schema(max_length = 20, pattern = r"\S")]
    pub receiver: String,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub province_id: u64,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub city_id: u64,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub district_id: u64,
    #[schema(max_length = 50, pattern = r"\S")]
    pub place: String,
    #[schema(pattern = r"^\s*1[3-9][0-9]{9}\s*$")]
    pub mobile: String,
    #[schema(max_length = 20)]
    pub tel: Option<String>,
    #[schema(max_length = 30, pattern = r"^\s*$|^\s*[^@\s]+@[^@\s]+\s*$")]
    pub email: Option<String>,
}

impl From<AddressBody> for AddressForm {
    fn from(b: AddressBody) -> Self {
        AddressForm {
            title: b.title,
            receiver: b.receiver,
            province_id: b.province_id,
            city_id: b.city_id,
            district_id: b.district_id,
            place: b.place,
            mobile: b.mobile,
            tel: b.tel,
            email: b.email,
        }
    }
}

/// The user's addresses, the default one and the limit.
#[utoipa::path(tag = "addresses", security(("jwt" = [])),
    responses((status = 200, body = AddressBookJson), (status = 401, body = ErrorBody)))]
#[get("/addresses/")]
pub async fn list(state: web::Data<ApiState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let book = state.addresses.list(user.0).await?;
    Ok(HttpResponse::Ok().json(AddressBookJson {
        user_id: book.user_id.0,
        default_address_id: book.default_address_id.map(|id| id.0),
        limit: book.limit,
        addresses: book.addresses.into_iter().map(Into::into).collect(),
    }))
}

/// Adds an address (at most 20); the first becomes the default.
#[utoipa::path(tag = "addresses", security(("jwt" = [])), request_body = AddressBody,
    responses((status = 201, body = AddressJson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
#[post("/addresses/")]
pub async fn create(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<AddressBody>,
) -> Result<HttpResponse, ApiError> {
    let view = state.addresses.create(user.0, &body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(AddressJson::from(view)))
}

/// Replaces an address.
#[utoipa::path(tag = "addresses", security(("jwt" = [])), request_body = AddressBody, params(("id" = u64, Path)),
    responses((status = 200, body = AddressJson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/addresses/{id}/")]
pub async fn update(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    body: web::Json<AddressBody>,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .addresses
        .update(user.0, AddressId(path.into_inner().0), &body.into_inner().into())
        .await?;
    Ok(HttpResponse::Ok().json(AddressJson::from(view)))
}

/// Deletes an address (orders keep it).
#[utoipa::path(tag = "addresses", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
#[delete("/addresses/{id}/")]
pub async fn remove(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.addresses.delete(user.0, AddressId(path.into_inner().0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageJson {
    pub message: &'static str,
}

/// Makes an address the default.
#[utoipa::path(tag = "addresses", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = MessageJson), (status = 404, body = ErrorBody)))]
#[put("/addresses/{id}/status/")]
pub async fn set_default(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.addresses.set_default(user.0, AddressId(path.into_inner().0)).await?;
    Ok(HttpResponse::Ok().json(MessageJson { message: "OK" }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TitleBody {
    #[schema(max_length = 20, pattern = r"\S")]
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TitleJson {
    pub title: String,
}

/// Renames an address.
#[utoipa::path(tag = "addresses", security(("jwt" = [])), request_body = TitleBody, params(("id" = u64, Path)),
    responses((status = 200, body = TitleJson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/addresses/{id}/title/")]
pub async fn set_title(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    body: web::Json<TitleBody>,
) -> Result<HttpResponse, ApiError> {
    state.addresses.set_title(user.0, AddressId(path.into_inner().0), &body.title).await?;
    Ok(HttpResponse::Ok().json(TitleJson { title: body.title.trim().to_owned() }))
}
