//! The cart: the logged-in user's (through the cart store) and the anonymous one (a value the
//! HTTP layer keeps in a signed cookie). The same rules hold for both.

use std::sync::Arc;

use meiduo_domain::ports::{CartAddition, CartStore, SkuCatalog};
use meiduo_domain::{Cart, CartLine, Money, Quantity, QuantityLimit, Sku, SkuId, UserId};

use crate::errors::ServiceFailure;

/// The most lines an anonymous (cookie) cart holds.
pub const ANONYMOUS_CART_LINES: usize = 50;

/// Why a cart request failed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    #[error("count: {0}")]
    BadCount(meiduo_domain::QuantityError),
    #[error("SKU {0} is not on sale")]
    SkuUnavailable(SkuId),
    #[error("only {stock} units of SKU {sku} are in stock")]
    NotEnoughStock { sku: SkuId, stock: u32 },
    #[error("the cart is full ({0} lines)")]
    Full(usize),
    #[error(transparent)]
    Failure(#[from] ServiceFailure),
}

/// A cart line with what the cart page shows of its SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartItem {
    pub sku_id: SkuId,
    pub name: String,
    pub default_image: Option<String>,
    pub price: Money,
    pub count: Quantity,
    pub selected: bool,
}

/// The cart use cases.
pub struct Carts {
    store: Arc<dyn CartStore>,
    catalog: Arc<dyn SkuCatalog>,
    limit: QuantityLimit,
}

impl std::fmt::Debug for Carts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Carts").field("limit", &self.limit).finish_non_exhaustive()
    }
}

impl Carts {
    /// The cart checks each SKU it adds through `catalog` (the check is advisory: placing the
    /// order checks the stock again in its transaction, so a catalog that caches for a moment
    /// will do).
    pub fn new(
        store: Arc<dyn CartStore>,
        catalog: Arc<dyn SkuCatalog>,
        limit: QuantityLimit,
    ) -> Self {
        Carts { store, catalog, limit }
    }

    pub fn limit(&self) -> QuantityLimit {
        self.limit
    }

    async fn sku_on_sale(&self, sku: SkuId) -> Result<Sku, CartError> {
        let found: Option<Sku> =
            self.catalog.find_skus(&[sku]).await.map_err(ServiceFailure::from)?.into_iter().next();
        found.filter(|s| s.id == sku && s.is_launched).ok_or(CartError::SkuUnavailable(sku))
    }

    /// The SKU, on sale and with stock for `count` units.
    async fn sku_with_stock(&self, sku: SkuId, count: Quantity) -> Result<Sku, CartError> {
        let found = self.sku_on_sale(sku).await?;
        if !found.covers(count) {
            return Err(CartError::NotEnoughStock { sku, stock: found.stock });
        }
        Ok(found)
    }

    /// A line of `count` units, checked against the count limit and the SKU's stock.
    async fn checked_line(
        &self,
        sku: SkuId,
        count: i64,
        selected: bool,
    ) -> Result<CartLine, CartError> {
        let count = Quantity::new(count, self.limit).map_err(CartError::BadCount)?;
        self.sku_with_stock(sku, count).await?;
        Ok(CartLine { sku_id: sku, count, selected })
    }

    /// Checks an addition of `count` units to a line that has `have`: the added count and the
    /// resulting one within the limit, the resulting one within the stock. Returns both lines.
    async fn checked_addition(
        &self,
        sku: SkuId,
        have: u32,
        count: i64,
        selected: bool,
    ) -> Result<(CartLine, CartLine), CartError> {
        let added = Quantity::new(count, self.limit).map_err(CartError::BadCount)?;
        let total =
            Quantity::new(i64::from(have) + count, self.limit).map_err(CartError::BadCount)?;
        self.sku_with_stock(sku, total).await?;
        Ok((
            CartLine { sku_id: sku, count: added, selected },
            CartLine { sku_id: sku, count: total, selected },
        ))
    }

    /// Adds `count` units to the user's line (one atomic step in the store). The line's new count
    /// must stay within the limit and the stock.
    #[tracing::instrument(name = "cart.add", skip_all, fields(user_id = %user, sku_id = %sku))]
    pub async fn add(
        &self,
        user: UserId,
        sku: SkuId,
        count: i64,
        selected: bool,
    ) -> Result<CartLine, CartError> {
        let added = Quantity::new(count, self.limit).map_err(CartError::BadCount)?;
        let found = self.sku_on_sale(sku).await?;
        let line = CartLine { sku_id: sku, count: added, selected };
        let at_most = self.limit.get().min(found.stock);
        match self.store.add(user, line, at_most).await.map_err(ServiceFailure::from)? {
            CartAddition::Added(_) => Ok(line),
            CartAddition::Refused { have } => {
                // Past the count limit, or else past the stock.
                Quantity::new(i64::from(have) + count, self.limit).map_err(CartError::BadCount)?;
                Err(CartError::NotEnoughStock { sku, stock: found.stock })
            }
        }
    }

