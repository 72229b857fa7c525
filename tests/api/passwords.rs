//! Image captchas, guessing SMS codes, the password reset in its steps and the password change,
//! over HTTP, on every store (SQLite, MariaDB, MariaDB + Redis).

use std::time::Duration;

use meiduo_domain::ports::{SignedTokens, TokenPurpose};
use meiduo_inprocess::JwtSignedTokens;
use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captchas_are_pngs_checked_once_and_required_for_sms() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        let s = app.session();
        let id = uuid();
        let picture = s.client.get(format!("{}/image_codes/{id}/", app.base)).send().await.unwrap();
        assert_eq!(picture.status(), StatusCode::OK, "{engine}");
        assert_eq!(picture.headers()["content-type"], "image/png");
        assert_eq!(&picture.bytes().await.unwrap()[..4], b"\x89PNG");
        let text = app.captchas.last_text();
        assert_eq!(s.get("/image_codes/not-a-uuid/").await.status, StatusCode::NOT_FOUND);

        let no_captcha = s.get("/sms_codes/13700000001/").await;
        assert_eq!(no_captcha.code(), "image_code_required", "{engine}");
        let wrong = s.get(&format!("/sms_codes/13700000001/?image_code_id={id}&text=zzzz")).await;
        assert_eq!((wrong.status, wrong.code()), (StatusCode::BAD_REQUEST, "wrong_image_code"));
        // The wrong answer used the captcha up: the right text no longer works.
        let late = s.get(&format!("/sms_codes/13700000001/?image_code_id={id}&text={text}")).await;
        assert_eq!(late.code(), "wrong_image_code", "{engine}: a captcha is checked once");
        assert_eq!(app.deliver().await.delivered, 0, "{engine}: nothing was queued");
        assert!(app.sms.code_for("13700000001").is_none(), "{engine}: nothing was sent");

        let id = uuid();
        s.client.get(format!("{}/image_codes/{id}/", app.base)).send().await.unwrap();
        let upper = app.captchas.last_text().to_uppercase();
        let sent = s.get(&format!("/sms_codes/13700000001/?image_code_id={id}&text={upper}")).await;
        assert_eq!(sent.status, StatusCode::OK, "{engine}: case does not matter: {sent:?}");
        assert!(app.sms.code_for("13700000001").is_none(), "{engine}: queued, not yet sent");
        assert_eq!(app.deliver().await.delivered, 1);
        assert!(app.sms.code_for("13700000001").is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_sms_codes_kill_the_code() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        let s = app.session();
        s.send_sms_code("13700000002").await;
        let code = app.sms.code_for("13700000002").unwrap();
        let form = |sms_code: &str| {
            json!({"username": "guesser01", "password": "password123", "password2": "password123",
                   "mobile": "13700000002", "sms_code": sms_code, "allow": "true"})
        };
        let mut guesses = 0;
        for guess in (0..1_000_000).map(|n| format!("{n:06}")).filter(|g| *g != code).take(5) {
            assert_eq!(s.post("/users/", form(&guess)).await.code(), "wrong_sms_code");
            guesses += 1;
        }
        assert_eq!(guesses, 5);
        let right = s.post("/users/", form(&code)).await;
        assert_eq!(right.code(), "wrong_sms_code", "{engine}: the code died after 5 wrong tries");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_in_four_steps_with_single_use_tokens() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        // Registered a while ago (a code sent at registration would hold the minute).
        let owner = app.db.user("forgetful").await;
        let mobile = app
            .db
            .scalar_text(&format!("SELECT mobile FROM tb_users WHERE id = {}", owner.0))
            .await;
        let mut other = app.session();
        let other_id =
            other.register("bystander", "13700000004").await.body["id"].as_u64().unwrap();
        let s = app.session();

        // 1. Account and captcha: the masked mobile and a token that sends the code.
        let captcha = s.solve_captcha().await;
        let unknown = s.get(&format!("/accounts/nobody_here/sms/token/?{captcha}")).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{engine}");
        let bad_captcha = s
            .get(&format!("/accounts/forgetful/sms/token/?image_code_id={}&text=zzzz", uuid()))
            .await;
        assert_eq!(bad_captcha.code(), "wrong_image_code");
        let started =
            s.get(&format!("/accounts/forgetful/sms/token/?{}", s.solve_captcha().await)).await;
        assert_eq!(started.status, StatusCode::OK, "{engine}: {started:?}");
        assert_eq!(started.body["mobile"], format!("{}****{}", &mobile[..3], &mobile[7..]));
        let send_token = started.body["access_token"].as_str().unwrap().to_owned();

        // 2. The token sends a code to the account's mobile, once; forged tokens do nothing.
        let forged = s.get(&format!("/sms_codes/?access_token={send_token}x")).await;
        assert_eq!(forged.code(), "invalid_token", "{engine}");
        let before = app.sms.code_for(&mobile);
        let sent = s.get(&format!("/sms_codes/?access_token={send_token}")).await;
        assert_eq!(sent.status, StatusCode::OK, "{engine}: {sent:?}");
        assert_eq!(app.deliver().await.delivered, 1, "{engine}: the code left through the outbox");
        let code = app.sms.code_for(&mobile).unwrap();
        assert_ne!(Some(&code), before.as_ref(), "{engine}: a new code");
        let again = s.get(&format!("/sms_codes/?access_token={send_token}")).await;
        assert_eq!(again.code(), "invalid_token", "{engine}: the token is single-use");
        let captcha = s.solve_captcha().await;
        let restart = s.get(&format!("/accounts/forgetful/sms/token/?{captcha}")).await;
        let token = restart.body["access_token"].as_str().unwrap();
        let soon = s.get(&format!("/sms_codes/?access_token={token}")).await;
        assert_eq!(soon.code(), "sms_too_frequent", "{engine}: one code a minute");

        // 3. The code gives a token that sets the password of this user.
        let wrong_code = if code == "000000" { "111111" } else { "000000" };
        let wrong =
            s.get(&format!("/accounts/forgetful/password/token/?sms_code={wrong_code}")).await;
        assert_eq!(wrong.code(), "wrong_sms_code", "{engine}");
        let granted = s.get(&format!("/accounts/{mobile}/password/token/?sms_code={code}")).await;
        assert_eq!(granted.status, StatusCode::OK, "{engine}: by mobile too: {granted:?}");
        let user_id = granted.body["user_id"].as_u64().unwrap();
        assert_eq!(user_id, owner.0, "{engine}");
        let reset_token = granted.body["access_token"].as_str().unwrap().to_owned();
        // The send token is not a reset token.
        let wrong_kind = s
            .post(
                &format!("/users/{user_id}/password/"),
                json!({"password": "brand-new-1", "password2": "brand-new-1", "access_token": send_token}),
            )
            .await;
        assert_eq!(wrong_kind.code(), "invalid_token");

        // 4. Another user's id is refused; the right one sets the password, once.
        let body = json!({"password": "brand-new-1", "password2": "brand-new-1", "access_token": reset_token});
        let theirs = s.post(&format!("/users/{other_id}/password/"), body.clone()).await;
        assert_eq!(theirs.code(), "invalid_token", "{engine}: another user's token");
        let differ = json!({"password": "brand-new-1", "password2": "brand-new-2", "access_token": reset_token});
        assert_eq!(
            s.post(&format!("/users/{user_id}/password/"), differ).await.code(),
            "passwords_differ"
        );
        let reset = s.post(&format!("/users/{user_id}/password/"), body.clone()).await;
        assert_eq!((reset.status, reset.body["id"].as_u64()), (StatusCode::OK, Some(user_id)));
        let replay = s.post(&format!("/users/{user_id}/password/"), body).await;
        assert_eq!(replay.code(), "invalid_token", "{engine}: single-use");
        // An expired token (signed with the server's key, its life over) is refused.
        let expired = JwtSignedTokens::new(TEST_SECRET)
            .sign(TokenPurpose::ResetPassword, &user_id.to_string(), Duration::ZERO)
            .unwrap();
        let late =
            json!({"password": "brand-new-2", "password2": "brand-new-2", "access_token": expired});
        let late = s.post(&format!("/users/{user_id}/password/"), late).await;
        assert_eq!(late.code(), "invalid_token", "{engine}: expired");

        let mut login = app.session();
        assert_eq!(login.login("forgetful", "brand-new-1").await.status, StatusCode::OK);
        let mut bystander = app.session();
        assert_eq!(
            bystander.login("bystander", "password123").await.status,
            StatusCode::OK,
            "{engine}: the other user's password is untouched"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logged_in_user_changes_the_password_with_the_old_one() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        let me = app.shopper("changer01", "13700000005").await;
        let other = app.shopper("changer02", "13700000006").await;
        let my_id = me.get("/user/").await.body["id"].as_u64().unwrap();
        let other_id = other.get("/user/").await.body["id"].as_u64().unwrap();
        let change = |old: &str| json!({"old_password": old, "password": "changed-pw1", "password2": "changed-pw1"});
        assert_eq!(
            app.session()
                .put(&format!("/users/{my_id}/password/"), change("password123"))
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            me.put(&format!("/users/{other_id}/password/"), change("password123")).await.status,
            StatusCode::NOT_FOUND,
            "{engine}: another user's id"
        );
        assert_eq!(
            me.put(&format!("/users/{my_id}/password/"), change("password124")).await.code(),
            "wrong_password"
        );
        let changed = me.put(&format!("/users/{my_id}/password/"), change("password123")).await;
        assert_eq!(changed.status, StatusCode::OK, "{engine}: {changed:?}");
        let mut login = app.session();
        assert_eq!(login.login("changer01", "changed-pw1").await.status, StatusCode::OK);
        assert_eq!(login.login("changer02", "password123").await.status, StatusCode::OK);
    }
}
