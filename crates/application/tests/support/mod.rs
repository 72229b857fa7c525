//! Mock wiring of the application tests; builders and transaction fakes come from
//! `meiduo-test-support`.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use meiduo_application::orders::{PlaceOrder, PlaceOrderPorts};
use meiduo_application::{OrderPolicy, StockUpdate};
use meiduo_domain::ports::{
    GateTake, MockAddressRepository, MockCartStore, MockCatalogChanges, MockClock,
    MockOrderIdSource, MockOrderWriter, MockPaymentLedger, MockSaleGate, MockStockRepository,
};
use meiduo_domain::{Cart, CartLine};
pub use meiduo_test_support::*;

pub fn cart_of(lines: Vec<CartLine>) -> MockCartStore {
    let mut carts = MockCartStore::new();
    carts.expect_load().returning(move |_| Ok(Cart::from_lines(lines.clone())));
    // A store that does not count its writes (as the adapters alone do not).
    carts.expect_local_writes().returning(|_| None);
    carts
}

pub fn own_address() -> MockAddressRepository {
    let mut addresses = MockAddressRepository::new();
    addresses.expect_is_usable().returning(|_, _| Ok(true));
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
    /// Hears of the categories of each order (any call accepted unless a test says otherwise).
    pub changes: MockCatalogChanges,
    /// The flash-sale gate (no SKU on sale unless a test says otherwise).
    pub gate: MockSaleGate,
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
            changes: quiet_changes(),
            gate: no_sale(),
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
                changes: Arc::new(self.changes),
                gate: Arc::new(self.gate),
            },
            policy,
        )
    }
}

/// A gate with no SKU on sale: every order passes, nothing is given back.
pub fn no_sale() -> MockSaleGate {
    let mut gate = MockSaleGate::new();
    gate.expect_take().returning(|_| Ok(GateTake::Taken));
    gate.expect_give_back().returning(|_| Ok(()));
    gate
}

/// Catalog changes that are heard and ignored.
pub fn quiet_changes() -> MockCatalogChanges {
    let mut changes = MockCatalogChanges::new();
    changes.expect_sales_changed().returning(|_| ());
    changes.expect_comments_changed().returning(|_| ());
    changes
}
