//! Limits on guessing over HTTP: failed logins per account and per address (429 with
//! `Retry-After`), SMS codes per address, and logins that take the same time whether or not the
//! account exists; on the database and on Redis.

use std::time::{Duration, Instant};

use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_stop_at_five_per_account() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        app.session().register("guarded01", "13300000001").await;
        app.session().register("neighbour1", "13300000002").await;
        let mut s = app.session();
        for _ in 0..5 {
            assert_eq!(s.login("guarded01", "wrong-password").await.code(), "bad_credentials");
        }
        let refused = s
            .client
            .post(format!("{}/authorizations/", app.base))
            .json(&json!({"username": "GUARDED01", "password": "password123"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{engine}: even the right password"
        );
        let retry: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry), "{engine}: Retry-After {retry}");
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["code"], "too_many_attempts");
        assert_eq!(
            s.login("13300000001", "password123").await.status,
            StatusCode::OK,
            "{engine}: the limit is on the name typed; the mobile is another key"
        );
        assert_eq!(s.login("neighbour1", "password123").await.status, StatusCode::OK, "{engine}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_stop_at_twenty_per_address() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        app.session().register("victim001", "13300000011").await;
        let mut s = app.session();
        for n in 0..20 {
            let answer = s.login(&format!("nobody{n:03}"), "password123").await;
            assert_eq!(answer.code(), "bad_credentials", "{engine}: try {n}");
        }
        let refused = s.login("victim001", "password123").await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            "{engine}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_codes_stop_at_ten_per_address() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        let s = app.session();
        for n in 0..10 {
            let sent = s.send_sms_code(&format!("133000001{n:02}")).await;
            assert_eq!(sent.status, StatusCode::OK, "{engine}: code {n}: {sent:?}");
        }
        let refused = s.send_sms_code("13300000199").await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            "{engine}"
        );
        assert!(app.sms.code_for("13300000199").is_none());
    }
}

/// The median time of a login attempt.
async fn median_login(s: &mut Session<'_>, username: &str) -> Duration {
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(s.login(username, "wrong-password").await.code(), "bad_credentials");
        times.push(started.elapsed());
    }
    times.sort();
    times[2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_known_accounts_answer_in_the_same_time() {
    let app = spawn(sqlite().await.with_catalog().await).await;
    app.session().register("timed0001", "13300000021").await;
    let mut s = app.session();
    // Warm the decoy hash.
    let _ = s.login("nobody_warm", "wrong-password").await;
    let known = median_login(&mut s, "timed0001").await;
    let unknown = median_login(&mut s, "nobody_0001").await;
    let ratio = unknown.as_secs_f64() / known.as_secs_f64();
    eprintln!("login medians: known account {known:?}, unknown account {unknown:?}");
    assert!((0.5..2.0).contains(&ratio), "known {known:?}, unknown {unknown:?}");
}
