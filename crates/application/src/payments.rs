//! Paying orders online: the page-pay URL, confirmation exactly once from the browser return or
//! the asynchronous notification, cancellation, and expiry of unpaid orders.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use meiduo_domain::ports::{
    Clock, OrderRepository, PaymentError, PaymentGateway, PaymentRepository, PendingRefund,
    StoreError, Transaction, UnitOfWork,
};
use meiduo_domain::{
    Money, Order, OrderId, OrderStatus, PagePayRequest, PayMethod, RefundRequest, TradeCallback,
    UserId,
};

use crate::errors::ServiceFailure;

/// Why a payment request failed. Nothing changed in any case.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PaymentFailure {
    #[error("no such order")]
    NotFound,
    #[error("the order is not paid online (cash on delivery)")]
    NotAlipay,
    #[error("the order is not waiting for payment")]
    NotPayable,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("malformed payment parameters: {0}")]
    Malformed(String),
    #[error("the payment is for another application")]
    WrongApp,
    #[error("the payment went to another seller")]
    WrongSeller,
    #[error("the paid amount {paid} differs from the order's {expected}")]
    AmountMismatch { paid: Money, expected: Money },
    #[error("the trade is not paid")]
    NotPaid,
    #[error("the order was cancelled; the payment is being refunded")]
    Refunded,
    #[error("the order was already paid by another trade; this one is being refunded")]
    PaidByAnotherTrade,
    /// The gateway refused our signed request or could not be reached.
    #[error("the payment gateway failed: {0}")]
    Gateway(String),
    /// The gateway did not answer in time.
    #[error("the payment gateway did not answer in time")]
    GatewayTimedOut,
    #[error(transparent)]
    Failure(#[from] ServiceFailure),
}

impl From<StoreError> for PaymentFailure {
    fn from(value: StoreError) -> Self {
        PaymentFailure::Failure(value.into())
    }
}

impl From<PaymentError> for PaymentFailure {
    fn from(value: PaymentError) -> Self {
        match value {
            PaymentError::BadSignature => PaymentFailure::BadSignature,
            PaymentError::Malformed(why) => PaymentFailure::Malformed(why),
            PaymentError::Unavailable(why) => {
                tracing::warn!(error = %why, "the payment gateway cannot be reached");
                PaymentFailure::Gateway(format!("unreachable: {why}"))
            }
            PaymentError::TimedOut(why) => {
                tracing::warn!(error = %why, "the payment gateway timed out");
                PaymentFailure::GatewayTimedOut
            }
            PaymentError::Refused(why) => {
                // `why` carries the gateway's code, message and sub-code.
                tracing::warn!(gateway_error = %why, "the payment gateway refused our request");
                PaymentFailure::Gateway(why)
            }
        }
    }
}

/// What recording a verified trade did.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ConfirmOutcome {
    /// The payment is recorded and the order moved Unpaid → Unsend.
    Confirmed,
    /// This trade was confirmed before: nothing changed (a replay).
    AlreadyConfirmed,
    /// The order was paid by another trade; this one is recorded for refund.
    OtherTradeRecorded { paid_trade_id: String },
    /// The order was cancelled; this trade is recorded for refund.
    OrderCanceled,
    /// The order does not wait for an online payment (a cash order, or already further along).
    NotPayable,
    /// No such order.
    NotFound,
}

/// The ports [`Payments`] works through.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct PaymentPorts {
    /// Transactions, and the order and payment repositories bound to each.
    pub uow: Arc<dyn UnitOfWork>,
    pub orders: Arc<dyn OrderRepository>,
    pub payments: Arc<dyn PaymentRepository>,
    pub gateway: Arc<dyn PaymentGateway>,
    pub clock: Arc<dyn Clock>,
}

/// What a reconciliation round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefundReport {
    pub refunded: u32,
    pub failed: u32,
    /// Refunds still not done after the round (due later, or failed this time).
    pub pending: u64,
}

