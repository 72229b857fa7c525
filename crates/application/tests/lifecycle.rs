//! The order life cycle against mocks: receipt and shipping go through the transition table and
//! a conditional change, with the actor logged; the detail's history starts at the placing.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use meiduo_application::orders::{OrderHistory, OrderHistoryError};
use meiduo_domain::ports::{
    MockCatalogChanges, MockCatalogQueries, MockOrderRepository, MockUnitOfWork, StatusChange,
};
use meiduo_domain::{AddressId, Order, OrderId, OrderStatus, PayMethod, UserId};
use meiduo_test_support::money;
use time::OffsetDateTime;

const BUYER: UserId = UserId(7);

fn id() -> OrderId {
    OrderId::new(OffsetDateTime::UNIX_EPOCH, BUYER, 1)
}

fn order(status: OrderStatus) -> Order {
    Order {
        order_id: id(),
        user_id: BUYER,
        address_id: AddressId(1),
        total_count: 1,
        total_amount: money("20.00"),
        freight: money("10.00"),
        pay_method: PayMethod::Cash,
        status,
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
    }
}

fn history(orders: MockOrderRepository) -> OrderHistory {
    OrderHistory::new(
        Arc::new(MockUnitOfWork::new()),
        Arc::new(orders),
        Arc::new(MockCatalogQueries::new()),
        Arc::new(MockCatalogChanges::new()),
    )
}

fn holding(status: OrderStatus) -> MockOrderRepository {
    let mut orders = MockOrderRepository::new();
    orders
        .expect_find_for_user()
        .returning(move |user, _| Ok((user == BUYER).then(|| (order(status), Vec::new()))));
    orders
}

#[tokio::test]
async fn receipt_follows_the_table_and_logs_the_buyer() {
    let mut orders = holding(OrderStatus::Unreceived);
    orders
        .expect_transition()
        .withf(|_, from, to, actor| {
            *from == OrderStatus::Unreceived && *to == OrderStatus::Uncomment && actor == "user:7"
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    assert_eq!(history(orders).receive(BUYER, &id()).await.unwrap().status, OrderStatus::Uncomment);

    let mut orders = holding(OrderStatus::Unsend);
    orders.expect_transition().never();
    assert_eq!(
        history(orders).receive(BUYER, &id()).await.unwrap_err(),
        OrderHistoryError::InvalidTransition {
            from: OrderStatus::Unsend,
            to: OrderStatus::Uncomment
        }
    );

    let mut orders = holding(OrderStatus::Unreceived);
    orders.expect_transition().never();
    assert_eq!(
        history(orders).receive(UserId(8), &id()).await.unwrap_err(),
        OrderHistoryError::NotFound
    );

    // It moved meanwhile: the conditional change found another status.
    let mut orders = holding(OrderStatus::Unreceived);
    orders.expect_transition().returning(|_, _, _, _| Ok(false));
    assert!(matches!(
        history(orders).receive(BUYER, &id()).await.unwrap_err(),
        OrderHistoryError::InvalidTransition { .. }
    ));
}

#[tokio::test]
async fn the_shop_ships_by_order_number_alone() {
    let mut orders = holding(OrderStatus::Unsend);
    orders
        .expect_transition()
        .withf(|_, from, to, actor| {
            *from == OrderStatus::Unsend && *to == OrderStatus::Unreceived && actor == "shop"
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    assert_eq!(history(orders).ship(&id()).await.unwrap().status, OrderStatus::Unreceived);

    let mut orders = holding(OrderStatus::Unpaid);
    orders.expect_transition().never();
    assert!(matches!(
        history(orders).ship(&id()).await.unwrap_err(),
        OrderHistoryError::InvalidTransition { .. }
    ));
}

#[tokio::test]
async fn the_detail_history_starts_with_the_placing() {
    let mut orders = holding(OrderStatus::Unreceived);
    let shipped = StatusChange {
        from: Some(OrderStatus::Unsend),
        to: OrderStatus::Unreceived,
        actor: "shop".into(),
        at: OffsetDateTime::UNIX_EPOCH,
    };
    let logged = shipped.clone();
    orders.expect_history().returning(move |_| Ok(vec![logged.clone()]));
    let mut catalog = MockCatalogQueries::new();
    catalog.expect_sku_summaries().returning(|_| Ok(Vec::new()));
    let history = OrderHistory::new(
        Arc::new(MockUnitOfWork::new()),
        Arc::new(orders),
        Arc::new(catalog),
        Arc::new(MockCatalogChanges::new()),
    );
    let (_, steps) = history.detail(BUYER, &id()).await.unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(
        (steps[0].from, steps[0].to, steps[0].actor.as_str()),
        (None, OrderStatus::Unsend, "user:7")
    );
    assert_eq!(steps[1], shipped);
}
