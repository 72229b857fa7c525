//! What a shop must not ship with: tokens that outlive their users, links that follow the
//! client's Host header, cross-origin calls, leaky health answers, loud client errors, and the
//! stand-ins that fake payments in production.

use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_of_a_user_who_no_longer_exists_is_refused_and_never_a_500() {
    for app in apps().await {
        let engine = app.engine();
        let shopper = app.shopper("gone_user", "13500000001").await;
        assert_eq!(shopper.get("/user/").await.status, StatusCode::OK, "{engine}");
        app.db.exec("DELETE FROM tb_users WHERE username = 'gone_user'", vec![]).await;
        // The process may remember the stamp for the cache's lifetime (1 s by default).
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

        let profile = shopper.get("/user/").await;
        assert_eq!(profile.status, StatusCode::UNAUTHORIZED, "{engine}: {profile:?}");
        let visit = shopper.post("/browse_histories/", json!({"sku_id": 1})).await;
        assert_eq!(visit.status, StatusCode::UNAUTHORIZED, "{engine}: {visit:?}");
        let orders = shopper.get("/orders/").await;
        assert_eq!(orders.status, StatusCode::UNAUTHORIZED, "{engine}: {orders:?}");
        // The cart treats a token it cannot use as none, as the original: a guest's cart.
        let added = shopper.post("/carts/", json!({"sku_id": 1, "count": 1})).await;
        assert_eq!(added.status, StatusCode::CREATED, "{engine}: {added:?}");
        assert!(
            added.set_cookies.iter().any(|cookie| cookie.starts_with("carts=")),
            "{engine}: a guest's cart cookie, {added:?}"
        );
        assert_eq!(app.db.count("tb_cart").await, 0, "{engine}: nothing written for the dead id");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_signed_before_a_database_reset_do_not_reach_the_new_accounts() {
    // Two databases, one secret: the second stands for the first after a reset.
    let before = spawn(sqlite().await.with_catalog().await).await;
    let after = spawn(sqlite().await.with_catalog().await).await;
    let old = before.shopper("first_owner", "13500000002").await;
    let new = after.shopper("second_owner", "13500000003").await;
    let old_id = old.get("/user/").await.body["id"].clone();
    assert_eq!(old_id, new.get("/user/").await.body["id"], "the same id in both databases");

    let mut replayed = after.session();
    replayed.token = old.token.clone();
    let answer = replayed.get("/user/").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{answer:?}");
    assert_eq!(answer.code(), "not_authenticated");
    assert_eq!(new.get("/user/").await.body["username"], "second_owner");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_logs_out_every_other_session_and_keeps_this_one() {
    for app in apps().await {
        let engine = app.engine();
        let mut here = app.shopper("two_phones", "13500000004").await;
        let mut there = app.session();
        there.login("two_phones", "password123").await;
        assert_eq!(there.get("/user/").await.status, StatusCode::OK, "{engine}");
        let id = here.get("/user/").await.body["id"].as_u64().unwrap();

        let changed = here
            .put(
                &format!("/users/{id}/password/"),
                json!({"old_password": "password123", "password": "password456",
                       "password2": "password456"}),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{engine}: {changed:?}");
        assert_eq!(changed.body["id"], id);
        let old_token = here.token.replace(changed.body["token"].as_str().unwrap().to_owned());

        // This process forgets the old stamp at once.
        assert_eq!(there.get("/user/").await.status, StatusCode::UNAUTHORIZED, "{engine}");
        let mut stale = app.session();
        stale.token = old_token;
        assert_eq!(stale.get("/user/").await.status, StatusCode::UNAUTHORIZED, "{engine}");
        assert_eq!(here.get("/user/").await.status, StatusCode::OK, "{engine}: the new token");
        there.login("two_phones", "password456").await;
        assert_eq!(there.get("/user/").await.status, StatusCode::OK, "{engine}");
    }
}
