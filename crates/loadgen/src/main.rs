//! `meiduo-loadgen`: runs storefront scenarios against a running server and prints the figures.
//!
//! ```sh
//! meiduo-loadgen --base http://127.0.0.1:8000 --database-url mysql://root@127.0.0.1:3306/meiduo \
//!     --redis-url redis://127.0.0.1:6379/3 --clients 64 --seconds 20
//! ```
//! The database (and Redis) must be the server's: shoppers are prepared there and the invariants
//! are read from there. `--flash-shoppers 2000` ends with a flash sale of `--flash-stock` units.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use meiduo_application::{OrderPolicy, StockUpdate};
use meiduo_cart_redis::{RedisConfig, RedisStore};
use meiduo_loadgen::{Scenario, prepare};
use meiduo_store_sql::{SqlConfig, SqlStore};

#[derive(Debug, Parser)]
#[command(name = "meiduo-loadgen", about = "Load scenarios against a running meiduo server")]
struct Args {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:8000")]
    base: String,
    /// The server's database.
    #[arg(long)]
    database_url: String,
    /// The server's Redis, when it uses one (the direct drive then uses it for the cart too).
    #[arg(long)]
    redis_url: Option<String>,
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Database connections of the direct drive: give it the server's pool size
    /// (MEIDUO_DATABASE_MAX_CONNECTIONS) so that both drive the database alike.
    #[arg(long, default_value_t = 16)]
    pool: u32,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of each run's work done first and not measured (its orders are checked too).
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Scenarios, comma-separated: order-hot, order-spread, cart-add, sku-list, sku-detail.
    #[arg(long, default_value = "order-hot,order-spread,cart-add,sku-list,sku-detail")]
    scenarios: String,
    /// SKUs of order-spread and cart-add.
    #[arg(long, default_value_t = 1000)]
    spread: u32,
    /// The compare-and-swap of the direct drive (set the server's with MEIDUO_STOCK_UPDATE).
    #[arg(long, default_value = "covering")]
    stock_update: String,
    /// Skip the raw drive of order scenarios (the transaction's statements through the bare
    /// driver; MySQL/MariaDB only).
    #[arg(long)]
    no_raw: bool,
    /// The server's MEIDUO_OPS_TOKEN, to read its order counters.
    #[arg(long, env = "MEIDUO_OPS_TOKEN")]
    ops_token: Option<String>,
    /// Skip the direct drive of order scenarios.
    #[arg(long)]
    no_direct: bool,
    /// After the scenarios, a flash sale: this many shoppers (0: none) order at once a SKU of
    /// `--flash-stock` units; those turned away press again for `--flash-seconds`.
    #[arg(long, default_value_t = 0)]
    flash_shoppers: usize,
    #[arg(long, default_value_t = 100)]
    flash_stock: u32,
    #[arg(long, default_value_t = 5)]
    flash_seconds: u64,
    /// Writes wrk scripts into this directory: `cart-add.lua` (the shoppers add to their carts)
    /// and, after a flash sale, `sold-out.lua` (those it turned away order again).
    #[arg(long)]
    wrk_scripts: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut sql = SqlConfig::new(args.database_url.clone());
    sql.max_connections = args.pool.max(2);
    let store = SqlStore::connect(&sql).await.context("the server's database")?;
    let redis = match &args.redis_url {
        Some(url) => {
            Some(RedisStore::new(&RedisConfig::new(url.clone())).context("the server's Redis")?)
        }
        None => None,
    };
    let scenarios: Vec<Scenario> = args
        .scenarios
        .split(',')
        .map(|name| {
            Scenario::parse(name.trim()).with_context(|| format!("unknown scenario {name}"))
        })
        .collect::<anyhow::Result<_>>()?;
    let policy = OrderPolicy {
        stock_update: match args.stock_update.as_str() {
            "equality" => StockUpdate::Equality,
            "covering" => StockUpdate::Covering,
            other => bail!("unknown stock update {other}"),
        },
        ..OrderPolicy::default()
    };
    println!("preparing {} shoppers and {} SKUs ...", args.clients, args.spread);
    let mut bench = prepare(&args.base, store, redis, args.clients, args.spread).await?;
    bench.ops_token = args.ops_token.clone();
    let bench = Arc::new(bench);
    let prefix = meiduo_loadgen::path_prefix(&args.base);
    if let Some(dir) = &args.wrk_scripts {
        let script = meiduo_loadgen::wrk::cart_add(&prefix, &bench.shoppers, &bench.spread);
        std::fs::write(dir.join("cart-add.lua"), script).context("writing cart-add.lua")?;
    }
    // The bare driver's pool: as many connections as the server's and the direct drive's.
    let raw = if args.no_raw || !args.database_url.starts_with("mysql:") {
        None
    } else {
        Some(meiduo_loadgen::raw::pool(&args.database_url, args.pool.max(2)).await?)
    };
    let duration = Duration::from_secs(args.seconds);
    let mut failed = false;
    for scenario in scenarios {
        let direct = (!args.no_direct).then(|| policy.clone());
        let warmup = Duration::from_secs(args.warmup);
        let outcome = bench.run_checked(scenario, warmup, duration, direct, raw.as_ref()).await?;
        let runs = std::iter::once(&outcome.http)
            .chain(outcome.direct.as_ref())
            .chain(outcome.raw.as_ref());
        for (report, check) in runs {
            println!("{}", report.line());
            if let Err(broken) = check {
                println!("INVARIANT BROKEN after {} ({}): {broken}", scenario.name(), report.mode);
                failed = true;
            }
        }
        if let Some(ratio) = outcome.ratio() {
            println!("{:<12} ratio  http / direct orders/s = {ratio:.2}", scenario.name());
        }
        if let Some([http, direct, http_p99, direct_p99]) = outcome.raw_ratios() {
            let show = |r: Option<f64>| r.map_or("-".to_owned(), |r| format!("{r:.2}"));
            println!(
                "{:<12} ratio  orders/s http / raw = {}, direct / raw = {}; p99 http / raw = {}, direct / raw = {}",
                scenario.name(),
                show(http),
                show(direct),
                show(http_p99),
                show(direct_p99)
            );
        }
    }
    if args.flash_shoppers > 0 {
        println!("preparing {} shoppers for the flash sale ...", args.flash_shoppers);
        let shoppers = meiduo_loadgen::prepare_shoppers(
            &bench.base,
            &bench.store,
            &bench.http,
            args.flash_shoppers,
        )
        .await?;
        let crowd = Arc::new(meiduo_loadgen::Bench { shoppers, ..(*bench).clone() });
        let hammer = Duration::from_secs(args.flash_seconds);
        let report = crowd.flash_sale(args.flash_stock, hammer).await?;
        if let Some(dir) = &args.wrk_scripts {
            let losers: Vec<_> =
                report.turned_away.iter().map(|&i| crowd.shoppers[i].clone()).collect();
            let script = meiduo_loadgen::wrk::orders(&prefix, &losers);
            std::fs::write(dir.join("sold-out.lua"), script).context("writing sold-out.lua")?;
        }
        println!("{}", report.line());
        if let Err(broken) = &report.check {
            println!("INVARIANT BROKEN after flash-sale: {broken}");
            failed = true;
        }
    }
    if failed {
        bail!("invariants broken");
    }
    Ok(())
}
