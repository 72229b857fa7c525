//! Configuration: defaults, then an optional TOML file, then `MEIDUO_*` environment variables.
//!
//! The settings are nested by concern (`database`, `redis`, `order`, `payment`, ...) and typed:
//! money is [`Money`], durations are written with units (`500ms`, `30m`, `24h`), secrets are
//! [`SecretString`]s that never print, and the payment gateway is a [`Gateway`]. In TOML each
//! section is a table; in the environment a setting is `MEIDUO_` and its path joined by `_`
//! (`database.url` is `MEIDUO_DATABASE_URL`), except the order rules, which keep their short
//! names (`MEIDUO_FREIGHT`, `MEIDUO_MAX_COUNT`, `MEIDUO_STOCK_UPDATE`, ...).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use meiduo_domain::Money;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

/// Which compare-and-swap takes stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StockUpdateSetting {
    Equality,
    Covering,
}

/// Where this server runs: `production` refuses the stand-ins that fake payments and logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    Development,
    Production,
}

/// Where payments go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gateway {
    /// The local stand-in that plays Alipay's part (the embedded default).
    Sandbox,
    /// Alipay's production gateway.
    Alipay,
    /// Alipay's own sandbox (its test environment).
    AlipaySandbox,
    /// Another gateway speaking Alipay's protocol, at this URL.
    Url(String),
}

impl<'de> Deserialize<'de> for Gateway {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = lenient_string(deserializer)?;
        Ok(match text.as_str() {
            "sandbox" => Gateway::Sandbox,
            "alipay" => Gateway::Alipay,
            "alipay-sandbox" => Gateway::AlipaySandbox,
            url if url.starts_with("https://") || url.starts_with("http://") => {
                Gateway::Url(url.to_owned())
            }
            other => {
                return Err(serde::de::Error::custom(format!(
                    "`{other}` is not a gateway: sandbox, alipay, alipay-sandbox or an http(s) URL"
                )));
            }
        })
    }
}

/// The database.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `mysql://user:password@host:3306/db`, or `sqlite://...`; empty: SQLite in `data_dir`.
    #[serde(deserialize_with = "secret")]
    pub url: SecretString,
    /// Pool size.
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings { url: SecretString::default(), max_connections: 16 }
    }
}

/// Redis, for carts, SMS codes, browse history and caches.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://host:6379/0` (or comma-separated cluster nodes); empty: no Redis, and those
    /// stay in the database and in memory.
    #[serde(deserialize_with = "secret")]
    pub url: SecretString,
    /// The URL names Redis Cluster nodes.
    pub cluster: bool,
    /// The most connections a thread that uses Redis makes, each shared by the thread's requests.
    pub pool_size: usize,
    /// Each Redis call (connecting included) gives up after this long: the request answers 503.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

impl Default for RedisSettings {
    fn default() -> Self {
        RedisSettings {
            url: SecretString::default(),
            cluster: false,
            pool_size: 1,
            timeout: Duration::from_millis(500),
        }
    }
}

/// Login tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenSettings {
    /// How long a token stays valid.
    #[serde(with = "humantime_serde")]
    pub lifetime: Duration,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings { lifetime: Duration::from_secs(24 * 3600) }
    }
}

/// How orders are placed.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderSettings {
    /// Freight of every order, yuan (`MEIDUO_FREIGHT`).
    #[serde(deserialize_with = "money")]
    pub freight: Money,
    /// The most units of one SKU per cart or order line (`MEIDUO_MAX_COUNT`).
    pub max_count: u32,
    /// `covering` (a guarded decrement) or `equality` (the original's optimistic lock).
    pub stock_update: StockUpdateSetting,
    pub max_swap_attempts: u32,
    pub max_transaction_attempts: u32,
    /// Unpaid orders one shopper may hold at once (`MEIDUO_MAX_UNPAID_ORDERS`).
    pub max_unpaid_orders: u32,
    /// Units of one SKU one shopper may hold in unpaid orders (`MEIDUO_MAX_UNPAID_UNITS`).
    pub max_unpaid_units: u32,
}

