//! The admin use cases against mocks: rights (a superuser holds all, others what they hold,
//! shoppers none), the shop's day in Beijing time, shipping as the only operator's move, and an
//! audit entry for each write.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use meiduo_application::admin::{Admin, AdminError, AdminPorts, NewShopper, permissions};
use meiduo_application::orders::{OrderHistory, OrderHistoryError};
use meiduo_domain::ports::{
    MockAdminQueries, MockAuditLog, MockCatalogChanges, MockCatalogQueries, MockCategoryVisitStore,
    MockClock, MockOrderRepository, MockPasswordHasher, MockRightsAdmin, MockStaffDirectory,
    MockUnitOfWork, MockUserRepository,
};
use meiduo_domain::{
    AddressId, AuditAction, AuditEntry, Order, OrderId, OrderStatus, PayMethod, StaffMember, User,
    UserId,
};
use meiduo_test_support::money;
use time::OffsetDateTime;
use time::macros::datetime;

fn user(id: u64, name: &str) -> User {
    User {
        id: UserId(id),
        username: name.into(),
        mobile: "13800000000".into(),
        email: None,
        email_active: false,
        default_address_id: None,
        token_stamp: "s".into(),
    }
}

fn member(superuser: bool, held: &[&str]) -> StaffMember {
    StaffMember {
        user: user(1, "operator"),
        is_superuser: superuser,
        permissions: held.iter().map(|p| (*p).to_owned()).collect::<BTreeSet<_>>(),
    }
}

/// 2026-12-02 00:30 in Beijing is still 2026-12-01 in UTC.
const NOW: OffsetDateTime = datetime!(2026-12-01 16:30:00 UTC);

struct Mocks {
    staff: MockStaffDirectory,
    queries: MockAdminQueries,
    audit: MockAuditLog,
    users: MockUserRepository,
    hasher: MockPasswordHasher,
    orders: MockOrderRepository,
}

impl Mocks {
    fn new() -> Self {
        Mocks {
            staff: MockStaffDirectory::new(),
            queries: MockAdminQueries::new(),
            audit: MockAuditLog::new(),
            users: MockUserRepository::new(),
            hasher: MockPasswordHasher::new(),
            orders: MockOrderRepository::new(),
        }
    }

    fn build(self) -> Admin {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(NOW);
        let orders = Arc::new(self.orders);
        Admin::new(
            AdminPorts {
                staff: Arc::new(self.staff),
                queries: Arc::new(self.queries),
                audit: Arc::new(self.audit),
                users: Arc::new(self.users),
                hasher: Arc::new(self.hasher),
                clock: Arc::new(clock),
                rights: Arc::new(MockRightsAdmin::new()),
                visits: Arc::new(MockCategoryVisitStore::new()),
            },
            OrderHistory::new(
                Arc::new(MockUnitOfWork::new()),
                orders,
                Arc::new(MockCatalogQueries::new()),
                Arc::new(MockCatalogChanges::new()),
            ),
        )
    }
}

#[tokio::test]
async fn a_superuser_holds_every_permission_others_theirs_and_shoppers_none() {
    let mut m = Mocks::new();
    m.staff.expect_staff().returning(|id| {
        Ok(match id.0 {
            1 => Some(member(true, &[])),
            2 => Some(member(false, &[permissions::VIEW_ORDER])),
            _ => None,
        })
    });
    let admin = m.build();
    assert!(admin.authorize(UserId(1), permissions::CHANGE_ORDER).await.is_ok());
    assert!(admin.authorize(UserId(2), permissions::VIEW_ORDER).await.is_ok());
    assert_eq!(
        admin.authorize(UserId(2), permissions::CHANGE_ORDER).await.unwrap_err(),
        AdminError::Forbidden(permissions::CHANGE_ORDER)
    );
    assert_eq!(
        admin.authorize(UserId(3), permissions::VIEW_ORDER).await.unwrap_err(),
        AdminError::NotStaff
    );
}

#[tokio::test]
async fn the_shops_day_is_beijings() {
    let mut m = Mocks::new();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    m.queries.expect_joined_between().returning(move |from, to| {
        seen.lock().unwrap().push((from, to));
        Ok(1)
    });
    m.queries.expect_active_since().returning(|since| {
        assert_eq!(since, datetime!(2026-12-01 16:00:00 UTC), "Beijing's midnight");
        Ok(4)
    });
    let admin = m.build();
    let today = admin.day_increment().await.unwrap();
    assert_eq!((today.date.to_string(), today.count), ("2026-12-02".to_owned(), 1));
    assert_eq!(
        asked.lock().unwrap()[0],
        (datetime!(2026-12-01 16:00:00 UTC), datetime!(2026-12-02 16:00:00 UTC))
    );
    assert_eq!(admin.day_active().await.unwrap().count, 4);
    let month = admin.month_increment().await.unwrap();
    assert_eq!(month.len(), 30);
    assert_eq!(month[29].date.to_string(), "2026-12-02");
    assert_eq!(month[0].date.to_string(), "2026-11-03");
    let days = asked.lock().unwrap();
    assert!(days[1..].windows(2).all(|w| w[0].1 == w[1].0), "each day starts where the last ended");
}

