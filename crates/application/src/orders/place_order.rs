//! Placing an order: the selected cart lines become an order in one transaction
//! (the original's `POST /orders/`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use time::OffsetDateTime;

use meiduo_domain::ports::{
    AddressRepository, CartStore, CatalogChanges, Cause, Clock, GateTake, InsertOrderError,
    OrderIdSource, SaleGate, StockGuard, StoreError, Transaction, UnitOfWork,
};
use meiduo_domain::{
    AddressId, CartLine, CategoryId, Money, Order, OrderGoods, OrderId, PayMethod, Sku, SkuId,
    SpuId, UserId,
};

use crate::errors::ServiceFailure;
use crate::policy::{OrderPolicy, StockUpdate};

/// A request to place an order, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceOrderRequest {
    pub user: UserId,
    pub address: AddressId,
    pub pay_method: PayMethod,
}

impl PlaceOrderRequest {
    /// Validates the raw fields of a request (`address`, `pay_method` as the client sent them).
    pub fn parse(user: UserId, address: i64, pay_method: i64) -> Result<Self, PlaceOrderError> {
        let pay_method =
            PayMethod::from_code(pay_method).map_err(|e| PlaceOrderError::UnknownPayMethod(e.0))?;
        let address = u64::try_from(address)
            .ok()
            .filter(|id| *id > 0)
            .ok_or(PlaceOrderError::AddressNotFound)?;
        Ok(PlaceOrderRequest { user, address: AddressId(address), pay_method })
    }
}

/// The order that was placed, with its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedOrder {
    pub order: Order,
    pub lines: Vec<OrderGoods>,
}

/// Why an order was not placed. In every case nothing was written.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlaceOrderError {
    #[error("no cart line is selected")]
    EmptySelection,
    #[error("{0} is not a pay method (1 cash on delivery, 2 Alipay)")]
    UnknownPayMethod(i64),
    #[error("the address does not exist")]
    AddressNotFound,
    #[error("SKU {sku} has {count} units in the cart; at most {max} can be ordered")]
    CountTooLarge { sku: SkuId, count: u32, max: u32 },
    #[error("SKU {0} is not on sale")]
    SkuUnavailable(SkuId),
    #[error("not enough stock of SKU {0}")]
    InsufficientStock(SkuId),
    /// The SKU is on flash sale and its gate has no units left for the line.
    #[error("SKU {0} is sold out")]
    SoldOut(SkuId),
    #[error("the order total {0} is above the largest amount the shop takes")]
    AmountTooLarge(Money),
    #[error("too many concurrent orders; try again")]
    Busy,
    #[error("you hold {0} unpaid orders; pay or cancel one first")]
    TooManyUnpaidOrders(u32),
    #[error("you would hold more than {max} units of SKU {sku} unpaid; pay or cancel first")]
    TooManyUnpaidUnits { sku: SkuId, max: u32 },
    #[error(transparent)]
    Failure(#[from] ServiceFailure),
}

impl From<StoreError> for PlaceOrderError {
    fn from(value: StoreError) -> Self {
        PlaceOrderError::Failure(value.into())
    }
}

/// Counters of the contention the use case met, for the server's metrics.
#[derive(Debug, Default)]
pub struct PlaceOrderStats {
    /// Orders committed.
    pub placed: AtomicU64,
    /// Order transactions begun (each attempt, retries included).
    pub transactions: AtomicU64,
    /// Compare-and-swaps that missed and were tried again.
    pub lost_races: AtomicU64,
    /// Whole transactions run again (deadlock, lock wait timeout, order-id clash).
    pub transaction_retries: AtomicU64,
    /// Orders refused as busy after the retries ran out.
    pub busy: AtomicU64,
    /// Orders the flash-sale gate turned away before any database work.
    pub sold_out: AtomicU64,
    /// Of those, the ones answered without loading the cart: the shopper had been turned away
    /// a moment before and the cart had not changed here since.
    pub sold_out_remembered: AtomicU64,
}

/// A shopper the flash-sale gate turned away: what the cart store's write count for the shopper
/// was before the cart was loaded, the SKU found sold out, and when.
#[derive(Debug, Clone, Copy)]
struct TurnedAway {
    writes: u64,
    sku: SkuId,
    at: OffsetDateTime,
}