impl Default for OrderSettings {
    fn default() -> Self {
        OrderSettings {
            freight: Money::from_fen(1000),
            max_count: 200,
            stock_update: StockUpdateSetting::Covering,
            max_swap_attempts: 64,
            max_transaction_attempts: 5,
            max_unpaid_orders: 3,
            max_unpaid_units: 5,
        }
    }
}

/// Alipay, or the sandbox that plays its part.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentSettings {
    /// `sandbox` (the embedded stand-in), `alipay` (production), `alipay-sandbox` (Alipay's own
    /// sandbox), or a gateway URL. Unset: the sandbox for the embedded default only; with any
    /// sign of production ([`Settings::production_signs`]) it must be chosen.
    pub gateway: Option<Gateway>,
    /// Our application id at Alipay (all digits; taken as text also when unquoted).
    #[serde(deserialize_with = "lenient_string")]
    pub app_id: String,
    /// Our merchant id at Alipay (the seller's PID, `2088...`): callbacks that paid another
    /// seller are refused. Required with a real gateway; the sandbox's own by default.
    #[serde(deserialize_with = "lenient_string")]
    pub seller_id: String,
    /// Our application's private key (PEM or one-line base64). With the sandbox, empty: one is
    /// generated into the data directory at first start.
    #[serde(deserialize_with = "secret")]
    pub app_private_key: SecretString,
    /// Alipay's public key (PEM or one-line base64); not needed with the sandbox.
    #[serde(deserialize_with = "lenient_string")]
    pub alipay_public_key: String,
    /// The sandbox's own private key; empty: generated into the data directory at first start.
    #[serde(deserialize_with = "secret")]
    pub sandbox_private_key: SecretString,
    /// Where the browser returns after paying; empty: this server's `/payment/status/`.
    #[serde(deserialize_with = "lenient_string")]
    pub return_url: String,
    /// Unpaid online orders older than this are cancelled and their stock given back.
    #[serde(with = "humantime_serde")]
    pub unpaid_ttl: Duration,
    /// How often the expiry of unpaid orders runs (`0s`: never).
    #[serde(with = "humantime_serde")]
    pub expiry_interval: Duration,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        PaymentSettings {
            gateway: None,
            app_id: "2016091100487120".into(),
            seller_id: String::new(),
            app_private_key: SecretString::default(),
            alipay_public_key: String::new(),
            sandbox_private_key: SecretString::default(),
            return_url: String::new(),
            unpaid_ttl: Duration::from_secs(30 * 60),
            expiry_interval: Duration::from_secs(60),
        }
    }
}

/// Account rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountSettings {
    /// Whether `GET /sms_codes/<mobile>/` needs a solved image captcha
    /// (`?image_code_id=&text=`), as the original: on unless a front end without captchas must
    /// be served.
    pub sms_captcha: bool,
    /// The front end's page that verifies an email; the mailed link adds `?token=`.
    #[serde(deserialize_with = "lenient_string")]
    pub email_verify_url: String,
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            sms_captcha: true,
            email_verify_url: "http://www.meiduo.site:8080/success_verify_email.html".into(),
        }
    }
}

/// Outgoing mail.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp://user:password@host:587?tls=required` (STARTTLS), `smtps://user:password@host:465`
    /// (TLS), `smtp://host:25` (plain); empty: mail is written to the log.
    #[serde(deserialize_with = "secret")]
    pub smtp_url: SecretString,
    /// The sender.
    #[serde(deserialize_with = "lenient_string")]
    pub from: String,
    /// Each SMTP conversation gives up after this long.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: SecretString::default(),
            from: "美多商城 <noreply@meiduo.site>".into(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// How the server stops on SIGTERM or Ctrl-C.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownSettings {
    /// How long readiness answers 503 while requests are still served, so that load balancers
    /// stop sending new ones (Kubernetes: a few probe periods).
    #[serde(with = "humantime_serde")]
    pub drain: Duration,
    /// How long requests in flight may take to finish once the listener is closed.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        ShutdownSettings { drain: Duration::from_secs(5), timeout: Duration::from_secs(20) }
    }
}

