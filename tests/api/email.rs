//! Email verification over HTTP, the outbox under a killed worker and competing workers, and
//! mail through a real SMTP listener.

use std::sync::Arc;
use std::time::{Duration, Instant};

use meiduo_application::deliveries::{Deliveries, DeliveryPolicy};
use meiduo_domain::ports::{Message, Outbox, SignedTokens, TokenPurpose};
use meiduo_domain::{Mobile, SmsCode};
use meiduo_inprocess::JwtSignedTokens;
use meiduo_server::settings::OutboxSettings;
use meiduo_test_support::db::engines;
use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;

/// The token of the verification link in a mail body.
fn token_in(body: &str) -> String {
    let start = body.find("?token=").expect("a link with a token") + "?token=".len();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_is_verified_by_the_mailed_link_while_it_is_the_users() {
    for (app, _redis) in apps_with_redis().await {
        let engine = app.engine();
        let me = app.shopper("mailer01", "13600000101").await;
        assert_eq!(app.session().put("/email/", json!({"email": "a@b.cn"})).await.status, 401);
        let bad = me.put("/email/", json!({"email": "not an email"})).await;
        assert_eq!((bad.code(), bad.body["email"][0].is_string()), ("invalid_field", true));

        let saved = me.put("/email/", json!({"email": "Li@Example.com"})).await;
        assert_eq!(saved.status, StatusCode::OK, "{engine}: {saved:?}");
        assert_eq!(saved.body["email"], "li@example.com");
        let profile = me.get("/user/").await.body;
        assert_eq!(
            (profile["email"].clone(), profile["email_active"].clone()),
            (json!("li@example.com"), json!(false))
        );
        assert!(
            app.mail.to("li@example.com").is_empty(),
            "{engine}: queued, not sent in the request"
        );
        assert_eq!(app.deliver().await.delivered, 1);
        let mails = app.mail.to("li@example.com");
        assert_eq!(mails.len(), 1, "{engine}");
        assert!(
            mails[0].body.contains("http://www.meiduo.site:8080/success_verify_email.html?token=")
        );
        let token = token_in(&mails[0].body);

        assert_eq!(me.get("/emails/verification/").await.code(), "invalid_token");
        let forged = me.get(&format!("/emails/verification/?token={token}x")).await;
        assert_eq!(forged.code(), "invalid_token", "{engine}");
        let expired = JwtSignedTokens::new(TEST_SECRET)
            .sign(
                TokenPurpose::VerifyEmail,
                &format!("{}:li@example.com", saved.body["id"]),
                Duration::ZERO,
            )
            .unwrap();
        let late = me.get(&format!("/emails/verification/?token={expired}")).await;
        assert_eq!(late.code(), "invalid_token", "{engine}: an expired link");
        let verified = app.session().get(&format!("/emails/verification/?token={token}")).await;
        assert_eq!(
            (verified.status, verified.body["message"].as_str()),
            (StatusCode::OK, Some("OK"))
        );
        assert_eq!(me.get("/user/").await.body["email_active"], true, "{engine}");

        // A new address is unverified again, and the old link does not verify it.
        me.put("/email/", json!({"email": "wang@example.com"})).await;
        assert_eq!(me.get("/user/").await.body["email_active"], false);
        let stale = me.get(&format!("/emails/verification/?token={token}")).await;
        assert_eq!(stale.code(), "invalid_token", "{engine}: the link names the old address");
        assert_eq!(me.get("/user/").await.body["email_active"], false);
    }
}

fn sms(n: u32) -> Message {
    Message::SmsCode {
        mobile: Mobile::parse(&format!("1360000{n:04}")).unwrap(),
        code: SmsCode::from_number(n),
        valid_minutes: 5,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_survives_a_killed_worker_and_delivers_each_message_once_among_many() {
    for db in engines().await {
        let engine = db.engine;
        let outbox: Arc<dyn Outbox> = Arc::new(db.store.outbox());
        outbox.enqueue(&sms(1)).await.unwrap();
        // A worker claims the message with a short lease and dies before delivering it.
        let held = outbox.claim(10, Duration::from_millis(300)).await.unwrap();
        assert_eq!(held.len(), 1, "{engine}");
        drop(held);
        assert!(
            outbox.claim(10, Duration::from_secs(60)).await.unwrap().is_empty(),
            "{engine}: leased"
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let sent = Arc::new(CapturedSms::default());
        let mail = Arc::new(CapturedMail::default());
        let worker = |policy| Deliveries::new(outbox.clone(), sent.clone(), mail.clone(), policy);
        let round = worker(DeliveryPolicy::default()).run_once().await.unwrap();
        assert_eq!(round.delivered, 1, "{engine}: the lease ran out; another worker delivered it");
        assert_eq!(sent.code_for("13600000001").as_deref(), Some("000001"));
        assert_eq!(db.count("tb_outbox").await, 0, "{engine}: delivered messages leave");

        // Four workers, forty messages: every one delivered, none twice.
        for n in 100..140 {
            outbox.enqueue(&sms(n)).await.unwrap();
        }
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let worker =
                    Arc::new(worker(DeliveryPolicy { batch: 4, ..DeliveryPolicy::default() }));
                tokio::spawn(async move {
                    let mut delivered = 0;
                    loop {
                        let round = worker.run_once().await.unwrap();
                        if round.delivered == 0 {
                            return delivered;
                        }
                        delivered += round.delivered;
                    }
                })
            })
            .collect();
        let mut total = 0;
        for worker in workers {
            total += worker.await.unwrap();
        }
        assert_eq!(total, 40, "{engine}: each message once");
        assert_eq!(sent.deliveries(), 41, "{engine}");
        assert_eq!(db.count("tb_outbox").await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_provider_is_retried_later_and_nothing_is_lost() {
    for db in engines().await {
        let engine = db.engine;
        let outbox: Arc<dyn Outbox> = Arc::new(db.store.outbox());
        outbox.enqueue(&sms(7)).await.unwrap();
        let flaky = Arc::new(CapturedSms::failing(1));
        let policy = DeliveryPolicy {
            first_backoff: Duration::from_millis(300),
            ..DeliveryPolicy::default()
        };
        let worker = Deliveries::new(
            outbox.clone(),
            flaky.clone(),
            Arc::new(CapturedMail::default()),
            policy,
        );
        assert_eq!(worker.run_once().await.unwrap().retried, 1, "{engine}");
        assert_eq!(
            worker.run_once().await.unwrap().delivered,
            0,
            "{engine}: not before the back-off"
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(worker.run_once().await.unwrap().delivered, 1, "{engine}");
        assert_eq!(flaky.code_for("13600000007").as_deref(), Some("000007"));
    }
}

/// The mail server of `MEIDUO_TEST_SMTP_URL`, whose messages land in `MEIDUO_TEST_SMTP_MAILDIR`
/// (`.ci/run` starts aiosmtpd so).
fn smtp() -> Option<(String, std::path::PathBuf)> {
    let url = service_url("MEIDUO_TEST_SMTP_URL", "SMTP")?;
    let dir =
        std::env::var("MEIDUO_TEST_SMTP_MAILDIR").expect("MEIDUO_TEST_SMTP_MAILDIR with the URL");
    Some((url, dir.into()))
}

/// Every file under the maildir's `new/`.
fn mails_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir.join("new"))
        .map(|entries| {
            entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_leaves_through_a_real_smtp_server_from_the_background_worker() {
    let Some((url, maildir)) = smtp() else { return };
    let mut settings = test_settings();
    settings.mail.smtp_url = url.into();
    settings.mail.timeout = Duration::from_secs(5);
    settings.outbox = OutboxSettings { poll_interval: Duration::from_millis(100) };
    let no_qq = meiduo_server::qq_wiring(&settings, "http://127.0.0.1", b"secret").unwrap();
    let mailer = meiduo_server::Senders::from_settings(&settings, &no_qq).unwrap().mailer;
    let db = sqlite().await.with_catalog().await;
    let app = spawn_with_mailer(db, None, settings, Some(mailer)).await;
    let me = app.shopper("smtp_user", "13600000201").await;
    let address = format!("smtp.{}@example.com", uuid());
    assert_eq!(me.put("/email/", json!({"email": address})).await.status, StatusCode::OK);
    let started = Instant::now();
    let mail = loop {
        if let Some(mail) = mails_in(&maildir).into_iter().find(|m| m.contains(&address)) {
            break mail;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no mail reached the SMTP server");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(mail.contains("From: =?utf-8?b?") || mail.contains("noreply@meiduo.site"), "{mail}");
    let decoded = mail.replace("=\r\n", "").replace("=\n", "");
    let token = token_in(&decoded.replace("=3D", "="));
    let verified = app.session().get(&format!("/emails/verification/?token={token}")).await;
    assert_eq!(verified.status, StatusCode::OK, "{verified:?}");
    assert_eq!(me.get("/user/").await.body["email_active"], true);
}
