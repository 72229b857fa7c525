//! `POST /orders/` with an `Idempotency-Key`: the same key and body from the same user, within a
//! day, places one order and answers it again, even when the requests race.

use std::sync::Arc;
use std::time::Duration;

use meiduo_domain::OrderId;
use meiduo_domain::ports::{Clock, IdempotencyKeys, KeyClaim};

use super::{PlaceOrder, PlaceOrderError, PlaceOrderRequest};
use crate::errors::ServiceFailure;

/// How keys are kept and waited for.
#[derive(Debug, Clone, Copy)]
pub struct KeyPolicy {
    /// How long a key stands for its order (24 hours).
    pub ttl: Duration,
    /// A claim whose request has not finished after this long is taken to have died (2 minutes).
    pub stale: Duration,
    /// How long a request waits for a racing one with the same key (10 s), and how often it
    /// looks (50 ms).
    pub wait: Duration,
    pub poll: Duration,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        KeyPolicy {
            ttl: Duration::from_secs(24 * 3600),
            stale: Duration::from_secs(120),
            wait: Duration::from_secs(10),
            poll: Duration::from_millis(50),
        }
    }
}

/// Why a keyed order was not placed (besides the order's own reasons).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyedOrderError {
    #[error("the Idempotency-Key is 1 to 100 printable characters")]
    BadKey,
    #[error("this Idempotency-Key was used with another request")]
    KeyReused,
    #[error("a request with this Idempotency-Key is still running; try again")]
    InProgress,
    #[error(transparent)]
    Order(#[from] PlaceOrderError),
}

/// Places orders once per key.
#[allow(missing_debug_implementations)]
pub struct IdempotentOrders {
    place: Arc<PlaceOrder>,
    keys: Arc<dyn IdempotencyKeys>,
    clock: Arc<dyn Clock>,
    policy: KeyPolicy,
}

impl IdempotentOrders {
    pub fn new(
        place: Arc<PlaceOrder>,
        keys: Arc<dyn IdempotencyKeys>,
        clock: Arc<dyn Clock>,
        policy: KeyPolicy,
    ) -> Self {
        IdempotentOrders { place, keys, clock, policy }
    }

    /// The order of `request` under `key`: placed now, or the one the key placed before.
    #[tracing::instrument(name = "place_order.with_key", skip_all, fields(user_id = %request.user))]
    pub async fn execute(
        &self,
        request: PlaceOrderRequest,
        key: &str,
    ) -> Result<OrderId, KeyedOrderError> {
        if key.is_empty() || key.len() > 100 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(KeyedOrderError::BadKey);
        }
        let fingerprint =
            format!("address={};pay_method={}", request.address.0, request.pay_method.code());
        let failure = |e| KeyedOrderError::Order(PlaceOrderError::Failure(ServiceFailure::from(e)));
        let mut waited = Duration::ZERO;
        loop {
            let claim = self
                .keys
                .claim(request.user, key, &fingerprint, self.policy.ttl, self.policy.stale)
                .await
                .map_err(failure)?;
            match claim {
                KeyClaim::Claimed => break,
                KeyClaim::Done(order) => return Ok(order),
                KeyClaim::Mismatch => return Err(KeyedOrderError::KeyReused),
                KeyClaim::Pending if waited >= self.policy.wait => {
                    return Err(KeyedOrderError::InProgress);
                }
                KeyClaim::Pending => {
                    self.clock.sleep(self.policy.poll).await;
                    waited += self.policy.poll;
                }
            }
        }
        match self.place.execute(request).await {
            Ok(placed) => {
                let order = placed.order.order_id;
                self.keys.complete(request.user, key, &order).await.map_err(failure)?;
                Ok(order)
            }
            Err(error) => {
                if let Err(release) = self.keys.release(request.user, key).await {
                    tracing::warn!(error = %release, "an idempotency key could not be released");
                }
                Err(error.into())
            }
        }
    }
}
