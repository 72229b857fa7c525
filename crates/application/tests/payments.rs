//! The payment use case against mocks.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use meiduo_application::payments::{ExpiryReport, PaymentFailure, PaymentPorts, Payments};
use meiduo_domain::ports::{
    LockedOrder, MockOrderRepository, MockOrderWriter, MockPaymentGateway, MockPaymentLedger,
    MockPaymentRepository, MockStockRepository, PaymentError, StoreError,
};
use meiduo_domain::{
    AddressId, Order, OrderId, OrderStatus, PayMethod, TradeCallback, TradeState, TradeStatus,
};
use support::*;

const ORDER: &str = "20261122183000000000042000001";

fn order(status: OrderStatus) -> Order {
    Order {
        order_id: OrderId::parse(ORDER).unwrap(),
        user_id: USER,
        address_id: AddressId(1),
        total_count: 1,
        total_amount: money("6509.00"),
        freight: money("10.00"),
        pay_method: PayMethod::Alipay,
        status,
        created_at: NOW,
        updated_at: NOW,
    }
}

fn callback(app_id: &str, amount: &str, status: Option<TradeStatus>) -> TradeCallback {
    TradeCallback {
        app_id: app_id.into(),
        seller_id: "2088000000000001".into(),
        out_trade_no: ORDER.into(),
        trade_no: "T1".into(),
        total_amount: money(amount),
        trade_status: status,
    }
}

/// The transactions a confirmation runs in, and the repositories they hand out.
struct Ledger {
    txs: Vec<MockTxControl>,
    orders: MockOrderWriter,
    payments: MockPaymentLedger,
}

impl Ledger {
    /// No transaction may begin.
    fn untouched() -> Self {
        Ledger {
            txs: Vec::new(),
            orders: MockOrderWriter::new(),
            payments: MockPaymentLedger::new(),
        }
    }

    /// One committed transaction over an order locked in `status`, paid by `paid` (if any).
    fn over(status: OrderStatus, paid: Option<&'static str>) -> Self {
        let mut ledger = Ledger {
            txs: vec![committed()],
            orders: MockOrderWriter::new(),
            payments: MockPaymentLedger::new(),
        };
        ledger
            .orders
            .expect_lock()
            .times(1)
            .returning(move |_| Ok(Some(LockedOrder { user_id: USER, status })));
        ledger.payments.expect_paid_trade().times(1).returning(move |_| Ok(paid.map(Into::into)));
        ledger
    }
}

fn build(gateway: MockPaymentGateway, payments: MockPaymentRepository, ledger: Ledger) -> Payments {
    Payments::new(
        PaymentPorts {
            uow: Arc::new(ScriptedUnitOfWork::new(
                ledger.txs,
                MockStockRepository::new(),
                ledger.orders,
                ledger.payments,
            )),
            orders: Arc::new(MockOrderRepository::new()),
            payments: Arc::new(payments),
            gateway: Arc::new(gateway),
            clock: Arc::new(clock()),
        },
        "our-app".into(),
        "2088000000000001".into(),
        Duration::from_secs(1800),
    )
}

/// A gateway whose notification says trade T1 paid the order.
fn paid_notification() -> MockPaymentGateway {
    let mut gateway = MockPaymentGateway::new();
    gateway
        .expect_verify_callback()
        .returning(|_| Ok(callback("our-app", "6509.00", Some(TradeStatus::Success))));
    gateway
}

fn payments_of(status: OrderStatus) -> MockPaymentRepository {
    let mut payments = MockPaymentRepository::new();
    payments.expect_find_order().returning(move |_| Ok(Some(order(status))));
    payments
}

#[tokio::test]
async fn a_callback_for_another_app_or_amount_records_nothing() {
    for (cb, expected) in [
        (callback("their-app", "6509.00", Some(TradeStatus::Success)), PaymentFailure::WrongApp),
        (
            callback("our-app", "0.01", Some(TradeStatus::Success)),
            PaymentFailure::AmountMismatch { paid: money("0.01"), expected: money("6509.00") },
        ),
    ] {
        let mut gateway = MockPaymentGateway::new();
        gateway.expect_verify_callback().returning(move |_| Ok(cb.clone()));
        let payments = payments_of(OrderStatus::Unpaid);
        let result = build(gateway, payments, Ledger::untouched()).confirm_notification("").await;
        assert_eq!(result.unwrap_err(), expected);
    }
}

