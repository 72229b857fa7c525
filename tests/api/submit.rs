//! One order per submit over HTTP: concurrent submits of one cart, and a failed order that gives
//! the cart its lines back, on SQLite, MariaDB and the Redis cart.

use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

/// Runs the futures concurrently (spawned) and collects their outputs in order.
async fn join_all<T: Send + 'static>(
    futures: Vec<impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_submits_of_one_cart_make_one_order() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        let shopper = app.shopper("double_click", "13200000001").await;
        let address = shopper.add_address().await;
        app.db.set_stock(3, 100).await;
        shopper.post("/carts/", json!({"sku_id": 3, "count": 2})).await;
        shopper.post("/carts/", json!({"sku_id": 5, "count": 1})).await;
        let (stock_before, _) = app.db.sku_counts(3).await;
        let token = shopper.token.clone().unwrap();
        let url = format!("{}/orders/", app.base);
        let submits = (0..50)
            .map(|_| {
                let (url, token) = (url.clone(), token.clone());
                async move {
                    let answer = reqwest::Client::new()
                        .post(url)
                        .header("Authorization", format!("JWT {token}"))
                        .json(&json!({"address": address, "pay_method": 1}))
                        .send()
                        .await
                        .unwrap();
                    let status = answer.status();
                    let body: serde_json::Value = answer.json().await.unwrap_or_default();
                    (status, body["code"].as_str().unwrap_or("").to_owned())
                }
            })
            .collect();
        let answers = join_all(submits).await;
        let placed = answers.iter().filter(|(status, _)| *status == StatusCode::CREATED).count();
        assert_eq!(placed, 1, "{engine}: {answers:?}");
        for (status, code) in answers.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
            assert_eq!(
                (*status, code.as_str()),
                (StatusCode::BAD_REQUEST, "empty_selection"),
                "{engine}"
            );
        }
        assert_eq!(shopper.get("/orders/").await.body["count"], 1, "{engine}");
        let (stock_after, _) = app.db.sku_counts(3).await;
        assert_eq!(stock_before - stock_after, 2, "{engine}: the stock was taken once");
        assert!(shopper.get("/carts/").await.body.as_array().unwrap().is_empty(), "{engine}");
        assert_eq!(app.db.orders_without_lines().await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_that_fails_gives_the_cart_its_lines_back() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        let shopper = app.shopper("short_stock", "13200000002").await;
        let address = shopper.add_address().await;
        shopper.post("/carts/", json!({"sku_id": 3, "count": 2})).await;
        shopper.post("/carts/", json!({"sku_id": 5, "count": 1, "selected": false})).await;
        app.db.set_stock(3, 1).await;
        let refused = shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
        assert_eq!(refused.code(), "insufficient_stock", "{engine}: {refused:?}");
        let cart = shopper.get("/carts/").await.body;
        let lines: Vec<(u64, u64, bool)> = cart
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (l["id"].as_u64().unwrap(), l["count"].as_u64().unwrap(), l["selected"] == true)
            })
            .collect();
        assert_eq!(lines.len(), 2, "{engine}: {cart}");
        assert!(lines.contains(&(3, 2, true)), "{engine}: the line came back as it was: {lines:?}");
        assert!(lines.contains(&(5, 1, false)), "{engine}");
        assert_eq!(shopper.get("/orders/").await.body["count"], 0);
    }
}
