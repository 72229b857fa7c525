//! The domain of Meiduo mall: the types of the catalog, cart, orders and payment, and the ports
//! through which the use cases reach storage, the cart store, the payment gateway and the clock.
//!
//! This crate does no I/O: it depends on no database driver, web framework, Redis client or
//! async runtime.

mod address;
mod cart;
mod catalog;
mod ids;
mod money;
mod order;
mod payment;
pub mod ports;
mod quantity;

pub use address::Address;
pub use cart::{Cart, CartLine};
pub use catalog::{Sku, Spu};
pub use ids::{AddressId, BEIJING, CategoryId, InvalidOrderId, OrderId, SkuId, SpuId, UserId};
pub use money::{MONEY_SCALE, Money, MoneyError};
pub use order::{
    ForbiddenTransition, ORDER_TRANSITIONS, Order, OrderGoods, OrderStatus, PayMethod,
    UnknownOrderStatus, UnknownPayMethod,
};
pub use payment::{PagePayRequest, RefundRequest, TradeCallback, TradeState, TradeStatus};
pub use quantity::{Quantity, QuantityError, QuantityLimit};
