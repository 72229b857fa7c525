//! A Redis store of its own for each test: a random key prefix, removed when dropped. Without
//! `MEIDUO_TEST_REDIS_URL` the Redis half of a test says loudly that it skipped; under `CI=true`
//! a missing or unreachable Redis fails it.
use std::io::Write;

use meiduo_cart_redis::{RedisConfig, RedisStore};

/// A prefixed Redis store, emptied when dropped.
#[derive(Debug)]
pub struct TestRedis {
    pub store: RedisStore,
    pub config: RedisConfig,
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let store = self.store.clone();
        let cleaned = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(store.remove_prefixed()).ok()
        })
        .join();
        if !matches!(cleaned, Ok(Some(_))) {
            let _ = writeln!(
                std::io::stderr(),
                "could not remove the test keys {}*",
                self.config.prefix
            );
        }
    }
}

/// The configured test Redis (`MEIDUO_TEST_REDIS_URL`) under a fresh prefix, or `None` (said
/// loudly) when the variable is not set.
pub async fn redis() -> Option<TestRedis> {
    let url = crate::service_url("MEIDUO_TEST_REDIS_URL", "Redis")?;
    let mut config = RedisConfig::new(url.clone());
    config.prefix = format!("meiduo_t_{:016x}:", fastrand::u64(..));
    config.timeout = std::time::Duration::from_secs(2);
    let store = RedisStore::new(&config).expect("a Redis pool");
    store
        .ping()
        .await
        .unwrap_or_else(|e| panic!("MEIDUO_TEST_REDIS_URL={url} does not answer: {e:?}"));
    Some(TestRedis { store, config })
}

/// The configured test Redis Cluster (`MEIDUO_TEST_REDIS_CLUSTER_URL`: node URLs separated by
/// commas) under a fresh prefix, or `None` (said loudly) when the variable is not set.
pub async fn redis_cluster() -> Option<TestRedis> {
    let urls = crate::service_url("MEIDUO_TEST_REDIS_CLUSTER_URL", "Redis Cluster")?;
    let mut config = RedisConfig::new(urls.clone());
    config.cluster = true;
    config.prefix = format!("meiduo_t_{:016x}:", fastrand::u64(..));
    config.timeout = std::time::Duration::from_secs(2);
    let store = RedisStore::new(&config).expect("a Redis Cluster pool");
    store
        .ping()
        .await
        .unwrap_or_else(|e| panic!("MEIDUO_TEST_REDIS_CLUSTER_URL={urls} does not answer: {e:?}"));
    Some(TestRedis { store, config })
}
