//! The Alipay protocol: known-answer vectors (signatures computed independently with
//! `openssl dgst -sha256 -sign`), key formats, verification failures, and API calls answered by
//! the sandbox.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use meiduo_domain::ports::{PaymentError, PaymentGateway};
use meiduo_domain::{Money, OrderId, PagePayRequest, RefundRequest, TradeStatus};
use meiduo_pay_alipay::gateway::{form_encode, parse_form};
use meiduo_pay_alipay::keys::{private_key, public_key};
use meiduo_pay_alipay::sandbox::Sandbox;
use meiduo_pay_alipay::sign::signing_string;
use meiduo_pay_alipay::{AlipayConfig, AlipayGateway};
use time::macros::datetime;

const APP_PKCS8: &str = include_str!("fixtures/app_private_pkcs8.pem");
const APP_PKCS1: &str = include_str!("fixtures/app_private_pkcs1.pem");
const APP_PUBLIC: &str = include_str!("fixtures/app_public.pem");
const ALIPAY_PRIVATE: &str = include_str!("fixtures/alipay_private.pem");
const ALIPAY_PUBLIC: &str = include_str!("fixtures/alipay_public.pem");
const ALIPAY_PUBLIC_ONE_LINE: &str = include_str!("fixtures/alipay_public.oneline");
const KAT_PAGE_PAY: &str = include_str!("fixtures/kat_page_pay.txt");
const KAT_PAGE_PAY_SIG: &str = include_str!("fixtures/kat_page_pay.sig");
const KAT_NOTIFY: &str = include_str!("fixtures/kat_notify.txt");
const KAT_NOTIFY_SIG: &str = include_str!("fixtures/kat_notify.sig");
const ORDER: &str = "20261122120506000000042000007";

fn config(app_key: &str, alipay_key: &str, gateway: &str) -> AlipayConfig {
    AlipayConfig {
        app_id: "2016091100487120".into(),
        app_private_key: private_key(app_key).unwrap(),
        alipay_public_key: public_key(alipay_key).unwrap(),
        gateway: gateway.into(),
        notify_url: "http://127.0.0.1:8000/payment/alipay/notify/".into(),
        return_url: Some("http://www.meiduo.site:8080/pay_success.html".into()),
        timeout: Duration::from_secs(5),
    }
}

fn request() -> PagePayRequest {
    PagePayRequest {
        order_id: OrderId::parse(ORDER).unwrap(),
        amount: "13008.00".parse().unwrap(),
        subject: format!("美多商城订单:{ORDER}"),
    }
}

fn query_of(url: &str) -> Vec<(String, String)> {
    parse_form(url.split_once('?').unwrap().1).unwrap()
}

#[test]
fn the_page_pay_url_matches_the_known_answer() {
    let gateway = AlipayGateway::new(config(
        APP_PKCS8,
        ALIPAY_PUBLIC,
        "https://openapi.alipay.com/gateway.do",
    ))
    .unwrap();
    let url = gateway.page_pay_url_at(&request(), datetime!(2026-11-22 04:05:06 UTC));
    assert!(
        url.starts_with(
            "https://openapi.alipay.com/gateway.do?app_id=2016091100487120&biz_content="
        )
    );
    assert!(
        url.contains("&timestamp=2026-11-22+12%3A05%3A06&"),
        "Beijing time, form-encoded: {url}"
    );
    assert!(url.contains("%5Cu7f8e%5Cu591a"), "non-ASCII escaped as \\uXXXX before encoding");
    let params = query_of(&url);
    assert_eq!(params.last().unwrap().0, "sign", "the signature comes last");
    assert_eq!(signing_string(&params, &["sign"]), KAT_PAGE_PAY);
    assert_eq!(params.iter().find(|(k, _)| k == "sign").unwrap().1, KAT_PAGE_PAY_SIG);
    let keys: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    let mut sorted = keys.clone();
    sorted[..keys.len() - 1].sort_unstable();
    assert_eq!(keys, sorted, "the parameters are sorted");
}

#[test]
fn every_key_format_signs_the_same() {
    let stripped: String = APP_PKCS8.lines().filter(|l| !l.starts_with("-----")).collect();
    for key in [APP_PKCS8, APP_PKCS1, stripped.as_str()] {
        let gateway =
            AlipayGateway::new(config(key, ALIPAY_PUBLIC_ONE_LINE, "https://gw")).unwrap();
        let params =
            query_of(&gateway.page_pay_url_at(&request(), datetime!(2026-11-22 04:05:06 UTC)));
        assert_eq!(params.iter().find(|(k, _)| k == "sign").unwrap().1, KAT_PAGE_PAY_SIG);
    }
    assert!(private_key("not a key").is_err());
    assert!(public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err());
}

fn notification() -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = KAT_NOTIFY
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    params.push(("sign".into(), KAT_NOTIFY_SIG.into()));
    params.push(("sign_type".into(), "RSA2".into()));
    params
}

