//! The load generator: prepares shoppers through the product's own code and API, runs storefront
//! scenarios against a running server, drives the same order transaction directly on the
//! database for comparison, and checks the stock invariants afterwards.

pub mod cpu;
pub mod flash;
pub mod raw;
pub mod wrk;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request, header};
use hyper_util::rt::TokioIo;
use meiduo_application::orders::{PlaceOrder, PlaceOrderRequest};
use meiduo_application::{OrderPolicy, Policies, UseCases};
use meiduo_cart_redis::RedisStore;
use meiduo_domain::ports::{
    AddressRepository, CartStore, PasswordHasher, StoreError, UserRepository,
};
use meiduo_domain::{
    AddressId, AddressInput, CartLine, Mobile, NewUser, OrderId, PayMethod, Quantity,
    QuantityLimit, SkuId, UserId, Username,
};
use meiduo_inprocess::{Argon2Hasher, NoPaymentGateway};
use meiduo_server::Settings;
use meiduo_store_sql::SqlStore;
use serde_json::{Value, json};

/// The hot SKU of `order-hot` (iPhone 8 Plus 64GB 金色 in the demo catalog).
pub const HOT_SKU: SkuId = SkuId(3);
/// The category of the bench SKUs (that of SKU 1: 笔记本), listed by `sku-list`.
pub const LIST_CATEGORY: u64 = 157;

/// The server's counters of lost compare-and-swaps and of transactions run again.
const RACES: [&str; 2] = ["lost_races", "transaction_retries"];

/// What the shoppers do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Add one unit of the hot SKU to the cart, then place the order; again and again.
    OrderHot,
    /// The same over many SKUs.
    OrderSpread,
    /// Add one unit of a random SKU to the cart.
    CartAdd,
    /// The first page of a category, best sellers first.
    SkuList,
    /// A SKU's detail.
    SkuDetail,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [
        Scenario::OrderHot,
        Scenario::OrderSpread,
        Scenario::CartAdd,
        Scenario::SkuList,
        Scenario::SkuDetail,
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Scenario::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Scenario::OrderHot => "order-hot",
            Scenario::OrderSpread => "order-spread",
            Scenario::CartAdd => "cart-add",
            Scenario::SkuList => "sku-list",
            Scenario::SkuDetail => "sku-detail",
        }
    }

    pub fn places_orders(self) -> bool {
        matches!(self, Scenario::OrderHot | Scenario::OrderSpread)
    }
}

/// A prepared shopper: logged in, with an address.
#[derive(Debug, Clone)]
pub struct Shopper {
    pub user: UserId,
    pub address: AddressId,
    pub token: String,
}

/// What the run touches.
#[derive(Debug, Clone)]
pub struct Bench {
    pub base: String,
    pub store: SqlStore,
    /// The server's cart store when it uses Redis (for the direct drive to match it).
    pub redis: Option<RedisStore>,
    pub shoppers: Vec<Shopper>,
    /// SKUs of `order-spread` and `cart-add`.
    pub spread: Vec<SkuId>,
    pub http: reqwest::Client,
    /// The server's `MEIDUO_OPS_TOKEN`, for `/metrics/orders` (a server that looks like
    /// production serves it only with the token).
    pub ops_token: Option<String>,
}

/// Creates `clients` shoppers with the product's own repositories (user and address), logs each
/// in through the API, and adds the spread SKUs; restocks the hot SKU.
pub async fn prepare(
    base: &str,
    store: SqlStore,
    redis: Option<RedisStore>,
    clients: usize,
    spread: u32,
) -> anyhow::Result<Bench> {
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients.max(1)).build()?;
    let base = base.trim_end_matches('/').to_owned();
    let shoppers = prepare_shoppers(&base, &store, &http, clients).await?;
    store.restock(HOT_SKU, 1_000_000).await.context("restocking the hot SKU")?;
    let spread = store.add_bench_skus(spread, 1_000_000).await.context("adding the spread SKUs")?;
    Ok(Bench { base, store, redis, shoppers, spread, http, ops_token: None })
}

