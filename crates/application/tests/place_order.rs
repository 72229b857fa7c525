//! PlaceOrder against mocks of every port.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use meiduo_application::errors::ServiceFailure;
use meiduo_application::orders::{PlaceOrderError, PlaceOrderRequest};
use meiduo_application::{OrderPolicy, StockUpdate};
use meiduo_domain::ports::{
    GateTake, InsertOrderError, MockAddressRepository, MockSaleGate, StockGuard, StoreError,
    UnpaidHoldings,
};
use meiduo_domain::{OrderStatus, PayMethod, Sku, SkuId, SpuId};
use mockall::Sequence;
use mockall::predicate::eq;
use support::*;

fn request(pay_method: PayMethod) -> PlaceOrderRequest {
    PlaceOrderRequest { user: USER, address: ADDRESS, pay_method }
}

/// The order's row and its lines are written once each.
fn writes_once(mocks: &mut Mocks) {
    mocks.orders.expect_insert_order().times(1).returning(|_| Ok(()));
    mocks.orders.expect_insert_lines().times(1).returning(|_, _| Ok(()));
}

/// `read_skus` answers from this catalog, whatever ids it is asked for.
fn reads_from(mocks: &mut Mocks, catalog: Vec<Sku>) {
    mocks.stock.expect_read_skus().returning(move |ids| {
        Ok(catalog.iter().filter(|sku| ids.contains(&sku.id)).cloned().collect())
    });
}

#[tokio::test]
async fn a_two_sku_order_has_correct_totals_freight_and_initial_status() {
    for (pay_method, status) in
        [(PayMethod::Cash, OrderStatus::Unsend), (PayMethod::Alipay, OrderStatus::Unpaid)]
    {
        let mut mocks = Mocks::new(cart_of(vec![line(1, 2, true), line(2, 1, true)]));
        mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
        mocks.orders.expect_unpaid_holdings().returning(|_, _| Ok(UnpaidHoldings::default()));
        mocks.txs = vec![committing_tx()];
        reads_from(
            &mut mocks,
            vec![
                SkuBuilder::new(1).price("3788.00").stock(5).spu(9).build(),
                SkuBuilder::new(2).price("0.10").stock(1).spu(3).build(),
            ],
        );
        mocks.stock.expect_take_stock().times(2).returning(|_, _, _| Ok(true));
        // SPU sales grow by each SPU's units, in SPU-id order.
        let mut spus = Sequence::new();
        mocks
            .stock
            .expect_add_spu_sales()
            .with(eq(SpuId(3)), eq(1))
            .times(1)
            .in_sequence(&mut spus)
            .returning(|_, _| Ok(()));
        mocks
            .stock
            .expect_add_spu_sales()
            .with(eq(SpuId(9)), eq(2))
            .times(1)
            .in_sequence(&mut spus)
            .returning(|_, _| Ok(()));
        let written = Arc::new(Mutex::new(None));
        let sink = Arc::clone(&written);
        // The order's row first, its lines after the stock was taken.
        let mut writes = Sequence::new();
        mocks.orders.expect_insert_order().times(1).in_sequence(&mut writes).returning(|_| Ok(()));
        mocks.orders.expect_insert_lines().times(1).in_sequence(&mut writes).returning(
            move |order, lines| {
                *sink.lock().unwrap() = Some((order.clone(), lines.to_vec()));
                Ok(())
            },
        );

        let placed = mocks.build(policy(StockUpdate::Covering)).execute(request(pay_method)).await;

        let placed = placed.unwrap();
        let order = &placed.order;
        assert_eq!(order.total_count, 3);
        assert_eq!(order.freight, money("10.00"));
        assert_eq!(order.total_amount, money("7586.10"), "2 × 3788.00 + 0.10 + 10.00");
        assert_eq!(order.status, status);
        assert_eq!(order.pay_method, pay_method);
        assert_eq!(order.user_id, USER);
        assert_eq!(order.address_id, ADDRESS);
        assert!(order.order_id.as_str().starts_with("20261122183000000000042"));
        let (stored, lines) = written.lock().unwrap().clone().unwrap();
        assert_eq!(&stored, order);
        assert_eq!(lines, placed.lines);
        assert_eq!(lines[0].sku_id, SkuId(1));
        assert_eq!(lines[0].price, money("3788.00"));
        assert_eq!(lines[0].count, qty(2));
        assert_eq!(lines[1].price, money("0.10"));
    }
}

