//! Payment through an online gateway (Alipay, or the sandbox that plays its part).

use crate::{Money, OrderId};

/// What the buyer is asked to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagePayRequest {
    pub order_id: OrderId,
    pub amount: Money,
    /// The subject shown to the buyer on the gateway's page.
    pub subject: String,
}

/// A trade's state as the gateway reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeStatus {
    /// WAIT_BUYER_PAY: created, not paid.
    WaitBuyerPay,
    /// TRADE_CLOSED: closed unpaid, or fully refunded.
    Closed,
    /// TRADE_SUCCESS: paid; refunds still possible.
    Success,
    /// TRADE_FINISHED: paid; no longer refundable.
    Finished,
}

impl TradeStatus {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "WAIT_BUYER_PAY" => Some(TradeStatus::WaitBuyerPay),
            "TRADE_CLOSED" => Some(TradeStatus::Closed),
            "TRADE_SUCCESS" => Some(TradeStatus::Success),
            "TRADE_FINISHED" => Some(TradeStatus::Finished),
            _ => None,
        }
    }

    /// Whether money was received: only TRADE_SUCCESS and TRADE_FINISHED count as paid.
    pub fn is_paid(self) -> bool {
        matches!(self, TradeStatus::Success | TradeStatus::Finished)
    }
}

/// The facts of a signed return or notification, after its signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeCallback {
    pub app_id: String,
    /// The merchant the money went to (Alipay's PID of the seller).
    pub seller_id: String,
    /// Our order id.
    pub out_trade_no: String,
    /// The gateway's trade number.
    pub trade_no: String,
    pub total_amount: Money,
    /// Absent on a browser return: it carries no status, so the trade must be queried.
    pub trade_status: Option<TradeStatus>,
}

/// A trade as `alipay.trade.query` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeState {
    pub out_trade_no: String,
    pub trade_no: String,
    pub total_amount: Money,
    pub status: TradeStatus,
}

/// A refund to ask the gateway for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    pub order_id: OrderId,
    pub trade_no: String,
    pub amount: Money,
    /// Makes the refund idempotent at the gateway: the same request id refunds once.
    pub request_id: String,
    pub reason: String,
}
