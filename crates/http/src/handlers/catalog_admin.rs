//! The catalog's administration under `/meiduo_admin/`: SKUs with their specification options
//! (`skus/`), their pictures (`skus/images/`, multipart uploads), SPUs (`goods/`), brands
//! (`goods/brands/`), specifications (`goods/specs/`) and their options (`specs/options/`),
//! channels (`goods/channels/`), and the short lists the forms choose from. Each endpoint checks
//! Django's permission on its model; every write is audited.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use meiduo_application::admin::permissions;
use meiduo_application::catalog_admin::MAX_IMAGE_BYTES;
use meiduo_domain::{
    BrandRecord, ChannelForm, ChannelRecord, Money, NamedRef, OptionRecord, OptionValue, SkuForm,
    SkuImageRecord, SkuRecord, SkuSpecChoice, SpecRecord, SpuForm, SpuRecord,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody, ErrorCode, large_json};
use crate::handlers::admin::{AdminListQuery, AdminPaged};
use crate::ids::Id;
use crate::state::ApiState;

/// An amount of yuan with at most two decimals, as text (`"3388.00"`, DRF's decimals) or as a
/// JSON number.
fn money<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Amount {
        Text(String),
        Number(serde_json::Number),
    }
    let text = match Amount::deserialize(deserializer)? {
        Amount::Text(text) => text,
        Amount::Number(number) => number.to_string(),
    };
    Money::parse_exact(&text).map_err(|_| {
        serde::de::Error::custom(format!("`{text}` is not an amount with at most 2 decimals"))
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminNamedJson {
    pub id: u64,
    pub name: String,
}

fn named(list: Vec<NamedRef>) -> Vec<AdminNamedJson> {
    list.into_iter().map(|n| AdminNamedJson { id: n.id, name: n.name }).collect()
}

// SKUs.

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct AdminSpecChoiceJson {
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub spec_id: u64,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub option_id: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSkuJson {
    pub id: u64,
    pub name: String,
    pub caption: String,
    /// The SPU's name.
    pub spu: String,
    pub spu_id: u64,
    /// The category's name.
    pub category: String,
    pub category_id: u64,
    pub price: String,
    pub cost_price: String,
    pub market_price: String,
    pub stock: u32,
    pub sales: u32,
    pub comments: u32,
    pub is_launched: bool,
    /// The default picture's URL (`""` when none).
    pub default_image: String,
    pub specs: Vec<AdminSpecChoiceJson>,
}

fn sku_json(state: &ApiState, sku: SkuRecord) -> AdminSkuJson {
    AdminSkuJson {
        default_image: state.image_url(sku.default_image.as_deref()),
        id: sku.id,
        name: sku.name,
        caption: sku.caption,
        spu: sku.spu,
        spu_id: sku.spu_id,
        category: sku.category,
        category_id: sku.category_id,
        price: sku.price.to_string(),
        cost_price: sku.cost_price.to_string(),
        market_price: sku.market_price.to_string(),
        stock: sku.stock,
        sales: sku.sales,
        comments: sku.comments,
        is_launched: sku.is_launched,
        specs: sku
            .specs
            .into_iter()
            .map(|c| AdminSpecChoiceJson { spec_id: c.spec_id, option_id: c.option_id })
            .collect(),
    }
}

/// A SKU as the form sends it. `stock` is the wanted stock, applied as a difference (see
/// `stock_was`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AdminSkuBody {
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub caption: String,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub spu_id: u64,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub category_id: u64,
    /// From 0.01 to 100000.00.
    #[serde(deserialize_with = "money")]
    #[schema(value_type = String, pattern = r"^[0-9]{1,6}(\.[0-9]{1,2})?$")]
    pub price: Money,
    #[serde(deserialize_with = "money")]
    #[schema(value_type = String, pattern = r"^[0-9]{1,6}(\.[0-9]{1,2})?$")]
    pub cost_price: Money,
    #[serde(deserialize_with = "money")]
    #[schema(value_type = String, pattern = r"^[0-9]{1,6}(\.[0-9]{1,2})?$")]
    pub market_price: Money,
    #[serde(deserialize_with = "crate::ids::count")]
    #[schema(minimum = 0, maximum = 1000000)]
    pub stock: u32,
    /// The stock the form showed: the change applied is `stock - stock_was`, so units sold
    /// since the form was read stay sold. Without it, the difference to the stock when the
    /// change is written.
    #[serde(default, deserialize_with = "crate::ids::optional_count")]
    #[schema(minimum = 0, maximum = 1000000)]
    pub stock_was: Option<u32>,
    #[serde(default = "launched")]
    pub is_launched: bool,
    /// One option for each of the SPU's specifications.
    #[serde(default)]
    pub specs: Vec<AdminSpecChoiceJson>,
}

fn launched() -> bool {
    true
}

impl From<AdminSkuBody> for SkuForm {
    fn from(b: AdminSkuBody) -> Self {
        SkuForm {
            name: b.name,
            caption: b.caption,
            spu_id: b.spu_id,
            category_id: b.category_id,
            price: b.price,
            cost_price: b.cost_price,
            market_price: b.market_price,
            stock: b.stock,
            stock_was: b.stock_was,
            is_launched: b.is_launched,
            specs: b
                .specs
                .into_iter()
                .map(|c| SkuSpecChoice { spec_id: c.spec_id, option_id: c.option_id })
                .collect(),
        }
    }
}

/// The SKUs by id, with `keyword` matching part of the name.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<AdminSkuJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/skus/")]
pub async fn skus(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SKU).await?;
    let page = query.page()?;
    let found = state.catalog_admin.skus(query.keyword.as_deref(), page).await?;
    let lists = found.items.into_iter().map(|s| sku_json(&state, s)).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

/// Creates a SKU with its options.
#[utoipa::path(tag = "admin", security(("jwt" = [])), request_body = AdminSkuBody,
    responses((status = 201, body = AdminSkuJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/meiduo_admin/skus/")]
pub async fn create_sku(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<AdminSkuBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::ADD_SKU).await?;
    let sku = state.catalog_admin.create_sku(&actor, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(sku_json(&state, sku)))
}

/// Every SKU by id and name (the picture form's choice), with its default picture.
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<AdminNamedJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/skus/simple/")]
pub async fn skus_simple(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SKU).await?;
    Ok(HttpResponse::Ok().json(named(state.catalog_admin.sku_names().await?)))
}

/// The third-level categories (a SKU's category).
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<AdminNamedJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/skus/categories/")]
pub async fn sku_categories(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_CATEGORY).await?;
    Ok(HttpResponse::Ok().json(named(state.catalog_admin.third_level_categories().await?)))
}

/// One SKU.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = AdminSkuJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/skus/{id}/")]
pub async fn sku_detail(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SKU).await?;
    let sku = state.catalog_admin.sku(path.into_inner().0).await?;
    Ok(HttpResponse::Ok().json(sku_json(&state, sku)))
}