#[tokio::test]
async fn insufficient_stock_on_the_second_sku_is_refused_before_any_write_and_rolled_back() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 1, true), line(2, 3, true)]));
    mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
    mocks
        .carts
        .expect_merge()
        .with(eq(USER), eq(vec![line(1, 1, true), line(2, 3, true)]))
        .times(1)
        .returning(|_, _| Ok(()));
    mocks.txs = vec![rolled_back_tx()];
    reads_from(
        &mut mocks,
        vec![SkuBuilder::new(1).stock(5).build(), SkuBuilder::new(2).stock(2).build()],
    );
    mocks.stock.expect_take_stock().never();
    mocks.stock.expect_add_spu_sales().never();
    mocks.orders.expect_insert_order().never();
    mocks.orders.expect_insert_lines().never();

    let result = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;

    assert_eq!(result, Err(PlaceOrderError::InsufficientStock(SkuId(2))));
}

#[tokio::test]
async fn a_lost_race_reads_the_sku_again_and_retries() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 2, true)]));
    mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
    mocks.orders.expect_unpaid_holdings().returning(|_, _| Ok(UnpaidHoldings::default()));
    mocks.txs = vec![committing_tx()];
    let mut reads = Sequence::new();
    mocks
        .stock
        .expect_read_skus()
        .times(1)
        .in_sequence(&mut reads)
        .returning(|_| Ok(vec![SkuBuilder::new(1).stock(10).build()]));
    // Somebody else bought 3 in the meantime.
    mocks
        .stock
        .expect_read_skus()
        .times(1)
        .in_sequence(&mut reads)
        .returning(|_| Ok(vec![SkuBuilder::new(1).stock(7).build()]));
    let mut swaps = Sequence::new();
    mocks
        .stock
        .expect_take_stock()
        .withf(|_, count, guard| *count == qty(2) && *guard == StockGuard::Equals(10))
        .times(1)
        .in_sequence(&mut swaps)
        .returning(|_, _, _| Ok(false));
    mocks
        .stock
        .expect_take_stock()
        .withf(|_, _, guard| *guard == StockGuard::Equals(7))
        .times(1)
        .in_sequence(&mut swaps)
        .returning(|_, _, _| Ok(true));
    mocks.stock.expect_add_spu_sales().times(1).returning(|_, _| Ok(()));
    writes_once(&mut mocks);
    let use_case = mocks.build(policy(StockUpdate::Equality));

    let placed = use_case.execute(request(PayMethod::Alipay)).await.unwrap();

    assert_eq!(placed.order.total_count, 2);
    assert_eq!(use_case.stats().lost_races.load(std::sync::atomic::Ordering::Relaxed), 1);
}

