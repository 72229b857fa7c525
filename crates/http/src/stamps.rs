//! What this process remembers of users' token stamps (see [`crate::auth`]).
//!
//! A stamp read from the store is trusted for the memory's time after the store answered. The
//! stamps that requests used lately are read again together, [`REFRESH_CHUNK`] users to a
//! statement, every half of that time, by the first request that finds the refresh due; a
//! request whose user's stamp is older than that (a refresh late or failed, a user not seen
//! lately) reads it alone. So a change made elsewhere (another replica's password change, an
//! operator's SQL) takes effect here within the memory's time (plus the time a read waits for
//! the store), as when each stamp was read again on its own, and the store answers a few
//! statements a period instead of one for each user active in it.
//!
//! The time is counted from the answer, not from the question: counted from the question, a
//! store that answers slower than the memory's time would give only answers already too old,
//! and every request would read its stamp again, which slows the store further.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use meiduo_application::accounts::{AccountError, Accounts};
use meiduo_domain::UserId;

/// How many users one refreshing statement asks about.
const REFRESH_CHUNK: usize = 500;
/// The most users whose stamps a process remembers.
const REMEMBERED: u64 = 100_000;

/// Where stamps are read: the accounts use case, or a test's stand-in.
pub(crate) trait StampSource: Sync {
    /// The user's stamp; `None` when there is no such active user.
    fn one(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<Option<String>, AccountError>> + Send;

    /// The stamps of those of `users` that are active users.
    fn many(
        &self,
        users: &[UserId],
    ) -> impl Future<Output = Result<Vec<(UserId, String)>, AccountError>> + Send;
}

impl StampSource for Accounts {
    fn one(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<Option<String>, AccountError>> + Send {
        self.token_stamp(user)
    }

    fn many(
        &self,
        users: &[UserId],
    ) -> impl Future<Output = Result<Vec<(UserId, String)>, AccountError>> + Send {
        self.token_stamps(users)
    }
}

/// Users' stamps as read lately.
pub(crate) struct Stamps {
    /// How long a read is trusted, in milliseconds.
    memory: u64,
    /// The origin of the milliseconds below.
    origin: Instant,
    /// By user id. An entry unused for twice the memory's time is dropped, so that a refresh
    /// reads again only the users seen lately.
    entries: moka::sync::Cache<u64, Arc<Slot>>,
    /// Whether a refresh is running.
    refreshing: AtomicBool,
    /// When the last refresh began.
    refreshed: AtomicU64,
}

/// One user's stamp (`None`: no such active user) and when the store answered (`None`: not
/// read yet).
#[derive(Debug, Clone, Default)]
struct Read {
    stamp: Option<Arc<str>>,
    at: Option<u64>,
}

/// One user's entry.
#[derive(Debug, Default)]
struct Slot {
    read: Mutex<Read>,
    /// Held while a request reads this user's stamp alone, so that the user's other requests
    /// wait for its answer instead of asking the store the same question.
    reading: tokio::sync::Mutex<()>,
}

impl Slot {
    /// The stamp, if the store answered within `memory` of `now`.
    fn fresh(&self, now: u64, memory: u64) -> Option<Option<Arc<str>>> {
        let read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        read.at.is_some_and(|at| now < at.saturating_add(memory)).then(|| read.stamp.clone())
    }

