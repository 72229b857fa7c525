//! QQ login as graph.qq.com speaks it (OAuth 2.0, authorization code):
//!
//! 1. the browser goes to `<base>/oauth2.0/authorize?response_type=code&client_id=&redirect_uri=&state=`
//!    and comes back to `redirect_uri?code=&state=`;
//! 2. `GET <base>/oauth2.0/token?grant_type=authorization_code&client_id=&client_secret=&code=&redirect_uri=`
//!    answers `access_token=...&expires_in=...&refresh_token=...` (URL-encoded), or on error
//!    `callback( {"error":100020,"error_description":"..."} );`;
//! 3. `GET <base>/oauth2.0/me?access_token=` answers `callback( {"client_id":"...","openid":"..."} );`.
//!
//! [`QqClient`] speaks it to graph.qq.com or to the [`sandbox`], which plays QQ's part in this
//! process (its pages are [`sandbox_http`]), so that the whole flow works offline.

pub mod sandbox;
pub mod sandbox_http;

use std::time::Duration;

use async_trait::async_trait;
use meiduo_domain::ports::{OAuthError, QqOAuth};
use serde::Deserialize;

/// QQ's own endpoint.
pub const QQ_GRAPH: &str = "https://graph.qq.com";

/// Who we are at QQ, and where QQ sends the browser back.
#[derive(Clone)]
pub struct QqConfig {
    /// `https://graph.qq.com`, or the sandbox's `<public url>/qq-sandbox`.
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// The front end's page that receives the code (`oauth_callback.html`).
    pub redirect_uri: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for QqConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QqConfig")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// The QQ login client.
#[derive(Debug, Clone)]
pub struct QqClient {
    config: QqConfig,
    http: reqwest::Client,
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// The JSON inside QQ's `callback( ... );` wrapper (or the bare JSON).
fn unwrap_callback(body: &str) -> &str {
    let body = body.trim();
    match (body.find('('), body.rfind(')')) {
        (Some(open), Some(close)) if body.starts_with("callback") && open < close => {
            body[open + 1..close].trim()
        }
        _ => body,
    }
}

#[derive(Deserialize)]
struct QqError {
    error: i64,
    #[serde(default)]
    error_description: String,
}

#[derive(Deserialize)]
struct Me {
    openid: String,
}

fn unavailable(error: impl std::error::Error + Send + Sync + 'static) -> OAuthError {
    OAuthError::Unavailable(Box::new(error))
}

impl QqClient {
    /// # Errors
    /// `Err` when the HTTP client cannot be built.
    pub fn new(config: QqConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| format!("the HTTP client cannot be built: {e}"))?;
        Ok(QqClient { config, http })
    }

    async fn get(&self, path: &str, pairs: &[(&str, &str)]) -> Result<String, OAuthError> {
        let url = format!("{}{path}?{}", self.config.base_url.trim_end_matches('/'), query(pairs));
        let response = self.http.get(url).send().await.map_err(unavailable)?;
        if !response.status().is_success() {
            return Err(OAuthError::Unavailable(
                format!("QQ answered HTTP {}", response.status()).into(),
            ));
        }
        response.text().await.map_err(unavailable)
    }
}

/// An error object in an answer, as a refusal.
fn refusal(body: &str) -> Option<OAuthError> {
    serde_json::from_str::<QqError>(unwrap_callback(body))
        .ok()
        .map(|e| OAuthError::Refused(format!("QQ error {}: {}", e.error, e.error_description)))
}

#[async_trait]
impl QqOAuth for QqClient {
    fn login_url(&self, state: &str) -> String {
        format!(
            "{}/oauth2.0/authorize?{}",
            self.config.base_url.trim_end_matches('/'),
            query(&[
                ("response_type", "code"),
                ("client_id", &self.config.client_id),
                ("redirect_uri", &self.config.redirect_uri),
                ("state", state),
            ])
        )
    }

    async fn openid(&self, code: &str) -> Result<String, OAuthError> {
        let token_answer = self
            .get(
                "/oauth2.0/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &self.config.client_id),
                    ("client_secret", &self.config.client_secret),
                    ("code", code),
                    ("redirect_uri", &self.config.redirect_uri),
                ],
            )
            .await?;
        if let Some(refused) = refusal(&token_answer) {
            return Err(refused);
        }
        let access_token = form_urlencoded::parse(token_answer.trim().as_bytes())
            .find(|(name, _)| name == "access_token")
            .map(|(_, value)| value.into_owned())
            .ok_or_else(|| {
                OAuthError::Unavailable("QQ's token answer has no access_token".into())
            })?;
        let me = self.get("/oauth2.0/me", &[("access_token", &access_token)]).await?;
        if let Some(refused) = refusal(&me) {
            return Err(refused);
        }
        let me: Me = serde_json::from_str(unwrap_callback(&me)).map_err(unavailable)?;
        Ok(me.openid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_are_unwrapped_and_errors_read() {
        assert_eq!(
            unwrap_callback("callback( {\"client_id\":\"1\",\"openid\":\"AB\"} );\n"),
            "{\"client_id\":\"1\",\"openid\":\"AB\"}"
        );
        assert_eq!(unwrap_callback("{\"a\":1}"), "{\"a\":1}");
        let refused = refusal(
            "callback( {\"error\":100020,\"error_description\":\"code is reused error\"} );",
        );
        assert!(matches!(refused, Some(OAuthError::Refused(m)) if m.contains("100020")));
        assert!(refusal("access_token=abc&expires_in=7776000").is_none());
    }
}
