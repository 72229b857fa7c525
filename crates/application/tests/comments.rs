//! Comments on order lines against mocks: the use case decides, the transaction's repositories
//! only lock, write and count.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use meiduo_application::orders::{CommentForm, OrderHistory, OrderHistoryError};
use meiduo_domain::ports::{
    LineComment, LockedOrder, MockCatalogChanges, MockCatalogQueries, MockOrderRepository,
    MockOrderWriter, MockPaymentLedger, MockStockRepository,
};
use meiduo_domain::{OrderId, OrderStatus, SkuId, UserId};
use mockall::predicate::eq;
use support::*;

const ORDER: &str = "20261122183000000000042000001";

fn order_id() -> OrderId {
    OrderId::parse(ORDER).unwrap()
}

fn form() -> CommentForm {
    CommentForm { sku: SkuId(3), comment: "  好用  ".into(), score: 5, is_anonymous: false }
}

/// The repositories of one transaction, over an order of `owner` locked in `status`.
struct Tx {
    control: MockTxControl,
    orders: MockOrderWriter,
    stock: MockStockRepository,
    /// Hears of the comment; by default it must not (the comment failed).
    changes: MockCatalogChanges,
}

impl Tx {
    fn over(control: MockTxControl, owner: UserId, status: OrderStatus) -> Self {
        let mut orders = MockOrderWriter::new();
        orders
            .expect_lock()
            .with(eq(order_id()))
            .times(1)
            .returning(move |_| Ok(Some(LockedOrder { user_id: owner, status })));
        let mut changes = MockCatalogChanges::new();
        changes.expect_comments_changed().never();
        Tx { control, orders, stock: MockStockRepository::new(), changes }
    }

    fn history(self) -> OrderHistory {
        let uow = ScriptedUnitOfWork::new(
            vec![self.control],
            self.stock,
            self.orders,
            MockPaymentLedger::new(),
        );
        OrderHistory::new(
            Arc::new(uow),
            Arc::new(MockOrderRepository::new()),
            Arc::new(MockCatalogQueries::new()),
            Arc::new(self.changes),
        )
    }

    /// The comment on SKU 3 is heard of, once.
    fn heard(mut self) -> Self {
        self.changes = MockCatalogChanges::new();
        self.changes.expect_comments_changed().with(eq(SkuId(3))).times(1).returning(|_| ());
        self
    }
}

#[tokio::test]
async fn the_last_comment_counts_and_finishes_the_order() {
    let mut tx = Tx::over(committed(), USER, OrderStatus::Uncomment);
    tx.orders
        .expect_comment_line()
        .withf(|_, c| c.sku == SkuId(3) && c.comment == "好用" && c.score == 5)
        .times(1)
        .returning(|_, _| Ok(LineComment::Commented));
    tx.stock.expect_count_comment().with(eq(SkuId(3))).times(1).returning(|_| Ok(()));
    tx.orders.expect_uncommented_count().times(1).returning(|_| Ok(0));
    tx.orders
        .expect_move_status()
        .withf(|_, from, to, actor| {
            *from == OrderStatus::Uncomment
                && *to == OrderStatus::Finished
                && actor.starts_with("user:")
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));

    let finished = tx.heard().history().comment(USER, &order_id(), form()).await;

    assert_eq!(finished, Ok(true));
}

#[tokio::test]
async fn a_comment_with_lines_left_leaves_the_order_waiting() {
    let mut tx = Tx::over(committed(), USER, OrderStatus::Uncomment);
    tx.orders.expect_comment_line().times(1).returning(|_, _| Ok(LineComment::Commented));
    tx.stock.expect_count_comment().times(1).returning(|_| Ok(()));
    tx.orders.expect_uncommented_count().times(1).returning(|_| Ok(2));
    tx.orders.expect_move_status().never();

    let finished = tx.heard().history().comment(USER, &order_id(), form()).await;

    assert_eq!(finished, Ok(false));
}

#[tokio::test]
async fn another_users_order_is_not_found_and_nothing_is_written() {
    let mut tx = Tx::over(rolled_back(), UserId(7), OrderStatus::Uncomment);
    tx.orders.expect_comment_line().never();
    tx.stock.expect_count_comment().never();

    let result = tx.history().comment(USER, &order_id(), form()).await;

    assert_eq!(result, Err(OrderHistoryError::NotFound));
}

#[tokio::test]
async fn an_order_not_waiting_for_comments_is_refused() {
    for status in [OrderStatus::Unpaid, OrderStatus::Unreceived, OrderStatus::Finished] {
        let mut tx = Tx::over(rolled_back(), USER, status);
        tx.orders.expect_comment_line().never();

        let result = tx.history().comment(USER, &order_id(), form()).await;

        assert_eq!(result, Err(OrderHistoryError::NotCommentable), "{status:?}");
    }
}

#[tokio::test]
async fn a_line_commented_already_or_missing_changes_no_counter() {
    for (line, expected) in [
        (LineComment::AlreadyCommented, OrderHistoryError::AlreadyCommented),
        (LineComment::NoSuchLine, OrderHistoryError::LineNotFound),
    ] {
        let mut tx = Tx::over(rolled_back(), USER, OrderStatus::Uncomment);
        tx.orders.expect_comment_line().times(1).returning(move |_, _| Ok(line));
        tx.stock.expect_count_comment().never();
        tx.orders.expect_move_status().never();

        let result = tx.history().comment(USER, &order_id(), form()).await;

        assert_eq!(result, Err(expected));
    }
}

#[tokio::test]
async fn an_invalid_comment_begins_no_transaction() {
    let history = OrderHistory::new(
        Arc::new(ScriptedUnitOfWork::new(
            Vec::new(),
            MockStockRepository::new(),
            MockOrderWriter::new(),
            MockPaymentLedger::new(),
        )),
        Arc::new(MockOrderRepository::new()),
        Arc::new(MockCatalogQueries::new()),
        Arc::new(MockCatalogChanges::new()),
    );
    let blank = CommentForm { comment: "   ".into(), ..form() };
    assert!(matches!(
        history.comment(USER, &order_id(), blank).await,
        Err(OrderHistoryError::InvalidField { field: "comment", .. })
    ));
    let score = CommentForm { score: 6, ..form() };
    assert!(matches!(
        history.comment(USER, &order_id(), score).await,
        Err(OrderHistoryError::InvalidField { field: "score", .. })
    ));
}
