//! A two-second smoke of every load scenario on SQLite with a few clients, so that the load
//! generator never rots. It asserts the invariants, not a speed.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use meiduo_application::OrderPolicy;
use meiduo_e2e::*;
use meiduo_loadgen::{Scenario, prepare};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_runs_and_keeps_the_invariants() {
    let app = spawn(meiduo_store_sql::testing::sqlite().await.with_catalog().await).await;
    let bench = Arc::new(prepare(&app.base, app.db.store.clone(), None, 4, 50).await.unwrap());
    for scenario in Scenario::ALL {
        let before = bench.snapshot().await.unwrap();
        let report = bench.run_http(scenario, Duration::from_secs(2)).await;
        println!("{}", report.line());
        assert!(report.requests > 0, "{}: no request went through", scenario.name());
        if scenario.places_orders() {
            assert!(
                report.orders > 0,
                "{}: no order was placed: {:?}",
                scenario.name(),
                report.errors
            );
            bench.check(&before, report.orders).await.unwrap();
            let before = bench.snapshot().await.unwrap();
            let direct =
                bench.run_direct(scenario, Duration::from_secs(2), OrderPolicy::default()).await;
            println!("{}", direct.line());
            assert!(direct.orders > 0, "{}: {:?}", scenario.name(), direct.errors);
            bench.check(&before, direct.orders).await.unwrap();
        } else {
            assert!(report.errors.is_empty(), "{}: {:?}", scenario.name(), report.errors);
        }
    }
}