/// Where uploaded pictures are kept.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImageSettings {
    /// `local` (the default: files under `dir`, served by the server under `/images/`) or `s3`
    /// (an S3-compatible bucket: AWS, MinIO, Ceph; credentials from `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY`). Several replicas need `s3`, or a directory they share.
    #[serde(deserialize_with = "lenient_string")]
    pub store: String,
    /// The local directory; empty: `images` in `data_dir`.
    #[serde(deserialize_with = "lenient_string")]
    pub dir: String,
    #[serde(deserialize_with = "lenient_string")]
    pub s3_bucket: String,
    /// The S3 endpoint of MinIO or Ceph (`http://minio:9000`); empty: AWS.
    #[serde(deserialize_with = "lenient_string")]
    pub s3_endpoint: String,
    #[serde(deserialize_with = "lenient_string")]
    pub s3_region: String,
}

/// QQ login.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QqSettings {
    /// `sandbox` (a local stand-in at `/qq-sandbox`), `qq` (graph.qq.com) or the URL of another
    /// server that speaks its protocol. Empty: the sandbox for the embedded default only; with
    /// any sign of production it must be chosen.
    #[serde(deserialize_with = "lenient_string")]
    pub provider: String,
    /// Our application's id at QQ.
    #[serde(deserialize_with = "lenient_string")]
    pub client_id: String,
    /// Our application's key at QQ (required with `qq`).
    #[serde(deserialize_with = "secret")]
    pub client_secret: SecretString,
    /// The front end's page QQ sends the browser back to with the code.
    #[serde(deserialize_with = "lenient_string")]
    pub redirect_uri: String,
}

impl Default for QqSettings {
    fn default() -> Self {
        QqSettings {
            provider: String::new(),
            client_id: "101514053".into(),
            client_secret: SecretString::default(),
            redirect_uri: "http://www.meiduo.site:8080/oauth_callback.html".into(),
        }
    }
}

/// The outbox's worker, which sends SMS and mail.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxSettings {
    /// How often this process looks for messages to send (`0s`: it sends none; another
    /// replica must).
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings { poll_interval: Duration::from_secs(1) }
    }
}

/// This process's search index of the SKUs on sale.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchSettings {
    /// How often the index reads the catalog's changes from the database (`0s`: no index;
    /// searches match names and captions literally in the database).
    #[serde(with = "humantime_serde")]
    pub refresh_interval: Duration,
    /// How often it is built anew from the database.
    #[serde(with = "humantime_serde")]
    pub rebuild_interval: Duration,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            refresh_interval: Duration::from_secs(2),
            rebuild_interval: Duration::from_secs(30 * 60),
        }
    }
}

/// Flash sales: how each replica keeps the gates on the database.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlashSaleSettings {
    /// How often the gates are reconciled with the database: a lost gate (Redis restarted) or
    /// an empty one while the database still has units is set again (`0s`: only at start).
    #[serde(with = "humantime_serde")]
    pub reconcile_interval: Duration,
}

impl Default for FlashSaleSettings {
    fn default() -> Self {
        FlashSaleSettings { reconcile_interval: Duration::from_secs(5) }
    }
}

/// This process's cache of catalog reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// How long this process keeps catalog reads (list pages, details, the SKUs the cart checks,
    /// and its copy of the shared menu and hot lists); `0s`: not at all. A change made elsewhere
    /// shows here within this time.
    #[serde(with = "humantime_serde")]
    pub local_ttl: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings { local_ttl: Duration::from_secs(1) }
    }
}

