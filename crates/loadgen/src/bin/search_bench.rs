//! `meiduo-search-bench`: the search index against the database's literal match, over a
//! generated catalog.
//!
//! ```sh
//! meiduo-search-bench --database-url sqlite:///tmp/search.db?mode=rwc --skus 100000
//! meiduo-search-bench --database-url mysql://root@127.0.0.1:3306/meiduo_search --skus 100000
//! ```
//! The database is migrated, given the demo catalog, then `--skus` generated SKUs (brands,
//! models, memories and colours of phones, laptops, tablets, ...; names as the demo's). The index
//! is built from it as the server builds it (build time, index size and the process's resident
//! memory reported), then `--clients` tasks search for `--seconds` each way: through the index
//! (the storefront's path: the index ranks, the database reads the page's SKUs) and through
//! the database's `LIKE` match, over the same queries. Prints one line per way.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use meiduo_application::catalog::Catalog;
use meiduo_application::errors::PageRequest;
use meiduo_domain::ports::{CatalogQueries, SkuDocuments, SkuIndex};
use meiduo_search::TantivySkuIndex;
use meiduo_store_sql::{SqlConfig, SqlStore};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

#[derive(Debug, Parser)]
#[command(name = "meiduo-search-bench", about = "The search index against the database's LIKE")]
struct Args {
    /// An empty database (it is migrated and filled).
    #[arg(long)]
    database_url: String,
    /// SKUs to generate beside the demo catalog's 16.
    #[arg(long, default_value_t = 100_000)]
    skus: u32,
    #[arg(long, default_value_t = 16)]
    clients: usize,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Database connections.
    #[arg(long, default_value_t = 16)]
    pool: u32,
}

/// What shoppers type: brands, models, memories, colours, categories; one and several words.
const QUERIES: [&str; 16] = [
    "华为 手机",
    "华为P10",
    "iPhone 8 Plus 64GB",
    "小米 笔记本",
    "耳机",
    "深空灰色",
    "平板电脑 128GB",
    "三星 Galaxy 曜石黑",
    "联想 ThinkPad",
    "荣耀 20 Pro 8GB",
    "OPPO 手机 玫瑰金",
    "智能手表",
    "vivo X27",
    "戴尔 游戏本 16GB",
    "蓝牙 耳机 降噪",
    "MacBook Pro 银色",
];

const BRANDS: [(&str, &str); 12] = [
    ("华为（HUAWEI）", "华为 HUAWEI"),
    ("Apple", "Apple"),
    ("小米（MI）", "小米 MI"),
    ("三星（SAMSUNG）", "三星 SAMSUNG"),
    ("联想（Lenovo）", "联想 Lenovo"),
    ("戴尔（DELL）", "戴尔 DELL"),
    ("OPPO", "OPPO"),
    ("vivo", "vivo"),
    ("荣耀（HONOR）", "荣耀 HONOR"),
    ("索尼（SONY）", "索尼 SONY"),
    ("魅族（MEIZU）", "魅族 MEIZU"),
    ("一加（OnePlus）", "一加 OnePlus"),
];

/// A kind of goods: what the name says, its models, the demo's third-level category path.
struct Kind {
    words: &'static str,
    models: &'static [&'static str],
    categories: (u32, u32, u32),
}

const KINDS: [Kind; 6] = [
    Kind {
        words: "移动联通电信4G手机 双卡双待",
        models: &[
            "P10 Plus",
            "Mate 20",
            "iPhone 8 Plus",
            "Galaxy S9",
            "Redmi Note 7",
            "X27",
            "Reno",
            "20 Pro",
            "Find X",
            "7T",
        ],
        categories: (1, 38, 115),
    },
    Kind {
        words: "轻薄笔记本电脑",
        models: &["MacBook Pro", "ThinkPad X1", "XPS 13", "MateBook X", "Air 13", "小新 Pro"],
        categories: (4, 45, 157),
    },
    Kind {
        words: "游戏本 笔记本电脑",
        models: &["拯救者 Y7000", "外星人 M15", "G3", "暗影精灵"],
        categories: (4, 45, 157),
    },
    Kind {
        words: "平板电脑 WiFi版",
        models: &["iPad Pro", "MatePad", "Galaxy Tab", "小米平板 4"],
        categories: (1, 38, 115),
    },
    Kind {
        words: "蓝牙耳机 主动降噪",
        models: &["FreeBuds 3", "AirPods Pro", "WH-1000XM3", "Buds Live"],
        categories: (1, 38, 115),
    },
    Kind {
        words: "智能手表 运动手环",
        models: &["Watch GT", "Apple Watch", "Galaxy Watch", "手环 4"],
        categories: (1, 38, 115),
    },
];
const MEMORIES: [&str; 5] = ["4GB+64GB", "6GB+128GB", "8GB+128GB", "8GB+256GB", "16GB+512GB"];
const COLOURS: [&str; 8] =
    ["金色", "银色", "深空灰色", "钻雕蓝", "曜石黑", "玫瑰金", "极光色", "亮黑色"];
