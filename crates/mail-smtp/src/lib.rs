//! [`Mailer`] over SMTP with lettre, on tokio. The server's URL says how to talk to it:
//! `smtp://user:password@host:587?tls=required` (STARTTLS, refused without it),
//! `smtps://user:password@host:465` (TLS from the start), `smtp://host:25` (plain, for a relay on
//! the same network or a test listener). Connections are pooled.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use meiduo_domain::ports::{Cause, Mail, Mailer};

/// Sends mail through one SMTP server.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    /// The URL may carry a password: only the sender is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for the server at `url`, sending as `from` (`美多商城 <noreply@meiduo.site>`),
    /// each conversation limited to `timeout`.
    ///
    /// # Errors
    /// `Err` with a message naming what is wrong when the URL or the sender cannot be read.
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL is not usable: {e}"))?
            .timeout(Some(timeout))
            .build();
        let from =
            from.parse().map_err(|e| format!("the sender `{from}` is not a mailbox: {e}"))?;
        Ok(SmtpMailer { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), Cause> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(mail.to.parse()?)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())?;
        self.transport.send(message).await?;
        Ok(())
    }
}
