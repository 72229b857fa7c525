//! A memory of values read by key from a store, each trusted for a set time after the store
//! answered, those in use read again together.
//!
//! The values that requests used lately are read again together, [`REFRESH_CHUNK`] keys to a
//! question, every half of the memory's time, in a task begun by the first request that finds
//! the refresh due (which does not wait for it while its own value is fresh); a request whose
//! value is older than that (a refresh late or failed, a key not used lately)
//! reads it alone, and the other requests for that key wait for that one read. So a change made
//! elsewhere (another replica, an operator's SQL) is seen here within the memory's time (plus
//! the time a read waits for the store), as when each value was read again on its own, and the
//! store answers a few questions a period instead of one for each key in use.
//!
//! The time is counted from the answer, not from the question: counted from the question, a
//! store that answers slower than the memory's time would give only answers already too old,
//! and every request would read its value again, which slows the store further.
//!
//! Used for users' token stamps (each request checks one) and for the SKUs the cart checks.

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many keys one refreshing question asks about.
pub const REFRESH_CHUNK: usize = 500;
/// A key unused for this many times the memory's time is dropped, and no longer read again.
/// Keys used about once per memory's time (a large catalog's SKUs, spread over many carts) are
/// then nearly always found; a key refreshed after its last use costs a five-hundredth of a
/// question each time.
pub const IDLE_MEMORIES: u32 = 4;

/// Where the values are read.
pub trait Source<V>: Sync {
    type Error: Display;

    /// The value of `key`; `None` when there is none.
    fn one(&self, key: u64) -> impl Future<Output = Result<Option<V>, Self::Error>> + Send;

    /// The values of those of `keys` that have one.
    fn many(&self, keys: &[u64])
    -> impl Future<Output = Result<Vec<(u64, V)>, Self::Error>> + Send;
}

/// Values as read lately, by key.
pub struct RefreshedMemory<V> {
    shared: Arc<Shared<V>>,
}

/// What a memory's refreshes share with its requests.
struct Shared<V> {
    /// What the values are, for the log.
    what: &'static str,
    /// How long a read is trusted, in milliseconds.
    memory: u64,
    /// The origin of the milliseconds below.
    origin: Instant,
    /// By key. An entry unused for [`IDLE_MEMORIES`] times the memory's time is dropped, so
    /// that a refresh reads again only the keys used lately.
    entries: moka::sync::Cache<u64, Arc<Slot<V>>>,
    /// Whether a refresh is running.
    refreshing: AtomicBool,
    /// When the last refresh began.
    refreshed: AtomicU64,
}

impl<V> std::fmt::Debug for RefreshedMemory<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshedMemory")
            .field("what", &self.shared.what)
            .field("memory_ms", &self.shared.memory)
            .finish_non_exhaustive()
    }
}

/// One key's value (`None`: there is none) and when the store answered (`None`: not read yet).
#[derive(Debug)]
struct Read<V> {
    value: Option<V>,
    at: Option<u64>,
}

/// One key's entry.
#[derive(Debug)]
struct Slot<V> {
    read: Mutex<Read<V>>,
    /// Held while a request reads this key alone, or a refresh reads it with others, so that
    /// the key's other requests wait for that answer instead of asking the store the same
    /// question.
    reading: Arc<tokio::sync::Mutex<()>>,
}

impl<V> Default for Slot<V> {
    fn default() -> Self {
        Slot { read: Mutex::new(Read { value: None, at: None }), reading: Default::default() }
    }
}

impl<V: Clone> Slot<V> {
    /// The value, if the store answered within `memory` of `now`.
    fn fresh(&self, now: u64, memory: u64) -> Option<Option<V>> {
        let read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        read.at.is_some_and(|at| now < at.saturating_add(memory)).then(|| read.value.clone())
    }

    /// Takes a read answered at `at`, unless the one held was answered later.
    fn refresh(&self, value: Option<V>, at: u64) {
        let mut read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        if read.at.is_none_or(|held| held < at) {
            *read = Read { value, at: Some(at) };
        }
    }
}

/// Gives the refresh back when it ends (or when its task is dropped).
struct Claim<V>(Arc<Shared<V>>);

