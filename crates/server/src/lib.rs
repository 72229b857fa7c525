//! The composition root: it reads [`Settings`], picks the adapters and starts the HTTP server.
//! `main.rs` only parses the command line.

pub mod pool_waits;
pub mod request_log;
pub mod settings;

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::cookie::Key;
use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use async_trait::async_trait;
use meiduo_application::accounts::SmsPolicy;
use meiduo_application::deliveries::DeliveryPolicy;
use meiduo_application::search::IndexRound;
use meiduo_application::{OrderPolicy, Policies, Ports, StockUpdate, UseCases};
use meiduo_cart_redis::{RedisConfig, RedisStore};
use meiduo_domain::QuantityLimit;
use meiduo_domain::ports::{
    BrowseHistory, Cache, CaptchaPainter, CartStore, ImageStore, Mailer, OAuthError,
    PaymentGateway, QqOAuth, RateLimits, SkuCatalog, SmsSender, VerificationCodes,
};
use meiduo_http::state::PoolGauge;
use meiduo_http::{ApiState, OpsAccess, Readiness, Tokens};
use meiduo_images::{ObjectImages, S3Location};
use meiduo_inprocess::cache::{LocalCache, TieredCache};
use meiduo_inprocess::cached_catalog::{CachedCatalog, CachedSkus, MENU_CACHE, SKU_TTL};
use meiduo_inprocess::{
    Argon2Hasher, CountedCarts, CounterOrderIdSource, ImageCaptchas, JwtSignedTokens, LogMailer,
    LogSmsSender, SharedGateView, SystemClock,
};
use meiduo_mail_smtp::SmtpMailer;
use meiduo_oauth_qq::sandbox::QqSandbox;
use meiduo_oauth_qq::{QQ_GRAPH, QqClient, QqConfig};
use meiduo_pay_alipay::keys::{private_key, public_key};
use meiduo_pay_alipay::sandbox::{SANDBOX_SELLER_ID, Sandbox};
use meiduo_pay_alipay::sandbox_http;
use meiduo_pay_alipay::{AlipayConfig, AlipayGateway, PRODUCTION_GATEWAY, SANDBOX_GATEWAY};
use meiduo_search::TantivySkuIndex;
use meiduo_store_sql::{SqlConfig, SqlStore};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use secrecy::ExposeSecret;
use secrecy::SecretString;

pub use settings::{Gateway, Settings, SettingsError, StockUpdateSetting};

/// Connects the database of the settings. For the embedded default the data directory is made
/// (readable by this user only) and the SQLite file created with mode 600 before SQLite opens
/// it; SQLite gives its journal files the same mode.
pub async fn connect(settings: &Settings) -> anyhow::Result<SqlStore> {
    create_private_dir(&settings.data_dir)?;
    if settings.database.url.expose_secret().is_empty() {
        let file = settings.data_dir.join("meiduo.db");
        if !file.exists() {
            create_private(&file)?;
        }
    }
    let mut config = SqlConfig::new(settings.database_url());
    config.max_connections = settings.database.max_connections;
    SqlStore::connect(&config).await.context("connecting to the database")
}

/// The secret that signs tokens and cookies: the configured one, or one generated once into the
/// data directory.
pub fn secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    let configured = settings.secret.expose_secret();
    if !configured.is_empty() {
        anyhow::ensure!(configured.len() >= 32, "MEIDUO_SECRET must be at least 32 bytes");
        return Ok(configured.as_bytes().to_vec());
    }
    let path = settings.data_dir.join("secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        anyhow::ensure!(
            existing.len() >= 32,
            "{} holds a secret shorter than 32 bytes: remove it (one is generated) or set \
             MEIDUO_SECRET",
            path.display()
        );
        return Ok(existing.as_bytes().to_vec());
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("no randomness for the secret: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &hex)?;
    tracing::warn!(
        path = %path.display(),
        "no secret configured (MEIDUO_SECRET): generated one and kept it in the data directory; \
         configure one shared by all replicas in production"
    );
    Ok(hex.into_bytes())
}

/// The data directory, made with mode 700 if it does not exist.
fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).with_context(|| format!("creating the data directory {}", path.display()))
}

/// A new file only this user can read or write (mode 600 from its creation: no moment when
/// another user could open it).
fn create_private(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).with_context(|| format!("creating {}", path.display()))
}

/// Writes a secret into a new private file.
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    create_private(path)?
        .write_all(contents.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// Migrates and seeds as configured.
pub async fn prepare(settings: &Settings, store: &SqlStore) -> anyhow::Result<()> {
    if settings.migrate_on_start {
        store.migrate().await.context("applying migrations")?;
    }
    if settings.seed_on_start {
        let report = store.load_demo_data().await.context("loading the demo data")?;
        if report.catalog_loaded || report.areas_loaded {
            tracing::info!(?report, "demo catalog and areas loaded");
        }
    }
    Ok(())
}

/// The payment gateway of the settings, and the sandbox when it plays Alipay's part.
pub struct PaymentWiring {
    pub gateway: AlipayConfig,
    /// Our merchant id: the one callbacks must have paid.
    pub seller_id: String,
    pub sandbox: Option<Arc<Sandbox>>,
}

impl std::fmt::Debug for PaymentWiring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentWiring").field("gateway", &self.gateway).finish_non_exhaustive()
    }
}

