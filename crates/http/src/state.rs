//! What the handlers share: the use cases and the HTTP layer's own settings.

use std::sync::Arc;

use actix_web::cookie::Key;
use async_trait::async_trait;
use meiduo_application::UseCases;

use crate::auth::Tokens;

/// Whether the services the shop depends on answer (for `/health/ready`).
#[async_trait]
pub trait Readiness: Send + Sync {
    /// Each dependency by name, with the reason it is not ready.
    async fn check(&self) -> Vec<(&'static str, Result<(), String>)>;

    /// The connection pools: each store's connections in use and idle, and callers waiting.
    fn pools(&self) -> Vec<PoolGauge>;

    /// Closes the pools, when the server has stopped.
    async fn close(&self);
}

/// One connection pool, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolGauge {
    /// `database` or `redis`.
    pub store: &'static str,
    pub in_use: u64,
    pub idle: u64,
    /// Callers waiting for a connection (where the pool tells).
    pub waiting: Option<u64>,
}

/// The shared state of the API: the use cases (`state.place_order`, ... through `Deref`) and
/// the HTTP layer's own settings.
pub struct ApiState {
    pub use_cases: UseCases,
    pub tokens: Tokens,
    /// Signs the anonymous cart cookie.
    pub cookie_key: Key,
    /// Prefix of image URLs (the original's file server), e.g. `http://image.meiduo.site:8888/`.
    pub image_host: String,
    pub readiness: Arc<dyn Readiness>,
    /// Whether the client's address is read from `Forwarded` / `X-Forwarded-For` (behind a
    /// proxy that sets them) rather than the connection's peer.
    pub trust_forwarded: bool,
    /// This server's URL as clients reach it (`https://api.meiduo.site`): page links are built
    /// on it, never on the request's `Host` or forwarded headers.
    pub public_url: String,
    /// Who may read `/metrics...` and the API's documents.
    pub ops: crate::ops::OpsAccess,
    /// Set when the server stops: readiness answers 503 from then on, so that load balancers
    /// send no new requests while those in flight finish.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState").field("image_host", &self.image_host).finish_non_exhaustive()
    }
}

impl std::ops::Deref for ApiState {
    type Target = UseCases;

    fn deref(&self) -> &UseCases {
        &self.use_cases
    }
}

impl ApiState {
    /// The client's address, for per-address limits.
    pub fn client_address(&self, req: &actix_web::HttpRequest) -> String {
        let address = if self.trust_forwarded {
            req.connection_info().realip_remote_addr().map(str::to_owned)
        } else {
            req.peer_addr().map(|peer| peer.ip().to_string())
        };
        let address = address.unwrap_or_default();
        // `realip_remote_addr` may carry a port.
        match address.parse::<std::net::SocketAddr>() {
            Ok(socket) => socket.ip().to_string(),
            Err(_) => address,
        }
    }

    /// Whether cookies must be `Secure` (the public URL is https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The full URL of a stored image path ("" when there is none, as the original).
    pub fn image_url(&self, path: Option<&str>) -> String {
        match path {
            None | Some("") => String::new(),
            Some(path) if path.starts_with("http://") || path.starts_with("https://") => {
                path.to_owned()
            }
            Some(path) => format!("{}{}", self.image_host, path.trim_start_matches('/')),
        }
    }
}