/// Changes a SKU: a new price applies to new orders; the stock moves by the difference.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)), request_body = AdminSkuBody,
    responses((status = 200, body = AdminSkuJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[put("/meiduo_admin/skus/{id}/")]
pub async fn update_sku(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    body: web::Json<AdminSkuBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::CHANGE_SKU).await?;
    let id = path.into_inner().0;
    let sku = state.catalog_admin.update_sku(&actor, id, body.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(sku_json(&state, sku)))
}

/// Deletes a SKU no order references (204), or takes one that orders reference off sale and
/// answers it (200).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 200, body = AdminSkuJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/meiduo_admin/skus/{id}/")]
pub async fn delete_sku(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::DELETE_SKU).await?;
    Ok(match state.catalog_admin.delete_sku(&actor, path.into_inner().0).await? {
        None => HttpResponse::NoContent().finish(),
        Some(unlaunched) => HttpResponse::Ok().json(sku_json(&state, unlaunched)),
    })
}

// SPUs.

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSpuJson {
    pub id: u64,
    pub name: String,
    /// The brand's name.
    pub brand: String,
    pub brand_id: u64,
    pub category1_id: u64,
    pub category2_id: u64,
    pub category3_id: u64,
    pub sales: u64,
    pub comments: u64,
    pub desc_detail: String,
    pub desc_pack: String,
    pub desc_service: String,
}

