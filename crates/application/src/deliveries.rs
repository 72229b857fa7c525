//! The outbox's worker: delivers queued SMS and mail, at least once, with retries and back-off.

use std::sync::Arc;
use std::time::Duration;

use meiduo_domain::ports::{Mail, Mailer, Message, Outbox, Outgoing, SmsSender};

use crate::errors::ServiceFailure;

/// How the worker takes and retries messages.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryPolicy {
    /// Messages taken per round.
    pub batch: u32,
    /// How long a claimed message is this worker's; a worker that dies holding it gives it up
    /// when this runs out.
    pub lease: Duration,
    /// Attempts before a message is marked failed.
    pub max_attempts: u32,
    /// The wait after the first failure; it doubles with each one.
    pub first_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
}

impl Default for DeliveryPolicy {
    /// 16 a round, 60 s leases, 8 attempts over about 8 minutes (2 s, 4 s, ... 256 s).
    fn default() -> Self {
        DeliveryPolicy {
            batch: 16,
            lease: Duration::from_secs(60),
            max_attempts: 8,
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(3600),
        }
    }
}

impl DeliveryPolicy {
    /// The wait after the `attempts`th failed attempt.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(20);
        self.first_backoff.saturating_mul(1 << doublings).min(self.max_backoff)
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryRound {
    pub delivered: u32,
    pub retried: u32,
    pub failed: u32,
}

/// The mail that verifies an email address, in the original's words.
pub fn verification_mail(to: &str, link: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "美多商城邮箱验证".to_owned(),
        body: format!(
            "尊敬的用户您好！\n\n感谢您使用美多商城。\n您的邮箱为：{to}。请点击此链接激活您的邮箱：\n\n{link}\n"
        ),
    }
}

/// Delivers the outbox's messages.
#[allow(missing_debug_implementations)]
pub struct Deliveries {
    outbox: Arc<dyn Outbox>,
    sms: Arc<dyn SmsSender>,
    mailer: Arc<dyn Mailer>,
    policy: DeliveryPolicy,
}

impl Deliveries {
    pub fn new(
        outbox: Arc<dyn Outbox>,
        sms: Arc<dyn SmsSender>,
        mailer: Arc<dyn Mailer>,
        policy: DeliveryPolicy,
    ) -> Self {
        Deliveries { outbox, sms, mailer, policy }
    }

    async fn deliver(&self, message: &Message) -> Result<(), meiduo_domain::ports::Cause> {
        match message {
            Message::SmsCode { mobile, code, valid_minutes } => {
                self.sms.send_code(mobile, code, *valid_minutes).await
            }
            Message::VerifyEmail { to, link } => {
                self.mailer.send(&verification_mail(to, link)).await
            }
        }
    }

    /// Claims due messages and delivers each; a failure is retried after a back-off that
    /// doubles, until the last attempt marks it failed.
    #[tracing::instrument(name = "deliveries.run_once", skip_all)]
    pub async fn run_once(&self) -> Result<DeliveryRound, ServiceFailure> {
        let mut round = DeliveryRound::default();
        let claimed = self.outbox.claim(self.policy.batch, self.policy.lease).await?;
        for Outgoing { id, message, attempts } in claimed {
            match self.deliver(&message).await {
                Ok(()) => {
                    self.outbox.delivered(id).await?;
                    round.delivered += 1;
                }
                Err(cause) if attempts >= self.policy.max_attempts => {
                    tracing::error!(message_id = id, ?message, attempts, error = %cause,
                        "a message could not be delivered; gave up");
                    self.outbox.give_up(id, &cause.to_string()).await?;
                    round.failed += 1;
                }
                Err(cause) => {
                    let after = self.policy.backoff(attempts);
                    tracing::warn!(message_id = id, ?message, attempts, error = %cause,
                        retry_in = ?after, "a message could not be delivered; will retry");
                    self.outbox.retry(id, after, &cause.to_string()).await?;
                    round.retried += 1;
                }
            }
        }
        Ok(round)
    }
}
