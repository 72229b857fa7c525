//! SMS codes and browse history in Redis, on one server and on a cluster.

use std::time::Duration;

use meiduo_domain::ports::{BrowseHistory, Cache, VerificationCodes};
use meiduo_domain::{Mobile, SkuId, SmsCode, UserId};
use meiduo_test_support::redis::{TestRedis, redis, redis_cluster};

async fn codes_and_history(redis: &TestRedis, name: &str) {
    let store = &redis.store;
    let mobile = Mobile::parse("13900000042").unwrap();
    let code = SmsCode::parse("246810").unwrap();
    let (ttl, interval) = (Duration::from_secs(300), Duration::from_secs(60));
    assert!(store.store_if_quiet(&mobile, &code, ttl, interval).await.unwrap(), "{name}");
    assert!(
        !store.store_if_quiet(&mobile, &code, ttl, interval).await.unwrap(),
        "{name}: once per interval"
    );
    let ttl_left = store
        .command(&["PTTL", &format!("{}sms_{{13900000042}}", redis.config.prefix)])
        .await
        .unwrap();
    assert!(ttl_left[0].parse::<i64>().unwrap() > 290_000, "{name}: the code expires in 5 minutes");
    assert!(!store.consume(&mobile, &SmsCode::parse("135791").unwrap()).await.unwrap());
    assert!(store.consume(&mobile, &code).await.unwrap(), "{name}");
    assert!(!store.consume(&mobile, &code).await.unwrap(), "{name}: a code works once");

    let user = UserId(5);
    for sku in [1, 2, 3, 4, 5, 6, 2] {
        store.record(user, SkuId(sku), 5).await.unwrap();
    }
    let recent: Vec<u64> = store.recent(user, 5).await.unwrap().into_iter().map(|s| s.0).collect();
    assert_eq!(recent, vec![2, 6, 5, 4, 3], "{name}: newest first, no duplicates, last 5");
    let list =
        store.command(&["LLEN", &format!("{}history_{{5}}", redis.config.prefix)]).await.unwrap();
    assert_eq!(list, vec!["5"], "{name}: the list is capped");

    store.put("probe", "{\"a\":1}", Duration::from_secs(60)).await.unwrap();
    assert_eq!(store.get("probe").await.unwrap().as_deref(), Some("{\"a\":1}"));
    store.forget(&["probe".to_owned()]).await.unwrap();
    assert_eq!(store.get("probe").await.unwrap(), None, "{name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_history_and_cache_on_one_server() {
    if let Some(redis) = redis().await {
        codes_and_history(&redis, "redis").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_history_and_cache_on_a_cluster() {
    if let Some(cluster) = redis_cluster().await {
        codes_and_history(&cluster, "redis cluster").await;
    }
}