impl From<SpuRecord> for AdminSpuJson {
    fn from(s: SpuRecord) -> Self {
        AdminSpuJson {
            id: s.id,
            name: s.name,
            brand: s.brand,
            brand_id: s.brand_id,
            category1_id: s.category1_id,
            category2_id: s.category2_id,
            category3_id: s.category3_id,
            sales: s.sales,
            comments: s.comments,
            desc_detail: s.desc_detail,
            desc_pack: s.desc_pack,
            desc_service: s.desc_service,
        }
    }
}

/// The largest SPU body taken: its three descriptions (10000 characters each) may be rich
/// text, and JSON may escape each character as 6 bytes.
const MAX_SPU_BODY: usize = 256 * 1024;

#[derive(Debug, Deserialize, ToSchema)]
pub struct AdminSpuBody {
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub brand_id: u64,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub category1_id: u64,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub category2_id: u64,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub category3_id: u64,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub desc_detail: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub desc_pack: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub desc_service: String,
}

impl From<AdminSpuBody> for SpuForm {
    fn from(b: AdminSpuBody) -> Self {
        SpuForm {
            name: b.name,
            brand_id: b.brand_id,
            category_ids: [b.category1_id, b.category2_id, b.category3_id],
            desc_detail: b.desc_detail,
            desc_pack: b.desc_pack,
            desc_service: b.desc_service,
        }
    }
}

/// The SPUs by id, with `keyword` matching part of the name.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<AdminSpuJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/goods/")]
pub async fn spus(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SPU).await?;
    let page = query.page()?;
    let found = state.catalog_admin.spus(query.keyword.as_deref(), page).await?;
    let lists = found.items.into_iter().map(AdminSpuJson::from).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

/// Creates an SPU: its categories must be a first level, one under it and one under that.
#[utoipa::path(tag = "admin", security(("jwt" = [])), request_body = AdminSpuBody,
    responses((status = 201, body = AdminSpuJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/meiduo_admin/goods/")]
pub async fn create_spu(
    state: web::Data<ApiState>,
    user: AuthUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::ADD_SPU).await?;
    let body: AdminSpuBody = large_json(&req, payload, MAX_SPU_BODY).await?;
    let spu = state.catalog_admin.create_spu(&actor, body.into()).await?;
    Ok(HttpResponse::Created().json(AdminSpuJson::from(spu)))
}

/// Every SPU by id and name (the SKU form's choice).
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<AdminNamedJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/goods/simple/")]
pub async fn spus_simple(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SPU).await?;
    Ok(HttpResponse::Ok().json(named(state.catalog_admin.spu_names().await?)))
}

/// Every brand by id and name (the SPU form's choice).
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<AdminNamedJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/goods/brands/simple/")]
pub async fn brands_simple(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_BRAND).await?;
    let all = state.catalog_admin.brands(None).await?.items;
    let all: Vec<AdminNamedJson> =
        all.into_iter().map(|b| AdminNamedJson { id: b.id, name: b.name }).collect();
    Ok(HttpResponse::Ok().json(all))
}

/// The first-level categories (the SPU form's first choice).
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<AdminNamedJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/goods/channel/categories/")]
pub async fn first_categories(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_CATEGORY).await?;
    Ok(HttpResponse::Ok().json(named(state.catalog_admin.categories_under(None).await?)))
}