/// How many logins run at once while shoppers are prepared (each costs the server a password
/// hash).
const LOGINS_AT_ONCE: usize = 16;

/// Creates `n` shoppers with the product's own repositories (user and address) and logs each in
/// through the API, a few at a time.
pub async fn prepare_shoppers(
    base: &str,
    store: &SqlStore,
    http: &reqwest::Client,
    n: usize,
) -> anyhow::Result<Vec<Shopper>> {
    let run = fastrand::u32(..0x00ff_ffff);
    let hash = Argon2Hasher::default().hash("password123").await.map_err(anyhow::Error::msg)?;
    let mut accounts = Vec::with_capacity(n);
    for i in 0..n {
        let username =
            Username::parse(&format!("lg{run:06x}{i:05}")).context("a shopper's username")?;
        let mobile = Mobile::parse(&format!("13{:09}", fastrand::u32(..1_000_000_000)))
            .context("a shopper's mobile")?;
        let new = NewUser {
            username: username.clone(),
            mobile: mobile.clone(),
            password_hash: hash.clone(),
            token_stamp: meiduo_application::accounts::new_token_stamp(),
        };
        let user = store
            .users()
            .create(&new)
            .await
            .map_err(|e| anyhow::anyhow!("creating a shopper: {e}"))?;
        let address = store
            .addresses()
            .create(
                user.id,
                &AddressInput {
                    title: "家".into(),
                    receiver: "压测".into(),
                    province_id: 110000,
                    city_id: 110100,
                    district_id: 110101,
                    place: "长安街 1 号".into(),
                    mobile,
                    tel: None,
                    email: None,
                },
                20,
            )
            .await
            .map_err(|e| anyhow::anyhow!("creating an address: {e}"))?
            .context("address limit")?;
        accounts.push((username, user.id, address.address.id));
    }
    let mut shoppers = Vec::with_capacity(n);
    for batch in accounts.chunks(LOGINS_AT_ONCE) {
        let logins = batch.iter().map(|(username, user, address)| async move {
            let login: Value = http
                .post(format!("{base}/authorizations/"))
                .json(&json!({"username": username.as_str(), "password": "password123"}))
                .send()
                .await?
                .json()
                .await?;
            let token = login["token"].as_str().context("login answered no token")?.to_owned();
            anyhow::Ok(Shopper { user: *user, address: *address, token })
        });
        for shopper in futures_util::future::join_all(logins).await {
            shoppers.push(shopper?);
        }
    }
    Ok(shoppers)
}

/// The figures of one run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub scenario: &'static str,
    pub mode: &'static str,
    pub clients: usize,
    pub elapsed: Duration,
    pub requests: u64,
    pub orders: u64,
    latencies: Vec<Duration>,
    /// (status, error code) → count, for everything that was not a success.
    pub errors: BTreeMap<String, u64>,
    pub lost_races: u64,
    pub transaction_retries: u64,
    /// Statements the database executed during the run (MySQL's `Questions`), when known.
    pub statements: Option<u64>,
    /// Commands Redis processed during the run, when the server uses Redis.
    pub redis_commands: Option<u64>,
    /// The CPU time each process on this machine used during the run (see [`cpu`]).
    pub cpu: Vec<(&'static str, Duration)>,
}

impl Report {
    /// The report of a run whose clients are `tasks`, started at `started`.
    async fn gather(
        scenario: Scenario,
        mode: &'static str,
        started: Instant,
        tasks: Vec<tokio::task::JoinHandle<ClientTally>>,
    ) -> Report {
        let mut report =
            Report { scenario: scenario.name(), mode, clients: tasks.len(), ..Report::default() };
        for task in tasks {
            if let Ok(tally) = task.await {
                report.requests += tally.requests;
                report.orders += tally.orders;
                report.latencies.extend(tally.latencies);
                for (key, n) in tally.errors {
                    *report.errors.entry(key).or_default() += n;
                }
            }
        }
        report.elapsed = started.elapsed();
        report.latencies.sort_unstable();
        report
    }

