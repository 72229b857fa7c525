//! The in-process order-id source.

use std::sync::atomic::{AtomicU32, Ordering};

use meiduo_domain::ports::OrderIdSource;

/// Hands out order-id suffixes from a counter that starts at a random point, so that one process
/// never repeats a suffix within a million orders and two processes (replicas) rarely meet; when
/// they do, the insert reports a duplicate and the order takes the next suffix.
#[derive(Debug)]
pub struct CounterOrderIdSource {
    next: AtomicU32,
}

impl CounterOrderIdSource {
    pub fn new() -> Self {
        CounterOrderIdSource { next: AtomicU32::new(fastrand::u32(0..1_000_000)) }
    }
}

impl Default for CounterOrderIdSource {
    fn default() -> Self {
        Self::new()
    }
}

impl OrderIdSource for CounterOrderIdSource {
    fn next_suffix(&self) -> u32 {
        self.next.fetch_add(1, Ordering::Relaxed) % 1_000_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meiduo_domain::{OrderId, UserId};
    use std::collections::HashSet;
    use std::sync::Arc;
    use time::macros::datetime;

    #[test]
    fn a_million_orders_of_one_user_in_one_second_have_distinct_ids() {
        let source = CounterOrderIdSource::new();
        let second = datetime!(2026-11-22 08:00:00 UTC);
        let ids: HashSet<OrderId> =
            (0..1_000_000).map(|_| OrderId::new(second, UserId(7), source.next_suffix())).collect();
        assert_eq!(ids.len(), 1_000_000);
    }

    #[test]
    fn concurrent_callers_never_share_a_suffix() {
        let source = Arc::new(CounterOrderIdSource::new());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let source = Arc::clone(&source);
                std::thread::spawn(move || {
                    (0..10_000).map(|_| source.next_suffix()).collect::<Vec<_>>()
                })
            })
            .collect();
        let all: Vec<u32> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        let distinct: HashSet<u32> = all.iter().copied().collect();
        assert_eq!(distinct.len(), all.len());
    }
}
