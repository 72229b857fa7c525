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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_submits_with_one_key_make_one_order_and_the_same_answer() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        let shopper = app.shopper("keyed_buyer", "13200000003").await;
        let address = shopper.add_address().await;
        shopper.post("/carts/", json!({"sku_id": 3, "count": 1})).await;
        let (token, url) = (shopper.token.clone().unwrap(), format!("{}/orders/", app.base));
        let submit = move |key: &'static str, pay_method: i64| {
            let (token, url) = (token.clone(), url.clone());
            async move {
                let answer = reqwest::Client::new()
                    .post(url)
                    .header("Authorization", format!("JWT {token}"))
                    .header("Idempotency-Key", key)
                    .json(&json!({"address": address, "pay_method": pay_method}))
                    .send()
                    .await
                    .unwrap();
                let status = answer.status();
                let body: serde_json::Value = answer.json().await.unwrap_or_default();
                (status, body)
            }
        };
        let answers = join_all((0..50).map(|_| submit("submit-7f3a", 1)).collect()).await;
        let ids: std::collections::BTreeSet<String> = answers
            .iter()
            .map(|(status, body)| {
                assert_eq!(*status, StatusCode::CREATED, "{engine}: {body}");
                body["order_id"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(ids.len(), 1, "{engine}: every answer names the one order");
        assert_eq!(shopper.get("/orders/").await.body["count"], 1, "{engine}");

        let (status, body) = submit("submit-7f3a", 2).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused"))
        );
        let (status, body) = submit("submit-7f3a", 1).await;
        assert_eq!(
            (status, body["order_id"].as_str()),
            (StatusCode::CREATED, ids.first().map(String::as_str)),
            "{engine}: later too"
        );
        // A failed request frees its key: the same key works once the cart has a selection.
        let (status, body) = submit("submit-8b1c", 1).await;
        assert_eq!(body["code"], "empty_selection", "{engine}: {status}");
        shopper.post("/carts/", json!({"sku_id": 5, "count": 1})).await;
        let (status, _) = submit("submit-8b1c", 1).await;
        assert_eq!(status, StatusCode::CREATED, "{engine}");
        let (status, body) = submit("", 1).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_field"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_in_the_database() {
    use meiduo_domain::OrderId;
    use meiduo_domain::ports::{IdempotencyKeys, KeyClaim};
    use std::time::Duration;
    for db in meiduo_test_support::db::engines().await {
        let engine = db.engine;
        let keys = db.store.idempotency_keys();
        let (user, other) = (db.user("key_owner1").await, db.user("key_owner2").await);
        let (day, minutes) = (Duration::from_secs(86_400), Duration::from_secs(120));
        let claim = |user, key: &'static str, print: &'static str, ttl, stale| {
            let keys = keys.clone();
            async move { keys.claim(user, key, print, ttl, stale).await.unwrap() }
        };
        assert_eq!(claim(user, "k1", "a=1", day, minutes).await, KeyClaim::Claimed, "{engine}");
        assert_eq!(claim(user, "k1", "a=1", day, minutes).await, KeyClaim::Pending);
        assert_eq!(claim(user, "k1", "a=2", day, minutes).await, KeyClaim::Mismatch);
        assert_eq!(
            claim(other, "k1", "a=1", day, minutes).await,
            KeyClaim::Claimed,
            "{engine}: per user"
        );
        let order = OrderId::parse("20261202120000000000001000001").unwrap();
        keys.complete(user, "k1", &order).await.unwrap();
        assert_eq!(claim(user, "k1", "a=1", day, minutes).await, KeyClaim::Done(order.clone()));
        keys.release(user, "k1").await.unwrap();
        assert_eq!(
            claim(user, "k1", "a=1", day, minutes).await,
            KeyClaim::Done(order),
            "{engine}: a done key stays"
        );
        keys.release(other, "k1").await.unwrap();
        assert_eq!(
            claim(other, "k1", "a=1", day, minutes).await,
            KeyClaim::Claimed,
            "{engine}: released"
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(
            claim(other, "k1", "a=1", day, Duration::ZERO).await,
            KeyClaim::Claimed,
            "{engine}: a stale claim is taken over"
        );
        assert_eq!(
            claim(user, "k1", "a=9", Duration::ZERO, minutes).await,
            KeyClaim::Claimed,
            "{engine}: an expired key is forgotten"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_cannot_hold_a_sku_unpaid_out_of_everyones_reach() {
    for app in apps().await {
        let engine = app.engine();
        app.db.set_stock(3, 10).await;
        let hoarder = app.shopper("hoarder01", "13200000011").await;
        let address = hoarder.add_address().await;
        let alipay = json!({"address": address, "pay_method": 2});
        hoarder.post("/carts/", json!({"sku_id": 3, "count": 6})).await;
        let refused = hoarder.post("/orders/", alipay.clone()).await;
        assert_eq!(refused.code(), "too_many_unpaid_orders", "{engine}: 6 units of one SKU unpaid");
        hoarder.put("/carts/", json!({"sku_id": 3, "count": 1, "selected": true})).await;
        for sku in [3, 5, 7] {
            hoarder.post("/carts/", json!({"sku_id": sku, "count": 1})).await;
            let placed = hoarder.post("/orders/", alipay.clone()).await;
            assert_eq!(placed.status, StatusCode::CREATED, "{engine}: {placed:?}");
        }
        hoarder.post("/carts/", json!({"sku_id": 9, "count": 1})).await;
        let fourth = hoarder.post("/orders/", alipay.clone()).await;
        assert_eq!(fourth.code(), "too_many_unpaid_orders", "{engine}: three unpaid at once");
        assert_eq!(hoarder.get("/carts/").await.body[0]["id"], 9, "{engine}: the line is back");
        let cash = hoarder.post("/orders/", json!({"address": address, "pay_method": 1})).await;
        assert_eq!(cash.status, StatusCode::CREATED, "{engine}: cash orders are not capped");

        let other = app.shopper("neighbour2", "13200000012").await;
        let other_address = other.add_address().await;
        other.post("/carts/", json!({"sku_id": 3, "count": 5})).await;
        let theirs =
            other.post("/orders/", json!({"address": other_address, "pay_method": 2})).await;
        assert_eq!(theirs.status, StatusCode::CREATED, "{engine}: stock is left for others");
    }
}