impl<V> Drop for Claim<V> {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

impl<V> Shared<V> {
    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

impl<V: Clone + Send + Sync + 'static> RefreshedMemory<V> {
    /// A memory of at most `capacity` keys' `what` that trusts each read for `memory` (at
    /// least a millisecond).
    pub fn new(what: &'static str, memory: Duration, capacity: u64) -> Self {
        let memory = u64::try_from(memory.as_millis()).unwrap_or(u64::MAX).max(1);
        let shared = Shared {
            what,
            memory,
            origin: Instant::now(),
            entries: moka::sync::Cache::builder()
                .max_capacity(capacity)
                .time_to_idle(Duration::from_millis(
                    memory.saturating_mul(u64::from(IDLE_MEMORIES)),
                ))
                .build(),
            refreshing: AtomicBool::new(false),
            refreshed: AtomicU64::new(0),
        };
        RefreshedMemory { shared: Arc::new(shared) }
    }

    /// The value of `key` (`None`: there is none), from memory when its read is recent enough,
    /// else from `source`.
    ///
    /// The request that finds a refresh due begins it in a task of its own and does not wait
    /// for it, unless its own value is too old (as every request whose value is too old waits
    /// for the refresh under way).
    ///
    /// # Errors
    /// When `source` cannot be read for this key (a failed refresh is not this request's
    /// error: the values it left old are read alone).
    pub async fn current<S>(&self, source: &S, key: u64) -> Result<Option<V>, S::Error>
    where
        S: Source<V> + Clone + Send + 'static,
    {
        if let Some(claim) = self.claim_refresh() {
            let refresh = Self::refresh(claim, source.clone());
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => drop(runtime.spawn(refresh)),
                Err(_) => refresh.await,
            }
        }
        let shared = &self.shared;
        let slot = shared.entries.get_with(key, Arc::default);
        if let Some(value) = slot.fresh(shared.now(), shared.memory) {
            return Ok(value);
        }
        let _reading = slot.reading.lock().await;
        // Read by the request or the refresh this one waited for?
        if let Some(value) = slot.fresh(shared.now(), shared.memory) {
            return Ok(value);
        }
        let value = source.one(key).await?;
        slot.refresh(value.clone(), shared.now());
        Ok(value)
    }

    /// Forgets the value of `key` (after it changed in this process). A read of it under way
    /// answers only the request that made it.
    pub fn forget(&self, key: u64) {
        self.shared.entries.invalidate(&key);
    }