/// A private key from the settings, or kept in (and at first generated into) `data_dir/file`.
fn key_or_generated(
    settings: &Settings,
    configured: &SecretString,
    file: &str,
) -> anyhow::Result<RsaPrivateKey> {
    if !configured.expose_secret().is_empty() {
        return private_key(configured.expose_secret()).map_err(|e| anyhow::anyhow!("{file}: {e}"));
    }
    let path = settings.data_dir.join(file);
    if let Ok(pem) = std::fs::read_to_string(&path) {
        return private_key(&pem).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    }
    tracing::info!(path = %path.display(), "generating a 2048-bit key for the payment sandbox (once)");
    let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)?;
    let pem =
        key.to_pkcs8_pem(LineEnding::LF).map_err(|e| anyhow::anyhow!("encoding a key: {e}"))?;
    write_private(&path, &pem)?;
    Ok(key)
}

/// QQ login as the settings say: the client, and the sandbox when it plays QQ's part here.
pub struct QqWiring {
    pub client: Arc<dyn QqOAuth>,
    pub sandbox: Option<Arc<QqSandbox>>,
}

impl std::fmt::Debug for QqWiring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QqWiring").field("sandbox", &self.sandbox.is_some()).finish()
    }
}

/// Reads the QQ settings. `public_url` is where this server is reached; `secret` makes the
/// sandbox's openids stable across restarts.
pub fn qq_wiring(settings: &Settings, public_url: &str, secret: &[u8]) -> anyhow::Result<QqWiring> {
    let qq = &settings.qq;
    let client_secret = qq.client_secret.expose_secret().to_owned();
    let provider = settings.qq_provider().map_err(anyhow::Error::msg)?;
    let (base_url, sandbox) = match provider.as_str() {
        "sandbox" => {
            tracing::warn!(
                "QQ login goes to its local sandbox (/qq-sandbox): anyone can log in under any QQ \
                 number. Choose MEIDUO_QQ_PROVIDER=qq for a real shop"
            );
            let salt = [secret, b":qq-sandbox"].concat();
            let sandbox = QqSandbox::new(&qq.client_id, &client_secret, &salt);
            (format!("{}/qq-sandbox", public_url.trim_end_matches('/')), Some(Arc::new(sandbox)))
        }
        "qq" => {
            anyhow::ensure!(
                !client_secret.is_empty(),
                "MEIDUO_QQ_CLIENT_SECRET is required with MEIDUO_QQ_PROVIDER=qq"
            );
            (QQ_GRAPH.to_owned(), None)
        }
        url if url.starts_with("http://") || url.starts_with("https://") => (url.to_owned(), None),
        other => anyhow::bail!("MEIDUO_QQ_PROVIDER: `{other}` is not sandbox, qq or a URL"),
    };
    let client = QqClient::new(QqConfig {
        base_url,
        client_id: qq.client_id.clone(),
        client_secret,
        redirect_uri: qq.redirect_uri.clone(),
        timeout: Duration::from_secs(5),
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(QqWiring { client: Arc::new(client), sandbox })
}

/// Reads the payment settings. `public_url` is where this server is reached.
pub fn payment_wiring(settings: &Settings, public_url: &str) -> anyhow::Result<PaymentWiring> {
    let public_url = public_url.trim_end_matches('/');
    let notify_url = format!("{public_url}/payment/alipay/notify/");
    let payment = &settings.payment;
    let return_url = if payment.return_url.is_empty() {
        format!("{public_url}/payment/status/")
    } else {
        payment.return_url.clone()
    };
    let timeout = Duration::from_secs(10);
    let gateway = match settings.gateway().map_err(anyhow::Error::msg)? {
        Gateway::Sandbox => None,
        Gateway::Alipay => Some(PRODUCTION_GATEWAY.to_owned()),
        Gateway::AlipaySandbox => Some(SANDBOX_GATEWAY.to_owned()),
        Gateway::Url(url) => Some(url),
    };
    let Some(gateway) = gateway else {
        tracing::warn!(
            "payments go to the local sandbox: any shopper can mark an order paid without paying. \
             Choose MEIDUO_PAYMENT_GATEWAY for a real shop"
        );
        let app_key = key_or_generated(settings, &payment.app_private_key, "sandbox_app_key.pem")?;
        let sandbox_key =
            key_or_generated(settings, &payment.sandbox_private_key, "sandbox_alipay_key.pem")?;
        let sandbox = Arc::new(Sandbox::new(sandbox_key.clone(), RsaPublicKey::from(&app_key)));
        return Ok(PaymentWiring {
            gateway: AlipayConfig {
                app_id: payment.app_id.clone(),
                app_private_key: app_key,
                alipay_public_key: RsaPublicKey::from(&sandbox_key),
                gateway: format!("{public_url}/sandbox/alipay/gateway.do"),
                notify_url,
                return_url: Some(return_url),
                timeout,
            },
            seller_id: if payment.seller_id.is_empty() {
                SANDBOX_SELLER_ID.to_owned()
            } else {
                payment.seller_id.clone()
            },
            sandbox: Some(sandbox),
        });
    };
    Ok(PaymentWiring {
        gateway: AlipayConfig {
            app_id: payment.app_id.clone(),
            app_private_key: private_key(payment.app_private_key.expose_secret())
                .map_err(|e| anyhow::anyhow!("MEIDUO_PAYMENT_APP_PRIVATE_KEY: {e}"))?,
            alipay_public_key: public_key(&payment.alipay_public_key)
                .map_err(|e| anyhow::anyhow!("MEIDUO_PAYMENT_ALIPAY_PUBLIC_KEY: {e}"))?,
            gateway,
            notify_url,
            return_url: Some(return_url),
            timeout,
        },
        seller_id: {
            anyhow::ensure!(
                !payment.seller_id.is_empty(),
                "MEIDUO_PAYMENT_SELLER_ID (our merchant id, 2088...) is required with a real gateway"
            );
            payment.seller_id.clone()
        },
        sandbox: None,
    })
}

/// The Redis store of the settings, when `redis_url` is set.
pub fn redis(settings: &Settings) -> anyhow::Result<Option<RedisStore>> {
    let redis = &settings.redis;
    if redis.url.expose_secret().is_empty() {
        return Ok(None);
    }
    let mut config = RedisConfig::new(redis.url.expose_secret());
    config.cluster = redis.cluster;
    config.pool_size = redis.pool_size.max(1);
    config.timeout = redis.timeout.max(Duration::from_millis(1));
    RedisStore::new(&config).map(Some).map_err(|e| anyhow::anyhow!("configuring Redis: {e:?}"))
}

struct StoresReadiness {
    sql: SqlStore,
    redis: Option<RedisStore>,
}

#[async_trait]
impl Readiness for StoresReadiness {
    async fn check(&self) -> Vec<(&'static str, Result<(), String>)> {
        let database = self.sql.ping().await.map_err(|e| e.to_string());
        match &self.redis {
            // The SQL cart store lives in the database.
            None => vec![("database", database.clone()), ("cart_store", database)],
            Some(redis) => {
                let redis = redis.ping().await.map_err(|e| format!("{e:?}"));
                vec![("database", database), ("cart_store", redis.clone()), ("redis", redis)]
            }
        }
    }

    async fn close(&self) {
        self.sql.close().await;
    }

    fn pools(&self) -> Vec<PoolGauge> {
        let (in_use, idle) = self.sql.pool_status();
        let mut pools = vec![PoolGauge { store: "database", in_use, idle, waiting: None }];
        if let Some(redis) = &self.redis {
            let (in_use, idle, waiting) = redis.pool_status();
            pools.push(PoolGauge { store: "redis", in_use, idle, waiting: Some(waiting) });
        }
        pools
    }
}

/// The ports Redis serves when configured: cart, verification codes, rate limits, browse
/// history, shared cache.
type KeyValuePorts = (
    Arc<dyn CartStore>,
    Arc<dyn VerificationCodes>,
    Arc<dyn RateLimits>,
    Arc<dyn BrowseHistory>,
    Option<Arc<dyn Cache>>,
);

/// Waits for SIGTERM (an orchestrator's stop) or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
                return;
            }
            Err(error) => {
                tracing::warn!(%error, "SIGTERM cannot be caught; stopping on Ctrl-C only")
            }
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Adds a background round's outcome to its counter.
fn count(name: &'static str, outcome: &'static str, value: u32) {
    metrics::counter!(name, "outcome" => outcome).increment(u64::from(value));
}

/// Counts a background round that failed.
fn worker_failed(worker: &'static str) {
    metrics::counter!("meiduo_worker_failures_total", "worker" => worker).increment(1);
}

/// How often each replica adds the category visits it counted to the database.
const VISIT_FLUSH_EVERY: Duration = Duration::from_secs(10);

/// How long this process answers orders of a flash-sale SKU whose shared gate it found empty
/// without asking the gate again: units another replica gives back show here after this.
const SOLD_OUT_MEMORY: Duration = Duration::from_millis(250);

/// How many documents the process's own cache holds at most.
const LOCAL_CACHE_ENTRIES: u64 = 10_000;

/// The order rules of the settings.
pub fn order_policy(settings: &Settings) -> anyhow::Result<OrderPolicy> {
    let order = &settings.order;
    Ok(OrderPolicy {
        freight: order.freight,
        max_count: QuantityLimit::new(order.max_count).context("max_count must be at least 1")?,
        stock_update: match order.stock_update {
            StockUpdateSetting::Equality => StockUpdate::Equality,
            StockUpdateSetting::Covering => StockUpdate::Covering,
        },
        max_swap_attempts: order.max_swap_attempts.max(1),
        max_transaction_attempts: order.max_transaction_attempts.max(1),
        max_unpaid_orders: order.max_unpaid_orders,
        max_unpaid_units: order.max_unpaid_units,
        sold_out_memory: SOLD_OUT_MEMORY,
        ..OrderPolicy::default()
    })
}

/// The rules of the settings, for [`UseCases::build`].
pub fn policies(settings: &Settings, payment: &PaymentWiring) -> anyhow::Result<Policies> {
    Ok(Policies {
        order: order_policy(settings)?,
        sms: SmsPolicy { captcha_required: settings.accounts.sms_captcha, ..SmsPolicy::default() },
        email_verify_url: settings.accounts.email_verify_url.clone(),
        delivery: DeliveryPolicy::default(),
        payment_app_id: payment.gateway.app_id.clone(),
        payment_seller_id: payment.seller_id.clone(),
        unpaid_ttl: settings.payment.unpaid_ttl.max(Duration::from_secs(60)),
        search_rebuild: settings.search.rebuild_interval.max(Duration::from_secs(60)),
    })
}

/// The local stand-ins the server mounts pages for: Alipay's and QQ's.
#[derive(Debug, Default, Clone)]
pub struct Sandboxes {
    pub alipay: Option<Arc<Sandbox>>,
    pub qq: Option<Arc<QqSandbox>>,
}

/// QQ login where none is configured (tools that serve no storefront): every call says so.
#[derive(Debug, Clone, Copy)]
struct NoQqLogin;

#[async_trait]
impl QqOAuth for NoQqLogin {
    fn login_url(&self, _state: &str) -> String {
        String::new()
    }

    async fn openid(&self, _code: &str) -> Result<String, OAuthError> {
        Err(OAuthError::Unavailable("no QQ login is configured here".into()))
    }
}

/// The adapters that reach people (the SMS sender, the mailer, the captcha painter, QQ) and
/// the picture storage: the outward adapters the settings choose.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct Senders {
    pub sms: Arc<dyn SmsSender>,
    pub mailer: Arc<dyn Mailer>,
    pub captchas: Arc<dyn CaptchaPainter>,
    /// QQ login's provider.
    pub qq: Arc<dyn QqOAuth>,
    /// Where uploaded pictures go.
    pub images: Arc<dyn ImageStore>,
}

