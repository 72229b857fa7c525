//! The use cases of Meiduo mall. They work through the domain's ports only; the server wires
//! adapters in. Each use case has its own error enum.

pub mod ids;
pub mod orders;
pub mod policy;

pub use policy::{OrderPolicy, StockUpdate};
