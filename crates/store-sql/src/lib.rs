//! The persistence adapter: every persistence port of the domain on MySQL/MariaDB (production)
//! or SQLite (the embedded default), through sea-orm.
//!
//! [`SqlStore`] implements [`UnitOfWork`](meiduo_domain::ports::UnitOfWork),
//! [`StockRepository`](meiduo_domain::ports::StockRepository),
//! [`OrderRepository`](meiduo_domain::ports::OrderRepository),
//! [`AddressRepository`](meiduo_domain::ports::AddressRepository),
//! [`SkuCatalog`](meiduo_domain::ports::SkuCatalog) and the SQL
//! [`CartStore`](meiduo_domain::ports::CartStore). Database errors become
//! [`StoreError`](meiduo_domain::ports::StoreError)s inside it.

mod addresses;
mod cart;
mod catalog;
mod codec;
mod error;
mod orders;
mod payments;
mod queries;
mod seed;
mod store;
mod tx;
mod users;

#[cfg(feature = "testing")]
pub mod testing;

pub use seed::SeedReport;
pub use store::{SqlConfig, SqlStore};
pub use tx::SqlTransaction;
