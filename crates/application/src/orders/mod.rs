//! Checkout: settlement and placing orders.

mod history;
mod idempotent;
mod place_order;
mod settlement;

pub use history::{
    CommentForm, MAX_COMMENT_LEN, OrderHistory, OrderHistoryError, OrderLineView, OrderView,
};
pub use idempotent::{IdempotentOrders, KeyPolicy, KeyedOrderError};
pub use place_order::{
    PlaceOrder, PlaceOrderError, PlaceOrderPorts, PlaceOrderRequest, PlaceOrderStats, PlacedOrder,
};
pub use settlement::{Settlement, SettlementError, SettlementLine, SettlementView};
