//! Read-through caching through the [`Cache`] port, shared by the use cases that cache reads.

use std::time::Duration;

use meiduo_domain::ports::{Cache, StoreError};

/// The cached document `name`, or `load`ed and cached for `ttl`. Without a cache it just loads.
/// A cache that fails, or holds an entry that no longer reads, is logged and bypassed: it only
/// saves work.
pub(crate) async fn cached<T, F>(
    cache: Option<&dyn Cache>,
    name: &str,
    ttl: Duration,
    load: F,
) -> Result<T, StoreError>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
    F: Future<Output = Result<T, StoreError>>,
{
    let Some(cache) = cache else {
        return load.await;
    };
    match cache.get(name).await {
        Ok(Some(json)) => match serde_json::from_str(&json) {
            Ok(value) => return Ok(value),
            Err(error) => tracing::warn!(name, %error, "unreadable cache entry; reloading"),
        },
        Ok(None) => {}
        Err(error) => tracing::warn!(name, %error, "cache unavailable; reading the database"),
    }
    let value = load.await?;
    match serde_json::to_string(&value) {
        Ok(json) => {
            if let Err(error) = cache.put(name, &json, ttl).await {
                tracing::warn!(name, %error, "could not cache");
            }
        }
        Err(error) => tracing::warn!(name, %error, "could not encode for the cache"),
    }
    Ok(value)
}