/// The first-level categories (the channel form's choice), as `goods/channel/categories/`.
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<AdminNamedJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/goods/categories/")]
pub async fn channel_categories(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_CATEGORY).await?;
    Ok(HttpResponse::Ok().json(named(state.catalog_admin.categories_under(None).await?)))
}

/// The categories under one (the SPU form's second and third choices); an unknown one has none.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = Vec<AdminNamedJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/goods/channel/categories/{id}/")]
pub async fn sub_categories(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_CATEGORY).await?;
    let under = state.catalog_admin.categories_under(Some(path.into_inner().0)).await?;
    Ok(HttpResponse::Ok().json(named(under)))
}

/// One SPU.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = AdminSpuJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/goods/{id}/")]
pub async fn spu_detail(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SPU).await?;
    Ok(HttpResponse::Ok()
        .json(AdminSpuJson::from(state.catalog_admin.spu(path.into_inner().0).await?)))
}

/// Changes an SPU (its SKUs follow its third-level category).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)), request_body = AdminSpuBody,
    responses((status = 200, body = AdminSpuJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/meiduo_admin/goods/{id}/")]
pub async fn update_spu(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::CHANGE_SPU).await?;
    let body: AdminSpuBody = large_json(&req, payload, MAX_SPU_BODY).await?;
    let id = path.into_inner().0;
    let spu = state.catalog_admin.update_spu(&actor, id, body.into()).await?;
    Ok(HttpResponse::Ok().json(AdminSpuJson::from(spu)))
}

/// Deletes an SPU without SKUs or specifications (409 `in_use` otherwise).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[delete("/meiduo_admin/goods/{id}/")]
pub async fn delete_spu(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::DELETE_SPU).await?;
    state.catalog_admin.delete_spu(&actor, path.into_inner().0).await?;
    Ok(HttpResponse::NoContent().finish())
}

