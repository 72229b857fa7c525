//! A local stand-in for Alipay's gateway, served by the same binary: it checks page-pay requests
//! with the application's public key, shows the order with a "pay" button, then answers like
//! Alipay does — a signed browser return, a signed asynchronous notification, and signed replies
//! to `alipay.trade.query` and `alipay.trade.refund` — with a key pair of its own. Trades live in
//! memory. Pointing [`AlipayGateway`](crate::AlipayGateway) at it runs the whole protocol offline.

use std::collections::HashMap;
use std::sync::Mutex;

use meiduo_domain::TradeStatus;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::gateway::{form_encode, params, timestamp};
use crate::sign::{ascii_json, sign, signing_string, verify};

/// Why the sandbox refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    #[error("the request's signature does not verify with the application's public key")]
    BadSignature,
    #[error("malformed request: {0}")]
    Malformed(String),
}

/// What the sandbox's payment page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayPage {
    pub subject: String,
    pub out_trade_no: String,
    pub total_amount: String,
}

/// What paying produced: where the browser goes, and the notification to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub trade_no: String,
    /// The return URL with its signed parameters, when the request had one.
    pub return_url: Option<String>,
    pub notify_url: Option<String>,
    /// The form-encoded, signed notification.
    pub notification: String,
}

#[derive(Debug, Clone)]
struct Trade {
    out_trade_no: String,
    trade_no: String,
    total_amount: String,
    status: TradeStatus,
}

#[derive(Debug, Deserialize)]
struct PagePayContent {
    subject: String,
    out_trade_no: String,
    total_amount: String,
}

#[derive(Debug, Deserialize)]
struct ApiContent {
    out_trade_no: String,
    /// Alipay's number of the trade: when given, it names the trade (an order may have been
    /// paid by more than one).
    #[serde(default)]
    trade_no: Option<String>,
    #[serde(default)]
    refund_amount: Option<String>,
}

/// The sandbox gateway.
pub struct Sandbox {
    key: RsaPrivateKey,
    app_public_key: RsaPublicKey,
    seller_id: String,
    trades: Mutex<Trades>,
}

/// The trades by Alipay's number, and each order's first trade (the one paying its page again
/// gives back).
#[derive(Debug, Default)]
struct Trades {
    by_number: HashMap<String, Trade>,
    first_of_order: HashMap<String, String>,
}

impl Trades {
    fn insert(&mut self, trade: Trade) {
        self.first_of_order
            .entry(trade.out_trade_no.clone())
            .or_insert_with(|| trade.trade_no.clone());
        self.by_number.insert(trade.trade_no.clone(), trade);
    }

    /// The trade an API call names: by Alipay's number when given (and of that order), else the
    /// order's first.
    fn named(&mut self, out_trade_no: &str, trade_no: Option<&str>) -> Option<&mut Trade> {
        let number = match trade_no {
            Some(number) => number.to_owned(),
            None => self.first_of_order.get(out_trade_no)?.clone(),
        };
        self.by_number.get_mut(&number).filter(|trade| trade.out_trade_no == out_trade_no)
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("seller_id", &self.seller_id).finish_non_exhaustive()
    }
}

fn field<'a>(params: &'a [(String, String)], name: &str) -> Result<&'a str, SandboxError> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| SandboxError::Malformed(format!("`{name}` is missing")))
}

/// The seller the sandbox pays (its merchant PID).
pub const SANDBOX_SELLER_ID: &str = "2088000000000001";

impl Sandbox {
    /// The same sandbox, paying another seller (a test of notifications for somebody else).
    pub fn with_seller(mut self, seller_id: &str) -> Self {
        self.seller_id = seller_id.to_owned();
        self
    }

    /// A sandbox signing with `key` (its own, "Alipay's") and checking requests with the
    /// application's public key.
    pub fn new(key: RsaPrivateKey, app_public_key: RsaPublicKey) -> Self {
        Sandbox {
            key,
            app_public_key,
            seller_id: SANDBOX_SELLER_ID.into(),
            trades: Mutex::default(),
        }
    }

