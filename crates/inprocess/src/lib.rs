//! Adapters that live in the process: the system clock, argon2 password hashing, image
//! captchas, an SMS sender that writes the code to the log (the development stand-in for an SMS
//! provider), and a cache in memory ([`cache`]), alone or in front of a shared one.

pub mod cache;
pub mod cached_catalog;
mod counted_carts;
mod ids;
mod sale_gate;
mod signed_tokens;

pub use counted_carts::CountedCarts;
pub use ids::CounterOrderIdSource;
pub use sale_gate::{MemorySaleGate, SharedGateView};
pub use signed_tokens::JwtSignedTokens;

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::PasswordVerifier;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher as _};
use async_trait::async_trait;
use meiduo_domain::ports::{
    CaptchaPainter, Cause, Clock, DrawnCaptcha, Mail, Mailer, PasswordHasher, PaymentError,
    PaymentGateway, SmsSender,
};
use meiduo_domain::{
    Mobile, OrderId, PagePayRequest, RefundRequest, SmsCode, TradeCallback, TradeState,
};
use time::OffsetDateTime;
use tokio::sync::Semaphore;

/// The real time, and tokio's sleep.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// argon2id with the crate's default parameters (19 MiB, two passes) and a random salt per hash,
/// computed on tokio's blocking threads, at most `concurrency` at once: a burst of logins waits
/// its turn there instead of stalling the threads that serve requests, and takes 19 MiB per
/// running check, not per login.
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    running: Arc<Semaphore>,
}

impl Default for Argon2Hasher {
    /// One check at a time per core.
    fn default() -> Self {
        Argon2Hasher::new(std::thread::available_parallelism().map_or(2, usize::from))
    }
}

impl Argon2Hasher {
    pub fn new(concurrency: usize) -> Self {
        Argon2Hasher { running: Arc::new(Semaphore::new(concurrency.max(1))) }
    }

    async fn off_the_runtime<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Cause> {
        let _turn = self.running.acquire().await.map_err(|e| Box::new(e) as Cause)?;
        tokio::task::spawn_blocking(work).await.map_err(|e| Box::new(e) as Cause)
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &str) -> Result<String, Cause> {
        let password = password.to_owned();
        self.off_the_runtime(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                // argon2's error is a leaf: its text is the whole cause.
                .map_err(|e| Cause::from(e.to_string()))
        })
        .await?
    }

    async fn verify(&self, password: &str, hash: &str) -> bool {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        self.off_the_runtime(move || {
            PasswordHash::new(&hash).is_ok_and(|parsed| {
                Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
            })
        })
        .await
        .unwrap_or(false)
    }
}

/// Writes the code to the log instead of sending it.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogSmsSender;

#[async_trait]
impl SmsSender for LogSmsSender {
    async fn send_code(
        &self,
        mobile: &Mobile,
        code: &SmsCode,
        valid_minutes: u64,
    ) -> Result<(), Cause> {
        tracing::info!(%mobile, code = code.as_str(), valid_minutes, "SMS verification code (not sent: logging SMS sender)");
        Ok(())
    }
}

/// The characters captchas use: capital letters and digits that cannot be taken for one another
/// (no `0`/`O`, `1`/`I`/`L`); answers are compared without regard to case.
const CAPTCHA_CHARS: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Image captchas from the `captcha` crate: four of the characters above (chosen by its
/// thread-local cryptographic generator), warped and noised, 220 × 110 PNG; drawn on a blocking
/// thread.
#[derive(Debug, Default, Clone, Copy)]
pub struct ImageCaptchas;

#[async_trait]
impl CaptchaPainter for ImageCaptchas {
    async fn draw(&self) -> Result<DrawnCaptcha, Cause> {
        tokio::task::spawn_blocking(|| {
            use captcha::filters::{Noise, Wave};
            let mut captcha = captcha::Captcha::new();
            let chars: Vec<char> = CAPTCHA_CHARS.chars().collect();
            captcha
                .set_chars(&chars)
                .add_chars(4)
                .apply_filter(Noise::new(0.2))
                .apply_filter(Wave::new(2.0, 12.0).horizontal())
                .view(220, 110);
            let text = captcha.chars_as_string();
            let png = captcha.as_png().ok_or("the captcha could not be encoded as PNG")?;
            Ok(DrawnCaptcha { text, png })
        })
        .await
        .map_err(|joined| Cause::from(joined.to_string()))?
    }
}

/// The development stand-in for a mail server: writes who would get which mail, and its text
/// (the verification link with it), to the log.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogMailer;

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, mail: &Mail) -> Result<(), Cause> {
        tracing::info!(to = %mail.to, subject = %mail.subject, body = ?mail.body,
            "mail (not sent: logging mailer)");
        Ok(())
    }
}

