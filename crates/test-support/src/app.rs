//! The end-to-end harness: the real server on port 0 over a fresh database per test, and an HTTP
//! client that keeps cookies. The suites are in `tests/tests/`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::db::{TestDb, engines, mysql, sqlite};
use crate::redis::{TestRedis, redis as testing_redis};
use async_trait::async_trait;
use meiduo_application::deliveries::{Deliveries, DeliveryRound};
use meiduo_cart_redis::RedisStore;
use meiduo_domain::ports::{CaptchaPainter, Cause, DrawnCaptcha, Mail, Mailer, SmsSender};
use meiduo_domain::{Mobile, SmsCode};
use meiduo_inprocess::ImageCaptchas;
use meiduo_oauth_qq::sandbox::QqSandbox;
use meiduo_pay_alipay::AlipayConfig;
use meiduo_pay_alipay::sandbox::Sandbox;
use meiduo_server::settings::{OutboxSettings, PaymentSettings};
use meiduo_server::{
    Application, Sandboxes, Senders, Settings, api_state, payment_wiring, qq_wiring,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Keeps the codes "sent", so that a test can type them in.
#[derive(Debug, Default)]
pub struct CapturedSms {
    codes: Mutex<HashMap<String, String>>,
    delivered: AtomicUsize,
    /// How many sends fail before they start to succeed (a provider that is down a while).
    failures_left: AtomicUsize,
}

impl CapturedSms {
    /// A provider whose first `failures` sends fail.
    pub fn failing(failures: usize) -> Self {
        CapturedSms { failures_left: AtomicUsize::new(failures), ..CapturedSms::default() }
    }

    /// The last code sent to `mobile`.
    pub fn code_for(&self, mobile: &str) -> Option<String> {
        self.codes.lock().unwrap().get(mobile).cloned()
    }

    /// How many codes were sent in all.
    pub fn deliveries(&self) -> usize {
        self.delivered.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl SmsSender for CapturedSms {
    async fn send_code(&self, mobile: &Mobile, code: &SmsCode, _: u64) -> Result<(), Cause> {
        let failing = self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1))
            .is_ok();
        if failing {
            return Err("the SMS provider is down".into());
        }
        self.codes.lock().unwrap().insert(mobile.as_str().to_owned(), code.as_str().to_owned());
        self.delivered.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Keeps the mail "sent", so that a test can open its link.
#[derive(Debug, Default)]
pub struct CapturedMail {
    mails: Mutex<Vec<Mail>>,
}

impl CapturedMail {
    /// The mails sent to `to`, oldest first.
    pub fn to(&self, to: &str) -> Vec<Mail> {
        self.mails.lock().unwrap().iter().filter(|m| m.to == to).cloned().collect()
    }
}

#[async_trait]
impl Mailer for CapturedMail {
    async fn send(&self, mail: &Mail) -> Result<(), Cause> {
        self.mails.lock().unwrap().push(mail.clone());
        Ok(())
    }
}

/// Draws real captchas and remembers the text of the last, so that a test can type it.
#[derive(Debug, Default)]
pub struct CapturedCaptchas {
    last: Mutex<Option<String>>,
}

impl CapturedCaptchas {
    /// The text of the captcha drawn last.
    pub fn last_text(&self) -> String {
        self.last.lock().unwrap().clone().expect("a captcha was drawn")
    }
}

#[async_trait]
impl CaptchaPainter for CapturedCaptchas {
    async fn draw(&self) -> Result<DrawnCaptcha, Cause> {
        let drawn = ImageCaptchas.draw().await?;
        *self.last.lock().unwrap() = Some(drawn.text.clone());
        Ok(drawn)
    }
}

/// A fresh random UUID, as the original's front end makes for each captcha.
pub fn uuid() -> String {
    let hex: String = (0..32).map(|_| format!("{:x}", fastrand::u8(..16))).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// A running server over its own database.
pub struct TestApp {
    pub base: String,
    pub db: TestDb,
    pub sms: Arc<CapturedSms>,
    pub mail: Arc<CapturedMail>,
    pub captchas: Arc<CapturedCaptchas>,
    /// The outbox's worker: the test servers run none in the background; [`TestApp::deliver`]
    /// runs a round.
    pub deliveries: Arc<Deliveries>,
    /// The category-visit counter (its background flush runs every 10 s; a test flushes it).
    pub visits: Arc<meiduo_application::visits::CategoryVisits>,
    pub settings: Settings,
    pub with_redis: bool,
    /// How the app talks to its payment sandbox.
    pub gateway: AlipayConfig,
    pub sandbox: Arc<Sandbox>,
    /// QQ's stand-in, which the app's QQ login talks to.
    pub qq_sandbox: Arc<QqSandbox>,
}

/// A shopper's session: an HTTP client with its own cookie jar, and a token once logged in.
pub struct Session<'a> {
    pub app: &'a TestApp,
    pub client: reqwest::Client,
    pub token: Option<String>,
}

/// An answer: status, JSON body (Null when empty or not JSON), and the `Set-Cookie` headers.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub set_cookies: Vec<String>,
}

impl Answer {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// The app on SQLite, and on MariaDB when configured (each with a database of its own).
pub async fn apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in engines().await {
        apps.push(spawn(db.with_catalog().await).await);
    }
    apps
}

/// The app on SQLite, on MariaDB, and on MariaDB with Redis, as configured: the last carries
/// its Redis test store.
pub async fn apps_with_redis() -> Vec<(TestApp, Option<TestRedis>)> {
    let mut apps: Vec<(TestApp, Option<TestRedis>)> =
        apps().await.into_iter().map(|app| (app, None)).collect();
    if let Some(redis) = testing_redis().await {
        let db = match mysql().await {
            Some(db) => db,
            None => sqlite().await,
        };
        let app = spawn_with(db.with_catalog().await, Some(redis.store.clone())).await;
        apps.push((app, Some(redis)));
    }
    apps
}

/// Starts the server on port 0 over `db`.
pub async fn spawn(db: TestDb) -> TestApp {
    spawn_with(db, None).await
}

/// The secret the test servers sign tokens and cookies with.
pub const TEST_SECRET: &[u8] = b"an end-to-end test secret of 32+ bytes";

/// Test keys (never used elsewhere): the application's, and the sandbox's ("Alipay's").
pub const APP_KEY: &str = include_str!("../../pay-alipay/tests/fixtures/app_private_pkcs8.pem");
pub const SANDBOX_KEY: &str = include_str!("../../pay-alipay/tests/fixtures/alipay_private.pem");

/// The settings the test servers run with: the defaults, on port 0, with the test keys.
pub fn test_settings() -> Settings {
    Settings {
        listen: "127.0.0.1:0".into(),
        workers: 2,
        payment: PaymentSettings {
            app_private_key: APP_KEY.into(),
            sandbox_private_key: SANDBOX_KEY.into(),
            // The tests run expiry rounds themselves.
            expiry_interval: std::time::Duration::ZERO,
            ..PaymentSettings::default()
        },
        // And deliver the outbox themselves.
        outbox: OutboxSettings { poll_interval: std::time::Duration::ZERO },
        ..Settings::default()
    }
}

/// Starts the server on port 0 over `db`, with Redis for carts, codes, history and caches.
pub async fn spawn_with(db: TestDb, redis: Option<RedisStore>) -> TestApp {
    spawn_with_settings(db, redis, test_settings()).await
}

/// The same with these settings.
pub async fn spawn_with_settings(
    db: TestDb,
    redis: Option<RedisStore>,
    settings: Settings,
) -> TestApp {
    spawn_with_mailer(db, redis, settings, None).await
}

/// The same, with mail sent by `mailer` instead of captured in [`TestApp::mail`].
pub async fn spawn_with_mailer(
    db: TestDb,
    redis: Option<RedisStore>,
    settings: Settings,
    mailer: Option<Arc<dyn Mailer>>,
) -> TestApp {
    let secret = TEST_SECRET.to_vec();
    let with_redis = redis.is_some();
    let (listener, public_url) = Application::bind(&settings).expect("bind");
    // The tests talk to the port; the server may be told it is reached elsewhere.
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    let payment = payment_wiring(&settings, &public_url).expect("payment settings");
    let gateway = payment.gateway.clone();
    let sandbox = payment.sandbox.clone().expect("the sandbox");
    let qq = qq_wiring(&settings, &public_url, &secret).expect("QQ settings");
    let qq_sandbox = qq.sandbox.clone().expect("the QQ sandbox");
    let sms = Arc::new(CapturedSms::default());
    let captchas = Arc::new(CapturedCaptchas::default());
    let mail = Arc::new(CapturedMail::default());
    let senders = Senders {
        sms: sms.clone(),
        mailer: mailer.unwrap_or_else(|| mail.clone()),
        captchas: captchas.clone(),
        qq: qq.client.clone(),
        // Pictures in memory, served under `/images/` as from a local directory, unless the
        // settings name a store.
        images: if settings.images.store.is_empty() {
            Senders::default().images
        } else {
            meiduo_server::image_store(&settings).expect("the picture store")
        },
    };
    let state =
        api_state(&settings, &public_url, db.store.clone(), redis, &secret, senders, payment)
            .expect("state");
    let deliveries = state.deliveries.clone();
    let visits = state.visits.clone();
    let sandboxes = Sandboxes { alipay: Some(sandbox.clone()), qq: Some(qq_sandbox.clone()) };
    let app = Application::serve(&settings, listener, state, sandboxes).expect("serve");
    tokio::spawn(app.run_until_stopped());
    if !settings.search.refresh_interval.is_zero() {
        search_built(&base).await;
    }
    TestApp {
        base,
        db,
        sms,
        mail,
        captchas,
        deliveries,
        visits,
        settings,
        with_redis,
        gateway,
        sandbox,
        qq_sandbox,
    }
}

/// Waits until the server's search index is built, so that searches are answered by it.
pub async fn search_built(base: &str) {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        let ready = client.get(format!("{base}/health/ready")).send().await;
        if let Ok(ready) = ready
            && let Ok(body) = ready.json::<serde_json::Value>().await
            && body["checks"]["search"] == "ok"
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the search index of {base} was not built within 30 s");
}

/// A TCP proxy to `target` on a port of its own, which a test can cut (every connection dropped,
/// new ones closed at once) and restore.
pub struct TcpProxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl TcpProxy {
    pub async fn start(target: &str) -> TcpProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let live: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let target = target.to_owned();
        let (up2, live2) = (up.clone(), live.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { continue };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let forward = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                live2.lock().unwrap().push(forward.abort_handle());
            }
        });
        TcpProxy { port, up, live, accept }
    }

    /// Drops every connection through the proxy and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for handle in self.live.lock().unwrap().drain(..) {
            handle.abort();
        }
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