impl Default for Senders {
    /// SMS codes and mail written to the log; captcha pictures from the `captcha` crate;
    /// pictures kept in memory.
    fn default() -> Self {
        Senders {
            sms: Arc::new(LogSmsSender),
            mailer: Arc::new(LogMailer),
            captchas: Arc::new(ImageCaptchas),
            qq: Arc::new(NoQqLogin),
            images: Arc::new(ObjectImages::in_memory()),
        }
    }
}

/// The picture storage of the settings: a local directory (`data_dir/images` unless
/// `images.dir` says otherwise) or an S3 bucket.
pub fn image_store(settings: &Settings) -> anyhow::Result<Arc<dyn ImageStore>> {
    let images = &settings.images;
    let store = match images.store.as_str() {
        "" | "local" => {
            let dir = if images.dir.is_empty() {
                settings.data_dir.join("images")
            } else {
                std::path::PathBuf::from(&images.dir)
            };
            ObjectImages::local(&dir).map_err(|e| anyhow::anyhow!("MEIDUO_IMAGES_DIR: {e}"))?
        }
        "s3" => {
            anyhow::ensure!(
                !images.s3_bucket.is_empty(),
                "MEIDUO_IMAGES_S3_BUCKET is required with MEIDUO_IMAGES_STORE=s3"
            );
            let location = S3Location {
                bucket: images.s3_bucket.clone(),
                endpoint: images.s3_endpoint.clone(),
                region: images.s3_region.clone(),
            };
            ObjectImages::s3(&location).map_err(|e| anyhow::anyhow!("MEIDUO_IMAGES_S3_*: {e}"))?
        }
        other => anyhow::bail!("MEIDUO_IMAGES_STORE: `local` or `s3`, not `{other}`"),
    };
    tracing::info!(store = ?store, "pictures");
    Ok(Arc::new(store))
}

