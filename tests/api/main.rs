//! The end-to-end suite, one binary: use cases on real adapters (SQLite always; MariaDB, Redis
//! and a Redis Cluster when their `MEIDUO_TEST_*` URLs are set), and the HTTP API on the real
//! server on port 0 with a database of its own per test. The harness is `meiduo-test-support`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod admin;
mod cart;
mod cart_store;
mod catalog;
mod catalog_admin;
mod codes;
mod email;
mod errors;
mod flash_sale;
mod hardening;
mod loadgen_smoke;
mod metrics;
mod parity;
mod passwords;
mod payment;
mod pictures_s3;
mod place_order;
mod qq;
mod redis_cache;
mod redis_keys;
mod redis_outage;
mod search;
mod shopper;
mod submit;
mod throttle;
