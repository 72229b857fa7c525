//! The catalog: category menu and breadcrumb, SKU lists, details, search, comments, history.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use meiduo_domain::{Breadcrumb, Category, CategoryId, ChannelGroupMenu, SkuId, SkuSummary};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::ids::Id;
use crate::paging::{PageQuery, Paged};
use crate::state::ApiState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryJson {
    pub id: u64,
    pub name: String,
}

impl From<Category> for CategoryJson {
    fn from(c: Category) -> Self {
        CategoryJson { id: c.id.0, name: c.name }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelJson {
    pub id: u64,
    pub name: String,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubCategoryJson {
    pub id: u64,
    pub name: String,
    pub sub_cats: Vec<CategoryJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelGroupJson {
    pub group_id: u64,
    pub channels: Vec<ChannelJson>,
    pub sub_cats: Vec<SubCategoryJson>,
}

impl From<ChannelGroupMenu> for ChannelGroupJson {
    fn from(g: ChannelGroupMenu) -> Self {
        ChannelGroupJson {
            group_id: g.group_id,
            channels: g
                .channels
                .into_iter()
                .map(|c| ChannelJson { id: c.id.0, name: c.name, url: c.url })
                .collect(),
            sub_cats: g
                .sub_cats
                .into_iter()
                .map(|n| SubCategoryJson {
                    id: n.id.0,
                    name: n.name,
                    sub_cats: n.sub_cats.into_iter().map(Into::into).collect(),
                })
                .collect(),
        }
    }
}

/// The channel menu: groups → channels (first level) → second level → third level.
#[utoipa::path(tag = "catalog", responses((status = 200, body = Vec<ChannelGroupJson>)))]
#[get("/categories/")]
pub async fn menu(state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let groups: Vec<ChannelGroupJson> =
        state.catalog.menu().await?.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(groups))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelLinkJson {
    pub url: String,
    pub category: CategoryJson,
}

/// A first level of the breadcrumb: the category with its channel's URL, or `""` (never, for a
/// category that exists: every category has a first level).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ChannelLevel {
    Level(ChannelLinkJson),
    /// Always `""`.
    Above(String),
}

/// A lower level of the breadcrumb: the category, or `""` when the asked category is above it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CategoryLevel {
    Level(CategoryJson),
    /// Always `""`.
    Above(String),
}

/// The original's breadcrumb: each level is an object, or `""` when the category is above it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreadcrumbJson {
    pub cat1: ChannelLevel,
    pub cat2: CategoryLevel,
    pub cat3: CategoryLevel,
}

impl From<Breadcrumb> for BreadcrumbJson {
    fn from(b: Breadcrumb) -> Self {
        BreadcrumbJson {
            cat1: b.cat1.map_or(ChannelLevel::Above(String::new()), |l| {
                ChannelLevel::Level(ChannelLinkJson { url: l.url, category: l.category.into() })
            }),
            cat2: b
                .cat2
                .map_or(CategoryLevel::Above(String::new()), |c| CategoryLevel::Level(c.into())),
            cat3: b
                .cat3
                .map_or(CategoryLevel::Above(String::new()), |c| CategoryLevel::Level(c.into())),
        }
    }
}

/// Where a category sits (its first, second and third levels).
#[utoipa::path(tag = "catalog", params(("id" = u64, Path)),
    responses((status = 200, body = BreadcrumbJson), (status = 404, body = ErrorBody)))]
#[get("/categories/{id}/")]
pub async fn breadcrumb(
    state: web::Data<ApiState>,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let crumbs: BreadcrumbJson =
        state.catalog.breadcrumb(CategoryId(path.into_inner().0)).await?.into();
    Ok(HttpResponse::Ok().json(crumbs))
}

/// A SKU in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkuJson {
    pub id: u64,
    pub name: String,
    /// Yuan with two places, as a string.
    pub price: String,
    pub default_image_url: String,
    pub comments: u32,
}

