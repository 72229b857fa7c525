//! Caches in this process's memory: [`LocalCache`] on its own, and [`TieredCache`], a local
//! cache in front of one the replicas share (Redis), so that most reads of a hot document cost
//! no round trip.
//!
//! Every entry lives at most the local cache's `max_ttl`, whatever the caller asked: another
//! replica's change, or one made behind the application's back, shows here within that time.
//! What this process forgets (an order forgetting a hot list) is gone from both tiers at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use meiduo_domain::ports::{Cache, StoreError};
use moka::Expiry;

#[derive(Debug, Clone)]
struct Entry {
    value: Arc<str>,
    ttl: Duration,
}

/// Each entry expires after its own lifetime.
struct OwnLifetime;

impl Expiry<String, Entry> for OwnLifetime {
    fn expire_after_create(&self, _: &String, entry: &Entry, _: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _: &String,
        entry: &Entry,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// A bounded cache in memory (the least used entries go first when it is full).
#[derive(Clone)]
pub struct LocalCache {
    entries: moka::sync::Cache<String, Entry>,
    max_ttl: Duration,
}

impl std::fmt::Debug for LocalCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCache")
            .field("max_ttl", &self.max_ttl)
            .field("entries", &self.entries.entry_count())
            .finish()
    }
}

impl LocalCache {
    /// At most `capacity` entries, each kept at most `max_ttl`.
    pub fn new(capacity: u64, max_ttl: Duration) -> Self {
        LocalCache {
            entries: moka::sync::Cache::builder()
                .max_capacity(capacity)
                .expire_after(OwnLifetime)
                .build(),
            max_ttl,
        }
    }

    /// How long an entry is kept at most.
    pub fn max_ttl(&self) -> Duration {
        self.max_ttl
    }

    fn insert(&self, name: &str, value: &str, ttl: Duration) {
        let ttl = ttl.min(self.max_ttl);
        if !ttl.is_zero() {
            self.entries.insert(name.to_owned(), Entry { value: Arc::from(value), ttl });
        }
    }
}

#[async_trait]
impl Cache for LocalCache {
    async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.entries.get(name).map(|entry| entry.value.to_string()))
    }

    async fn put(&self, name: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        self.insert(name, value, ttl);
        Ok(())
    }

    async fn forget(&self, names: &[String]) -> Result<(), StoreError> {
        for name in names {
            self.entries.invalidate(name);
        }
        Ok(())
    }
}

/// A [`LocalCache`] in front of a shared cache. A read found in neither loads as usual and is
/// put in both; a read found only in the shared one is kept locally too.
pub struct TieredCache {
    local: LocalCache,
    shared: Arc<dyn Cache>,
}

impl std::fmt::Debug for TieredCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TieredCache").field("local", &self.local).finish_non_exhaustive()
    }
}

impl TieredCache {
    pub fn new(local: LocalCache, shared: Arc<dyn Cache>) -> Self {
        TieredCache { local, shared }
    }
}

#[async_trait]
impl Cache for TieredCache {
    async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
        if let Some(value) = self.local.get(name).await? {
            return Ok(Some(value));
        }
        let found = self.shared.get(name).await?;
        if let Some(value) = &found {
            self.local.insert(name, value, self.local.max_ttl);
        }
        Ok(found)
    }

    async fn put(&self, name: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        self.local.insert(name, value, ttl);
        self.shared.put(name, value, ttl).await
    }

    async fn forget(&self, names: &[String]) -> Result<(), StoreError> {
        self.local.forget(names).await?;
        self.shared.forget(names).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A shared cache that counts its reads.
    #[derive(Default)]
    struct Shared {
        entries: Mutex<Vec<(String, String)>>,
        reads: Mutex<u32>,
    }

    #[async_trait]
    impl Cache for Shared {
        async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
            *self.reads.lock().unwrap() += 1;
            let entries = self.entries.lock().unwrap();
            Ok(entries.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
        }

        async fn put(&self, name: &str, value: &str, _: Duration) -> Result<(), StoreError> {
            self.entries.lock().unwrap().push((name.to_owned(), value.to_owned()));
            Ok(())
        }

        async fn forget(&self, names: &[String]) -> Result<(), StoreError> {
            self.entries.lock().unwrap().retain(|(n, _)| !names.contains(n));
            Ok(())
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| (*n).to_owned()).collect()
    }

    #[tokio::test]
    async fn an_entry_lives_its_own_lifetime_but_never_beyond_the_cap() {
        let cache = LocalCache::new(100, Duration::from_millis(200));
        cache.put("short", "1", Duration::from_millis(30)).await.unwrap();
        cache.put("long", "2", Duration::from_secs(60)).await.unwrap();
        cache.put("never", "3", Duration::ZERO).await.unwrap();
        assert_eq!(cache.get("short").await.unwrap().as_deref(), Some("1"));
        assert_eq!(cache.get("never").await.unwrap(), None);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(cache.get("short").await.unwrap(), None, "its own lifetime is over");
        assert_eq!(cache.get("long").await.unwrap().as_deref(), Some("2"));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(cache.get("long").await.unwrap(), None, "capped at the local lifetime");
    }

    #[tokio::test]
    async fn forgetting_removes_only_the_names_given() {
        let cache = LocalCache::new(100, Duration::from_secs(60));
        cache.put("a", "1", Duration::from_secs(60)).await.unwrap();
        cache.put("b", "2", Duration::from_secs(60)).await.unwrap();
        cache.forget(&names(&["a", "unknown"])).await.unwrap();
        assert_eq!(cache.get("a").await.unwrap(), None);
        assert_eq!(cache.get("b").await.unwrap().as_deref(), Some("2"));
    }

    #[tokio::test]
    async fn the_tiers_answer_locally_first_and_forget_together() {
        let shared = Arc::new(Shared::default());
        shared.put("menu", "from redis", Duration::from_secs(60)).await.unwrap();
        let tiered =
            TieredCache::new(LocalCache::new(100, Duration::from_secs(60)), shared.clone());
        assert_eq!(tiered.get("menu").await.unwrap().as_deref(), Some("from redis"));
        assert_eq!(tiered.get("menu").await.unwrap().as_deref(), Some("from redis"));
        assert_eq!(*shared.reads.lock().unwrap(), 1, "the second read stayed in the process");

        tiered.put("hot", "[1,2]", Duration::from_secs(60)).await.unwrap();
        assert_eq!(shared.get("hot").await.unwrap().as_deref(), Some("[1,2]"), "written through");
        tiered.forget(&names(&["hot", "menu"])).await.unwrap();
        assert_eq!(tiered.get("hot").await.unwrap(), None, "gone from both tiers");
        assert_eq!(shared.get("menu").await.unwrap(), None);
    }
}