#[tokio::test]
async fn races_past_the_bound_answer_busy_and_roll_back() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 1, true)]));
    mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
    mocks.carts.expect_merge().times(1).returning(|_, _| Ok(()));
    mocks.txs = vec![rolled_back_tx()];
    reads_from(&mut mocks, vec![SkuBuilder::new(1).stock(10).build()]);
    let mut policy = policy(StockUpdate::Equality);
    policy.max_swap_attempts = 4;
    mocks.stock.expect_take_stock().times(4).returning(|_, _, _| Ok(false));
    mocks.clock.checkpoint();
    mocks.clock.expect_now().return_const(NOW);
    mocks.clock.expect_sleep().times(3).returning(|_| ());
    mocks.orders.expect_insert_order().times(1).returning(|_| Ok(()));
    mocks.orders.expect_insert_lines().never();
    let use_case = mocks.build(policy);

    let result = use_case.execute(request(PayMethod::Cash)).await;

    assert_eq!(result, Err(PlaceOrderError::Busy));
    assert_eq!(use_case.stats().busy.load(std::sync::atomic::Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_deadlock_runs_the_whole_transaction_again() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 1, true)]));
    mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
    mocks.txs = vec![rolled_back_tx(), committing_tx()];
    reads_from(&mut mocks, vec![SkuBuilder::new(1).stock(10).build()]);
    let mut attempts = Sequence::new();
    mocks
        .stock
        .expect_take_stock()
        .times(1)
        .in_sequence(&mut attempts)
        .returning(|_, _, _| Err(StoreError::Conflict("deadlock found".into())));
    mocks
        .stock
        .expect_take_stock()
        .times(1)
        .in_sequence(&mut attempts)
        .returning(|_, _, _| Ok(true));
    mocks.stock.expect_add_spu_sales().times(1).returning(|_, _| Ok(()));
    // Once in each attempt; the first was rolled back.
    mocks.orders.expect_insert_order().times(2).returning(|_| Ok(()));
    mocks.orders.expect_insert_lines().times(1).returning(|_, _| Ok(()));

    let placed = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;

    assert!(placed.is_ok());
}

#[tokio::test]
async fn conflicts_past_the_bound_answer_busy() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 1, true)]));
    mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
    mocks.carts.expect_merge().times(1).returning(|_, _| Ok(()));
    let mut policy = policy(StockUpdate::Covering);
    policy.max_transaction_attempts = 3;
    mocks.txs = vec![rolled_back_tx(), rolled_back_tx(), rolled_back_tx()];
    reads_from(&mut mocks, vec![SkuBuilder::new(1).stock(10).build()]);
    mocks
        .stock
        .expect_take_stock()
        .times(3)
        .returning(|_, _, _| Err(StoreError::Conflict("deadlock found".into())));
    mocks.orders.expect_insert_order().times(3).returning(|_| Ok(()));
    mocks.orders.expect_insert_lines().never();

    let result = mocks.build(policy).execute(request(PayMethod::Cash)).await;

    assert_eq!(result, Err(PlaceOrderError::Busy));
}

#[tokio::test]
async fn an_order_id_clash_takes_a_new_id() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 1, true)]));
    mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
    mocks.txs = vec![rolled_back_tx(), committing_tx()];
    reads_from(&mut mocks, vec![SkuBuilder::new(1).stock(10).build()]);
    mocks.stock.expect_take_stock().returning(|_, _, _| Ok(true));
    mocks.stock.expect_add_spu_sales().returning(|_, _| Ok(()));
    let tried = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&tried);
    mocks.orders.expect_insert_order().times(2).returning(move |order| {
        let mut seen = seen.lock().unwrap();
        seen.push(order.order_id.clone());
        if seen.len() == 1 { Err(InsertOrderError::IdTaken) } else { Ok(()) }
    });
    mocks.orders.expect_insert_lines().times(1).returning(|_, _| Ok(()));

    let placed = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;

    let tried = tried.lock().unwrap();
    assert_ne!(tried[0], tried[1]);
    assert_eq!(placed.unwrap().order.order_id, tried[1]);
}

#[tokio::test]
async fn an_empty_selection_is_refused_before_any_write() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 1, false)]));
    mocks.carts.expect_take().never();

    let result = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;

    assert_eq!(result, Err(PlaceOrderError::EmptySelection));
}