#[tokio::test]
async fn a_return_is_confirmed_only_when_the_gateway_says_the_trade_is_paid() {
    for (state, confirmed) in [(TradeStatus::WaitBuyerPay, false), (TradeStatus::Success, true)] {
        let mut gateway = MockPaymentGateway::new();
        gateway.expect_verify_callback().returning(|_| Ok(callback("our-app", "6509.00", None)));
        gateway.expect_query_trade().returning(move |_| {
            Ok(Some(TradeState {
                out_trade_no: ORDER.into(),
                trade_no: "T1".into(),
                total_amount: money("6509.00"),
                status: state,
            }))
        });
        let payments = payments_of(OrderStatus::Unpaid);
        let ledger = if confirmed {
            let mut ledger = Ledger::over(OrderStatus::Unpaid, None);
            ledger.payments.expect_insert_payment().times(1).returning(|_, _| Ok(()));
            ledger
                .orders
                .expect_move_status()
                .withf(|_, from, to, actor| {
                    *from == OrderStatus::Unpaid && *to == OrderStatus::Unsend && actor == "alipay"
                })
                .times(1)
                .returning(|_, _, _, _| Ok(true));
            ledger
        } else {
            Ledger::untouched()
        };
        let result = build(gateway, payments, ledger).confirm_return("").await;
        assert_eq!(result.is_ok(), confirmed, "{state:?}: {result:?}");
    }
}

#[tokio::test]
async fn a_payment_for_a_cancelled_order_is_refunded() {
    let mut gateway = MockPaymentGateway::new();
    gateway
        .expect_verify_callback()
        .returning(|_| Ok(callback("our-app", "6509.00", Some(TradeStatus::Success))));
    gateway
        .expect_refund()
        .withf(|r| r.trade_no == "T1" && r.amount == money("6509.00"))
        .times(1)
        .returning(|_| Ok(()));
    let mut payments = payments_of(OrderStatus::Canceled);
    payments.expect_mark_refunded().times(1).returning(|_| Ok(()));
    let mut ledger = Ledger::over(OrderStatus::Canceled, None);
    ledger
        .payments
        .expect_record_refund()
        .withf(|_, trade, amount, _| trade == "T1" && *amount == money("6509.00"))
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    ledger.payments.expect_insert_payment().never();
    ledger.orders.expect_move_status().never();
    assert_eq!(
        build(gateway, payments, ledger).confirm_notification("").await.unwrap_err(),
        PaymentFailure::Refunded
    );
}

#[tokio::test]
async fn expiry_never_cancels_an_order_it_could_not_ask_about() {
    let mut gateway = MockPaymentGateway::new();
    gateway.expect_query_trade().returning(|_| Err(PaymentError::Unavailable("timeout".into())));
    let mut payments = MockPaymentRepository::new();
    payments
        .expect_unpaid_before()
        .withf(|before, _, _| *before == NOW - Duration::from_secs(1800))
        .returning(|_, _, _| Ok(vec![OrderId::parse(ORDER).unwrap()]));
    payments.expect_cancel_unpaid().never();
    let report = build(gateway, payments, Ledger::untouched()).expire_unpaid(10).await.unwrap();
    assert_eq!(report, ExpiryReport { canceled: 0, confirmed: 0, skipped: 1 });
}

#[tokio::test]
async fn expiry_pages_past_orders_it_cannot_settle() {
    // Pages of 2: the first two orders cannot be asked about; the third is cancelled all the same.
    let ids: Vec<OrderId> =
        ["1001", "1002", "1003"].iter().map(|i| OrderId::parse(i).unwrap()).collect();
    let mut gateway = MockPaymentGateway::new();
    gateway.expect_query_trade().returning(|id| {
        if id.as_str() == "1003" { Ok(None) } else { Err(PaymentError::Unavailable("down".into())) }
    });
    let mut payments = MockPaymentRepository::new();
    let all = ids.clone();
    payments.expect_unpaid_before().returning(move |_, after, limit| {
        Ok(all
            .iter()
            .filter(|id| after.as_ref().is_none_or(|after| *id > after))
            .take(limit as usize)
            .cloned()
            .collect())
    });
    payments
        .expect_cancel_unpaid()
        .withf(|id, actor| id.as_str() == "1003" && actor == "expiry")
        .times(1)
        .returning(|_, _| Ok(true));
    let report = build(gateway, payments, Ledger::untouched()).expire_unpaid(2).await.unwrap();
    assert_eq!(report, ExpiryReport { canceled: 1, confirmed: 0, skipped: 2 });
}

