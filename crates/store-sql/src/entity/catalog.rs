//! Categories, channels, SPUs (`tb_goods`), their specifications, SKUs and their images.

pub(crate) mod goods_category {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_goods_category")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub parent_id: Option<i64>,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod goods_channel {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_goods_channel")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub group_id: i64,
        pub category_id: i64,
        pub url: String,
        pub sequence: i32,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

/// SPUs.
pub(crate) mod goods {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_goods")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub brand_id: i64,
        pub category1_id: i64,
        pub category2_id: i64,
        pub category3_id: i64,
        pub sales: i64,
        pub comments: i64,
        pub desc_detail: String,
        pub desc_pack: String,
        pub desc_service: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod goods_specification {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_goods_specification")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub goods_id: i64,
        pub name: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod specification_option {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_specification_option")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub spec_id: i64,
        pub value: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod sku {
    use sea_orm::entity::prelude::*;

    use crate::codec::DbMoney;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_sku")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub caption: String,
        pub goods_id: i64,
        pub category_id: i64,
        pub price: DbMoney,
        pub cost_price: DbMoney,
        pub market_price: DbMoney,
        pub stock: i32,
        pub sales: i32,
        pub comments: i32,
        pub is_launched: bool,
        pub default_image_url: Option<String>,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();

    impl Model {
        /// The domain's SKU.
        pub(crate) fn into_sku(
            self,
        ) -> Result<meiduo_domain::Sku, meiduo_domain::ports::StoreError> {
            Sale {
                id: self.id,
                name: self.name,
                caption: self.caption,
                goods_id: self.goods_id,
                category_id: self.category_id,
                price: self.price,
                stock: self.stock,
                sales: self.sales,
                is_launched: self.is_launched,
                default_image_url: self.default_image_url,
            }
            .into_sku()
        }
    }

    /// The columns of a SKU that selling it needs (the order transaction reads only these).
    #[derive(Debug, DerivePartialModel)]
    #[sea_orm(entity = "Entity")]
    pub(crate) struct Sale {
        pub id: i64,
        pub name: String,
        pub caption: String,
        pub goods_id: i64,
        pub category_id: i64,
        pub price: DbMoney,
        pub stock: i32,
        pub sales: i32,
        pub is_launched: bool,
        pub default_image_url: Option<String>,
    }

    impl Sale {
        /// The domain's SKU.
        pub(crate) fn into_sku(
            self,
        ) -> Result<meiduo_domain::Sku, meiduo_domain::ports::StoreError> {
            use crate::codec::{count_of, id_of};
            use meiduo_domain::{CategoryId, Sku, SkuId, SpuId};
            Ok(Sku {
                id: SkuId(id_of(self.id)?),
                spu_id: SpuId(id_of(self.goods_id)?),
                category_id: CategoryId(id_of(self.category_id)?),
                name: self.name,
                caption: self.caption,
                price: self.price.money()?,
                stock: count_of(i64::from(self.stock))?,
                sales: count_of(i64::from(self.sales))?,
                is_launched: self.is_launched,
                default_image: self.default_image_url,
            })
        }
    }

    /// The columns of a SKU's summary (lists, search, history, order lines).
    #[derive(Debug, DerivePartialModel)]
    #[sea_orm(entity = "Entity")]
    pub(crate) struct Summary {
        pub id: i64,
        pub name: String,
        pub price: DbMoney,
        pub default_image_url: Option<String>,
        pub comments: i32,
    }

    impl Summary {
        pub(crate) fn into_domain(
            self,
        ) -> Result<meiduo_domain::SkuSummary, meiduo_domain::ports::StoreError> {
            use crate::codec::{count_of, id_of};
            Ok(meiduo_domain::SkuSummary {
                id: meiduo_domain::SkuId(id_of(self.id)?),
                name: self.name,
                price: self.price.money()?,
                default_image: self.default_image_url,
                comments: count_of(i64::from(self.comments))?,
            })
        }
    }
}

pub(crate) mod sku_image {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_sku_image")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub sku_id: i64,
        pub image: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

/// Which option of each specification a SKU is.
pub(crate) mod sku_specification {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_sku_specification")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub sku_id: i64,
        pub spec_id: i64,
        pub option_id: i64,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod goods_visit {
    use sea_orm::entity::prelude::*;

    /// Visits of a category's list on a day (Beijing time).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_goods_visit")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub category_id: i64,
        pub date: TimeDate,
        pub count: i64,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod flash_sale {
    use sea_orm::entity::prelude::*;

    /// A SKU on flash sale.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_flash_sale")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub sku_id: i64,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod brand {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_brand")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub logo: String,
        pub first_letter: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod goods_channel_group {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_goods_channel_group")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}