#[tokio::test]
async fn another_users_or_a_deleted_address_is_refused_before_any_write() {
    // The store answers "not usable" for both: tests/api/errors.rs drives each through it.
    let mut mocks = Mocks::new(cart_of(vec![line(1, 1, true)]));
    let mut addresses = MockAddressRepository::new();
    addresses.expect_is_usable().with(eq(USER), eq(ADDRESS)).returning(|_, _| Ok(false));
    mocks.addresses = addresses;

    let result = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;

    assert_eq!(result, Err(PlaceOrderError::AddressNotFound));
}

#[tokio::test]
async fn a_count_above_the_maximum_is_refused_before_any_write() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 1, true), line(2, 6, true)]));
    mocks.txs = Vec::new(); // beginning a transaction fails the test
    let mut policy = policy(StockUpdate::Covering);
    policy.max_count = meiduo_domain::QuantityLimit::new(5).unwrap();

    let result = mocks.build(policy).execute(request(PayMethod::Cash)).await;

    assert_eq!(result, Err(PlaceOrderError::CountTooLarge { sku: SkuId(2), count: 6, max: 5 }));
}

#[test]
fn an_unknown_pay_method_or_a_bad_address_id_is_a_validation_error() {
    assert_eq!(PlaceOrderRequest::parse(USER, 7, 3), Err(PlaceOrderError::UnknownPayMethod(3)));
    assert_eq!(PlaceOrderRequest::parse(USER, 7, 0), Err(PlaceOrderError::UnknownPayMethod(0)));
    assert_eq!(PlaceOrderRequest::parse(USER, -1, 1), Err(PlaceOrderError::AddressNotFound));
    assert_eq!(PlaceOrderRequest::parse(USER, 7, 2).unwrap().pay_method, PayMethod::Alipay);
}

#[tokio::test]
async fn an_unlaunched_or_vanished_sku_is_refused_and_rolled_back() {
    for catalog in [vec![SkuBuilder::new(1).launched(false).build()], vec![]] {
        let mut mocks = Mocks::new(cart_of(vec![line(1, 1, true)]));
        mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
        mocks.carts.expect_merge().times(1).returning(|_, _| Ok(()));
        mocks.txs = vec![rolled_back_tx()];
        reads_from(&mut mocks, catalog);
        mocks.stock.expect_take_stock().never();
        mocks.orders.expect_insert_order().never();
        mocks.orders.expect_insert_lines().never();

        let result =
            mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;

        assert_eq!(result, Err(PlaceOrderError::SkuUnavailable(SkuId(1))));
    }
}

#[tokio::test]
async fn the_selected_lines_leave_the_cart_in_one_step_before_the_transaction() {
    let mut carts = cart_of(vec![line(3, 1, true), line(5, 1, false), line(8, 2, true)]);
    let mut order_of_events = Sequence::new();
    carts
        .expect_take()
        .with(eq(USER), eq(vec![line(3, 1, true), line(8, 2, true)]))
        .times(1)
        .in_sequence(&mut order_of_events)
        .returning(|_, _| Ok(true));
    let mut tx = MockTxControl::new();
    tx.expect_savepoint().times(1).in_sequence(&mut order_of_events).returning(|| Ok(()));
    tx.expect_commit().times(1).in_sequence(&mut order_of_events).returning(|| Ok(()));
    carts.expect_merge().never();
    let mut mocks = Mocks::new(carts);
    mocks.txs = vec![tx];
    reads_from(&mut mocks, vec![SkuBuilder::new(3).build(), SkuBuilder::new(8).build()]);
    mocks.stock.expect_take_stock().returning(|_, _, _| Ok(true));
    mocks.stock.expect_add_spu_sales().returning(|_, _| Ok(()));
    writes_once(&mut mocks);

    let placed = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;

    assert_eq!(placed.unwrap().lines.len(), 2);
}

