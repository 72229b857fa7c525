//! A two-second smoke of every load scenario on SQLite with a few clients, so that the load
//! generator never rots. It asserts the invariants, not a speed.

use std::sync::Arc;
use std::time::Duration;

use meiduo_application::OrderPolicy;
use meiduo_loadgen::{Scenario, prepare};
use meiduo_test_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_runs_and_keeps_the_invariants() {
    let app = spawn(meiduo_test_support::sqlite().await.with_catalog().await).await;
    let bench = Arc::new(prepare(&app.base, app.db.store.clone(), None, 4, 50).await.unwrap());
    // `cart-add` first: it leaves lines in the carts that the order scenarios must not order.
    let order = [
        Scenario::CartAdd,
        Scenario::OrderHot,
        Scenario::OrderSpread,
        Scenario::SkuList,
        Scenario::SkuDetail,
    ];
    for scenario in order {
        let outcome = bench
            .run_checked(
                scenario,
                Duration::from_secs(1),
                Duration::from_secs(2),
                Some(OrderPolicy::default()),
                None,
            )
            .await
            .unwrap();
        let (report, check) = &outcome.http;
        println!("{}", report.line());
        assert!(report.requests > 0, "{}: no request went through", scenario.name());
        check.as_ref().unwrap();
        if scenario.places_orders() {
            assert!(report.orders > 0, "{}: no order: {:?}", scenario.name(), report.errors);
            let (direct, check) = outcome.direct.as_ref().unwrap();
            println!("{}", direct.line());
            assert!(direct.orders > 0, "{}: {:?}", scenario.name(), direct.errors);
            check.as_ref().unwrap();
            assert!(outcome.ratio().unwrap() > 0.0);
        } else {
            assert!(report.errors.is_empty(), "{}: {:?}", scenario.name(), report.errors);
            assert!(outcome.direct.is_none());
        }
    }
}

/// On MariaDB the order scenarios also run through the bare driver (the raw drive): its orders
/// keep the invariants too, and the ratios against it are reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raw_drive_places_orders_that_keep_the_invariants() {
    let Some(db) = meiduo_test_support::mysql().await else { return };
    let url = db.url().to_owned();
    let app = spawn(db.with_catalog().await).await;
    let bench = Arc::new(prepare(&app.base, app.db.store.clone(), None, 4, 50).await.unwrap());
    let pool = meiduo_loadgen::raw::pool(&url, 4).await.unwrap();
    for scenario in [Scenario::OrderHot, Scenario::OrderSpread] {
        let outcome = bench
            .run_checked(
                scenario,
                Duration::ZERO,
                Duration::from_secs(2),
                Some(OrderPolicy::default()),
                Some(&pool),
            )
            .await
            .unwrap();
        let (raw, check) = outcome.raw.as_ref().unwrap();
        println!("{}", raw.line());
        assert!(raw.orders > 0, "{}: {:?}", scenario.name(), raw.errors);
        if cfg!(target_os = "linux") {
            // The CPU that the drive's own process spent on its orders is reported with them.
            let own = raw.cpu.iter().find(|(label, _)| *label == "load generator");
            assert!(own.is_some_and(|(_, spent)| !spent.is_zero()), "{:?}", raw.cpu);
            assert!(raw.cpu_per().contains("CPU ms/order"), "{}", raw.line());
        }
        assert!(raw.errors.is_empty(), "{}: {:?}", scenario.name(), raw.errors);
        check.as_ref().unwrap();
        let [http, direct, http_p99, direct_p99] = outcome.raw_ratios().unwrap();
        for ratio in [http, direct, http_p99, direct_p99] {
            assert!(ratio.is_some_and(|r| r > 0.0), "{}: {ratio:?}", scenario.name());
        }
    }
}

/// The raw drive's pool pings as the product's does: when a connection goes back to the pool
/// (sqlx always does), not also before each checkout (sqlx's default, which the product turns
/// off for connections not long idle). Counted by the one connection's own
/// `Com_admin_commands`, which no other client touches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raw_drive_pings_a_connection_only_when_it_goes_back() {
    use sea_orm::sqlx::{self, Row};
    let Some(db) = meiduo_test_support::mysql().await else { return };
    let pool = meiduo_loadgen::raw::pool(db.url(), 1).await.unwrap();
    let pings = || async {
        let row = sqlx::query("SHOW SESSION STATUS LIKE 'Com_admin_commands'")
            .fetch_one(&pool)
            .await
            .unwrap();
        row.try_get::<String, _>(1).unwrap().parse::<u64>().unwrap()
    };
    let before = pings().await;
    for _ in 0..20 {
        sqlx::query("SELECT 1").fetch_one(&pool).await.unwrap();
    }
    // Since the first reading, its own checkout and the 20 went back: 21 pings. Pinged before
    // each checkout too, it would be 42.
    let spent = pings().await - before;
    assert!((20..=22).contains(&spent), "{spent} pings for 21 checkouts gone back");
}

