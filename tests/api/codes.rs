//! Verification codes behave the same in every store: the database (SQLite, MariaDB) and Redis
//! (one server, a cluster).

use std::sync::Arc;
use std::time::Duration;

use meiduo_domain::ports::{CodeCheck, CodeKey, VerificationCodes};
use meiduo_domain::{CaptchaId, Mobile};
use meiduo_test_support::db::engines;
use meiduo_test_support::redis::{redis, redis_cluster};

const TTL: Duration = Duration::from_secs(300);
const INTERVAL: Duration = Duration::from_secs(60);

fn sms(mobile: &str) -> CodeKey {
    CodeKey::Sms(Mobile::parse(mobile).unwrap())
}

async fn contract(store: Arc<dyn VerificationCodes>, name: &str) {
    let key = sms("13900000042");
    assert!(store.store_if_quiet(&key, "246810", TTL, INTERVAL).await.unwrap(), "{name}");
    assert!(
        !store.store_if_quiet(&key, "111111", TTL, INTERVAL).await.unwrap(),
        "{name}: once per interval"
    );
    assert_eq!(store.check(&key, "135791", 5).await.unwrap(), CodeCheck::Wrong, "{name}");
    assert_eq!(store.check(&key, "246810", 5).await.unwrap(), CodeCheck::Matched, "{name}");
    assert_eq!(
        store.check(&key, "246810", 5).await.unwrap(),
        CodeCheck::Missing,
        "{name}: a code works once"
    );

    // Five wrong tries kill a code: the right one no longer works.
    let guessed = sms("13900000043");
    store.store_if_quiet(&guessed, "123456", TTL, INTERVAL).await.unwrap();
    for attempt in 0..5 {
        let wrong = format!("00000{attempt}");
        assert_eq!(store.check(&guessed, &wrong, 5).await.unwrap(), CodeCheck::Wrong, "{name}");
    }
    assert_eq!(
        store.check(&guessed, "123456", 5).await.unwrap(),
        CodeCheck::Missing,
        "{name}: dead after five wrong tries"
    );

    // A new code (after the interval) starts with no wrong tries.
    let fresh = sms("13900000044");
    store.store_if_quiet(&fresh, "654321", TTL, Duration::ZERO).await.unwrap();
    for _ in 0..4 {
        store.check(&fresh, "000000", 5).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(store.store_if_quiet(&fresh, "777777", TTL, Duration::ZERO).await.unwrap());
    for _ in 0..4 {
        assert_eq!(store.check(&fresh, "000000", 5).await.unwrap(), CodeCheck::Wrong, "{name}");
    }
    assert_eq!(store.check(&fresh, "777777", 5).await.unwrap(), CodeCheck::Matched, "{name}");

    // Expired codes do not match.
    let short = sms("13900000045");
    store
        .store_if_quiet(&short, "121212", Duration::from_millis(50), Duration::ZERO)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(store.check(&short, "121212", 5).await.unwrap(), CodeCheck::Missing, "{name}");

    // A captcha is taken once, by one of several concurrent readers.
    let captcha =
        CodeKey::Captcha(CaptchaId::parse("0f8fad5b-d9cb-469f-a165-70867728950e").unwrap());
    store.store_if_quiet(&captcha, "AbC4", TTL, Duration::ZERO).await.unwrap();
    let readers: Vec<_> = (0..6)
        .map(|_| {
            let (store, captcha) = (store.clone(), captcha.clone());
            tokio::spawn(async move { store.take(&captcha).await.unwrap() })
        })
        .collect();
    let mut taken = Vec::new();
    for reader in readers {
        taken.extend(reader.await.unwrap());
    }
    assert_eq!(taken, vec!["AbC4".to_owned()], "{name}: read once, exactly");

    // Of concurrent first uses of a token, one wins.
    let used = CodeKey::UsedToken("0123456789abcdef".into());
    let claims: Vec<_> = (0..6)
        .map(|_| {
            let (store, used) = (store.clone(), used.clone());
            tokio::spawn(async move { store.store_if_quiet(&used, "1", TTL, TTL).await.unwrap() })
        })
        .collect();
    let mut wins = 0;
    for claim in claims {
        wins += usize::from(claim.await.unwrap());
    }
    assert_eq!(wins, 1, "{name}: one first use");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_in_the_database() {
    for db in engines().await {
        contract(Arc::new(db.store.codes()), db.engine).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_in_redis() {
    if let Some(redis) = redis().await {
        contract(Arc::new(redis.store.clone()), "redis").await;
    }
    if let Some(cluster) = redis_cluster().await {
        contract(Arc::new(cluster.store.clone()), "redis cluster").await;
    }
}
