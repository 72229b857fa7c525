//! The category menu and hot lists are cached in Redis; an order forgets the hot lists of its
//! categories, since their sales changed.

use meiduo_test_support::redis::redis;
use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_lists_are_cached_and_forgotten_when_an_order_changes_sales() {
    let Some(test_redis) = redis().await else { return };
    let db = meiduo_test_support::sqlite().await.with_catalog().await;
    let app = spawn_with(db, Some(test_redis.store.clone())).await;
    let prefix = &test_redis.config.prefix;
    let exists = |name: String| {
        let store = test_redis.store.clone();
        async move { store.command(&["EXISTS", &name]).await.unwrap() == vec!["1"] }
    };

    let shopper = app.shopper("peggy_cache", "13300000002").await;
    let menu = shopper.get("/categories/").await;
    assert_eq!(menu.status, StatusCode::OK);
    assert!(exists(format!("{prefix}cache:category_menu")).await);
    assert_eq!(shopper.get("/categories/").await.body, menu.body, "the cached menu is the same");

    let before = shopper.get("/categories/115/hotskus/").await.body;
    assert!(exists(format!("{prefix}cache:hot_skus:115")).await);

    // SKU 8 (category 115) has sold less than the current top two; buy enough to top the list.
    let address = shopper.add_address().await;
    app.db.set_stock(8, 150).await;
    shopper.post("/carts/", json!({"sku_id": 8, "count": 100})).await;
    let placed = shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{placed:?}");
    assert!(!exists(format!("{prefix}cache:hot_skus:115")).await, "the order forgot the hot list");
    let after = shopper.get("/categories/115/hotskus/").await.body;
    assert_ne!(after, before);
    assert_eq!(after[0]["id"], 8, "the new best seller shows at once");
}
