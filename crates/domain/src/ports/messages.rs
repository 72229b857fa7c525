use std::time::Duration;

use async_trait::async_trait;

use super::{Cause, StoreError};
use crate::{Mobile, SmsCode};

/// A message to a person, delivered later by the outbox's worker.
#[derive(Clone, PartialEq, Eq)]
pub enum Message {
    /// A verification code by SMS.
    SmsCode { mobile: Mobile, code: SmsCode, valid_minutes: u64 },
    /// A link that verifies an email address.
    VerifyEmail { to: String, link: String },
}

impl std::fmt::Debug for Message {
    /// Codes and links are secrets: never in a debug line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::SmsCode { mobile, .. } => write!(f, "SmsCode({mobile})"),
            Message::VerifyEmail { to, .. } => write!(f, "VerifyEmail({to})"),
        }
    }
}

/// A queued message a worker holds a lease on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub id: u64,
    pub message: Message,
    /// Deliveries tried before, this one included.
    pub attempts: u32,
}

/// The durable outbox: messages are written in the transaction that asks for them and
/// delivered at least once by a worker; with several workers (replicas) a lease keeps each
/// message with one at a time.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Queues a message for delivery now.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached; nothing was queued.
    async fn enqueue(&self, message: &Message) -> Result<(), StoreError>;

    /// Takes a lease of `lease` on up to `limit` due messages no other worker holds, oldest
    /// first, counting an attempt on each.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn claim(&self, limit: u32, lease: Duration) -> Result<Vec<Outgoing>, StoreError>;

    /// The message was delivered: it leaves the outbox.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached (the lease then runs out
    /// and the message is delivered again: at least once).
    async fn delivered(&self, id: u64) -> Result<(), StoreError>;

    /// The delivery failed: try again after `after`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn retry(&self, id: u64, after: Duration, error: &str) -> Result<(), StoreError>;

    /// The delivery failed for the last time: the message stays, marked failed, for operators.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached.
    async fn give_up(&self, id: u64, error: &str) -> Result<(), StoreError>;
}

/// A mail to send.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail").field("to", &self.to).field("subject", &self.subject).finish()
    }
}

/// Sends mail (SMTP in production).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends the mail.
    ///
    /// # Errors
    /// `Err` with the cause when the mail server refuses it or cannot be reached.
    async fn send(&self, mail: &Mail) -> Result<(), Cause>;
}