/// How many turned-away shoppers are remembered at most: past it, the entries older than the
/// memory's length are dropped, and if none is, the newest shopper is not remembered.
const TURNED_AWAY_LIMIT: usize = 65_536;

/// What one attempt at the transaction ended with, when it did not commit.
enum AttemptError {
    /// Run the whole transaction again (it was rolled back); why, for the log.
    Retry(Cause),
    /// Give up with this error (it was rolled back).
    Fail(PlaceOrderError),
}

impl From<StoreError> for AttemptError {
    fn from(value: StoreError) -> Self {
        match value {
            StoreError::Conflict(_) => AttemptError::Retry(Box::new(value)),
            other => AttemptError::Fail(other.into()),
        }
    }
}

impl From<InsertOrderError> for AttemptError {
    fn from(value: InsertOrderError) -> Self {
        match value {
            // Another process took the id: the next attempt takes a new one.
            InsertOrderError::IdTaken => AttemptError::Retry(Box::new(value)),
            InsertOrderError::Store(error) => error.into(),
        }
    }
}

impl From<PlaceOrderError> for AttemptError {
    fn from(value: PlaceOrderError) -> Self {
        AttemptError::Fail(value)
    }
}

/// The place-order use case.
pub struct PlaceOrder {
    uow: Arc<dyn UnitOfWork>,
    addresses: Arc<dyn AddressRepository>,
    carts: Arc<dyn CartStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn OrderIdSource>,
    policy: OrderPolicy,
    stats: Arc<PlaceOrderStats>,
    changes: Arc<dyn CatalogChanges>,
    gate: Arc<dyn SaleGate>,
    /// The shoppers the gate turned away within the policy's `sold_out_memory`, by user.
    turned_away: Mutex<HashMap<UserId, TurnedAway>>,
}

impl std::fmt::Debug for PlaceOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaceOrder").field("policy", &self.policy).finish_non_exhaustive()
    }
}

/// The ports [`PlaceOrder`] works through.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct PlaceOrderPorts {
    /// Transactions, and the stock and order repositories bound to each.
    pub uow: Arc<dyn UnitOfWork>,
    pub addresses: Arc<dyn AddressRepository>,
    pub carts: Arc<dyn CartStore>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn OrderIdSource>,
    /// Hears of the categories whose sales each order changed.
    pub changes: Arc<dyn CatalogChanges>,
    /// The flash-sale gate each order's units are first taken from.
    pub gate: Arc<dyn SaleGate>,
}

impl PlaceOrder {
    pub fn new(ports: PlaceOrderPorts, policy: OrderPolicy) -> Self {
        PlaceOrder {
            uow: ports.uow,
            addresses: ports.addresses,
            carts: ports.carts,
            clock: ports.clock,
            ids: ports.ids,
            policy,
            stats: Arc::default(),
            changes: ports.changes,
            gate: ports.gate,
            turned_away: Mutex::default(),
        }
    }

    pub fn stats(&self) -> Arc<PlaceOrderStats> {
        Arc::clone(&self.stats)
    }

