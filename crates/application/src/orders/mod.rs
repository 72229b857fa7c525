//! Checkout: settlement and placing orders.

mod place_order;
mod settlement;

pub use place_order::{
    PlaceOrder, PlaceOrderError, PlaceOrderPorts, PlaceOrderRequest, PlaceOrderStats, PlacedOrder,
};
pub use settlement::{Settlement, SettlementError, SettlementLine, SettlementView};
