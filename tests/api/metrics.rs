//! `GET /metrics`: the Prometheus text format, requests by route pattern and status with their
//! latency, orders, pools and memory; `promtool check metrics` accepts it.

use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

/// The value of the first sample whose line starts with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_orders_pools_and_memory_in_prometheus_format() {
    // As the binary does: the pool's waits reach the metrics through the tracing subscriber.
    {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        let installed =
            tracing_subscriber::registry().with(meiduo_server::pool_waits::layer()).try_init();
        assert!(installed.is_ok(), "no other test of this binary installs a subscriber");
    }
    let app = spawn(sqlite().await.with_catalog().await).await;
    let guest = app.session();
    for _ in 0..3 {
        assert_eq!(guest.get("/categories/").await.status, StatusCode::OK);
    }
    assert_eq!(guest.get("/skus/987654/").await.status, StatusCode::NOT_FOUND);
    let shopper = app.shopper("metrics_buyer", "13500000091").await;
    let address = shopper.add_address().await;
    shopper.post("/carts/", json!({"sku_id": 1, "count": 1})).await;
    let placed = shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{placed:?}");

    let response = reqwest::get(format!("{}/metrics", app.base)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let text = response.text().await.unwrap();
    let categories = sample(
        &text,
        r#"meiduo_http_requests_total{method="GET",route="/categories/",status="200"}"#,
    );
    assert!(categories.is_some_and(|n| n >= 3.0), "{text}");
    // Routes are patterns: no series per id.
    assert!(
        sample(
            &text,
            r#"meiduo_http_requests_total{method="GET",route="/skus/{id}/",status="404"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(!text.contains("987654"), "an id became a label");
    assert!(text.contains(r#"meiduo_http_request_duration_seconds_bucket{method="GET",route="/categories/",le="0.005"}"#));
    assert!(sample(&text, "meiduo_orders_placed_total").is_some_and(|n| n >= 1.0), "{text}");
    assert!(sample(&text, r#"meiduo_pool_connections{store="database",state="idle"}"#).is_some());
    assert!(sample(&text, "meiduo_process_resident_memory_bytes").is_some_and(|b| b > 1e6));
    let waits = sample(&text, "meiduo_db_pool_acquire_seconds_count");
    assert!(waits.is_some_and(|n| n >= 5.0), "every database call's wait is counted: {waits:?}");
    assert!(text.contains("# HELP meiduo_http_requests_total"), "every metric has its help");

    // The format, as Prometheus's own tool reads it.
    if std::process::Command::new("promtool").arg("--version").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but promtool is missing (Debian's prometheus package)"
        );
        eprintln!("SKIPPED: promtool check metrics (install Debian's prometheus package)");
        return;
    }
    use std::io::Write;
    let mut check = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    check.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let checked = check.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_calls_are_timed_in_the_metrics() {
    let Some(test_redis) = meiduo_test_support::redis::redis().await else { return };
    let app = spawn_with(sqlite().await.with_catalog().await, Some(test_redis.store.clone())).await;
    let shopper = app.shopper("redis_metrics", "13500000092").await;
    let added = shopper.post("/carts/", json!({"sku_id": 1, "count": 1})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    let text = reqwest::get(format!("{}/metrics", app.base)).await.unwrap().text().await.unwrap();
    let calls = sample(&text, "meiduo_redis_command_duration_seconds_count");
    assert!(calls.is_some_and(|n| n >= 1.0), "{text}");
    assert!(sample(&text, r#"meiduo_pool_connections{store="redis",state="idle"}"#).is_some());
}
