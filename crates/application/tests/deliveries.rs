//! The outbox's worker against mocks: delivered, retried with back-off, given up.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use meiduo_application::deliveries::{Deliveries, DeliveryPolicy, DeliveryRound};
use meiduo_domain::ports::{Message, MockMailer, MockOutbox, MockSmsSender, Outgoing};
use meiduo_domain::{Mobile, SmsCode};

fn sms(id: u64, attempts: u32) -> Outgoing {
    Outgoing {
        id,
        message: Message::SmsCode {
            mobile: Mobile::parse("13800138000").unwrap(),
            code: SmsCode::parse("123456").unwrap(),
            valid_minutes: 5,
        },
        attempts,
    }
}

fn mail(id: u64) -> Outgoing {
    Outgoing {
        id,
        message: Message::VerifyEmail {
            to: "li@example.com".into(),
            link: "http://x/?token=t".into(),
        },
        attempts: 1,
    }
}

#[test]
fn the_back_off_doubles_up_to_its_cap() {
    let policy = DeliveryPolicy::default();
    let waits: Vec<u64> = (1..=8).map(|n| policy.backoff(n).as_secs()).collect();
    assert_eq!(waits, [2, 4, 8, 16, 32, 64, 128, 256]);
    assert_eq!(policy.backoff(40), Duration::from_secs(3600));
}

#[tokio::test]
async fn a_round_delivers_retries_and_gives_up() {
    let mut outbox = MockOutbox::new();
    outbox
        .expect_claim()
        .withf(|limit, lease| *limit == 16 && lease.as_secs() == 60)
        .returning(|_, _| Ok(vec![sms(1, 1), sms(2, 3), sms(3, 8), mail(4)]));
    outbox.expect_delivered().withf(|id| *id == 1 || *id == 4).times(2).returning(|_| Ok(()));
    outbox
        .expect_retry()
        .withf(|id, after, error| *id == 2 && after.as_secs() == 8 && error.contains("busy"))
        .times(1)
        .returning(|_, _, _| Ok(()));
    outbox.expect_give_up().withf(|id, _| *id == 3).times(1).returning(|_, _| Ok(()));
    let mut sms_sender = MockSmsSender::new();
    let mut calls = 0;
    sms_sender.expect_send_code().times(3).returning(move |_, code, minutes| {
        assert_eq!((code.as_str(), minutes), ("123456", 5));
        calls += 1;
        if calls == 1 { Ok(()) } else { Err("the SMS provider is busy".into()) }
    });
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .withf(|m| m.to == "li@example.com" && m.body.contains("http://x/?token=t"))
        .times(1)
        .returning(|_| Ok(()));
    let deliveries = Deliveries::new(
        Arc::new(outbox),
        Arc::new(sms_sender),
        Arc::new(mailer),
        DeliveryPolicy::default(),
    );
    assert_eq!(
        deliveries.run_once().await.unwrap(),
        DeliveryRound { delivered: 2, retried: 1, failed: 1 }
    );
}