impl Senders {
    /// The senders of the settings: SMTP when `mail.smtp_url` is set, else the log; QQ as
    /// wired.
    pub fn from_settings(settings: &Settings, qq: &QqWiring) -> anyhow::Result<Self> {
        let url = settings.mail.smtp_url.expose_secret();
        let mut senders =
            Senders { qq: qq.client.clone(), images: image_store(settings)?, ..Senders::default() };
        if !url.is_empty() {
            let smtp = SmtpMailer::new(url, &settings.mail.from, settings.mail.timeout)
                .map_err(|e| anyhow::anyhow!("MEIDUO_MAIL_SMTP_URL / MEIDUO_MAIL_FROM: {e}"))?;
            senders.mailer = Arc::new(smtp);
        }
        Ok(senders)
    }
}

/// The adapters of one deployment: the SQL store for what must be transactional, Redis when
/// configured (carts, verification codes, browse history and the shared cache; the database
/// keeps the codes otherwise), this process's cache in front of the catalog, tokens signed with
/// `secret`, the in-process adapters for the rest, and these senders and gateway.
pub fn ports(
    settings: &Settings,
    store: &SqlStore,
    redis: Option<&RedisStore>,
    secret: &[u8],
    senders: Senders,
    gateway: Arc<dyn PaymentGateway>,
) -> Ports {
    let local_ttl = settings.cache.local_ttl;
    let local_cache =
        (!local_ttl.is_zero()).then(|| LocalCache::new(LOCAL_CACHE_ENTRIES, local_ttl));
    let local = local_cache.clone().map(|cache| Arc::new(cache) as Arc<dyn Cache>);
    let (carts, codes, limits, browse_history, shared): KeyValuePorts = match redis {
        Some(redis) => {
            let redis = Arc::new(redis.clone());
            // The shared cache, with this process's copy in front of it.
            let shared: Arc<dyn Cache> = match local_cache {
                Some(local) => Arc::new(TieredCache::new(local, redis.clone())),
                None => redis.clone(),
            };
            (redis.clone(), redis.clone(), redis.clone(), redis, Some(shared))
        }
        None => (
            Arc::new(store.carts()),
            Arc::new(store.codes()),
            Arc::new(store.rate_limits()),
            Arc::new(store.browse_history()),
            local.clone(),
        ),
    };
    let catalog = Arc::new(
        CachedCatalog::new(Arc::new(store.catalog()))
            .with_shared_cache(shared)
            .with_local_cache(local.clone()),
    );
    let skus: Arc<dyn SkuCatalog> = Arc::new(store.skus());
    // The replicas share Redis's gates (with this process's memory of those it found empty);
    // without Redis the gate is this process's.
    let sale_gate: Arc<dyn meiduo_domain::ports::SaleGate> = match redis {
        Some(redis) => Arc::new(SharedGateView::new(Arc::new(redis.clone()), SOLD_OUT_MEMORY)),
        None => Arc::new(meiduo_inprocess::MemorySaleGate::default()),
    };
    Ports {
        uow: Arc::new(store.unit_of_work()),
        users: Arc::new(store.users()),
        hasher: Arc::new(Argon2Hasher::default()),
        codes,
        sms: senders.sms,
        mailer: senders.mailer,
        outbox: Arc::new(store.outbox()),
        captchas: senders.captchas,
        qq: senders.qq,
        qq_bindings: Arc::new(store.qq_bindings()),
        idempotency_keys: Arc::new(store.idempotency_keys()),
        limits,
        tokens: Arc::new(JwtSignedTokens::new(secret)),
        areas: Arc::new(store.areas()),
        addresses: Arc::new(store.addresses()),
        catalog: catalog.clone(),
        catalog_changes: catalog,
        skus: skus.clone(),
        cart_skus: Arc::new(CachedSkus::new(skus, local_ttl.min(SKU_TTL))),
        browse_history,
        orders: Arc::new(store.orders()),
        payments: Arc::new(store.payments()),
        gateway,
        // Counted, so that a shopper turned away by a sold-out gate a moment ago is answered
        // again without loading the cart this process has not written since.
        carts: Arc::new(CountedCarts::new(carts)),
        clock: Arc::new(SystemClock),
        ids: Arc::new(CounterOrderIdSource::new()),
        staff: Arc::new(store.staff()),
        admin_queries: Arc::new(store.staff()),
        audit: Arc::new(store.staff()),
        rights: Arc::new(store.staff()),
        category_visits: Arc::new(store.staff()),
        catalog_editor: Arc::new(store.catalog_editor()),
        images: senders.images,
        search_index: Arc::new(TantivySkuIndex::new()),
        sku_documents: Arc::new(store.sku_documents()),
        flash_sales: Arc::new(store.flash_sales()),
        sale_gate,
    }
}

