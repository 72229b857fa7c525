//! A cache in a map, for tests that check what was cached and for how long.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use meiduo_domain::ports::{Cache, StoreError};

/// A cache in a map that keeps what it was given, with the lifetime asked for.
#[derive(Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<String, (String, Duration)>>,
}

impl MemoryCache {
    pub fn ttl_of(&self, name: &str) -> Option<Duration> {
        self.entries.lock().unwrap().get(name).map(|(_, ttl)| *ttl)
    }

    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.entries.lock().unwrap().keys().cloned().collect();
        names.sort();
        names
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.entries.lock().unwrap().get(name).map(|(value, _)| value.clone()))
    }

    async fn put(&self, name: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        self.entries.lock().unwrap().insert(name.to_owned(), (value.to_owned(), ttl));
        Ok(())
    }

    async fn forget(&self, names: &[String]) -> Result<(), StoreError> {
        let mut entries = self.entries.lock().unwrap();
        for name in names {
            entries.remove(name);
        }
        Ok(())
    }
}