/// Everything the server reads from configuration. Unknown names inside a section are refused
/// (a misspelt `MEIDUO_REDIS_TIMEOUT_MS` says so); other `MEIDUO_*` variables are left to the
/// tools that read them.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: String,
    /// `development` (the default) or `production`.
    pub env: Environment,
    /// Where the embedded default keeps its SQLite file, generated secret and keys.
    pub data_dir: PathBuf,
    /// HTTP worker threads (0: one per core).
    pub workers: usize,
    /// How long an idle client connection is kept open. Longer than the idle timeout of the
    /// proxy in front (HAProxy's `timeout server`, 60 s in `deploy/`), so that the proxy, not
    /// this server, closes a kept-alive connection: a server closing one just as the proxy sends
    /// on it makes that request fail.
    #[serde(with = "humantime_serde")]
    pub keep_alive: Duration,
    /// This server's URL as browsers and Alipay reach it; empty: `http://<listen address>`.
    #[serde(deserialize_with = "lenient_string")]
    pub public_url: String,
    /// Prefix of image URLs.
    #[serde(deserialize_with = "lenient_string")]
    pub image_host: String,
    /// Apply pending migrations at start.
    pub migrate_on_start: bool,
    /// Load the demo catalog and areas into an empty database at start.
    pub seed_on_start: bool,
    /// Origins whose pages may call the API from a browser (CORS, credentials included): the
    /// front end's, e.g. `http://www.meiduo.site:8080`. A list, or one string of
    /// comma-separated origins; empty: none.
    #[serde(deserialize_with = "origins")]
    pub cors_origins: Vec<String>,
    /// Guards `/metrics...`, `/docs/` and `/api-docs/`: requests must carry
    /// `Authorization: Bearer <token>`. Empty: they are open in development and not served at
    /// all where [`Settings::production_signs`] finds any.
    #[serde(deserialize_with = "secret")]
    pub ops_token: SecretString,
    /// Read clients' addresses (for the limits on failed logins and SMS) from `Forwarded` /
    /// `X-Forwarded-For`: only behind a proxy that sets them, else clients could pick theirs.
    pub trust_forwarded: bool,
    /// Signs tokens and the cart cookie (at least 32 bytes); empty: generated once into
    /// `data_dir/secret` with a warning.
    #[serde(deserialize_with = "secret")]
    pub secret: SecretString,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub token: TokenSettings,
    pub order: OrderSettings,
    pub payment: PaymentSettings,
    pub cache: CacheSettings,
    pub accounts: AccountSettings,
    pub mail: MailSettings,
    pub outbox: OutboxSettings,
    pub qq: QqSettings,
    pub images: ImageSettings,
    pub search: SearchSettings,
    pub flash_sale: FlashSaleSettings,
    pub shutdown: ShutdownSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8000".into(),
            env: Environment::Development,
            data_dir: PathBuf::from("data"),
            workers: 0,
            keep_alive: Duration::from_secs(75),
            public_url: String::new(),
            image_host: "http://image.meiduo.site:8888/".into(),
            migrate_on_start: true,
            seed_on_start: true,
            trust_forwarded: false,
            cors_origins: Vec::new(),
            ops_token: SecretString::default(),
            secret: SecretString::default(),
            database: DatabaseSettings::default(),
            redis: RedisSettings::default(),
            token: TokenSettings::default(),
            order: OrderSettings::default(),
            payment: PaymentSettings::default(),
            cache: CacheSettings::default(),
            accounts: AccountSettings::default(),
            mail: MailSettings::default(),
            outbox: OutboxSettings::default(),
            qq: QqSettings::default(),
            images: ImageSettings::default(),
            search: SearchSettings::default(),
            flash_sale: FlashSaleSettings::default(),
            shutdown: ShutdownSettings::default(),
        }
    }
}

/// The sections whose settings are `MEIDUO_<SECTION>_<NAME>` in the environment.
const SECTIONS: [&str; 14] = [
    "database",
    "redis",
    "token",
    "payment",
    "cache",
    "order",
    "accounts",
    "mail",
    "outbox",
    "qq",
    "images",
    "search",
    "flash_sale",
    "shutdown",
];

/// The order rules, whose environment names have no section (`MEIDUO_FREIGHT`).
const ORDER_SETTINGS: [&str; 7] = [
    "freight",
    "max_count",
    "stock_update",
    "max_swap_attempts",
    "max_transaction_attempts",
    "max_unpaid_orders",
    "max_unpaid_units",
];

