//! Flash sales: the gate in front of the order transaction, on every gate (this process's, Redis,
//! a Redis Cluster) and engine, its reconciliation with the database, and the operators' API.

use std::sync::Arc;
use std::time::Duration;

use meiduo_application::flash_sale::Reconciled;
use meiduo_application::orders::{PlaceOrderError, PlaceOrderRequest};
use meiduo_application::{OrderPolicy, UseCases};
use meiduo_domain::ports::{CartStore, SaleGate};
use meiduo_domain::{PayMethod, SkuId};
use meiduo_inprocess::{MemorySaleGate, SharedGateView};
use meiduo_test_support::redis::{TestRedis, redis, redis_cluster};
use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

use crate::admin::staff;

/// SKU 3 of the demo catalog.
const HOT_SKU: u64 = 3;

/// Every gate there is to test: this process's always, Redis and a Redis Cluster when
/// configured (each kept alive by its handle).
async fn gates() -> Vec<(&'static str, Arc<dyn SaleGate>, Option<TestRedis>)> {
    let mut gates: Vec<(&'static str, Arc<dyn SaleGate>, Option<TestRedis>)> =
        vec![("memory", Arc::new(MemorySaleGate::default()), None)];
    if let Some(redis) = redis().await {
        gates.push(("redis", Arc::new(redis.store.clone()), Some(redis)));
    }
    if let Some(cluster) = redis_cluster().await {
        gates.push(("redis cluster", Arc::new(cluster.store.clone()), Some(cluster)));
    }
    gates
}

/// The use cases on this database with this gate, wired as the server wires them.
fn use_cases(db: &TestDb, gate: &Arc<dyn SaleGate>) -> UseCases {
    crate::place_order::wired(db, OrderPolicy::default(), |ports| {
        ports.sale_gate = Arc::clone(gate)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crowd_on_a_flash_sale_makes_exactly_its_stock_of_orders_and_only_they_reach_the_database()
 {
    for (gate_name, gate, _handle) in gates().await {
        for db in engines().await {
            let db = db.with_catalog().await;
            let engine = format!("{} with the {gate_name} gate", db.engine);
            db.set_stock(HOT_SKU, 12).await;
            let (_, sales_before) = db.sku_counts(HOT_SKU).await;
            let cases = use_cases(&db, &gate);
            let sale = cases.flash_sale.open(None, SkuId(HOT_SKU)).await.unwrap();
            assert_eq!((sale.stock, sale.gate), (12, Some(12)), "{engine}");
            let mut requests = Vec::new();
            for i in 0..60 {
                let (user, address) =
                    db.shopper(&format!("crowd{i}"), &[cart_line(HOT_SKU, 1)]).await;
                requests.push(PlaceOrderRequest { user, address, pay_method: PayMethod::Cash });
            }

            let place = cases.place_order.clone();
            let tasks: Vec<_> = requests
                .iter()
                .map(|request| {
                    let (place, request) = (Arc::clone(&place), *request);
                    tokio::spawn(async move { place.execute(request).await })
                })
                .collect();
            let (mut placed, mut sold_out) = (0, 0);
            for task in tasks {
                match task.await.unwrap() {
                    Ok(_) => placed += 1,
                    Err(PlaceOrderError::SoldOut(sku)) if sku == SkuId(HOT_SKU) => sold_out += 1,
                    Err(other) => panic!("{engine}: {other:?}"),
                }
            }

            assert_eq!((placed, sold_out), (12, 48), "{engine}");
            let stats = place.stats();
            let read =
                |n: &std::sync::atomic::AtomicU64| n.load(std::sync::atomic::Ordering::Relaxed);
            assert_eq!(read(&stats.transactions), 12, "{engine}: only the winners' transactions");
            assert_eq!(read(&stats.sold_out), 48, "{engine}");
            assert_eq!(db.sku_counts(HOT_SKU).await, (0, sales_before + 12), "{engine}");
            assert_eq!(db.count("tb_order_info").await, 12, "{engine}");
            assert_eq!(db.count("tb_order_goods").await, 12, "{engine}");
            assert_eq!(gate.units(SkuId(HOT_SKU)).await.unwrap(), Some(0), "{engine}");
            // The turned-away shoppers keep their carts; the winners' lines became orders.
            let mut kept = 0;
            for request in &requests {
                kept += db.store.carts().load(request.user).await.unwrap().len();
            }
            assert_eq!(kept, 48, "{engine}: the losers' cart lines are still there");
            cases.flash_sale.close(None, SkuId(HOT_SKU)).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_pressing_again_after_a_sale_sold_out_is_answered_from_memory_until_the_cart_or_the_gate_changes()
 {
    for (gate_name, gate, _handle) in gates().await {
        // A shared gate is seen through this process's view of it, as the server wires it.
        let gate: Arc<dyn SaleGate> = if gate_name == "memory" {
            gate
        } else {
            Arc::new(SharedGateView::new(gate, Duration::from_secs(3600)))
        };
        let db = sqlite().await.with_catalog().await;
        db.set_stock(HOT_SKU, 1).await;
        // A long memory, so that only the cart and the gate end it here.
        let policy =
            OrderPolicy { sold_out_memory: Duration::from_secs(3600), ..OrderPolicy::default() };
        let cases =
            crate::place_order::wired(&db, policy, |ports| ports.sale_gate = Arc::clone(&gate));
        let sku = SkuId(HOT_SKU);
        cases.flash_sale.open(None, sku).await.unwrap();
        let order =
            |(user, address)| PlaceOrderRequest { user, address, pay_method: PayMethod::Cash };
        let winner = order(db.shopper("quick", &[cart_line(HOT_SKU, 1)]).await);
        let late = order(db.shopper("late", &[cart_line(HOT_SKU, 1)]).await);
        let place = Arc::clone(&cases.place_order);
        let remembered =
            || place.stats().sold_out_remembered.load(std::sync::atomic::Ordering::Relaxed);
        place.execute(winner).await.unwrap();

        for _ in 0..3 {
            assert_eq!(
                place.execute(late).await,
                Err(PlaceOrderError::SoldOut(sku)),
                "{gate_name}"
            );
        }
        assert_eq!(remembered(), 2, "{gate_name}: the presses after the first");

        // The shopper unticks the cart: the next press sees it.
        cases.carts.select_all(late.user, false).await.unwrap();
        assert_eq!(place.execute(late).await, Err(PlaceOrderError::EmptySelection), "{gate_name}");
        cases.carts.select_all(late.user, true).await.unwrap();
        assert_eq!(place.execute(late).await, Err(PlaceOrderError::SoldOut(sku)), "{gate_name}");
        assert_eq!(remembered(), 2, "{gate_name}: loaded after the cart was written");
        assert_eq!(place.execute(late).await, Err(PlaceOrderError::SoldOut(sku)), "{gate_name}");
        assert_eq!(remembered(), 3, "{gate_name}");

        // More stock, and the operator sets the gate again: the next press is an order.
        db.set_stock(HOT_SKU, 1).await;
        cases.flash_sale.open(None, sku).await.unwrap();
        let placed = place.execute(late).await;
        assert!(placed.is_ok(), "{gate_name}: {placed:?}");
        assert_eq!(db.sku_counts(HOT_SKU).await.0, 0, "{gate_name}");
        cases.flash_sale.close(None, sku).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gate_is_reconciled_with_the_database_after_a_crash_a_lost_redis_and_an_ended_sale() {
    for (gate_name, gate, _handle) in gates().await {
        let db = sqlite().await.with_catalog().await;
        db.set_stock(HOT_SKU, 20).await;
        let cases = use_cases(&db, &gate);
        let sku = SkuId(HOT_SKU);
        cases.flash_sale.open(None, sku).await.unwrap();
        // Opening again (after a change of stock) loads the gate again; one sale is recorded.
        let again = cases.flash_sale.open(None, sku).await.unwrap();
        assert_eq!(again.gate, Some(20), "{gate_name}");
        assert_eq!(db.count("tb_flash_sale").await, 1, "{gate_name}");

        // A process took 5 units and died before its orders reached the database.
        gate.take(&[(sku, 5)]).await.unwrap();
        let quiet = cases.flash_sale.reconcile(false).await.unwrap();
        assert_eq!(quiet, Reconciled::default(), "{gate_name}: a sale in progress is left alone");
        assert_eq!(gate.units(sku).await.unwrap(), Some(15), "{gate_name}");
        // A process starting sets the gates from the database.
        let restarted = cases.flash_sale.reconcile(true).await.unwrap();
        assert_eq!(restarted.restored, vec![sku], "{gate_name}");
        assert_eq!(gate.units(sku).await.unwrap(), Some(20), "{gate_name}: the units came back");

        // The gate's store lost its keys (Redis restarted without persistence).
        gate.close(sku).await.unwrap();
        cases.flash_sale.reconcile(false).await.unwrap();
        assert_eq!(gate.units(sku).await.unwrap(), Some(20), "{gate_name}: a lost gate is set");

        // Emptied while the database still has 3 units: orders still in flight, as far as one
        // round can tell, so the gate stays empty; the same 3 units at the next round are
        // stranded (orders that died, unpaid ones cancelled) and go back.
        gate.take(&[(sku, 20)]).await.unwrap();
        db.set_stock(HOT_SKU, 5).await;
        let moving = cases.flash_sale.reconcile(false).await.unwrap();
        assert_eq!(moving, Reconciled::default(), "{gate_name}");
        db.set_stock(HOT_SKU, 3).await;
        let still_moving = cases.flash_sale.reconcile(false).await.unwrap();
        assert_eq!(still_moving, Reconciled::default(), "{gate_name}: the stock moved");
        assert_eq!(gate.units(sku).await.unwrap(), Some(0), "{gate_name}");
        let mended = cases.flash_sale.reconcile(false).await.unwrap();
        assert_eq!(mended.restored, vec![sku], "{gate_name}");
        assert_eq!(gate.units(sku).await.unwrap(), Some(3), "{gate_name}");

        // The sale ended in the database (another replica closed it): the gate goes too.
        db.exec("DELETE FROM tb_flash_sale", vec![]).await;
        let ended = cases.flash_sale.reconcile(false).await.unwrap();
        assert_eq!(ended.closed, vec![sku], "{gate_name}");
        assert_eq!(gate.units(sku).await.unwrap(), None, "{gate_name}");
        assert!(cases.flash_sale.list().await.unwrap().is_empty(), "{gate_name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_put_a_sku_on_flash_sale_and_shoppers_past_its_stock_are_told_sold_out() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        let admin = staff(&app, "sale_admin", "13700000071", &[]).await;
        let viewer = staff(&app, "sale_viewer", "13700000072", &["view_sku"]).await;
        app.db.set_stock(HOT_SKU, 2).await;

        let refused =
            viewer.put(&format!("/meiduo_admin/skus/{HOT_SKU}/flash_sale/"), json!({})).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{engine}: {refused:?}");
        let unknown = admin.put("/meiduo_admin/skus/999999/flash_sale/", json!({})).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{engine}: {unknown:?}");
        let opened =
            admin.put(&format!("/meiduo_admin/skus/{HOT_SKU}/flash_sale/"), json!({})).await;
        assert_eq!(opened.status, StatusCode::OK, "{engine}: {opened:?}");
        assert_eq!(opened.body, json!({"sku_id": HOT_SKU, "stock": 2, "gate": 2}), "{engine}");

        // The crowd fills its carts before the sale runs out, then orders.
        let mut buyers = Vec::new();
        for n in 0..3 {
            let shopper = app.shopper(&format!("sale_buyer{n}"), &format!("1370000008{n}")).await;
            let address = shopper.add_address().await;
            let added = shopper.post("/carts/", json!({"sku_id": HOT_SKU, "count": 1})).await;
            assert_eq!(added.status, StatusCode::CREATED, "{engine}: {added:?}");
            buyers.push((shopper, address));
        }
        let mut answers = Vec::new();
        for (shopper, address) in &buyers {
            let placed =
                shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
            answers.push((placed.status, placed.code().to_owned()));
        }
        assert_eq!(answers[0].0, StatusCode::CREATED, "{engine}: {answers:?}");
        assert_eq!(answers[1].0, StatusCode::CREATED, "{engine}: {answers:?}");
        assert_eq!(answers[2], (StatusCode::BAD_REQUEST, "sold_out".to_owned()), "{engine}");
        // The one turned away presses again, unticks the line and presses, ticks it and
        // presses: each answer is that of the cart as it is.
        let (late, address) = &buyers[2];
        let mut again = Vec::new();
        for selected in [None, Some(false), Some(true)] {
            if let Some(selected) = selected {
                late.put("/carts/selection/", json!({"selected": selected})).await;
            }
            let placed = late.post("/orders/", json!({"address": address, "pay_method": 1})).await;
            again.push((placed.status.as_u16(), placed.code().to_owned()));
        }
        let expected = [(400, "sold_out"), (400, "empty_selection"), (400, "sold_out")]
            .map(|(status, code)| (status, code.to_owned()));
        assert_eq!(again, expected, "{engine}");

        let listed = viewer.get("/meiduo_admin/flash_sales/").await;
        assert_eq!(listed.status, StatusCode::OK, "{engine}: {listed:?}");
        assert_eq!(listed.body, json!([{"sku_id": HOT_SKU, "stock": 0, "gate": 0}]), "{engine}");
        let counters = app.session().get("/metrics/orders").await.body;
        assert_eq!(counters["sold_out"], 3, "{engine}: {counters}");
        assert_eq!(counters["transactions"], 2, "{engine}: {counters}");

        let closed = admin.delete(&format!("/meiduo_admin/skus/{HOT_SKU}/flash_sale/"), None).await;
        assert_eq!(closed.status, StatusCode::NO_CONTENT, "{engine}: {closed:?}");
        let again = admin.delete(&format!("/meiduo_admin/skus/{HOT_SKU}/flash_sale/"), None).await;
        assert_eq!((again.status, again.code()), (StatusCode::NOT_FOUND, "not_found"), "{engine}");
        assert_eq!(viewer.get("/meiduo_admin/flash_sales/").await.body, json!([]), "{engine}");
        let audit = admin.get("/meiduo_admin/audit/").await.body.to_string();
        assert!(audit.contains("flash_sale"), "{engine}: the writes are audited: {audit}");
    }
}