const CAPTIONS: [&str; 4] = [
    "选【移动优惠购】新机配新卡，198优质靓号，流量不限量！",
    "徕卡双摄拍照，低至2988元！",
    "【全新款】一身才华，一触，即发",
    "限时特惠，赠品多多",
];
/// SKUs per SPU.
const SKUS_PER_SPU: u32 = 10;

async fn exec(db: &DatabaseConnection, sql: String) -> anyhow::Result<()> {
    db.execute_unprepared(&sql).await.with_context(|| sql.chars().take(200).collect::<String>())?;
    Ok(())
}

/// Brands, SPUs (ten SKUs each) and SKUs, in batches of multi-row inserts.
async fn generate(db: &DatabaseConnection, skus: u32) -> anyhow::Result<()> {
    let now = "'2026-12-01 12:00:00'";
    let first_brand = 1000;
    let values: Vec<String> = BRANDS
        .iter()
        .enumerate()
        .map(|(n, (name, _))| format!("({}, {now}, {now}, '{name}', '', 'A')", first_brand + n))
        .collect();
    exec(db, format!("INSERT INTO tb_brand (id, create_time, update_time, name, logo, first_letter) VALUES {}", values.join(","))).await?;
    let spus = skus.div_ceil(SKUS_PER_SPU);
    let first_spu = 100_000u32;
    let first_sku = 1_000_000u32;
    let spu_of = |n: u32| {
        let brand = (n as usize * 7) % BRANDS.len();
        let kind = &KINDS[(n as usize / 3) % KINDS.len()];
        let model = kind.models[(n as usize) % kind.models.len()];
        (brand, kind.words, model, kind.categories)
    };
    for chunk in (0..spus).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|&n| {
                let (brand, _, model, (c1, c2, c3)) = spu_of(n);
                format!(
                    "({}, {now}, {now}, '{} {model} {n}', {}, {c1}, {c2}, {c3}, 0, 0, '', '', '')",
                    first_spu + n,
                    BRANDS[brand].1,
                    first_brand + brand
                )
            })
            .collect();
        exec(db, format!("INSERT INTO tb_goods (id, create_time, update_time, name, brand_id, category1_id, category2_id, category3_id, sales, comments, desc_detail, desc_pack, desc_service) VALUES {}", values.join(","))).await?;
    }
    for chunk in (0..skus).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|&n| {
                let spu = n / SKUS_PER_SPU;
                let (brand, kind, model, (_, _, c3)) = spu_of(spu);
                let memory = MEMORIES[(n as usize) % MEMORIES.len()];
                let colour = COLOURS[(n as usize / MEMORIES.len()) % COLOURS.len()];
                let caption = CAPTIONS[(n as usize) % CAPTIONS.len()];
                // The column holds 50 characters.
                let name: String = format!("{} {model} {memory} {colour} {kind}", BRANDS[brand].1)
                    .chars()
                    .take(50)
                    .collect();
                let price = 999 + (n % 9000);
                format!(
                    "({}, {now}, {now}, '{name}', '{caption}', {}, {c3}, {price}.00, {price}.00, {price}.00, 100, {}, 0, {})",
                    first_sku + n,
                    first_spu + spu,
                    n % 97,
                    if n % 50 == 49 { 0 } else { 1 }
                )
            })
            .collect();
        exec(db, format!("INSERT INTO tb_sku (id, create_time, update_time, name, caption, goods_id, category_id, price, cost_price, market_price, stock, sales, comments, is_launched) VALUES {}", values.join(","))).await?;
    }
    Ok(())
}

/// This process's resident memory, in MiB, as the server's metrics read it.
fn rss_mib() -> f64 {
    meiduo_http::metrics::resident_memory().unwrap_or(0) as f64 / 1_048_576.0
}