impl SkuJson {
    pub fn new(state: &ApiState, sku: SkuSummary) -> Self {
        SkuJson {
            id: sku.id.0,
            name: sku.name,
            price: sku.price.to_string(),
            default_image_url: state.image_url(sku.default_image.as_deref()),
            comments: sku.comments,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `-create_time` (newest first, the default), `create_time`, `price`, `-price`, `sales` or
    /// `-sales`; unknown terms are ignored.
    pub ordering: Option<String>,
    #[param(value_type = Option<u64>)]
    pub page: Option<String>,
    #[param(value_type = Option<String>)]
    pub page_size: Option<String>,
}

/// A page of a category's SKUs on sale.
#[utoipa::path(tag = "catalog", params(("id" = u64, Path), ListQuery),
    responses((status = 200, body = Paged<SkuJson>), (status = 404, body = ErrorBody)))]
#[get("/categories/{id}/skus/")]
pub async fn skus(
    req: HttpRequest,
    state: web::Data<ApiState>,
    path: web::Path<Id>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageQuery { page: query.page, page_size: query.page_size }.request()?;
    let category = CategoryId(path.into_inner().0);
    let found = state.catalog.list(category, query.ordering.as_deref(), page).await?;
    // A visit of the list, as the original counted them; in memory, flushed in the background.
    // An unknown category answers an empty list, as the original: only lists with SKUs count.
    if page.page == 1 && found.count > 0 {
        state.visits.record(category);
    }
    let results = found.items.into_iter().map(|s| SkuJson::new(&state, s)).collect();
    Ok(HttpResponse::Ok().json(Paged::new(&req, &state.public_url, page, found.count, results)?))
}

