//! The domain of Meiduo mall: the types of the catalog, cart, orders and payment, and the ports
//! through which the use cases reach storage, the cart store, the payment gateway and the clock.
//!
//! This crate does no I/O: it depends on no database driver, web framework, Redis client or
//! async runtime.

mod account;
mod address;
mod area;
mod cart;
mod catalog;
mod catalog_admin;
mod ids;
mod money;
mod order;
mod payment;
pub mod ports;
mod quantity;
mod staff;

pub use account::{
    AccountFieldError, CaptchaId, Email, Mobile, NewUser, Password, SmsCode, User, Username,
};
pub use address::{Address, AddressInput, AddressView};
pub use area::{Area, AreaWithSubs};
pub use cart::{Cart, CartLine};
pub use catalog::{
    Breadcrumb, Category, CategoryNode, ChannelEntry, ChannelGroupMenu, ChannelLink, OptionView,
    Page, Sku, SkuComment, SkuDetailData, SkuOrdering, SkuSummary, SpecView, Specification, Spu,
    SpuDetail,
};
pub use catalog_admin::{
    BrandRecord, ChannelForm, ChannelRecord, NamedRef, OptionRecord, OptionValue, SkuForm,
    SkuImageRecord, SkuRecord, SkuRemoval, SkuSpecChoice, SpecRecord, SpuForm, SpuRecord,
};
pub use ids::{AddressId, BEIJING, CategoryId, InvalidOrderId, OrderId, SkuId, SpuId, UserId};
pub use money::{MONEY_SCALE, Money, MoneyError};
pub use order::{
    ForbiddenTransition, ORDER_TRANSITIONS, Order, OrderGoods, OrderStatus, PayMethod,
    UnknownOrderStatus, UnknownPayMethod,
};
pub use payment::{PagePayRequest, RefundRequest, TradeCallback, TradeState, TradeStatus};
pub use quantity::{Quantity, QuantityError, QuantityLimit};
pub use staff::{
    AuditAction, AuditEntry, ContentType, FieldChange, Group, PermissionInfo, StaffAccount,
    StaffChange, StaffMember,
};
