//! The payment use case against mocks.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use meiduo_application::payments::{ExpiryReport, PaymentFailure, Payments};
use meiduo_domain::ports::{
    ConfirmOutcome, MockOrderRepository, MockPaymentGateway, MockPaymentRepository, PaymentError,
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
        out_trade_no: ORDER.into(),
        trade_no: "T1".into(),
        total_amount: money(amount),
        trade_status: status,
    }
}

fn build(gateway: MockPaymentGateway, payments: MockPaymentRepository) -> Payments {
    Payments::new(
        Arc::new(MockOrderRepository::new()),
        Arc::new(payments),
        Arc::new(gateway),
        Arc::new(clock()),
        "our-app".into(),
        Duration::from_secs(1800),
    )
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
        let mut payments = MockPaymentRepository::new();
        payments.expect_find_order().returning(|_| Ok(Some(order(OrderStatus::Unpaid))));
        payments.expect_confirm().never();
        assert_eq!(build(gateway, payments).confirm_notification(&[]).await.unwrap_err(), expected);
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
        let mut payments = MockPaymentRepository::new();
        payments.expect_find_order().returning(|_| Ok(Some(order(OrderStatus::Unpaid))));
        payments
            .expect_confirm()
            .times(usize::from(confirmed))
            .returning(|_, _, _| Ok(ConfirmOutcome::Confirmed));
        let result = build(gateway, payments).confirm_return(&[]).await;
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
    let mut payments = MockPaymentRepository::new();
    payments.expect_find_order().returning(|_| Ok(Some(order(OrderStatus::Canceled))));
    payments.expect_confirm().returning(|_, _, _| Ok(ConfirmOutcome::OrderCanceled));
    payments.expect_mark_refunded().times(1).returning(|_| Ok(()));
    assert_eq!(
        build(gateway, payments).confirm_notification(&[]).await.unwrap_err(),
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
        .withf(|before, _| *before == NOW - Duration::from_secs(1800))
        .returning(|_, _| Ok(vec![OrderId::parse(ORDER).unwrap()]));
    payments.expect_cancel_unpaid().never();
    let report = build(gateway, payments).expire_unpaid(10).await.unwrap();
    assert_eq!(report, ExpiryReport { canceled: 0, confirmed: 0, skipped: 1 });
}