/// Counters of the payment side, for the server's metrics.
#[derive(Debug, Default)]
pub struct PaymentStats {
    /// Refund attempts that failed after [`REFUND_ALERT_AFTER`] tries or more.
    pub refunds_failing: AtomicU64,
    /// Payments recorded (once per order).
    pub confirmed: AtomicU64,
}

/// The wait after a refund's first failure; it doubles per failure up to an hour.
pub const REFUND_FIRST_WAIT: Duration = Duration::from_secs(60);
const REFUND_LONGEST_WAIT: Duration = Duration::from_secs(3600);
/// After this many failed attempts a refund is an operator's matter (error log, metric).
pub const REFUND_ALERT_AFTER: u32 = 5;
/// How long a claimed refund is one replica's.
const REFUND_CLAIM: Duration = Duration::from_secs(300);

/// What one expiry round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpiryReport {
    /// Unpaid orders cancelled (stock given back) by this round.
    pub canceled: u32,
    /// Orders found paid at the gateway (a lost notification) and confirmed.
    pub confirmed: u32,
    /// Orders left for a later round (the gateway could not be asked) or taken by another replica.
    pub skipped: u32,
}

/// The payment use cases.
pub struct Payments {
    uow: Arc<dyn UnitOfWork>,
    orders: Arc<dyn OrderRepository>,
    payments: Arc<dyn PaymentRepository>,
    gateway: Arc<dyn PaymentGateway>,
    clock: Arc<dyn Clock>,
    app_id: String,
    /// Our merchant id at the gateway: the money of a callback must go to it.
    seller_id: String,
    /// Unpaid Alipay orders older than this are cancelled (30 minutes by default).
    unpaid_ttl: Duration,
    stats: Arc<PaymentStats>,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments").field("app_id", &self.app_id).finish_non_exhaustive()
    }
}

impl Payments {
    /// `app_id` is our application at the gateway, `seller_id` our merchant id there.
    pub fn new(
        ports: PaymentPorts,
        app_id: String,
        seller_id: String,
        unpaid_ttl: Duration,
    ) -> Self {
        Payments {
            uow: ports.uow,
            orders: ports.orders,
            payments: ports.payments,
            gateway: ports.gateway,
            clock: ports.clock,
            app_id,
            seller_id,
            unpaid_ttl,
            stats: Arc::default(),
        }
    }