impl TestApp {
    pub fn engine(&self) -> &'static str {
        match (self.db.engine, self.with_redis) {
            ("mariadb", true) => "mariadb+redis",
            ("sqlite", true) => "sqlite+redis",
            (engine, _) => engine,
        }
    }

    /// Runs one round of the outbox's worker: the SMS and mail queued so far are delivered.
    pub async fn deliver(&self) -> DeliveryRound {
        self.deliveries.run_once().await.expect("the outbox is readable")
    }

    /// A new session (its own cookies, not logged in).
    pub fn session(&self) -> Session<'_> {
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        Session { app: self, client, token: None }
    }

    /// A new session of a freshly registered and logged-in user.
    pub async fn shopper(&self, username: &str, mobile: &str) -> Session<'_> {
        let mut session = self.session();
        session.register(username, mobile).await;
        session.login(username, "password123").await;
        session
    }
}

impl Session<'_> {
    /// Sends a request with a JSON body (or none).
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.client.request(method, format!("{}{}", self.app.base, path));
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("JWT {token}"));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Self::answer(request.send().await.expect("the server answers")).await
    }

    /// Sends raw bytes as the body, with extra headers.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request =
            self.client.request(method, format!("{}{}", self.app.base, path)).body(body.to_owned());
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("JWT {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::answer(request.send().await.expect("the server answers")).await
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let status = response.status();
        let set_cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, body, set_cookies }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str, body: Option<Value>) -> Answer {
        self.send(Method::DELETE, path, body).await
    }

    /// Sends a `multipart/form-data` form: text fields, and a file part `(name, bytes)`.
    pub async fn upload(
        &self,
        method: Method,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>)>,
    ) -> Answer {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        if let Some((name, bytes)) = file {
            let part = reqwest::multipart::Part::bytes(bytes).file_name("upload.png");
            form = form.part(name.to_string(), part);
        }
        let mut request =
            self.client.request(method, format!("{}{}", self.app.base, path)).multipart(form);
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("JWT {token}"));
        }
        Self::answer(request.send().await.expect("the server answers")).await
    }

    /// The raw bytes and status of a GET (pictures).
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let response = self
            .client
            .get(format!("{}{}", self.app.base, path))
            .send()
            .await
            .expect("the server answers");
        let status = response.status();
        (status, response.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
    }

    /// Draws a captcha and returns the query that answers it: `image_code_id=..&text=..`.
    pub async fn solve_captcha(&self) -> String {
        let id = uuid();
        let picture = self
            .client
            .get(format!("{}/image_codes/{id}/", self.app.base))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(picture.status(), StatusCode::OK);
        format!("image_code_id={id}&text={}", self.app.captchas.last_text())
    }

    /// Asks for an SMS code to `mobile`, solving the captcha first.
    pub async fn send_sms_code(&self, mobile: &str) -> Answer {
        let captcha = self.solve_captcha().await;
        let answer = self.get(&format!("/sms_codes/{mobile}/?{captcha}")).await;
        self.app.deliver().await;
        answer
    }

    /// Registers through the API (captcha and SMS code included), password `password123`.
    pub async fn register(&mut self, username: &str, mobile: &str) -> Answer {
        let sent = self.send_sms_code(mobile).await;
        assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
        let code = self.app.sms.code_for(mobile).expect("a code was sent");
        let answer = self
            .post(
                "/users/",
                json!({"username": username, "password": "password123", "password2": "password123",
                       "mobile": mobile, "sms_code": code, "allow": "true"}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
        answer
    }

    /// Logs in; keeps the token.
    pub async fn login(&mut self, username: &str, password: &str) -> Answer {
        let answer = self
            .post("/authorizations/", json!({"username": username, "password": password}))
            .await;
        if answer.status == StatusCode::OK {
            self.token = answer.body["token"].as_str().map(str::to_owned);
        }
        answer
    }

    /// Adds an address in 北京市 东城区 and returns its id.
    pub async fn add_address(&self) -> u64 {
        let answer = self.post("/addresses/", address_body("张三")).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
        answer.body["id"].as_u64().unwrap()
    }
}

/// A valid address in 北京市 北京市 东城区.
pub fn address_body(receiver: &str) -> Value {
    json!({"receiver": receiver, "province_id": 110000, "city_id": 110100, "district_id": 110101,
           "place": "长安街 1 号", "mobile": "13800138000", "title": "家"})
}
