//! The flash-sale burst: a crowd of shoppers, each with one unit of a fresh SKU in the cart,
//! orders at the same moment a stock far smaller than the crowd, and the turned-away keep
//! pressing the button for a while. The sale is opened as an operator opens it (a staff account,
//! the admin API), so that the server's own gate is the one measured.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use meiduo_domain::ports::SkuCatalog;
use serde_json::{Value, json};

use crate::{Bench, ClientTally, Connection, Report, Snapshot, store_error};

/// What a flash-sale burst did.
#[derive(Debug)]
pub struct FlashReport {
    pub shoppers: usize,
    pub stock: u32,
    /// Orders answered 201.
    pub placed: u64,
    /// Answers 400 `sold_out`.
    pub sold_out: u64,
    /// Every other answer, by status and code.
    pub other: BTreeMap<String, u64>,
    /// The shoppers (indices) who placed no order: their carts still hold the SKU.
    pub turned_away: Vec<usize>,
    /// From the start until every shopper had its first answer.
    pub first_round: Duration,
    /// The sold-out answers, as a run: their rate and latencies over the whole burst.
    pub answers: Report,
    /// Order transactions the server began during the burst (its own count).
    pub transactions: u64,
    /// Statements the database executed, and commands Redis processed, during the burst.
    pub statements: Option<u64>,
    pub redis_commands: Option<u64>,
    /// The invariants: exactly `stock` orders written and answered, the SKU's stock all sold,
    /// stock + sales conserved over every SKU.
    pub check: anyhow::Result<()>,
}

impl FlashReport {
    pub fn line(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let answers = &self.answers;
        format!(
            "flash-sale   {} shoppers on a stock of {}: {} orders, {} sold_out answers ({:.0}/s, p50 {:.1} ms, p99 {:.1} ms), first answer to everyone within {:.0} ms, {} order transactions, SQL statements {}, Redis commands {}, other answers {:?}",
            self.shoppers,
            self.stock,
            self.placed,
            self.sold_out,
            answers.per_second(self.sold_out),
            ms(answers.percentile(50.0)),
            ms(answers.percentile(99.0)),
            ms(self.first_round),
            self.transactions,
            self.statements.map_or("-".to_owned(), |n| n.to_string()),
            self.redis_commands.map_or("-".to_owned(), |n| n.to_string()),
            self.other,
        )
    }
}

impl Bench {
    /// A staff account made as `meiduo admin create` makes it, logged in through the admin API.
    async fn operator_token(&self) -> anyhow::Result<String> {
        let name = format!("flashop{:08x}", fastrand::u32(..));
        let mobile = format!("13{:09}", fastrand::u32(..1_000_000_000));
        meiduo_server::create_staff(&self.store, &name, &mobile, "operator-password", &[]).await?;
        let login: Value = self
            .http
            .post(format!("{}/meiduo_admin/authorizations/", self.base))
            .json(&json!({"username": name, "password": "operator-password"}))
            .send()
            .await?
            .json()
            .await?;
        Ok(login["token"].as_str().context("the admin login answered no token")?.to_owned())
    }