    /// Records another paid trade of an order, as when a buyer paid it a second time through
    /// another channel: the shop must refund that one and keep the first.
    pub fn record_paid_trade(&self, out_trade_no: &str, trade_no: &str, total_amount: &str) {
        if let Ok(mut trades) = self.trades.lock() {
            trades.insert(Trade {
                out_trade_no: out_trade_no.to_owned(),
                trade_no: trade_no.to_owned(),
                total_amount: total_amount.to_owned(),
                status: TradeStatus::Success,
            });
        }
    }

    /// The state of a trade by Alipay's number (`None`: the sandbox made no such trade).
    pub fn trade_status(&self, trade_no: &str) -> Option<TradeStatus> {
        let trades = self.trades.lock().ok()?;
        trades.by_number.get(trade_no).map(|trade| trade.status)
    }

    /// The sandbox's public key as PEM: what the application verifies with.
    pub fn public_key_pem(&self) -> String {
        RsaPublicKey::from(&self.key).to_public_key_pem(LineEnding::LF).unwrap_or_default()
    }

    fn check(&self, params: &[(String, String)]) -> Result<(), SandboxError> {
        let signature = field(params, "sign")?;
        if verify(&self.app_public_key, &signing_string(params, &["sign"]), signature) {
            Ok(())
        } else {
            Err(SandboxError::BadSignature)
        }
    }

    /// Callback parameters as Alipay sends them: signed over everything but `sign` and
    /// `sign_type`, which follow.
    fn signed_callback(&self, fields: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut signed = params(fields);
        let signature = sign(&self.key, &signing_string(&signed, &["sign", "sign_type"]));
        signed.push(("sign".into(), signature));
        signed.push(("sign_type".into(), "RSA2".into()));
        signed
    }

    /// Checks a page-pay request (the gateway URL's query) and says what to show.
    pub fn open(&self, params: &[(String, String)]) -> Result<PayPage, SandboxError> {
        self.check(params)?;
        if field(params, "method")? != "alipay.trade.page.pay" {
            return Err(SandboxError::Malformed("not a page-pay request".into()));
        }
        let content: PagePayContent = serde_json::from_str(field(params, "biz_content")?)
            .map_err(|e| SandboxError::Malformed(format!("biz_content: {e}")))?;
        Ok(PayPage {
            subject: content.subject,
            out_trade_no: content.out_trade_no,
            total_amount: content.total_amount,
        })
    }

    /// The buyer pays the page-pay request: the trade is recorded as TRADE_SUCCESS (once: paying
    /// twice gives the same trade) and the signed return and notification are made.
    pub fn pay(
        &self,
        params: &[(String, String)],
        now: OffsetDateTime,
    ) -> Result<Paid, SandboxError> {
        let page = self.open(params)?;
        let app_id = field(params, "app_id")?.to_owned();
        let trade = {
            let mut trades =
                self.trades.lock().map_err(|_| SandboxError::Malformed("poisoned".into()))?;
            match trades.named(&page.out_trade_no, None) {
                Some(trade) => trade.clone(),
                None => {
                    let trade = Trade {
                        out_trade_no: page.out_trade_no.clone(),
                        trade_no: format!(
                            "{}{:010}",
                            timestamp(now).replace(['-', ' ', ':'], ""),
                            stable_number(&page.out_trade_no)
                        ),
                        total_amount: page.total_amount.clone(),
                        status: TradeStatus::Success,
                    };
                    trades.insert(trade.clone());
                    trade
                }
            }
        };
        let stamp = timestamp(now);
        let back = self.signed_callback(&[
            ("app_id", app_id.as_str()),
            ("auth_app_id", app_id.as_str()),
            ("charset", "utf-8"),
            ("method", "alipay.trade.page.pay.return"),
            ("out_trade_no", page.out_trade_no.as_str()),
            ("seller_id", self.seller_id.as_str()),
            ("timestamp", stamp.as_str()),
            ("total_amount", trade.total_amount.as_str()),
            ("trade_no", trade.trade_no.as_str()),
            ("version", "1.0"),
        ]);
        let return_url = params.iter().find(|(k, _)| k == "return_url").map(|(_, url)| {
            format!("{url}{}{}", if url.contains('?') { '&' } else { '?' }, form_encode(&back))
        });

        let note = self.signed_callback(&[
            ("app_id", app_id.as_str()),
            ("auth_app_id", app_id.as_str()),
            ("buyer_id", "2088000000000002"),
            ("charset", "utf-8"),
            ("gmt_create", stamp.as_str()),
            ("gmt_payment", stamp.as_str()),
            ("notify_id", trade.trade_no.as_str()),
            ("notify_time", stamp.as_str()),
            ("notify_type", "trade_status_sync"),
            ("out_trade_no", page.out_trade_no.as_str()),
            ("seller_id", self.seller_id.as_str()),
            ("subject", page.subject.as_str()),
            ("total_amount", trade.total_amount.as_str()),
            ("trade_no", trade.trade_no.as_str()),
            ("trade_status", "TRADE_SUCCESS"),
            ("version", "1.0"),
        ]);
        Ok(Paid {
            trade_no: trade.trade_no,
            return_url,
            notify_url: params.iter().find(|(k, _)| k == "notify_url").map(|(_, v)| v.clone()),
            notification: form_encode(&note),
        })
    }