/// The flash-sale burst, small: every app (SQLite with the process's gate, MariaDB, MariaDB with
/// Redis's gate) sells exactly its stock, turns everyone else away sold out, and runs only the
/// winners' transactions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flash_sale_burst_sells_exactly_its_stock() {
    for (app, redis) in apps_with_redis().await {
        let engine = app.engine();
        let redis = redis.map(|redis| redis.store.clone());
        let bench = Arc::new(prepare(&app.base, app.db.store.clone(), redis, 12, 1).await.unwrap());
        let report = bench.flash_sale(3, Duration::ZERO).await.unwrap();
        println!("{}", report.line());
        report.check.as_ref().unwrap();
        assert_eq!(report.placed, 3, "{engine}");
        assert_eq!(report.sold_out, 9, "{engine}: every loser answered sold_out, once");
        assert!(report.other.is_empty(), "{engine}: {:?}", report.other);
        assert_eq!(report.transactions, 3, "{engine}: only the winners reached the database");
        assert_eq!(report.turned_away.len(), 9, "{engine}: the shoppers without an order");
        // The losers' carts still hold the SKU: ordering again is refused as sold out.
        let loser = &bench.shoppers[report.turned_away[0]];
        let again = reqwest::Client::new()
            .post(format!("{}/orders/", bench.base))
            .header("Authorization", format!("JWT {}", loser.token))
            .json(&serde_json::json!({"address": loser.address.0, "pay_method": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 400, "{engine}");
        let body: serde_json::Value = again.json().await.unwrap();
        assert_eq!(body["code"], "sold_out", "{engine}: {body}");
    }
}

/// The raw drive sends the product's order statements, text for text and by the same protocol.
/// One order through the product's order path (the direct drive's: the server's wiring, its
/// cart in Redis) and one raw order, each on a pool of one connection, as MariaDB's general log
/// records them: each statement prepared by its text, the transaction's own (`BEGIN`, the
/// savepoint, `COMMIT`) as plain text, each execution by its kind only (its values are the
/// order's own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raw_drive_sends_the_product_s_order_statements_text_for_text() {
    use meiduo_store_sql::{SqlConfig, SqlStore};
    use sea_orm::sqlx::{self, MySqlPool, Row};
    let Some(db) = meiduo_test_support::mysql().await else { return };
    let Some(redis) = meiduo_test_support::redis::redis().await else { return };
    let url = db.url().to_owned();
    let app = spawn(db.with_catalog().await).await;
    let mut config = SqlConfig::new(url.clone());
    (config.min_connections, config.max_connections) = (1, 1);
    let store = SqlStore::connect(&config).await.unwrap();
    let bench = prepare(&app.base, store.clone(), Some(redis.store.clone()), 1, 1).await.unwrap();
    let (shopper, sku) = (&bench.shoppers[0], bench.spread[0]);
    let product = store.mysql_pool().unwrap();
    let raw = meiduo_loadgen::raw::pool(&url, 1).await.unwrap();
    let admin = meiduo_loadgen::raw::pool(&url, 1).await.unwrap();
    let thread = |pool: MySqlPool| async move {
        sqlx::query_scalar::<_, u64>("SELECT CONNECTION_ID()").fetch_one(&pool).await
    };
    let product_thread = thread(product.clone()).await.unwrap();
    let raw_thread = thread(raw.clone()).await.unwrap();

    let settings = sqlx::query("SELECT @@global.log_output, @@global.general_log, NOW(6)")
        .fetch_one(&admin)
        .await
        .unwrap();
    let (output, logging): (String, i64) = (settings.get(0), settings.get(1));
    let since: time::PrimitiveDateTime = settings.get(2);
    sqlx::query("SET GLOBAL log_output = 'TABLE', GLOBAL general_log = 1")
        .execute(&admin)
        .await
        .unwrap();
    let product_order = bench.order_directly(0, sku, OrderPolicy::default()).await;
    let (user, address) = (shopper.user.0 as i64, shopper.address.0 as i64);
    let raw_order = meiduo_loadgen::raw::order(&raw, 1, user, address, sku.0 as i64).await;
    // Each pool's one connection back from its last order, pinged on its way: the same probe,
    // prepared before, executed once more on each. Nothing panics while the log is on.
    let probes = (thread(product).await, thread(raw).await);
    sqlx::query("SET GLOBAL general_log = ?, GLOBAL log_output = ?")
        .bind(logging)
        .bind(&output)
        .execute(&admin)
        .await
        .unwrap();
    product_order.unwrap();
    assert!(raw_order.unwrap(), "the raw order took its unit");
    assert_eq!((probes.0.unwrap(), probes.1.unwrap()), (product_thread, raw_thread));

    let rows = sqlx::query(
        "SELECT thread_id, command_type, CONVERT(argument USING utf8mb4) FROM mysql.general_log \
         WHERE event_time >= ? AND thread_id IN (?, ?)",
    )
    .bind(since)
    .bind(product_thread)
    .bind(raw_thread)
    .fetch_all(&admin)
    .await
    .unwrap();
    if logging == 0 && !output.contains("TABLE") {
        // Nobody else logs to the table: this test's rows go.
        sqlx::query("TRUNCATE TABLE mysql.general_log").execute(&admin).await.unwrap();
    }
    let log = |thread: u64| -> Vec<(String, String)> {
        rows.iter()
            .filter(|row| row.get::<u64, _>(0) == thread)
            .map(|row| {
                let (kind, text): (String, String) = (row.get(1), row.get(2));
                let text = if kind == "Execute" { String::new() } else { text };
                (kind, text)
            })
            .collect()
    };
    let (product_log, raw_log) = (log(product_thread), log(raw_thread));
    let count = |kind: &str| raw_log.iter().filter(|(k, _)| k == kind).count();
    // The address check, the SKU read, the order, the stock, the SPU's sales, the line: each
    // prepared and executed; `BEGIN`, the savepoint, `COMMIT`; the probe executed.
    assert_eq!((count("Prepare"), count("Execute"), count("Query")), (6, 7, 3), "{raw_log:#?}");
    assert_eq!(product_log, raw_log, "the product's order (left) against the raw drive's (right)");
}
