//! The cart: the logged-in user's through the cart store, the anonymous one in a signed cookie.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, post, put, web};
use meiduo_application::cart::CartItem;
use meiduo_domain::{Cart, SkuId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::MaybeUser;
use crate::cookie_cart::{self, CookieCart};
use crate::error::{ApiError, ErrorBody};
use crate::state::ApiState;

fn default_selected() -> bool {
    true
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CartLineBody {
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub sku_id: u64,
    #[serde(deserialize_with = "crate::ids::whole")]
    #[schema(minimum = 1, maximum = 200)]
    pub count: i64,
    #[serde(default = "default_selected")]
    pub selected: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SkuBody {
    #[serde(deserialize_with = "crate::ids::id")]
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub sku_id: u64,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SelectionBody {
    pub selected: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CartItemJson {
    pub id: u64,
    pub name: String,
    pub default_image_url: String,
    pub price: String,
    pub count: u32,
    pub selected: bool,
}

fn item_json(state: &ApiState, item: CartItem) -> CartItemJson {
    CartItemJson {
        id: item.sku_id.0,
        name: item.name,
        default_image_url: state.image_url(item.default_image.as_deref()),
        price: item.price.to_string(),
        count: item.count.get(),
        selected: item.selected,
    }
}

fn anonymous(req: &HttpRequest, state: &ApiState) -> CookieCart {
    cookie_cart::read(req, &state.cookie_key, state.carts.limit())
}

/// Writes the anonymous cart back into the answer.
fn with_cookie(
    mut response: HttpResponseBuilder,
    state: &ApiState,
    cart: &Cart,
) -> HttpResponseBuilder {
    response.cookie(cookie_cart::write(cart, &state.cookie_key, state.secure_cookies()));
    response
}

/// Adds units of a SKU to the cart (to an existing line's count).
#[utoipa::path(tag = "cart", request_body = CartLineBody,
    responses((status = 201, body = CartLineBody), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[post("/carts/")]
pub async fn add(
    req: HttpRequest,
    state: web::Data<ApiState>,
    user: MaybeUser,
    body: web::Json<CartLineBody>,
) -> Result<HttpResponse, ApiError> {
    write_line(&req, &state, user, body.into_inner(), LineWrite::Add).await
}

/// What a write does to a line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LineWrite {
    /// Adds the units to the line's count (`POST`, 201).
    Add,
    /// Sets the line's count and flag (`PUT`, 200).
    Set,
}

/// Writes a line of the logged-in user's cart, or of the anonymous cart in its cookie.
async fn write_line(
    req: &HttpRequest,
    state: &ApiState,
    user: MaybeUser,
    body: CartLineBody,
    write: LineWrite,
) -> Result<HttpResponse, ApiError> {
    let (sku, count, selected) = (SkuId(body.sku_id), body.count, body.selected);
    let status = match write {
        LineWrite::Add => StatusCode::CREATED,
        LineWrite::Set => StatusCode::OK,
    };
    let Some(user) = user.0 else {
        let mut held = anonymous(req, state);
        let cart = &mut held.cart;
        match write {
            LineWrite::Add => state.carts.add_anonymous(cart, sku, count, selected).await?,
            LineWrite::Set => state.carts.set_anonymous(cart, sku, count, selected).await?,
        };
        return Ok(with_cookie(HttpResponse::build(status), state, &held.cart).json(body));
    };
    match write {
        LineWrite::Add => state.carts.add(user, sku, count, selected).await?,
        LineWrite::Set => state.carts.set(user, sku, count, selected).await?,
    };
    Ok(HttpResponse::build(status).json(body))
}

/// The cart's lines with their SKUs.
#[utoipa::path(tag = "cart", responses((status = 200, body = Vec<CartItemJson>), (status = 503, body = ErrorBody)))]
#[get("/carts/")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<ApiState>,
    user: MaybeUser,
) -> Result<HttpResponse, ApiError> {
    let (cart, replace) = match user.0 {
        Some(user) => (state.carts.load(user).await?, false),
        None => {
            let held = anonymous(&req, &state);
            (held.cart, held.was_bad)
        }
    };
    let items: Vec<CartItemJson> =
        state.carts.items(&cart).await?.into_iter().map(|item| item_json(&state, item)).collect();
    let mut response = HttpResponse::Ok();
    if replace {
        response.cookie(cookie_cart::clear(state.secure_cookies()));
    }
    Ok(response.json(items))
}

/// Sets a line's count and selected flag.
#[utoipa::path(tag = "cart", request_body = CartLineBody,
    responses((status = 200, body = CartLineBody), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[put("/carts/")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<ApiState>,
    user: MaybeUser,
    body: web::Json<CartLineBody>,
) -> Result<HttpResponse, ApiError> {
    write_line(&req, &state, user, body.into_inner(), LineWrite::Set).await
}

/// Removes a line.
#[utoipa::path(tag = "cart", request_body = SkuBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[delete("/carts/")]
pub async fn remove(
    req: HttpRequest,
    state: web::Data<ApiState>,
    user: MaybeUser,
    body: web::Json<SkuBody>,
) -> Result<HttpResponse, ApiError> {
    match user.0 {
        Some(user) => {
            state.carts.remove(user, SkuId(body.sku_id)).await?;
            Ok(HttpResponse::NoContent().finish())
        }
        None => {
            let mut held = anonymous(&req, &state);
            held.cart.remove(SkuId(body.sku_id));
            Ok(with_cookie(HttpResponse::NoContent(), &state, &held.cart).finish())
        }
    }
}

/// Ticks or unticks every line.
#[utoipa::path(tag = "cart", request_body = SelectionBody,
    responses((status = 200, body = SelectionBody, description = "the selection, echoed"), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[put("/carts/selection/")]
pub async fn select_all(
    req: HttpRequest,
    state: web::Data<ApiState>,
    user: MaybeUser,
    body: web::Json<SelectionBody>,
) -> Result<HttpResponse, ApiError> {
    match user.0 {
        Some(user) => {
            state.carts.select_all(user, body.selected).await?;
            Ok(HttpResponse::Ok().json(SelectionBody { selected: body.selected }))
        }
        None => {
            let held = anonymous(&req, &state);
            let cart = Cart::from_lines(
                held.cart
                    .lines()
                    .map(|line| meiduo_domain::CartLine { selected: body.selected, ..*line }),
            );
            Ok(with_cookie(HttpResponse::Ok(), &state, &cart)
                .json(SelectionBody { selected: body.selected }))
        }
    }
}
