//! Alipay as the [`PaymentGateway`]: `alipay.trade.page.pay` URLs, verified returns and
//! notifications, `alipay.trade.query` and `alipay.trade.refund`.

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use meiduo_domain::ports::{PaymentError, PaymentGateway};
use meiduo_domain::{
    BEIJING, Money, OrderId, PagePayRequest, RefundRequest, TradeCallback, TradeState, TradeStatus,
};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Deserialize;
use serde_json::value::RawValue;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::sign::{ascii_json, sign, signing_string, verify};

/// Alipay's production gateway.
pub const PRODUCTION_GATEWAY: &str = "https://openapi.alipay.com/gateway.do";
/// Alipay's sandbox gateway.
pub const SANDBOX_GATEWAY: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

/// How to talk to Alipay.
#[derive(Clone)]
pub struct AlipayConfig {
    pub app_id: String,
    /// Our application's private key (signs requests).
    pub app_private_key: RsaPrivateKey,
    /// Alipay's public key (verifies returns, notifications and responses).
    pub alipay_public_key: RsaPublicKey,
    /// The gateway URL: production, Alipay's sandbox, or any (a local stand-in).
    pub gateway: String,
    /// Where Alipay posts the asynchronous notification.
    pub notify_url: String,
    /// Where the buyer's browser returns after paying.
    pub return_url: Option<String>,
    /// Each call to the gateway gives up after this long.
    pub timeout: Duration,
}

impl std::fmt::Debug for AlipayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlipayConfig")
            .field("app_id", &self.app_id)
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

/// The Alipay gateway.
#[derive(Debug, Clone)]
pub struct AlipayGateway {
    config: AlipayConfig,
    http: reqwest::Client,
}

/// Owned `(key, value)` pairs.
pub(crate) fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// `YYYY-MM-DD HH:MM:SS` in Beijing time, whatever the server's zone.
pub fn timestamp(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    at.to_offset(BEIJING).format(&format).unwrap_or_default()
}

/// `k=v&...` form-encoded, in the given order.
pub fn form_encode(params: &[(String, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        out.append_pair(k, v);
    }
    out.finish()
}

/// Parses form parameters, refusing a parameter given twice.
pub fn parse_form(raw: &str) -> Result<Vec<(String, String)>, PaymentError> {
    let params: Vec<(String, String)> =
        form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
    let mut seen = HashSet::new();
    for (key, _) in &params {
        if !seen.insert(key.as_str()) {
            return Err(PaymentError::Malformed(format!("parameter `{key}` is given twice")));
        }
    }
    Ok(params)
}

fn field<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn required<'a>(params: &'a [(String, String)], name: &str) -> Result<&'a str, PaymentError> {
    field(params, name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| PaymentError::Malformed(format!("`{name}` is missing")))
}

#[derive(Debug, Deserialize)]
struct ApiReply {
    code: String,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    sub_code: String,
    #[serde(default)]
    sub_msg: String,
    #[serde(default)]
    out_trade_no: String,
    #[serde(default)]
    trade_no: String,
    #[serde(default)]
    total_amount: String,
    #[serde(default)]
    trade_status: String,
}

/// A transport failure: timed out, or not reachable.
fn unreachable(error: reqwest::Error) -> PaymentError {
    if error.is_timeout() {
        PaymentError::TimedOut(Box::new(error))
    } else {
        PaymentError::Unavailable(Box::new(error))
    }
}