    /// Places the order of the user's selected cart lines.
    ///
    /// Validation comes before any write. The units of SKUs on flash sale are taken from their
    /// gates first (an empty gate turns the order away at once; an order that fails afterwards
    /// gives them back). Then the address is checked, the selected lines are taken out of the cart in
    /// one atomic step (so that two submits of one selection cannot both become orders: the
    /// second finds the selection gone), and in one transaction with a savepoint the SKUs are
    /// taken in id order by compare-and-swap, SPU sales grow, and the order and its lines are
    /// written; any failure rolls back to the savepoint, nothing survives, and the lines go back
    /// into the cart.
    ///
    /// A shopper the gate turned away a moment ago (the policy's `sold_out_memory`) whose cart
    /// this process has not written since is answered `sold_out` again without loading the
    /// cart, while the gate is still known empty: the same answer the whole path would give,
    /// for the crowd that keeps pressing after a sale sold out.
    #[tracing::instrument(name = "place_order.execute", skip_all, fields(user_id = %request.user))]
    pub async fn execute(
        &self,
        request: PlaceOrderRequest,
    ) -> Result<PlacedOrder, PlaceOrderError> {
        // Read before the load: a write that ends after it moves the count.
        let writes = self.carts.local_writes(request.user);
        if let Some(sku) = self.still_turned_away(request.user, writes) {
            self.stats.sold_out.fetch_add(1, Ordering::Relaxed);
            self.stats.sold_out_remembered.fetch_add(1, Ordering::Relaxed);
            return Err(PlaceOrderError::SoldOut(sku));
        }
        let cart = self.carts.load(request.user).await?;
        let selected = cart.selected();
        if selected.is_empty() {
            return Err(PlaceOrderError::EmptySelection);
        }
        let max = self.policy.max_count.get();
        if let Some(line) = selected.iter().find(|line| line.count.get() > max) {
            return Err(PlaceOrderError::CountTooLarge {
                sku: line.sku_id,
                count: line.count.get(),
                max,
            });
        }
        // A SKU on flash sale: the units are taken from its gate first, and the crowd that finds
        // it empty is turned away here, before any database work.
        let units: Vec<(SkuId, u32)> =
            selected.iter().map(|line| (line.sku_id, line.count.get())).collect();
        if let GateTake::SoldOut { sku, left } = self.gate.take(&units).await? {
            self.stats.sold_out.fetch_add(1, Ordering::Relaxed);
            if let Some(writes) = writes.filter(|_| left == 0) {
                let at = self.clock.now();
                self.remember_turned_away(request.user, TurnedAway { writes, sku, at });
            }
            return Err(PlaceOrderError::SoldOut(sku));
        }
        let placed = self.place(&request, &selected).await;
        if let Err(error) = &placed {
            // The units go back, but for a SKU the database found short: its gate counted
            // units that are not there.
            let back: Vec<(SkuId, u32)> = units
                .into_iter()
                .filter(|(sku, _)| *error != PlaceOrderError::InsufficientStock(*sku))
                .collect();
            if let Err(undo) = self.gate.give_back(&back).await {
                tracing::error!(user_id = %request.user, error = %undo,
                    "an order failed and its units could not go back to the flash-sale gate");
            }
        }
        placed
    }

    fn turned_away(&self) -> MutexGuard<'_, HashMap<UserId, TurnedAway>> {
        // Inserts, lookups and whole-entry removals only: a panicking holder left it consistent.
        self.turned_away.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The SKU the user was turned away for, if that was within the memory's length, the cart
    /// store counted no write of the user's cart since (`writes`, read before any load), and
    /// the gate is still known empty.
    fn still_turned_away(&self, user: UserId, writes: Option<u64>) -> Option<SkuId> {
        let writes = writes?;
        if self.policy.sold_out_memory.is_zero() {
            return None;
        }
        let seen = *self.turned_away().get(&user)?;
        let age = self.clock.now() - seen.at;
        let fresh = !age.is_negative() && age < self.policy.sold_out_memory;
        (fresh && seen.writes == writes && self.gate.known_sold_out(seen.sku)).then_some(seen.sku)
    }

    fn remember_turned_away(&self, user: UserId, seen: TurnedAway) {
        let memory = self.policy.sold_out_memory;
        if memory.is_zero() {
            return;
        }
        let mut turned_away = self.turned_away();
        if turned_away.len() >= TURNED_AWAY_LIMIT && !turned_away.contains_key(&user) {
            turned_away.retain(|_, old| seen.at - old.at < memory);
            if turned_away.len() >= TURNED_AWAY_LIMIT {
                return;
            }
        }
        turned_away.insert(user, seen);
    }

    /// The order, its units taken from the gate: the address checked, the lines taken out of
    /// the cart, the transaction run.
    async fn place(
        &self,
        request: &PlaceOrderRequest,
        selected: &[CartLine],
    ) -> Result<PlacedOrder, PlaceOrderError> {
        if !self.addresses.is_usable(request.user, request.address).await? {
            return Err(PlaceOrderError::AddressNotFound);
        }

        if !self.carts.take(request.user, selected).await? {
            // Another submit took (or the shopper changed) these lines meanwhile.
            return Err(PlaceOrderError::EmptySelection);
        }
        let (placed, categories) = match self.run_transaction(request, selected).await {
            Ok(placed) => placed,
            Err(error) => {
                if let Err(undo) = self.carts.merge(request.user, selected).await {
                    tracing::error!(user_id = %request.user, error = %undo,
                        "an order failed and its lines could not go back into the cart");
                }
                return Err(error);
            }
        };
        self.stats.placed.fetch_add(1, Ordering::Relaxed);
        let categories: Vec<CategoryId> = categories.into_iter().collect();
        self.changes.sales_changed(&categories).await;
        Ok(placed)
    }

