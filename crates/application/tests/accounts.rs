//! Accounts, addresses and the cart against mocks.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use meiduo_application::accounts::{AccountError, Accounts, Registration, SmsPolicy};
use meiduo_application::addresses::{AddressError, AddressForm, Addresses};
use meiduo_application::cart::{CartError, Carts};
use meiduo_domain::ports::{
    CartAddition, MockAddressRepository, MockAreaRepository, MockCartStore, MockPasswordHasher,
    MockSkuCatalog, MockSmsSender, MockUserRepository, MockVerificationCodes,
};
use meiduo_domain::{QuantityLimit, SkuId, User, UserId};
use support::*;

fn user(id: u64) -> User {
    User {
        id: UserId(id),
        username: "alice_01".into(),
        mobile: "13800138000".into(),
        email: None,
        email_active: false,
        default_address_id: None,
    }
}

fn registration() -> Registration {
    Registration {
        username: "alice_01".into(),
        password: "password123".into(),
        password2: "password123".into(),
        mobile: "13800138000".into(),
        sms_code: "123456".into(),
        allow: true,
    }
}

struct AccountMocks {
    users: MockUserRepository,
    hasher: MockPasswordHasher,
    codes: MockVerificationCodes,
    sms: MockSmsSender,
}

impl AccountMocks {
    fn new() -> Self {
        AccountMocks {
            users: MockUserRepository::new(),
            hasher: MockPasswordHasher::new(),
            codes: MockVerificationCodes::new(),
            sms: MockSmsSender::new(),
        }
    }
    fn build(self) -> Accounts {
        Accounts::new(
            Arc::new(self.users),
            Arc::new(self.hasher),
            Arc::new(self.codes),
            Arc::new(self.sms),
            SmsPolicy::default(),
        )
    }
}

#[tokio::test]
async fn registration_consumes_the_code_only_after_the_fields_pass_and_stores_a_hash() {
    let mut m = AccountMocks::new();
    m.users.expect_count_username().returning(|_| Ok(0));
    m.users.expect_count_mobile().returning(|_| Ok(0));
    m.codes.expect_consume().times(1).returning(|_, _| Ok(true));
    m.hasher.expect_hash().times(1).returning(|p| Ok(format!("hashed:{p}")));
    m.users
        .expect_create()
        .withf(|new| {
            new.password_hash == "hashed:password123" && new.username.as_str() == "alice_01"
        })
        .times(1)
        .returning(|_| Ok(user(1)));
    assert_eq!(m.build().register(registration()).await.unwrap().id, UserId(1));

    for (change, expected) in [
        (
            Registration { password2: "password124".into(), ..registration() },
            AccountError::PasswordsDiffer,
        ),
        (Registration { allow: false, ..registration() }, AccountError::AgreementRequired),
    ] {
        let mut m = AccountMocks::new();
        m.codes.expect_consume().never();
        m.users.expect_create().never();
        assert_eq!(m.build().register(change).await.unwrap_err(), expected);
    }
}

#[tokio::test]
async fn a_wrong_code_creates_nobody() {
    let mut m = AccountMocks::new();
    m.users.expect_count_username().returning(|_| Ok(0));
    m.users.expect_count_mobile().returning(|_| Ok(0));
    m.codes.expect_consume().returning(|_, _| Ok(false));
    m.users.expect_create().never();
    assert_eq!(m.build().register(registration()).await.unwrap_err(), AccountError::WrongSmsCode);
}

#[tokio::test]
async fn a_second_code_within_the_interval_is_refused_and_not_sent() {
    let mut m = AccountMocks::new();
    m.codes.expect_store_if_quiet().returning(|_, _, _, interval| {
        assert_eq!(interval.as_secs(), 60);
        Ok(false)
    });
    m.sms.expect_send_code().never();
    assert_eq!(m.build().send_sms_code("13800138000").await.unwrap_err(), AccountError::TooSoon);
}

#[tokio::test]
async fn login_says_the_same_for_an_unknown_user_and_a_wrong_password() {
    let mut m = AccountMocks::new();
    m.users
        .expect_find_credentials()
        .withf(|login| login == "alice_01")
        .returning(|_| Ok(Some((user(1), "h".into()))));
    m.users.expect_find_credentials().returning(|_| Ok(None));
    m.hasher.expect_verify().returning(|password, _| password == "password123");
    let accounts = m.build();
    assert_eq!(accounts.login("alice_01", "password123").await.unwrap().id, UserId(1));
    assert_eq!(
        accounts.login("alice_01", "wrong-password").await.unwrap_err(),
        AccountError::BadCredentials
    );
    assert_eq!(
        accounts.login("nobody", "password123").await.unwrap_err(),
        AccountError::BadCredentials
    );
}

fn form() -> AddressForm {
    AddressForm {
        title: None,
        receiver: "张三".into(),
        province_id: 110000,
        city_id: 110100,
        district_id: 110101,
        place: "长安街 1 号".into(),
        mobile: "13800138000".into(),
        tel: None,
        email: None,
    }
}