#[tokio::test]
async fn a_selection_another_submit_took_places_nothing() {
    let mut carts = cart_of(vec![line(1, 1, true)]);
    carts.expect_take().times(1).returning(|_, _| Ok(false));
    carts.expect_merge().never();
    let mut mocks = Mocks::new(carts);
    mocks.txs = Vec::new(); // beginning a transaction fails the test

    let result = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;

    assert_eq!(result, Err(PlaceOrderError::EmptySelection));
}

#[tokio::test]
async fn an_unreachable_cart_store_refuses_before_any_write() {
    let mut carts = meiduo_domain::ports::MockCartStore::new();
    carts.expect_load().returning(|_| Err(StoreError::Unavailable("timed out".into())));
    carts.expect_local_writes().returning(|_| None);
    let mut mocks = Mocks::new(carts);
    mocks.txs = Vec::new(); // beginning a transaction fails the test

    let result = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;

    assert!(matches!(result, Err(PlaceOrderError::Failure(ServiceFailure::Unavailable(_)))));
}

#[tokio::test]
async fn a_total_above_the_storable_maximum_is_refused_and_rolled_back() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 2, true)]));
    mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
    mocks.carts.expect_merge().times(1).returning(|_, _| Ok(()));
    mocks.txs = vec![rolled_back_tx()];
    reads_from(&mut mocks, vec![SkuBuilder::new(1).price("50000000.00").stock(5).build()]);
    mocks.stock.expect_take_stock().never();
    mocks.stock.expect_add_spu_sales().never();
    mocks.orders.expect_insert_order().never();
    mocks.orders.expect_insert_lines().never();

    let result = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;

    assert_eq!(result, Err(PlaceOrderError::AmountTooLarge(money("100000010.00"))));
}

#[tokio::test]
async fn a_price_changed_during_a_lost_race_runs_the_transaction_again() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 1, true)]));
    mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
    mocks.txs = vec![rolled_back_tx(), committing_tx()];
    let mut reads = Sequence::new();
    for (stock, price) in [(10, "100.00"), (9, "120.00"), (9, "120.00")] {
        mocks
            .stock
            .expect_read_skus()
            .times(1)
            .in_sequence(&mut reads)
            .returning(move |_| Ok(vec![SkuBuilder::new(1).stock(stock).price(price).build()]));
    }
    let mut swaps = Sequence::new();
    mocks.stock.expect_take_stock().times(1).in_sequence(&mut swaps).returning(|_, _, _| Ok(false));
    mocks
        .stock
        .expect_take_stock()
        .withf(|_, _, guard| *guard == StockGuard::Equals(9))
        .times(1)
        .in_sequence(&mut swaps)
        .returning(|_, _, _| Ok(true));
    mocks.stock.expect_add_spu_sales().times(1).returning(|_, _| Ok(()));
    mocks.orders.expect_insert_order().times(2).returning(|_| Ok(()));
    mocks.orders.expect_insert_lines().times(1).returning(|_, _| Ok(()));
    let use_case = mocks.build(policy(StockUpdate::Equality));

    let placed = use_case.execute(request(PayMethod::Cash)).await.unwrap();

    assert_eq!(placed.lines[0].price, money("120.00"), "the order carries the price it took");
    assert_eq!(placed.order.total_amount, money("130.00"));
    let retries = use_case.stats().transaction_retries.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(retries, 1);
}

#[tokio::test]
async fn unpaid_orders_are_capped_per_shopper_and_per_sku() {
    for (held, count, expected) in [
        (
            UnpaidHoldings { orders: 3, units: Default::default() },
            1,
            PlaceOrderError::TooManyUnpaidOrders(3),
        ),
        (
            UnpaidHoldings { orders: 1, units: [(SkuId(1), 4)].into_iter().collect() },
            2,
            PlaceOrderError::TooManyUnpaidUnits { sku: SkuId(1), max: 5 },
        ),
    ] {
        let mut mocks = Mocks::new(cart_of(vec![line(1, count, true)]));
        mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
        mocks.carts.expect_merge().times(1).returning(|_, _| Ok(()));
        mocks.txs = vec![rolled_back_tx()];
        reads_from(&mut mocks, vec![SkuBuilder::new(1).stock(10).build()]);
        mocks
            .orders
            .expect_unpaid_holdings()
            .withf(|user, skus| *user == USER && skus == [SkuId(1)])
            .returning(move |_, _| Ok(held.clone()));
        mocks.stock.expect_take_stock().never();
        mocks.orders.expect_insert_order().never();
        let result =
            mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Alipay)).await;
        assert_eq!(result, Err(expected));
    }
}

