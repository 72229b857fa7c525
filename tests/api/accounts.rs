//! Accounts and the address book over HTTP.

use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_checks_every_field_and_the_sms_code() {
    for app in apps().await {
        let engine = app.engine();
        let session = app.session();
        assert_eq!(session.get("/usernames/ab/count/").await.code(), "not_found");
        assert_eq!(session.get("/mobiles/12345/count/").await.code(), "not_found");
        assert_eq!(session.send_sms_code("13500000001").await.status, StatusCode::OK);
        let again = session.send_sms_code("13500000001").await;
        assert_eq!(
            (again.status, again.code()),
            (StatusCode::BAD_REQUEST, "sms_too_frequent"),
            "{engine}"
        );
        let code = app.sms.code_for("13500000001").unwrap();
        let form = |patch: serde_json::Value| {
            let mut body = json!({"username": "ivan_reg", "password": "password123", "password2": "password123",
                                  "mobile": "13500000001", "sms_code": code, "allow": "true"});
            for (k, v) in patch.as_object().unwrap() {
                body[k] = v.clone();
            }
            body
        };
        let cases = [
            (json!({"username": "iv"}), "invalid_field", "username"),
            (json!({"password": "short", "password2": "short"}), "invalid_field", "password"),
            (json!({"password2": "password124"}), "passwords_differ", "password2"),
            (json!({"mobile": "1350000000"}), "invalid_field", "mobile"),
            (json!({"sms_code": "000000"}), "wrong_sms_code", "sms_code"),
            (json!({"allow": "false"}), "agreement_required", "allow"),
        ];
        for (patch, code, field) in cases {
            let answer = session.post("/users/", form(patch.clone())).await;
            assert_eq!(answer.code(), code, "{engine}: {patch}");
            assert!(answer.body["fields"][field].is_string(), "{engine}: {patch} names {field}");
        }
        let created = session.post("/users/", form(json!({}))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{engine}: {created:?}");
        assert!(created.body["token"].as_str().unwrap().len() > 20);
        assert_eq!(created.body["mobile"], "13500000001");
        // The code worked once.
        let reused = session
            .post("/users/", form(json!({"username": "ivan_two", "mobile": "13500000001"})))
            .await;
        assert_eq!(reused.code(), "mobile_taken");
        let taken = session.post("/users/", form(json!({"mobile": "13500000002"}))).await;
        assert_eq!(taken.code(), "username_taken", "{engine}");

        let mut login = app.session();
        assert_eq!(login.login("ivan_reg", "password124").await.code(), "bad_credentials");
        assert_eq!(login.login("nobody_here", "password123").await.code(), "bad_credentials");
        assert_eq!(login.login("ivan_reg", "password123").await.status, StatusCode::OK);
        let stored =
            app.db.scalar_text("SELECT password FROM tb_users WHERE username = 'ivan_reg'").await;
        assert!(
            stored.starts_with("$argon2id$"),
            "{engine}: passwords are stored as argon2 hashes"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_address_book_keeps_twenty_addresses_a_default_and_titles() {
    for app in apps().await {
        let engine = app.engine();
        let shopper = app.shopper("judy_addr", "13500000003").await;
        let first = shopper.add_address().await;
        let book = shopper.get("/addresses/").await;
        assert_eq!(
            book.body["default_address_id"], first,
            "{engine}: the first address is the default"
        );
        assert_eq!(book.body["limit"], 20);
        assert_eq!(book.body["addresses"][0]["province"], "北京市");
        assert_eq!(book.body["addresses"][0]["district"], "东城区");

        let mut updated = address_body("李四");
        updated["place"] = json!("王府井大街 2 号");
        updated["email"] = json!("li@example.com");
        let changed = shopper.put(&format!("/addresses/{first}/"), updated).await;
        assert_eq!(changed.body["receiver"], "李四", "{engine}");
        let retitled =
            shopper.put(&format!("/addresses/{first}/title/"), json!({"title": "公司"})).await;
        assert_eq!(retitled.body["title"], "公司");

        let mut wrong_city = address_body("王五");
        wrong_city["city_id"] = json!(120100);
        let refused = shopper.post("/addresses/", wrong_city).await;
        assert!(refused.body["fields"]["city_id"].is_string(), "{engine}: {refused:?}");
        let mut bad_mobile = address_body("王五");
        bad_mobile["mobile"] = json!("123");
        assert_eq!(shopper.post("/addresses/", bad_mobile).await.code(), "invalid_field");

        for _ in 1..20 {
            shopper.add_address().await;
        }
        let full = shopper.post("/addresses/", address_body("赵六")).await;
        assert_eq!(full.code(), "address_limit", "{engine}");
        let second = shopper.get("/addresses/").await.body["addresses"][1]["id"].as_u64().unwrap();
        assert_eq!(
            shopper.put(&format!("/addresses/{second}/status/"), json!({})).await.status,
            StatusCode::OK
        );
        assert_eq!(shopper.get("/addresses/").await.body["default_address_id"], second);
        assert_eq!(
            shopper.delete(&format!("/addresses/{second}/"), None).await.status,
            StatusCode::NO_CONTENT
        );
        let after = shopper.get("/addresses/").await;
        assert_eq!(after.body["addresses"].as_array().unwrap().len(), 19, "{engine}: soft-deleted");
        assert!(
            after.body["default_address_id"].is_null(),
            "{engine}: a deleted default is no default"
        );
        assert_eq!(
            shopper.post("/addresses/", address_body("赵六")).await.status,
            StatusCode::CREATED
        );
        assert_eq!(
            app.db.count("tb_address").await,
            21,
            "{engine}: the deleted row stays for its orders"
        );
    }
}
