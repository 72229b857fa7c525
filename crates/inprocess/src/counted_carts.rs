//! A cart store that counts each user's cart writes made through this process
//! ([`CartStore::local_writes`]), so that a use case can tell that a cart it loaded a moment ago
//! is still the one this process last saw, without loading it again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use meiduo_domain::ports::{CartAddition, CartStore, StoreError};
use meiduo_domain::{Cart, CartLine, SkuId, UserId};

/// Counters shared by the users whose ids fall on the same stripe: a fixed table, so that the
/// memory does not grow with the users. A write counts for every user of its stripe, which only
/// makes a caller load a cart it could have trusted.
const STRIPES: usize = 4096;

/// Wraps a cart store: every write (finished or failed: a failed one may have reached the
/// store) moves the user's counter on after the store answered.
pub struct CountedCarts {
    inner: Arc<dyn CartStore>,
    writes: Box<[AtomicU64]>,
}

impl std::fmt::Debug for CountedCarts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountedCarts").field("stripes", &self.writes.len()).finish_non_exhaustive()
    }
}

impl CountedCarts {
    pub fn new(inner: Arc<dyn CartStore>) -> Self {
        CountedCarts { inner, writes: (0..STRIPES).map(|_| AtomicU64::new(0)).collect() }
    }

    fn stripe(&self, user: UserId) -> &AtomicU64 {
        // The remainder is below STRIPES, so it fits usize.
        let index = (user.0 % STRIPES as u64) as usize;
        &self.writes[index]
    }

    /// Counts a write once the store has answered it: a caller that read the counter before
    /// its load either loaded the written cart or sees the counter moved.
    fn counted<T>(&self, user: UserId, answer: T) -> T {
        self.stripe(user).fetch_add(1, Ordering::Release);
        answer
    }
}

#[async_trait]
impl CartStore for CountedCarts {
    async fn load(&self, user: UserId) -> Result<Cart, StoreError> {
        self.inner.load(user).await
    }

    async fn add(
        &self,
        user: UserId,
        line: CartLine,
        at_most: u32,
    ) -> Result<CartAddition, StoreError> {
        self.counted(user, self.inner.add(user, line, at_most).await)
    }

    async fn set(&self, user: UserId, line: CartLine) -> Result<(), StoreError> {
        self.counted(user, self.inner.set(user, line).await)
    }

    async fn remove(&self, user: UserId, skus: &[SkuId]) -> Result<(), StoreError> {
        self.counted(user, self.inner.remove(user, skus).await)
    }

    async fn select_all(&self, user: UserId, selected: bool) -> Result<(), StoreError> {
        self.counted(user, self.inner.select_all(user, selected).await)
    }

    async fn merge(&self, user: UserId, lines: &[CartLine]) -> Result<(), StoreError> {
        self.counted(user, self.inner.merge(user, lines).await)
    }

    async fn take(&self, user: UserId, lines: &[CartLine]) -> Result<bool, StoreError> {
        self.counted(user, self.inner.take(user, lines).await)
    }

    fn local_writes(&self, user: UserId) -> Option<u64> {
        Some(self.stripe(user).load(Ordering::Acquire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meiduo_domain::ports::MockCartStore;
    use meiduo_domain::{Quantity, SkuId};

    fn line() -> CartLine {
        CartLine { sku_id: SkuId(7), count: Quantity::from_stored(1).unwrap(), selected: true }
    }

    #[tokio::test]
    async fn every_write_moves_the_users_counter_and_a_load_does_not() {
        let mut inner = MockCartStore::new();
        inner.expect_load().returning(|_| Ok(Cart::default()));
        inner.expect_add().returning(|_, _, _| Ok(CartAddition::Added(1)));
        inner.expect_set().returning(|_, _| Ok(()));
        inner.expect_remove().returning(|_, _| Ok(()));
        // A write that failed may still have reached the store: it counts too.
        inner.expect_select_all().returning(|_, _| Err(StoreError::Unavailable("down".into())));
        inner.expect_merge().returning(|_, _| Ok(()));
        inner.expect_take().returning(|_, _| Ok(false));
        let carts = CountedCarts::new(Arc::new(inner));
        let (user, other) = (UserId(3), UserId(4));
        let start = carts.local_writes(user).unwrap();

        carts.load(user).await.unwrap();
        assert_eq!(carts.local_writes(user), Some(start));

        carts.add(user, line(), 5).await.unwrap();
        carts.set(user, line()).await.unwrap();
        carts.remove(user, &[SkuId(7)]).await.unwrap();
        assert!(carts.select_all(user, false).await.is_err());
        carts.merge(user, &[line()]).await.unwrap();
        assert!(!carts.take(user, &[line()]).await.unwrap());
        assert_eq!(carts.local_writes(user), Some(start + 6));
        // Another user's counter did not move.
        assert_eq!(carts.local_writes(other), Some(0));
    }

    #[test]
    fn the_counters_are_a_fixed_table_whatever_the_user_ids() {
        let carts = CountedCarts::new(Arc::new(MockCartStore::new()));
        assert_eq!(carts.local_writes(UserId(u64::MAX)), Some(0));
        assert_eq!(carts.writes.len(), STRIPES);
    }
}