#[tokio::test]
async fn a_replayed_notification_of_the_paying_trade_changes_nothing() {
    let mut ledger = Ledger::over(OrderStatus::Unsend, Some("T1"));
    ledger.payments.expect_insert_payment().never();
    ledger.payments.expect_record_refund().never();
    ledger.orders.expect_move_status().never();
    let mut gateway = paid_notification();
    gateway.expect_refund().never();
    let payments = payments_of(OrderStatus::Unsend);
    build(gateway, payments, ledger).confirm_notification("").await.unwrap();
}

#[tokio::test]
async fn a_second_trade_for_a_paid_order_is_recorded_and_refunded() {
    let mut ledger = Ledger::over(OrderStatus::Unsend, Some("T0"));
    ledger.payments.expect_insert_payment().never();
    ledger
        .payments
        .expect_record_refund()
        .withf(|_, trade, _, _| trade == "T1")
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    ledger.orders.expect_move_status().never();
    let mut gateway = paid_notification();
    gateway.expect_refund().withf(|r| r.trade_no == "T1").times(1).returning(|_| Ok(()));
    let mut payments = payments_of(OrderStatus::Unsend);
    payments.expect_mark_refunded().withf(|t| t == "T1").times(1).returning(|_| Ok(()));
    let result = build(gateway, payments, ledger).confirm_notification("").await;
    assert_eq!(result.unwrap_err(), PaymentFailure::PaidByAnotherTrade);
}

#[tokio::test]
async fn a_payment_for_an_order_past_unpaid_is_refused_and_nothing_recorded() {
    let mut ledger = Ledger::over(OrderStatus::Unsend, None);
    ledger.payments.expect_insert_payment().never();
    ledger.payments.expect_record_refund().never();
    ledger.orders.expect_move_status().never();
    let payments = payments_of(OrderStatus::Unsend);
    let result = build(paid_notification(), payments, ledger).confirm_notification("").await;
    assert_eq!(result.unwrap_err(), PaymentFailure::NotPayable);
}

#[tokio::test]
async fn a_confirmation_that_loses_the_payment_key_to_a_concurrent_one_reads_again() {
    let mut ledger = Ledger {
        txs: vec![rolled_back(), committed()],
        orders: MockOrderWriter::new(),
        payments: MockPaymentLedger::new(),
    };
    let mut lock = mockall::Sequence::new();
    ledger
        .orders
        .expect_lock()
        .times(2)
        .in_sequence(&mut lock)
        .returning(|_| Ok(Some(LockedOrder { user_id: USER, status: OrderStatus::Unpaid })));
    let mut reads = mockall::Sequence::new();
    ledger.payments.expect_paid_trade().times(1).in_sequence(&mut reads).returning(|_| Ok(None));
    // The second look sees the concurrent confirmation of the same trade: a replay.
    ledger
        .payments
        .expect_paid_trade()
        .times(1)
        .in_sequence(&mut reads)
        .returning(|_| Ok(Some("T1".into())));
    ledger
        .payments
        .expect_insert_payment()
        .times(1)
        .returning(|_, _| Err(StoreError::Conflict("duplicate entry for tb_payment".into())));
    ledger.orders.expect_move_status().never();
    let payments = payments_of(OrderStatus::Unpaid);
    build(paid_notification(), payments, ledger).confirm_notification("").await.unwrap();
}

#[tokio::test]
async fn a_notification_for_an_order_that_vanished_is_not_found() {
    let mut ledger = Ledger {
        txs: vec![committed()],
        orders: MockOrderWriter::new(),
        payments: MockPaymentLedger::new(),
    };
    ledger.orders.expect_lock().times(1).returning(|_| Ok(None));
    ledger.payments.expect_paid_trade().never();
    let payments = payments_of(OrderStatus::Unpaid);
    let result = build(paid_notification(), payments, ledger).confirm_notification("").await;
    assert_eq!(result.unwrap_err(), PaymentFailure::NotFound);
}