    /// The right to refresh, when half the memory's time has passed since the last refresh
    /// began and no other request is refreshing.
    fn claim_refresh(&self) -> Option<Claim<V>> {
        let shared = &self.shared;
        let due = shared.refreshed.load(Ordering::Acquire).saturating_add(shared.memory / 2);
        if shared.now() < due {
            return None;
        }
        shared
            .refreshing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Claim(Arc::clone(shared)))
    }

    /// Reads again the values of every remembered key, [`REFRESH_CHUNK`] to a question, the
    /// questions at once. Each key's entry is held from the moment the refresh is claimed
    /// (but those a request is reading alone), so that a request whose value grew old waits
    /// for this answer instead of asking the store on its own, whether or not the refresh's
    /// task has started.
    fn refresh<S: Source<V> + Send + 'static>(
        claim: Claim<V>,
        source: S,
    ) -> impl Future<Output = ()> + Send + 'static {
        let shared = Arc::clone(&claim.0);
        // A refresh that fails is not retried before the next is due: meanwhile each value
        // that grew old is read alone.
        shared.refreshed.store(shared.now(), Ordering::Release);
        let held: Vec<(u64, Arc<Slot<V>>, tokio::sync::OwnedMutexGuard<()>)> = shared
            .entries
            .iter()
            .filter_map(|(key, slot)| {
                let held = Arc::clone(&slot.reading).try_lock_owned().ok()?;
                Some((*key, slot, held))
            })
            .collect();
        async move {
            let reads = held.chunks(REFRESH_CHUNK).map(|chunk| {
                let (shared, source) = (&shared, &source);
                async move {
                    let keys: Vec<u64> = chunk.iter().map(|(key, ..)| *key).collect();
                    let mut found: HashMap<u64, V> = match source.many(&keys).await {
                        Ok(found) => found.into_iter().collect(),
                        Err(error) => {
                            tracing::warn!(
                                what = shared.what,
                                %error,
                                "could not be read again together"
                            );
                            return;
                        }
                    };
                    let at = shared.now();
                    for (key, slot, _) in chunk {
                        slot.refresh(found.remove(key), at);
                    }
                }
            });
            futures_util::future::join_all(reads).await;
            drop(claim);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// Values in a map, counting the reads.
    #[derive(Default)]
    struct Source {
        values: Mutex<HashMap<u64, String>>,
        ones: AtomicUsize,
        manys: AtomicUsize,
        down: AtomicBool,
        /// How long a read takes.
        slow: Duration,
    }

    #[derive(Debug, PartialEq)]
    struct Down;

    impl Display for Down {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("down")
        }
    }

    impl Source {
        fn with(keys: impl IntoIterator<Item = u64>) -> Self {
            let source = Source::default();
            for key in keys {
                source.set(key, Some("first"));
            }
            source
        }

        fn set(&self, key: u64, value: Option<&str>) {
            let mut values = self.values.lock().unwrap();
            match value {
                Some(value) => values.insert(key, value.to_owned()),
                None => values.remove(&key),
            };
        }

        fn answer<T>(&self, then: impl FnOnce(&HashMap<u64, String>) -> T) -> Result<T, Down> {
            if self.down.load(Ordering::Relaxed) {
                return Err(Down);
            }
            Ok(then(&self.values.lock().unwrap()))
        }
    }

    impl super::Source<Arc<str>> for Arc<Source> {
        type Error = Down;

        async fn one(&self, key: u64) -> Result<Option<Arc<str>>, Down> {
            self.ones.fetch_add(1, Ordering::Relaxed);
            if !self.slow.is_zero() {
                tokio::time::sleep(self.slow).await;
            }
            self.answer(|values| values.get(&key).map(|value| Arc::from(value.as_str())))
        }

        async fn many(&self, keys: &[u64]) -> Result<Vec<(u64, Arc<str>)>, Down> {
            self.manys.fetch_add(1, Ordering::Relaxed);
            if !self.slow.is_zero() {
                tokio::time::sleep(self.slow).await;
            }
            self.answer(|values| {
                keys.iter()
                    .filter_map(|key| {
                        values.get(key).map(|value| (*key, Arc::from(value.as_str())))
                    })
                    .collect()
            })
        }
    }

    type Memory = RefreshedMemory<Arc<str>>;

    fn memory(time: Duration) -> Memory {
        RefreshedMemory::new("test values", time, 100_000)
    }

    async fn value_of(memory: &Memory, source: &Arc<Source>, key: u64) -> Option<String> {
        memory.current(source, key).await.unwrap().map(|value| value.to_string())
    }

    const MEMORY: Duration = Duration::from_millis(200);

    #[tokio::test]
    async fn keys_used_steadily_are_read_together_not_one_by_one() {
        let keys = 1..=1_200;
        let source = Arc::new(Source::with(keys.clone()));
        let memory = memory(MEMORY);
        let started = Instant::now();
        let mut rounds = 0;
        while started.elapsed() < MEMORY * 5 {
            for key in keys.clone() {
                assert_eq!(value_of(&memory, &source, key).await.as_deref(), Some("first"));
            }
            rounds += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(rounds >= 5, "{rounds} rounds");
        // Each key read alone once, the first time; after that, refreshes of three questions
        // (1,200 keys, 500 to a question) about every half of the memory's time.
        assert_eq!(source.ones.load(Ordering::Relaxed), 1_200);
        let manys = source.manys.load(Ordering::Relaxed);
        assert!((6..=45).contains(&manys), "{manys} questions for {rounds} rounds of 1,200 keys");
    }

    /// A key used less often than the memory's time, but within [`IDLE_MEMORIES`] of it, is
    /// read again with the others, not alone.
    #[tokio::test]
    async fn a_key_used_now_and_then_is_kept_and_read_again_together() {
        let source = Arc::new(Source::with([1]));
        let memory = memory(Duration::from_millis(100));
        for _ in 0..4 {
            assert_eq!(value_of(&memory, &source, 1).await.as_deref(), Some("first"));
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        assert_eq!(source.ones.load(Ordering::Relaxed), 1, "read alone only the first time");
        assert_eq!(source.manys.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn a_change_made_elsewhere_is_seen_within_the_memorys_time() {
        for (key, change) in [(1, Some("second")), (2, None)] {
            let source = Arc::new(Source::with([1, 2, 3]));
            let memory = memory(MEMORY);
            assert_eq!(value_of(&memory, &source, key).await.as_deref(), Some("first"));
            source.set(key, change);
            let changed = Instant::now();
            // Used all along (refreshed together), or left alone until the memory ran out
            // (read alone): either way an old answer comes only to a call that began within
            // the memory's time of the change.
            loop {
                let asked = changed.elapsed();
                let seen = value_of(&memory, &source, key).await;
                if seen.as_deref() == change {
                    break;
                }
                assert_eq!(seen.as_deref(), Some("first"));
                assert!(asked < MEMORY, "still the old value when asked {asked:?} after");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        let source = Arc::new(Source::with([4]));
        let memory = memory(MEMORY);
        assert_eq!(value_of(&memory, &source, 4).await.as_deref(), Some("first"));
        source.set(4, Some("second"));
        tokio::time::sleep(MEMORY + Duration::from_millis(10)).await;
        assert_eq!(value_of(&memory, &source, 4).await.as_deref(), Some("second"));
    }

    #[tokio::test]
    async fn a_keys_concurrent_requests_wait_for_one_read() {
        let source = Arc::new(Source { slow: Duration::from_millis(50), ..Source::with([1, 2]) });
        let memory = memory(MEMORY);
        let asks = (0..50).map(|i| value_of(&memory, &source, 1 + i % 2));
        let seen = futures_util::future::join_all(asks).await;
        assert!(seen.iter().all(|value| value.as_deref() == Some("first")), "{seen:?}");
        assert_eq!(source.ones.load(Ordering::Relaxed), 2, "one read for each key");
    }

    #[tokio::test]
    async fn requests_whose_values_grew_old_wait_for_the_refresh_under_way() {
        let source = Arc::new(Source { slow: Duration::from_millis(50), ..Source::with(1..=100) });
        let memory = memory(MEMORY);
        futures_util::future::join_all((1..=100).map(|key| value_of(&memory, &source, key))).await;
        assert_eq!(source.ones.load(Ordering::Relaxed), 100);
        tokio::time::sleep(MEMORY + Duration::from_millis(50)).await;
        source.set(7, Some("second"));
        let seen =
            futures_util::future::join_all((1..=100).map(|key| value_of(&memory, &source, key)))
                .await;
        assert_eq!(seen[6].as_deref(), Some("second"));
        assert!(
            seen.iter().enumerate().all(|(i, value)| i == 6 || value.as_deref() == Some("first"))
        );
        // The first request began a refresh of all hundred; the others waited for it.
        assert_eq!(source.ones.load(Ordering::Relaxed), 100);
        assert_eq!(source.manys.load(Ordering::Relaxed), 1);
    }

    /// The refresh is read in a task of its own: the request that finds it due, its own value
    /// still fresh, answers at once.
    #[tokio::test]
    async fn the_request_that_begins_a_refresh_does_not_wait_for_it() {
        let source = Arc::new(Source { slow: Duration::from_millis(100), ..Source::with([1, 2]) });
        let memory = memory(Duration::from_millis(400));
        let first =
            futures_util::future::join_all([1, 2].map(|key| value_of(&memory, &source, key)));
        assert!(first.await.iter().all(|value| value.as_deref() == Some("first")));
        // Past half the memory's time since it began, within its time since the reads.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let asked = Instant::now();
        assert_eq!(value_of(&memory, &source, 1).await.as_deref(), Some("first"));
        let answered = asked.elapsed();
        assert!(answered < Duration::from_millis(50), "answered after {answered:?}");
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(source.manys.load(Ordering::Relaxed), 1, "the refresh ran");
        assert_eq!(source.ones.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn a_forgotten_key_is_read_again_at_once() {
        let source = Arc::new(Source::with([1]));
        let memory = memory(Duration::from_secs(60));
        assert_eq!(value_of(&memory, &source, 1).await.as_deref(), Some("first"));
        source.set(1, Some("second"));
        assert_eq!(value_of(&memory, &source, 1).await.as_deref(), Some("first"));
        memory.forget(1);
        assert_eq!(value_of(&memory, &source, 1).await.as_deref(), Some("second"));
        assert_eq!(source.ones.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn when_refreshes_fail_old_values_are_not_trusted_and_the_store_error_shows() {
        let source = Arc::new(Source::with([1]));
        let memory = memory(MEMORY);
        assert_eq!(value_of(&memory, &source, 1).await.as_deref(), Some("first"));
        source.down.store(true, Ordering::Relaxed);
        tokio::time::sleep(MEMORY / 2 + Duration::from_millis(10)).await;
        // The refresh fails; the value read before it is still within the memory's time.
        assert_eq!(value_of(&memory, &source, 1).await.as_deref(), Some("first"));
        // The refresh runs in a task of its own.
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(source.manys.load(Ordering::Relaxed), 1);
        tokio::time::sleep(MEMORY / 2 + Duration::from_millis(10)).await;
        assert_eq!(memory.current(&source, 1).await.unwrap_err(), Down);
        source.down.store(false, Ordering::Relaxed);
        source.set(1, Some("second"));
        assert_eq!(value_of(&memory, &source, 1).await.as_deref(), Some("second"));
    }
}
