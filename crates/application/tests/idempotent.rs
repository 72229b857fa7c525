//! `POST /orders/` with an `Idempotency-Key` against mocks: a known key answers its order without
//! placing another, another body is refused, a racing request waits, a failed one frees the key.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};

use meiduo_application::StockUpdate;
use meiduo_application::orders::{
    IdempotentOrders, KeyPolicy, KeyedOrderError, PlaceOrderError, PlaceOrderRequest,
};
use meiduo_domain::ports::{KeyClaim, MockIdempotencyKeys};
use meiduo_domain::{OrderId, PayMethod};
use support::*;
use time::OffsetDateTime;

fn request() -> PlaceOrderRequest {
    PlaceOrderRequest { user: USER, address: ADDRESS, pay_method: PayMethod::Cash }
}

fn placed() -> OrderId {
    OrderId::new(OffsetDateTime::UNIX_EPOCH, USER, 9)
}

/// The keyed use case over `keys`; its order placing finds an empty selection and writes
/// nothing (no transaction, no cart change).
fn keyed(keys: MockIdempotencyKeys) -> IdempotentOrders {
    let mut mocks = Mocks::new(cart_of(Vec::new()));
    mocks.carts.expect_take().never();
    let place = Arc::new(mocks.build(policy(StockUpdate::Covering)));
    IdempotentOrders::new(place, Arc::new(keys), Arc::new(clock()), KeyPolicy::default())
}

#[tokio::test]
async fn a_known_key_answers_its_order_and_places_nothing() {
    let mut keys = MockIdempotencyKeys::new();
    keys.expect_claim()
        .withf(|user, key, print, _, _| {
            *user == USER && key == "k1" && print == format!("address={};pay_method=1", ADDRESS.0)
        })
        .returning(|_, _, _, _, _| Ok(KeyClaim::Done(placed())));
    keys.expect_complete().never();
    assert_eq!(keyed(keys).execute(request(), "k1").await.unwrap(), placed());
}

#[tokio::test]
async fn another_body_is_refused_and_a_bad_key_never_reaches_the_store() {
    let mut keys = MockIdempotencyKeys::new();
    keys.expect_claim().times(1).returning(|_, _, _, _, _| Ok(KeyClaim::Mismatch));
    let orders = keyed(keys);
    assert_eq!(orders.execute(request(), "k1").await.unwrap_err(), KeyedOrderError::KeyReused);
    for bad in ["", "a key", &"k".repeat(101)] {
        assert_eq!(orders.execute(request(), bad).await.unwrap_err(), KeyedOrderError::BadKey);
    }
}

#[tokio::test]
async fn a_racing_request_waits_for_the_first_answer_or_gives_up() {
    let mut keys = MockIdempotencyKeys::new();
    let answers = Mutex::new(vec![KeyClaim::Done(placed()), KeyClaim::Pending, KeyClaim::Pending]);
    keys.expect_claim()
        .times(3)
        .returning(move |_, _, _, _, _| Ok(answers.lock().unwrap().pop().unwrap()));
    assert_eq!(keyed(keys).execute(request(), "k1").await.unwrap(), placed());

    let mut keys = MockIdempotencyKeys::new();
    keys.expect_claim().returning(|_, _, _, _, _| Ok(KeyClaim::Pending));
    assert_eq!(
        keyed(keys).execute(request(), "k1").await.unwrap_err(),
        KeyedOrderError::InProgress,
        "after waiting the policy's 10 s"
    );
}

#[tokio::test]
async fn a_failed_order_frees_its_key() {
    let mut keys = MockIdempotencyKeys::new();
    keys.expect_claim().times(1).returning(|_, _, _, _, _| Ok(KeyClaim::Claimed));
    keys.expect_complete().never();
    keys.expect_release()
        .withf(|user, key| *user == USER && key == "k1")
        .times(1)
        .returning(|_, _| Ok(()));
    assert_eq!(
        keyed(keys).execute(request(), "k1").await.unwrap_err(),
        KeyedOrderError::Order(PlaceOrderError::EmptySelection)
    );
}