#[derive(Debug, Default)]
struct Run {
    latencies_us: Vec<u64>,
    hits: u64,
    errors: u64,
}

/// `clients` tasks searching the queries in turn for `seconds`.
async fn drive<F, Fut>(clients: usize, seconds: u64, search: F) -> (Run, Duration)
where
    F: Fn(&'static str) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<u64>> + Send,
{
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (stop, search) = (stop.clone(), search.clone());
            tokio::spawn(async move {
                let mut run = Run::default();
                let mut n = client;
                while !stop.load(Ordering::Relaxed) {
                    let query = QUERIES[n % QUERIES.len()];
                    n += 1;
                    let began = Instant::now();
                    match search(query).await {
                        Ok(hits) => {
                            run.hits += hits;
                            run.latencies_us.push(began.elapsed().as_micros() as u64);
                        }
                        Err(_) => run.errors += 1,
                    }
                }
                run
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Run::default();
    for task in tasks {
        let run = task.await.unwrap_or_default();
        all.latencies_us.extend(run.latencies_us);
        all.hits += run.hits;
        all.errors += run.errors;
    }
    (all, started.elapsed())
}

fn report(engine: &str, way: &str, clients: usize, (mut run, elapsed): (Run, Duration)) {
    run.latencies_us.sort_unstable();
    let n = run.latencies_us.len();
    let at = |q: f64| run.latencies_us.get(((n as f64 * q) as usize).min(n.saturating_sub(1)));
    let ms = |v: Option<&u64>| v.map_or(0.0, |v| *v as f64 / 1000.0);
    println!(
        "{engine:8} {way:6} clients {clients:3}: {:9.1} searches/s  p50 {:8.2} ms  p99 {:8.2} ms  mean hits {:8.1}  errors {}",
        n as f64 / elapsed.as_secs_f64(),
        ms(at(0.5)),
        ms(at(0.99)),
        run.hits as f64 / n.max(1) as f64,
        run.errors
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let engine = if args.database_url.starts_with("sqlite") { "sqlite" } else { "mariadb" };
    let mut config = SqlConfig::new(args.database_url.clone());
    config.max_connections = args.pool;
    let store = SqlStore::connect(&config).await.context("connecting")?;
    store.migrate().await.context("migrating")?;
    store.load_demo_data().await.context("the demo catalog")?;
    let raw = Database::connect(args.database_url.clone()).await?;
    let began = Instant::now();
    generate(&raw, args.skus).await?;
    println!("{engine}: generated {} SKUs in {:.1} s", args.skus, began.elapsed().as_secs_f64());

    // The dictionary first, apart: every index of the process shares it.
    let before_dictionary = rss_mib();
    let _ = meiduo_search::words("预热");
    let before = rss_mib();
    let index = TantivySkuIndex::new();
    let began = Instant::now();
    let documents = store.sku_documents().launched().await?;
    let count = documents.len();
    let read = began.elapsed();
    index.rebuild(documents).await?;
    let built = began.elapsed();
    println!(
        "{engine}: index of {count} SKUs on sale: read in {:.2} s, built in {:.2} s in all; \
         segments {:.1} MiB; resident memory +{:.1} MiB for the dictionary, +{:.1} MiB for the index",
        read.as_secs_f64(),
        built.as_secs_f64(),
        index.index_bytes().unwrap_or(0) as f64 / 1_048_576.0,
        before - before_dictionary,
        rss_mib() - before,
    );

    let queries: Arc<dyn CatalogQueries> = Arc::new(store.catalog());
    let catalog = Arc::new(Catalog::new(
        queries.clone(),
        Arc::new(store.skus()),
        Arc::new(store.areas()),
        Arc::new(store.browse_history()),
        Arc::new(index),
    ));
    let page = PageRequest::new(None, Some(10)).context("a page")?;
    let indexed = drive(args.clients, args.seconds, move |text| {
        let catalog = catalog.clone();
        async move { Ok(catalog.search(text, page).await?.count) }
    })
    .await;
    report(engine, "index", args.clients, indexed);
    let like = drive(args.clients, args.seconds, move |text| {
        let queries = queries.clone();
        async move { Ok(queries.search_skus(text, 0, 10).await?.count) }
    })
    .await;
    report(engine, "like", args.clients, like);
    Ok(())
}
