//! The schema of Meiduo mall as sea-orm migrations, for MySQL/MariaDB and SQLite.
//!
//! Table and column names are the original shop's. Where the engines differ, [`cols`] picks the
//! type: money is `DECIMAL(10,2)` on MySQL and an integer number of fen on SQLite (whose decimal
//! columns are floats); times are `DATETIME(6)` on MySQL and ISO text on SQLite.

pub use sea_orm_migration::prelude::*;

pub mod cols;
mod m20261122_000001_users_and_areas;
mod m20261122_000002_catalog;
mod m20261122_000003_orders;
mod m20261122_000004_cart;
mod m20261122_000005_browse_history;
mod m20261122_000006_payment_refunds;
mod m20261202_000007_verification_codes;
mod m20261202_000008_outbox;
mod m20261202_000009_oauth_qq;
mod m20261202_000010_rate_limits;
mod m20261202_000011_idempotency_keys;
mod m20261202_000012_order_status_log;
mod m20261202_000013_refund_retries;
mod m20261202_000014_token_stamps;
mod m20261202_000015_staff_and_rights;
mod m20261202_000016_category_visits;
mod m20261202_000017_search_changes;
mod m20261202_000018_flash_sales;

/// Runs the migrations in order; each can be reverted.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_users_and_areas::Migration),
            Box::new(m20261122_000002_catalog::Migration),
            Box::new(m20261122_000003_orders::Migration),
            Box::new(m20261122_000004_cart::Migration),
            Box::new(m20261122_000005_browse_history::Migration),
            Box::new(m20261122_000006_payment_refunds::Migration),
            Box::new(m20261202_000007_verification_codes::Migration),
            Box::new(m20261202_000008_outbox::Migration),
            Box::new(m20261202_000009_oauth_qq::Migration),
            Box::new(m20261202_000010_rate_limits::Migration),
            Box::new(m20261202_000011_idempotency_keys::Migration),
            Box::new(m20261202_000012_order_status_log::Migration),
            Box::new(m20261202_000013_refund_retries::Migration),
            Box::new(m20261202_000014_token_stamps::Migration),
            Box::new(m20261202_000015_staff_and_rights::Migration),
            Box::new(m20261202_000016_category_visits::Migration),
            Box::new(m20261202_000017_search_changes::Migration),
            Box::new(m20261202_000018_flash_sales::Migration),
        ]
    }
}