/// A category's best sellers.
#[utoipa::path(tag = "catalog", params(("id" = u64, Path)), responses((status = 200, body = Vec<SkuJson>)))]
#[get("/categories/{id}/hotskus/")]
pub async fn hot(
    state: web::Data<ApiState>,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let hot: Vec<SkuJson> = state
        .catalog
        .hot(CategoryId(path.into_inner().0))
        .await?
        .into_iter()
        .map(|s| SkuJson::new(&state, s))
        .collect();
    Ok(HttpResponse::Ok().json(hot))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpuJson {
    pub id: u64,
    pub name: String,
    pub desc_detail: String,
    pub desc_pack: String,
    pub desc_service: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OptionJson {
    pub id: u64,
    pub value: String,
    /// The SKU this option switches to (the others kept), or null when none exists.
    pub sku_id: Option<u64>,
    pub selected: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpecJson {
    pub id: u64,
    pub name: String,
    pub options: Vec<OptionJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SkuDetailJson {
    pub id: u64,
    pub name: String,
    pub caption: String,
    pub price: String,
    pub market_price: String,
    pub stock: u32,
    pub sales: u32,
    pub comments: u32,
    pub category_id: u64,
    pub default_image_url: String,
    pub images: Vec<String>,
    pub spu: SpuJson,
    pub specs: Vec<SpecJson>,
}

/// A SKU on sale: its product, images, and specifications with the SKU of each option.
#[utoipa::path(tag = "catalog", params(("id" = u64, Path)),
    responses((status = 200, body = SkuDetailJson), (status = 404, body = ErrorBody)))]
#[get("/skus/{id}/")]
pub async fn detail(
    state: web::Data<ApiState>,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let data = state.catalog.detail(SkuId(path.into_inner().0)).await?;
    let specs = data
        .spec_views()
        .into_iter()
        .map(|s| SpecJson {
            id: s.id,
            name: s.name,
            options: s
                .options
                .into_iter()
                .map(|o| OptionJson {
                    id: o.id,
                    value: o.value,
                    sku_id: o.sku_id.map(|id| id.0),
                    selected: o.selected,
                })
                .collect(),
        })
        .collect();
    let sku = &data.sku;
    Ok(HttpResponse::Ok().json(SkuDetailJson {
        id: sku.id.0,
        name: sku.name.clone(),
        caption: sku.caption.clone(),
        price: sku.price.to_string(),
        market_price: data.market_price.to_string(),
        stock: sku.stock,
        sales: sku.sales,
        comments: data.comments,
        category_id: sku.category_id.0,
        default_image_url: state.image_url(sku.default_image.as_deref()),
        images: data.images.iter().map(|i| state.image_url(Some(i))).collect(),
        spu: SpuJson {
            id: data.spu.id.0,
            name: data.spu.name.clone(),
            desc_detail: data.spu.desc_detail.clone(),
            desc_pack: data.spu.desc_pack.clone(),
            desc_service: data.spu.desc_service.clone(),
        },
        specs,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    #[param(value_type = String, required = true, min_length = 1, max_length = 50, pattern = r"\S")]
    pub text: Option<String>,
    #[param(value_type = Option<u64>)]
    pub page: Option<String>,
    #[param(value_type = Option<String>)]
    pub page_size: Option<String>,
}

/// A search hit as the original's search (drf-haystack) answers it: the indexed text and the SKU.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    /// The text the hit was found in (the SKU's name).
    pub text: String,
    pub object: SkuJson,
}

/// SKUs on sale whose name or caption contains the text.
#[utoipa::path(tag = "catalog", params(SearchQuery),
    responses((status = 200, body = Paged<SearchHit>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/skus/search/")]
pub async fn search(
    req: HttpRequest,
    state: web::Data<ApiState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageQuery { page: query.page, page_size: query.page_size }.request()?;
    let found = state.catalog.search(query.text.as_deref().unwrap_or(""), page).await?;
    let results = found
        .items
        .into_iter()
        .map(|sku| SearchHit { text: sku.name.clone(), object: SkuJson::new(&state, sku) })
        .collect();
    Ok(HttpResponse::Ok().json(Paged::new(&req, &state.public_url, page, found.count, results)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentJson {
    /// The commenter, masked (`a***e`) when anonymous.
    pub username: String,
    pub comment: String,
    pub score: u8,
}

/// The comments on a SKU, newest first.
#[utoipa::path(tag = "catalog", params(("id" = u64, Path)),
    responses((status = 200, body = Vec<CommentJson>), (status = 404, body = ErrorBody)))]
#[get("/skus/{id}/comments/")]
pub async fn comments(
    state: web::Data<ApiState>,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let comments: Vec<CommentJson> = state
        .catalog
        .comments(SkuId(path.into_inner().0))
        .await?
        .into_iter()
        .map(|c| CommentJson { username: c.username, comment: c.comment, score: c.score })
        .collect();
    Ok(HttpResponse::Ok().json(comments))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct HistoryBody {
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub sku_id: u64,
}

/// Records that the user looked at a SKU.
#[utoipa::path(tag = "catalog", security(("jwt" = [])), request_body = HistoryBody,
    responses((status = 201, body = HistoryBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
#[post("/browse_histories/")]
pub async fn record_visit(
    state: web::Data<ApiState>,
    user: AuthUser,
    body: web::Json<HistoryBody>,
) -> Result<HttpResponse, ApiError> {
    state.catalog.record_visit(user.0, SkuId(body.sku_id)).await.map_err(|e| match e {
        meiduo_application::catalog::CatalogError::SkuNotFound => {
            ApiError::field(ErrorCode::SkuUnavailable, "sku_id", "no such SKU on sale")
        }
        other => other.into(),
    })?;
    Ok(HttpResponse::Created().json(body.into_inner()))
}

/// The last 5 SKUs the user looked at, newest first.
#[utoipa::path(tag = "catalog", security(("jwt" = [])),
    responses((status = 200, body = Vec<SkuJson>), (status = 401, body = ErrorBody)))]
#[get("/browse_histories/")]
pub async fn recent_visits(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let visited: Vec<SkuJson> = state
        .catalog
        .recent_visits(user.0)
        .await?
        .into_iter()
        .map(|s| SkuJson::new(&state, s))
        .collect();
    Ok(HttpResponse::Ok().json(visited))
}
