//! The database pool's waits as a metric: sqlx reports each wait for a connection as an event
//! (`meiduo_store_sql::ACQUIRE_TARGET`); this layer records them in the histogram
//! `meiduo_db_pool_acquire_seconds`, whatever the log's own filter lets through.

use meiduo_store_sql::ACQUIRE_TARGET;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{Filtered, LevelFilter, Targets};
use tracing_subscriber::layer::Context;

/// Records the pool's waits.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolWaits;

/// The wait an acquire event carries.
struct Waited(Option<f64>);

impl Visit for Waited {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "acquired_after_secs" {
            self.0 = Some(value);
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: Subscriber> Layer<S> for PoolWaits {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != ACQUIRE_TARGET {
            return;
        }
        let mut waited = Waited(None);
        event.record(&mut waited);
        if let Some(seconds) = waited.0 {
            metrics::histogram!("meiduo_db_pool_acquire_seconds").record(seconds);
        }
    }
}

/// The layer, with a filter of its own: it sees the pool's events at every level, while the
/// log keeps its own filter.
pub fn layer<S>() -> Filtered<PoolWaits, Targets, S>
where
    S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    PoolWaits.with_filter(Targets::new().with_target(ACQUIRE_TARGET, LevelFilter::TRACE))
}