// Specifications and options.

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminOptionValueJson {
    pub id: u64,
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSpecJson {
    pub id: u64,
    pub name: String,
    /// The SPU's name.
    pub spu: String,
    pub spu_id: u64,
    pub options: Vec<AdminOptionValueJson>,
}

impl From<SpecRecord> for AdminSpecJson {
    fn from(s: SpecRecord) -> Self {
        AdminSpecJson {
            id: s.id,
            name: s.name,
            spu: s.spu,
            spu_id: s.spu_id,
            options: s
                .options
                .into_iter()
                .map(|o: OptionValue| AdminOptionValueJson { id: o.id, value: o.value })
                .collect(),
        }
    }
}

/// The specifications of an SPU with their options (the SKU form's choices).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = Vec<AdminSpecJson>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/goods/{id}/specs/")]
pub async fn spu_specs(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SPEC).await?;
    let found = state.catalog_admin.spu_specs(path.into_inner().0).await?;
    Ok(HttpResponse::Ok().json(found.into_iter().map(AdminSpecJson::from).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AdminSpecBody {
    #[schema(min_length = 1, max_length = 20, pattern = r"\S")]
    pub name: String,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub spu_id: u64,
}

/// The specifications by id, with their options.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<AdminSpecJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/goods/specs/")]
pub async fn specs(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SPEC).await?;
    let page = query.page()?;
    let found = state.catalog_admin.specs(Some(page)).await?;
    let lists = found.items.into_iter().map(AdminSpecJson::from).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

/// Creates a specification of an SPU.
#[utoipa::path(tag = "admin", security(("jwt" = [])), request_body = AdminSpecBody,
    responses((status = 201, body = AdminSpecJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/meiduo_admin/goods/specs/")]
pub async fn create_spec(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<AdminSpecBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::ADD_SPEC).await?;
    let spec = state.catalog_admin.save_spec(&actor, None, &body.name, body.spu_id).await?;
    Ok(HttpResponse::Created().json(AdminSpecJson::from(spec)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSpecNameJson {
    pub id: u64,
    pub name: String,
    /// The SPU's name (two SPUs' specifications may share a name).
    pub spu: String,
}

/// Every specification (the option form's choice).
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<AdminSpecNameJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/goods/specs/simple/")]
pub async fn specs_simple(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SPEC).await?;
    let all = state.catalog_admin.specs(None).await?.items;
    let all: Vec<AdminSpecNameJson> =
        all.into_iter().map(|s| AdminSpecNameJson { id: s.id, name: s.name, spu: s.spu }).collect();
    Ok(HttpResponse::Ok().json(all))
}

/// One specification.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = AdminSpecJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/goods/specs/{id}/")]
pub async fn spec_detail(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SPEC).await?;
    Ok(HttpResponse::Ok()
        .json(AdminSpecJson::from(state.catalog_admin.spec(path.into_inner().0).await?)))
}

/// Renames a specification or moves it to another SPU (not one that SKUs use).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)), request_body = AdminSpecBody,
    responses((status = 200, body = AdminSpecJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[put("/meiduo_admin/goods/specs/{id}/")]
pub async fn update_spec(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    body: web::Json<AdminSpecBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::CHANGE_SPEC).await?;
    let id = Some(path.into_inner().0);
    let spec = state.catalog_admin.save_spec(&actor, id, &body.name, body.spu_id).await?;
    Ok(HttpResponse::Ok().json(AdminSpecJson::from(spec)))
}

/// Deletes a specification no SKU uses, with its options (409 `in_use` otherwise).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[delete("/meiduo_admin/goods/specs/{id}/")]
pub async fn delete_spec(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::DELETE_SPEC).await?;
    state.catalog_admin.delete_spec(&actor, path.into_inner().0).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminOptionJson {
    pub id: u64,
    pub value: String,
    /// The specification's name.
    pub spec: String,
    pub spec_id: u64,
}

impl From<OptionRecord> for AdminOptionJson {
    fn from(o: OptionRecord) -> Self {
        AdminOptionJson { id: o.id, value: o.value, spec: o.spec, spec_id: o.spec_id }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AdminOptionBody {
    #[schema(min_length = 1, max_length = 20, pattern = r"\S")]
    pub value: String,
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub spec_id: u64,
}

/// The options by id.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<AdminOptionJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/specs/options/")]
pub async fn options(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_OPTION).await?;
    let page = query.page()?;
    let found = state.catalog_admin.options(Some(page)).await?;
    let lists = found.items.into_iter().map(AdminOptionJson::from).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

/// Creates an option of a specification.
#[utoipa::path(tag = "admin", security(("jwt" = [])), request_body = AdminOptionBody,
    responses((status = 201, body = AdminOptionJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/meiduo_admin/specs/options/")]
pub async fn create_option(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<AdminOptionBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::ADD_OPTION).await?;
    let option = state.catalog_admin.save_option(&actor, None, &body.value, body.spec_id).await?;
    Ok(HttpResponse::Created().json(AdminOptionJson::from(option)))
}

/// One option.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = AdminOptionJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/specs/options/{id}/")]
pub async fn option_detail(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_OPTION).await?;
    let option = state.catalog_admin.option(path.into_inner().0).await?;
    Ok(HttpResponse::Ok().json(AdminOptionJson::from(option)))
}

/// Changes an option's value, or moves it to another specification (not one that SKUs use).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)), request_body = AdminOptionBody,
    responses((status = 200, body = AdminOptionJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[put("/meiduo_admin/specs/options/{id}/")]
pub async fn update_option(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    body: web::Json<AdminOptionBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::CHANGE_OPTION).await?;
    let id = Some(path.into_inner().0);
    let option = state.catalog_admin.save_option(&actor, id, &body.value, body.spec_id).await?;
    Ok(HttpResponse::Ok().json(AdminOptionJson::from(option)))
}

/// Deletes an option no SKU uses (409 `in_use` otherwise).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[delete("/meiduo_admin/specs/options/{id}/")]
pub async fn delete_option(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::DELETE_OPTION).await?;
    state.catalog_admin.delete_option(&actor, path.into_inner().0).await?;
    Ok(HttpResponse::NoContent().finish())
}

// Brands.

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminBrandJson {
    pub id: u64,
    pub name: String,
    /// The logo's URL (`""` when none).
    pub logo: String,
    pub first_letter: String,
}

fn brand_json(state: &ApiState, b: BrandRecord) -> AdminBrandJson {
    AdminBrandJson {
        logo: state.image_url(Some(&b.logo)),
        id: b.id,
        name: b.name,
        first_letter: b.first_letter,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AdminBrandBody {
    #[schema(min_length = 1, max_length = 20, pattern = r"\S")]
    pub name: String,
    /// One letter, A to Z.
    #[schema(pattern = r"^[A-Za-z]$")]
    pub first_letter: String,
    /// The logo's path under the image host (may be empty).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub logo: String,
}

impl From<AdminBrandBody> for BrandRecord {
    fn from(b: AdminBrandBody) -> Self {
        BrandRecord { id: 0, name: b.name, logo: b.logo, first_letter: b.first_letter }
    }
}

/// The brands by id.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<AdminBrandJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/goods/brands/")]
pub async fn brands(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_BRAND).await?;
    let page = query.page()?;
    let found = state.catalog_admin.brands(Some(page)).await?;
    let lists = found.items.into_iter().map(|b| brand_json(&state, b)).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

/// Creates a brand.
#[utoipa::path(tag = "admin", security(("jwt" = [])), request_body = AdminBrandBody,
    responses((status = 201, body = AdminBrandJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/meiduo_admin/goods/brands/")]
pub async fn create_brand(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<AdminBrandBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::ADD_BRAND).await?;
    let brand = state.catalog_admin.save_brand(&actor, None, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(brand_json(&state, brand)))
}

/// One brand.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = AdminBrandJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/goods/brands/{id}/")]
pub async fn brand_detail(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_BRAND).await?;
    let brand = state.catalog_admin.brand(path.into_inner().0).await?;
    Ok(HttpResponse::Ok().json(brand_json(&state, brand)))
}

/// Changes a brand.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)), request_body = AdminBrandBody,
    responses((status = 200, body = AdminBrandJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/meiduo_admin/goods/brands/{id}/")]
pub async fn update_brand(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    body: web::Json<AdminBrandBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::CHANGE_BRAND).await?;
    let id = Some(path.into_inner().0);
    let brand = state.catalog_admin.save_brand(&actor, id, body.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(brand_json(&state, brand)))
}

/// Deletes a brand no SPU has (409 `in_use` otherwise).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[delete("/meiduo_admin/goods/brands/{id}/")]
pub async fn delete_brand(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::DELETE_BRAND).await?;
    state.catalog_admin.delete_brand(&actor, path.into_inner().0).await?;
    Ok(HttpResponse::NoContent().finish())
}

// Channels.

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminChannelJson {
    pub id: u64,
    /// The group's name.
    pub group: String,
    pub group_id: u64,
    /// The category's name.
    pub category: String,
    pub category_id: u64,
    pub url: String,
    pub sequence: u32,
}

impl From<ChannelRecord> for AdminChannelJson {
    fn from(c: ChannelRecord) -> Self {
        AdminChannelJson {
            id: c.id,
            group: c.group,
            group_id: c.group_id,
            category: c.category,
            category_id: c.category_id,
            url: c.url,
            sequence: c.sequence,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AdminChannelBody {
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub group_id: u64,
    /// A first-level category without a channel.
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub category_id: u64,
    /// `http(s)://...` or a path, at most 50 characters.
    #[schema(min_length = 1, max_length = 50, pattern = r"^(https?://|/)\S*$")]
    pub url: String,
    #[serde(deserialize_with = "crate::ids::count")]
    #[schema(minimum = 0, maximum = 10000)]
    pub sequence: u32,
}

impl From<AdminChannelBody> for ChannelForm {
    fn from(b: AdminChannelBody) -> Self {
        ChannelForm {
            group_id: b.group_id,
            category_id: b.category_id,
            url: b.url,
            sequence: b.sequence,
        }
    }
}

/// The channels, by group and place.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<AdminChannelJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/goods/channels/")]
pub async fn channels(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_CHANNEL).await?;
    let page = query.page()?;
    let found = state.catalog_admin.channels(Some(page)).await?;
    let lists = found.items.into_iter().map(AdminChannelJson::from).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

/// Creates a channel; the home page's menu shows it.
#[utoipa::path(tag = "admin", security(("jwt" = [])), request_body = AdminChannelBody,
    responses((status = 201, body = AdminChannelJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/meiduo_admin/goods/channels/")]
pub async fn create_channel(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<AdminChannelBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::ADD_CHANNEL).await?;
    let channel = state.catalog_admin.save_channel(&actor, None, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(AdminChannelJson::from(channel)))
}

/// The channel groups (the channel form's choice).
#[utoipa::path(tag = "admin", security(("jwt" = [])), responses((status = 200, body = Vec<AdminNamedJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/goods/channel_types/")]
pub async fn channel_types(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_CHANNEL_GROUP).await?;
    Ok(HttpResponse::Ok().json(named(state.catalog_admin.channel_groups().await?)))
}

/// One channel.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = AdminChannelJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/goods/channels/{id}/")]
pub async fn channel_detail(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_CHANNEL).await?;
    let channel = state.catalog_admin.channel(path.into_inner().0).await?;
    Ok(HttpResponse::Ok().json(AdminChannelJson::from(channel)))
}

/// Changes a channel; the menu follows.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)), request_body = AdminChannelBody,
    responses((status = 200, body = AdminChannelJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/meiduo_admin/goods/channels/{id}/")]
pub async fn update_channel(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    body: web::Json<AdminChannelBody>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::CHANGE_CHANNEL).await?;
    let id = Some(path.into_inner().0);
    let channel = state.catalog_admin.save_channel(&actor, id, body.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(AdminChannelJson::from(channel)))
}

/// Deletes a channel (its category stays); the menu follows.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/meiduo_admin/goods/channels/{id}/")]
pub async fn delete_channel(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::DELETE_CHANNEL).await?;
    state.catalog_admin.delete_channel(&actor, path.into_inner().0).await?;
    Ok(HttpResponse::NoContent().finish())
}

// Pictures.

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminImageJson {
    pub id: u64,
    /// The SKU's id.
    pub sku: u64,
    /// The picture's URL.
    pub image: String,
}

fn image_json(state: &ApiState, i: SkuImageRecord) -> AdminImageJson {
    AdminImageJson { image: state.image_url(Some(&i.image)), id: i.id, sku: i.sku }
}

/// A picture upload: `multipart/form-data` with the SKU's id and the file.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AdminImageUpload {
    /// The SKU's id.
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    sku: u64,
    /// A JPEG, PNG, GIF or WebP picture of at most 5 MiB.
    #[schema(value_type = String, format = Binary)]
    image: Vec<u8>,
}

/// The `sku` and `image` parts of an upload; others are read and dropped.
async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<(u64, Vec<u8>), ApiError> {
    use futures_util::TryStreamExt;
    let malformed = |message: String| ApiError::bad_request(ErrorCode::InvalidField, message);
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let (mut sku, mut image) = (None, None);
    while let Some(mut part) =
        form.try_next().await.map_err(|e| malformed(format!("not a multipart form: {e}")))?
    {
        let name = part.content_disposition().and_then(|d| d.get_name()).unwrap_or("").to_owned();
        let limit = if name == "image" { MAX_IMAGE_BYTES } else { 64 };
        let mut bytes = Vec::new();
        while let Some(chunk) =
            part.try_next().await.map_err(|e| malformed(format!("a broken part: {e}")))?
        {
            if bytes.len() + chunk.len() > limit {
                return Err(if name == "image" {
                    ApiError::from(meiduo_application::admin::AdminError::ImageTooLarge(limit))
                } else {
                    ApiError::field(ErrorCode::InvalidField, &name, "too long")
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "sku" => sku = Some(bytes),
            "image" => image = Some(bytes),
            _ => {}
        }
    }
    let sku = sku
        .and_then(|text| String::from_utf8(text).ok())
        .and_then(|text| text.trim().parse::<u64>().ok())
        .filter(|id| (1..=i64::MAX as u64).contains(id))
        .ok_or_else(|| ApiError::field(ErrorCode::InvalidField, "sku", "a SKU's id is required"))?;
    let image = image.ok_or_else(|| {
        ApiError::field(ErrorCode::InvalidField, "image", "a picture is required")
    })?;
    Ok((sku, image))
}

/// The pictures by id.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(AdminListQuery),
    responses((status = 200, body = AdminPaged<AdminImageJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/skus/images/")]
pub async fn images(
    state: web::Data<ApiState>,
    user: AuthUser,
    query: web::Query<AdminListQuery>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SKU_IMAGE).await?;
    let page = query.page()?;
    let found = state.catalog_admin.images(Some(page)).await?;
    let lists = found.items.into_iter().map(|i| image_json(&state, i)).collect();
    Ok(HttpResponse::Ok().json(AdminPaged::new(page, found.count, lists)?))
}

/// Uploads a picture of a SKU (its default picture when it has none). The file must be a
/// picture (its header is decoded); it is stored under a generated name.
#[utoipa::path(tag = "admin", security(("jwt" = [])), request_body(content = AdminImageUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = AdminImageJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
#[post("/meiduo_admin/skus/images/")]
pub async fn create_image(
    state: web::Data<ApiState>,
    user: AuthUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::ADD_SKU_IMAGE).await?;
    let (sku, bytes) = read_upload(&req, payload).await?;
    let image = state.catalog_admin.add_image(&actor, sku, bytes).await?;
    Ok(HttpResponse::Created().json(image_json(&state, image)))
}

/// One picture.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = AdminImageJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/meiduo_admin/skus/images/{id}/")]
pub async fn image_detail(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SKU_IMAGE).await?;
    let image = state.catalog_admin.image(path.into_inner().0).await?;
    Ok(HttpResponse::Ok().json(image_json(&state, image)))
}

/// Replaces a picture's file (and its SKU); the old file is removed.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    request_body(content = AdminImageUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = AdminImageJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
#[put("/meiduo_admin/skus/images/{id}/")]
pub async fn update_image(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::CHANGE_SKU_IMAGE).await?;
    let (sku, bytes) = read_upload(&req, payload).await?;
    let image = state.catalog_admin.replace_image(&actor, path.into_inner().0, sku, bytes).await?;
    Ok(HttpResponse::Ok().json(image_json(&state, image)))
}

/// Deletes a picture and its file (its SKU's default moves to another of its pictures).
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/meiduo_admin/skus/images/{id}/")]
pub async fn delete_image(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::DELETE_SKU_IMAGE).await?;
    state.catalog_admin.delete_image(&actor, path.into_inner().0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The path of a stored picture.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PicturePath {
    /// `skus/<id>/<name>.<ext>`.
    #[param(pattern = r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")]
    pub path: String,
}

/// A stored picture's file, as the image host serves it when pictures are kept in the local
/// directory (`MEIDUO_IMAGE_HOST=<this server>/images/`).
#[utoipa::path(tag = "catalog", params(PicturePath),
    responses((status = 200, content_type = "image/*", body = Vec<u8>), (status = 404, body = ErrorBody)))]
#[get("/images/{path:.*}")]
pub async fn picture(
    state: web::Data<ApiState>,
    path: web::Path<PicturePath>,
) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner().path;
    let not_found = || ApiError::not_found("no such picture");
    let bytes = state.catalog_admin.picture(&path).await?.ok_or_else(not_found)?;
    let content_type = match path.rsplit('.').next() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "application/octet-stream",
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=86400, immutable"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}
