//! Builders of domain values for tests: `SkuBuilder::new(1).price("3788.00").stock(5).build()`.

use meiduo_domain::{
    Address, AddressId, CartLine, CategoryId, Money, Quantity, QuantityLimit, Sku, SkuDetailData,
    SkuId, SkuSummary, SpuDetail, SpuId, UserId,
};
use time::OffsetDateTime;
use time::macros::datetime;

pub const NOW: OffsetDateTime = datetime!(2026-11-22 10:30:00 UTC);
pub const USER: UserId = UserId(42);
pub const ADDRESS: AddressId = AddressId(7);

pub fn money(s: &str) -> Money {
    s.parse().unwrap()
}

pub fn qty(n: i64) -> Quantity {
    Quantity::new(n, QuantityLimit::DEFAULT).unwrap()
}

/// Builds SKUs for tests: `SkuBuilder::new(1).price("3788.00").stock(5).build()`.
pub struct SkuBuilder(Sku);

impl SkuBuilder {
    pub fn new(id: u64) -> Self {
        SkuBuilder(Sku {
            id: SkuId(id),
            spu_id: SpuId(100 + id),
            category_id: CategoryId(115),
            name: format!("SKU {id}"),
            caption: String::new(),
            price: money("10.00"),
            stock: 10,
            sales: 0,
            is_launched: true,
            default_image: Some(format!("group1/M00/00/{id}.jpg")),
        })
    }
    pub fn spu(mut self, spu: u64) -> Self {
        self.0.spu_id = SpuId(spu);
        self
    }
    pub fn price(mut self, price: &str) -> Self {
        self.0.price = money(price);
        self
    }
    pub fn stock(mut self, stock: u32) -> Self {
        self.0.stock = stock;
        self
    }
    pub fn launched(mut self, launched: bool) -> Self {
        self.0.is_launched = launched;
        self
    }
    pub fn build(self) -> Sku {
        self.0
    }
}

pub fn line(sku: u64, count: i64, selected: bool) -> CartLine {
    CartLine { sku_id: SkuId(sku), count: qty(count), selected }
}

pub fn address(user: UserId, deleted: bool) -> Address {
    Address {
        id: ADDRESS,
        user_id: user,
        title: "home".into(),
        receiver: "张三".into(),
        province_id: 110000,
        city_id: 110100,
        district_id: 110101,
        place: "长安街 1 号".into(),
        mobile: "13800138000".into(),
        tel: None,
        email: None,
        is_deleted: deleted,
    }
}

/// A SKU's summary, as lists show it.
pub fn summary(id: u64) -> SkuSummary {
    SkuSummary {
        id: SkuId(id),
        name: format!("SKU {id}"),
        price: money("9.90"),
        default_image: None,
        comments: 0,
    }
}

/// A SKU's detail page, with one image and no specifications.
pub fn detail(id: u64) -> SkuDetailData {
    SkuDetailData {
        sku: SkuBuilder::new(id).build(),
        market_price: money("12.00"),
        comments: 3,
        spu: SpuDetail {
            id: SpuId(1),
            name: "SPU".into(),
            desc_detail: String::new(),
            desc_pack: String::new(),
            desc_service: String::new(),
        },
        images: vec!["a.jpg".into()],
        specs: Vec::new(),
        variants: vec![(SkuId(id), Vec::new())],
    }
}

/// A superuser named `operator` with this id, as the admin use cases take their actor.
pub fn operator(id: u64) -> meiduo_domain::StaffMember {
    meiduo_domain::StaffMember {
        user: meiduo_domain::User {
            id: UserId(id),
            username: "operator".into(),
            mobile: "13800000000".into(),
            email: None,
            email_active: false,
            default_address_id: None,
            token_stamp: "s".into(),
        },
        is_superuser: true,
        permissions: std::collections::BTreeSet::new(),
    }
}