/// Creates a staff account: a superuser when `permissions` is empty, else a member holding
/// those permissions (codenames such as `view_orderinfo`).
pub async fn create_staff(
    store: &SqlStore,
    username: &str,
    mobile: &str,
    password: &str,
    permissions: &[String],
) -> anyhow::Result<meiduo_domain::User> {
    use meiduo_domain::ports::{PasswordHasher, StaffDirectory};
    use meiduo_domain::{Mobile, NewUser, Password, Username};
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("--username: {e}"))?;
    let mobile = Mobile::parse(mobile).map_err(|e| anyhow::anyhow!("--mobile: {e}"))?;
    let password = Password::parse(password).map_err(|e| anyhow::anyhow!("the password: {e}"))?;
    let password_hash =
        Argon2Hasher::default().hash(password.expose()).await.map_err(anyhow::Error::msg)?;
    let token_stamp = meiduo_application::accounts::new_token_stamp();
    let new = NewUser { username, mobile, password_hash, token_stamp };
    store
        .staff()
        .create_staff(&new, permissions.is_empty(), permissions)
        .await
        .map_err(|e| anyhow::anyhow!("creating the staff account: {e}"))
}

/// The shop ships an order (Unsend → Unreceived), as `meiduo ship <order_id>` does until the
/// admin API does it; the change is logged with the actor `shop`.
pub async fn ship_order(
    settings: &Settings,
    store: &SqlStore,
    order_id: &str,
) -> anyhow::Result<meiduo_domain::Order> {
    let id = meiduo_domain::OrderId::parse(order_id).map_err(|e| anyhow::anyhow!("{e}"))?;
    let ports = ports(
        settings,
        store,
        None,
        b"shipping signs no tokens",
        Senders::default(),
        Arc::new(meiduo_inprocess::NoPaymentGateway),
    );
    let use_cases = UseCases::build(&ports, &Policies::default());
    use_cases.history.ship(&id).await.map_err(|e| anyhow::anyhow!("order {order_id}: {e}"))
}

