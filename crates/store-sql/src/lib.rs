//! The persistence adapter: every persistence port of the domain on MySQL/MariaDB (production)
//! or SQLite (the embedded default), through sea-orm.
//!
//! [`SqlStore`] connects the pool and hands out one adapter per port, each in a file named after
//! its port: [`SqlUnitOfWork`] (transactions, whose [`Transaction`](meiduo_domain::ports::Transaction)
//! hands out the stock, order-writer and payment-ledger repositories bound to it), [`SqlUsers`],
//! [`SqlAreas`], [`SqlAddresses`], [`SqlCatalogQueries`], [`SqlSkuCatalog`],
//! [`SqlBrowseHistory`], [`SqlOrders`], [`SqlPayments`] and the SQL [`SqlCartStore`]. Rows are
//! read into sea-orm entities (`src/entity/`) or `FromQueryResult` structs; statements are built by
//! sea-query, which writes each engine's dialect. Database errors become
//! [`StoreError`](meiduo_domain::ports::StoreError)s (or a port's own business errors) inside
//! it, with the database error kept as their source.

mod addresses;
mod areas;
mod browse_history;
mod cart;
mod catalog_editor;
mod catalog_queries;
mod codec;
mod diagnostics;
pub(crate) mod entity;
mod error;
mod flash_sales;
mod idempotency_keys;
mod order_writer;
mod orders;
mod outbox;
mod payment_ledger;
mod payments;
mod qq_bindings;
mod rate_limits;
mod search_documents;
mod seed;
mod sku_catalog;
mod staff;
mod stock;
mod store;
mod unit_of_work;
mod users;
mod verification_codes;

pub use addresses::SqlAddresses;
pub use areas::SqlAreas;
pub use browse_history::SqlBrowseHistory;
pub use cart::SqlCartStore;
pub use catalog_editor::SqlCatalogEditor;
pub use catalog_queries::SqlCatalogQueries;
pub use diagnostics::StockTotals;
pub use flash_sales::SqlFlashSales;
pub use idempotency_keys::SqlIdempotencyKeys;
pub use orders::SqlOrders;
pub use outbox::SqlOutbox;
pub use payments::SqlPayments;
pub use qq_bindings::SqlQqBindings;
pub use rate_limits::SqlRateLimits;
pub use search_documents::SqlSkuDocuments;
pub use seed::SeedReport;
pub use sku_catalog::SqlSkuCatalog;
pub use staff::SqlStaff;
pub use store::{ACQUIRE_TARGET, SqlConfig, SqlStore};
pub use unit_of_work::{SqlTransaction, SqlUnitOfWork};
pub use users::SqlUsers;
pub use verification_codes::SqlVerificationCodes;
