//! Accounts, addresses and the cart against mocks.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use meiduo_application::accounts::{
    AccountError, AccountPorts, Accounts, CaptchaAnswer, NewPassword, QqBinding, QqOutcome,
    Registration, SmsPolicy,
};
use meiduo_application::addresses::{AddressError, AddressForm, Addresses};
use meiduo_application::cart::{CartError, Carts};
use meiduo_domain::ports::{
    CartAddition, CodeCheck, CodeKey, DrawnCaptcha, Message, MockAddressRepository,
    MockAreaRepository, MockCaptchaPainter, MockCartStore, MockOutbox, MockPasswordHasher,
    MockQqBindings, MockQqOAuth, MockRateLimits, MockSignedTokens, MockSkuCatalog,
    MockUserRepository, MockVerificationCodes, OAuthError, TokenClaims, TokenPurpose,
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
        token_stamp: "0123456789abcdef0123456789abcdef".into(),
    }
}

/// A stamp as the use cases draw them: 128 bits as 32 hex digits.
fn is_fresh_stamp(stamp: &str) -> bool {
    stamp.len() == 32
        && stamp.bytes().all(|b| b.is_ascii_hexdigit())
        && stamp != "0123456789abcdef0123456789abcdef"
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

/// Counters that never reach a limit.
fn open_limits() -> MockRateLimits {
    let mut limits = MockRateLimits::new();
    limits.expect_peek().returning(|_| Ok(None));
    limits.expect_hit().returning(|_, window| Ok((1, window)));
    limits.expect_clear().returning(|_| Ok(()));
    limits
}

struct AccountMocks {
    users: MockUserRepository,
    hasher: MockPasswordHasher,
    codes: MockVerificationCodes,
    outbox: MockOutbox,
    captchas: MockCaptchaPainter,
    tokens: MockSignedTokens,
    qq: MockQqOAuth,
    qq_bindings: MockQqBindings,
    limits: MockRateLimits,
    policy: SmsPolicy,
}

impl AccountMocks {
    fn new() -> Self {
        AccountMocks {
            users: MockUserRepository::new(),
            hasher: MockPasswordHasher::new(),
            codes: MockVerificationCodes::new(),
            outbox: MockOutbox::new(),
            captchas: MockCaptchaPainter::new(),
            tokens: MockSignedTokens::new(),
            qq: MockQqOAuth::new(),
            qq_bindings: MockQqBindings::new(),
            limits: open_limits(),
            policy: SmsPolicy::default(),
        }
    }
    fn build(self) -> Accounts {
        Accounts::new(
            AccountPorts {
                users: Arc::new(self.users),
                hasher: Arc::new(self.hasher),
                codes: Arc::new(self.codes),
                outbox: Arc::new(self.outbox),
                captchas: Arc::new(self.captchas),
                tokens: Arc::new(self.tokens),
                qq: Arc::new(self.qq),
                qq_bindings: Arc::new(self.qq_bindings),
                limits: Arc::new(self.limits),
            },
            self.policy,
            "http://www.meiduo.site:8080/success_verify_email.html".into(),
        )
    }
}

const CAPTCHA_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

fn answer(text: &str) -> CaptchaAnswer {
    CaptchaAnswer { image_code_id: CAPTCHA_ID.into(), text: text.into() }
}

fn new_password() -> NewPassword {
    NewPassword { password: "new-password1".into(), password2: "new-password1".into() }
}

#[tokio::test]
async fn registration_consumes_the_code_only_after_the_fields_pass_and_stores_a_hash() {
    let mut m = AccountMocks::new();
    m.users.expect_count_username().returning(|_| Ok(0));
    m.users.expect_count_mobile().returning(|_| Ok(0));
    m.codes
        .expect_check()
        .withf(|key, code, max_wrong| {
            matches!(key, CodeKey::Sms(m) if m.as_str() == "13800138000")
                && code == "123456"
                && *max_wrong == 5
        })
        .times(1)
        .returning(|_, _, _| Ok(CodeCheck::Matched));
    m.hasher.expect_hash().times(1).returning(|p| Ok(format!("hashed:{p}")));
    m.users
        .expect_create()
        .withf(|new| {
            new.password_hash == "hashed:password123"
                && new.username.as_str() == "alice_01"
                && is_fresh_stamp(&new.token_stamp)
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
        m.codes.expect_check().never();
        m.users.expect_create().never();
        assert_eq!(m.build().register(change).await.unwrap_err(), expected);
    }
}

#[tokio::test]
async fn a_wrong_code_creates_nobody() {
    let mut m = AccountMocks::new();
    m.users.expect_count_username().returning(|_| Ok(0));
    m.users.expect_count_mobile().returning(|_| Ok(0));
    m.codes.expect_check().returning(|_, _, _| Ok(CodeCheck::Wrong));
    m.users.expect_create().never();
    assert_eq!(m.build().register(registration()).await.unwrap_err(), AccountError::WrongSmsCode);
}

#[tokio::test]
async fn a_second_code_within_the_interval_is_refused_and_not_sent() {
    let mut m = AccountMocks::new();
    m.policy.captcha_required = false;
    m.codes.expect_store_if_quiet().returning(|_, _, _, interval| {
        assert_eq!(interval.as_secs(), 60);
        Ok(false)
    });
    m.outbox.expect_enqueue().never();
    assert_eq!(
        m.build().send_sms_code("13800138000", None, "10.0.0.1").await.unwrap_err(),
        AccountError::TooSoon
    );
}

#[tokio::test]
async fn an_sms_code_needs_the_captcha_which_is_used_up_by_any_answer() {
    let mut m = AccountMocks::new();
    m.codes.expect_store_if_quiet().never();
    m.outbox.expect_enqueue().never();
    let accounts = m.build();
    assert_eq!(
        accounts.send_sms_code("13800138000", None, "10.0.0.1").await.unwrap_err(),
        AccountError::CaptchaRequired
    );

    let mut m = AccountMocks::new();
    m.codes.expect_take().times(1).returning(|_| Ok(Some("AbC4".into())));
    m.codes.expect_store_if_quiet().never();
    assert_eq!(
        m.build()
            .send_sms_code("13800138000", Some(&answer("abd4")), "10.0.0.1")
            .await
            .unwrap_err(),
        AccountError::WrongCaptcha
    );

    let mut m = AccountMocks::new();
    m.codes.expect_take().returning(|_| Ok(None));
    assert_eq!(
        m.build()
            .send_sms_code("13800138000", Some(&answer("abc4")), "10.0.0.1")
            .await
            .unwrap_err(),
        AccountError::CaptchaExpired
    );

    let mut m = AccountMocks::new();
    m.codes
        .expect_take()
        .withf(|key| matches!(key, CodeKey::Captcha(id) if id.as_str() == CAPTCHA_ID))
        .returning(|_| Ok(Some("AbC4".into())));
    m.codes
        .expect_store_if_quiet()
        .withf(|key, code, _, _| {
            matches!(key, CodeKey::Sms(_))
                && code.len() == 6
                && code.bytes().all(|b| b.is_ascii_digit())
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.outbox
        .expect_enqueue()
        .withf(|message| {
            matches!(message, Message::SmsCode { mobile, valid_minutes: 5, .. }
                if mobile.as_str() == "13800138000")
        })
        .times(1)
        .returning(|_| Ok(()));
    m.build().send_sms_code("13800138000", Some(&answer(" abc4 ")), "10.0.0.1").await.unwrap();
}

#[tokio::test]
async fn a_captcha_is_drawn_under_its_uuid_for_five_minutes() {
    let mut m = AccountMocks::new();
    m.captchas
        .expect_draw()
        .returning(|| Ok(DrawnCaptcha { text: "x7Kp".into(), png: vec![0x89, b'P'] }));
    m.codes
        .expect_store_if_quiet()
        .withf(|key, text, ttl, _| {
            matches!(key, CodeKey::Captcha(id) if id.as_str() == CAPTCHA_ID)
                && text == "x7Kp"
                && ttl.as_secs() == 300
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    let accounts = m.build();
    assert_eq!(accounts.image_code(CAPTCHA_ID).await.unwrap(), vec![0x89, b'P']);
    assert!(matches!(
        accounts.image_code("not-a-uuid").await.unwrap_err(),
        AccountError::InvalidField { field: "image_code_id", .. }
    ));
}

fn claims_of(subject: &str) -> TokenClaims {
    TokenClaims {
        subject: subject.into(),
        id: "token-1".into(),
        remaining: std::time::Duration::from_secs(200),
    }
}

#[tokio::test]
async fn a_reset_token_sets_only_its_users_password_and_only_once() {
    // Another user's token: refused before it is used up.
    let mut m = AccountMocks::new();
    m.tokens.expect_verify().returning(|_, _| Some(claims_of("7")));
    m.codes.expect_store_if_quiet().never();
    m.users.expect_set_password().never();
    assert_eq!(
        m.build().reset_password(UserId(8), "t", new_password()).await.unwrap_err(),
        AccountError::InvalidToken
    );

    // A used token.
    let mut m = AccountMocks::new();
    m.tokens
        .expect_verify()
        .withf(|purpose, _| *purpose == TokenPurpose::ResetPassword)
        .returning(|_, _| Some(claims_of("7")));
    m.codes
        .expect_store_if_quiet()
        .withf(|key, _, ttl, interval| {
            *key == CodeKey::UsedToken("token-1".into()) && ttl == interval && ttl.as_secs() == 200
        })
        .returning(|_, _, _, _| Ok(false));
    m.users.expect_set_password().never();
    assert_eq!(
        m.build().reset_password(UserId(7), "t", new_password()).await.unwrap_err(),
        AccountError::InvalidToken
    );

    // The first use of the user's own token.
    let mut m = AccountMocks::new();
    m.tokens.expect_verify().returning(|_, _| Some(claims_of("7")));
    m.codes.expect_store_if_quiet().times(1).returning(|_, _, _, _| Ok(true));
    m.hasher.expect_hash().returning(|p| Ok(format!("hashed:{p}")));
    m.users
        .expect_set_password()
        .withf(|id, hash, stamp| {
            *id == UserId(7) && hash == "hashed:new-password1" && is_fresh_stamp(stamp)
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.build().reset_password(UserId(7), "t", new_password()).await.unwrap();
}

#[tokio::test]
async fn a_password_change_needs_the_old_password() {
    let mut m = AccountMocks::new();
    m.users.expect_password_hash().returning(|_| Ok(Some("h".into())));
    m.hasher.expect_verify().returning(|password, _| password == "old-password1");
    m.users.expect_set_password().never();
    assert_eq!(
        m.build().change_password(UserId(7), "guess-guess", new_password()).await.unwrap_err(),
        AccountError::WrongPassword
    );
    let mut m = AccountMocks::new();
    m.users.expect_set_password().never();
    let differ = NewPassword { password2: "other-password".into(), ..new_password() };
    assert_eq!(
        m.build().change_password(UserId(7), "old-password1", differ).await.unwrap_err(),
        AccountError::PasswordsDiffer
    );
}

#[tokio::test]
async fn a_password_change_draws_a_new_stamp_and_returns_the_user_with_it() {
    let mut m = AccountMocks::new();
    m.users.expect_password_hash().returning(|_| Ok(Some("h".into())));
    m.hasher.expect_verify().returning(|password, _| password == "old-password1");
    m.hasher.expect_hash().returning(|p| Ok(format!("hashed:{p}")));
    let drawn = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let kept = drawn.clone();
    m.users
        .expect_set_password()
        .withf(|id, hash, stamp| {
            *id == UserId(7) && hash == "hashed:new-password1" && is_fresh_stamp(stamp)
        })
        .times(1)
        .returning(move |_, _, stamp| {
            *kept.lock().unwrap() = stamp.to_owned();
            Ok(true)
        });
    let stored = drawn.clone();
    m.users.expect_find().returning(move |id| {
        Ok(Some(User { token_stamp: stored.lock().unwrap().clone(), ..user(id.0) }))
    });
    let changed =
        m.build().change_password(UserId(7), "old-password1", new_password()).await.unwrap();
    assert_eq!(changed.id, UserId(7));
    assert_eq!(changed.token_stamp, *drawn.lock().unwrap());
    assert!(is_fresh_stamp(&changed.token_stamp));
}

#[tokio::test]
async fn login_says_the_same_for_an_unknown_user_and_a_wrong_password() {
    let mut m = AccountMocks::new();
    m.users
        .expect_find_credentials()
        .withf(|login| login == "alice_01")
        .returning(|_| Ok(Some((user(1), "h".into()))));
    m.users.expect_find_credentials().returning(|_| Ok(None));
    m.hasher.expect_verify().returning(|password, hash| password == "password123" && hash == "h");
    m.hasher.expect_hash().times(1).returning(|_| Ok("decoy".into()));
    let accounts = m.build();
    assert_eq!(accounts.login("alice_01", "password123", "10.0.0.1").await.unwrap().id, UserId(1));
    assert_eq!(
        accounts.login("alice_01", "wrong-password", "10.0.0.1").await.unwrap_err(),
        AccountError::BadCredentials
    );
    assert_eq!(
        accounts.login("nobody", "password123", "10.0.0.1").await.unwrap_err(),
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

#[tokio::test]
async fn an_email_is_saved_with_its_verification_mail_in_one_step() {
    let mut m = AccountMocks::new();
    m.tokens
        .expect_sign()
        .withf(|purpose, subject, ttl| {
            *purpose == TokenPurpose::VerifyEmail
                && subject == "7:li@example.com"
                && ttl.as_secs() == 24 * 3600
        })
        .returning(|_, _, _| Ok("signed".into()));
    m.users
        .expect_change_email()
        .withf(|id, email, then| {
            *id == UserId(7)
                && email == "li@example.com"
                && *then
                    == Message::VerifyEmail {
                        to: "li@example.com".into(),
                        link: "http://www.meiduo.site:8080/success_verify_email.html?token=signed"
                            .into(),
                    }
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
    let saved = m.build().set_email(UserId(7), "Li@Example.com").await.unwrap();
    assert_eq!(saved.as_str(), "li@example.com");

    let mut m = AccountMocks::new();
    m.users.expect_change_email().never();
    assert!(matches!(
        m.build().set_email(UserId(7), "not an email").await.unwrap_err(),
        AccountError::InvalidField { field: "email", .. }
    ));
}

#[tokio::test]
async fn a_verification_link_works_only_for_the_email_it_names() {
    let mut m = AccountMocks::new();
    m.tokens.expect_verify().returning(|_, _| Some(claims_of("7:old@example.com")));
    m.users
        .expect_verify_email()
        .withf(|id, email| *id == UserId(7) && email == "old@example.com")
        .returning(|_, _| Ok(false));
    assert_eq!(m.build().verify_email("t").await.unwrap_err(), AccountError::InvalidToken);
    let mut m = AccountMocks::new();
    m.tokens.expect_verify().returning(|_, _| None);
    m.users.expect_verify_email().never();
    assert_eq!(m.build().verify_email("forged").await.unwrap_err(), AccountError::InvalidToken);
}

#[tokio::test]
async fn a_qq_code_logs_in_a_bound_account_or_asks_for_a_binding() {
    let mut m = AccountMocks::new();
    m.qq.expect_openid().withf(|code| code == "c1").returning(|_| Ok("OPENID1".into()));
    m.qq_bindings.expect_user_of().withf(|o| o == "OPENID1").returning(|_| Ok(Some(UserId(7))));
    m.users.expect_find().returning(|id| Ok(Some(user(id.0))));
    assert_eq!(m.build().qq_user("c1").await.unwrap(), QqOutcome::LoggedIn(user(7)));

    let mut m = AccountMocks::new();
    m.qq.expect_openid().returning(|_| Ok("OPENID2".into()));
    m.qq_bindings.expect_user_of().returning(|_| Ok(None));
    m.tokens
        .expect_sign()
        .withf(|purpose, subject, ttl| {
            *purpose == TokenPurpose::BindQq && subject == "OPENID2" && ttl.as_secs() == 600
        })
        .returning(|_, _, _| Ok("bind-token".into()));
    assert_eq!(
        m.build().qq_user("c2").await.unwrap(),
        QqOutcome::Unbound { access_token: "bind-token".into() }
    );

    let mut m = AccountMocks::new();
    m.qq.expect_openid().returning(|_| Err(OAuthError::Refused("code is reused".into())));
    m.qq_bindings.expect_user_of().never();
    assert_eq!(m.build().qq_user("c3").await.unwrap_err(), AccountError::QqRefused);
    let mut m = AccountMocks::new();
    m.qq.expect_openid().returning(|_| Err(OAuthError::Unavailable("down".into())));
    assert!(matches!(m.build().qq_user("c4").await.unwrap_err(), AccountError::Failure(_)));
}

fn binding(password: &str) -> QqBinding {
    QqBinding {
        mobile: "13800138000".into(),
        password: password.into(),
        sms_code: "123456".into(),
        access_token: "bind-token".into(),
    }
}

#[tokio::test]
async fn binding_checks_an_existing_accounts_password_or_creates_one_named_after_the_mobile() {
    // An existing account, wrong password: nothing is bound, the token is not used up.
    let mut m = AccountMocks::new();
    m.tokens.expect_verify().returning(|_, _| Some(claims_of("OPENID")));
    m.codes.expect_check().returning(|_, _, _| Ok(CodeCheck::Matched));
    m.users.expect_find_credentials().returning(|_| Ok(Some((user(7), "h".into()))));
    m.hasher.expect_verify().returning(|password, _| password == "password123");
    m.codes.expect_store_if_quiet().never();
    m.qq_bindings.expect_bind().never();
    assert_eq!(
        m.build().bind_qq(binding("password999")).await.unwrap_err(),
        AccountError::BadCredentials
    );

    // No account with this mobile: one is made, its username the mobile, and bound.
    let mut m = AccountMocks::new();
    m.tokens.expect_verify().returning(|_, _| Some(claims_of("OPENID")));
    m.codes.expect_check().returning(|_, _, _| Ok(CodeCheck::Matched));
    m.users.expect_find_credentials().returning(|_| Ok(None));
    m.hasher.expect_hash().returning(|p| Ok(format!("hashed:{p}")));
    m.users
        .expect_create()
        .withf(|new| {
            new.username.as_str() == "13800138000" && new.password_hash == "hashed:password123"
        })
        .times(1)
        .returning(|_| Ok(user(9)));
    m.codes.expect_store_if_quiet().times(1).returning(|_, _, _, _| Ok(true));
    m.qq_bindings
        .expect_bind()
        .withf(|openid, id| openid == "OPENID" && *id == UserId(9))
        .times(1)
        .returning(|_, _| Ok(()));
    assert_eq!(m.build().bind_qq(binding("password123")).await.unwrap().id, UserId(9));

    // A forged token checks nothing else.
    let mut m = AccountMocks::new();
    m.tokens.expect_verify().returning(|_, _| None);
    m.codes.expect_check().never();
    assert_eq!(
        m.build().bind_qq(binding("password123")).await.unwrap_err(),
        AccountError::InvalidToken
    );
}

#[tokio::test]
async fn failed_logins_are_counted_per_account_and_address_and_stop_at_the_limit() {
    let mut m = AccountMocks::new();
    let mut limits = MockRateLimits::new();
    limits.expect_peek().returning(|key| {
        Ok((key == "login_user:alice_01").then_some((5, std::time::Duration::from_secs(300))))
    });
    limits.expect_hit().never();
    m.limits = limits;
    m.users.expect_find_credentials().never();
    m.hasher.expect_verify().never();
    assert_eq!(
        m.build().login("Alice_01", "password123", "10.0.0.1").await.unwrap_err(),
        AccountError::TooManyAttempts { retry_after: std::time::Duration::from_secs(300) }
    );

    let mut m = AccountMocks::new();
    let mut limits = MockRateLimits::new();
    limits.expect_peek().returning(|_| Ok(Some((4, std::time::Duration::from_secs(60)))));
    limits
        .expect_hit()
        .withf(|key, window| {
            (key == "login_user:alice_01" || key == "login_ip:10.0.0.1") && window.as_secs() == 900
        })
        .times(2)
        .returning(|_, window| Ok((5, window)));
    m.limits = limits;
    m.users.expect_find_credentials().returning(|_| Ok(Some((user(1), "h".into()))));
    m.hasher.expect_verify().returning(|_, _| false);
    assert_eq!(
        m.build().login("alice_01", "wrong-password", "10.0.0.1").await.unwrap_err(),
        AccountError::BadCredentials
    );
}

#[tokio::test]
async fn unknown_accounts_check_a_password_too() {
    let mut m = AccountMocks::new();
    m.users.expect_find_credentials().returning(|_| Ok(None));
    m.hasher.expect_hash().times(1).returning(|_| Ok("decoy".into()));
    m.hasher.expect_verify().withf(|_, hash| hash == "decoy").times(2).returning(|_, _| false);
    let accounts = m.build();
    for _ in 0..2 {
        assert_eq!(
            accounts.login("nobody_01", "password123", "10.0.0.1").await.unwrap_err(),
            AccountError::BadCredentials
        );
    }
}

#[tokio::test]
async fn a_code_whose_message_cannot_be_queued_is_taken_back() {
    let mut m = AccountMocks::new();
    m.policy.captcha_required = false;
    m.codes.expect_store_if_quiet().returning(|_, _, _, _| Ok(true));
    m.outbox
        .expect_enqueue()
        .returning(|_| Err(meiduo_domain::ports::StoreError::Unavailable("db down".into())));
    m.codes
        .expect_withdraw()
        .withf(|key| matches!(key, CodeKey::Sms(m) if m.as_str() == "13800138000"))
        .times(1)
        .returning(|_| Ok(()));
    assert!(matches!(
        m.build().send_sms_code("13800138000", None, "10.0.0.1").await.unwrap_err(),
        AccountError::Failure(_)
    ));
}
