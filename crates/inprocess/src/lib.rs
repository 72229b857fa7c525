//! Adapters that live in the process: the system clock, argon2 password hashing, SMS codes kept
//! in memory (one process; Redis keeps them for several replicas) and an SMS sender that writes
//! the code to the log (the development stand-in for an SMS provider), and a cache in memory
//! ([`cache`]), alone or in front of a shared one.

pub mod cache;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::PasswordVerifier;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher as _};
use async_trait::async_trait;
use meiduo_domain::ports::{Clock, CodeStoreError, PasswordHasher, SmsSender, VerificationCodes};
use meiduo_domain::{Mobile, SmsCode};
use time::OffsetDateTime;

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

/// argon2id with the crate's default parameters and a random salt per hash.
#[derive(Debug, Default, Clone, Copy)]
pub struct Argon2Hasher;

impl PasswordHasher for Argon2Hasher {
    fn hash(&self, password: &str) -> Result<String, String> {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| e.to_string())
    }

    fn verify(&self, password: &str, hash: &str) -> bool {
        PasswordHash::new(hash).is_ok_and(|parsed| {
            Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
        })
    }
}

#[derive(Debug)]
struct Entry {
    code: String,
    stored_at: Instant,
    expires_at: Instant,
}

/// SMS codes in this process's memory, with expiry.
#[derive(Debug, Default)]
pub struct MemoryCodes {
    entries: Mutex<HashMap<String, Entry>>,
}

impl MemoryCodes {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl VerificationCodes for MemoryCodes {
    async fn store_if_quiet(
        &self,
        mobile: &Mobile,
        code: &SmsCode,
        ttl: Duration,
        interval: Duration,
    ) -> Result<bool, CodeStoreError> {
        let now = Instant::now();
        let mut entries =
            self.entries.lock().map_err(|_| CodeStoreError::Unavailable("poisoned".into()))?;
        entries.retain(|_, entry| entry.expires_at > now);
        if entries
            .get(mobile.as_str())
            .is_some_and(|entry| now.duration_since(entry.stored_at) < interval)
        {
            return Ok(false);
        }
        entries.insert(
            mobile.as_str().to_owned(),
            Entry { code: code.as_str().to_owned(), stored_at: now, expires_at: now + ttl },
        );
        Ok(true)
    }

    async fn consume(&self, mobile: &Mobile, code: &SmsCode) -> Result<bool, CodeStoreError> {
        let now = Instant::now();
        let mut entries =
            self.entries.lock().map_err(|_| CodeStoreError::Unavailable("poisoned".into()))?;
        let matches = entries
            .get(mobile.as_str())
            .is_some_and(|entry| entry.expires_at > now && entry.code == code.as_str());
        if matches {
            entries.remove(mobile.as_str());
        }
        Ok(matches)
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
    ) -> Result<(), String> {
        tracing::info!(%mobile, code = code.as_str(), valid_minutes, "SMS verification code (not sent: logging SMS sender)");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mobile() -> Mobile {
        Mobile::parse("13800138000").unwrap()
    }

    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let hasher = Argon2Hasher;
        let a = hasher.hash("password123").unwrap();
        let b = hasher.hash("password123").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(hasher.verify("password123", &a));
        assert!(!hasher.verify("password124", &a));
        assert!(!hasher.verify("password123", "not a hash"));
    }

    #[tokio::test]
    async fn a_code_is_sent_once_per_interval_and_consumed_once() {
        let codes = MemoryCodes::new();
        let code = SmsCode::parse("123456").unwrap();
        let ttl = Duration::from_secs(300);
        assert!(
            codes.store_if_quiet(&mobile(), &code, ttl, Duration::from_secs(60)).await.unwrap()
        );
        assert!(
            !codes.store_if_quiet(&mobile(), &code, ttl, Duration::from_secs(60)).await.unwrap()
        );
        assert!(!codes.consume(&mobile(), &SmsCode::parse("654321").unwrap()).await.unwrap());
        assert!(codes.consume(&mobile(), &code).await.unwrap());
        assert!(!codes.consume(&mobile(), &code).await.unwrap(), "a code works once");
    }

    #[tokio::test]
    async fn an_expired_code_does_not_match() {
        let codes = MemoryCodes::new();
        let code = SmsCode::parse("123456").unwrap();
        codes
            .store_if_quiet(&mobile(), &code, Duration::from_millis(1), Duration::ZERO)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(!codes.consume(&mobile(), &code).await.unwrap());
    }
}
