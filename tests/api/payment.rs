//! Payment over HTTP through the sandbox: confirmation exactly once, refused forgeries, refunds,
//! cancellation and expiry of unpaid orders. On SQLite always, on MariaDB when configured.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use meiduo_application::payments::{ExpiryReport, PaymentPorts, Payments};
use meiduo_domain::TradeStatus;
use meiduo_domain::ports::Clock;
use meiduo_pay_alipay::AlipayGateway;
use meiduo_pay_alipay::gateway::{form_encode, parse_form};
use meiduo_pay_alipay::keys::private_key;
use meiduo_pay_alipay::sign::{sign, signing_string};
use meiduo_test_support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use time::OffsetDateTime;

/// An Alipay order of one unit of SKU 3 by a new shopper; returns (session, order id).
async fn unpaid_order<'a>(app: &'a TestApp, name: &str, mobile: &str) -> (Session<'a>, String) {
    let shopper = app.shopper(name, mobile).await;
    let address = shopper.add_address().await;
    shopper.post("/carts/", json!({"sku_id": 3, "count": 1})).await;
    let placed = shopper.post("/orders/", json!({"address": address, "pay_method": 2})).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{placed:?}");
    (shopper, placed.body["order_id"].as_str().unwrap().to_owned())
}

/// The buyer pays at the sandbox; returns the signed return parameters and notification body,
/// without delivering either.
async fn pay_at_sandbox(app: &TestApp, session: &Session<'_>, order_id: &str) -> (String, String) {
    let url = session.get(&format!("/orders/{order_id}/payment/")).await.body["alipay_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let paid = app
        .sandbox
        .pay(&parse_form(url.split_once('?').unwrap().1).unwrap(), OffsetDateTime::now_utc())
        .unwrap();
    let return_query = paid.return_url.unwrap().split_once('?').unwrap().1.to_owned();
    (return_query, paid.notification)
}

async fn notify(app: &TestApp, body: &str) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .post(format!("{}/payment/alipay/notify/", app.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Re-signs parameters with the sandbox's key after `change` (a forgery only we can make here).
fn resigned(params: &str, change: impl Fn(&mut Vec<(String, String)>)) -> String {
    let mut params: Vec<(String, String)> = parse_form(params)
        .unwrap()
        .into_iter()
        .filter(|(k, _)| k != "sign" && k != "sign_type")
        .collect();
    change(&mut params);
    let signature =
        sign(&private_key(SANDBOX_KEY).unwrap(), &signing_string(&params, &["sign", "sign_type"]));
    params.push(("sign".into(), signature));
    params.push(("sign_type".into(), "RSA2".into()));
    form_encode(&params)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_counts_once_whatever_arrives_and_in_whatever_order() {
    for app in apps().await {
        let engine = app.engine();
        let (shopper, order_id) = unpaid_order(&app, "quinn_pay", "13200000001").await;
        let (return_query, notification) = pay_at_sandbox(&app, &shopper, &order_id).await;

        // The return and the notification race each other.
        let return_path = format!("/payment/status/?{return_query}");
        let returned = shopper.send(Method::PUT, &return_path, None);
        let notified = notify(&app, &notification);
        let (returned, notified) = tokio::join!(returned, notified);
        assert_eq!(returned.status, StatusCode::OK, "{engine}: {returned:?}");
        assert_eq!(notified, (StatusCode::OK, "success".to_owned()), "{engine}");
        let trade_id = returned.body["trade_id"].as_str().unwrap().to_owned();

        // Replays change nothing and answer the same.
        for _ in 0..2 {
            let again =
                shopper.send(Method::PUT, &format!("/payment/status/?{return_query}"), None).await;
            assert_eq!(again.body["trade_id"], trade_id.as_str(), "{engine}");
            assert_eq!(notify(&app, &notification).await.1, "success");
        }
        assert_eq!(app.db.count("tb_payment").await, 1, "{engine}: one payment");
        let mine = shopper.get("/orders/").await.body;
        assert_eq!(mine["results"][0]["status"], 2, "{engine}: Unpaid → Unsend");
        // A paid order cannot be paid or cancelled again.
        assert_eq!(
            shopper.get(&format!("/orders/{order_id}/payment/")).await.code(),
            "not_payable"
        );
        assert_eq!(
            shopper.put(&format!("/orders/{order_id}/cancel/"), json!({})).await.code(),
            "not_payable"
        );

        // A second, different trade for the paid order is recorded and refunded, not accepted.
        let second_trade = format!("{trade_id}9");
        let paid = parse_form(&notification).unwrap();
        let amount = &paid.iter().find(|(k, _)| k == "total_amount").unwrap().1;
        app.sandbox.record_paid_trade(&order_id, &second_trade, amount);
        let second = resigned(&notification, |p| {
            for (k, v) in p.iter_mut() {
                if k == "trade_no" {
                    *v = format!("{v}9");
                }
            }
        });
        assert_eq!(notify(&app, &second).await.1, "success", "{engine}: handled, no resending");
        assert_eq!(app.db.count("tb_payment").await, 1);
        // At the gateway the second trade is refunded (closed) and the order's payment stands.
        assert_eq!(app.sandbox.trade_status(&second_trade), Some(TradeStatus::Closed), "{engine}");
        assert_eq!(app.sandbox.trade_status(&trade_id), Some(TradeStatus::Success), "{engine}");
        assert_eq!(
            app.db
                .scalar("SELECT COUNT(*) FROM tb_payment_refund WHERE refunded = 1", vec![])
                .await,
            1,
            "{engine}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_or_wrong_callbacks_change_nothing() {
    for app in apps().await {
        let engine = app.engine();
        let (shopper, order_id) = unpaid_order(&app, "rita_forge", "13200000002").await;
        let (return_query, notification) = pay_at_sandbox(&app, &shopper, &order_id).await;
        let cases = [
            (
                "tampered amount",
                return_query.replace("total_amount=", "total_amount=0"),
                StatusCode::FORBIDDEN,
                "bad_signature",
            ),
            (
                "missing sign",
                parse_and_drop(&return_query, "sign"),
                StatusCode::FORBIDDEN,
                "bad_signature",
            ),
            (
                "another app",
                resigned(&return_query, |p| set(p, "app_id", "2099999999999999")),
                StatusCode::FORBIDDEN,
                "wrong_app",
            ),
            (
                "other amount",
                resigned(&return_query, |p| set(p, "total_amount", "0.01")),
                StatusCode::BAD_REQUEST,
                "amount_mismatch",
            ),
            (
                "unknown order",
                resigned(&return_query, |p| {
                    set(p, "out_trade_no", "20990101000000000000001000001")
                }),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                "duplicated parameter",
                format!("{return_query}&total_amount=0.01"),
                StatusCode::BAD_REQUEST,
                "invalid_payment_params",
            ),
        ];
        for (what, query, status, code) in cases {
            let answer =
                shopper.send(Method::PUT, &format!("/payment/status/?{query}"), None).await;
            assert_eq!(
                (answer.status, answer.code()),
                (status, code),
                "{engine}: {what}: {answer:?}"
            );
        }
        let forged_note = notification.replace("total_amount=", "total_amount=1");
        assert_eq!(
            notify(&app, &forged_note).await,
            (StatusCode::FORBIDDEN, "failure".to_owned()),
            "{engine}"
        );
        assert_eq!(app.db.count("tb_payment").await, 0, "{engine}: nothing was recorded");
        assert_eq!(
            shopper.get("/orders/").await.body["results"][0]["status"],
            1,
            "{engine}: still unpaid"
        );
    }
}

fn set(params: &mut [(String, String)], key: &str, value: &str) {
    for (k, v) in params.iter_mut() {
        if k == key {
            *v = value.to_owned();
        }
    }
}

fn parse_and_drop(query: &str, key: &str) -> String {
    form_encode(
        &parse_form(query).unwrap().into_iter().filter(|(k, _)| k != key).collect::<Vec<_>>(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_gives_the_stock_back_and_a_late_payment_is_refunded() {
    for app in apps().await {
        let engine = app.engine();
        let (stock, sales) = app.db.sku_counts(3).await;
        let (shopper, order_id) = unpaid_order(&app, "sam_cancel", "13200000003").await;
        assert_eq!(app.db.sku_counts(3).await, (stock - 1, sales + 1));
        let stranger = app.shopper("tina_stranger", "13200000004").await;
        assert_eq!(
            stranger.put(&format!("/orders/{order_id}/cancel/"), json!({})).await.status,
            StatusCode::NOT_FOUND
        );
        let (return_query, _) = pay_at_sandbox(&app, &shopper, &order_id).await;

        let canceled = shopper.put(&format!("/orders/{order_id}/cancel/"), json!({})).await;
        assert_eq!(canceled.body["status"], 6, "{engine}: {canceled:?}");
        assert_eq!(app.db.sku_counts(3).await, (stock, sales), "{engine}: stock and sales back");
        assert_eq!(
            shopper.put(&format!("/orders/{order_id}/cancel/"), json!({})).await.code(),
            "not_payable"
        );
        assert_eq!(app.db.sku_counts(3).await, (stock, sales), "{engine}: given back once");

        // The payment made before the cancellation arrives late: refunded and recorded.
        let late =
            shopper.send(Method::PUT, &format!("/payment/status/?{return_query}"), None).await;
        assert_eq!(late.code(), "payment_refunded", "{engine}: {late:?}");
        assert_eq!(
            app.db
                .scalar("SELECT COUNT(*) FROM tb_payment_refund WHERE refunded = 1", vec![])
                .await,
            1
        );
        assert_eq!(app.db.count("tb_payment").await, 0);

        // A cash order is not paid online.
        let address = shopper.add_address().await;
        shopper.post("/carts/", json!({"sku_id": 3, "count": 1})).await;
        let cash = shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
        let cash_id = cash.body["order_id"].as_str().unwrap();
        assert_eq!(
            shopper.get(&format!("/orders/{cash_id}/payment/")).await.code(),
            "not_alipay",
            "{engine}"
        );
    }
}

/// A clock that says it is later than it is.
struct Later(Duration);

#[async_trait]
impl Clock for Later {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.0
    }
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

fn payments(app: &TestApp, ahead: Duration) -> Payments {
    let store = &app.db.store;
    Payments::new(
        PaymentPorts {
            uow: Arc::new(store.unit_of_work()),
            orders: Arc::new(store.orders()),
            payments: Arc::new(store.payments()),
            gateway: Arc::new(AlipayGateway::new(app.gateway.clone()).unwrap()),
            clock: Arc::new(Later(ahead)),
        },
        app.gateway.app_id.clone(),
        meiduo_pay_alipay::sandbox::SANDBOX_SELLER_ID.to_owned(),
        Duration::from_secs(30 * 60),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_for_another_seller_or_an_inexact_amount_changes_nothing() {
    for app in apps().await {
        let engine = app.engine();
        let (shopper, order_id) = unpaid_order(&app, "rita_pay", "13200000009").await;
        let (_, notification) = pay_at_sandbox(&app, &shopper, &order_id).await;
        let amount = parse_form(&notification)
            .unwrap()
            .into_iter()
            .find(|(k, _)| k == "total_amount")
            .unwrap()
            .1;
        let forgeries = [
            resigned(&notification, |params| {
                for (k, v) in params.iter_mut() {
                    if k == "seller_id" {
                        *v = "2088999999999999".into();
                    }
                }
            }),
            resigned(&notification, |params| {
                for (k, v) in params.iter_mut() {
                    if k == "total_amount" {
                        *v = format!("{amount}4");
                    }
                }
            }),
        ];
        for forged in forgeries {
            let (status, text) = notify(&app, &forged).await;
            assert_ne!(text, "success", "{engine}: {status}");
            assert!(status.is_client_error(), "{engine}: {status}");
        }
        assert_eq!(app.db.count("tb_payment").await, 0, "{engine}: nothing recorded");
        assert_eq!(
            shopper.get("/orders/").await.body["results"][0]["status"],
            1,
            "{engine}: still unpaid"
        );
        // The genuine one still counts.
        assert_eq!(notify(&app, &notification).await.1, "success", "{engine}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpaid_orders_expire_once_unless_the_gateway_says_they_were_paid() {
    for app in apps().await {
        let engine = app.engine();
        let (stock, sales) = app.db.sku_counts(3).await;
        let (unpaid_shopper, unpaid) = unpaid_order(&app, "uma_expire", "13200000005").await;
        let (paid_shopper, paid) = unpaid_order(&app, "vic_lost", "13200000006").await;
        // Paid at the gateway, but the notification and the return were lost.
        pay_at_sandbox(&app, &paid_shopper, &paid).await;

        // Not old enough yet: nothing happens.
        assert_eq!(
            payments(&app, Duration::ZERO).expire_unpaid(100).await.unwrap(),
            ExpiryReport::default()
        );

        // Thirty-one minutes later, two replicas run the task at once.
        let (a, b) = (
            payments(&app, Duration::from_secs(31 * 60)),
            payments(&app, Duration::from_secs(31 * 60)),
        );
        let (first, second) = tokio::join!(a.expire_unpaid(100), b.expire_unpaid(100));
        let (first, second) = (first.unwrap(), second.unwrap());
        assert_eq!(
            first.canceled + second.canceled,
            1,
            "{engine}: cancelled once: {first:?} {second:?}"
        );
        assert!(
            first.confirmed + second.confirmed >= 1,
            "{engine}: the paid one is confirmed, not cancelled"
        );
        assert_eq!(
            unpaid_shopper.get("/orders/").await.body["results"][0]["status"],
            6,
            "{engine}: expired"
        );
        assert_eq!(
            paid_shopper.get("/orders/").await.body["results"][0]["status"],
            2,
            "{engine}: paid"
        );
        assert_eq!(
            unpaid_shopper.get(&format!("/orders/{unpaid}/payment/")).await.code(),
            "not_payable"
        );
        assert_eq!(
            app.db.sku_counts(3).await,
            (stock - 1, sales + 1),
            "{engine}: one unit given back, once"
        );
        assert_eq!(app.db.count("tb_payment").await, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_due_are_claimed_once_and_wait_after_a_failure() {
    use meiduo_domain::ports::PaymentRepository;
    for app in apps().await {
        let engine = app.engine();
        let (_, order_id) = unpaid_order(&app, "sam_refund", "13200000010").await;
        let amount = if engine == "sqlite" { "650900" } else { "6509.00" };
        let now = meiduo_test_support::db::time_value(OffsetDateTime::now_utc());
        app.db
            .exec(
                &format!(
                    "INSERT INTO tb_payment_refund (order_id, trade_id, amount, reason, refunded, \
                     create_time, update_time) VALUES (?, 'T-late', {amount}, 'test', 0, ?, ?)"
                ),
                vec![order_id.clone().into(), now.clone(), now],
            )
            .await;
        let store = app.db.store.payments();
        let at = OffsetDateTime::now_utc();
        let claim = at + Duration::from_secs(300);
        assert_eq!(store.pending_refunds().await.unwrap(), 1, "{engine}");
        let first = store.claim_due_refunds(at, claim, 10).await.unwrap();
        assert_eq!(first.len(), 1, "{engine}");
        assert_eq!((first[0].trade_id.as_str(), first[0].attempts), ("T-late", 0));
        assert_eq!(first[0].amount.to_string(), "6509.00", "{engine}");
        assert!(
            store.claim_due_refunds(at, claim, 10).await.unwrap().is_empty(),
            "{engine}: claimed once"
        );
        store
            .refund_failed("T-late", at + Duration::from_secs(60), "ACQ.SYSTEM_ERROR")
            .await
            .unwrap();
        assert!(
            store.claim_due_refunds(at, claim, 10).await.unwrap().is_empty(),
            "{engine}: not due yet"
        );
        let later = at + Duration::from_secs(61);
        let again =
            store.claim_due_refunds(later, later + Duration::from_secs(300), 10).await.unwrap();
        assert_eq!(again[0].attempts, 1, "{engine}: the failure was counted");
        store.mark_refunded("T-late").await.unwrap();
        assert_eq!(store.pending_refunds().await.unwrap(), 0, "{engine}");
        let much_later = at + Duration::from_secs(3600);
        assert!(store.claim_due_refunds(much_later, much_later, 10).await.unwrap().is_empty());
    }
}
