//! Redis goes away mid-run: cart endpoints and order placement answer 503 with a stable code and
//! write nothing, readiness reports it, browsing goes on; when Redis is back, so is the shop.

use std::time::Duration;

use meiduo_cart_redis::{RedisConfig, RedisStore};
use meiduo_test_support::redis::redis;
use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shop_answers_503_without_redis_and_recovers_by_itself() {
    let Some(test_redis) = redis().await else { return };
    let target =
        test_redis.config.url.trim_start_matches("redis://").split('/').next().unwrap().to_owned();
    let proxy = TcpProxy::start(&target).await;
    let mut config = RedisConfig::new(format!("redis://127.0.0.1:{}", proxy.port));
    config.prefix = test_redis.config.prefix.clone();
    config.timeout = Duration::from_millis(300);
    let store = RedisStore::new(&config).unwrap();
    let db = meiduo_test_support::sqlite().await.with_catalog().await;
    let app = spawn_with(db, Some(store)).await;

    let shopper = app.shopper("oscar_outage", "13300000001").await;
    let address = shopper.add_address().await;
    assert_eq!(
        shopper.post("/carts/", json!({"sku_id": 3, "count": 1})).await.status,
        StatusCode::CREATED
    );
    assert_eq!(shopper.get("/health/ready").await.status, StatusCode::OK);

    proxy.cut();
    for answer in [
        shopper.get("/carts/").await,
        shopper.post("/carts/", json!({"sku_id": 3, "count": 1})).await,
        shopper.put("/carts/selection/", json!({"selected": true})).await,
        shopper.get("/orders/settlement/").await,
        shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await,
    ] {
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
            "{answer:?}"
        );
        assert!(answer.body["message"].as_str().unwrap().contains("try again"));
    }
    assert_eq!(app.db.count("tb_order_info").await, 0, "nothing was written");
    assert_eq!(app.db.sku_counts(3).await.0, 10, "no stock was taken");
    let ready = shopper.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body["checks"]["database"], "ok");
    // Which dependency, not why: the error's text goes to the log only.
    assert_eq!(ready.body["checks"]["redis"], "unavailable");
    assert_eq!(ready.body["checks"]["cart_store"], "unavailable");
    // Browsing does not need Redis: the menu cache is bypassed.
    assert_eq!(shopper.get("/categories/").await.status, StatusCode::OK);
    assert_eq!(shopper.get("/skus/3/").await.status, StatusCode::OK);

    proxy.restore();
    let mut recovered = None;
    for _ in 0..50 {
        let answer = shopper.get("/carts/").await;
        if answer.status == StatusCode::OK {
            recovered = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cart = recovered.expect("the cart answers again once Redis is back");
    assert_eq!(cart.body[0]["id"], 3);
    assert_eq!(cart.body[0]["count"], 1, "the line written before the outage is intact");
    let placed = shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{placed:?}");
    assert_eq!(shopper.get("/health/ready").await.status, StatusCode::OK);
}
