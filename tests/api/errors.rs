//! Bad input, authentication and other users' resources over HTTP: always a clear 4xx with a
//! stable code, never a 500, and nothing written.

use meiduo_test_support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_clear_4xx_answers() {
    for app in apps().await {
        let engine = app.engine();
        let shopper = app.shopper("dave_err", "13600000001").await;
        let json = [("Content-Type", "application/json")];
        let cases: Vec<(Method, &str, &str, StatusCode, &str)> = vec![
            (Method::POST, "/carts/", "{not json", StatusCode::BAD_REQUEST, "invalid_json"),
            (
                Method::POST,
                "/carts/",
                r#"{"sku_id": "three", "count": 1}"#,
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (
                Method::POST,
                "/carts/",
                r#"{"sku_id": -3, "count": 1}"#,
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (
                Method::POST,
                "/carts/",
                r#"{"sku_id": 18446744073709551616, "count": 1}"#,
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (
                Method::POST,
                "/orders/",
                r#"{"address": 1}"#,
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (
                Method::POST,
                "/orders/",
                r#"{"address": 1, "pay_method": 3}"#,
                StatusCode::BAD_REQUEST,
                "invalid_field",
            ),
            (Method::POST, "/users/", "[]", StatusCode::BAD_REQUEST, "invalid_json"),
            (
                Method::POST,
                "/addresses/",
                r#"{"receiver": "x"}"#,
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (Method::GET, "/skus/abc/", "", StatusCode::NOT_FOUND, "not_found"),
            (Method::GET, "/skus/99999/", "", StatusCode::NOT_FOUND, "not_found"),
            (Method::GET, "/categories/99999/", "", StatusCode::NOT_FOUND, "not_found"),
            (Method::GET, "/areas/1/", "", StatusCode::NOT_FOUND, "not_found"),
            (
                Method::GET,
                "/categories/115/skus/?page=0",
                "",
                StatusCode::NOT_FOUND,
                "invalid_page",
            ),
            (
                Method::GET,
                "/categories/115/skus/?page=-1",
                "",
                StatusCode::NOT_FOUND,
                "invalid_page",
            ),
            (Method::GET, "/skus/search/?text=", "", StatusCode::BAD_REQUEST, "invalid_field"),
            (Method::GET, "/orders/abc'--/uncommentgoods/", "", StatusCode::NOT_FOUND, "not_found"),
            (Method::GET, "/no/such/endpoint/", "", StatusCode::NOT_FOUND, "not_found"),
        ];
        for (method, path, body, status, code) in cases {
            let answer = shopper.send_raw(method.clone(), path, body, &json).await;
            assert_eq!(
                (answer.status, answer.code()),
                (status, code),
                "{engine}: {method} {path} {body}: {answer:?}"
            );
            assert!(answer.body["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        let too_big = shopper.send_raw(Method::POST, "/carts/", &"x".repeat(20_000), &json).await;
        assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
        let not_json = shopper
            .send_raw(Method::POST, "/carts/", "sku_id=3", &[("Content-Type", "text/plain")])
            .await;
        assert_eq!(not_json.code(), "invalid_content_type");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logged_in_endpoints_need_a_valid_token() {
    let app = spawn(meiduo_test_support::sqlite().await.with_catalog().await).await;
    let anonymous = app.session();
    for path in ["/user/", "/addresses/", "/orders/", "/orders/settlement/", "/browse_histories/"] {
        let answer = anonymous.get(path).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::UNAUTHORIZED, "not_authenticated"),
            "{path}"
        );
    }
    for header in ["JWT undefined", "Bearer nonsense", "JWT", "Basic dXNlcjpwYXNz"] {
        let answer =
            anonymous.send_raw(Method::GET, "/user/", "", &[("Authorization", header)]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{header}");
    }
    let mut shopper = app.shopper("erin_token", "13600000002").await;
    let token = shopper.token.clone().unwrap();
    let bearer = anonymous
        .send_raw(Method::GET, "/user/", "", &[("Authorization", &format!("Bearer {token}"))])
        .await;
    assert_eq!(bearer.status, StatusCode::OK, "Bearer is accepted too");
    shopper.token = Some(format!("{token}tampered"));
    assert_eq!(shopper.get("/user/").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_resources_are_invisible() {
    for app in apps().await {
        let engine = app.engine();
        let owner = app.shopper("frank_own", "13600000003").await;
        let other = app.shopper("grace_other", "13600000004").await;
        let address = owner.add_address().await;
        owner.post("/carts/", json!({"sku_id": 3, "count": 1})).await;
        let order = owner.post("/orders/", json!({"address": address, "pay_method": 2})).await;
        let order_id = order.body["order_id"].as_str().unwrap();

        let paths = [
            (Method::PUT, format!("/addresses/{address}/"), Some(address_body("偷"))),
            (Method::DELETE, format!("/addresses/{address}/"), None),
            (Method::PUT, format!("/addresses/{address}/status/"), None),
            (Method::PUT, format!("/addresses/{address}/title/"), Some(json!({"title": "mine"}))),
            (Method::GET, format!("/orders/{order_id}/uncommentgoods/"), None),
            (
                Method::POST,
                format!("/orders/{order_id}/comments/"),
                Some(json!({"sku": 3, "comment": "x", "score": 1})),
            ),
        ];
        for (method, path, body) in paths {
            let answer = other.send(method.clone(), &path, body).await;
            assert_eq!(
                answer.status,
                StatusCode::NOT_FOUND,
                "{engine}: {method} {path}: {answer:?}"
            );
        }
        // Ordering to somebody else's address is refused, and nothing is written.
        other.post("/carts/", json!({"sku_id": 3, "count": 1})).await;
        let stolen = other.post("/orders/", json!({"address": address, "pay_method": 1})).await;
        assert_eq!(stolen.code(), "address_not_found", "{engine}");
        assert_eq!(other.get("/orders/").await.body["count"], 0);
        assert_eq!(
            other.get("/carts/").await.body.as_array().unwrap().len(),
            1,
            "the cart is untouched"
        );
        assert!(other.get("/addresses/").await.body["addresses"].as_array().unwrap().is_empty());
        // The owner's things are unchanged.
        let book = owner.get("/addresses/").await;
        assert_eq!(book.body["addresses"][0]["receiver"], "张三");
        assert_eq!(owner.get("/orders/").await.body["count"], 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_that_cannot_be_placed_write_nothing() {
    for app in apps().await {
        let engine = app.engine();
        let shopper = app.shopper("heidi_order", "13600000005").await;
        let address = shopper.add_address().await;
        let empty = shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
        assert_eq!(empty.code(), "empty_selection", "{engine}");
        shopper.post("/carts/", json!({"sku_id": 1, "count": 5})).await;
        app.db.set_stock(1, 2).await;
        let short = shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
        assert_eq!(short.code(), "insufficient_stock", "{engine}");
        let deleted = shopper.delete(&format!("/addresses/{address}/"), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        app.db.set_stock(1, 10).await;
        let gone = shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
        assert_eq!(gone.code(), "address_not_found", "{engine}: a deleted address is refused");
        let unknown = shopper.post("/orders/", json!({"address": address, "pay_method": 0})).await;
        assert_eq!(unknown.code(), "invalid_field");
        assert_eq!(app.db.count("tb_order_info").await, 0, "{engine}");
        assert_eq!(app.db.sku_counts(1).await.0, 10);
        let settlement = shopper.get("/orders/settlement/").await;
        assert_eq!(settlement.body["skus"][0]["count"], 5);
        app.db.exec("UPDATE tb_sku SET is_launched = 0 WHERE id = 1", vec![]).await;
        let unavailable = shopper.get("/orders/settlement/").await;
        assert_eq!(unavailable.code(), "sku_unavailable", "{engine}: reported, not dropped");
    }
}
