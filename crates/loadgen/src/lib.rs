//! The load generator: prepares shoppers through the product's own code and API, runs storefront
//! scenarios against a running server, drives the same order transaction directly on the
//! database for comparison, and checks the stock invariants afterwards.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use meiduo_application::OrderPolicy;
use meiduo_application::ids::CounterOrderIdSource;
use meiduo_application::orders::{PlaceOrder, PlaceOrderPorts, PlaceOrderRequest};
use meiduo_cart_redis::RedisStore;
use meiduo_domain::ports::{
    AddressRepository, CartStore, PasswordHasher, StoreError, UserRepository,
};
use meiduo_domain::{
    AddressId, AddressInput, CartLine, Mobile, NewUser, PayMethod, Quantity, QuantityLimit, SkuId,
    UserId, Username,
};
use meiduo_inprocess::{Argon2Hasher, SystemClock};
use meiduo_store_sql::SqlStore;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

/// The hot SKU of `order-hot` (iPhone 8 Plus 64GB 金色 in the demo catalog).
pub const HOT_SKU: SkuId = SkuId(3);
/// The category of the bench SKUs (that of SKU 1: 笔记本), listed by `sku-list`.
pub const LIST_CATEGORY: u64 = 157;

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
    let run = fastrand::u32(..0x00ff_ffff);
    let hash = Argon2Hasher.hash("password123").map_err(anyhow::Error::msg)?;
    let mut shoppers = Vec::with_capacity(clients);
    for i in 0..clients {
        let username =
            Username::parse(&format!("lg{run:06x}{i:05}")).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mobile = Mobile::parse(&format!("13{:09}", fastrand::u32(..1_000_000_000)))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let new = NewUser {
            username: username.clone(),
            mobile: mobile.clone(),
            password_hash: hash.clone(),
        };
        let user = UserRepository::create(&store, &new)
            .await
            .map_err(|e| anyhow::anyhow!("creating a shopper: {e}"))?;
        let address = AddressRepository::create(
            &store,
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
        let login: Value = http
            .post(format!("{base}/authorizations/"))
            .json(&json!({"username": username.as_str(), "password": "password123"}))
            .send()
            .await?
            .json()
            .await?;
        let token = login["token"].as_str().context("login answered no token")?.to_owned();
        shoppers.push(Shopper { user: user.id, address: address.address.id, token });
    }
    store.restock(HOT_SKU, 1_000_000).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let spread =
        store.add_bench_skus(spread, 1_000_000).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Bench { base: base.trim_end_matches('/').to_owned(), store, redis, shoppers, spread, http })
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

    pub fn line(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "{:<12} {:<6} {:>3} clients  {:>8.0} req/s  {:>7.0} orders/s  p50 {:>6.1} ms  p90 {:>6.1} ms  p99 {:>6.1} ms  max {:>7.1} ms  lost races {:>6}  retries {:>4}  errors {:?}",
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
            self.errors,
        )
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
    fn record(&mut self, started: Instant, status: u16, body: &Value, ok: u16) {
        self.requests += 1;
        self.latencies.push(started.elapsed());
        if status != ok {
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

    async fn send(
        &self,
        tally: &mut ClientTally,
        request: reqwest::RequestBuilder,
        ok: u16,
    ) -> bool {
        let started = Instant::now();
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                tally.record(started, status, &body, ok);
                status == ok
            }
            Err(error) => {
                tally.requests += 1;
                *tally.errors.entry(format!("transport {}", error.is_timeout())).or_default() += 1;
                false
            }
        }
    }

    async fn counters(&self) -> (u64, u64) {
        let read = async {
            let body: Value = self
                .http
                .get(format!("{}/metrics/orders", self.base))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            Some((body["lost_races"].as_u64()?, body["transaction_retries"].as_u64()?))
        };
        read.await.unwrap_or((0, 0))
    }

    /// Runs a scenario over HTTP with every shopper as a client for `duration`.
    pub async fn run_http(self: &Arc<Self>, scenario: Scenario, duration: Duration) -> Report {
        let before = self.counters().await;
        let started = Instant::now();
        let deadline = started + duration;
        let tasks: Vec<_> = (0..self.shoppers.len())
            .map(|i| {
                let bench = Arc::clone(self);
                tokio::spawn(async move {
                    let shopper = &bench.shoppers[i];
                    let auth = format!("JWT {}", shopper.token);
                    let mut tally = ClientTally::default();
                    while Instant::now() < deadline {
                        let sku = bench.pick(scenario);
                        match scenario {
                            Scenario::OrderHot | Scenario::OrderSpread => {
                                let add = bench.http.post(format!("{}/carts/", bench.base)).header("Authorization", &auth)
                                    .json(&json!({"sku_id": sku.0, "count": 1}));
                                if bench.send(&mut tally, add, 201).await {
                                    let order = bench.http.post(format!("{}/orders/", bench.base)).header("Authorization", &auth)
                                        .json(&json!({"address": shopper.address.0, "pay_method": 1}));
                                    if bench.send(&mut tally, order, 201).await {
                                        tally.orders += 1;
                                    }
                                }
                            }
                            Scenario::CartAdd => {
                                let add = bench.http.post(format!("{}/carts/", bench.base)).header("Authorization", &auth)
                                    .json(&json!({"sku_id": sku.0, "count": 1}));
                                bench.send(&mut tally, add, 201).await;
                            }
                            Scenario::SkuList => {
                                let list = bench.http.get(format!(
                                    "{}/categories/{LIST_CATEGORY}/skus/?ordering=-sales&page=1&page_size=10",
                                    bench.base
                                ));
                                bench.send(&mut tally, list, 200).await;
                            }
                            Scenario::SkuDetail => {
                                let detail = bench.http.get(format!("{}/skus/{}/", bench.base, fastrand::u64(1..=16)));
                                bench.send(&mut tally, detail, 200).await;
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        let mut report = Report::gather(scenario, "http", started, tasks).await;
        let after = self.counters().await;
        report.lost_races = after.0.saturating_sub(before.0);
        report.transaction_retries = after.1.saturating_sub(before.1);
        report
    }

    /// Drives the same work as an order scenario directly: the cart store's add and the
    /// place-order use case on the same store and driver, at the same concurrency, no HTTP.
    pub async fn run_direct(
        self: &Arc<Self>,
        scenario: Scenario,
        duration: Duration,
        policy: OrderPolicy,
    ) -> Report {
        let store = Arc::new(self.store.clone());
        let carts: Arc<dyn CartStore> = match &self.redis {
            Some(redis) => Arc::new(redis.clone()),
            None => store.clone(),
        };
        let place = Arc::new(PlaceOrder::new(
            PlaceOrderPorts {
                uow: store.clone(),
                stock: store.clone(),
                orders: store.clone(),
                addresses: store.clone(),
                carts: carts.clone(),
                clock: Arc::new(SystemClock),
                ids: Arc::new(CounterOrderIdSource::new()),
            },
            policy,
        ));
        let stats = place.stats();
        let started = Instant::now();
        let deadline = started + duration;
        let tasks: Vec<_> = (0..self.shoppers.len())
            .map(|i| {
                let (bench, place, carts) = (Arc::clone(self), place.clone(), carts.clone());
                tokio::spawn(async move {
                    let shopper = &bench.shoppers[i];
                    let one = Quantity::new(1, QuantityLimit::DEFAULT).expect("1 is a valid count");
                    let mut tally = ClientTally::default();
                    while Instant::now() < deadline {
                        let sku = bench.pick(scenario);
                        let started = Instant::now();
                        let added = carts
                            .add(
                                shopper.user,
                                CartLine { sku_id: sku, count: one, selected: true },
                                QuantityLimit::DEFAULT.get(),
                            )
                            .await;
                        tally.requests += 1;
                        tally.latencies.push(started.elapsed());
                        if added.is_err() {
                            *tally.errors.entry("cart".into()).or_default() += 1;
                            continue;
                        }
                        let started = Instant::now();
                        let request = PlaceOrderRequest {
                            user: shopper.user,
                            address: shopper.address,
                            pay_method: PayMethod::Cash,
                        };
                        let placed = place.execute(request).await;
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

    async fn scalar(&self, sql: &str) -> anyhow::Result<i64> {
        let stmt = Statement::from_string(self.store.backend(), sql.to_owned());
        let row = self.store.connection().query_one_raw(stmt).await?.context("no row")?;
        Ok(row.try_get_by_index::<i64>(0)?)
    }

    /// The state the invariants compare: orders, and stock + sales summed over every SKU.
    pub async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        Ok(Snapshot {
            orders: self.scalar("SELECT COUNT(*) FROM tb_order_info").await?,
            stock_and_sales: self
                .scalar("SELECT CAST(SUM(stock + sales) AS SIGNED) FROM tb_sku")
                .await?,
            sold: self.scalar("SELECT CAST(SUM(sales) AS SIGNED) FROM tb_sku").await?,
        })
    }

    /// Checks the invariants after an order scenario that answered `orders` 201s.
    pub async fn check(&self, before: &Snapshot, orders: u64) -> anyhow::Result<()> {
        let after = self.snapshot().await?;
        let negative = self.scalar("SELECT COUNT(*) FROM tb_sku WHERE stock < 0").await?;
        let without_lines = self
            .scalar(
                "SELECT COUNT(*) FROM tb_order_info o WHERE NOT EXISTS \
                 (SELECT 1 FROM tb_order_goods g WHERE g.order_id = o.order_id)",
            )
            .await?;
        let lines_sold = after.sold - before.sold;
        if negative != 0 {
            bail!("{negative} SKUs have negative stock");
        }
        if after.stock_and_sales != before.stock_and_sales {
            bail!("stock + sales changed: {} → {}", before.stock_and_sales, after.stock_and_sales);
        }
        if after.orders - before.orders != orders as i64 {
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

/// Totals the invariants compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub orders: i64,
    pub stock_and_sales: i64,
    pub sold: i64,
}

/// Turns a store error into anyhow's.
pub fn store_error(error: StoreError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}