fn order(status: OrderStatus) -> Order {
    Order {
        order_id: OrderId::new(OffsetDateTime::UNIX_EPOCH, UserId(7), 1),
        user_id: UserId(7),
        address_id: AddressId(1),
        total_count: 1,
        total_amount: money("20.00"),
        freight: money("10.00"),
        pay_method: PayMethod::Cash,
        status,
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
    }
}

#[tokio::test]
async fn operators_ship_and_only_ship_and_each_shipment_is_audited() {
    let mut m = Mocks::new();
    m.orders
        .expect_find_for_user()
        .returning(|_, _| Ok(Some((order(OrderStatus::Unsend), vec![]))));
    m.orders
        .expect_transition()
        .withf(|_, from, to, actor| {
            *from == OrderStatus::Unsend && *to == OrderStatus::Unreceived && actor == "admin:1"
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    let kept: Arc<Mutex<Vec<AuditEntry>>> = Arc::default();
    let log = kept.clone();
    m.audit.expect_record().times(1).returning(move |entry| {
        log.lock().unwrap().push(entry.clone());
        Ok(())
    });
    let admin = m.build();
    let actor = member(true, &[]);
    let id = order(OrderStatus::Unsend).order_id;
    assert_eq!(
        admin.set_status(&actor, &id, OrderStatus::Finished).await.unwrap_err(),
        AdminError::Order(OrderHistoryError::InvalidTransition {
            from: OrderStatus::Unsend,
            to: OrderStatus::Finished
        })
    );
    let shipped = admin.set_status(&actor, &id, OrderStatus::Unreceived).await.unwrap();
    assert_eq!(shipped.status, OrderStatus::Unreceived);
    let entries = kept.lock().unwrap();
    assert_eq!(entries[0].action, AuditAction::Update);
    assert_eq!(
        (entries[0].resource.as_str(), entries[0].actor_name.as_str()),
        ("orderinfo", "operator")
    );
    assert_eq!(entries[0].changes[0].before.as_deref(), Some("2"));
    assert_eq!(entries[0].changes[0].after.as_deref(), Some("3"));
    assert_eq!(entries[0].at, NOW);
}

#[tokio::test]
async fn a_created_user_is_audited_without_its_password_and_bad_fields_create_nobody() {
    let mut m = Mocks::new();
    m.hasher.expect_hash().returning(|p| Ok(format!("hashed:{p}")));
    m.users
        .expect_create()
        .withf(|new| new.password_hash == "hashed:password123" && new.token_stamp.len() == 32)
        .times(1)
        .returning(|new| Ok(user(9, new.username.as_str())));
    m.audit
        .expect_record()
        .withf(|entry| {
            entry.action == AuditAction::Create
                && entry.resource_id == "9"
                && entry.changes.iter().all(|c| {
                    c.field != "password"
                        && c.after.as_deref().is_none_or(|v| !v.contains("password123"))
                })
        })
        .times(1)
        .returning(|_| Ok(()));
    let admin = m.build();
    let actor = member(true, &[]);
    let form = |username: &str, password: &str| NewShopper {
        username: username.into(),
        mobile: "13800000009".into(),
        password: password.into(),
    };
    assert!(matches!(
        admin.create_user(&actor, form("x", "password123")).await.unwrap_err(),
        AdminError::InvalidField { field: "username", .. }
    ));
    assert!(matches!(
        admin.create_user(&actor, form("new_user", "short")).await.unwrap_err(),
        AdminError::InvalidField { field: "password", .. }
    ));
    assert_eq!(
        admin.create_user(&actor, form("new_user", "password123")).await.unwrap().id,
        UserId(9)
    );
}

#[tokio::test]
async fn visits_are_summed_in_memory_written_by_one_flush_and_kept_when_it_fails() {
    use meiduo_application::visits::CategoryVisits;
    use meiduo_domain::CategoryId;
    type Batch = Vec<(CategoryId, time::Date, u64)>;
    let written: Arc<Mutex<Vec<Batch>>> = Arc::default();
    let log = written.clone();
    let mut store = MockCategoryVisitStore::new();
    let mut failures = 1;
    store.expect_add().returning(move |visits| {
        if failures > 0 {
            failures -= 1;
            return Err(meiduo_domain::ports::StoreError::Unavailable("down".into()));
        }
        let mut sorted = visits.to_vec();
        sorted.sort();
        log.lock().unwrap().push(sorted);
        Ok(())
    });
    let mut clock = MockClock::new();
    clock.expect_now().return_const(NOW);
    let visits = CategoryVisits::new(Arc::new(store), Arc::new(clock));
    for category in [115, 115, 115, 116] {
        visits.record(CategoryId(category));
    }
    assert!(visits.flush().await.is_err(), "the store is down: nothing lost");
    visits.record(CategoryId(116));
    assert_eq!(visits.flush().await.unwrap(), 5);
    assert_eq!(visits.flush().await.unwrap(), 0);
    let day = datetime!(2026-12-02 00:00:00 UTC).date();
    assert_eq!(
        *written.lock().unwrap(),
        vec![vec![(CategoryId(115), day, 3), (CategoryId(116), day, 2)]],
        "one write, summed, on Beijing's day"
    );
}