    pub fn per_second(&self, n: u64) -> f64 {
        n as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * (self.latencies.len() - 1) as f64).round() as usize;
        self.latencies[rank.min(self.latencies.len() - 1)]
    }

    /// What the figures are counted per: orders, or requests when no order was placed.
    fn per(&self) -> (u64, &'static str) {
        if self.orders > 0 { (self.orders, "order") } else { (self.requests.max(1), "request") }
    }

    /// Statements and Redis commands per order (per request when no order was placed).
    pub fn trips(&self) -> String {
        let (per, unit) = self.per();
        let each =
            |n: Option<u64>| n.map_or("-".to_owned(), |n| format!("{:.1}", n as f64 / per as f64));
        format!("SQL/{unit} {}  Redis/{unit} {}", each(self.statements), each(self.redis_commands))
    }

    /// The CPU time of each process and of all, in milliseconds per order (per request when
    /// no order was placed); empty when none was read.
    pub fn cpu_per(&self) -> String {
        if self.cpu.is_empty() {
            return String::new();
        }
        let (per, unit) = self.per();
        let ms = |spent: Duration| spent.as_secs_f64() * 1000.0 / per as f64;
        let all: Duration = self.cpu.iter().map(|(_, spent)| *spent).sum();
        let each: Vec<String> =
            self.cpu.iter().map(|(label, spent)| format!("{label} {:.2}", ms(*spent))).collect();
        format!(
            "  CPU ms/{unit}: {}; all {:.2} ({:.2} cores busy)",
            each.join(", "),
            ms(all),
            all.as_secs_f64() / self.elapsed.as_secs_f64().max(f64::EPSILON)
        )
    }

    pub fn line(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "{:<12} {:<6} {:>3} clients  {:>8.0} req/s  {:>7.0} orders/s  p50 {:>6.1} ms  p90 {:>6.1} ms  p99 {:>6.1} ms  max {:>7.1} ms  lost races {:>6}  retries {:>4}  {}  errors {:?}{}",
            self.scenario,
            self.mode,
            self.clients,
            self.per_second(self.requests),
            self.per_second(self.orders),
            ms(self.percentile(50.0)),
            ms(self.percentile(90.0)),
            ms(self.percentile(99.0)),
            ms(self.percentile(100.0)),
            self.lost_races,
            self.transaction_retries,
            self.trips(),
            self.errors,
            self.cpu_per(),
        )
    }
}

/// The path the server's API is under in `base` (`http://host:port/api` → `/api`; "" at the
/// root).
pub fn path_prefix(base: &str) -> String {
    let rest = base.strip_prefix("http://").unwrap_or(base);
    match rest.split_once('/') {
        Some((_, path)) if !path.is_empty() => format!("/{path}"),
        _ => String::new(),
    }
}

/// One client's keep-alive HTTP/1.1 connection to the server, opened again after a failure. It
/// reads a response's body as JSON only when the status is not the expected one (for the error
/// code): the client spends as little of the shared cores as it can.
struct Connection {
    /// `host:port`.
    authority: String,
    /// The path the server's API is under ("" at the root).
    prefix: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    fn new(base: &str) -> Self {
        let rest = base.strip_prefix("http://").unwrap_or(base);
        let authority = rest.split_once('/').map_or(rest, |(authority, _)| authority);
        Connection { authority: authority.to_owned(), prefix: path_prefix(base), sender: None }
    }

    async fn open(&self) -> anyhow::Result<SendRequest<Full<Bytes>>> {
        let stream = tokio::net::TcpStream::connect(&self.authority).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(sender)
    }

    async fn get(&mut self, tally: &mut ClientTally, path: &str, ok: u16) -> bool {
        self.send(tally, Method::GET, path, None, None, ok).await
    }

    async fn post(
        &mut self,
        tally: &mut ClientTally,
        path: &str,
        auth: &str,
        json: String,
        ok: u16,
    ) -> bool {
        self.send(tally, Method::POST, path, Some(auth), Some(json), ok).await
    }

