//! Test support shared by every tier of tests: builders of domain values ([`builders`]), a
//! cache that records what it was given ([`MemoryCache`]), transactions whose control is a mock
//! and whose repositories are the test's mocks ([`tx`]), a database ([`db`]) and a Redis key
//! space ([`redis`]) of its own per test, and the real server on port 0 over them with an HTTP
//! client that keeps cookies ([`app`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_debug_implementations)]

pub mod app;
pub mod builders;
pub mod db;
mod memory_cache;
pub mod redis;
pub mod tx;

pub use app::*;
pub use builders::*;
pub use db::*;
pub use memory_cache::MemoryCache;
pub use tx::*;

/// The URL of a service the test needs, from `variable`; without it the part of the test that
/// needs `what` says loudly on the console that it skipped (`None`), and under `CI=true` the test
/// fails: CI must run every part.
pub fn service_url(variable: &str, what: &str) -> Option<String> {
    if let Ok(url) = std::env::var(variable) {
        return Some(url);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but {variable} is not set: the {what} tests must run in CI"
    );
    // Written to the stderr handle, which the test harness does not capture: it shows.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: the {what} half of this test (set {variable} to run it)"
    );
    None
}
