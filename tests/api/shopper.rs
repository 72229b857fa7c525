//! The whole shopper's path over HTTP: register → login → address → browse → cart → settlement →
//! order → my orders → comment. On SQLite always, on MariaDB when configured.

use meiduo_domain::OrderStatus;
use meiduo_test_support::redis::TestRedis;
use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_registers_browses_orders_and_comments() {
    for (app, redis) in apps_with_redis().await {
        let engine = app.engine();
        let mut alice = app.session();

        // Register and log in.
        assert_eq!(
            alice.get("/usernames/alice_01/count/").await.body,
            json!({"username": "alice_01", "count": 0})
        );
        alice.register("alice_01", "13912345678").await;
        assert_eq!(alice.get("/usernames/alice_01/count/").await.body["count"], 1);
        assert_eq!(alice.get("/mobiles/13912345678/count/").await.body["count"], 1);
        let login = alice.login("13912345678", "password123").await;
        assert_eq!(login.status, StatusCode::OK, "{engine}: login by mobile");
        assert_eq!(login.body["username"], "alice_01");
        let profile = alice.get("/user/").await;
        assert_eq!(profile.body["mobile"], "13912345678", "{engine}");
        assert_eq!(profile.body["email_active"], false);

        // An address.
        let provinces = alice.get("/areas/").await;
        assert!(
            provinces
                .body
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"] == 110000 && p["name"] == "北京市")
        );
        let beijing = alice.get("/areas/110000/").await;
        assert_eq!(beijing.body["subs"][0]["id"], 110100);
        let address = alice.add_address().await;

        // Browse.
        let menu = alice.get("/categories/").await;
        assert_eq!(menu.status, StatusCode::OK);
        assert_eq!(menu.body[0]["channels"][0]["name"], "手机", "{engine}");
        let crumbs = alice.get("/categories/115/").await;
        assert_eq!(crumbs.body["cat3"]["name"], "手机");
        assert_eq!(crumbs.body["cat2"]["name"], "手机通讯");
        assert_eq!(crumbs.body["cat1"]["category"]["name"], "手机");
        let list = alice.get("/categories/115/skus/?ordering=price&page=1&page_size=5").await;
        assert_eq!(list.body["count"], 14, "{engine}");
        assert_eq!(list.body["results"][0]["price"], "3388.00");
        assert!(list.body["next"].as_str().unwrap().contains("page=2"));
        let detail = alice.get("/skus/3/").await;
        assert_eq!(detail.body["price"], "6499.00");
        alice.post("/browse_histories/", json!({"sku_id": 3})).await;
        assert_eq!(alice.get("/browse_histories/").await.body[0]["id"], 3);

        // Cart, settlement, order.
        let added = alice.post("/carts/", json!({"sku_id": 3, "count": 2})).await;
        assert_eq!(added.status, StatusCode::CREATED, "{engine}: {added:?}");
        alice.post("/carts/", json!({"sku_id": 9, "count": 1, "selected": true})).await;
        alice.post("/carts/", json!({"sku_id": 1, "count": 1, "selected": false})).await;
        if let Some(redis) = &redis {
            // The cart is in Redis in the documented layout: a hash of counts, a set of ticks.
            let user = alice.get("/user/").await.body["id"].as_u64().unwrap();
            let counts = redis_command(
                redis,
                &["HGETALL", &format!("{}cart_{{{user}}}", redis.config.prefix)],
            )
            .await;
            assert_eq!(
                counts,
                vec!["1", "1", "3", "2", "9", "1"],
                "{engine}: HGETALL cart_{{{user}}}"
            );
            let ticked = redis_command(
                redis,
                &["SMEMBERS", &format!("{}selected_{{{user}}}", redis.config.prefix)],
            )
            .await;
            assert_eq!(ticked, vec!["3", "9"], "{engine}: SMEMBERS selected_{{{user}}}");
        }
        let settlement = alice.get("/orders/settlement/").await;
        assert_eq!(settlement.body["freight"], "10.00", "{engine}");
        let skus: Vec<u64> = settlement.body["skus"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_u64().unwrap())
            .collect();
        assert_eq!(skus, vec![3, 9]);
        assert_eq!(settlement.body["skus"][0]["count"], 2);
        let placed = alice.post("/orders/", json!({"address": address, "pay_method": 1})).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{engine}: {placed:?}");
        let order_id = placed.body["order_id"].as_str().unwrap().to_owned();
        let cart = alice.get("/carts/").await;
        let left: Vec<u64> =
            cart.body.as_array().unwrap().iter().map(|l| l["id"].as_u64().unwrap()).collect();
        assert_eq!(left, vec![1], "{engine}: only the ordered lines left the cart");

        // My orders.
        let mine = alice.get("/orders/").await;
        assert_eq!(mine.body["count"], 1);
        let order = &mine.body["results"][0];
        assert_eq!(order["order_id"], order_id.as_str());
        assert_eq!(order["status"], 2, "a cash order waits to be sent");
        assert_eq!(order["total_count"], 3);
        // 2 × 6499.00 + 1 × SKU 9 + 10.00
        let sku9 =
            alice.get("/skus/9/").await.body["price"].as_str().unwrap().parse::<f64>().unwrap();
        assert_eq!(
            order["total_amount"].as_str().unwrap(),
            format!("{:.2}", 2.0 * 6499.0 + sku9 + 10.0)
        );
        assert_eq!(order["skus"][0]["sku"]["id"], 3);

        // Not shipped yet: no receipt; another user's order is invisible.
        let early = alice.put(&format!("/orders/{order_id}/receipt/"), json!({})).await;
        assert_eq!(early.code(), "invalid_transition", "{engine}: {early:?}");
        let stranger = app.shopper("zed_stranger", "13900000099").await;
        let theirs = stranger.put(&format!("/orders/{order_id}/receipt/"), json!({})).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{engine}");
        assert_eq!(
            stranger.get(&format!("/orders/{order_id}/")).await.status,
            StatusCode::NOT_FOUND
        );
        // The shop ships it (`meiduo ship`); the buyer confirms receipt.
        let shipped =
            meiduo_server::ship_order(&app.settings, &app.db.store, &order_id).await.unwrap();
        assert_eq!(shipped.status, OrderStatus::Unreceived);
        assert!(
            meiduo_server::ship_order(&app.settings, &app.db.store, &order_id).await.is_err(),
            "{engine}: once"
        );
        let received = alice.put(&format!("/orders/{order_id}/receipt/"), json!({})).await;
        assert_eq!(
            (received.status, received.body["status"].clone()),
            (StatusCode::OK, json!(4)),
            "{engine}"
        );
        let again = alice.put(&format!("/orders/{order_id}/receipt/"), json!({})).await;
        assert_eq!(again.code(), "invalid_transition");

        // Comment.
        let waiting = alice.get(&format!("/orders/{order_id}/uncommentgoods/")).await;
        assert_eq!(waiting.body.as_array().unwrap().len(), 2, "{engine}");
        let first = alice
            .post(
                &format!("/orders/{order_id}/comments/"),
                json!({"sku": 3, "comment": "很好用", "score": 5, "is_anonymous": true}),
            )
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{engine}: {first:?}");
        let again = alice
            .post(
                &format!("/orders/{order_id}/comments/"),
                json!({"sku": 3, "comment": "again", "score": 4}),
            )
            .await;
        assert_eq!(again.code(), "already_commented");
        alice
            .post(
                &format!("/orders/{order_id}/comments/"),
                json!({"sku": 9, "comment": "不错", "score": 4}),
            )
            .await;
        let comments = alice.get("/skus/3/comments/").await;
        assert_eq!(comments.body[0]["comment"], "很好用");
        assert_eq!(comments.body[0]["username"], "a***1", "{engine}: anonymous names are masked");
        let named = alice.get("/skus/9/comments/").await;
        assert_eq!(named.body[0]["username"], "alice_01");
        let finished = alice.get("/orders/").await;
        assert_eq!(
            finished.body["results"][0]["status"], 5,
            "{engine}: the last comment finishes the order"
        );
        // Its history: placed by the buyer, shipped by the shop, received and finished by the
        // buyer, each with its time.
        let detail = alice.get(&format!("/orders/{order_id}/")).await.body;
        assert_eq!(detail["order_id"], order_id.as_str());
        assert_eq!(detail["skus"].as_array().unwrap().len(), 2);
        let steps: Vec<(serde_json::Value, u64, String)> = detail["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                assert_eq!(h["time"].as_str().unwrap().len(), "2019-02-15 22:32:05".len());
                (
                    h["from_status"].clone(),
                    h["status"].as_u64().unwrap(),
                    h["actor"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let buyer = format!("user:{}", detail_user(&alice).await);
        assert_eq!(
            steps,
            vec![
                (json!(null), 2, buyer.clone()),
                (json!(2), 3, "shop".to_owned()),
                (json!(3), 4, buyer.clone()),
                (json!(4), 5, buyer),
            ],
            "{engine}"
        );
        assert!(
            alice
                .get(&format!("/orders/{order_id}/uncommentgoods/"))
                .await
                .body
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_eq!(alice.get("/skus/3/").await.body["comments"], 1);

        // An Alipay order, paid through the sandbox as a browser would.
        alice.post("/carts/", json!({"sku_id": 5, "count": 1})).await;
        let alipay = alice.post("/orders/", json!({"address": address, "pay_method": 2})).await;
        let paying = alipay.body["order_id"].as_str().unwrap().to_owned();
        let url = alice.get(&format!("/orders/{paying}/payment/")).await.body["alipay_url"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            url.starts_with(&format!("{}/sandbox/alipay/gateway.do?", app.base)),
            "{engine}: {url}"
        );
        let page = alice.client.get(&url).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.text().await.unwrap().contains(&paying), "the sandbox shows the order");
        let query = url.split_once('?').unwrap().1.to_owned();
        let back = alice
            .client
            .post(format!("{}/sandbox/alipay/pay", app.base))
            .form(&[("request", query)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            back.status(),
            StatusCode::OK,
            "{engine}: the browser lands on /payment/status/"
        );
        let trade: serde_json::Value = back.json().await.unwrap();
        assert!(trade["trade_id"].as_str().is_some_and(|t| !t.is_empty()), "{engine}: {trade}");
        let orders = alice.get("/orders/").await.body;
        let paid = orders["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["order_id"] == paying.as_str())
            .unwrap();
        assert_eq!(paid["status"], 2, "{engine}: paid, waiting to be sent");
    }
}

/// A Redis command's reply as sorted strings (pairs of a hash stay together: sorted by field).
async fn redis_command(redis: &TestRedis, args: &[&str]) -> Vec<String> {
    let mut words = redis.store.command(args).await.unwrap();
    if args[0] == "HGETALL" {
        let mut pairs: Vec<(String, String)> =
            words.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
        pairs.sort();
        return pairs.into_iter().flat_map(|(k, v)| [k, v]).collect();
    }
    words.sort();
    words
}

/// The logged-in user's id.
async fn detail_user(session: &Session<'_>) -> u64 {
    session.get("/user/").await.body["id"].as_u64().unwrap()
}