    async fn send(
        &mut self,
        tally: &mut ClientTally,
        method: Method,
        path: &str,
        auth: Option<&str>,
        json: Option<String>,
        ok: u16,
    ) -> bool {
        let started = Instant::now();
        match self.exchange(method, path, auth, json).await {
            Ok((status, body)) => {
                tally.record(started, status, &body, ok);
                status == ok
            }
            Err(error) => {
                self.sender = None;
                tally.requests += 1;
                *tally.errors.entry(format!("transport: {error}")).or_default() += 1;
                false
            }
        }
    }

    async fn exchange(
        &mut self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        json: Option<String>,
    ) -> anyhow::Result<(u16, Bytes)> {
        let mut sender = match self.sender.take() {
            Some(sender) if !sender.is_closed() => sender,
            _ => self.open().await?,
        };
        sender.ready().await?;
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.prefix))
            .header(header::HOST, &self.authority);
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let body = match json {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Full::new(Bytes::from(json))
            }
            None => Full::new(Bytes::new()),
        };
        let response = sender.send_request(request.body(body)?).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        self.sender = Some(sender);
        Ok((status, body))
    }
}

#[derive(Debug, Default)]
struct ClientTally {
    requests: u64,
    orders: u64,
    latencies: Vec<Duration>,
    errors: BTreeMap<String, u64>,
}

impl ClientTally {
    fn record(&mut self, started: Instant, status: u16, body: &[u8], ok: u16) {
        self.requests += 1;
        self.latencies.push(started.elapsed());
        if status != ok {
            let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            *self
                .errors
                .entry(format!("{status} {}", body["code"].as_str().unwrap_or("")))
                .or_default() += 1;
        }
    }
}

impl Bench {
    fn pick(&self, scenario: Scenario) -> SkuId {
        match scenario {
            Scenario::OrderHot => HOT_SKU,
            _ if self.spread.is_empty() => HOT_SKU,
            _ => self.spread[fastrand::usize(..self.spread.len())],
        }
    }

    /// Two of the server's order counters (`/metrics/orders`), by name; zeros when unreadable.
    async fn counters(&self, names: [&str; 2]) -> (u64, u64) {
        let read = async {
            let mut request = self.http.get(format!("{}/metrics/orders", self.base));
            if let Some(token) = &self.ops_token {
                request = request.bearer_auth(token);
            }
            let body: Value = request.send().await.ok()?.json().await.ok()?;
            Some((body[names[0]].as_u64()?, body[names[1]].as_u64()?))
        };
        read.await.unwrap_or_else(|| {
            eprintln!(
                "the server's order counters are unreadable (MEIDUO_OPS_TOKEN?): counted as 0"
            );
            (0, 0)
        })
    }

