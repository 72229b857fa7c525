//! Placing orders through the PlaceOrder use case and the SQL adapter on real databases: the
//! concurrency proof (SQLite always, MariaDB when `MEIDUO_TEST_MYSQL_URL` is set).

use std::sync::Arc;

use async_trait::async_trait;
use meiduo_application::errors::ServiceFailure;
use meiduo_application::orders::{PlaceOrder, PlaceOrderError, PlaceOrderRequest};
use meiduo_application::{OrderPolicy, Policies, Ports, StockUpdate, UseCases};
use meiduo_domain::ports::{
    CartStore, InsertOrderError, LineComment, LockedOrder, NewComment, OrderRepository,
    OrderWriter, PaymentLedger, StockRepository, StoreError, Transaction, UnitOfWork,
};
use meiduo_domain::{Money, Order, OrderGoods, OrderId, OrderStatus, PayMethod, SkuId, SpuId};
use meiduo_inprocess::NoPaymentGateway;
use meiduo_server::Settings;
use meiduo_store_sql::SqlUnitOfWork;
use meiduo_test_support::*;

/// SKU 3 of the demo catalog (iPhone 8 Plus 64GB 金色, 6499.00) belongs to SPU 2.
const HOT_SKU: u64 = 3;
const HOT_SPU: SpuId = SpuId(2);

/// The place-order use case on this database, wired as the server wires it.
fn place_order(db: &TestDb, policy: OrderPolicy) -> Arc<PlaceOrder> {
    place_order_with(db, policy, Arc::new(db.store.unit_of_work()))
}

/// The same with these transactions.
fn place_order_with(db: &TestDb, policy: OrderPolicy, uow: Arc<dyn UnitOfWork>) -> Arc<PlaceOrder> {
    wired(db, policy, |ports| ports.uow = uow).place_order
}

/// The use cases on this database, wired as the server wires them (without Redis), with the
/// ports `adjust` changes.
pub(crate) fn wired(db: &TestDb, policy: OrderPolicy, adjust: impl FnOnce(&mut Ports)) -> UseCases {
    let mut ports = meiduo_server::ports(
        &Settings::default(),
        &db.store,
        None,
        b"a test secret of at least 32 bytes!!",
        meiduo_server::Senders::default(),
        Arc::new(NoPaymentGateway),
    );
    adjust(&mut ports);
    UseCases::build(&ports, &Policies { order: policy, ..Policies::default() })
}

fn policy(stock_update: StockUpdate) -> OrderPolicy {
    OrderPolicy { stock_update, ..OrderPolicy::default() }
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Outcomes {
    placed: usize,
    insufficient: usize,
    busy: usize,
    other: Vec<PlaceOrderError>,
}

/// Every request at once, each on a task of its own.
async fn place_all(use_case: Arc<PlaceOrder>, requests: Vec<PlaceOrderRequest>) -> Outcomes {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let use_case = Arc::clone(&use_case);
            tokio::spawn(async move { use_case.execute(request).await })
        })
        .collect();
    let mut outcomes = Outcomes::default();
    for task in tasks {
        match task.await.expect("the task panicked") {
            Ok(_) => outcomes.placed += 1,
            Err(PlaceOrderError::InsufficientStock(_)) => outcomes.insufficient += 1,
            Err(PlaceOrderError::Busy) => outcomes.busy += 1,
            Err(other) => outcomes.other.push(other),
        }
    }
    outcomes
}