impl AlipayGateway {
    pub fn new(config: AlipayConfig) -> Result<Self, PaymentError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| PaymentError::Unavailable(Box::new(e)))?;
        Ok(AlipayGateway { config, http })
    }

    /// The common request parameters of `method`, signed, sorted.
    fn signed(
        &self,
        method: &str,
        biz_content: &str,
        at: OffsetDateTime,
        with_urls: bool,
    ) -> Vec<(String, String)> {
        let stamp = timestamp(at);
        let mut all = params(&[
            ("app_id", &self.config.app_id),
            ("method", method),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("timestamp", &stamp),
            ("version", "1.0"),
            ("biz_content", biz_content),
        ]);
        if with_urls {
            all.push(("notify_url".into(), self.config.notify_url.clone()));
            if let Some(return_url) = &self.config.return_url {
                all.push(("return_url".into(), return_url.clone()));
            }
        }
        all.retain(|(_, v)| !v.is_empty());
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let signature = sign(&self.config.app_private_key, &signing_string(&all, &["sign"]));
        all.push(("sign".into(), signature));
        all
    }

    /// The page-pay URL as of `at` (the port's method uses the current time).
    pub fn page_pay_url_at(&self, request: &PagePayRequest, at: OffsetDateTime) -> String {
        let amount = request.amount.to_string();
        let biz = ascii_json(&[
            ("subject", &request.subject),
            ("out_trade_no", request.order_id.as_str()),
            ("total_amount", &amount),
            ("product_code", "FAST_INSTANT_TRADE_PAY"),
        ]);
        let signed = self.signed("alipay.trade.page.pay", &biz, at, true);
        let (sign_pair, rest) = signed
            .split_last()
            .map(|(last, rest)| (last.clone(), rest.to_vec()))
            .unwrap_or_default();
        format!("{}?{}&{}", self.config.gateway, form_encode(&rest), form_encode(&[sign_pair]))
    }

    /// Calls an API method and returns its verified reply.
    async fn call(&self, method: &str, biz_content: &str) -> Result<ApiReply, PaymentError> {
        let body = form_encode(&self.signed(method, biz_content, OffsetDateTime::now_utc(), false));
        let response = self
            .http
            .post(&self.config.gateway)
            .header("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
            .body(body)
            .send()
            .await
            .map_err(unreachable)?;
        let text = response.text().await.map_err(unreachable)?;
        let field_name = format!("{}_response", method.replace('.', "_"));
        let envelope: std::collections::HashMap<String, Box<RawValue>> =
            serde_json::from_str(&text)
                .map_err(|e| PaymentError::Malformed(format!("gateway reply: {e}")))?;
        let raw = envelope
            .get(&field_name)
            .ok_or_else(|| PaymentError::Malformed(format!("no `{field_name}`")))?;
        let signature: String = envelope
            .get("sign")
            .and_then(|s| serde_json::from_str(s.get()).ok())
            .ok_or(PaymentError::BadSignature)?;
        // The signature covers the reply object's raw text, exactly as received.
        if !verify(&self.config.alipay_public_key, raw.get(), &signature) {
            return Err(PaymentError::BadSignature);
        }
        serde_json::from_str(raw.get())
            .map_err(|e| PaymentError::Malformed(format!("gateway reply: {e}")))
    }
}

#[async_trait]
impl PaymentGateway for AlipayGateway {
    async fn page_pay_url(&self, request: &PagePayRequest) -> Result<String, PaymentError> {
        Ok(self.page_pay_url_at(request, OffsetDateTime::now_utc()))
    }

    fn verify_callback(&self, raw: &str) -> Result<TradeCallback, PaymentError> {
        let params = &parse_form(raw)?;
        let signature =
            field(params, "sign").filter(|s| !s.is_empty()).ok_or(PaymentError::BadSignature)?;
        let content = signing_string(params, &["sign", "sign_type"]);
        if !verify(&self.config.alipay_public_key, &content, signature) {
            return Err(PaymentError::BadSignature);
        }
        let total_amount = Money::parse_exact(required(params, "total_amount")?).map_err(|_| {
            PaymentError::Malformed("`total_amount` is not an amount of yuan and fen".into())
        })?;
        let trade_status = match field(params, "trade_status") {
            None | Some("") => None,
            Some(status) => Some(TradeStatus::parse(status).ok_or_else(|| {
                PaymentError::Malformed(format!("unknown trade_status {status}"))
            })?),
        };
        Ok(TradeCallback {
            app_id: required(params, "app_id")?.to_owned(),
            seller_id: required(params, "seller_id")?.to_owned(),
            out_trade_no: required(params, "out_trade_no")?.to_owned(),
            trade_no: required(params, "trade_no")?.to_owned(),
            total_amount,
            trade_status,
        })
    }

    async fn query_trade(&self, order_id: &OrderId) -> Result<Option<TradeState>, PaymentError> {
        let reply = self
            .call("alipay.trade.query", &ascii_json(&[("out_trade_no", order_id.as_str())]))
            .await?;
        if reply.code != "10000" {
            if reply.sub_code == "ACQ.TRADE_NOT_EXIST" {
                return Ok(None);
            }
            return Err(PaymentError::Refused(format!(
                "{} {} {} {}",
                reply.code, reply.msg, reply.sub_code, reply.sub_msg
            )));
        }
        let status = TradeStatus::parse(&reply.trade_status).ok_or_else(|| {
            PaymentError::Malformed(format!("unknown trade_status {}", reply.trade_status))
        })?;
        Ok(Some(TradeState {
            out_trade_no: reply.out_trade_no,
            trade_no: reply.trade_no,
            total_amount: Money::parse_exact(&reply.total_amount)
                .map_err(|_| PaymentError::Malformed("total_amount".into()))?,
            status,
        }))
    }

    async fn refund(&self, request: &RefundRequest) -> Result<(), PaymentError> {
        let amount = request.amount.to_string();
        let biz = ascii_json(&[
            ("out_trade_no", request.order_id.as_str()),
            ("trade_no", &request.trade_no),
            ("refund_amount", &amount),
            ("out_request_no", &request.request_id),
            ("refund_reason", &request.reason),
        ]);
        let reply = self.call("alipay.trade.refund", &biz).await?;
        if reply.code == "10000" {
            Ok(())
        } else {
            Err(PaymentError::Refused(format!(
                "{} {} {} {}",
                reply.code, reply.msg, reply.sub_code, reply.sub_msg
            )))
        }
    }
}
