//! Settlement against mocks.

#![allow(clippy::unwrap_used)]

mod support;

use meiduo_application::errors::ServiceFailure;

use std::sync::Arc;

use meiduo_application::orders::{Settlement, SettlementError};
use meiduo_domain::SkuId;
use meiduo_domain::ports::{MockSkuCatalog, StoreError};
use mockall::predicate::eq;
use support::*;

#[tokio::test]
async fn prices_the_selected_lines_and_adds_the_freight() {
    let carts = cart_of(vec![line(1, 2, true), line(2, 1, false), line(3, 3, true)]);
    let mut catalog = MockSkuCatalog::new();
    catalog.expect_find_skus().with(eq(vec![SkuId(1), SkuId(3)])).returning(|_| {
        Ok(vec![
            SkuBuilder::new(1).price("3788.00").build(),
            SkuBuilder::new(3).price("0.10").build(),
        ])
    });
    let settlement = Settlement::new(Arc::new(carts), Arc::new(catalog), money("12.50"));

    let view = settlement.execute(USER).await.unwrap();

    assert_eq!(view.freight, money("12.50"));
    assert_eq!(view.lines.len(), 2);
    assert_eq!(view.lines[0].amount, money("7576.00"));
    assert_eq!(view.lines[1].amount, money("0.30"));
    assert_eq!(view.lines[1].name, "SKU 3");
    assert_eq!(view.total_count, 5);
    assert_eq!(view.goods_amount, money("7576.30"));
    assert_eq!(view.total_amount, money("7588.80"));
}

#[tokio::test]
async fn unknown_and_unlaunched_skus_are_reported_not_dropped() {
    let carts = cart_of(vec![line(1, 1, true), line(2, 1, true), line(3, 1, true)]);
    let mut catalog = MockSkuCatalog::new();
    catalog.expect_find_skus().returning(|_| {
        Ok(vec![SkuBuilder::new(1).build(), SkuBuilder::new(2).launched(false).build()])
    });
    let settlement = Settlement::new(Arc::new(carts), Arc::new(catalog), money("10.00"));

    let result = settlement.execute(USER).await;

    assert_eq!(result, Err(SettlementError::SkusUnavailable(vec![SkuId(2), SkuId(3)])));
}

#[tokio::test]
async fn an_empty_selection_gives_an_empty_settlement_with_freight() {
    let carts = cart_of(vec![line(1, 1, false)]);
    let mut catalog = MockSkuCatalog::new();
    catalog.expect_find_skus().never();
    let settlement = Settlement::new(Arc::new(carts), Arc::new(catalog), money("10.00"));

    let view = settlement.execute(USER).await.unwrap();

    assert!(view.lines.is_empty());
    assert_eq!(view.total_amount, money("10.00"));
}

#[tokio::test]
async fn an_unreachable_catalog_is_reported_as_unavailable() {
    let carts = cart_of(vec![line(1, 1, true)]);
    let mut catalog = MockSkuCatalog::new();
    catalog.expect_find_skus().returning(|_| Err(StoreError::Unavailable("refused".into())));
    let settlement = Settlement::new(Arc::new(carts), Arc::new(catalog), money("10.00"));

    let result = settlement.execute(USER).await;

    assert_eq!(
        result,
        Err(SettlementError::Failure(ServiceFailure::Unavailable("refused".into())))
    );
}
