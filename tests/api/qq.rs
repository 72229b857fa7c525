//! QQ login over HTTP against the QQ sandbox, as a browser and the original's front end drive it.

use meiduo_domain::ports::{SignedTokens, TokenPurpose};
use meiduo_inprocess::JwtSignedTokens;
use meiduo_test_support::redis::TestRedis;
use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

/// Logs in at the QQ sandbox as `qq` the way a browser does, and returns the code QQ hands the
/// front end's callback page.
async fn qq_code(app: &TestApp, qq: &str) -> String {
    let s = app.session();
    let url = s.get("/oauth/qq/authorization/?next=/user_center_info.html").await.body["login_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with(&format!("{}/qq-sandbox/oauth2.0/authorize?", app.base)), "{url}");
    assert!(url.contains("state=%2Fuser_center_info.html"));
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let query = url.split_once('?').unwrap().1;
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let approved = no_redirects
        .get(format!("{}/qq-sandbox/oauth2.0/approve?{query}&qq={qq}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), StatusCode::FOUND);
    let back = approved.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with("http://www.meiduo.site:8080/oauth_callback.html?code="), "{back}");
    back.split("code=").nth(1).unwrap().split('&').next().unwrap().to_owned()
}

/// A new SMS code for `mobile` now: the interval since the last one is lifted by removing the
/// last one's record, from Redis or the database, wherever the app keeps codes.
async fn fresh_sms_code(
    app: &TestApp,
    redis: Option<&TestRedis>,
    session: &Session<'_>,
    mobile: &str,
) {
    match redis {
        Some(redis) => {
            let flag = format!("{}send_flag_{{{mobile}}}", redis.config.prefix);
            redis.store.command(&["DEL", &flag]).await.unwrap();
        }
        None => {
            let key = format!("sms:{mobile}");
            app.db
                .exec("DELETE FROM tb_verification_code WHERE code_key = ?", vec![key.into()])
                .await;
        }
    }
    assert_eq!(session.send_sms_code(mobile).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qq_login_binds_a_new_account_then_logs_it_in() {
    for (app, redis) in apps_with_redis().await {
        let engine = app.engine();
        let guest = app.session();
        assert_eq!(guest.post("/carts/", json!({"sku_id": 3, "count": 2})).await.status, 201);
        let code = qq_code(&app, "10001").await;
        let unbound = guest.get(&format!("/oauth/qq/user/?code={code}")).await;
        assert_eq!(unbound.status, StatusCode::OK, "{engine}: {unbound:?}");
        let access_token = unbound.body["access_token"].as_str().unwrap().to_owned();
        assert!(unbound.body["token"].is_null(), "not logged in before binding");

        let refused = guest.get(&format!("/oauth/qq/user/?code={code}")).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::BAD_REQUEST, "qq_code_refused"),
            "{engine}: QQ refuses a used code"
        );
        assert_eq!(guest.get("/oauth/qq/user/").await.code(), "invalid_field");

        assert_eq!(guest.send_sms_code("13900000301").await.status, StatusCode::OK);
        let sms_code = app.sms.code_for("13900000301").unwrap();
        let form = |token: &str| {
            json!({"mobile": "13900000301", "password": "qq-password1", "sms_code": sms_code,
                   "access_token": token})
        };
        let forged = guest.post("/oauth/qq/user/", form(&format!("{access_token}x"))).await;
        assert_eq!(forged.code(), "invalid_token", "{engine}");
        let expired = JwtSignedTokens::new(TEST_SECRET)
            .sign(TokenPurpose::BindQq, "SOMEOPENID", std::time::Duration::ZERO)
            .unwrap();
        assert_eq!(guest.post("/oauth/qq/user/", form(&expired)).await.code(), "invalid_token");
        let bound = guest.post("/oauth/qq/user/", form(&access_token)).await;
        assert_eq!(bound.status, StatusCode::OK, "{engine}: {bound:?}");
        assert_eq!(
            bound.body["username"], "13900000301",
            "a new account is named after its mobile"
        );
        assert!(bound.set_cookies.iter().any(|c| c.starts_with("carts=")), "the cookie is cleared");
        let mut me = app.session();
        me.token = bound.body["token"].as_str().map(str::to_owned);
        let cart = me.get("/carts/").await.body;
        assert_eq!(
            (cart[0]["id"].clone(), cart[0]["count"].clone()),
            (json!(3), json!(2)),
            "{engine}: merged"
        );
        // Even with a fresh SMS code, the binding token works once.
        fresh_sms_code(&app, redis.as_ref(), &guest, "13900000301").await;
        let sms_code = app.sms.code_for("13900000301").unwrap();
        let replay = guest
            .post(
                "/oauth/qq/user/",
                json!({"mobile": "13900000301", "password": "qq-password1", "sms_code": sms_code,
                       "access_token": access_token}),
            )
            .await;
        assert_eq!(replay.code(), "invalid_token", "{engine}: a binding token works once");

        // The next QQ login is a login.
        let code = qq_code(&app, "10001").await;
        let again = app.session().get(&format!("/oauth/qq/user/?code={code}")).await;
        assert_eq!(again.body["user_id"], bound.body["user_id"], "{engine}: {again:?}");
        assert!(again.body["token"].is_string());
        let mut login = app.session();
        assert_eq!(login.login("13900000301", "qq-password1").await.status, StatusCode::OK);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qq_login_binds_an_existing_account_with_its_password() {
    for (app, redis) in apps_with_redis().await {
        let engine = app.engine();
        let mut owner = app.session();
        let registered = owner.register("qq_owner", "13900000302").await;
        let code = qq_code(&app, "10002").await;
        let s = app.session();
        let token = s.get(&format!("/oauth/qq/user/?code={code}")).await.body["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let bind = |password: &'static str, sms: String| json!({"mobile": "13900000302", "password": password, "sms_code": sms, "access_token": token});
        // The registration's code is used; new ones come without the interval's wait.
        fresh_sms_code(&app, redis.as_ref(), &s, "13900000302").await;
        let sms = app.sms.code_for("13900000302").unwrap();
        let wrong = s.post("/oauth/qq/user/", bind("password999", sms)).await;
        assert_eq!(wrong.code(), "bad_credentials", "{engine}: {wrong:?}");
        fresh_sms_code(&app, redis.as_ref(), &s, "13900000302").await;
        let sms = app.sms.code_for("13900000302").unwrap();
        let right = s.post("/oauth/qq/user/", bind("password123", sms)).await;
        assert_eq!(right.status, StatusCode::OK, "{engine}: {right:?}");
        assert_eq!(right.body["user_id"], registered.body["id"]);
        assert_eq!(right.body["username"], "qq_owner");
    }
}
