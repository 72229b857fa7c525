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
