//! Browsing over HTTP: the menu, breadcrumbs, lists, details, search, history; health and docs.

use meiduo_server::Settings;
use meiduo_server::settings::CacheSettings;
use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ids(body: &Value) -> Vec<u64> {
    body.as_array().unwrap().iter().map(|s| s["id"].as_u64().unwrap()).collect()
}

fn prices(body: &Value) -> Vec<f64> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["price"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn categories_lists_and_details() {
    for app in apps().await {
        let engine = app.engine();
        let s = app.session();
        let menu = s.get("/categories/").await.body;
        let groups = menu.as_array().unwrap();
        assert_eq!(groups.len(), 11, "{engine}");
        assert_eq!(groups[0]["group_id"], 1);
        let channels: Vec<&str> = groups[0]["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(channels, vec!["手机", "相机", "数码"]);
        assert_eq!(groups[0]["sub_cats"][0]["name"], "手机通讯");
        assert_eq!(groups[0]["sub_cats"][0]["sub_cats"][0]["name"], "手机");

        let top = s.get("/categories/1/").await.body;
        assert_eq!(top["cat1"]["category"]["id"], 1);
        assert_eq!(top["cat2"], "");
        let middle = s.get("/categories/38/").await.body;
        assert_eq!(
            (
                middle["cat1"]["category"]["id"].clone(),
                middle["cat2"]["id"].clone(),
                middle["cat3"].clone()
            ),
            (json!(1), json!(38), json!(""))
        );

        let cheap_first = s.get("/categories/115/skus/?ordering=price&page_size=20").await.body;
        let p = prices(&cheap_first);
        assert!(p.windows(2).all(|w| w[0] <= w[1]), "{engine}: {p:?}");
        let dear_first =
            prices(&s.get("/categories/115/skus/?ordering=-price&page_size=20").await.body);
        assert!(dear_first.windows(2).all(|w| w[0] >= w[1]));
        let best = s.get("/categories/115/skus/?ordering=-sales").await.body;
        assert_eq!(best["count"], 14);
        let page2 = s.get("/categories/115/skus/?ordering=price&page=2&page_size=5").await.body;
        assert_eq!(prices(&page2), p[5..10].to_vec(), "{engine}");
        assert!(page2["previous"].as_str().unwrap().contains("page=1"));
        assert!(page2["next"].as_str().unwrap().contains("page=3"));
        let capped = s.get("/categories/115/skus/?page_size=1000").await.body;
        assert_eq!(capped["results"].as_array().unwrap().len(), 14, "page_size is capped at 20");
        let beyond = s.get("/categories/115/skus/?page=99").await;
        assert_eq!(beyond.status, StatusCode::NOT_FOUND, "{engine}: past the last page");
        assert!(
            s.get("/categories/999/skus/").await.body["results"].as_array().unwrap().is_empty()
        );

        let hot = s.get("/categories/115/hotskus/").await.body;
        assert_eq!(hot.as_array().unwrap().len(), 2);
        assert!(
            hot[0]["default_image_url"]
                .as_str()
                .unwrap()
                .starts_with("http://image.meiduo.site:8888/group1/")
        );

        let detail = s.get("/skus/1/").await.body;
        assert_eq!(detail["spu"]["name"], "Apple MacBook Pro 笔记本", "{engine}");
        assert!(!detail["images"].as_array().unwrap().is_empty());
        let specs = detail["specs"].as_array().unwrap();
        assert_eq!(specs.len(), 3);
        for spec in specs {
            let selected = spec["options"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| o["selected"] == true)
                .count();
            assert_eq!(selected, 1, "{engine}: one option of each spec is the SKU's own");
        }
        app.db.exec("UPDATE tb_sku SET is_launched = 0 WHERE id IN (2, 4)", vec![]).await;
        assert_eq!(s.get("/skus/2/").await.status, StatusCode::NOT_FOUND, "{engine}: not on sale");
        assert_eq!(s.get("/categories/157/skus/").await.body["count"], 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_browse_history() {
    for app in apps().await {
        let engine = app.engine();
        let shopper = app.shopper("kim_browse", "13400000001").await;
        let found = shopper.get("/skus/search/?text=iPhone&page_size=3").await.body;
        assert_eq!(found["count"], 6, "{engine}");
        assert_eq!(found["results"].as_array().unwrap().len(), 3);
        assert!(found["next"].is_string());
        let caption = shopper
            .get("/skus/search/?text=%E7%A7%BB%E5%8A%A8%E4%BC%98%E6%83%A0%E8%B4%AD")
            .await
            .body;
        assert!(caption["count"].as_u64().unwrap() >= 1, "{engine}: captions are searched too");
        for literal in ["%25", "_", "!%25", "!_"] {
            let none = shopper.get(&format!("/skus/search/?text={literal}")).await;
            assert_eq!(none.body["count"], 0, "{engine}: {literal} is matched literally");
        }
        assert_eq!(
            shopper.get(&format!("/skus/search/?text={}", "x".repeat(51))).await.code(),
            "invalid_field"
        );

        for sku in [1, 3, 5, 7, 9, 11, 3] {
            let recorded = shopper.post("/browse_histories/", json!({"sku_id": sku})).await;
            assert_eq!(recorded.status, StatusCode::CREATED, "{engine}");
        }
        assert_eq!(
            ids(&shopper.get("/browse_histories/").await.body),
            vec![3, 11, 9, 7, 5],
            "{engine}"
        );
        assert_eq!(
            shopper.post("/browse_histories/", json!({"sku_id": 99999})).await.code(),
            "sku_unavailable"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_the_api_documents() {
    let app = spawn(meiduo_test_support::sqlite().await.with_catalog().await).await;
    let s = app.session();
    assert_eq!(s.get("/health/live").await.body["status"], "ok");
    let ready = s.get("/health/ready").await;
    assert_eq!(
        ready.body,
        json!({"status": "ok", "checks": {"cart_store": "ok", "database": "ok", "search": "ok"}})
    );
    let doc = s.get("/api-docs/openapi.json").await.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/orders/", "/carts/", "/authorizations/", "/skus/{id}/", "/addresses/{id}/title/"]
    {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    // Every method a route serves is documented, from the one place routes are registered.
    for method in ["get", "post", "put", "delete"] {
        assert!(doc["paths"]["/carts/"][method].is_object(), "{method} /carts/");
    }
    // The account endpoints, each method documented.
    for (path, method) in [
        ("/image_codes/{image_code_id}/", "get"),
        ("/sms_codes/{mobile}/", "get"),
        ("/sms_codes/", "get"),
        ("/accounts/{account}/sms/token/", "get"),
        ("/accounts/{account}/password/token/", "get"),
        ("/users/{user_id}/password/", "post"),
        ("/users/{user_id}/password/", "put"),
        ("/email/", "put"),
        ("/emails/verification/", "get"),
        ("/oauth/qq/authorization/", "get"),
        ("/oauth/qq/user/", "get"),
        ("/oauth/qq/user/", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is documented");
    }
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"].as_array().unwrap();
    for code in [
        "insufficient_stock",
        "busy",
        "not_found",
        "service_unavailable",
        "too_many_attempts",
        "invalid_page",
    ] {
        assert!(codes.iter().any(|c| c == code), "the error code {code} is listed");
    }
    let ui = reqwest::get(format!("{}/docs/", app.base)).await.unwrap();
    assert_eq!(ui.status(), StatusCode::OK);
    assert!(ui.text().await.unwrap().contains("swagger"), "the UI is bundled");
}

/// Details, list pages and the SKUs the cart checks are kept in the process for at most
/// `cache.local_ttl`: a change made behind the shop's back (another replica, an operator's SQL)
/// shows once that time is over, and at once when the setting is 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_elsewhere_shows_once_the_local_cache_lifetime_is_over() {
    let lifetime = std::time::Duration::from_millis(1500);
    for (local_ttl, cached) in [(lifetime, true), (std::time::Duration::ZERO, false)] {
        let db = meiduo_test_support::sqlite().await.with_catalog().await;
        let settings = Settings { cache: CacheSettings { local_ttl }, ..test_settings() };
        let app = spawn_with_settings(db, None, settings).await;
        let shopper = app.shopper("olive_cache", "13300000009").await;
        let comments = |body: &Value| body["comments"].as_u64().unwrap();
        let list_count = |body: &Value| body["count"].as_u64().unwrap();
        let before = shopper.get("/skus/1/").await.body;
        let listed = shopper.get("/categories/157/skus/").await.body;
        assert_eq!(shopper.post("/carts/", json!({"sku_id": 4, "count": 1})).await.status, 201);

        let started = std::time::Instant::now();
        app.db.exec("UPDATE tb_sku SET comments = comments + 7 WHERE id = 1", vec![]).await;
        app.db.exec("UPDATE tb_sku SET is_launched = 0 WHERE id IN (2, 4)", vec![]).await;
        let detail = shopper.get("/skus/1/").await.body;
        let list = shopper.get("/categories/157/skus/").await.body;
        let add = shopper.post("/carts/", json!({"sku_id": 4, "count": 1})).await;
        if cached {
            assert!(started.elapsed() < lifetime, "the reads came within the lifetime");
            assert_eq!(comments(&detail), comments(&before), "the cached detail");
            assert_eq!(list_count(&list), list_count(&listed), "the cached page");
            assert_eq!(add.status, 201, "the cart checked the cached SKU");
            tokio::time::sleep(lifetime.saturating_sub(started.elapsed()) + lifetime / 5).await;
        }
        let detail = shopper.get("/skus/1/").await.body;
        assert_eq!(comments(&detail), comments(&before) + 7, "cache {local_ttl:?}");
        let list = shopper.get("/categories/157/skus/").await.body;
        assert_eq!(list_count(&list), list_count(&listed) - 1, "SKU 2 left the list");
        let add = shopper.post("/carts/", json!({"sku_id": 4, "count": 1})).await;
        assert_eq!(add.code(), "sku_unavailable", "cache {local_ttl:?}");
    }
}