    /// The gateway URL where the owner pays their unpaid Alipay order.
    #[tracing::instrument(name = "payments.pay_url", skip_all, fields(user_id = %user, order_id = %order_id))]
    pub async fn pay_url(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<String, PaymentFailure> {
        let (order, _) =
            self.orders.find_for_user(user, order_id).await?.ok_or(PaymentFailure::NotFound)?;
        if order.pay_method != PayMethod::Alipay {
            return Err(PaymentFailure::NotAlipay);
        }
        if order.status != OrderStatus::Unpaid {
            return Err(PaymentFailure::NotPayable);
        }
        let request = PagePayRequest {
            order_id: order.order_id.clone(),
            amount: order.total_amount,
            subject: format!("美多商城订单:{}", order.order_id),
        };
        Ok(self.gateway.page_pay_url(&request).await?)
    }

    /// The checks every callback passes: signature, our app id, our order, its amount.
    async fn verified(&self, raw: &str) -> Result<(TradeCallback, Order), PaymentFailure> {
        let callback = self.gateway.verify_callback(raw)?;
        if callback.app_id != self.app_id {
            return Err(PaymentFailure::WrongApp);
        }
        if callback.seller_id != self.seller_id {
            tracing::warn!(seller_id = %callback.seller_id, "a callback paid another seller; refused");
            return Err(PaymentFailure::WrongSeller);
        }
        let order_id =
            OrderId::parse(&callback.out_trade_no).map_err(|_| PaymentFailure::NotFound)?;
        let order = self.payments.find_order(&order_id).await?.ok_or(PaymentFailure::NotFound)?;
        if callback.total_amount != order.total_amount {
            return Err(PaymentFailure::AmountMismatch {
                paid: callback.total_amount,
                expected: order.total_amount,
            });
        }
        Ok((callback, order))
    }

    /// The browser came back from the gateway. The return carries no trade status, so the trade
    /// is asked for. Answers the trade number; a replay answers the same.
    #[tracing::instrument(name = "payments.confirm_return", skip_all)]
    pub async fn confirm_return(&self, raw: &str) -> Result<String, PaymentFailure> {
        let (callback, order) = self.verified(raw).await?;
        let trade =
            self.gateway.query_trade(&order.order_id).await?.ok_or(PaymentFailure::NotPaid)?;
        if !trade.status.is_paid() || trade.trade_no != callback.trade_no {
            return Err(PaymentFailure::NotPaid);
        }
        if trade.total_amount != order.total_amount {
            return Err(PaymentFailure::AmountMismatch {
                paid: trade.total_amount,
                expected: order.total_amount,
            });
        }
        self.settle(&order, &callback.trade_no).await
    }

    /// The gateway's asynchronous notification. `Ok` when it needs no resending (confirmed, a
    /// replay, or a status that is not a payment); `Err` makes the gateway try again later.
    #[tracing::instrument(name = "payments.confirm_notification", skip_all)]
    pub async fn confirm_notification(&self, raw: &str) -> Result<(), PaymentFailure> {
        let (callback, order) = self.verified(raw).await?;
        match callback.trade_status {
            Some(status) if status.is_paid() => {
                self.settle(&order, &callback.trade_no).await.map(|_| ())
            }
            // WAIT_BUYER_PAY, TRADE_CLOSED: nothing to record.
            _ => Ok(()),
        }
    }

    /// Records the payment once; a trade that cannot count is refunded.
    async fn settle(&self, order: &Order, trade_id: &str) -> Result<String, PaymentFailure> {
        let mut attempts = 0;
        let outcome = loop {
            attempts += 1;
            match self.confirm(order, trade_id).await {
                // A concurrent confirmation won a unique key: the next look sees it.
                Err(StoreError::Conflict(cause)) if attempts < 3 => {
                    tracing::debug!(%cause, attempts, "payment confirmation retried");
                    continue;
                }
                other => break other?,
            }
        };
        match outcome {
            ConfirmOutcome::Confirmed => {
                self.stats.confirmed.fetch_add(1, Ordering::Relaxed);
                Ok(trade_id.to_owned())
            }
            ConfirmOutcome::AlreadyConfirmed => Ok(trade_id.to_owned()),
            ConfirmOutcome::OrderCanceled => {
                self.refund(order, trade_id, "the order was cancelled before the payment arrived")
                    .await;
                Err(PaymentFailure::Refunded)
            }
            ConfirmOutcome::OtherTradeRecorded { paid_trade_id } => {
                tracing::warn!(order_id = %order.order_id, trade_id, paid_trade_id, "second trade for a paid order");
                self.refund(order, trade_id, "the order was already paid").await;
                Err(PaymentFailure::PaidByAnotherTrade)
            }
            ConfirmOutcome::NotPayable => Err(PaymentFailure::NotPayable),
            ConfirmOutcome::NotFound => Err(PaymentFailure::NotFound),
        }
    }

    /// Records a verified payment exactly once, in one transaction that locks the order: a
    /// payment row unique per order and per trade number, and the order moved Unpaid → Unsend
    /// by a conditional update. Concurrent calls for one order are serialised by the lock; a
    /// trade that cannot be accepted is recorded for refund.
    async fn confirm(&self, order: &Order, trade_id: &str) -> Result<ConfirmOutcome, StoreError> {
        let tx = self.uow.begin().await?;
        let outcome = Self::confirm_in(&*tx, order, trade_id).await;
        match &outcome {
            Ok(_) => tx.commit().await?,
            Err(_) => {
                if let Err(error) = tx.rollback().await {
                    tracing::warn!(%error, "rollback of a payment confirmation failed");
                }
            }
        }
        outcome
    }

    async fn confirm_in(
        tx: &dyn Transaction,
        order: &Order,
        trade_id: &str,
    ) -> Result<ConfirmOutcome, StoreError> {
        let order_id = &order.order_id;
        let Some(locked) = tx.orders().lock(order_id).await? else {
            return Ok(ConfirmOutcome::NotFound);
        };
        if let Some(paid_trade_id) = tx.payments().paid_trade(order_id).await? {
            if paid_trade_id == trade_id {
                return Ok(ConfirmOutcome::AlreadyConfirmed);
            }
            tx.payments()
                .record_refund(order_id, trade_id, order.total_amount, "order already paid")
                .await?;
            return Ok(ConfirmOutcome::OtherTradeRecorded { paid_trade_id });
        }
        match locked.status {
            OrderStatus::Unpaid => {
                locked
                    .status
                    .transition(OrderStatus::Unsend)
                    .map_err(|e| StoreError::Unexpected(Box::new(e)))?;
                tx.payments().insert_payment(order_id, trade_id).await?;
                if !tx
                    .orders()
                    .move_status(order_id, OrderStatus::Unpaid, OrderStatus::Unsend, "alipay")
                    .await?
                {
                    return Err(StoreError::unexpected(format!(
                        "order {order_id} left Unpaid while it was locked"
                    )));
                }
                Ok(ConfirmOutcome::Confirmed)
            }
            OrderStatus::Canceled => {
                tx.payments()
                    .record_refund(order_id, trade_id, order.total_amount, "order cancelled")
                    .await?;
                Ok(ConfirmOutcome::OrderCanceled)
            }
            _ => Ok(ConfirmOutcome::NotPayable),
        }
    }

    /// Refunds a recorded trade; a failure is logged and the record stays pending for operators.
    async fn refund(&self, order: &Order, trade_id: &str, reason: &str) {
        let pending = PendingRefund {
            order_id: order.order_id.clone(),
            trade_id: trade_id.to_owned(),
            amount: order.total_amount,
            attempts: 0,
        };
        if let Err(error) = self.try_refund(&pending, reason).await {
            tracing::warn!(%error, trade_id, "a refund could not be recorded; the worker retries it");
        }
    }

    /// One refund attempt: done and recorded, or counted and scheduled again with a back-off
    /// that doubles from a minute up to an hour. Whether it was refunded.
    async fn try_refund(&self, pending: &PendingRefund, reason: &str) -> Result<bool, StoreError> {
        let request = RefundRequest {
            order_id: pending.order_id.clone(),
            trade_no: pending.trade_id.clone(),
            amount: pending.amount,
            // The same request id every time: the gateway refunds a trade once however often asked.
            request_id: format!("refund-{}", pending.trade_id),
            reason: reason.to_owned(),
        };
        let trade_id = pending.trade_id.as_str();
        match self.gateway.refund(&request).await {
            Ok(()) => {
                self.payments.mark_refunded(trade_id).await?;
                tracing::info!(trade_id, attempts = pending.attempts + 1, "refunded");
                Ok(true)
            }
            Err(error) => {
                let attempts = pending.attempts + 1;
                let wait = REFUND_FIRST_WAIT
                    .saturating_mul(1 << attempts.saturating_sub(1).min(10))
                    .min(REFUND_LONGEST_WAIT);
                if attempts >= REFUND_ALERT_AFTER {
                    self.stats.refunds_failing.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(%error, trade_id, attempts,
                        "a refund still fails after repeated attempts; operators must look at it");
                } else {
                    tracing::warn!(%error, trade_id, attempts, retry_in = ?wait, "refund failed; retried later");
                }
                let next = self.clock.now() + wait;
                self.payments.refund_failed(trade_id, next, &error.to_string()).await?;
                Ok(false)
            }
        }
    }

    /// One round of reconciliation: every refund due is tried again (each claimed by one
    /// replica), until the gateway confirms it.
    #[tracing::instrument(name = "payments.reconcile_refunds", skip_all)]
    pub async fn reconcile_refunds(&self, batch: u64) -> Result<RefundReport, PaymentFailure> {
        let now = self.clock.now();
        let mut report = RefundReport::default();
        let due = self.payments.claim_due_refunds(now, now + REFUND_CLAIM, batch).await?;
        for pending in due {
            if self.try_refund(&pending, "refund retried by reconciliation").await? {
                report.refunded += 1;
            } else {
                report.failed += 1;
            }
        }
        report.pending = self.payments.pending_refunds().await?;
        Ok(report)
    }

    /// Counters for the server's metrics.
    pub fn stats(&self) -> Arc<PaymentStats> {
        Arc::clone(&self.stats)
    }

    /// Cancels the owner's unpaid order and gives the stock back.
    #[tracing::instrument(name = "payments.cancel", skip_all, fields(user_id = %user, order_id = %order_id))]
    pub async fn cancel(&self, user: UserId, order_id: &OrderId) -> Result<(), PaymentFailure> {
        let (order, _) =
            self.orders.find_for_user(user, order_id).await?.ok_or(PaymentFailure::NotFound)?;
        if order.status != OrderStatus::Unpaid {
            return Err(PaymentFailure::NotPayable);
        }
        if self.payments.cancel_unpaid(order_id, &format!("user:{}", user.0)).await? {
            Ok(())
        } else {
            Err(PaymentFailure::NotPayable)
        }
    }

    /// One round of expiry: every unpaid order older than the limit, read `batch` at a time, is
    /// cancelled, unless the gateway says it was paid (then it is confirmed). An order whose
    /// trade cannot be asked about is left for a later round (a lost notification must not cancel
    /// a paid order) and does not hold up the orders behind it.
    #[tracing::instrument(name = "payments.expire_unpaid", skip_all)]
    pub async fn expire_unpaid(&self, batch: u64) -> Result<ExpiryReport, PaymentFailure> {
        let cutoff = self.clock.now() - self.unpaid_ttl;
        let mut report = ExpiryReport::default();
        let mut after = None;
        loop {
            let page = self.payments.unpaid_before(cutoff, after.clone(), batch.max(1)).await?;
            let Some(last) = page.last().cloned() else { break };
            let full = page.len() as u64 >= batch.max(1);
            self.expire_page(page, &mut report).await?;
            if !full {
                break;
            }
            after = Some(last);
        }
        Ok(report)
    }

    async fn expire_page(
        &self,
        page: Vec<OrderId>,
        report: &mut ExpiryReport,
    ) -> Result<(), PaymentFailure> {
        for order_id in page {
            let paid = match self.gateway.query_trade(&order_id).await {
                Ok(Some(trade)) if trade.status.is_paid() => Some(trade),
                Ok(_) => None,
                Err(error) => {
                    tracing::warn!(%order_id, %error, "cannot ask the gateway; the order waits for the next round");
                    report.skipped += 1;
                    continue;
                }
            };
            match paid {
                Some(trade) => {
                    let Some(order) = self.payments.find_order(&order_id).await? else { continue };
                    if trade.total_amount != order.total_amount {
                        tracing::error!(%order_id, "the gateway's amount differs; left for operators");
                        report.skipped += 1;
                        continue;
                    }
                    match self.settle(&order, &trade.trade_no).await {
                        Ok(_) => report.confirmed += 1,
                        Err(_) => report.skipped += 1,
                    }
                }
                None if self.payments.cancel_unpaid(&order_id, "expiry").await? => {
                    report.canceled += 1
                }
                None => report.skipped += 1,
            }
        }
        Ok(())
    }
}
