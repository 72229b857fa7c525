//! The use cases of Meiduo mall. They work through the domain's ports only; the server wires
//! adapters in. Each use case has its own error enum.

pub mod accounts;
pub mod addresses;
pub mod admin;
pub mod cart;
pub mod catalog;
pub mod catalog_admin;
pub mod deliveries;
pub mod errors;
pub mod flash_sale;
pub mod orders;
pub mod payments;
pub mod policy;
pub mod search;
pub mod visits;
pub mod wiring;

pub use policy::{OrderPolicy, StockUpdate};
pub use wiring::{Policies, Ports, UseCases};