#[tokio::test]
async fn a_gateway_that_refuses_or_cannot_be_reached_is_a_gateway_failure_not_an_internal_one() {
    for (error, expected) in [
        (
            PaymentError::Refused("40004 Business Failed ACQ.SYSTEM_ERROR".into()),
            PaymentFailure::Gateway("40004 Business Failed ACQ.SYSTEM_ERROR".into()),
        ),
        (
            PaymentError::Unavailable("connection refused".into()),
            PaymentFailure::Gateway("unreachable: connection refused".into()),
        ),
        (PaymentError::TimedOut("10 s".into()), PaymentFailure::GatewayTimedOut),
    ] {
        let mut gateway = MockPaymentGateway::new();
        gateway.expect_verify_callback().returning(|_| Ok(callback("our-app", "6509.00", None)));
        let reply = std::sync::Mutex::new(Some(error));
        gateway.expect_query_trade().returning(move |_| Err(reply.lock().unwrap().take().unwrap()));
        let payments = payments_of(OrderStatus::Unpaid);
        let result = build(gateway, payments, Ledger::untouched()).confirm_return("").await;
        assert_eq!(result.unwrap_err(), expected);
    }
}

#[tokio::test]
async fn a_notification_that_paid_another_seller_changes_nothing() {
    let mut gateway = MockPaymentGateway::new();
    gateway.expect_verify_callback().returning(|_| {
        Ok(TradeCallback {
            seller_id: "2088999999999999".into(),
            ..callback("our-app", "6509.00", Some(TradeStatus::Success))
        })
    });
    gateway.expect_refund().never();
    let payments = payments_of(OrderStatus::Unpaid);
    let result = build(gateway, payments, Ledger::untouched()).confirm_notification("").await;
    assert_eq!(result.unwrap_err(), PaymentFailure::WrongSeller);
}

#[tokio::test]
async fn a_refund_that_fails_twice_then_succeeds_is_retried_and_recorded_once() {
    use meiduo_application::payments::{REFUND_FIRST_WAIT, RefundReport};
    use meiduo_domain::ports::PendingRefund;
    let pending = |attempts| PendingRefund {
        order_id: OrderId::parse(ORDER).unwrap(),
        trade_id: "T2".into(),
        amount: money("6509.00"),
        attempts,
    };
    let mut gateway = MockPaymentGateway::new();
    let mut replies = vec![
        Ok(()),
        Err(PaymentError::Refused("ACQ.SYSTEM_ERROR".into())),
        Err(PaymentError::Unavailable("down".into())),
    ];
    gateway
        .expect_refund()
        .withf(|request| request.request_id == "refund-T2" && request.trade_no == "T2")
        .times(3)
        .returning(move |_| replies.pop().unwrap());
    let mut payments = MockPaymentRepository::new();
    let mut rounds = vec![vec![pending(2)], vec![pending(1)], vec![pending(0)]];
    payments
        .expect_claim_due_refunds()
        .times(3)
        .returning(move |_, _, _| Ok(rounds.pop().unwrap()));
    let mut still_pending = vec![0, 1, 1];
    payments.expect_pending_refunds().times(3).returning(move || Ok(still_pending.pop().unwrap()));
    let mut seq = mockall::Sequence::new();
    for waited in [REFUND_FIRST_WAIT, REFUND_FIRST_WAIT * 2] {
        payments
            .expect_refund_failed()
            .withf(move |trade, next, _| trade == "T2" && *next == NOW + waited)
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _, _| Ok(()));
    }
    payments
        .expect_mark_refunded()
        .with(mockall::predicate::eq("T2"))
        .times(1)
        .returning(|_| Ok(()));
    let use_case = build(gateway, payments, Ledger::untouched());
    let mut reports = Vec::new();
    for _ in 0..3 {
        reports.push(use_case.reconcile_refunds(10).await.unwrap());
    }
    assert_eq!(
        reports,
        [
            RefundReport { refunded: 0, failed: 1, pending: 1 },
            RefundReport { refunded: 0, failed: 1, pending: 1 },
            RefundReport { refunded: 1, failed: 0, pending: 0 },
        ]
    );
}
