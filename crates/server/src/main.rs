//! `meiduo`: the storefront server. `meiduo serve` (the default), `meiduo migrate`, `meiduo seed`,
//! `meiduo ship <order_id>`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use meiduo_server::{Application, Settings, connect};
use tracing_subscriber::EnvFilter;

/// mimalloc gives freed memory back to the system soon after: with the system allocator, the
/// 19 MiB that each argon2 password check takes stayed in the process (RSS grew with logins).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The log on standard output: `MEIDUO_LOG_FORMAT=json` writes one JSON object per line (the
/// event's fields, its message, and the fields of the spans it is in, the request's id among
/// them), for a log shipper; `text` (the default) writes lines for people, in colour only at a
/// terminal. `RUST_LOG` filters (default `info,sqlx=warn`).
fn init_logging() -> anyhow::Result<()> {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let format = std::env::var("MEIDUO_LOG_FORMAT").unwrap_or_default();
    let log = match format.trim() {
        "json" => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .with_filter(filter)
            .boxed(),
        "" | "text" => tracing_subscriber::fmt::layer()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .with_filter(filter)
            .boxed(),
        other => anyhow::bail!("MEIDUO_LOG_FORMAT: `text` or `json`, not `{other}`"),
    };
    tracing_subscriber::registry().with(log).with(meiduo_server::pool_waits::layer()).init();
    Ok(())
}

#[derive(Debug, Parser)]
#[command(name = "meiduo", version, about = "The Meiduo mall storefront backend")]
struct Cli {
    /// A TOML file of settings (each can also come from a MEIDUO_* environment variable).
    #[arg(long, short, env = "MEIDUO_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply the pending migrations, or revert some.
    Migrate {
        /// Revert this many migrations instead.
        #[arg(long)]
        revert: Option<u32>,
    },
    /// Load the demo catalog and areas into an empty database.
    Seed,
    /// Ship an order: Unsend → Unreceived.
    Ship {
        /// The order's number.
        order_id: String,
    },
    /// Staff accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Flash sales (also at `/meiduo_admin/skus/<id>/flash_sale/`).
    FlashSale {
        #[command(subcommand)]
        command: FlashSaleCommand,
    },
}

#[derive(Debug, Subcommand)]
enum FlashSaleCommand {
    /// Put a SKU on flash sale, or load its gate again from its stock.
    Open { sku_id: u64 },
    /// End a SKU's flash sale.
    Close { sku_id: u64 },
    /// The SKUs on flash sale: `<sku> <stock> <gate>` per line.
    List,
    /// Set every gate from the database's stock, as a server does when it starts.
    Reconcile,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a staff account: a superuser, or with `--permission` a member holding just those
    /// permissions. The password is read from MEIDUO_ADMIN_PASSWORD, else from the first line
    /// of standard input (never from an argument, which other users could see).
    Create {
        #[arg(long)]
        username: String,
        /// Its mobile number (every account has one).
        #[arg(long)]
        mobile: String,
        /// A permission's codename, e.g. `view_orderinfo` (repeatable); none: a superuser.
        #[arg(long = "permission")]
        permissions: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logging()?;
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("reading the settings")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(&settings).await?;
            tracing::info!(
                listen = %settings.listen,
                docs = %format!("http://{}/docs/", settings.listen),
                "meiduo is serving"
            );
            app.run_until_stopped().await.context("serving")
        }
        Command::Migrate { revert } => {
            let store = connect(&settings).await?;
            match revert {
                Some(steps) => store.revert(Some(steps)).await.context("reverting migrations")?,
                None => store.migrate().await.context("applying migrations")?,
            }
            tracing::info!("migrations done");
            Ok(())
        }
        Command::Ship { order_id } => {
            let store = connect(&settings).await?;
            let order = meiduo_server::ship_order(&settings, &store, &order_id).await?;
            tracing::info!(order_id = %order.order_id, status = ?order.status, "shipped");
            Ok(())
        }
        Command::Admin { command: AdminCommand::Create { username, mobile, permissions } } => {
            let password = match std::env::var("MEIDUO_ADMIN_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).context("reading the password")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let store = connect(&settings).await?;
            store.migrate().await.context("applying migrations")?;
            let user =
                meiduo_server::create_staff(&store, &username, &mobile, &password, &permissions)
                    .await?;
            tracing::info!(
                user_id = user.id.0,
                username = %user.username,
                superuser = permissions.is_empty(),
                "staff account created"
            );
            Ok(())
        }
        Command::FlashSale { command } => {
            use meiduo_domain::SkuId;
            let store = connect(&settings).await?;
            let sales = meiduo_server::flash_sales(&settings, &store)?;
            match command {
                FlashSaleCommand::Open { sku_id } => {
                    let sale = sales.open(None, SkuId(sku_id)).await?;
                    tracing::info!(sku_id, units = sale.stock, "flash sale opened");
                }
                FlashSaleCommand::Close { sku_id } => {
                    sales.close(None, SkuId(sku_id)).await?;
                    tracing::info!(sku_id, "flash sale closed");
                }
                FlashSaleCommand::List => {
                    for sale in sales.list().await? {
                        let gate = sale.gate.map_or_else(|| "-".to_owned(), |n| n.to_string());
                        println!("{} {} {gate}", sale.sku, sale.stock);
                    }
                }
                FlashSaleCommand::Reconcile => {
                    let done = sales.reconcile(true).await?;
                    tracing::info!(restored = ?done.restored, closed = ?done.closed, "reconciled");
                }
            }
            Ok(())
        }
        Command::Seed => {
            let store = connect(&settings).await?;
            store.migrate().await.context("applying migrations")?;
            let report = store.load_demo_data().await.context("loading the demo data")?;
            tracing::info!(?report, "seed done");
            Ok(())
        }
    }
}