    /// The same for an anonymous cart held by the caller.
    #[tracing::instrument(name = "cart.add_anonymous", skip_all, fields(sku_id = %sku))]
    pub async fn add_anonymous(
        &self,
        cart: &mut Cart,
        sku: SkuId,
        count: i64,
        selected: bool,
    ) -> Result<CartLine, CartError> {
        let have = cart.get(sku).map_or(0, |line| line.count.get());
        let (line, total) = self.checked_addition(sku, have, count, selected).await?;
        if cart.get(sku).is_none() && cart.len() >= ANONYMOUS_CART_LINES {
            return Err(CartError::Full(ANONYMOUS_CART_LINES));
        }
        cart.put(total);
        Ok(line)
    }

    /// Sets the user's line to `count` units.
    #[tracing::instrument(name = "cart.set", skip_all, fields(user_id = %user, sku_id = %sku))]
    pub async fn set(
        &self,
        user: UserId,
        sku: SkuId,
        count: i64,
        selected: bool,
    ) -> Result<CartLine, CartError> {
        let line = self.checked_line(sku, count, selected).await?;
        self.store.set(user, line).await.map_err(ServiceFailure::from)?;
        Ok(line)
    }

    #[tracing::instrument(name = "cart.set_anonymous", skip_all, fields(sku_id = %sku))]
    pub async fn set_anonymous(
        &self,
        cart: &mut Cart,
        sku: SkuId,
        count: i64,
        selected: bool,
    ) -> Result<CartLine, CartError> {
        let line = self.checked_line(sku, count, selected).await?;
        if cart.get(sku).is_none() && cart.len() >= ANONYMOUS_CART_LINES {
            return Err(CartError::Full(ANONYMOUS_CART_LINES));
        }
        cart.put(line);
        Ok(line)
    }

    #[tracing::instrument(name = "cart.remove", skip_all, fields(user_id = %user, sku_id = %sku))]
    pub async fn remove(&self, user: UserId, sku: SkuId) -> Result<(), CartError> {
        Ok(self.store.remove(user, &[sku]).await.map_err(ServiceFailure::from)?)
    }

    #[tracing::instrument(name = "cart.select_all", skip_all, fields(user_id = %user))]
    pub async fn select_all(&self, user: UserId, selected: bool) -> Result<(), CartError> {
        Ok(self.store.select_all(user, selected).await.map_err(ServiceFailure::from)?)
    }

    /// The user's cart.
    #[tracing::instrument(name = "cart.load", skip_all, fields(user_id = %user))]
    pub async fn load(&self, user: UserId) -> Result<Cart, CartError> {
        Ok(self.store.load(user).await.map_err(ServiceFailure::from)?)
    }

    /// The lines of a cart with their SKUs; lines of SKUs that no longer exist are left out.
    #[tracing::instrument(name = "cart.items", skip_all)]
    pub async fn items(&self, cart: &Cart) -> Result<Vec<CartItem>, CartError> {
        let ids: Vec<SkuId> = cart.lines().map(|line| line.sku_id).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let skus = self.catalog.find_skus(&ids).await.map_err(ServiceFailure::from)?;
        Ok(cart
            .lines()
            .filter_map(|line| {
                skus.iter().find(|sku| sku.id == line.sku_id).map(|sku| CartItem {
                    sku_id: sku.id,
                    name: sku.name.clone(),
                    default_image: sku.default_image.clone(),
                    price: sku.price,
                    count: line.count,
                    selected: line.selected,
                })
            })
            .collect())
    }

    /// Merges an anonymous cart into the user's at login: the anonymous line's count and flag
    /// win for a SKU in both. Counts above the limit are capped to it.
    #[tracing::instrument(name = "cart.merge", skip_all, fields(user_id = %user))]
    pub async fn merge(&self, user: UserId, anonymous: &Cart) -> Result<(), CartError> {
        let lines: Vec<CartLine> = anonymous
            .lines()
            .map(|line| {
                let capped =
                    Quantity::new(i64::from(line.count.get()), self.limit).unwrap_or_else(|_| {
                        Quantity::from_stored(self.limit.get()).unwrap_or(line.count)
                    });
                CartLine { count: capped, ..*line }
            })
            .collect();
        Ok(self.store.merge(user, &lines).await.map_err(ServiceFailure::from)?)
    }
}
