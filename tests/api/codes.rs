//! Verification codes behave the same in every store: the database (SQLite, MariaDB) and Redis
//! (one server, a cluster); and so do the rate-limit counters.

use std::sync::Arc;
use std::time::Duration;

use meiduo_domain::ports::{CodeCheck, CodeKey, RateLimits, VerificationCodes};
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

    // A withdrawn code is gone with its interval.
    let withdrawn = sms("13900000046");
    store.store_if_quiet(&withdrawn, "343434", TTL, INTERVAL).await.unwrap();
    store.withdraw(&withdrawn).await.unwrap();
    assert_eq!(store.check(&withdrawn, "343434", 5).await.unwrap(), CodeCheck::Missing, "{name}");
    assert!(
        store.store_if_quiet(&withdrawn, "565656", TTL, INTERVAL).await.unwrap(),
        "{name}: no interval left to wait"
    );

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

async fn limits_contract(limits: Arc<dyn RateLimits>, name: &str) {
    let window = Duration::from_secs(60);
    for expected in 1..=3 {
        let (count, left) = limits.hit("login_user:alice", window).await.unwrap();
        assert_eq!(count, expected, "{name}");
        assert!(left <= window && left > Duration::from_secs(50), "{name}: {left:?}");
    }
    assert_eq!(limits.peek("login_user:alice").await.unwrap().map(|(c, _)| c), Some(3), "{name}");
    assert_eq!(limits.peek("login_user:bob").await.unwrap(), None, "{name}");
    limits.clear("login_user:alice").await.unwrap();
    assert_eq!(limits.peek("login_user:alice").await.unwrap(), None, "{name}: cleared");

    // A window that ends starts again at one.
    limits.hit("sms_ip:10.0.0.1", Duration::from_millis(300)).await.unwrap();
    limits.hit("sms_ip:10.0.0.1", Duration::from_millis(300)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(limits.peek("sms_ip:10.0.0.1").await.unwrap(), None, "{name}: expired");
    assert_eq!(limits.hit("sms_ip:10.0.0.1", window).await.unwrap().0, 1, "{name}");

    // Concurrent hits are all counted.
    let hits: Vec<_> = (0..20)
        .map(|_| {
            let limits = limits.clone();
            tokio::spawn(async move { limits.hit("login_ip:10.0.0.2", window).await.unwrap().0 })
        })
        .collect();
    let mut counts = Vec::new();
    for hit in hits {
        counts.push(hit.await.unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=20).collect::<Vec<u32>>(), "{name}: every hit counted once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_in_the_database_and_redis() {
    for db in engines().await {
        limits_contract(Arc::new(db.store.rate_limits()), db.engine).await;
    }
    if let Some(redis) = redis().await {
        limits_contract(Arc::new(redis.store.clone()), "redis").await;
    }
    if let Some(cluster) = redis_cluster().await {
        limits_contract(Arc::new(cluster.store.clone()), "redis cluster").await;
    }
}
