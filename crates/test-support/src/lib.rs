//! Test support shared by every tier of tests: builders of domain values
//! ([`builders`]), a cache that records what it was given ([`MemoryCache`]), and transactions
//! whose control is a mock and whose repositories are the test's mocks ([`tx`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_debug_implementations)]

pub mod builders;
mod memory_cache;
pub mod tx;

pub use builders::*;
pub use memory_cache::MemoryCache;
pub use tx::*;