/// The path of a setting from its environment name without the prefix, lower-cased
/// (`database_max_connections` → `database.max_connections`).
fn setting_path(name: &str) -> String {
    if ORDER_SETTINGS.contains(&name) {
        return format!("order.{name}");
    }
    for section in SECTIONS {
        if let Some(rest) = name.strip_prefix(section).and_then(|r| r.strip_prefix('_')) {
            return format!("{section}.{rest}");
        }
    }
    name.to_owned()
}

/// The environment variable of a setting's path (`database.max_connections` →
/// `MEIDUO_DATABASE_MAX_CONNECTIONS`).
pub fn env_name(path: &[String]) -> String {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    let name = match path.as_slice() {
        ["order", name] if ORDER_SETTINGS.contains(name) => (*name).to_owned(),
        parts => parts.join("_"),
    };
    format!("MEIDUO_{}", name.to_ascii_uppercase())
}

/// A setting that could not be read, named as the operator wrote it.
#[derive(Debug)]
pub struct SettingsError(Box<figment::Error>);

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for error in (*self.0).clone() {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            if error.path.is_empty() {
                write!(f, "{}", error.kind)?;
            } else {
                write!(
                    f,
                    "setting `{}` ({}): {}",
                    error.path.join("."),
                    env_name(&error.path),
                    error.kind
                )?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    /// Defaults, then `file` (if given), then the environment.
    ///
    /// # Errors
    /// A [`SettingsError`] naming each setting that is malformed (by its path and its
    /// environment variable) and what it expected.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        let mut figment = Figment::new();
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        let env = Env::prefixed("MEIDUO_")
            .ignore(&["config"])
            .map(|key| setting_path(&key.as_str().to_ascii_lowercase()).into());
        figment.merge(env).extract().map_err(|e| SettingsError(Box::new(e)))
    }

    /// Why this configuration looks like production rather than the embedded default: each
    /// sign as the operator would recognise it (empty for the embedded default).
    pub fn production_signs(&self) -> Vec<String> {
        let mut signs = Vec::new();
        if self.env == Environment::Production {
            signs.push("MEIDUO_ENV=production".to_owned());
        }
        if !self.database.url.expose_secret().is_empty() {
            signs.push("a database URL (MEIDUO_DATABASE_URL)".to_owned());
        }
        if !self.redis.url.expose_secret().is_empty() {
            signs.push("a Redis URL (MEIDUO_REDIS_URL)".to_owned());
        }
        if !is_loopback(&self.listen) {
            signs.push(format!(
                "a listen address that is not loopback (MEIDUO_LISTEN={})",
                self.listen
            ));
        }
        signs
    }

    /// The payment gateway: the one chosen, or the sandbox where nothing looks like production.
    ///
    /// # Errors
    /// When none is chosen and the configuration looks like production (the sandbox would let
    /// any shopper mark an order paid), or the sandbox is chosen with `MEIDUO_ENV=production`.
    pub fn gateway(&self) -> Result<Gateway, String> {
        match &self.payment.gateway {
            Some(Gateway::Sandbox) if self.env == Environment::Production => Err(
                "MEIDUO_PAYMENT_GATEWAY=sandbox is refused with MEIDUO_ENV=production: the sandbox \
                 lets any shopper mark an order paid without paying"
                    .to_owned(),
            ),
            Some(gateway) => Ok(gateway.clone()),
            None => self.stand_in_allowed("MEIDUO_PAYMENT_GATEWAY", "alipay, alipay-sandbox or a gateway URL")
                .map(|()| Gateway::Sandbox),
        }
    }

    /// QQ login's provider: the one chosen, or `sandbox` where nothing looks like production.
    ///
    /// # Errors
    /// As [`Settings::gateway`]: the sandbox logs anyone in under any QQ number.
    pub fn qq_provider(&self) -> Result<String, String> {
        match self.qq.provider.as_str() {
            "sandbox" if self.env == Environment::Production => Err(
                "MEIDUO_QQ_PROVIDER=sandbox is refused with MEIDUO_ENV=production: the sandbox \
                 logs anyone in under any QQ number"
                    .to_owned(),
            ),
            "" => self
                .stand_in_allowed("MEIDUO_QQ_PROVIDER", "qq or a provider URL")
                .map(|()| "sandbox".to_owned()),
            chosen => Ok(chosen.to_owned()),
        }
    }

    fn stand_in_allowed(&self, variable: &str, choices: &str) -> Result<(), String> {
        let signs = self.production_signs();
        if signs.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{variable} must be chosen ({choices}; `sandbox` only for a test deployment, where \
             nothing is real) because this configuration looks like production: {}",
            signs.join(", ")
        ))
    }

    /// The database URL: the configured one, or the embedded default's SQLite file.
    pub fn database_url(&self) -> String {
        let url = self.database.url.expose_secret();
        if url.is_empty() {
            format!("sqlite://{}?mode=rwc", self.data_dir.join("meiduo.db").display())
        } else {
            url.to_owned()
        }
    }
}