/// The payment gateway of a tool that takes no payments (the load generator's direct drive):
/// every call answers that no gateway is configured.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoPaymentGateway;

impl NoPaymentGateway {
    fn refused() -> PaymentError {
        PaymentError::Unavailable("no payment gateway is configured here".into())
    }
}

#[async_trait]
impl PaymentGateway for NoPaymentGateway {
    async fn page_pay_url(&self, _: &PagePayRequest) -> Result<String, PaymentError> {
        Err(Self::refused())
    }

    fn verify_callback(&self, _: &str) -> Result<TradeCallback, PaymentError> {
        Err(Self::refused())
    }

    async fn query_trade(&self, _: &OrderId) -> Result<Option<TradeState>, PaymentError> {
        Err(Self::refused())
    }

    async fn refund(&self, _: &RefundRequest) -> Result<(), PaymentError> {
        Err(Self::refused())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_per_salt() {
        let hasher = Argon2Hasher::default();
        let a = hasher.hash("password123").await.unwrap();
        let b = hasher.hash("password123").await.unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(hasher.verify("password123", &a).await);
        assert!(!hasher.verify("password124", &a).await);
        assert!(!hasher.verify("password123", "not a hash").await);
    }

    /// On a single-threaded runtime (an HTTP worker's), other tasks go on while a password is
    /// hashed: the work runs elsewhere.
    #[tokio::test(flavor = "current_thread")]
    async fn hashing_leaves_the_runtime_free_for_other_tasks() {
        let ticks = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = Arc::clone(&ticks);
        let ticker = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(1)).await;
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        let started = Instant::now();
        Argon2Hasher::new(1).hash("password123").await.unwrap();
        let took = started.elapsed();
        ticker.abort();
        let ticks = ticks.load(std::sync::atomic::Ordering::Relaxed);
        assert!(took >= Duration::from_millis(10), "argon2 takes time: {took:?}");
        assert!(u128::from(ticks) * 4 >= took.as_millis(), "{ticks} ticks in {took:?}");
    }

    #[tokio::test]
    async fn captchas_are_png_pictures_of_four_random_characters() {
        let first = ImageCaptchas.draw().await.unwrap();
        assert_eq!(first.text.chars().count(), 4);
        assert!(first.text.chars().all(|c| CAPTCHA_CHARS.contains(c)), "{}", first.text);
        assert_eq!(&first.png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
        let texts: std::collections::HashSet<String> =
            [first.text].into_iter().chain(futures_texts().await).collect();
        assert!(texts.len() >= 9, "ten draws, (almost) ten texts: {texts:?}");
    }

    async fn futures_texts() -> Vec<String> {
        let mut texts = Vec::new();
        for _ in 0..9 {
            texts.push(ImageCaptchas.draw().await.unwrap().text);
        }
        texts
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_checks_wait_their_turn_and_all_answer() {
        let hasher = Argon2Hasher::new(2);
        let hash = hasher.hash("password123").await.unwrap();
        let checks: Vec<_> = (0..6)
            .map(|i| {
                let (hasher, hash) = (hasher.clone(), hash.clone());
                let password = if i % 2 == 0 { "password123" } else { "wrong" };
                tokio::spawn(async move { hasher.verify(password, &hash).await })
            })
            .collect();
        let mut results = Vec::new();
        for check in checks {
            results.push(check.await.unwrap());
        }
        assert_eq!(results, [true, false, true, false, true, false]);
    }
}
