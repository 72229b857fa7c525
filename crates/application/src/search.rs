//! Keeping this process's search index on the database's catalog: built in full at start and
//! now and then, refreshed every few seconds with what changed since it last looked.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use meiduo_domain::ports::{Clock, SkuDocuments, SkuIndex, StoreError};
use time::OffsetDateTime;

/// How far back each refresh looks again before the latest change it saw: a change written by
/// another replica (whose clock may lag this one's by as much) or committed after a later one
/// is still read. Documents read twice are replaced by themselves.
pub const CHANGE_OVERLAP: Duration = Duration::from_secs(60);

/// What one round of indexing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexRound {
    /// The index was built anew with this many SKUs on sale.
    Built { documents: u64 },
    /// This many changed SKUs were read and applied.
    Refreshed { documents: u64 },
}

#[derive(Debug, Default)]
struct Progress {
    /// When the last full build began.
    built_at: Option<OffsetDateTime>,
    /// The latest change time the index has applied.
    seen_until: Option<OffsetDateTime>,
}

/// Builds and refreshes the search index from the database.
pub struct SearchIndexing {
    documents: Arc<dyn SkuDocuments>,
    index: Arc<dyn SkuIndex>,
    clock: Arc<dyn Clock>,
    /// A full build at least this often (it also drops SKUs deleted outright, which no change
    /// time records).
    rebuild_every: Duration,
    progress: Mutex<Progress>,
    /// Whether a worker runs the rounds (no index otherwise).
    running: AtomicBool,
}

/// Where the index stands, for readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    /// No worker builds it: searches match names literally in the database.
    Off,
    /// Being built: searches match names literally in the database meanwhile.
    Building,
    /// Searches use it.
    Ready { documents: u64 },
}

impl std::fmt::Debug for SearchIndexing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndexing").field("rebuild_every", &self.rebuild_every).finish()
    }
}

impl SearchIndexing {
    pub fn new(
        documents: Arc<dyn SkuDocuments>,
        index: Arc<dyn SkuIndex>,
        clock: Arc<dyn Clock>,
        rebuild_every: Duration,
    ) -> Self {
        SearchIndexing {
            documents,
            index,
            clock,
            rebuild_every,
            progress: Mutex::default(),
            running: AtomicBool::new(false),
        }
    }

    fn progress(&self) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
        let progress = self.progress.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (progress.built_at, progress.seen_until)
    }

    fn record(&self, built_at: Option<OffsetDateTime>, seen_until: OffsetDateTime) {
        let mut progress = self.progress.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if built_at.is_some() {
            progress.built_at = built_at;
        }
        progress.seen_until = Some(progress.seen_until.map_or(seen_until, |s| s.max(seen_until)));
    }

    /// One round: a full build when there is none yet or the last is older than
    /// `rebuild_every`, else the changes since the last round. Rounds must not overlap (one
    /// worker runs them).
    ///
    /// # Errors
    /// The store's or the index's failure; the index keeps what it had and the next round
    /// starts from the same point.
    #[tracing::instrument(name = "search.index", skip_all)]
    pub async fn run_once(&self) -> Result<IndexRound, StoreError> {
        self.running.store(true, Ordering::Relaxed);
        let now = self.clock.now();
        let (built_at, seen_until) = self.progress();
        let due = match (built_at, seen_until) {
            (Some(built), Some(seen)) if now - built < self.rebuild_every => Some(seen),
            _ => None,
        };
        match due {
            None => {
                let documents = self.documents.launched().await?;
                let count = documents.len() as u64;
                self.index.rebuild(documents).await?;
                // Whatever changed while the rows were read is read again by the next round.
                self.record(Some(now), now);
                Ok(IndexRound::Built { documents: count })
            }
            Some(seen) => {
                let since = seen - CHANGE_OVERLAP;
                let changes = self.documents.changed_since(since).await?;
                let count = changes.documents.len() as u64;
                self.index.apply(changes.documents, Vec::new()).await?;
                self.record(None, changes.seen_until);
                Ok(IndexRound::Refreshed { documents: count })
            }
        }
    }

    /// Where the index stands.
    pub fn state(&self) -> IndexState {
        match self.index.size() {
            Some(documents) => IndexState::Ready { documents },
            None if self.running.load(Ordering::Relaxed) => IndexState::Building,
            None => IndexState::Off,
        }
    }

    /// How many SKUs the index holds, once built.
    pub fn size(&self) -> Option<u64> {
        self.index.size()
    }
}
