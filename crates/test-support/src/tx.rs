//! Transactions for tests against mocks: a [`ScriptedUnitOfWork`] hands out transactions whose
//! savepoint, commit and rollback are [`MockTxControl`]s, each with the test's repository mocks.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use meiduo_domain::ports::{
    MockOrderWriter, MockPaymentLedger, MockStockRepository, OrderWriter, PaymentLedger,
    StockRepository, StoreError, Transaction, UnitOfWork,
};

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