#[test]
fn a_notification_signed_by_alipay_verifies() {
    let gateway =
        AlipayGateway::new(config(APP_PKCS8, ALIPAY_PUBLIC_ONE_LINE, "https://gw")).unwrap();
    let callback = gateway.verify_callback(&form_encode(&notification())).unwrap();
    assert_eq!(callback.app_id, "2016091100487120");
    assert_eq!(callback.out_trade_no, ORDER);
    assert_eq!(callback.trade_no, "2026112222001446880500123456");
    assert_eq!(callback.total_amount, "13008.00".parse::<Money>().unwrap());
    assert_eq!(callback.trade_status, Some(TradeStatus::Success));
    // Form-encoded and parsed back (as the notify endpoint receives it), it still verifies.
    let round_trip = parse_form(&form_encode(&notification())).unwrap();
    assert!(gateway.verify_callback(&form_encode(&round_trip)).is_ok());
}

#[test]
fn tampering_a_wrong_key_a_missing_sign_or_a_duplicate_is_refused() {
    let gateway = AlipayGateway::new(config(APP_PKCS8, ALIPAY_PUBLIC, "https://gw")).unwrap();
    let mut tampered = notification();
    for (k, v) in &mut tampered {
        if k == "total_amount" {
            *v = "0.01".into();
        }
    }
    assert_eq!(gateway.verify_callback(&form_encode(&tampered)), Err(PaymentError::BadSignature));
    let unsigned: Vec<_> = notification().into_iter().filter(|(k, _)| k != "sign").collect();
    assert_eq!(gateway.verify_callback(&form_encode(&unsigned)), Err(PaymentError::BadSignature));
    let mut duplicated = notification();
    duplicated.push(("total_amount".into(), "0.01".into()));
    assert!(matches!(
        gateway.verify_callback(&form_encode(&duplicated)),
        Err(PaymentError::Malformed(_))
    ));
    assert!(parse_form("a=1&b=2&a=3").is_err(), "a duplicated form parameter is refused");
    // Verified against the wrong public key (ours, not Alipay's).
    let wrong = AlipayGateway::new(config(APP_PKCS8, APP_PUBLIC, "https://gw")).unwrap();
    assert_eq!(
        wrong.verify_callback(&form_encode(&notification())),
        Err(PaymentError::BadSignature)
    );
}

/// Serves the sandbox's API over HTTP on a local port, optionally rewriting its replies.
async fn stand_in(sandbox: std::sync::Arc<Sandbox>, rewrite: fn(String) -> String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/gateway.do", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let sandbox = sandbox.clone();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap();
                    buffer.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buffer).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length: usize = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap())
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            let reply = rewrite(sandbox.api(&parse_form(body).unwrap()).unwrap());
                            let response = format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: application/json;charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                                reply.len()
                            );
                            socket.write_all(response.as_bytes()).await.unwrap();
                            return;
                        }
                    }
                    if n == 0 {
                        return;
                    }
                }
            });
        }
    });
    address
}

#[tokio::test]
async fn query_and_refund_through_a_local_stand_in() {
    let sandbox = std::sync::Arc::new(Sandbox::new(
        private_key(ALIPAY_PRIVATE).unwrap(),
        public_key(APP_PUBLIC).unwrap(),
    ));
    let address = stand_in(sandbox.clone(), |reply| reply).await;
    let gateway = AlipayGateway::new(config(APP_PKCS8, ALIPAY_PUBLIC, &address)).unwrap();
    let order = OrderId::parse(ORDER).unwrap();
    assert_eq!(gateway.query_trade(&order).await.unwrap(), None, "no trade yet");

    let url = gateway.page_pay_url_at(&request(), datetime!(2026-11-22 04:05:06 UTC));
    let paid = sandbox.pay(&query_of(&url), datetime!(2026-11-22 04:06:00 UTC)).unwrap();
    let state = gateway.query_trade(&order).await.unwrap().unwrap();
    assert_eq!(
        (state.status, state.trade_no.as_str()),
        (TradeStatus::Success, paid.trade_no.as_str())
    );
    assert_eq!(state.total_amount, "13008.00".parse::<Money>().unwrap());
    // The return and the notification the sandbox made verify with its key.
    let return_url = paid.return_url.unwrap();
    let (_, return_query) = return_url.split_once('?').unwrap();
    let callback = gateway.verify_callback(return_query).unwrap();
    assert_eq!((callback.trade_no, callback.trade_status), (paid.trade_no.clone(), None));
    assert!(gateway.verify_callback(&paid.notification).unwrap().trade_status.unwrap().is_paid());

    let refund = RefundRequest {
        order_id: order.clone(),
        trade_no: paid.trade_no,
        amount: "13008.00".parse().unwrap(),
        request_id: "refund-1".into(),
        reason: "test".into(),
    };
    gateway.refund(&refund).await.unwrap();
    assert_eq!(gateway.query_trade(&order).await.unwrap().unwrap().status, TradeStatus::Closed);
}

#[tokio::test]
async fn a_reply_whose_raw_text_changed_does_not_verify() {
    let sandbox = std::sync::Arc::new(Sandbox::new(
        private_key(ALIPAY_PRIVATE).unwrap(),
        public_key(APP_PUBLIC).unwrap(),
    ));
    // Same JSON value, other text: the signature covers the raw text, so it must fail.
    let address = stand_in(sandbox, |reply| reply.replacen("{\"code\"", "{ \"code\"", 1)).await;
    let gateway = AlipayGateway::new(config(APP_PKCS8, ALIPAY_PUBLIC, &address)).unwrap();
    assert_eq!(
        gateway.query_trade(&OrderId::parse(ORDER).unwrap()).await,
        Err(PaymentError::BadSignature)
    );
}