    /// Puts `stock` units of a fresh SKU on flash sale, fills every shopper's cart with one unit
    /// of it, then lets them all order at once; those turned away press again until `hammer`
    /// has passed since the start.
    pub async fn flash_sale(
        self: &Arc<Self>,
        stock: u32,
        hammer: Duration,
    ) -> anyhow::Result<FlashReport> {
        let sku = *self
            .store
            .add_bench_skus(1, stock)
            .await
            .map_err(store_error)?
            .first()
            .context("no SKU was added")?;
        let operator = format!("JWT {}", self.operator_token().await?);
        let opened: Value = self
            .http
            .put(format!("{}/meiduo_admin/skus/{}/flash_sale/", self.base, sku.0))
            .header("Authorization", &operator)
            .send()
            .await?
            .json()
            .await?;
        if opened["gate"] != json!(stock) {
            bail!("the sale did not open with {stock} units: {opened}");
        }
        self.empty_carts().await?;
        for batch in self.shoppers.chunks(64) {
            let adds = batch.iter().map(|shopper| {
                self.http
                    .post(format!("{}/carts/", self.base))
                    .header("Authorization", format!("JWT {}", shopper.token))
                    .json(&json!({"sku_id": sku.0, "count": 1}))
                    .send()
            });
            for added in futures_util::future::join_all(adds).await {
                let status = added?.status();
                if status.as_u16() != 201 {
                    bail!("a shopper could not put the SKU in the cart: {status}");
                }
            }
        }
        let before: Snapshot = self.snapshot().await?;
        let counted = self.counters(["transactions", "sold_out"]).await;
        let work = self.server_work().await;

        let go = Arc::new(tokio::sync::Barrier::new(self.shoppers.len() + 1));
        let tasks: Vec<_> = (0..self.shoppers.len())
            .map(|i| {
                let (bench, go) = (Arc::clone(self), Arc::clone(&go));
                tokio::spawn(async move {
                    let shopper = &bench.shoppers[i];
                    let auth = format!("JWT {}", shopper.token);
                    let order = format!(r#"{{"address":{},"pay_method":1}}"#, shopper.address.0);
                    let mut conn = Connection::new(&bench.base);
                    let mut tally = ClientTally::default();
                    // Connected before the start, as shoppers are on the page before the sale.
                    conn.get(&mut tally, "/health/live", 200).await;
                    tally = ClientTally::default();
                    go.wait().await;
                    let started = Instant::now();
                    let mut first = None;
                    loop {
                        let placed =
                            conn.post(&mut tally, "/orders/", &auth, order.clone(), 201).await;
                        first.get_or_insert(started.elapsed());
                        if placed {
                            tally.orders += 1;
                            break;
                        }
                        if started.elapsed() >= hammer {
                            break;
                        }
                    }
                    (tally, first.unwrap_or_default())
                })
            })
            .collect();
        println!("the sale opens: {} shoppers order at once", self.shoppers.len());
        go.wait().await;
        let started = Instant::now();
        let mut answers = Report { scenario: "flash-sale", mode: "http", ..Report::default() };
        answers.clients = tasks.len();
        let (mut placed, mut sold_out, mut first_round) = (0, 0, Duration::ZERO);
        let mut other = BTreeMap::new();
        let mut turned_away = Vec::new();
        for (i, task) in tasks.into_iter().enumerate() {
            let (tally, first) = task.await?;
            if tally.orders == 0 {
                turned_away.push(i);
            }
            first_round = first_round.max(first);
            placed += tally.orders;
            answers.requests += tally.requests;
            for (key, n) in tally.errors {
                if key == "400 sold_out" {
                    sold_out += n;
                } else {
                    *other.entry(key).or_default() += n;
                }
            }
            answers.latencies.extend(tally.latencies);
        }
        answers.elapsed = started.elapsed();
        answers.latencies.sort_unstable();
        let done = self.server_work().await;
        let transactions =
            self.counters(["transactions", "sold_out"]).await.0.saturating_sub(counted.0);

        let check = async {
            self.check(&before, placed).await?;
            if placed != u64::from(stock) {
                bail!("{placed} orders placed of a stock of {stock}");
            }
            let found = self.store.skus().find_skus(&[sku]).await.map_err(store_error)?;
            let left = found.first().map_or(0, |sku| sku.stock);
            if left != 0 {
                bail!("{left} units left unsold");
            }
            Ok(())
        }
        .await;
        Ok(FlashReport {
            shoppers: self.shoppers.len(),
            stock,
            placed,
            sold_out,
            other,
            turned_away,
            first_round,
            answers,
            transactions,
            statements: done.0.zip(work.0).map(|(after, before)| after.saturating_sub(before)),
            redis_commands: done.1.zip(work.1).map(|(after, before)| after.saturating_sub(before)),
            check,
        })
    }
}