/// The flash sales as `meiduo flash-sale` reaches them: the settings' database and gate (Redis
/// when configured; else a gate of this command's own, which only the server's next start sets
/// from the database).
pub fn flash_sales(
    settings: &Settings,
    store: &SqlStore,
) -> anyhow::Result<Arc<meiduo_application::flash_sale::FlashSale>> {
    let redis = redis(settings)?;
    let ports = ports(
        settings,
        store,
        redis.as_ref(),
        b"flash sales sign no tokens",
        Senders::default(),
        Arc::new(meiduo_inprocess::NoPaymentGateway),
    );
    Ok(UseCases::build(&ports, &Policies::default()).flash_sale)
}

/// Builds the API's state: the use cases over the adapters of the settings, with these senders
/// and payment wiring, for a server reached at `public_url`.
pub fn api_state(
    settings: &Settings,
    public_url: &str,
    store: SqlStore,
    redis: Option<RedisStore>,
    secret: &[u8],
    senders: Senders,
    payment: PaymentWiring,
) -> anyhow::Result<ApiState> {
    let gateway =
        AlipayGateway::new(payment.gateway.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let ports = ports(settings, &store, redis.as_ref(), secret, senders, Arc::new(gateway));
    let use_cases = UseCases::build(&ports, &policies(settings, &payment)?);
    Ok(ApiState {
        use_cases,
        tokens: Tokens::new(secret, settings.token.lifetime.max(Duration::from_secs(60)))
            .with_memory(settings.cache.local_ttl),
        cookie_key: Key::derive_from(secret),
        image_host: settings.image_host.clone(),
        readiness: Arc::new(StoresReadiness { sql: store, redis }),
        trust_forwarded: settings.trust_forwarded,
        public_url: public_url.trim_end_matches('/').to_owned(),
        ops: ops_access(settings),
        draining: Arc::new(std::sync::atomic::AtomicBool::new(false)),
    })
}

/// Who may read `/metrics...` and the API's documents: holders of the ops token when one is
/// set; else anyone on a developer's machine, and nobody where the settings look like
/// production.
pub fn ops_access(settings: &Settings) -> OpsAccess {
    let token = settings.ops_token.expose_secret();
    if !token.is_empty() {
        OpsAccess::Token(token.to_owned())
    } else if settings.production_signs().is_empty() {
        OpsAccess::Open
    } else {
        tracing::info!(
            "/metrics and /docs/ are not served: set MEIDUO_OPS_TOKEN to read them with \
             `Authorization: Bearer <token>`"
        );
        OpsAccess::Closed
    }
}

/// Cross-origin calls from the configured origins only (the front end is served from another
/// origin, as the original's): credentials included, since the guest's cart is a cookie.
/// Others get no `Access-Control-*` header, and their preflights are refused.
fn cors(origins: &[String]) -> actix_cors::Cors {
    use actix_web::http::header;
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-requested-with"),
        ])
        .expose_headers([header::RETRY_AFTER, header::LOCATION])
        .supports_credentials()
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// A running server.
pub struct Application {
    port: u16,
    server: Server,
    /// Tells the background workers to stop after their current round.
    stop: tokio::sync::watch::Sender<bool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
    draining: Arc<std::sync::atomic::AtomicBool>,
    shutdown: crate::settings::ShutdownSettings,
    stores: Arc<dyn Readiness>,
}

