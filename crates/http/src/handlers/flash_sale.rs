//! Flash sales under `/meiduo_admin/`: an operator puts a SKU on sale (its stock goes into the
//! gate that orders take their units from first), lists the sales, and ends one. Putting on sale
//! and ending need the permission to change SKUs; listing, to view them.

use actix_web::{HttpResponse, delete, get, put, web};
use meiduo_application::admin::permissions;
use meiduo_application::flash_sale::SaleState;
use meiduo_domain::SkuId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::ids::Id;
use crate::state::ApiState;

/// A SKU on flash sale.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlashSaleJson {
    pub sku_id: u64,
    /// Its stock in the database.
    pub stock: u32,
    /// The units its gate still lets through; `null` until this replica's next reconciliation
    /// sets a gate that was lost.
    pub gate: Option<u32>,
}

impl From<SaleState> for FlashSaleJson {
    fn from(state: SaleState) -> Self {
        FlashSaleJson { sku_id: state.sku.0, stock: state.stock, gate: state.gate }
    }
}

/// The SKUs on flash sale, by id.
#[utoipa::path(tag = "admin", security(("jwt" = [])),
    responses((status = 200, body = Vec<FlashSaleJson>), (status = 403, body = ErrorBody)))]
#[get("/meiduo_admin/flash_sales/")]
pub async fn flash_sales(
    state: web::Data<ApiState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(user.0, permissions::VIEW_SKU).await?;
    let sales: Vec<FlashSaleJson> =
        state.flash_sale.list().await?.into_iter().map(FlashSaleJson::from).collect();
    Ok(HttpResponse::Ok().json(sales))
}

/// Puts the SKU on flash sale, or loads its gate again from the database's stock (after the
/// stock was changed): from now on each order of it first takes its units from the gate, and
/// once the gate is empty orders are refused with 400 `sold_out` before reaching the database.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = FlashSaleJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[put("/meiduo_admin/skus/{id}/flash_sale/")]
pub async fn open_flash_sale(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::CHANGE_SKU).await?;
    let sale = state.flash_sale.open(Some(&actor), SkuId(path.into_inner().0)).await?;
    Ok(HttpResponse::Ok().json(FlashSaleJson::from(sale)))
}

/// Ends the SKU's flash sale: its orders go straight to the database again.
#[utoipa::path(tag = "admin", security(("jwt" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/meiduo_admin/skus/{id}/flash_sale/")]
pub async fn close_flash_sale(
    state: web::Data<ApiState>,
    user: AuthUser,
    path: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let actor = state.admin.authorize(user.0, permissions::CHANGE_SKU).await?;
    state.flash_sale.close(Some(&actor), SkuId(path.into_inner().0)).await?;
    Ok(HttpResponse::NoContent().finish())
}
