//! The ports: what the use cases need from the outside world, as traits the adapters implement.
//!
//! Every port is an `async_trait` trait object (`Arc<dyn Port>`), `Send + Sync`, so that the
//! server picks adapters from configuration. With the `mock` feature each gets a mockall mock
//! (`MockStockRepository`, ...). Adapters translate their own errors into the error types below:
//! no driver error crosses a port.

mod accounts;
mod admin;
mod cart;
mod catalog;
mod catalog_admin;
mod flash_sale;
mod messages;
mod oauth;
mod orders;
mod payment;
mod payments;
mod search;
mod store;
mod system;

pub use accounts::*;
pub use admin::*;
pub use cart::*;
pub use catalog::*;
pub use catalog_admin::*;
pub use flash_sale::*;
pub use messages::*;
pub use oauth::*;
pub use orders::*;
pub use payment::*;
pub use payments::*;
pub use search::*;
pub use store::*;
pub use system::*;