    /// Runs a scenario over HTTP with every shopper as a client for `duration`, each over a
    /// keep-alive connection of its own.
    pub async fn run_http(self: &Arc<Self>, scenario: Scenario, duration: Duration) -> Report {
        let before = self.counters(RACES).await;
        let started = Instant::now();
        let deadline = started + duration;
        let tasks: Vec<_> = (0..self.shoppers.len())
            .map(|i| {
                let bench = Arc::clone(self);
                tokio::spawn(async move {
                    let shopper = &bench.shoppers[i];
                    let auth = format!("JWT {}", shopper.token);
                    let mut tally = ClientTally::default();
                    let mut conn = Connection::new(&bench.base);
                    let list = format!(
                        "/categories/{LIST_CATEGORY}/skus/?ordering=-sales&page=1&page_size=10"
                    );
                    let order = format!(r#"{{"address":{},"pay_method":1}}"#, shopper.address.0);
                    while Instant::now() < deadline {
                        let sku = bench.pick(scenario);
                        let add = format!(r#"{{"sku_id":{},"count":1}}"#, sku.0);
                        match scenario {
                            Scenario::OrderHot | Scenario::OrderSpread => {
                                if conn.post(&mut tally, "/carts/", &auth, add, 201).await
                                    && conn
                                        .post(&mut tally, "/orders/", &auth, order.clone(), 201)
                                        .await
                                {
                                    tally.orders += 1;
                                }
                            }
                            Scenario::CartAdd => {
                                conn.post(&mut tally, "/carts/", &auth, add, 201).await;
                            }
                            Scenario::SkuList => {
                                conn.get(&mut tally, &list, 200).await;
                            }
                            Scenario::SkuDetail => {
                                let detail = format!("/skus/{}/", fastrand::u64(1..=16));
                                conn.get(&mut tally, &detail, 200).await;
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        let mut report = Report::gather(scenario, "http", started, tasks).await;
        let after = self.counters(RACES).await;
        report.lost_races = after.0.saturating_sub(before.0);
        report.transaction_retries = after.1.saturating_sub(before.1);
        report
    }

    /// The direct drive's path: the server's own wiring (its default settings) of the cart
    /// store and the place-order use case, on this bench's store and Redis.
    fn direct_path(&self, policy: OrderPolicy) -> (Arc<dyn CartStore>, Arc<PlaceOrder>) {
        let ports = meiduo_server::ports(
            &Settings::default(),
            &self.store,
            self.redis.as_ref(),
            b"the load generator signs no tokens",
            meiduo_server::Senders::default(),
            Arc::new(NoPaymentGateway),
        );
        let policies = Policies { order: policy, ..Policies::default() };
        (ports.carts.clone(), UseCases::build(&ports, &policies).place_order)
    }

    /// One order of one unit of `sku` by the shopper `shopper`, placed as the direct drive places
    /// each (its cart's add, then the use case), on a wiring of its own.
    ///
    /// # Errors
    /// The cart's or the use case's refusal.
    pub async fn order_directly(
        &self,
        shopper: usize,
        sku: SkuId,
        policy: OrderPolicy,
    ) -> anyhow::Result<OrderId> {
        let (carts, place) = self.direct_path(policy);
        let shopper = &self.shoppers[shopper];
        add_one(&*carts, shopper, sku).await.context("the cart's add")?;
        let placed = place.execute(order_of(shopper)).await.context("the order")?;
        Ok(placed.order.order_id)
    }

    /// Drives the same work as an order scenario directly: the cart store's add and the
    /// place-order use case on the same store and driver, at the same concurrency, no HTTP.
    pub async fn run_direct(
        self: &Arc<Self>,
        scenario: Scenario,
        duration: Duration,
        policy: OrderPolicy,
    ) -> Report {
        let (carts, place) = self.direct_path(policy);
        let stats = place.stats();
        let started = Instant::now();
        let deadline = started + duration;
        let tasks: Vec<_> = (0..self.shoppers.len())
            .map(|i| {
                let (bench, place, carts) = (Arc::clone(self), place.clone(), carts.clone());
                tokio::spawn(async move {
                    let shopper = &bench.shoppers[i];
                    let mut tally = ClientTally::default();
                    while Instant::now() < deadline {
                        let sku = bench.pick(scenario);
                        let started = Instant::now();
                        let added = add_one(&*carts, shopper, sku).await;
                        tally.requests += 1;
                        tally.latencies.push(started.elapsed());
                        if added.is_err() {
                            *tally.errors.entry("cart".into()).or_default() += 1;
                            continue;
                        }
                        let started = Instant::now();
                        let placed = place.execute(order_of(shopper)).await;
                        tally.requests += 1;
                        tally.latencies.push(started.elapsed());
                        match placed {
                            Ok(_) => tally.orders += 1,
                            Err(error) => {
                                *tally.errors.entry(format!("{error:?}")).or_default() += 1
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        let mut report = Report::gather(scenario, "direct", started, tasks).await;
        report.lost_races = stats.lost_races.load(std::sync::atomic::Ordering::Relaxed);
        report.transaction_retries =
            stats.transaction_retries.load(std::sync::atomic::Ordering::Relaxed);
        report
    }

    /// Statements the database has executed (MySQL's `Questions`; `None` on SQLite) and commands
    /// Redis has processed, as the servers count them.
    async fn server_work(&self) -> (Option<u64>, Option<u64>) {
        let statements = self.store.statements_executed().await.ok().flatten();
        let redis = match &self.redis {
            Some(redis) => redis.command(&["INFO", "stats"]).await.ok().and_then(|words| {
                words.concat().lines().find_map(|line| {
                    line.strip_prefix("total_commands_processed:")?.trim().parse().ok()
                })
            }),
            None => None,
        };
        (statements, redis)
    }

    /// Runs a scenario over HTTP and checks the invariants after it; an order scenario is then
    /// driven directly with `direct` (when given), and through the bare driver on `raw` (when
    /// given), each checked again. Each run is preceded by `warmup` of the same work, not
    /// measured but checked with it. Carts are emptied before each order run, so that every
    /// order is of one unit whatever ran before.
    pub async fn run_checked(
        self: &Arc<Self>,
        scenario: Scenario,
        warmup: Duration,
        duration: Duration,
        direct: Option<OrderPolicy>,
        raw: Option<&sea_orm::sqlx::MySqlPool>,
    ) -> anyhow::Result<Outcome> {
        let http = self.measured(scenario, Drive::Http, warmup, duration).await?;
        let direct = match direct {
            Some(policy) if scenario.places_orders() => {
                Some(self.measured(scenario, Drive::Direct(policy), warmup, duration).await?)
            }
            _ => None,
        };
        let raw = match raw {
            Some(pool) if scenario.places_orders() => {
                Some(self.measured(scenario, Drive::Raw(pool.clone()), warmup, duration).await?)
            }
            _ => None,
        };
        Ok(Outcome { http, direct, raw })
    }

    async fn measured(
        self: &Arc<Self>,
        scenario: Scenario,
        drive: Drive,
        warmup: Duration,
        duration: Duration,
    ) -> anyhow::Result<(Report, anyhow::Result<()>)> {
        if scenario.places_orders() {
            self.empty_carts().await?;
        }
        let before = self.snapshot().await?;
        let run = |length: Duration| {
            let drive = drive.clone();
            async move {
                match drive {
                    Drive::Direct(policy) => self.run_direct(scenario, length, policy).await,
                    Drive::Raw(pool) => self.run_raw(scenario, length, &pool).await,
                    Drive::Http => self.run_http(scenario, length).await,
                }
            }
        };
        let warm = if warmup.is_zero() { 0 } else { run(warmup).await.orders };
        let work = self.server_work().await;
        let cpu = cpu::CpuTimes::read();
        let mut report = run(duration).await;
        report.cpu = cpu::CpuTimes::read().since(&cpu);
        let done = self.server_work().await;
        report.statements = done.0.zip(work.0).map(|(after, before)| after.saturating_sub(before));
        report.redis_commands =
            done.1.zip(work.1).map(|(after, before)| after.saturating_sub(before));
        let check = if scenario.places_orders() {
            self.check(&before, warm + report.orders).await
        } else {
            Ok(())
        };
        Ok((report, check))
    }

    /// The server's cart store (Redis when it has one, else the SQL store).
    fn cart_store(&self) -> Arc<dyn CartStore> {
        match &self.redis {
            Some(redis) => Arc::new(redis.clone()),
            None => Arc::new(self.store.carts()),
        }
    }

    /// Empties every shopper's cart, so that an order scenario orders one unit per order
    /// whatever ran before it (`cart-add` leaves lines behind).
    pub async fn empty_carts(&self) -> anyhow::Result<()> {
        let carts = self.cart_store();
        for shopper in &self.shoppers {
            let cart = carts.load(shopper.user).await.context("reading a cart")?;
            let skus: Vec<SkuId> = cart.lines().map(|line| line.sku_id).collect();
            carts.remove(shopper.user, &skus).await.context("emptying a cart")?;
        }
        Ok(())
    }

    /// The state the invariants compare: orders, and stock + sales summed over every SKU.
    pub async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        self.store.stock_totals().await.map_err(store_error)
    }

    /// Checks the invariants after an order scenario that answered `orders` 201s.
    pub async fn check(&self, before: &Snapshot, orders: u64) -> anyhow::Result<()> {
        let after = self.snapshot().await?;
        let negative = after.negative_stock;
        let without_lines = after.orders_without_lines;
        let lines_sold = after.sold - before.sold;
        if negative != 0 {
            bail!("{negative} SKUs have negative stock");
        }
        if after.stock_and_sales != before.stock_and_sales {
            bail!("stock + sales changed: {} → {}", before.stock_and_sales, after.stock_and_sales);
        }
        if after.orders - before.orders != orders {
            bail!("{} orders written, {} answered 201", after.orders - before.orders, orders);
        }
        if without_lines != 0 {
            bail!("{without_lines} orders have no lines");
        }
        if lines_sold != orders as i64 {
            bail!("{lines_sold} units sold for {orders} one-unit orders");
        }
        Ok(())
    }
}

/// How a run drives the work.
#[derive(Clone)]
enum Drive {
    /// Over HTTP, as shoppers.
    Http,
    /// The use cases on the server's own wiring, no HTTP.
    Direct(OrderPolicy),
    /// The order transaction's statements through the bare driver.
    Raw(sea_orm::sqlx::MySqlPool),
}

/// A scenario's figures: over HTTP, driven directly and through the bare driver (order
/// scenarios), each with the result of the invariant check that followed it.
#[derive(Debug)]
pub struct Outcome {
    pub http: (Report, anyhow::Result<()>),
    pub direct: Option<(Report, anyhow::Result<()>)>,
    pub raw: Option<(Report, anyhow::Result<()>)>,
}

impl Outcome {
    /// Orders per second over HTTP / directly.
    pub fn ratio(&self) -> Option<f64> {
        let (direct, _) = self.direct.as_ref()?;
        Some(orders_ratio(&self.http.0, direct))
    }

    /// Orders per second over HTTP and directly, each / through the bare driver; and the p99s
    /// over HTTP and directly, each / the bare driver's.
    pub fn raw_ratios(&self) -> Option<[Option<f64>; 4]> {
        let (raw, _) = self.raw.as_ref()?;
        let direct = self.direct.as_ref().map(|(direct, _)| direct);
        let p99 = |report: &Report| {
            report.percentile(99.0).as_secs_f64() / raw.percentile(99.0).as_secs_f64().max(1e-9)
        };
        Some([
            Some(orders_ratio(&self.http.0, raw)),
            direct.map(|direct| orders_ratio(direct, raw)),
            Some(p99(&self.http.0)),
            direct.map(p99),
        ])
    }
}

fn orders_ratio(report: &Report, base: &Report) -> f64 {
    report.per_second(report.orders) / base.per_second(base.orders).max(f64::EPSILON)
}

/// Totals the invariants compare.
pub type Snapshot = meiduo_store_sql::StockTotals;

/// One unit of `sku`, selected, into the shopper's cart, as the direct drive adds it.
async fn add_one(carts: &dyn CartStore, shopper: &Shopper, sku: SkuId) -> Result<(), StoreError> {
    let one = Quantity::new(1, QuantityLimit::DEFAULT).expect("1 is a valid count");
    let line = CartLine { sku_id: sku, count: one, selected: true };
    carts.add(shopper.user, line, QuantityLimit::DEFAULT.get()).await.map(|_| ())
}

/// The shopper's order of the selected lines, cash on delivery, to the shopper's address.
fn order_of(shopper: &Shopper) -> PlaceOrderRequest {
    PlaceOrderRequest { user: shopper.user, address: shopper.address, pay_method: PayMethod::Cash }
}

/// Turns a store error into anyhow's, its source chain kept.
pub fn store_error(error: StoreError) -> anyhow::Error {
    anyhow::Error::new(error)
}
