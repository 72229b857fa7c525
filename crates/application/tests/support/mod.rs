//! Builders and mock wiring shared by the application tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use meiduo_application::orders::{PlaceOrder, PlaceOrderPorts};
use meiduo_application::{OrderPolicy, StockUpdate};
use meiduo_domain::ports::{
    MockAddressRepository, MockCartStore, MockClock, MockOrderIdSource, MockOrderWriter,
    MockPaymentLedger, MockStockRepository, OrderWriter, PaymentLedger, StockRepository,
    StoreError, Transaction, UnitOfWork,
};
use meiduo_domain::{
    Address, AddressId, Cart, CartLine, CategoryId, Money, Quantity, QuantityLimit, Sku, SkuId,
    SpuId, UserId,
};
use time::OffsetDateTime;
use time::macros::datetime;

pub const NOW: OffsetDateTime = datetime!(2026-11-22 10:30:00 UTC);
pub const USER: UserId = UserId(42);
pub const ADDRESS: AddressId = AddressId(7);

pub fn money(s: &str) -> Money {
    s.parse().unwrap()
}

pub fn qty(n: i64) -> Quantity {
    Quantity::new(n, QuantityLimit::DEFAULT).unwrap()
}

/// Builds SKUs for tests: `SkuBuilder::new(1).price("3788.00").stock(5).build()`.
pub struct SkuBuilder(Sku);

impl SkuBuilder {
    pub fn new(id: u64) -> Self {
        SkuBuilder(Sku {
            id: SkuId(id),
            spu_id: SpuId(100 + id),
            category_id: CategoryId(115),
            name: format!("SKU {id}"),
            caption: String::new(),
            price: money("10.00"),
            stock: 10,
            sales: 0,
            is_launched: true,
            default_image: Some(format!("group1/M00/00/{id}.jpg")),
        })
    }
    pub fn spu(mut self, spu: u64) -> Self {
        self.0.spu_id = SpuId(spu);
        self
    }
    pub fn price(mut self, price: &str) -> Self {
        self.0.price = money(price);
        self
    }
    pub fn stock(mut self, stock: u32) -> Self {
        self.0.stock = stock;
        self
    }
    pub fn launched(mut self, launched: bool) -> Self {
        self.0.is_launched = launched;
        self
    }
    pub fn build(self) -> Sku {
        self.0
    }
}

pub fn line(sku: u64, count: i64, selected: bool) -> CartLine {
    CartLine { sku_id: SkuId(sku), count: qty(count), selected }
}

pub fn address(user: UserId, deleted: bool) -> Address {
    Address {
        id: ADDRESS,
        user_id: user,
        title: "home".into(),
        receiver: "张三".into(),
        province_id: 110000,
        city_id: 110100,
        district_id: 110101,
        place: "长安街 1 号".into(),
        mobile: "13800138000".into(),
        tel: None,
        email: None,
        is_deleted: deleted,
    }
}

/// The control of a transaction (savepoint, commit, rollback), to mock.
#[mockall::automock]
pub trait TxControl: Send + Sync {
    fn savepoint(&self) -> Result<(), StoreError>;
    fn rollback_to_savepoint(&self) -> Result<(), StoreError>;
    fn commit(&self) -> Result<(), StoreError>;
    fn rollback(&self) -> Result<(), StoreError>;
}

/// A transaction whose control is a mock and whose repositories are the test's mocks.
pub struct FakeTx {
    control: MockTxControl,
    stock: Arc<MockStockRepository>,
    orders: Arc<MockOrderWriter>,
    payments: Arc<MockPaymentLedger>,
}

#[async_trait]
impl Transaction for FakeTx {
    fn stock(&self) -> &dyn StockRepository {
        &*self.stock
    }
    fn orders(&self) -> &dyn OrderWriter {
        &*self.orders
    }
    fn payments(&self) -> &dyn PaymentLedger {
        &*self.payments
    }
    async fn savepoint(&mut self) -> Result<(), StoreError> {
        self.control.savepoint()
    }
    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.control.rollback_to_savepoint()
    }
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.control.commit()
    }
    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        self.control.rollback()
    }
}

/// A unit of work that hands out transactions with these controls, one per `begin`, in order,
/// each with the same repository mocks. A further `begin` fails the test, and so does a
/// control left unused when it is dropped.
pub struct ScriptedUnitOfWork {
    controls: Mutex<VecDeque<MockTxControl>>,
    stock: Arc<MockStockRepository>,
    orders: Arc<MockOrderWriter>,
    payments: Arc<MockPaymentLedger>,
}

impl ScriptedUnitOfWork {
    pub fn new(
        controls: Vec<MockTxControl>,
        stock: MockStockRepository,
        orders: MockOrderWriter,
        payments: MockPaymentLedger,
    ) -> Self {
        ScriptedUnitOfWork {
            controls: Mutex::new(VecDeque::from(controls)),
            stock: Arc::new(stock),
            orders: Arc::new(orders),
            payments: Arc::new(payments),
        }
    }
}

#[async_trait]
impl UnitOfWork for ScriptedUnitOfWork {
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        let control = self.controls.lock().unwrap().pop_front().expect("no transaction left");
        Ok(Box::new(FakeTx {
            control,
            stock: Arc::clone(&self.stock),
            orders: Arc::clone(&self.orders),
            payments: Arc::clone(&self.payments),
        }))
    }
}