/// Whether a listen address (`host:port`) only takes connections from this machine.
fn is_loopback(listen: &str) -> bool {
    if let Ok(address) = listen.parse::<std::net::SocketAddr>() {
        return address.ip().is_loopback();
    }
    let host = listen.rsplit_once(':').map_or(listen, |(host, _)| host);
    host.eq_ignore_ascii_case("localhost")
}

/// Origins as a list, or as one string of comma-separated origins (the environment's way).
fn origins<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Origins {
        List(Vec<String>),
        Text(String),
    }
    let list = match Origins::deserialize(deserializer)? {
        Origins::List(list) => list,
        Origins::Text(text) => text.split(',').map(str::to_owned).collect(),
    };
    list.into_iter()
        .map(|origin| origin.trim().trim_end_matches('/').to_owned())
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let rest = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
            if rest.is_some_and(|host| !host.is_empty() && !host.contains(['/', '?', '#'])) {
                Ok(origin)
            } else {
                Err(serde::de::Error::custom(format!(
                    "`{origin}` is not an origin: scheme://host[:port], e.g. http://www.meiduo.site:8080"
                )))
            }
        })
        .collect()
}

/// A string, also when the value looks like a number or a flag (an all-digit app id, unquoted,
/// in the environment).
fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Unsigned(u64),
        Integer(i64),
        Float(f64),
        Flag(bool),
    }
    Ok(match Scalar::deserialize(deserializer)? {
        Scalar::Text(text) => text,
        Scalar::Unsigned(n) => n.to_string(),
        Scalar::Integer(n) => n.to_string(),
        Scalar::Float(x) => x.to_string(),
        Scalar::Flag(b) => b.to_string(),
    })
}

fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SecretString, D::Error> {
    lenient_string(deserializer).map(SecretString::from)
}