    /// Takes a read answered at `at`, unless the one held was answered later.
    fn refresh(&self, stamp: Option<Arc<str>>, at: u64) {
        let mut read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        if read.at.is_none_or(|held| held < at) {
            *read = Read { stamp, at: Some(at) };
        }
    }
}

/// Gives the refresh back when it ends, or when the request that runs it is dropped.
struct Claim<'a>(&'a AtomicBool);

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Stamps {
    /// A memory that trusts each read for `memory` (at least a millisecond).
    pub(crate) fn new(memory: Duration) -> Self {
        let memory = u64::try_from(memory.as_millis()).unwrap_or(u64::MAX).max(1);
        Stamps {
            memory,
            origin: Instant::now(),
            entries: moka::sync::Cache::builder()
                .max_capacity(REMEMBERED)
                .time_to_idle(Duration::from_millis(memory.saturating_mul(2)))
                .build(),
            refreshing: AtomicBool::new(false),
            refreshed: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The user's current stamp (`None`: no such active user), from memory when its read is
    /// recent enough, else from `source`.
    ///
    /// # Errors
    /// When `source` cannot be read for this user's stamp (a failed refresh is not this
    /// request's error: the stamps it left old are read alone).
    pub(crate) async fn current(
        &self,
        source: &impl StampSource,
        user: UserId,
    ) -> Result<Option<Arc<str>>, AccountError> {
        if let Some(claim) = self.claim_refresh() {
            self.refresh(source).await;
            drop(claim);
        }
        let slot = self.entries.get_with(user.0, Arc::default);
        if let Some(stamp) = slot.fresh(self.now(), self.memory) {
            return Ok(stamp);
        }
        let _reading = slot.reading.lock().await;
        // Read by the request this one waited for?
        if let Some(stamp) = slot.fresh(self.now(), self.memory) {
            return Ok(stamp);
        }
        let stamp = source.one(user).await?.map(Arc::from);
        slot.refresh(stamp.clone(), self.now());
        Ok(stamp)
    }

    /// Forgets the user's stamp (after it changed in this process). A read of it under way
    /// answers only the request that made it.
    pub(crate) fn forget(&self, user: UserId) {
        self.entries.invalidate(&user.0);
    }

    /// The right to refresh, when half the memory's time has passed since the last refresh
    /// began and no other request is refreshing.
    fn claim_refresh(&self) -> Option<Claim<'_>> {
        let due = self.refreshed.load(Ordering::Acquire).saturating_add(self.memory / 2);
        if self.now() < due {
            return None;
        }
        self.refreshing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Claim(&self.refreshing))
    }

    /// Reads again the stamps of every remembered user, [`REFRESH_CHUNK`] to a statement, the
    /// statements at once. Each user's entry is held meanwhile (but those a request is reading
    /// alone), so that a request whose stamp grew old waits for this answer instead of asking
    /// the store on its own.
    async fn refresh(&self, source: &impl StampSource) {
        let began = self.now();
        // A refresh that fails is not retried before the next is due: meanwhile each stamp
        // that grew old is read alone.
        self.refreshed.store(began, Ordering::Release);
        let slots: Vec<(u64, Arc<Slot>)> =
            self.entries.iter().map(|(user, slot)| (*user, slot)).collect();
        let held: Vec<(u64, &Slot, tokio::sync::MutexGuard<'_, ()>)> = slots
            .iter()
            .filter_map(|(user, slot)| Some((*user, &**slot, slot.reading.try_lock().ok()?)))
            .collect();
        let reads = held.chunks(REFRESH_CHUNK).map(|chunk| async move {
            let users: Vec<UserId> = chunk.iter().map(|(user, ..)| UserId(*user)).collect();
            let mut found: HashMap<u64, String> = match source.many(&users).await {
                Ok(found) => found.into_iter().map(|(user, stamp)| (user.0, stamp)).collect(),
                Err(error) => {
                    tracing::warn!(%error, "token stamps could not be read again together");
                    return;
                }
            };
            let at = self.now();
            for (user, slot, _) in chunk {
                slot.refresh(found.remove(user).map(Arc::from), at);
            }
        });
        futures_util::future::join_all(reads).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use meiduo_application::errors::ServiceFailure;
    use meiduo_domain::ports::StoreError;

    use super::*;

    /// Users' stamps in a map, counting the reads.
    #[derive(Default)]
    struct Source {
        stamps: Mutex<HashMap<u64, String>>,
        ones: AtomicUsize,
        manys: AtomicUsize,
        down: AtomicBool,
        /// How long a read takes.
        slow: Duration,
    }

    impl Source {
        fn with(users: impl IntoIterator<Item = u64>) -> Self {
            let source = Source::default();
            for user in users {
                source.set(user, Some("first"));
            }
            source
        }

        fn set(&self, user: u64, stamp: Option<&str>) {
            let mut stamps = self.stamps.lock().unwrap();
            match stamp {
                Some(stamp) => stamps.insert(user, stamp.to_owned()),
                None => stamps.remove(&user),
            };
        }

        fn answer<T>(
            &self,
            then: impl FnOnce(&HashMap<u64, String>) -> T,
        ) -> Result<T, AccountError> {
            if self.down.load(Ordering::Relaxed) {
                return Err(StoreError::Unavailable("down".into()).into());
            }
            Ok(then(&self.stamps.lock().unwrap()))
        }
    }

    impl StampSource for Source {
        async fn one(&self, user: UserId) -> Result<Option<String>, AccountError> {
            self.ones.fetch_add(1, Ordering::Relaxed);
            if !self.slow.is_zero() {
                actix_web::rt::time::sleep(self.slow).await;
            }
            self.answer(|stamps| stamps.get(&user.0).cloned())
        }

        async fn many(&self, users: &[UserId]) -> Result<Vec<(UserId, String)>, AccountError> {
            self.manys.fetch_add(1, Ordering::Relaxed);
            if !self.slow.is_zero() {
                actix_web::rt::time::sleep(self.slow).await;
            }
            self.answer(|stamps| {
                users
                    .iter()
                    .filter_map(|user| stamps.get(&user.0).map(|stamp| (*user, stamp.clone())))
                    .collect()
            })
        }
    }

    async fn stamp_of(stamps: &Stamps, source: &Source, user: u64) -> Option<String> {
        stamps.current(source, UserId(user)).await.unwrap().map(|stamp| stamp.to_string())
    }

    const MEMORY: Duration = Duration::from_millis(200);

    #[actix_web::test]
    async fn users_used_steadily_are_read_together_not_one_by_one() {
        let users = 1..=1_200;
        let source = Source::with(users.clone());
        let stamps = Stamps::new(MEMORY);
        let started = Instant::now();
        let mut rounds = 0;
        while started.elapsed() < MEMORY * 5 {
            for user in users.clone() {
                assert_eq!(stamp_of(&stamps, &source, user).await.as_deref(), Some("first"));
            }
            rounds += 1;
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(rounds >= 5, "{rounds} rounds");
        // Each user read alone once, the first time; after that, refreshes of three statements
        // (1,200 users, 500 to a statement) about every half of the memory's time.
        assert_eq!(source.ones.load(Ordering::Relaxed), 1_200);
        let manys = source.manys.load(Ordering::Relaxed);
        assert!((6..=45).contains(&manys), "{manys} statements for {rounds} rounds of 1,200 users");
    }

    #[actix_web::test]
    async fn a_change_made_elsewhere_is_seen_within_the_memorys_time() {
        for (user, change) in [(1, Some("second")), (2, None)] {
            let source = Source::with([1, 2, 3]);
            let stamps = Stamps::new(MEMORY);
            assert_eq!(stamp_of(&stamps, &source, user).await.as_deref(), Some("first"));
            source.set(user, change);
            let changed = Instant::now();
            // Used all along (refreshed together), or left alone until the memory ran out
            // (read alone): either way an old answer comes only to a call that began within
            // the memory's time of the change.
            loop {
                let asked = changed.elapsed();
                let seen = stamp_of(&stamps, &source, user).await;
                if seen.as_deref() == change {
                    break;
                }
                assert_eq!(seen.as_deref(), Some("first"));
                assert!(asked < MEMORY, "still the old stamp when asked {asked:?} after");
                actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            }
        }
        let source = Source::with([4]);
        let stamps = Stamps::new(MEMORY);
        assert_eq!(stamp_of(&stamps, &source, 4).await.as_deref(), Some("first"));
        source.set(4, Some("second"));
        actix_web::rt::time::sleep(MEMORY + Duration::from_millis(10)).await;
        assert_eq!(stamp_of(&stamps, &source, 4).await.as_deref(), Some("second"));
    }

    #[actix_web::test]
    async fn a_users_concurrent_requests_wait_for_one_read_of_the_stamp() {
        let source = Source { slow: Duration::from_millis(50), ..Source::with([1, 2]) };
        let stamps = Stamps::new(MEMORY);
        let asks = (0..50).map(|i| stamp_of(&stamps, &source, 1 + i % 2));
        let seen = futures_util::future::join_all(asks).await;
        assert!(seen.iter().all(|stamp| stamp.as_deref() == Some("first")), "{seen:?}");
        assert_eq!(source.ones.load(Ordering::Relaxed), 2, "one read for each user");
    }

    #[actix_web::test]
    async fn requests_whose_stamps_grew_old_wait_for_the_refresh_under_way() {
        let source = Source { slow: Duration::from_millis(50), ..Source::with(1..=100) };
        let stamps = Stamps::new(MEMORY);
        futures_util::future::join_all((1..=100).map(|user| stamp_of(&stamps, &source, user)))
            .await;
        assert_eq!(source.ones.load(Ordering::Relaxed), 100);
        actix_web::rt::time::sleep(MEMORY + Duration::from_millis(50)).await;
        source.set(7, Some("second"));
        let seen =
            futures_util::future::join_all((1..=100).map(|user| stamp_of(&stamps, &source, user)))
                .await;
        assert_eq!(seen[6].as_deref(), Some("second"));
        assert!(
            seen.iter().enumerate().all(|(i, stamp)| i == 6 || stamp.as_deref() == Some("first"))
        );
        // The first request began a refresh of all hundred; the others waited for it.
        assert_eq!(source.ones.load(Ordering::Relaxed), 100);
        assert_eq!(source.manys.load(Ordering::Relaxed), 1);
    }

    #[actix_web::test]
    async fn a_forgotten_user_is_read_again_at_once() {
        let source = Source::with([1]);
        let stamps = Stamps::new(Duration::from_secs(60));
        assert_eq!(stamp_of(&stamps, &source, 1).await.as_deref(), Some("first"));
        source.set(1, Some("second"));
        assert_eq!(stamp_of(&stamps, &source, 1).await.as_deref(), Some("first"));
        stamps.forget(UserId(1));
        assert_eq!(stamp_of(&stamps, &source, 1).await.as_deref(), Some("second"));
        assert_eq!(source.ones.load(Ordering::Relaxed), 2);
    }

    #[actix_web::test]
    async fn when_refreshes_fail_old_stamps_are_not_trusted_and_the_store_error_shows() {
        let source = Source::with([1]);
        let stamps = Stamps::new(MEMORY);
        assert_eq!(stamp_of(&stamps, &source, 1).await.as_deref(), Some("first"));
        source.down.store(true, Ordering::Relaxed);
        actix_web::rt::time::sleep(MEMORY / 2 + Duration::from_millis(10)).await;
        // The refresh fails; the stamp read before it is still within the memory's time.
        assert_eq!(stamp_of(&stamps, &source, 1).await.as_deref(), Some("first"));
        assert_eq!(source.manys.load(Ordering::Relaxed), 1);
        actix_web::rt::time::sleep(MEMORY / 2 + Duration::from_millis(10)).await;
        let error = stamps.current(&source, UserId(1)).await.unwrap_err();
        assert!(
            matches!(error, AccountError::Failure(ServiceFailure::Unavailable(_))),
            "{error:?}"
        );
        source.down.store(false, Ordering::Relaxed);
        source.set(1, Some("second"));
        assert_eq!(stamp_of(&stamps, &source, 1).await.as_deref(), Some("second"));
    }
}
