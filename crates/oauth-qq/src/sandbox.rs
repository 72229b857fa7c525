//! A stand-in for QQ's OAuth server, in this process: it approves any QQ number typed on its
//! page, gives the browser a code (single-use, 10 minutes), exchanges it for an access token and
//! the token for an openid that is stable per QQ number. Staging and development only: it keeps
//! its codes in memory, so with several replicas a code works only on the one that issued it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::Rng;
use sha2::{Digest, Sha256};

/// How long a code works.
const CODE_TTL: Duration = Duration::from_secs(600);

/// QQ's error numbers, as its API answers them.
pub const CODE_REFUSED: i64 = 100_020;
pub const BAD_CLIENT: i64 = 100_010;
pub const BAD_TOKEN: i64 = 100_016;

struct Grant {
    qq: String,
    redirect_uri: String,
    expires_at: Instant,
}

/// The sandbox's state.
pub struct QqSandbox {
    client_id: String,
    client_secret: String,
    /// Makes this sandbox's openids its own.
    salt: [u8; 16],
    codes: Mutex<HashMap<String, Grant>>,
    tokens: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for QqSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QqSandbox").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes).map(|_| format!("{:02X}", rng.random::<u8>())).collect()
}

impl QqSandbox {
    /// A sandbox that serves the application `client_id` with `client_secret`; openids are
    /// derived with `salt` (the same salt, the same openids across restarts).
    pub fn new(client_id: &str, client_secret: &str, salt: &[u8]) -> Self {
        let digest = Sha256::digest(salt);
        let mut own = [0u8; 16];
        own.copy_from_slice(&digest[..16]);
        QqSandbox {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            salt: own,
            codes: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// The openid this sandbox gives the QQ number `qq`: 32 hex digits, as QQ's.
    pub fn openid_of(&self, qq: &str) -> String {
        let digest = Sha256::new().chain_update(self.salt).chain_update(qq.as_bytes()).finalize();
        digest[..16].iter().map(|b| format!("{b:02X}")).collect()
    }

    /// The user `qq` approves the login: where the browser goes next, with a fresh code.
    ///
    /// # Errors
    /// `Err` with a message for another application or a malformed QQ number.
    pub fn approve(
        &self,
        client_id: &str,
        redirect_uri: &str,
        state: &str,
        qq: &str,
    ) -> Result<String, String> {
        if client_id != self.client_id {
            return Err(format!("unknown client_id {client_id}"));
        }
        if !(5..=12).contains(&qq.len()) || !qq.bytes().all(|b| b.is_ascii_digit()) {
            return Err("a QQ number is 5 to 12 digits".into());
        }
        let code = random_hex(16);
        let grant = Grant {
            qq: qq.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            expires_at: Instant::now() + CODE_TTL,
        };
        let mut codes = self.codes.lock().map_err(|_| "the sandbox's lock is poisoned")?;
        codes.retain(|_, grant| grant.expires_at > Instant::now());
        codes.insert(code.clone(), grant);
        let separator = if redirect_uri.contains('?') { '&' } else { '?' };
        let back = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("code", code.as_str()), ("state", state)])
            .finish();
        Ok(format!("{redirect_uri}{separator}{back}"))
    }

    /// Exchanges a code for an access token (once).
    ///
    /// # Errors
    /// QQ's error number and description.
    pub fn exchange(
        &self,
        client_id: &str,
        client_secret: &str,
        code: &str,
        redirect_uri: &str,
    ) -> Result<String, (i64, &'static str)> {
        if client_id != self.client_id || client_secret != self.client_secret {
            return Err((BAD_CLIENT, "client_id or client_secret is wrong"));
        }
        let grant = self
            .codes
            .lock()
            .map_err(|_| (CODE_REFUSED, "the sandbox's lock is poisoned"))?
            .remove(code)
            .filter(|grant| grant.expires_at > Instant::now())
            .ok_or((CODE_REFUSED, "code is reused error"))?;
        if grant.redirect_uri != redirect_uri {
            return Err((CODE_REFUSED, "redirect uri is illegal"));
        }
        let token = random_hex(16);
        self.tokens
            .lock()
            .map_err(|_| (BAD_TOKEN, "the sandbox's lock is poisoned"))?
            .insert(token.clone(), self.openid_of(&grant.qq));
        Ok(token)
    }

    /// The application and openid of an access token.
    ///
    /// # Errors
    /// QQ's error number and description.
    pub fn me(&self, access_token: &str) -> Result<(String, String), (i64, &'static str)> {
        let tokens =
            self.tokens.lock().map_err(|_| (BAD_TOKEN, "the sandbox's lock is poisoned"))?;
        let openid = tokens.get(access_token).ok_or((BAD_TOKEN, "access token check failed"))?;
        Ok((self.client_id.clone(), openid.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_exchanged_once_for_a_stable_openid() {
        let sandbox = QqSandbox::new("app", "secret", b"salt");
        let back = sandbox.approve("app", "http://front/cb.html", "/next", "123456").unwrap();
        assert!(back.starts_with("http://front/cb.html?code="), "{back}");
        let code = back.split("code=").nth(1).unwrap().split('&').next().unwrap().to_owned();
        assert!(back.ends_with("state=%2Fnext"));
        assert_eq!(
            sandbox.exchange("app", "wrong", &code, "http://front/cb.html").unwrap_err().0,
            BAD_CLIENT
        );
        assert_eq!(
            sandbox.exchange("app", "secret", &code, "http://other/").unwrap_err().0,
            CODE_REFUSED
        );
        assert_eq!(
            sandbox.exchange("app", "secret", &code, "http://front/cb.html").unwrap_err().0,
            CODE_REFUSED,
            "a refused exchange used the code up too"
        );
        let back = sandbox.approve("app", "http://front/cb.html", "", "123456").unwrap();
        let code = back.split("code=").nth(1).unwrap().split('&').next().unwrap().to_owned();
        let token = sandbox.exchange("app", "secret", &code, "http://front/cb.html").unwrap();
        assert!(sandbox.exchange("app", "secret", &code, "http://front/cb.html").is_err());
        let (app, openid) = sandbox.me(&token).unwrap();
        assert_eq!((app.as_str(), openid.len()), ("app", 32));
        assert_eq!(openid, sandbox.openid_of("123456"));
        assert_ne!(openid, sandbox.openid_of("1234567"));
        assert!(sandbox.approve("other", "http://front/cb.html", "", "123456").is_err());
        assert!(sandbox.approve("app", "http://front/cb.html", "", "12ab").is_err());
    }
}
