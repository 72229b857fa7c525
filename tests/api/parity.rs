//! Details a front end written for the original reads, one test per difference that was fixed
//! (docs/api.md has the whole table).

use meiduo_test_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

fn ids(page: &Value) -> Vec<u64> {
    page["results"].as_array().unwrap().iter().map(|s| s["id"].as_u64().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sku_lists_page_two_by_two_and_a_page_past_the_end_is_404() {
    for app in apps().await {
        let engine = app.engine();
        let s = app.session();
        let first = s.get("/categories/115/skus/").await;
        assert_eq!(first.body["count"], 14, "{engine}");
        assert_eq!(ids(&first.body).len(), 2, "{engine}: the original's page size is 2");
        assert!(first.body["previous"].is_null());
        assert!(first.body["next"].as_str().unwrap().contains("page=2"));
        for junk in ["0", "-1", "abc"] {
            let not_a_page = s.get(&format!("/categories/115/skus/?page_size={junk}")).await;
            assert_eq!(ids(&not_a_page.body).len(), 2, "{engine}: page_size={junk} means 2");
        }
        let last = s.get("/categories/115/skus/?page=7").await;
        assert_eq!(ids(&last.body).len(), 2, "{engine}");
        assert!(last.body["next"].is_null());
        for page in ["8", "0", "abc", "-2"] {
            let past = s.get(&format!("/categories/115/skus/?page={page}")).await;
            assert_eq!(
                (past.status, past.code(), past.body["detail"].as_str()),
                (StatusCode::NOT_FOUND, "invalid_page", Some("Invalid page.")),
                "{engine}: page={page}"
            );
        }
        let empty = s.get("/categories/999/skus/").await;
        assert_eq!((empty.status, empty.body["count"].clone()), (StatusCode::OK, json!(0)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orderings_are_the_originals_fields_and_unknown_ones_are_ignored() {
    for app in apps().await {
        let engine = app.engine();
        let s = app.session();
        let all = |ordering: &'static str| {
            let s = &s;
            async move {
                ids(&s
                    .get(&format!("/categories/115/skus/?ordering={ordering}&page_size=20"))
                    .await
                    .body)
            }
        };
        let newest = all("-create_time").await;
        let mut oldest = all("create_time").await;
        oldest.reverse();
        assert_eq!(newest, oldest, "{engine}: create_time is oldest first");
        assert_eq!(all("stock").await, newest, "{engine}: an unknown field is ignored");
        assert_eq!(all("stock,price").await, all("price").await, "{engine}");
        app.db.exec("UPDATE tb_sku SET sales = id WHERE category_id = 115", vec![]).await;
        let least = all("sales").await;
        assert!(least.windows(2).all(|w| w[0] < w[1]), "{engine}: {least:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_hits_carry_text_and_object() {
    for app in apps().await {
        let engine = app.engine();
        let found = app.session().get("/skus/search/?text=iPhone").await;
        assert_eq!(found.body["count"], 6, "{engine}");
        let hits = found.body["results"].as_array().unwrap();
        assert_eq!(hits.len(), 2, "{engine}: paged as the other lists");
        let hit = &hits[0];
        assert!(hit["text"].as_str().unwrap().contains("iPhone"), "{engine}: {hit}");
        let object = hit["object"].as_object().unwrap();
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["comments", "default_image_url", "id", "name", "price"]);
        assert_eq!(object["name"], hit["text"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_details_read_as_the_originals() {
    for app in apps().await {
        let engine = app.engine();
        let s = app.session();
        // Values the original's URL patterns do not match are 404, not 400.
        for path in [
            "/usernames/abcd/count/",
            "/usernames/a%20b%20cdef/count/",
            "/mobiles/12345678901/count/",
            "/mobiles/1380013800a/count/",
            "/sms_codes/23800138000/",
        ] {
            assert_eq!(s.get(path).await.code(), "not_found", "{engine}: {path}");
        }
        assert_eq!(s.get("/usernames/alice_01/count/").await.body["count"], 0);
        assert_eq!(s.get("/mobiles/13800138000/count/").await.body["count"], 0);

        // A second code within 60 s: 400 with a message, as the original.
        assert_eq!(s.send_sms_code("13500000009").await.status, StatusCode::OK);
        let again = s.send_sms_code("13500000009").await;
        assert_eq!((again.status, again.code()), (StatusCode::BAD_REQUEST, "sms_too_frequent"));
        assert!(again.body["message"].as_str().is_some_and(|m| !m.is_empty()));

        // No email yet reads as "", not null.
        let shopper = app.shopper("parity_user", "13500000008").await;
        let me = shopper.get("/user/").await.body;
        assert_eq!((me["email"].clone(), me["email_active"].clone()), (json!(""), json!(false)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_errors_also_list_their_messages_as_drf_does() {
    for app in apps().await {
        let engine = app.engine();
        let s = app.session();
        let bad_field = s
            .post(
                "/users/",
                json!({"username": "iv", "password": "password123", "password2": "password123",
                       "mobile": "13500000007", "sms_code": "123456", "allow": "true"}),
            )
            .await;
        assert_eq!(bad_field.code(), "invalid_field", "{engine}");
        assert_eq!(bad_field.body["username"][0], bad_field.body["fields"]["username"]);
        assert!(bad_field.body["non_field_errors"].is_null());

        let login = s
            .post("/authorizations/", json!({"username": "nobody_here", "password": "password123"}))
            .await;
        assert_eq!(login.code(), "bad_credentials");
        assert_eq!(login.body["non_field_errors"][0], login.body["message"], "{engine}");

        let not_found = s.get("/skus/99999/").await;
        assert!(not_found.body["non_field_errors"].is_null(), "only validation errors list");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_all_echoes_the_selection_for_guests_and_users() {
    for app in apps().await {
        let engine = app.engine();
        let guest = app.session();
        assert_eq!(guest.post("/carts/", json!({"sku_id": 3, "count": 1})).await.status, 201);
        let echoed = guest.put("/carts/selection/", json!({"selected": false})).await;
        assert_eq!(
            (echoed.status, echoed.body.clone()),
            (StatusCode::OK, json!({"selected": false}))
        );
        assert_eq!(guest.get("/carts/").await.body[0]["selected"], false, "{engine}");

        let user = app.shopper("parity_cart", "13500000006").await;
        user.post("/carts/", json!({"sku_id": 3, "count": 1})).await;
        let echoed = user.put("/carts/selection/", json!({"selected": true})).await;
        assert_eq!(echoed.body, json!({"selected": true}), "{engine}");
    }
}

/// `2019-02-15 22:32` read as Beijing time.
fn beijing(display: &str) -> OffsetDateTime {
    let n: Vec<u32> =
        display.split(|c: char| !c.is_ascii_digit()).map(|part| part.parse().unwrap()).collect();
    assert_eq!(n.len(), 5, "{display}");
    let date =
        Date::from_calendar_date(n[0] as i32, Month::try_from(n[1] as u8).unwrap(), n[2] as u8)
            .unwrap();
    let time = Time::from_hms(n[3] as u8, n[4] as u8, 0).unwrap();
    PrimitiveDateTime::new(date, time).assume_offset(UtcOffset::from_hms(8, 0, 0).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_list_pages_by_two_with_display_times() {
    for app in apps().await {
        let engine = app.engine();
        let shopper = app.shopper("parity_orders", "13500000005").await;
        let address = shopper.add_address().await;
        let before = OffsetDateTime::now_utc();
        for sku in [1, 3, 5] {
            shopper.post("/carts/", json!({"sku_id": sku, "count": 1})).await;
            let placed =
                shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
            assert_eq!(placed.status, StatusCode::CREATED, "{engine}: {placed:?}");
        }
        let first = shopper.get("/orders/").await.body;
        assert_eq!(first["count"], 3, "{engine}");
        assert_eq!(first["results"].as_array().unwrap().len(), 2, "{engine}");
        let shown = first["results"][0]["create_time"].as_str().unwrap();
        assert_eq!(shown.len(), "2019-02-15 22:32".len(), "{engine}: {shown}");
        let at = beijing(shown);
        assert!(
            at >= before.replace_second(0).unwrap().replace_nanosecond(0).unwrap()
                && at <= OffsetDateTime::now_utc(),
            "{engine}: {shown} is now, in Beijing time"
        );
        let second = shopper.get("/orders/?page=2").await.body;
        assert_eq!(second["results"].as_array().unwrap().len(), 1);
        let past = shopper.send(Method::GET, "/orders/?page=3", None).await;
        assert_eq!(past.status, StatusCode::NOT_FOUND, "{engine}");
    }
}
