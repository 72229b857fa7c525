//! The tables as sea-orm entities: one module per table, named after it without the `tb_`
//! prefix. Rows are read into these models (or into `FromQueryResult` structs where a query
//! returns a shape of its own), never by column-name strings. Money columns are
//! [`DbMoney`](crate::codec::DbMoney): `DECIMAL` on MySQL, integer fen on SQLite.

// sea-orm's derives make `pub` items (Entity, Column, ActiveModel...); the modules are the
// crate's own.
#![allow(unreachable_pub)]

/// The parts of an entity this crate does not use: relations (joins are written with sea-query
/// where a query needs one) and ActiveModel hooks.
macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}
use no_relations;

pub(crate) mod account;
pub(crate) mod catalog;
pub(crate) mod shopping;

pub(crate) use account::{
    address, admin_audit, area, content_type, group, group_permission, oauth_qq, outbox,
    permission, rate_limit, user, user_group, user_permission, verification_code,
};
pub(crate) use catalog::{
    brand, flash_sale, goods, goods_category, goods_channel, goods_channel_group,
    goods_specification, goods_visit, sku, sku_image, sku_specification, specification_option,
};
pub(crate) use shopping::{
    browse_history, cart, idempotency_key, order_goods, order_info, order_status_log, payment,
    payment_refund,
};