    async fn run_transaction(
        &self,
        request: &PlaceOrderRequest,
        selected: &[CartLine],
    ) -> Result<(PlacedOrder, BTreeSet<CategoryId>), PlaceOrderError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(request, selected).await {
                Ok(placed) => return Ok(placed),
                Err(AttemptError::Fail(PlaceOrderError::Busy)) => {
                    self.stats.busy.fetch_add(1, Ordering::Relaxed);
                    return Err(PlaceOrderError::Busy);
                }
                Err(AttemptError::Fail(error)) => return Err(error),
                Err(AttemptError::Retry(cause)) => {
                    if attempt >= self.policy.max_transaction_attempts {
                        tracing::warn!(%cause, attempt, "order transaction gave up after retries");
                        self.stats.busy.fetch_add(1, Ordering::Relaxed);
                        return Err(PlaceOrderError::Busy);
                    }
                    tracing::debug!(%cause, attempt, "order transaction retried");
                    self.stats.transaction_retries.fetch_add(1, Ordering::Relaxed);
                    self.clock.sleep(self.policy.backoff_for(attempt)).await;
                }
            }
        }
    }

    /// One run of the transaction. Rolled back unless it returns `Ok`.
    async fn attempt(
        &self,
        request: &PlaceOrderRequest,
        selected: &[CartLine],
    ) -> Result<(PlacedOrder, BTreeSet<CategoryId>), AttemptError> {
        self.stats.transactions.fetch_add(1, Ordering::Relaxed);
        let mut tx = self.uow.begin().await?;
        if let Err(error) = tx.savepoint().await {
            discard(tx, false).await;
            return Err(error.into());
        }
        match self.write_order(&*tx, request, selected).await {
            Ok(placed) => {
                tx.commit().await?;
                Ok(placed)
            }
            Err(error) => {
                discard(tx, true).await;
                Err(error)
            }
        }
    }

    /// An unpaid order holds stock for half an hour: a shopper may hold only so many, and only so
    /// many units of one SKU, so that one shopper cannot take a SKU out of everyone's reach.
    async fn check_unpaid(
        &self,
        tx: &dyn Transaction,
        user: UserId,
        selected: &[CartLine],
    ) -> Result<(), AttemptError> {
        let ids: Vec<SkuId> = selected.iter().map(|line| line.sku_id).collect();
        let held = tx.orders().unpaid_holdings(user, &ids).await?;
        if held.orders >= self.policy.max_unpaid_orders {
            return Err(PlaceOrderError::TooManyUnpaidOrders(held.orders).into());
        }
        let max = self.policy.max_unpaid_units;
        for line in selected {
            let units = held.units.get(&line.sku_id).copied().unwrap_or(0) + line.count.get();
            if units > max {
                return Err(PlaceOrderError::TooManyUnpaidUnits { sku: line.sku_id, max }.into());
            }
        }
        Ok(())
    }

    /// The writes of the order, inside the savepoint. Also returns the categories of its SKUs.
    ///
    /// Every line is checked against the SKUs as read before anything is written. Then the
    /// order's row goes in first: it locks no SKU, so each SKU row is held from its update to the
    /// commit only (on one hot SKU that is what every other order waits for). The lines go in
    /// after the SKU updates: inserting a line takes a shared lock on its SKU (the foreign key),
    /// which must not come before this transaction's exclusive lock.
    async fn write_order(
        &self,
        tx: &dyn Transaction,
        request: &PlaceOrderRequest,
        selected: &[CartLine],
    ) -> Result<(PlacedOrder, BTreeSet<CategoryId>), AttemptError> {
        // `selected` comes in SKU-id order: every order locks SKU rows in the same order.
        let ids: Vec<SkuId> = selected.iter().map(|line| line.sku_id).collect();
        let mut read: HashMap<SkuId, Sku> =
            tx.stock().read_skus(&ids).await?.into_iter().map(|sku| (sku.id, sku)).collect();

        let mut skus = Vec::with_capacity(selected.len());
        for line in selected {
            let sku = read.remove(&line.sku_id);
            skus.push(Self::check(line, sku.as_ref())?.clone());
        }
        if request.pay_method == PayMethod::Alipay {
            self.check_unpaid(tx, request.user, selected).await?;
        }
        let lines: Vec<OrderGoods> = selected
            .iter()
            .zip(&skus)
            .map(|(line, sku)| OrderGoods { sku_id: sku.id, count: line.count, price: sku.price })
            .collect();
        let now = self.clock.now();
        let goods_amount: Money = lines.iter().map(OrderGoods::amount).sum();
        let total_amount = goods_amount + self.policy.freight;
        if !total_amount.is_storable() {
            return Err(PlaceOrderError::AmountTooLarge(total_amount).into());
        }
        let order = Order {
            order_id: OrderId::new(now, request.user, self.ids.next_suffix()),
            user_id: request.user,
            address_id: request.address,
            total_count: lines.iter().map(|line| line.count.get()).sum(),
            total_amount,
            freight: self.policy.freight,
            pay_method: request.pay_method,
            status: request.pay_method.initial_status(),
            created_at: now,
            updated_at: now,
        };
        tx.orders().insert_order(&order).await?;

        let mut spu_sales: BTreeMap<SpuId, u32> = BTreeMap::new();
        let mut categories = BTreeSet::new();
        for (line, sku) in selected.iter().zip(skus) {
            categories.insert(sku.category_id);
            *spu_sales.entry(sku.spu_id).or_default() += line.count.get();
            self.take_stock(tx, line, sku).await?;
        }
        // SPU rows are locked after every SKU row, in SPU-id order: no lock cycle between orders.
        for (spu, count) in spu_sales {
            tx.stock().add_spu_sales(spu, count).await?;
        }
        tx.orders().insert_lines(&order, &lines).await?;
        Ok((PlacedOrder { order, lines }, categories))
    }

    /// The SKU of a line as read, if it can be ordered: on sale, with stock for the line.
    fn check<'s>(line: &CartLine, sku: Option<&'s Sku>) -> Result<&'s Sku, PlaceOrderError> {
        match sku {
            Some(sku) if sku.is_launched && sku.covers(line.count) => Ok(sku),
            Some(sku) if sku.is_launched => Err(PlaceOrderError::InsufficientStock(sku.id)),
            _ => Err(PlaceOrderError::SkuUnavailable(line.sku_id)),
        }
    }

    /// Takes one line's units from its SKU (as read) by compare-and-swap, re-reading after a lost
    /// race. A SKU whose price changed meanwhile runs the whole transaction again: the order's
    /// row was written with the price read first.
    async fn take_stock(
        &self,
        tx: &dyn Transaction,
        line: &CartLine,
        read: Sku,
    ) -> Result<(), AttemptError> {
        let price = read.price;
        let mut current = read;
        let mut misses = 0;
        loop {
            let guard = match self.policy.stock_update {
                StockUpdate::Equality => StockGuard::Equals(current.stock),
                StockUpdate::Covering => StockGuard::Covers,
            };
            if tx.stock().take_stock(current.id, line.count, guard).await? {
                return Ok(());
            }
            misses += 1;
            self.stats.lost_races.fetch_add(1, Ordering::Relaxed);
            if misses >= self.policy.max_swap_attempts {
                tracing::warn!(sku_id = %current.id, misses, "stock compare-and-swap gave up");
                return Err(PlaceOrderError::Busy.into());
            }
            self.clock.sleep(self.policy.backoff_for(misses)).await;
            let again = tx.stock().read_skus(&[current.id]).await?.into_iter().next();
            current = Self::check(line, again.as_ref())?.clone();
            if current.price != price {
                return Err(AttemptError::Retry(
                    format!("the price of SKU {} changed during the order", current.id).into(),
                ));
            }
        }
    }
}

/// Rolls a failed attempt back: first to the savepoint (when one was set), then the whole
/// transaction. Failures here are logged: the database discards an unfinished transaction anyway.
async fn discard(mut tx: Box<dyn Transaction>, to_savepoint: bool) {
    if to_savepoint && let Err(error) = tx.rollback_to_savepoint().await {
        tracing::warn!(%error, "rollback to the order savepoint failed");
    }
    if let Err(error) = tx.rollback().await {
        tracing::warn!(%error, "rollback of the order transaction failed");
    }
}
