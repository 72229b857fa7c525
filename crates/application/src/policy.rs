//! The knobs of ordering, set from configuration.

use std::time::Duration;

use meiduo_domain::{Money, QuantityLimit};

/// Which compare-and-swap takes stock (both are measured in `docs/performance.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StockUpdate {
    /// The original's optimistic lock: `stock` must still equal what was read; a concurrent
    /// order makes the swap miss, and the line is read and tried again.
    Equality,
    /// One guarded decrement: `stock` must still cover the count. It misses only when the stock
    /// ran short, so it never retries under contention.
    #[default]
    Covering,
}

/// How orders are placed.
#[derive(Debug, Clone)]
pub struct OrderPolicy {
    /// Freight added to every order (10.00 in the original).
    pub freight: Money,
    /// The largest count of one SKU in one line.
    pub max_count: QuantityLimit,
    pub stock_update: StockUpdate,
    /// How often one line's compare-and-swap may miss before the order gives up as busy.
    pub max_swap_attempts: u32,
    /// How often the whole transaction may be run again after a deadlock, a lock wait timeout or
    /// an order-id clash before the order gives up as busy.
    pub max_transaction_attempts: u32,
    /// The first back-off between attempts; it doubles per attempt, up to `backoff_max`, and is
    /// jittered between half and all of it.
    pub backoff: Duration,
    pub backoff_max: Duration,
    /// Unpaid (Alipay) orders one shopper may hold at once (3): unpaid orders hold stock.
    pub max_unpaid_orders: u32,
    /// Units of one SKU one shopper may hold in unpaid orders (5).
    pub max_unpaid_units: u32,
    /// How long a shopper the flash-sale gate turned away is answered `sold_out` again without
    /// loading the cart (250 ms; zero: never), while this process has not written the cart
    /// since and still knows the gate empty. A cart changed through another replica within
    /// this length is not seen here until it ends.
    pub sold_out_memory: Duration,
}

impl Default for OrderPolicy {
    fn default() -> Self {
        OrderPolicy {
            freight: Money::from_fen(1000),
            max_count: QuantityLimit::DEFAULT,
            stock_update: StockUpdate::default(),
            max_swap_attempts: 64,
            max_transaction_attempts: 5,
            backoff: Duration::from_micros(500),
            backoff_max: Duration::from_millis(20),
            max_unpaid_orders: 3,
            max_unpaid_units: 5,
            sold_out_memory: Duration::from_millis(250),
        }
    }
}

impl OrderPolicy {
    /// The jittered wait before attempt number `attempt + 1` (`attempt` counts from 1).
    pub fn backoff_for(&self, attempt: u32) -> Duration {
        let doubled = self.backoff.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = doubled.min(self.backoff_max);
        capped.mul_f64(0.5 + fastrand::f64() * 0.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let policy = OrderPolicy {
            backoff: Duration::from_millis(2),
            backoff_max: Duration::from_millis(10),
            ..OrderPolicy::default()
        };
        for _ in 0..100 {
            let first = policy.backoff_for(1);
            assert!(first >= Duration::from_millis(1) && first <= Duration::from_millis(2));
            let third = policy.backoff_for(3);
            assert!(third >= Duration::from_millis(4) && third <= Duration::from_millis(8));
            let late = policy.backoff_for(30);
            assert!(late >= Duration::from_millis(5) && late <= Duration::from_millis(10));
        }
    }
}