impl Drop for ScriptedUnitOfWork {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let left = self.controls.lock().map(|c| c.len()).unwrap_or(0);
            assert_eq!(left, 0, "{left} scripted transactions were never begun");
        }
    }
}

/// A transaction that expects to be committed: savepoint, then commit, no rollback.
pub fn committing_tx() -> MockTxControl {
    let mut tx = MockTxControl::new();
    tx.expect_savepoint().times(1).returning(|| Ok(()));
    tx.expect_commit().times(1).returning(|| Ok(()));
    tx.expect_rollback_to_savepoint().never();
    tx.expect_rollback().never();
    tx
}

/// A transaction without savepoint that expects to be committed.
pub fn committed() -> MockTxControl {
    let mut tx = MockTxControl::new();
    tx.expect_savepoint().never();
    tx.expect_commit().times(1).returning(|| Ok(()));
    tx.expect_rollback().never();
    tx
}

/// A transaction without savepoint that expects to be rolled back.
pub fn rolled_back() -> MockTxControl {
    let mut tx = MockTxControl::new();
    tx.expect_savepoint().never();
    tx.expect_commit().never();
    tx.expect_rollback().times(1).returning(|| Ok(()));
    tx
}

/// A transaction that expects to be rolled back to its savepoint and then entirely.
pub fn rolled_back_tx() -> MockTxControl {
    let mut tx = MockTxControl::new();
    tx.expect_savepoint().times(1).returning(|| Ok(()));
    tx.expect_commit().never();
    tx.expect_rollback_to_savepoint().times(1).returning(|| Ok(()));
    tx.expect_rollback().times(1).returning(|| Ok(()));
    tx
}

pub fn cart_of(lines: Vec<CartLine>) -> MockCartStore {
    let mut carts = MockCartStore::new();
    carts.expect_load().returning(move |_| Ok(Cart::from_lines(lines.clone())));
    carts
}

pub fn own_address() -> MockAddressRepository {
    let mut addresses = MockAddressRepository::new();
    addresses.expect_find_for_user().returning(|user, _| Ok(Some(address(user, false))));
    addresses
}

pub fn clock() -> MockClock {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(NOW);
    clock.expect_sleep().returning(|_| ());
    clock
}

pub fn ids() -> MockOrderIdSource {
    let mut ids = MockOrderIdSource::new();
    let next = Arc::new(Mutex::new(0u32));
    ids.expect_next_suffix().returning(move || {
        let mut n = next.lock().unwrap();
        *n += 1;
        *n
    });
    ids
}

pub fn policy(stock_update: StockUpdate) -> OrderPolicy {
    OrderPolicy { stock_update, ..OrderPolicy::default() }
}

/// The mocks of every port of `PlaceOrder`, to adjust before `build`: `txs` are the transactions
/// its unit of work hands out, in order (none: beginning one fails the test), each with the
/// `stock` and `orders` repositories.
pub struct Mocks {
    pub txs: Vec<MockTxControl>,
    pub stock: MockStockRepository,
    pub orders: MockOrderWriter,
    pub addresses: MockAddressRepository,
    pub carts: MockCartStore,
    pub clock: MockClock,
    pub ids: MockOrderIdSource,
}

impl Mocks {
    pub fn new(carts: MockCartStore) -> Self {
        Mocks {
            txs: Vec::new(),
            stock: MockStockRepository::new(),
            orders: MockOrderWriter::new(),
            addresses: own_address(),
            carts,
            clock: clock(),
            ids: ids(),
        }
    }

    pub fn build(self, policy: OrderPolicy) -> PlaceOrder {
        PlaceOrder::new(
            PlaceOrderPorts {
                uow: Arc::new(ScriptedUnitOfWork::new(
                    self.txs,
                    self.stock,
                    self.orders,
                    MockPaymentLedger::new(),
                )),
                addresses: Arc::new(self.addresses),
                carts: Arc::new(self.carts),
                clock: Arc::new(self.clock),
                ids: Arc::new(self.ids),
            },
            policy,
        )
    }
}

/// A cache in a map that keeps what it was given, with the lifetime asked for.
#[derive(Default)]
pub struct MemoryCache {
    entries: Mutex<std::collections::HashMap<String, (String, std::time::Duration)>>,
}

impl MemoryCache {
    pub fn ttl_of(&self, name: &str) -> Option<std::time::Duration> {
        self.entries.lock().unwrap().get(name).map(|(_, ttl)| *ttl)
    }

    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.entries.lock().unwrap().keys().cloned().collect();
        names.sort();
        names
    }
}

#[async_trait::async_trait]
impl meiduo_domain::ports::Cache for MemoryCache {
    async fn get(&self, name: &str) -> Result<Option<String>, meiduo_domain::ports::StoreError> {
        Ok(self.entries.lock().unwrap().get(name).map(|(value, _)| value.clone()))
    }

    async fn put(
        &self,
        name: &str,
        value: &str,
        ttl: std::time::Duration,
    ) -> Result<(), meiduo_domain::ports::StoreError> {
        self.entries.lock().unwrap().insert(name.to_owned(), (value.to_owned(), ttl));
        Ok(())
    }

    async fn forget(&self, names: &[String]) -> Result<(), meiduo_domain::ports::StoreError> {
        let mut entries = self.entries.lock().unwrap();
        for name in names {
            entries.remove(name);
        }
        Ok(())
    }
}