/// Runs `round` every `every` (waiting before the first round when `wait_first`) until told
/// to stop; a round in progress always finishes: the workers stop only between rounds.
fn worker<F, Fut>(
    stop: &tokio::sync::watch::Sender<bool>,
    every: Duration,
    wait_first: bool,
    mut round: F,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let mut stopped = stop.subscribe();
    tokio::spawn(async move {
        let mut first = true;
        loop {
            if !first || wait_first {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stopped.wait_for(|stop| *stop) => return,
                }
            }
            first = false;
            if *stopped.borrow() {
                return;
            }
            round().await;
        }
    })
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

impl Application {
    /// Connects, migrates, seeds, binds and wires as the settings say.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        // Refused before anything is touched: the stand-ins of a production-looking deployment.
        settings.gateway().map_err(anyhow::Error::msg)?;
        settings.qq_provider().map_err(anyhow::Error::msg)?;
        let store = connect(settings).await?;
        prepare(settings, &store).await?;
        let secret = secret(settings)?;
        let redis = redis(settings)?;
        if let Some(redis) = &redis {
            // The catalog may have just been loaded: no stale menu.
            if let Err(error) = redis.forget(&[MENU_CACHE.to_owned()]).await {
                tracing::warn!(
                    ?error,
                    "Redis did not answer at start; requests needing it answer 503 until it does"
                );
            }
        }
        let (listener, public_url) = Self::bind(settings)?;
        let payment = payment_wiring(settings, &public_url)?;
        let sandbox = payment.sandbox.clone();
        let qq = qq_wiring(settings, &public_url, &secret)?;
        let senders = Senders::from_settings(settings, &qq)?;
        let state = api_state(settings, &public_url, store, redis, &secret, senders, payment)?;
        Self::serve(settings, listener, state, Sandboxes { alipay: sandbox, qq: qq.sandbox })
    }

    /// Binds the listener; returns it with this server's public URL.
    pub fn bind(settings: &Settings) -> anyhow::Result<(TcpListener, String)> {
        let listener = TcpListener::bind(&settings.listen)
            .with_context(|| format!("listening on {}", settings.listen))?;
        let public_url = if settings.public_url.is_empty() {
            format!("http://{}", listener.local_addr()?)
        } else {
            settings.public_url.trim_end_matches('/').to_owned()
        };
        Ok((listener, public_url))
    }

    /// Serves the API on the listener (and the sandbox's pages, when it plays Alipay's part), and
    /// runs the expiry of unpaid orders and the outbox's worker in the background.
    pub fn serve(
        settings: &Settings,
        listener: TcpListener,
        state: ApiState,
        sandboxes: Sandboxes,
    ) -> anyhow::Result<Self> {
        let Sandboxes { alipay: sandbox, qq: qq_sandbox } = sandboxes;
        let port = listener.local_addr()?.port();
        let (stop, _) = tokio::sync::watch::channel(false);
        let mut workers = Vec::new();
        if !settings.payment.expiry_interval.is_zero() {
            let payments = Arc::clone(&state.payments);
            workers.push(worker(&stop, settings.payment.expiry_interval, true, move || {
                let payments = Arc::clone(&payments);
                async move {
                    match payments.expire_unpaid(100).await {
                        Ok(report) => {
                            count("meiduo_expiry_orders_total", "canceled", report.canceled);
                            count("meiduo_expiry_orders_total", "confirmed", report.confirmed);
                            count("meiduo_expiry_orders_total", "skipped", report.skipped);
                            if report != Default::default() {
                                tracing::info!(?report, "unpaid orders expired")
                            }
                        }
                        Err(error) => {
                            worker_failed("expiry");
                            tracing::warn!(%error, "expiry of unpaid orders failed this round")
                        }
                    }
                    match payments.reconcile_refunds(100).await {
                        Ok(report) => {
                            count("meiduo_refunds_reconciled_total", "refunded", report.refunded);
                            count("meiduo_refunds_reconciled_total", "failed", report.failed);
                            metrics::gauge!("meiduo_refunds_pending").set(report.pending as f64);
                            if report.refunded + report.failed > 0 {
                                tracing::info!(?report, "refunds reconciled")
                            }
                        }
                        Err(error) => {
                            worker_failed("refunds");
                            tracing::warn!(%error, "reconciliation of refunds failed this round")
                        }
                    }
                }
            }));
        }
        if !settings.outbox.poll_interval.is_zero() {
            let deliveries = Arc::clone(&state.deliveries);
            workers.push(worker(&stop, settings.outbox.poll_interval, false, move || {
                let deliveries = Arc::clone(&deliveries);
                async move {
                    match deliveries.run_once().await {
                        Ok(round) => {
                            count("meiduo_outbox_messages_total", "delivered", round.delivered);
                            count("meiduo_outbox_messages_total", "retried", round.retried);
                            count("meiduo_outbox_messages_total", "failed", round.failed);
                            if round != Default::default() {
                                tracing::info!(?round, "outbox delivered")
                            }
                        }
                        Err(error) => {
                            worker_failed("outbox");
                            tracing::warn!(%error, "the outbox worker failed this round")
                        }
                    }
                }
            }));
        }
        {
            let visits = Arc::clone(&state.visits);
            let flush = move || {
                let visits = Arc::clone(&visits);
                async move {
                    if let Err(error) = visits.flush().await {
                        worker_failed("visits");
                        tracing::warn!(%error, "category visits were not saved this round; kept for the next");
                    }
                }
            };
            workers.push(worker(&stop, VISIT_FLUSH_EVERY, true, flush));
        }
        if !settings.search.refresh_interval.is_zero() {
            let search = Arc::clone(&state.search);
            workers.push(worker(&stop, settings.search.refresh_interval, false, move || {
                let search = Arc::clone(&search);
                async move {
                    let started = std::time::Instant::now();
                    match search.run_once().await {
                        Ok(IndexRound::Built { documents }) => {
                            count("meiduo_search_rounds_total", "built", 1);
                            tracing::info!(
                                documents,
                                elapsed_ms = started.elapsed().as_millis() as u64,
                                "search index built"
                            );
                        }
                        Ok(IndexRound::Refreshed { documents }) => {
                            count("meiduo_search_rounds_total", "refreshed", 1);
                            metrics::counter!("meiduo_search_documents_applied_total")
                                .increment(documents);
                        }
                        Err(error) => {
                            worker_failed("search");
                            tracing::warn!(%error, "the search index missed this round's changes");
                        }
                    }
                    if let Some(size) = search.size() {
                        metrics::gauge!("meiduo_search_documents").set(size as f64);
                    }
                }
            }));
        }
        {
            // The first round, at start, sets every gate from the database (units taken by
            // orders that died with a process come back); later rounds only mend lost or
            // emptied gates.
            let flash_sale = Arc::clone(&state.flash_sale);
            let started = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let every = settings.flash_sale.reconcile_interval;
            let round = move || {
                let (flash_sale, started) = (Arc::clone(&flash_sale), Arc::clone(&started));
                async move {
                    let reset = !started.load(std::sync::atomic::Ordering::Relaxed);
                    match flash_sale.reconcile(reset).await {
                        Ok(_) => started.store(true, std::sync::atomic::Ordering::Relaxed),
                        Err(error) => {
                            worker_failed("flash_sale");
                            tracing::warn!(%error, "the flash-sale gates were not reconciled this round");
                        }
                    }
                }
            };
            // `0s`: once, at start.
            let every = if every.is_zero() { Duration::from_secs(365 * 86_400) } else { every };
            workers.push(worker(&stop, every, false, round));
        }
        // Installed before the first request, so that none goes uncounted.
        meiduo_http::metrics::handle();
        let draining = Arc::clone(&state.draining);
        let stores = Arc::clone(&state.readiness);
        let state = web::Data::new(state);
        let cors_origins = settings.cors_origins.clone();
        let mut server = HttpServer::new(move || {
            let mut app = meiduo_http::api(App::new().app_data(state.clone()))
                .wrap(actix_web::middleware::from_fn(meiduo_http::ops_guard))
                .wrap(actix_web::middleware::from_fn(meiduo_http::metrics::record_requests))
                .wrap(cors(&cors_origins))
                .wrap(tracing_actix_web::TracingLogger::<request_log::RequestSpans>::new());
            if let Some(sandbox) = &sandbox {
                app = app.configure(sandbox_http::configure(sandbox.clone()));
            }
            if let Some(sandbox) = &qq_sandbox {
                app = app.configure(meiduo_oauth_qq::sandbox_http::configure(sandbox.clone()));
            }
            app.default_service(web::to(meiduo_http::not_found))
        })
        .listen(listener)?
        // SIGTERM and Ctrl-C are this application's to handle (`run_until_stopped`).
        .disable_signals()
        .keep_alive(settings.keep_alive)
        .shutdown_timeout(settings.shutdown.timeout.as_secs().max(1));
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        Ok(Application {
            port,
            server: server.run(),
            stop,
            workers,
            draining,
            shutdown: settings.shutdown.clone(),
            stores,
        })
    }

    /// The bound port (useful when the settings asked for port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or Ctrl-C, then stops gracefully: readiness answers 503 at once
    /// while requests are still served for `shutdown.drain`; then the listener closes and the
    /// requests in flight finish (within `shutdown.timeout`); then the background workers stop
    /// after their current round, and the database pool closes.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application { server, stop, workers, draining, shutdown, stores, .. } = self;
        let handle = server.handle();
        let serving = tokio::spawn(server);
        stop_signal().await;
        tracing::info!(drain = ?shutdown.drain, "stopping: readiness answers 503; draining");
        draining.store(true, std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(shutdown.drain).await;
        tracing::info!("stopping: the listener closes; requests in flight finish");
        handle.stop(true).await;
        let served = serving.await.unwrap_or(Ok(()));
        let _ = stop.send(true);
        for worker in workers {
            if let Err(error) = worker.await {
                tracing::error!(%error, "a background worker ended abnormally");
            }
        }
        stores.close().await;
        tracing::info!("stopped");
        served
    }
}
