//! SMS codes' keys, browse history and the cache in Redis, on one server and on a cluster (the
//! codes' behaviour is in `codes.rs`).

use std::time::Duration;

use meiduo_domain::ports::{BrowseHistory, Cache, CodeKey, VerificationCodes};
use meiduo_domain::{Mobile, SkuId, UserId};
use meiduo_test_support::redis::{TestRedis, redis, redis_cluster};

async fn codes_and_history(redis: &TestRedis, name: &str) {
    let store = &redis.store;
    let key = CodeKey::Sms(Mobile::parse("13900000042").unwrap());
    let (ttl, interval) = (Duration::from_secs(300), Duration::from_secs(60));
    assert!(store.store_if_quiet(&key, "246810", ttl, interval).await.unwrap(), "{name}");
    let prefix = &redis.config.prefix;
    let ttl_left = store.command(&["PTTL", &format!("{prefix}sms_{{13900000042}}")]).await.unwrap();
    assert!(ttl_left[0].parse::<i64>().unwrap() > 290_000, "{name}: the code expires in 5 minutes");
    let flag =
        store.command(&["PTTL", &format!("{prefix}send_flag_{{13900000042}}")]).await.unwrap();
    assert!(flag[0].parse::<i64>().unwrap() > 50_000, "{name}: the send flag lasts 60 s");
    store.check(&key, "000000", 5).await.unwrap();
    let tries =
        store.command(&["GET", &format!("{prefix}sms_tries_{{13900000042}}")]).await.unwrap();
    assert_eq!(tries, vec!["1"], "{name}: wrong tries are counted beside the code");

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
