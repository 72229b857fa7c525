use async_trait::async_trait;

use super::Cause;
use crate::{OrderId, PagePayRequest, RefundRequest, TradeCallback, TradeState};

/// An error of the payment gateway.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The signature is missing or does not verify with the gateway's public key.
    #[error("the signature does not verify")]
    BadSignature,
    /// The parameters are malformed: a field missing or unparsable, a parameter given twice.
    #[error("malformed gateway parameters: {0}")]
    Malformed(String),
    /// The gateway cannot be reached; the cause is kept for the log.
    #[error("the payment gateway is unavailable: {0}")]
    Unavailable(#[source] Cause),
    /// The gateway did not answer in time.
    #[error("the payment gateway timed out: {0}")]
    TimedOut(#[source] Cause),
    /// The gateway answered with a business error (code and message).
    #[error("the payment gateway refused: {0}")]
    Refused(String),
}

/// Two errors are equal when they are of the same kind and read the same (a cause is not
/// comparable otherwise).
impl PartialEq for PaymentError {
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && self.to_string() == other.to_string()
    }
}

impl Eq for PaymentError {}

/// The online payment provider (Alipay, or a sandbox that plays its part).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// The URL the buyer's browser is sent to, to pay `request` (a signed page-pay request).
    ///
    /// # Errors
    /// [`PaymentError::Malformed`] when the request cannot be encoded or signed.
    async fn page_pay_url(&self, request: &PagePayRequest) -> Result<String, PaymentError>;

    /// Verifies a browser return (its query string) or an asynchronous notification (its form
    /// body), URL-encoded exactly as received.
    ///
    /// # Errors
    /// [`PaymentError::BadSignature`] unless the signature verifies with the gateway's public
    /// key; [`PaymentError::Malformed`] for a parameter given twice, missing or unparsable.
    fn verify_callback(&self, raw: &str) -> Result<TradeCallback, PaymentError>;

    /// Asks the gateway for the trade of this order: `Ok(None)` when it knows no such trade.
    ///
    /// # Errors
    /// [`PaymentError::Unavailable`] when the gateway cannot be reached or does not answer in time;
    /// [`PaymentError::Refused`] when it answers with a business error; [`PaymentError::BadSignature`]
    /// or [`PaymentError::Malformed`] when its answer does not verify or does not parse.
    async fn query_trade(&self, order_id: &OrderId) -> Result<Option<TradeState>, PaymentError>;

    /// Refunds (part of) a trade. Idempotent per `request_id`.
    ///
    /// # Errors
    /// [`PaymentError::Unavailable`] when the gateway cannot be reached or does not answer in time;
    /// [`PaymentError::Refused`] when it answers with a business error; [`PaymentError::BadSignature`]
    /// or [`PaymentError::Malformed`] when its answer does not verify or does not parse.
    async fn refund(&self, request: &RefundRequest) -> Result<(), PaymentError>;
}