/// An amount of money written as `8.00`, `"8.00"` or `8`.
fn money<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
    let text = lenient_string(deserializer)?;
    text.parse().map_err(|e| serde::de::Error::custom(format!("`{text}` is not an amount: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let settings = Settings {
            secret: SecretString::from("top secret value"),
            database: DatabaseSettings {
                url: SecretString::from("mysql://root:hunter2@db/meiduo"),
                ..DatabaseSettings::default()
            },
            ..Settings::default()
        };
        let printed = format!("{settings:?}");
        assert!(!printed.contains("top secret value"));
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn files_and_the_environment_override_the_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "meiduo.toml",
                "listen = \"0.0.0.0:9000\"\n[order]\nfreight = \"12.50\"\n[redis]\ntimeout = \"2s\"",
            )?;
            jail.set_env("MEIDUO_FREIGHT", "8.00");
            jail.set_env("MEIDUO_STOCK_UPDATE", "equality");
            jail.set_env("MEIDUO_DATABASE_MAX_CONNECTIONS", "4");
            jail.set_env("MEIDUO_PAYMENT_UNPAID_TTL", "45m");
            jail.set_env("MEIDUO_ACCOUNTS_SMS_CAPTCHA", "false");
            jail.set_env("MEIDUO_MAIL_SMTP_URL", "smtp://mail.example.com:25");
            jail.set_env("MEIDUO_OUTBOX_POLL_INTERVAL", "250ms");
            jail.set_env("MEIDUO_SEARCH_REFRESH_INTERVAL", "500ms");
            jail.set_env("MEIDUO_QQ_PROVIDER", "qq");
            jail.set_env("MEIDUO_QQ_CLIENT_ID", "101514053");
            let settings = Settings::load(Some(Path::new("meiduo.toml")))
                .map_err(|e| figment::Error::from(e.to_string()))?;
            assert_eq!(settings.listen, "0.0.0.0:9000");
            assert_eq!(settings.order.freight.to_string(), "8.00");
            assert_eq!(settings.order.stock_update, StockUpdateSetting::Equality);
            assert_eq!(settings.order.max_count, 200);
            assert_eq!(settings.database.max_connections, 4);
            assert_eq!(settings.redis.timeout, Duration::from_secs(2));
            assert_eq!(settings.payment.unpaid_ttl, Duration::from_secs(45 * 60));
            assert!(!settings.accounts.sms_captcha);
            assert_eq!(settings.mail.smtp_url.expose_secret(), "smtp://mail.example.com:25");
            assert_eq!(settings.outbox.poll_interval, Duration::from_millis(250));
            assert_eq!(settings.search.refresh_interval, Duration::from_millis(500));
            assert_eq!(
                (settings.qq.provider.as_str(), settings.qq.client_id.as_str()),
                ("qq", "101514053")
            );
            assert!(settings.secret.expose_secret().is_empty());
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn an_all_digit_app_id_is_taken_unquoted_and_the_gateway_by_name() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MEIDUO_PAYMENT_APP_ID", "2021000000000001");
            jail.set_env("MEIDUO_PAYMENT_GATEWAY", "alipay-sandbox");
            let settings = Settings::load(None).map_err(|e| figment::Error::from(e.to_string()))?;
            assert_eq!(settings.payment.app_id, "2021000000000001");
            assert_eq!(settings.payment.gateway, Some(Gateway::AlipaySandbox));
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn a_bad_setting_names_its_variable_and_what_it_expected() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MEIDUO_DATABASE_MAX_CONNECTIONS", "many");
            let error = Settings::load(None).map(|_| ()).unwrap_err().to_string();
            assert!(error.contains("MEIDUO_DATABASE_MAX_CONNECTIONS"), "{error}");
            assert!(error.contains("database.max_connections"), "{error}");
            assert!(error.contains("u32"), "{error}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("MEIDUO_FREIGHT", "ten yuan");
            let error = Settings::load(None).map(|_| ()).unwrap_err().to_string();
            assert!(error.contains("MEIDUO_FREIGHT") && error.contains("not an amount"), "{error}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("MEIDUO_PAYMENT_GATEWAY", "paypal");
            let error = Settings::load(None).map(|_| ()).unwrap_err().to_string();
            assert!(error.contains("MEIDUO_PAYMENT_GATEWAY"), "{error}");
            assert!(error.contains("not a gateway"), "{error}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("MEIDUO_REDIS_TIMEOUT", "500");
            let error = Settings::load(None).map(|_| ()).unwrap_err().to_string();
            assert!(error.contains("MEIDUO_REDIS_TIMEOUT"), "{error}");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn any_sign_of_production_needs_a_gateway_and_a_qq_provider_chosen() {
        for (variable, value, sign) in [
            ("MEIDUO_ENV", "production", "MEIDUO_ENV=production"),
            ("MEIDUO_DATABASE_URL", "mysql://root@db/meiduo", "MEIDUO_DATABASE_URL"),
            ("MEIDUO_REDIS_URL", "redis://cache:6379", "MEIDUO_REDIS_URL"),
            ("MEIDUO_LISTEN", "0.0.0.0:8000", "MEIDUO_LISTEN=0.0.0.0:8000"),
            ("MEIDUO_LISTEN", "10.0.0.5:8000", "MEIDUO_LISTEN=10.0.0.5:8000"),
        ] {
            figment::Jail::expect_with(|jail| {
                jail.set_env(variable, value);
                let settings =
                    Settings::load(None).map_err(|e| figment::Error::from(e.to_string()))?;
                let refused = settings.gateway().unwrap_err();
                assert!(refused.contains("MEIDUO_PAYMENT_GATEWAY must be chosen"), "{refused}");
                assert!(refused.contains(sign), "{variable}: {refused}");
                let refused = settings.qq_provider().unwrap_err();
                assert!(refused.contains("MEIDUO_QQ_PROVIDER must be chosen"), "{refused}");

                jail.set_env("MEIDUO_PAYMENT_GATEWAY", "alipay");
                jail.set_env("MEIDUO_QQ_PROVIDER", "qq");
                let settings =
                    Settings::load(None).map_err(|e| figment::Error::from(e.to_string()))?;
                assert_eq!(settings.gateway(), Ok(Gateway::Alipay));
                assert_eq!(settings.qq_provider().as_deref(), Ok("qq"));
                Ok(())
            });
        }
        // Loopback addresses are no sign.
        for listen in ["127.0.0.1:8000", "[::1]:8000", "localhost:8000", "127.0.0.1:0"] {
            let settings = Settings { listen: listen.into(), ..Settings::default() };
            assert!(settings.production_signs().is_empty(), "{listen}");
        }
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn a_chosen_sandbox_runs_a_test_deployment_but_never_with_env_production() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MEIDUO_DATABASE_URL", "mysql://root@db/meiduo");
            jail.set_env("MEIDUO_PAYMENT_GATEWAY", "sandbox");
            jail.set_env("MEIDUO_QQ_PROVIDER", "sandbox");
            let settings = Settings::load(None).map_err(|e| figment::Error::from(e.to_string()))?;
            assert_eq!(settings.gateway(), Ok(Gateway::Sandbox));
            assert_eq!(settings.qq_provider().as_deref(), Ok("sandbox"));
            jail.set_env("MEIDUO_ENV", "production");
            let settings = Settings::load(None).map_err(|e| figment::Error::from(e.to_string()))?;
            assert!(settings.gateway().unwrap_err().contains("refused with MEIDUO_ENV=production"));
            assert!(settings.qq_provider().unwrap_err().contains("refused"));
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn cors_origins_come_as_a_list_or_comma_separated_and_must_be_origins() {
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "MEIDUO_CORS_ORIGINS",
                "http://www.meiduo.site:8080, https://m.meiduo.site/",
            );
            let settings = Settings::load(None).map_err(|e| figment::Error::from(e.to_string()))?;
            assert_eq!(
                settings.cors_origins,
                ["http://www.meiduo.site:8080", "https://m.meiduo.site"]
            );
            jail.set_env("MEIDUO_CORS_ORIGINS", "www.meiduo.site");
            let error = Settings::load(None).map(|_| ()).unwrap_err().to_string();
            assert!(
                error.contains("MEIDUO_CORS_ORIGINS") && error.contains("not an origin"),
                "{error}"
            );
            jail.set_env("MEIDUO_CORS_ORIGINS", "http://www.meiduo.site/shop");
            assert!(Settings::load(None).is_err());
            Ok(())
        });
    }

    #[test]
    fn the_embedded_default_is_sqlite_in_the_data_dir() {
        let settings = Settings::default();
        assert_eq!(settings.database_url(), "sqlite://data/meiduo.db?mode=rwc");
        assert_eq!(settings.listen, "127.0.0.1:8000");
        assert!(settings.production_signs().is_empty());
        assert_eq!(settings.gateway(), Ok(Gateway::Sandbox));
        assert_eq!(settings.qq_provider().as_deref(), Ok("sandbox"));
    }
}