async fn shoppers(
    db: &TestDb,
    n: usize,
    lines: &[meiduo_domain::CartLine],
) -> Vec<PlaceOrderRequest> {
    let mut requests = Vec::with_capacity(n);
    for i in 0..n {
        let (user, address) = db.shopper(&format!("shopper{i}"), lines).await;
        requests.push(PlaceOrderRequest { user, address, pay_method: PayMethod::Alipay });
    }
    requests
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_writes_the_order_its_lines_stock_and_sales_together() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let (user, address) = db.shopper("alice", &[cart_line(1, 2), cart_line(HOT_SKU, 1)]).await;
        db.store
            .carts()
            .set(user, meiduo_domain::CartLine { selected: false, ..cart_line(4, 1) })
            .await
            .unwrap();
        let spu_before = db.spu_sales(HOT_SPU).await;

        let placed = place_order(&db, OrderPolicy::default())
            .execute(PlaceOrderRequest { user, address, pay_method: PayMethod::Cash })
            .await
            .unwrap();

        let (order, lines) =
            db.store.orders().find_for_user(user, &placed.order.order_id).await.unwrap().unwrap();
        assert_eq!(order.status, OrderStatus::Unsend, "{}", db.engine);
        assert_eq!(order.total_count, 3);
        // 2 × 11388.00 + 6499.00 + 10.00 freight
        assert_eq!(order.total_amount, "29285.00".parse::<Money>().unwrap(), "{}", db.engine);
        assert_eq!(lines, placed.lines);
        assert_eq!(db.sku_counts(1).await, (3, 7), "{}: stock 5 → 3, sales 5 → 7", db.engine);
        assert_eq!(db.sku_counts(HOT_SKU).await, (9, 1));
        assert_eq!(db.spu_sales(HOT_SPU).await, spu_before + 1);
        let cart = db.store.carts().load(user).await.unwrap();
        assert_eq!(cart.lines().map(|l| l.sku_id).collect::<Vec<_>>(), vec![SkuId(4)]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_buyers_of_twenty_units_make_exactly_twenty_orders() {
    for db in engines().await {
        let db = db.with_catalog().await;
        db.set_stock(HOT_SKU, 20).await;
        let (_, sales_before) = db.sku_counts(HOT_SKU).await;
        let spu_before = db.spu_sales(HOT_SPU).await;
        let requests = shoppers(&db, 64, &[cart_line(HOT_SKU, 1)]).await;

        let outcomes = place_all(place_order(&db, policy(StockUpdate::Covering)), requests).await;

        assert_eq!(
            outcomes,
            Outcomes { placed: 20, insufficient: 44, busy: 0, other: vec![] },
            "{}",
            db.engine
        );
        assert_eq!(db.sku_counts(HOT_SKU).await, (0, sales_before + 20), "{}", db.engine);
        assert_eq!(db.spu_sales(HOT_SPU).await, spu_before + 20, "{}", db.engine);
        assert_eq!(db.count("tb_order_info").await, 20);
        assert_eq!(db.count("tb_order_goods").await, 20);
        assert_eq!(db.orders_without_lines().await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_equality_compare_and_swap_never_oversells_either() {
    for db in engines().await {
        let db = db.with_catalog().await;
        db.set_stock(HOT_SKU, 20).await;
        let (_, sales_before) = db.sku_counts(HOT_SKU).await;
        let spu_before = db.spu_sales(HOT_SPU).await;
        let requests = shoppers(&db, 64, &[cart_line(HOT_SKU, 1)]).await;
        let use_case = place_order(&db, policy(StockUpdate::Equality));

        let outcomes = place_all(Arc::clone(&use_case), requests).await;

        assert!(outcomes.other.is_empty(), "{}: {:?}", db.engine, outcomes.other);
        assert_eq!(outcomes.placed + outcomes.insufficient + outcomes.busy, 64);
        let (stock, sales) = db.sku_counts(HOT_SKU).await;
        assert_eq!(stock + outcomes.placed as i64, 20, "{}: stock is conserved", db.engine);
        assert_eq!(sales, sales_before + outcomes.placed as i64);
        assert_eq!(db.spu_sales(HOT_SPU).await, spu_before + outcomes.placed as i64);
        assert_eq!(db.count("tb_order_info").await, outcomes.placed as i64);
        assert_eq!(db.orders_without_lines().await, 0);
        if outcomes.busy == 0 {
            assert_eq!(outcomes.placed, 20, "{}", db.engine);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_of_a_and_b_in_either_order_do_not_deadlock() {
    for db in engines().await {
        let db = db.with_catalog().await;
        db.set_stock(1, 100).await;
        db.set_stock(HOT_SKU, 100).await;
        let (_, sales_1) = db.sku_counts(1).await;
        let (_, sales_3) = db.sku_counts(HOT_SKU).await;
        let mut requests = shoppers(&db, 16, &[cart_line(1, 1), cart_line(HOT_SKU, 1)]).await;
        requests.extend(shoppers_reversed(&db, 16).await);

        let outcomes = place_all(place_order(&db, policy(StockUpdate::Covering)), requests).await;

        assert_eq!(outcomes, Outcomes { placed: 32, ..Outcomes::default() }, "{}", db.engine);
        assert_eq!(db.sku_counts(1).await, (68, sales_1 + 32), "{}", db.engine);
        assert_eq!(db.sku_counts(HOT_SKU).await, (68, sales_3 + 32), "{}", db.engine);
        assert_eq!(db.count("tb_order_goods").await, 64);
    }
}

/// Shoppers whose carts got SKU B before SKU A.
async fn shoppers_reversed(db: &TestDb, n: usize) -> Vec<PlaceOrderRequest> {
    let mut requests = Vec::with_capacity(n);
    for i in 0..n {
        let (user, address) =
            db.shopper(&format!("reverse{i}"), &[cart_line(HOT_SKU, 1), cart_line(1, 1)]).await;
        requests.push(PlaceOrderRequest { user, address, pay_method: PayMethod::Cash });
    }
    requests
}

/// Transactions whose order writer writes the lines for real, then fails: as if the process
/// lost its footing right after.
struct FailAfterLines(SqlUnitOfWork);

struct FailingTx(Box<dyn Transaction>);

#[async_trait]
impl UnitOfWork for FailAfterLines {
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        Ok(Box::new(FailingTx(self.0.begin().await?)))
    }
}

#[async_trait]
impl Transaction for FailingTx {
    fn stock(&self) -> &dyn StockRepository {
        self.0.stock()
    }
    fn orders(&self) -> &dyn OrderWriter {
        self
    }
    fn payments(&self) -> &dyn PaymentLedger {
        self.0.payments()
    }
    async fn savepoint(&mut self) -> Result<(), StoreError> {
        self.0.savepoint().await
    }
    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.0.rollback_to_savepoint().await
    }
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.0.commit().await
    }
    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        self.0.rollback().await
    }
}

#[async_trait]
impl OrderWriter for FailingTx {
    async fn insert_order(&self, order: &Order) -> Result<(), InsertOrderError> {
        self.0.orders().insert_order(order).await
    }
    async fn insert_lines(&self, order: &Order, lines: &[OrderGoods]) -> Result<(), StoreError> {
        self.0.orders().insert_lines(order, lines).await?;
        Err(StoreError::unexpected("injected failure after the order lines"))
    }
    async fn lock(&self, order_id: &OrderId) -> Result<Option<LockedOrder>, StoreError> {
        self.0.orders().lock(order_id).await
    }
    async fn move_status(
        &self,
        order_id: &OrderId,
        from: OrderStatus,
        to: OrderStatus,
        actor: &str,
    ) -> Result<bool, StoreError> {
        self.0.orders().move_status(order_id, from, to, actor).await
    }
    async fn comment_line(
        &self,
        order_id: &OrderId,
        comment: &NewComment,
    ) -> Result<LineComment, StoreError> {
        self.0.orders().comment_line(order_id, comment).await
    }
    async fn uncommented_count(&self, order_id: &OrderId) -> Result<u64, StoreError> {
        self.0.orders().uncommented_count(order_id).await
    }
    async fn unpaid_holdings(
        &self,
        user: meiduo_domain::UserId,
        skus: &[SkuId],
    ) -> Result<meiduo_domain::ports::UnpaidHoldings, StoreError> {
        self.0.orders().unpaid_holdings(user, skus).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_after_the_lines_are_written_leaves_nothing_behind() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let (user, address) =
            db.shopper("unlucky", &[cart_line(1, 1), cart_line(HOT_SKU, 2)]).await;
        let before =
            (db.sku_counts(1).await, db.sku_counts(HOT_SKU).await, db.spu_sales(HOT_SPU).await);
        let failing = FailAfterLines(db.store.unit_of_work());
        let use_case = place_order_with(&db, OrderPolicy::default(), Arc::new(failing));

        let result = use_case
            .execute(PlaceOrderRequest { user, address, pay_method: PayMethod::Alipay })
            .await;

        assert!(
            matches!(result, Err(PlaceOrderError::Failure(ServiceFailure::Unexpected(_)))),
            "{}: {result:?}",
            db.engine
        );
        let after =
            (db.sku_counts(1).await, db.sku_counts(HOT_SKU).await, db.spu_sales(HOT_SPU).await);
        assert_eq!(after, before, "{}: stock and sales are untouched", db.engine);
        assert_eq!(db.count("tb_order_info").await, 0, "{}", db.engine);
        assert_eq!(db.count("tb_order_goods").await, 0);
        assert_eq!(db.store.carts().load(user).await.unwrap().len(), 2, "the cart is untouched");
    }
}