fn areas() -> MockAreaRepository {
    let mut areas = MockAreaRepository::new();
    areas.expect_lineage().returning(|_| {
        Ok(vec![
            (110000, None, "北京市".into()),
            (110100, Some(110000), "北京市".into()),
            (110101, Some(110100), "东城区".into()),
            (120100, Some(120000), "天津市".into()),
        ])
    });
    areas
}

#[tokio::test]
async fn an_address_must_lie_in_its_city_and_province_and_respects_the_limit() {
    let mut repo = MockAddressRepository::new();
    repo.expect_create()
        .withf(|_, input, limit| input.title == "张三" && *limit == 20)
        .returning(|_, _, _| Ok(None));
    let addresses =
        Addresses::new(Arc::new(repo), Arc::new(areas()), Arc::new(MockUserRepository::new()));
    assert_eq!(
        addresses.create(UserId(1), &form()).await.unwrap_err(),
        AddressError::LimitReached(20)
    );
    let wrong_city = AddressForm { city_id: 120100, ..form() };
    assert!(matches!(
        addresses.create(UserId(1), &wrong_city).await.unwrap_err(),
        AddressError::InvalidField { field: "city_id", .. }
    ));
    let no_receiver = AddressForm { receiver: "  ".into(), ..form() };
    assert!(matches!(
        addresses.create(UserId(1), &no_receiver).await.unwrap_err(),
        AddressError::InvalidField { field: "receiver", .. }
    ));
}

#[tokio::test]
async fn adding_to_a_cart_line_bounds_it_by_stock_and_limit_in_one_step() {
    let mut store = MockCartStore::new();
    // The store holds 4 units of SKU 1 (stock 5): it adds within the bound it is given.
    let have = std::sync::Mutex::new(4u32);
    store
        .expect_add()
        .withf(|user, line, at_most| *user == USER && line.sku_id == SkuId(1) && *at_most == 5)
        .times(2)
        .returning(move |_, line, at_most| {
            let mut have = have.lock().unwrap();
            if *have + line.count.get() > at_most {
                return Ok(CartAddition::Refused { have: *have });
            }
            *have += line.count.get();
            Ok(CartAddition::Added(*have))
        });
    let mut catalog = MockSkuCatalog::new();
    catalog.expect_find_skus().returning(|_| Ok(vec![SkuBuilder::new(1).stock(5).build()]));
    let carts = Carts::new(Arc::new(store), Arc::new(catalog), QuantityLimit::DEFAULT);
    assert_eq!(carts.add(USER, SkuId(1), 1, true).await.unwrap().count.get(), 1);
    assert_eq!(
        carts.add(USER, SkuId(1), 2, true).await.unwrap_err(),
        CartError::NotEnoughStock { sku: SkuId(1), stock: 5 }
    );
    assert!(matches!(
        carts.add(USER, SkuId(1), 0, true).await.unwrap_err(),
        CartError::BadCount(_)
    ));
}

#[tokio::test]
async fn an_addition_past_the_count_limit_is_a_bad_count_even_with_stock_enough() {
    let limit = QuantityLimit::new(10).unwrap();
    let mut store = MockCartStore::new();
    store
        .expect_add()
        .withf(|_, _, at_most| *at_most == 10)
        .returning(|_, _, _| Ok(CartAddition::Refused { have: 9 }));
    let mut catalog = MockSkuCatalog::new();
    catalog.expect_find_skus().returning(|_| Ok(vec![SkuBuilder::new(1).stock(500).build()]));
    let carts = Carts::new(Arc::new(store), Arc::new(catalog), limit);
    assert!(matches!(
        carts.add(USER, SkuId(1), 2, true).await.unwrap_err(),
        CartError::BadCount(_)
    ));
}

#[tokio::test]
async fn the_cart_checks_each_addition_and_refuses_a_sku_off_sale() {
    let mut store = MockCartStore::new();
    store.expect_add().times(2).returning(|_, line, _| Ok(CartAddition::Added(line.count.get())));
    let mut catalog = MockSkuCatalog::new();
    // Every addition reads its SKU (a cache in front of the catalog is the wiring's choice).
    catalog
        .expect_find_skus()
        .withf(|ids| ids == [SkuId(1)])
        .times(2)
        .returning(|_| Ok(vec![SkuBuilder::new(1).stock(5).build()]));
    catalog
        .expect_find_skus()
        .withf(|ids| ids == [SkuId(2)])
        .times(2)
        .returning(|_| Ok(vec![SkuBuilder::new(2).launched(false).build()]));
    let carts = Carts::new(Arc::new(store), Arc::new(catalog), QuantityLimit::DEFAULT);
    carts.add(USER, SkuId(1), 1, true).await.unwrap();
    carts.add(USER, SkuId(1), 1, true).await.unwrap();
    for _ in 0..2 {
        assert_eq!(
            carts.add(USER, SkuId(2), 1, true).await.unwrap_err(),
            CartError::SkuUnavailable(SkuId(2))
        );
    }
}
