//! Carts, browse history, orders, their lines, payments and refund records.

pub(crate) mod cart {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_cart")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub sku_id: i64,
        pub count: i32,
        pub selected: bool,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

/// One row per user and SKU; the id orders visits (newest = highest).
pub(crate) mod browse_history {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_browse_history")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub sku_id: i64,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod order_info {
    use sea_orm::entity::prelude::*;

    use crate::codec::DbMoney;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_order_info")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        pub user_id: i64,
        pub address_id: i64,
        pub total_count: i32,
        pub total_amount: DbMoney,
        pub freight: DbMoney,
        pub pay_method: i16,
        pub status: i16,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();

    impl Model {
        /// The domain's order.
        pub(crate) fn into_order(
            self,
        ) -> Result<meiduo_domain::Order, meiduo_domain::ports::StoreError> {
            use crate::codec::{count_of, id_of, instant, order_id_of, status_of};
            use meiduo_domain::{AddressId, Order, PayMethod, UserId, ports::StoreError};
            let order_id = order_id_of(&self.order_id)?;
            Ok(Order {
                user_id: UserId(id_of(self.user_id)?),
                address_id: AddressId(id_of(self.address_id)?),
                total_count: count_of(i64::from(self.total_count))?,
                total_amount: self.total_amount.money()?,
                freight: self.freight.money()?,
                pay_method: PayMethod::from_code(i64::from(self.pay_method))
                    .map_err(|e| StoreError::unexpected(format!("order {order_id}: {e}")))?,
                status: status_of(self.status)?,
                created_at: instant(self.create_time),
                updated_at: instant(self.update_time),
                order_id,
            })
        }
    }
}

pub(crate) mod order_goods {
    use sea_orm::entity::prelude::*;

    use crate::codec::DbMoney;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_order_goods")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub order_id: String,
        pub sku_id: i64,
        pub count: i32,
        /// The unit price when the order was placed.
        pub price: DbMoney,
        pub comment: String,
        pub score: i16,
        pub is_anonymous: bool,
        pub is_commented: bool,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();

    /// The columns of an order line as the buyer sees it.
    #[derive(Debug, DerivePartialModel)]
    #[sea_orm(entity = "Entity")]
    pub(crate) struct Line {
        pub order_id: String,
        pub sku_id: i64,
        pub count: i32,
        pub price: DbMoney,
    }

    impl Line {
        pub(crate) fn into_domain(
            self,
        ) -> Result<meiduo_domain::OrderGoods, meiduo_domain::ports::StoreError> {
            use crate::codec::{id_of, quantity_of};
            Ok(meiduo_domain::OrderGoods {
                sku_id: meiduo_domain::SkuId(id_of(self.sku_id)?),
                count: quantity_of(self.count)?,
                price: self.price.money()?,
            })
        }
    }
}

pub(crate) mod payment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_payment")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub order_id: String,
        pub trade_id: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod payment_refund {
    use sea_orm::entity::prelude::*;

    use crate::codec::DbMoney;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_payment_refund")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub order_id: String,
        pub trade_id: String,
        pub amount: DbMoney,
        pub reason: String,
        pub refunded: bool,
        pub attempts: i32,
        pub next_attempt_at: Option<TimeDateTime>,
        pub last_error: Option<String>,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod idempotency_key {
    use sea_orm::entity::prelude::*;

    /// A client's idempotency key of `POST /orders/`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_idempotency_key")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub idem_key: String,
        pub fingerprint: String,
        pub order_id: Option<String>,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod order_status_log {
    use sea_orm::entity::prelude::*;

    /// One change of an order's status.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_order_status_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub order_id: String,
        pub from_status: Option<i16>,
        pub to_status: i16,
        pub actor: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}