#[tokio::test]
async fn cash_orders_hold_no_stock_unpaid_and_are_not_capped() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 9, true)]));
    mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
    mocks.txs = vec![committing_tx()];
    reads_from(&mut mocks, vec![SkuBuilder::new(1).stock(10).build()]);
    mocks.orders.expect_unpaid_holdings().never();
    mocks.stock.expect_take_stock().returning(|_, _, _| Ok(true));
    mocks.stock.expect_add_spu_sales().returning(|_, _| Ok(()));
    writes_once(&mut mocks);
    let placed = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;
    assert!(placed.is_ok(), "{placed:?}");
}

/// A gate whose SKU 1 has `units` left (the others are not on sale), recording what is given
/// back.
fn sale_of(units: u32, given_back: Arc<Mutex<Vec<(SkuId, u32)>>>) -> MockSaleGate {
    let left = Arc::new(Mutex::new(units));
    let mut gate = MockSaleGate::new();
    let taking = Arc::clone(&left);
    gate.expect_take().returning(move |lines| {
        let mut left = taking.lock().unwrap();
        let wanted: u32 = lines.iter().filter(|(sku, _)| *sku == SkuId(1)).map(|l| l.1).sum();
        if wanted > *left {
            return Ok(GateTake::SoldOut { sku: SkuId(1), left: *left });
        }
        *left -= wanted;
        Ok(GateTake::Taken)
    });
    gate.expect_give_back().returning(move |lines| {
        given_back.lock().unwrap().extend_from_slice(lines);
        Ok(())
    });
    gate
}