    /// Answers an API call (`alipay.trade.query`, `alipay.trade.refund`) with a signed JSON body.
    pub fn api(&self, params: &[(String, String)]) -> Result<String, SandboxError> {
        self.check(params)?;
        let method = field(params, "method")?;
        let content: ApiContent = serde_json::from_str(field(params, "biz_content")?)
            .map_err(|e| SandboxError::Malformed(format!("biz_content: {e}")))?;
        let mut trades =
            self.trades.lock().map_err(|_| SandboxError::Malformed("poisoned".into()))?;
        let trade = trades.named(&content.out_trade_no, content.trade_no.as_deref());
        let reply = match (method, trade) {
            (_, None) => ascii_json(&[
                ("code", "40004"),
                ("msg", "Business Failed"),
                ("sub_code", "ACQ.TRADE_NOT_EXIST"),
                ("sub_msg", "交易不存在"),
            ]),
            ("alipay.trade.query", Some(trade)) => {
                let status = match trade.status {
                    TradeStatus::WaitBuyerPay => "WAIT_BUYER_PAY",
                    TradeStatus::Closed => "TRADE_CLOSED",
                    TradeStatus::Success => "TRADE_SUCCESS",
                    TradeStatus::Finished => "TRADE_FINISHED",
                };
                ascii_json(&[
                    ("code", "10000"),
                    ("msg", "Success"),
                    ("out_trade_no", &content.out_trade_no),
                    ("trade_no", &trade.trade_no),
                    ("total_amount", &trade.total_amount),
                    ("trade_status", status),
                ])
            }
            ("alipay.trade.refund", Some(trade)) => {
                if content.refund_amount.as_deref() == Some(trade.total_amount.as_str()) {
                    trade.status = TradeStatus::Closed;
                }
                ascii_json(&[
                    ("code", "10000"),
                    ("msg", "Success"),
                    ("out_trade_no", &content.out_trade_no),
                    ("trade_no", &trade.trade_no),
                    ("refund_fee", content.refund_amount.as_deref().unwrap_or("0.00")),
                    ("fund_change", "Y"),
                ])
            }
            (other, _) => {
                return Err(SandboxError::Malformed(format!("unsupported method {other}")));
            }
        };
        let response_field = format!("{}_response", method.replace('.', "_"));
        let signature = sign(&self.key, &reply);
        Ok(format!("{{\"{response_field}\":{reply},\"sign\":\"{signature}\"}}"))
    }
}

/// A 10-digit number derived from the order id (FNV-1a), so a trade number is stable per order.
fn stable_number(seed: &str) -> u64 {
    seed.bytes().fold(1_469_598_103_934_665_603u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211)
    }) % 10_000_000_000
}

/// Posts a notification the way Alipay does (form-encoded), retrying a few times until the shop
/// answers `success`.
pub async fn deliver(notify_url: &str, notification: &str) -> bool {
    let client = reqwest::Client::new();
    for attempt in 0..5u64 {
        let sent = client
            .post(notify_url)
            .header("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
            .body(notification.to_owned())
            .send()
            .await;
        if let Ok(response) = sent
            && response.text().await.is_ok_and(|body| body.trim() == "success")
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200 * (attempt + 1))).await;
    }
    tracing::warn!(notify_url, "the sandbox's notification was not acknowledged");
    false
}
