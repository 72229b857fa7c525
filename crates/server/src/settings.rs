//! Configuration: defaults, then an optional TOML file, then `MEIDUO_*` environment variables.

use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::{Deserialize, Deserializer};

/// A secret value: never printed, never logged.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        lenient_string(deserializer).map(Secret)
    }
}

/// A string, also when the environment's value looks like a number (`MEIDUO_FREIGHT=8.00`).
fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Integer(i64),
        Float(f64),
        Flag(bool),
    }
    Ok(match Scalar::deserialize(deserializer)? {
        Scalar::Text(text) => text,
        Scalar::Integer(n) => n.to_string(),
        Scalar::Float(x) => x.to_string(),
        Scalar::Flag(b) => b.to_string(),
    })
}

/// Which compare-and-swap takes stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StockUpdateSetting {
    Equality,
    Covering,
}

/// Everything the server reads from configuration. Each field is also `MEIDUO_<FIELD>` in the
/// environment (e.g. `MEIDUO_DATABASE_URL`, `MEIDUO_LISTEN`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: String,
    /// Where the embedded default keeps its SQLite file and generated secret.
    pub data_dir: PathBuf,
    /// `mysql://user:password@host:3306/db`, or `sqlite://...`; empty: SQLite in `data_dir`.
    pub database_url: Secret,
    pub database_max_connections: u32,
    /// `redis://host:6379/0` (or comma-separated cluster nodes): carts, SMS codes, browse history
    /// and caches go to Redis. Empty: they stay in the database and in memory.
    pub redis_url: Secret,
    /// The URL names Redis Cluster nodes.
    pub redis_cluster: bool,
    pub redis_pool_size: usize,
    /// Each Redis call (connecting included) gives up after this long: the request answers 503.
    pub redis_timeout_ms: u64,
    /// Apply pending migrations at start.
    pub migrate_on_start: bool,
    /// Load the demo catalog and areas into an empty database at start.
    pub seed_on_start: bool,
    /// Signs tokens and the cart cookie (at least 32 bytes); empty: generated once into
    /// `data_dir/secret` with a warning.
    pub secret: Secret,
    pub token_lifetime_hours: u64,
    /// Prefix of image URLs.
    pub image_host: String,
    /// Freight of every order, yuan.
    #[serde(deserialize_with = "lenient_string")]
    pub freight: String,
    /// The most units of one SKU per cart or order line.
    pub max_count: u32,
    pub stock_update: StockUpdateSetting,
    pub max_swap_attempts: u32,
    pub max_transaction_attempts: u32,
    /// This server's URL as browsers and Alipay reach it; empty: `http://<listen address>`.
    pub public_url: String,
    /// `sandbox` (the embedded stand-in, the default), `alipay` (production), `alipay-sandbox`
    /// (Alipay's own sandbox), or a gateway URL.
    pub alipay_gateway: String,
    pub alipay_app_id: String,
    /// Our application's private key (PEM or one-line base64). In `sandbox` mode, empty: one is
    /// generated into the data directory at first start.
    pub alipay_app_private_key: Secret,
    /// Alipay's public key (PEM or one-line base64); not needed in `sandbox` mode.
    pub alipay_public_key: String,
    /// The sandbox's own private key; empty: generated into the data directory at first start.
    pub sandbox_private_key: Secret,
    /// Where the browser returns after paying; empty: this server's `/payment/status/`.
    pub alipay_return_url: String,
    /// Unpaid Alipay orders older than this are cancelled and their stock given back.
    pub unpaid_minutes: u64,
    /// How often the expiry task runs (0: never).
    pub expiry_interval_secs: u64,
    /// HTTP worker threads (0: one per core).
    pub workers: usize,
    /// How long this process keeps catalog reads (list pages, details, the SKUs the cart checks,
    /// and its copy of the shared menu and hot lists) in memory, in milliseconds; 0: not at all.
    /// A change made elsewhere shows here within this time.
    pub local_cache_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8000".into(),
            data_dir: PathBuf::from("data"),
            database_url: Secret::default(),
            database_max_connections: 16,
            redis_url: Secret::default(),
            redis_cluster: false,
            redis_pool_size: 32,
            redis_timeout_ms: 500,
            migrate_on_start: true,
            seed_on_start: true,
            secret: Secret::default(),
            token_lifetime_hours: 24,
            image_host: "http://image.meiduo.site:8888/".into(),
            freight: "10.00".into(),
            max_count: 200,
            stock_update: StockUpdateSetting::Covering,
            max_swap_attempts: 64,
            max_transaction_attempts: 5,
            local_cache_ms: 1000,
            public_url: String::new(),
            alipay_gateway: "sandbox".into(),
            alipay_app_id: "2016091100487120".into(),
            alipay_app_private_key: Secret::default(),
            alipay_public_key: String::new(),
            sandbox_private_key: Secret::default(),
            alipay_return_url: String::new(),
            unpaid_minutes: 30,
            expiry_interval_secs: 60,
            workers: 0,
        }
    }
}

impl Settings {
    /// Defaults, then `file` (if given), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::new();
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment.merge(Env::prefixed("MEIDUO_")).extract().map_err(Box::new)
    }

    /// The database URL: the configured one, or the embedded default's SQLite file.
    pub fn database_url(&self) -> String {
        if self.database_url.expose().is_empty() {
            format!("sqlite://{}?mode=rwc", self.data_dir.join("meiduo.db").display())
        } else {
            self.database_url.expose().to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let settings = Settings { secret: Secret::new("top secret value"), ..Settings::default() };
        assert!(!format!("{settings:?}").contains("top secret value"));
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn files_and_the_environment_override_the_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("meiduo.toml", "listen = \"0.0.0.0:9000\"\nfreight = \"12.50\"")?;
            jail.set_env("MEIDUO_FREIGHT", "8.00");
            jail.set_env("MEIDUO_STOCK_UPDATE", "equality");
            let settings = Settings::load(Some(Path::new("meiduo.toml"))).map_err(|e| *e)?;
            assert_eq!(settings.listen, "0.0.0.0:9000");
            assert_eq!(
                settings.freight.parse::<meiduo_domain::Money>().unwrap().to_string(),
                "8.00"
            );
            assert_eq!(settings.stock_update, StockUpdateSetting::Equality);
            assert_eq!(settings.max_count, 200);
            assert!(settings.secret.expose().is_empty());
            Ok(())
        });
    }

    #[test]
    fn the_embedded_default_is_sqlite_in_the_data_dir() {
        let settings = Settings::default();
        assert_eq!(settings.database_url(), "sqlite://data/meiduo.db?mode=rwc");
        assert_eq!(settings.listen, "127.0.0.1:8000");
    }
}