#[tokio::test]
async fn an_empty_flash_sale_gate_turns_the_order_away_before_any_other_work() {
    let mut mocks = Mocks::new(cart_of(vec![line(1, 2, true), line(2, 1, true)]));
    // Neither the address, nor the cart's lines, nor a transaction is touched.
    mocks.addresses = MockAddressRepository::new();
    mocks.carts.expect_take().never();
    mocks.gate = sale_of(1, Arc::default());
    let place = mocks.build(policy(StockUpdate::Covering));

    let result = place.execute(request(PayMethod::Cash)).await;

    assert_eq!(result, Err(PlaceOrderError::SoldOut(SkuId(1))));
    assert_eq!(place.stats().sold_out.load(std::sync::atomic::Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_flash_sale_order_that_fails_gives_its_units_back_but_for_a_sku_found_short() {
    // The address is gone: every unit goes back.
    let given_back = Arc::new(Mutex::new(Vec::new()));
    let mut mocks = Mocks::new(cart_of(vec![line(1, 1, true), line(2, 3, true)]));
    let mut addresses = MockAddressRepository::new();
    addresses.expect_is_usable().returning(|_, _| Ok(false));
    mocks.addresses = addresses;
    mocks.gate = sale_of(5, Arc::clone(&given_back));
    let result = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;
    assert_eq!(result, Err(PlaceOrderError::AddressNotFound));
    assert_eq!(*given_back.lock().unwrap(), vec![(SkuId(1), 1), (SkuId(2), 3)]);

    // The database has no unit of SKU 1 its gate let through: that SKU's units stay taken (the
    // gate counted too many), SKU 2's go back.
    let given_back = Arc::new(Mutex::new(Vec::new()));
    let mut mocks = Mocks::new(cart_of(vec![line(1, 1, true), line(2, 3, true)]));
    mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
    mocks.carts.expect_merge().times(1).returning(|_, _| Ok(()));
    mocks.txs = vec![rolled_back_tx()];
    reads_from(
        &mut mocks,
        vec![SkuBuilder::new(1).stock(0).build(), SkuBuilder::new(2).stock(9).build()],
    );
    mocks.gate = sale_of(5, Arc::clone(&given_back));
    let result = mocks.build(policy(StockUpdate::Covering)).execute(request(PayMethod::Cash)).await;
    assert_eq!(result, Err(PlaceOrderError::InsufficientStock(SkuId(1))));
    assert_eq!(*given_back.lock().unwrap(), vec![(SkuId(2), 3)]);
}

#[tokio::test]
async fn a_placed_flash_sale_order_keeps_its_units() {
    let given_back = Arc::new(Mutex::new(Vec::new()));
    let mut mocks = Mocks::new(cart_of(vec![line(1, 2, true)]));
    mocks.carts.expect_take().times(1).returning(|_, _| Ok(true));
    mocks.txs = vec![committing_tx()];
    reads_from(&mut mocks, vec![SkuBuilder::new(1).stock(2).build()]);
    mocks.stock.expect_take_stock().times(1).returning(|_, _, _| Ok(true));
    mocks.stock.expect_add_spu_sales().returning(|_, _| Ok(()));
    writes_once(&mut mocks);
    mocks.gate = sale_of(2, Arc::clone(&given_back));
    let place = mocks.build(policy(StockUpdate::Covering));

    assert!(place.execute(request(PayMethod::Cash)).await.is_ok());
    assert!(given_back.lock().unwrap().is_empty());
}

/// The turned-away memory's world: a cart of one line of SKU 1 whose loads are counted, a
/// write count the test moves (`None`: a store that does not count), a gate of SKU 1 that is
/// always empty and known empty while `known`, and a clock `offset_ms` past `NOW`.
struct TurnedAwayWorld {
    loads: Arc<AtomicUsize>,
    writes: Arc<Mutex<Option<u64>>>,
    known: Arc<AtomicBool>,
    offset_ms: Arc<AtomicI64>,
}

impl TurnedAwayWorld {
    fn new() -> Self {
        TurnedAwayWorld {
            loads: Arc::default(),
            writes: Arc::new(Mutex::new(Some(7))),
            known: Arc::new(AtomicBool::new(true)),
            offset_ms: Arc::default(),
        }
    }

    fn place(&self, memory: Duration) -> meiduo_application::orders::PlaceOrder {
        let mut carts = meiduo_domain::ports::MockCartStore::new();
        let loads = Arc::clone(&self.loads);
        carts.expect_load().returning(move |_| {
            loads.fetch_add(1, SeqCst);
            Ok(meiduo_domain::Cart::from_lines(vec![line(1, 1, true)]))
        });
        let writes = Arc::clone(&self.writes);
        carts.expect_local_writes().returning(move |_| *writes.lock().unwrap());
        carts.expect_take().never();
        let mut mocks = Mocks::new(carts);
        mocks.addresses = MockAddressRepository::new();
        let mut gate = MockSaleGate::new();
        gate.expect_take().returning(|_| Ok(GateTake::SoldOut { sku: SkuId(1), left: 0 }));
        let known = Arc::clone(&self.known);
        gate.expect_known_sold_out().with(eq(SkuId(1))).returning(move |_| known.load(SeqCst));
        mocks.gate = gate;
        let mut clock = meiduo_domain::ports::MockClock::new();
        let offset = Arc::clone(&self.offset_ms);
        clock
            .expect_now()
            .returning(move || NOW + time::Duration::milliseconds(offset.load(SeqCst)));
        mocks.clock = clock;
        mocks.build(OrderPolicy { sold_out_memory: memory, ..policy(StockUpdate::Covering) })
    }

    /// Presses the order button once: it must be answered sold out; returns whether the cart
    /// was loaded for it.
    async fn press(&self, place: &meiduo_application::orders::PlaceOrder) -> bool {
        let before = self.loads.load(SeqCst);
        let answer = place.execute(request(PayMethod::Cash)).await;
        assert_eq!(answer, Err(PlaceOrderError::SoldOut(SkuId(1))));
        self.loads.load(SeqCst) > before
    }
}

#[tokio::test]
async fn a_shopper_turned_away_a_moment_ago_is_answered_again_without_loading_the_cart() {
    let world = TurnedAwayWorld::new();
    let place = world.place(Duration::from_millis(250));

    assert!(world.press(&place).await, "the first press loads the cart");
    assert!(!world.press(&place).await, "answered from memory");
    world.offset_ms.store(249, SeqCst);
    assert!(!world.press(&place).await, "still within the memory's length");

    let stats = place.stats();
    assert_eq!(stats.sold_out.load(SeqCst), 3);
    assert_eq!(stats.sold_out_remembered.load(SeqCst), 2);
}

#[tokio::test]
async fn a_cart_written_since_a_gate_not_known_empty_or_an_old_memory_loads_the_cart_again() {
    let world = TurnedAwayWorld::new();
    let place = world.place(Duration::from_millis(250));
    assert!(world.press(&place).await);

    // This process wrote the cart since (the shopper may have changed the selection).
    *world.writes.lock().unwrap() = Some(8);
    assert!(world.press(&place).await, "the cart was written");
    assert!(!world.press(&place).await, "remembered with the new count");

    // Units came back to the gate (given back here, or a reconciliation).
    world.known.store(false, SeqCst);
    assert!(world.press(&place).await, "the gate is not known empty");
    world.known.store(true, SeqCst);

    // The memory's length passed; and a clock that went back is not trusted either.
    world.offset_ms.store(250, SeqCst);
    assert!(world.press(&place).await, "the memory is over");
    assert!(!world.press(&place).await);
    world.offset_ms.store(-1_000, SeqCst);
    assert!(world.press(&place).await, "the clock went back");

    // A store that does not count its writes: every press loads the cart.
    *world.writes.lock().unwrap() = None;
    assert!(world.press(&place).await);
    assert!(world.press(&place).await);
    assert_eq!(place.stats().sold_out_remembered.load(SeqCst), 2);

    // A zero memory: never remembered.
    let world = TurnedAwayWorld::new();
    let place = world.place(Duration::ZERO);
    assert!(world.press(&place).await);
    assert!(world.press(&place).await);
    assert_eq!(place.stats().sold_out_remembered.load(SeqCst), 0);
}

#[tokio::test]
async fn a_gate_with_units_short_of_the_line_is_not_remembered_as_empty() {
    let mut carts = meiduo_domain::ports::MockCartStore::new();
    carts
        .expect_load()
        .times(2)
        .returning(|_| Ok(meiduo_domain::Cart::from_lines(vec![line(1, 3, true)])));
    carts.expect_local_writes().returning(|_| Some(1));
    let mut mocks = Mocks::new(carts);
    mocks.addresses = MockAddressRepository::new();
    // Two units left for a line of three: sold out for this line, but the gate is not empty.
    let mut gate = MockSaleGate::new();
    gate.expect_take().times(2).returning(|_| Ok(GateTake::SoldOut { sku: SkuId(1), left: 2 }));
    gate.expect_known_sold_out().never();
    mocks.gate = gate;
    let place = mocks.build(policy(StockUpdate::Covering));
    for _ in 0..2 {
        let answer = place.execute(request(PayMethod::Cash)).await;
        assert_eq!(answer, Err(PlaceOrderError::SoldOut(SkuId(1))));
    }
    assert_eq!(place.stats().sold_out_remembered.load(SeqCst), 0);
}
