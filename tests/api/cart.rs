//! The cart over HTTP: anonymous (signed cookie) and logged in, the merge at login, tampering.

use meiduo_test_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn lines(body: &Value) -> Vec<(u64, u64, bool)> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["id"].as_u64().unwrap(),
                l["count"].as_u64().unwrap(),
                l["selected"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_cart_lives_in_a_signed_cookie_and_merges_at_login() {
    for app in apps().await {
        let engine = app.engine();
        // Bob has an account with SKU 3 ×1 and SKU 5 ×4 in his cart.
        let bob = app.shopper("bob_cart", "13700000001").await;
        bob.post("/carts/", json!({"sku_id": 3, "count": 1})).await;
        bob.post("/carts/", json!({"sku_id": 5, "count": 4})).await;

        // On another device, not logged in (the original front end sends "JWT undefined").
        let mut device = app.session();
        let added = device
            .send_raw(
                Method::POST,
                "/carts/",
                r#"{"sku_id": 3, "count": 2, "selected": false}"#,
                &[("Content-Type", "application/json"), ("Authorization", "JWT undefined")],
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{engine}: {added:?}");
        assert!(
            added.set_cookies.iter().any(|c| c.starts_with("carts=") && c.contains("HttpOnly"))
        );
        device.post("/carts/", json!({"sku_id": 3, "count": 1, "selected": false})).await;
        device.post("/carts/", json!({"sku_id": 9, "count": 1})).await;
        assert_eq!(lines(&device.get("/carts/").await.body), vec![(3, 3, false), (9, 1, true)]);
        device.put("/carts/", json!({"sku_id": 9, "count": 2, "selected": true})).await;
        device.post("/carts/", json!({"sku_id": 10, "count": 1})).await;
        assert_eq!(
            device.delete("/carts/", Some(json!({"sku_id": 10}))).await.status,
            StatusCode::NO_CONTENT
        );
        device.put("/carts/selection/", json!({"selected": false})).await;
        assert_eq!(
            lines(&device.get("/carts/").await.body),
            vec![(3, 3, false), (9, 2, false)],
            "{engine}"
        );

        // Logging in merges: the cookie's line wins for SKU 3, SKU 5 stays, SKU 9 joins.
        let login = device.login("bob_cart", "password123").await;
        assert_eq!(login.status, StatusCode::OK);
        assert!(
            login.set_cookies.iter().any(|c| c.starts_with("carts=;") || c.contains("Max-Age=0")),
            "{login:?}"
        );
        let merged = lines(&device.get("/carts/").await.body);
        assert_eq!(merged, vec![(3, 3, false), (5, 4, true), (9, 2, false)], "{engine}");
        // The cookie is gone: logging out shows an empty anonymous cart.
        device.token = None;
        assert_eq!(device.get("/carts/").await.body, json!([]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_or_forged_cookie_is_an_empty_cart_never_an_error() {
    let app = spawn(meiduo_test_support::sqlite().await.with_catalog().await).await;
    let session = app.session();
    let added = session.post("/carts/", json!({"sku_id": 3, "count": 2})).await;
    let cookie = added.set_cookies.iter().find(|c| c.starts_with("carts=")).unwrap();
    let value = cookie.trim_start_matches("carts=").split(';').next().unwrap().to_owned();

    let fresh = reqwest::Client::new();
    let forged = [
        value.replace("\"count\":2", "\"count\":9"),
        r#"{"3":{"count":5,"selected":true}}"#.to_owned(),
        "gASVKAAAAAAAAAB9lEsDfZQoWAUAAABjb3VudJRLAlgIAAAAc2VsZWN0ZWSUiHVzLg==".to_owned(),
        "x".repeat(5000),
    ];
    assert_ne!(forged[0], value, "the first forgery changes the signed cookie");
    for forged in forged {
        let answer = fresh
            .get(format!("{}/carts/", app.base))
            .header("Cookie", format!("carts={forged}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let replaced = answer
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("carts="));
        assert!(replaced, "the bad cookie is replaced: {forged}");
        assert_eq!(answer.json::<Value>().await.unwrap(), json!([]));
    }
    // The genuine cookie still reads.
    assert_eq!(lines(&session.get("/carts/").await.body), vec![(3, 2, true)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cart_input_is_checked() {
    for app in apps().await {
        let engine = app.engine();
        let anonymous = app.session();
        let shopper = app.shopper("carol_cart", "13700000002").await;
        for session in [&anonymous, &shopper] {
            let zero = session.post("/carts/", json!({"sku_id": 3, "count": 0})).await;
            assert_eq!(
                (zero.status, zero.code()),
                (StatusCode::BAD_REQUEST, "invalid_count"),
                "{engine}"
            );
            let negative = session.post("/carts/", json!({"sku_id": 3, "count": -1})).await;
            assert_eq!(negative.code(), "invalid_count");
            let above_max = session.post("/carts/", json!({"sku_id": 3, "count": 201})).await;
            assert_eq!(above_max.code(), "invalid_count");
            let huge = session.post("/carts/", json!({"sku_id": 3, "count": 1e30})).await;
            assert_eq!((huge.status, huge.code()), (StatusCode::BAD_REQUEST, "invalid_json"));
            let unknown = session.post("/carts/", json!({"sku_id": 99999, "count": 1})).await;
            assert_eq!(unknown.code(), "sku_unavailable");
            assert!(unknown.body["fields"]["sku_id"].as_str().is_some());
            // SKU 2 has stock 0 in the demo catalog; SKU 1 has 5.
            let over_stock = session.post("/carts/", json!({"sku_id": 1, "count": 6})).await;
            assert_eq!(over_stock.code(), "insufficient_stock", "{engine}");
            session.post("/carts/", json!({"sku_id": 1, "count": 4})).await;
            let adds_up = session.post("/carts/", json!({"sku_id": 1, "count": 2})).await;
            assert_eq!(
                adds_up.code(),
                "insufficient_stock",
                "{engine}: 4 + 2 is above the stock of 5"
            );
            let set_over = session.put("/carts/", json!({"sku_id": 1, "count": 6})).await;
            assert_eq!(set_over.code(), "insufficient_stock");
            let missing = session.post("/carts/", json!({"count": 1})).await;
            assert_eq!(missing.code(), "invalid_json");
            let wrong_type = session.put("/carts/selection/", json!({"selected": "yes"})).await;
            assert_eq!(wrong_type.code(), "invalid_json");
        }
        app.db.exec("UPDATE tb_sku SET is_launched = 0 WHERE id = 4", vec![]).await;
        let unlaunched = shopper.post("/carts/", json!({"sku_id": 4, "count": 1})).await;
        assert_eq!(unlaunched.code(), "sku_unavailable", "{engine}");
    }
}
