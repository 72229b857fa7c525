//! The end-to-end harness: the real server on port 0 over a fresh database per test, and an HTTP
//! client that keeps cookies. The suites are in `tests/tests/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_debug_implementations)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use meiduo_domain::ports::SmsSender;
use meiduo_domain::{Mobile, SmsCode};
use meiduo_server::{Application, Settings, api_state};
use meiduo_store_sql::testing::{TestDb, engines};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Keeps the codes "sent", so that a test can type them in.
#[derive(Debug, Default)]
pub struct CapturedSms {
    codes: Mutex<HashMap<String, String>>,
}

impl CapturedSms {
    pub fn code_for(&self, mobile: &str) -> Option<String> {
        self.codes.lock().unwrap().get(mobile).cloned()
    }
}

#[async_trait]
impl SmsSender for CapturedSms {
    async fn send_code(&self, mobile: &Mobile, code: &SmsCode, _: u64) -> Result<(), String> {
        self.codes.lock().unwrap().insert(mobile.as_str().to_owned(), code.as_str().to_owned());
        Ok(())
    }
}

/// A running server over its own database.
pub struct TestApp {
    pub base: String,
    pub db: TestDb,
    pub sms: Arc<CapturedSms>,
    pub settings: Settings,
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

/// Starts the server on port 0 over `db`.
pub async fn spawn(db: TestDb) -> TestApp {
    let settings = Settings { listen: "127.0.0.1:0".into(), workers: 2, ..Settings::default() };
    let sms = Arc::new(CapturedSms::default());
    let secret = b"an end-to-end test secret of 32+ bytes".to_vec();
    let state = api_state(&settings, db.store.clone(), &secret, sms.clone()).expect("state");
    let app = Application::with_state(&settings, state).expect("bind");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp { base, db, sms, settings }
}

impl TestApp {
    pub fn engine(&self) -> &'static str {
        self.db.engine
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

    /// Registers through the API (SMS code included), password `password123`.
    pub async fn register(&mut self, username: &str, mobile: &str) -> Answer {
        let sent = self.get(&format!("/sms_codes/{mobile}/")).await;
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
