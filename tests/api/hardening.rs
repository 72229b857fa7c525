//! What a shop must not ship with: tokens that outlive their users, links that follow the
//! client's Host header, cross-origin calls, leaky health answers, loud client errors, and the
//! stand-ins that fake payments in production.

use meiduo_server::Settings;
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

/// A raw request to the app, for the headers the session helpers do not show.
async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("the server answers")
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
}

/// A browser's preflight of a POST to `/carts/` from a page of `origin`.
async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    raw(
        app,
        reqwest::Method::OPTIONS,
        "/carts/",
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "authorization, content-type"),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configured_front_end_may_call_with_credentials_and_no_other_origin_may() {
    let front = "http://www.meiduo.site:8080";
    let settings = Settings { cors_origins: vec![front.to_owned()], ..test_settings() };
    let app = spawn_with_settings(sqlite().await.with_catalog().await, None, settings).await;
    let allowed = preflight(&app, "http://www.meiduo.site:8080").await;
    assert!(allowed.status().is_success(), "{allowed:?}");
    assert_eq!(header(&allowed, "access-control-allow-origin").as_deref(), Some(front));
    assert_eq!(header(&allowed, "access-control-allow-credentials").as_deref(), Some("true"));
    let methods = header(&allowed, "access-control-allow-methods").unwrap();
    assert!(methods.contains("POST") && methods.contains("DELETE"), "{methods}");
    let headers = header(&allowed, "access-control-allow-headers").unwrap().to_lowercase();
    assert!(headers.contains("authorization") && headers.contains("content-type"), "{headers}");

    let refused = preflight(&app, "http://attacker.example").await;
    assert!(refused.status().is_client_error(), "{refused:?}");
    assert_eq!(header(&refused, "access-control-allow-origin"), None);

    // The calls themselves: the front end's answered with its origin, others with nothing.
    let mine = raw(&app, reqwest::Method::GET, "/categories/", &[("Origin", front)]).await;
    assert_eq!(mine.status(), StatusCode::OK);
    assert_eq!(header(&mine, "access-control-allow-origin").as_deref(), Some(front));
    assert_eq!(header(&mine, "access-control-allow-credentials").as_deref(), Some("true"));
    let theirs =
        raw(&app, reqwest::Method::GET, "/categories/", &[("Origin", "http://attacker.example")])
            .await;
    // Without `Access-Control-Allow-Origin` a browser shows the page nothing; `Vary: Origin`
    // keeps a shared cache from handing one origin's answer to another.
    assert_eq!(header(&theirs, "access-control-allow-origin"), None);
    assert!(header(&theirs, "vary").is_some_and(|vary| vary.contains("Origin")), "{theirs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_configured_origins_no_cross_origin_call_is_allowed() {
    let app = spawn(sqlite().await.with_catalog().await).await;
    let preflight = preflight(&app, "http://www.meiduo.site:8080").await;
    assert!(preflight.status().is_client_error(), "{preflight:?}");
    assert_eq!(header(&preflight, "access-control-allow-origin"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cart_cookie_is_secure_when_the_shop_is_served_over_https() {
    let settings = Settings { public_url: "https://api.meiduo.site".into(), ..test_settings() };
    let app = spawn_with_settings(sqlite().await.with_catalog().await, None, settings).await;
    let added = app.session().post("/carts/", json!({"sku_id": 1, "count": 1})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    let cookie = added.set_cookies.iter().find(|c| c.starts_with("carts=")).unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");

    let plain = spawn(sqlite().await.with_catalog().await).await;
    let added = plain.session().post("/carts/", json!({"sku_id": 1, "count": 1})).await;
    let cookie = added.set_cookies.iter().find(|c| c.starts_with("carts=")).unwrap();
    assert!(!cookie.contains("Secure"), "plain http keeps working: {cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_links_are_built_on_the_public_url_whatever_host_the_client_names() {
    let settings = Settings { public_url: "https://api.meiduo.site/".into(), ..test_settings() };
    let app = spawn_with_settings(sqlite().await.with_catalog().await, None, settings).await;
    for forged in [
        ("X-Forwarded-Host", "attacker.example"),
        ("Forwarded", "host=attacker.example;proto=http"),
        ("Host", "attacker.example"),
    ] {
        let page = raw(
            &app,
            reqwest::Method::GET,
            "/categories/115/skus/?ordering=price&page=2&page_size=5",
            &[forged],
        )
        .await;
        assert_eq!(page.status(), StatusCode::OK, "{forged:?}");
        let body: serde_json::Value = page.json().await.unwrap();
        for link in ["next", "previous"] {
            let url = body[link].as_str().unwrap();
            assert!(
                url.starts_with("https://api.meiduo.site/categories/115/skus/?"),
                "{forged:?}: {url}"
            );
            assert!(!url.contains("attacker"), "{forged:?}: {url}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operators_endpoints_need_the_ops_token_when_one_is_set() {
    let settings = Settings { ops_token: "an-operators-token".into(), ..test_settings() };
    let app = spawn_with_settings(sqlite().await.with_catalog().await, None, settings).await;
    for path in ["/metrics/orders", "/api-docs/openapi.json", "/docs/"] {
        let anonymous = raw(&app, reqwest::Method::GET, path, &[]).await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{path}");
        let wrong =
            raw(&app, reqwest::Method::GET, path, &[("Authorization", "Bearer guess")]).await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{path}");
        let operator = raw(
            &app,
            reqwest::Method::GET,
            path,
            &[("Authorization", "Bearer an-operators-token")],
        )
        .await;
        assert!(operator.status().is_success() || operator.status().is_redirection(), "{path}");
    }
    // The shop itself is not behind the token.
    assert_eq!(app.session().get("/categories/").await.status, StatusCode::OK);
    assert_eq!(app.session().get("/health/ready").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_a_production_looking_server_does_not_serve_them_at_all() {
    let mut settings = test_settings();
    // A deployment on a database server that chose its stand-ins explicitly (a staging shop).
    settings.database.url = "mysql://root@db.internal/meiduo".into();
    settings.payment.gateway = Some(meiduo_server::Gateway::Sandbox);
    settings.qq.provider = "sandbox".into();
    let app = spawn_with_settings(sqlite().await.with_catalog().await, None, settings).await;
    for path in ["/metrics/orders", "/api-docs/openapi.json", "/docs/"] {
        let answer = raw(&app, reqwest::Method::GET, path, &[]).await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.session().get("/categories/").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandboxes_pages_say_they_are_sandboxes() {
    let app = spawn(sqlite().await.with_catalog().await).await;
    let qq = app.session().get("/oauth/qq/authorization/?next=/").await;
    let login_url = qq.body["login_url"].as_str().unwrap().to_owned();
    let page = reqwest::get(login_url).await.unwrap().text().await.unwrap();
    assert!(page.contains("sandbox-banner") && page.contains("SANDBOX"), "{page}");

    let shopper = app.shopper("banner_reader", "13500000005").await;
    let address = shopper.add_address().await;
    shopper.post("/carts/", json!({"sku_id": 1, "count": 1})).await;
    let placed = shopper.post("/orders/", json!({"address": address, "pay_method": 2})).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{placed:?}");
    let order_id = placed.body["order_id"].as_str().unwrap();
    let pay = shopper.get(&format!("/orders/{order_id}/payment/")).await;
    let page = reqwest::get(pay.body["alipay_url"].as_str().unwrap()).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("sandbox-banner") && page.contains("no money moves"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_a_path_does_not_take_is_405_with_allow_and_unknown_paths_stay_404() {
    let app = spawn(sqlite().await.with_catalog().await).await;
    for (method, path, allow) in [
        ("HEAD", "/categories/", "GET"),
        ("TRACE", "/carts/", "DELETE, GET, POST, PUT"),
        ("PATCH", "/skus/3/", "GET"),
        ("DELETE", "/orders/", "GET, POST"),
        ("OPTIONS", "/user/", "GET"),
        ("GET", "/addresses/7/", "DELETE, PUT"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let answer = raw(&app, method.clone(), path, &[]).await;
        assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(header(&answer, "allow").as_deref(), Some(allow), "{method} {path}");
        if method != reqwest::Method::HEAD {
            let body: serde_json::Value = answer.json().await.unwrap();
            assert_eq!(body["code"], "method_not_allowed", "{method} {path}");
        }
    }
    for path in ["/no/such/", "/skus/3/extra/", "/carts"] {
        let answer = raw(&app, reqwest::Method::TRACE, path, &[]).await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_beyond_the_stores_range_are_refused_not_quietly_matched() {
    let app = spawn(sqlite().await.with_catalog().await).await;
    let shopper = app.shopper("big_ids", "13500000006").await;
    let too_big = "9223372036854775808";
    let body = |field: &str| -> serde_json::Value {
        serde_json::from_str(&format!(r#"{{"{field}": {too_big}, "count": 1}}"#)).unwrap()
    };
    for (method, path) in [
        (reqwest::Method::DELETE, "/carts/"),
        (reqwest::Method::POST, "/carts/"),
        (reqwest::Method::PUT, "/carts/"),
        (reqwest::Method::POST, "/browse_histories/"),
    ] {
        let answer = shopper.send(method.clone(), path, Some(body("sku_id"))).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{method} {path}: {answer:?}");
        assert_eq!(answer.code(), "invalid_json", "{method} {path}");
    }
    for path in [
        format!("/skus/{too_big}/"),
        format!("/categories/{too_big}/"),
        format!("/categories/{too_big}/hotskus/"),
        format!("/areas/{too_big}/"),
        "/skus/0/".to_owned(),
    ] {
        assert_eq!(shopper.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // A whole number written with a zero fraction is that number, as DRF reads it.
    let added = shopper.post("/carts/", json!({"sku_id": 3.0, "count": 2.0})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    assert_eq!(shopper.get("/carts/").await.body[0]["count"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_states_the_bounds_the_server_enforces() {
    let app = spawn(sqlite().await).await;
    let document = app.session().get("/api-docs/openapi.json").await.body;
    let schema = |name: &str| document["components"]["schemas"][name]["properties"].clone();
    assert_eq!(schema("RegisterBody")["username"]["pattern"], "^[A-Za-z0-9_-]{5,20}$");
    assert_eq!(schema("RegisterBody")["mobile"]["pattern"], "^1[3-9][0-9]{9}$");
    assert_eq!(schema("RegisterBody")["sms_code"]["pattern"], "^[0-9]{6}$");
    assert_eq!(schema("CartLineBody")["sku_id"]["maximum"], 9_223_372_036_854_775_807_i64);
    assert_eq!(schema("CartLineBody")["count"]["minimum"], 1);
    assert_eq!(schema("CommentBody")["score"]["maximum"], 5);
    // The breadcrumb's levels are objects or "".
    let level = &document["components"]["schemas"]["CategoryLevel"];
    let text = level.to_string();
    assert!(text.contains("CategoryJson") && text.contains("\"string\""), "{text}");
    // Every secured operation says it may answer 401; every one with a path id, 404.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            if operation.get("security").is_some_and(|s| !s.as_array().unwrap().is_empty()) {
                assert!(responses.contains_key("401"), "{method} {path}");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_outlives_a_pause_of_the_client() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn(sqlite().await).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!("GET /health/live HTTP/1.1\r\nHost: {address}\r\n\r\n");
    async fn answer(stream: &mut tokio::net::TcpStream) -> String {
        let mut buffer = vec![0u8; 4096];
        let read = stream.read(&mut buffer).await.unwrap();
        String::from_utf8_lossy(&buffer[..read]).into_owned()
    }
    stream.write_all(request.as_bytes()).await.unwrap();
    assert!(answer(&mut stream).await.starts_with("HTTP/1.1 200"));
    // Longer than actix-web's default of 5 s, which closed such connections under the clients
    // (and proxies) that reuse them: their next request failed.
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    stream.write_all(request.as_bytes()).await.unwrap();
    let again = answer(&mut stream).await;
    assert!(again.starts_with("HTTP/1.1 200"), "the connection was closed: {again:?}");
}
