//! Migrations, seed, money, transactions and error translation on real databases.

#![allow(clippy::unwrap_used)]

use meiduo_domain::ports::{
    AddressRepository, CreateUserError, InsertOrderError, OrderRepository, SkuCatalog, StockGuard,
    StoreError, UnitOfWork, UserRepository,
};
use meiduo_domain::{
    AddressId, Mobile, Money, NewUser, Order, OrderGoods, OrderId, OrderStatus, PayMethod, SkuId,
    Username,
};
use meiduo_store_sql::{SeedReport, SqlConfig, SqlStore};
use meiduo_test_support::*;
use time::OffsetDateTime;

fn money(s: &str) -> Money {
    s.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_revert_and_apply_again() {
    for db in engines().await {
        assert_eq!(db.count("tb_sku").await, 0, "{}", db.engine);
        db.store.revert(None).await.unwrap();
        let gone = db.try_exec("SELECT COUNT(*) FROM tb_sku").await;
        assert!(gone.is_err(), "{}: tb_sku still exists after reverting", db.engine);
        db.store.migrate().await.unwrap();
        db.store.migrate().await.unwrap();
        assert_eq!(db.count("tb_order_info").await, 0, "{}", db.engine);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_data_loads_once() {
    for db in engines().await {
        let first = db.store.load_demo_data().await.unwrap();
        assert_eq!(first, SeedReport { catalog_loaded: true, areas_loaded: true }, "{}", db.engine);
        let again = db.store.load_demo_data().await.unwrap();
        assert_eq!(again, SeedReport { catalog_loaded: false, areas_loaded: false });
        assert_eq!(db.count("tb_sku").await, 16, "{}", db.engine);
        assert_eq!(db.count("tb_areas").await, 3226, "{}", db.engine);
        assert!(db.count("tb_goods_channel").await >= 30);
        assert!(db.count("tb_sku_specification").await >= 16);
        let skus = db.store.skus().find_skus(&[SkuId(1), SkuId(3)]).await.unwrap();
        assert_eq!(skus[0].price, money("11388.00"), "{}", db.engine);
        assert_eq!(skus[1].price, money("6499.00"));
        assert!(skus[0].default_image.as_deref().unwrap().starts_with("group1/"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_may_go_only_to_its_buyers_own_address_not_deleted() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let (owner, stranger) = (db.user("owner").await, db.user("stranger").await);
        let address = db.address(owner).await;
        let addresses = db.store.addresses();
        assert!(addresses.is_usable(owner, address).await.unwrap(), "{}", db.engine);
        assert!(!addresses.is_usable(stranger, address).await.unwrap(), "{}", db.engine);
        assert!(!addresses.is_usable(owner, AddressId(address.0 + 1)).await.unwrap());
        assert!(addresses.delete(owner, address).await.unwrap());
        assert!(!addresses.is_usable(owner, address).await.unwrap(), "{}: deleted", db.engine);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_can_never_go_negative() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let refused = db.try_exec("UPDATE tb_sku SET stock = -1 WHERE id = 1").await;
        assert!(refused.is_err(), "{}: the CHECK did not refuse a negative stock", db.engine);
        assert_eq!(db.sku_counts(1).await.0, 5);
    }
}

/// Writes an order with these line prices and counts, and reads it back.
async fn round_trip(db: &TestDb, lines: &[(&str, i64, u64)]) -> (Order, Vec<OrderGoods>) {
    let (user, address) = db.shopper(&format!("buyer{}", fastrand::u32(..)), &[]).await;
    let lines: Vec<OrderGoods> = lines
        .iter()
        .map(|(price, count, sku)| OrderGoods {
            sku_id: SkuId(*sku),
            count: qty(*count),
            price: money(price),
        })
        .collect();
    let now = OffsetDateTime::now_utc();
    let total: Money = lines.iter().map(OrderGoods::amount).sum();
    let order = Order {
        order_id: OrderId::new(now, user, fastrand::u32(..1_000_000)),
        user_id: user,
        address_id: address,
        total_count: lines.iter().map(|l| l.count.get()).sum(),
        total_amount: total + money("10.00"),
        freight: money("10.00"),
        pay_method: PayMethod::Alipay,
        status: OrderStatus::Unpaid,
        created_at: now,
        updated_at: now,
    };
    let tx = db.store.unit_of_work().begin().await.unwrap();
    tx.orders().insert_order(&order).await.unwrap();
    tx.orders().insert_lines(&order, &lines).await.unwrap();
    tx.commit().await.unwrap();
    let found = db.store.orders().find_for_user(user, &order.order_id).await.unwrap().unwrap();
    assert_eq!(found.0.order_id, order.order_id);
    assert_eq!(found.0.status, OrderStatus::Unpaid);
    assert_eq!(found.0.pay_method, PayMethod::Alipay);
    assert!(
        (found.0.created_at - order.created_at).abs() < time::Duration::milliseconds(1),
        "times keep sub-second precision"
    );
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_round_trips_exactly() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let (order, lines) = round_trip(&db, &[("0.10", 1, 1), ("0.20", 1, 2)]).await;
        assert_eq!(order.total_amount, money("10.30"), "{}", db.engine);
        assert_eq!(lines[0].price + lines[1].price, money("0.30"));

        let (order, _) = round_trip(&db, &[("3788.00", 3, 3)]).await;
        assert_eq!(order.total_amount, money("11374.00"), "{}", db.engine);

        let many: Vec<(&str, i64, u64)> = (1..=16).map(|sku| ("0.01", 7, sku)).collect();
        let (order, lines) = round_trip(&db, &many).await;
        assert_eq!(order.total_amount, money("11.12"), "{}: 16 × 7 × 0.01 + 10.00", db.engine);
        assert!(lines.iter().all(|l| l.price == money("0.01")));

        let (order, lines) = round_trip(&db, &[("99999989.99", 1, 4)]).await;
        assert_eq!(lines[0].price, money("99999989.99"), "{}", db.engine);
        assert_eq!(order.total_amount, Money::MAX, "{}: the largest storable amount", db.engine);
        assert_eq!(order.freight, money("10.00"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_order_is_not_found() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let (order, _) = round_trip(&db, &[("1.00", 1, 1)]).await;
        let stranger = db.user("stranger").await;
        assert_eq!(db.store.orders().find_for_user(stranger, &order.order_id).await.unwrap(), None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_order_id_is_a_named_error() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let (order, _) = round_trip(&db, &[("1.00", 1, 1)]).await;
        let tx = db.store.unit_of_work().begin().await.unwrap();
        let again = tx.orders().insert_order(&order).await;
        assert!(matches!(again, Err(InsertOrderError::IdTaken)), "{}: {again:?}", db.engine);
        tx.rollback().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_back_to_the_savepoint_keeps_what_came_before_it() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let mut tx = db.store.unit_of_work().begin().await.unwrap();
        assert!(tx.stock().take_stock(SkuId(1), qty(1), StockGuard::Covers).await.unwrap());
        tx.savepoint().await.unwrap();
        assert!(tx.stock().take_stock(SkuId(3), qty(2), StockGuard::Covers).await.unwrap());
        tx.rollback_to_savepoint().await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            db.sku_counts(1).await,
            (4, 6),
            "{}: the write before the savepoint stays",
            db.engine
        );
        assert_eq!(db.sku_counts(3).await, (10, 0), "{}: the write after it is undone", db.engine);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compare_and_swap_misses_without_changing_anything() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let tx = db.store.unit_of_work().begin().await.unwrap();
        // Stock of SKU 1 is 5.
        assert!(!tx.stock().take_stock(SkuId(1), qty(1), StockGuard::Equals(4)).await.unwrap());
        assert!(!tx.stock().take_stock(SkuId(1), qty(6), StockGuard::Covers).await.unwrap());
        assert!(!tx.stock().take_stock(SkuId(999), qty(1), StockGuard::Covers).await.unwrap());
        assert!(tx.stock().take_stock(SkuId(1), qty(5), StockGuard::Equals(5)).await.unwrap());
        let read = tx.stock().read_skus(&[SkuId(1)]).await.unwrap();
        assert_eq!((read[0].stock, read[0].sales), (0, 10), "{}", db.engine);
        tx.commit().await.unwrap();
        assert_eq!(db.sku_counts(1).await, (0, 10));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_unavailable() {
    let mut config = SqlConfig::new("mysql://root@127.0.0.1:1/nothing");
    config.acquire_timeout = std::time::Duration::from_secs(2);
    let result = SqlStore::connect(&config).await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_username_or_mobile_is_named_by_the_store() {
    for db in engines().await {
        let users = db.store.users();
        let new = |name: &str, mobile: &str| NewUser {
            username: Username::parse(name).unwrap(),
            mobile: Mobile::parse(mobile).unwrap(),
            password_hash: "x".into(),
            token_stamp: format!("stamp-of-{name}"),
        };
        users.create(&new("alice", "13800000001")).await.unwrap();
        let same_name = users.create(&new("alice", "13800000002")).await;
        assert!(
            matches!(same_name, Err(CreateUserError::UsernameTaken)),
            "{}: {same_name:?}",
            db.engine
        );
        let same_mobile = users.create(&new("bobby", "13800000001")).await;
        assert!(
            matches!(same_mobile, Err(CreateUserError::MobileTaken)),
            "{}: {same_mobile:?}",
            db.engine
        );
        assert_eq!(users.count_username("alice").await.unwrap(), 1);
        assert_eq!(users.count_username("bobby").await.unwrap(), 0, "{}", db.engine);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_token_stamp_is_kept_and_replaced_with_the_password() {
    for db in engines().await {
        let users = db.store.users();
        let new = NewUser {
            username: Username::parse("carol").unwrap(),
            mobile: Mobile::parse("13800000009").unwrap(),
            password_hash: "x".into(),
            token_stamp: "first-stamp".into(),
        };
        let carol = users.create(&new).await.unwrap();
        assert_eq!(carol.token_stamp, "first-stamp");
        assert_eq!(users.token_stamp(carol.id).await.unwrap().as_deref(), Some("first-stamp"));
        assert!(users.set_password(carol.id, "y", "second-stamp").await.unwrap());
        assert_eq!(users.token_stamp(carol.id).await.unwrap().as_deref(), Some("second-stamp"));
        assert_eq!(users.password_hash(carol.id).await.unwrap().as_deref(), Some("y"));
        let found = users.find(carol.id).await.unwrap().unwrap();
        assert_eq!(found.token_stamp, "second-stamp", "{}", db.engine);
        let nobody = meiduo_domain::UserId(carol.id.0 + 1000);
        assert_eq!(users.token_stamp(nobody).await.unwrap(), None, "{}", db.engine);
        assert!(!users.set_password(nobody, "y", "z").await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stamps_of_many_users_are_read_together_and_only_active_users_have_one() {
    for db in engines().await {
        let users = db.store.users();
        let mut made = Vec::new();
        for (name, mobile) in [("erin01", "13800000011"), ("frank", "13800000012")] {
            let new = NewUser {
                username: Username::parse(name).unwrap(),
                mobile: Mobile::parse(mobile).unwrap(),
                password_hash: "x".into(),
                token_stamp: format!("stamp-of-{name}"),
            };
            made.push(users.create(&new).await.unwrap().id);
        }
        let nobody = meiduo_domain::UserId(made[1].0 + 1000);
        let asked = [made[0], nobody, made[1]];
        let mut found = users.token_stamps(&asked).await.unwrap();
        found.sort();
        let both =
            vec![(made[0], "stamp-of-erin01".to_owned()), (made[1], "stamp-of-frank".into())];
        assert_eq!(found, both, "{}", db.engine);

        db.exec(&format!("UPDATE tb_users SET is_active = 0 WHERE id = {}", made[1].0), vec![])
            .await;
        let found = users.token_stamps(&asked).await.unwrap();
        assert_eq!(found, vec![(made[0], "stamp-of-erin01".to_owned())], "{}", db.engine);
        assert_eq!(users.token_stamps(&[]).await.unwrap(), vec![], "{}", db.engine);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stores_totals_and_statement_count_read_back() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let totals = db.store.stock_totals().await.unwrap();
        let (stock, sales) = (
            db.scalar("SELECT CAST(SUM(stock) AS SIGNED) FROM tb_sku", vec![]).await,
            db.scalar("SELECT CAST(SUM(sales) AS SIGNED) FROM tb_sku", vec![]).await,
        );
        assert_eq!((totals.stock_and_sales, totals.sold), (stock + sales, sales), "{}", db.engine);
        assert_eq!((totals.orders, totals.negative_stock, totals.orders_without_lines), (0, 0, 0));
        let counted = db.store.statements_executed().await.unwrap();
        match db.engine {
            "mariadb" => {
                let before = counted.expect("MariaDB counts its statements");
                db.store.stock_totals().await.unwrap();
                let after = db.store.statements_executed().await.unwrap().unwrap();
                assert!(after > before, "{before} → {after}");
            }
            _ => assert_eq!(counted, None, "SQLite keeps no count"),
        }
    }
}

/// The compare-and-swap retry re-reads a SKU in the same transaction: at READ COMMITTED that
/// read sees what other transactions committed meanwhile (at REPEATABLE READ it would not, and
/// the retry would never succeed). Every pooled connection is set to it when made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_sees_what_others_committed_since_its_first_read() {
    let Some(db) = mysql().await else { return };
    let db = db.with_catalog().await;
    // More transactions than one connection, so that several pooled connections are checked.
    let mut open = Vec::new();
    for _ in 0..4 {
        let tx = db.store.unit_of_work().begin().await.unwrap();
        let first = tx.stock().read_skus(&[SkuId(1)]).await.unwrap();
        open.push((tx, first[0].stock));
    }
    let other = db.store.unit_of_work().begin().await.unwrap();
    assert!(other.stock().take_stock(SkuId(1), qty(2), StockGuard::Covers).await.unwrap());
    other.commit().await.unwrap();
    for (tx, first) in open {
        let again = tx.stock().read_skus(&[SkuId(1)]).await.unwrap();
        assert_eq!((first, again[0].stock), (5, 3), "the second read sees the commit");
        tx.rollback().await.unwrap();
    }
}
