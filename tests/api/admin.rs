//! The operators' API under `/meiduo_admin/`: staff logins, rights, statistics, users, orders,
//! shipping and the audit log, over HTTP on SQLite and MariaDB.

use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A staff account made as `meiduo admin create` makes it (a superuser without permissions),
/// logged in through the admin API.
pub(crate) async fn staff<'a>(
    app: &'a TestApp,
    username: &str,
    mobile: &str,
    permissions: &[&str],
) -> Session<'a> {
    let permissions: Vec<String> = permissions.iter().map(|p| (*p).to_owned()).collect();
    meiduo_server::create_staff(&app.db.store, username, mobile, "admin-password", &permissions)
        .await
        .expect("a staff account");
    let mut session = app.session();
    let answer = session
        .post(
            "/meiduo_admin/authorizations/",
            json!({"username": username, "password": "admin-password"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.body["username"], username);
    assert!(answer.body["id"].as_u64().is_some());
    session.token = answer.body["token"].as_str().map(str::to_owned);
    session
}

/// A cash-on-delivery order of one unit of SKU 1 by `shopper` (it waits to be shipped).
async fn cash_order(shopper: &Session<'_>) -> String {
    let address = shopper.add_address().await;
    let added = shopper.post("/carts/", json!({"sku_id": 1, "count": 1})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    let placed = shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{placed:?}");
    placed.body["order_id"].as_str().unwrap().to_owned()
}

const READS: [&str; 10] = [
    "/meiduo_admin/statistical/total_count/",
    "/meiduo_admin/statistical/goods_day_views/",
    "/meiduo_admin/statistical/day_increment/",
    "/meiduo_admin/statistical/day_active/",
    "/meiduo_admin/statistical/day_orders/",
    "/meiduo_admin/statistical/month_increment/",
    "/meiduo_admin/users/",
    "/meiduo_admin/orders/",
    "/meiduo_admin/orders/20261202000000000000001/",
    "/meiduo_admin/audit/",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shoppers_and_strangers_are_refused_everywhere_under_meiduo_admin() {
    for app in apps().await {
        let engine = app.engine();
        let shopper = app.shopper("plain_shopper", "13600000001").await;
        let stranger = app.session();
        for path in READS {
            assert_eq!(
                stranger.get(path).await.status,
                StatusCode::UNAUTHORIZED,
                "{engine} {path}"
            );
            let refused = shopper.get(path).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{engine} {path}");
            assert_eq!(refused.code(), "not_staff", "{engine} {path}");
        }
        let write = shopper
            .put("/meiduo_admin/orders/20261202000000000000001/status/", json!({"status": 3}))
            .await;
        assert_eq!(write.status, StatusCode::FORBIDDEN, "{engine}");
        let created = shopper
            .post(
                "/meiduo_admin/users/",
                json!({"username": "sneaky", "mobile": "13600000009", "password": "password123"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::FORBIDDEN, "{engine}");
        assert_eq!(
            app.db.scalar("SELECT COUNT(*) FROM tb_users WHERE username = 'sneaky'", vec![]).await,
            0
        );
        // A path served with other methods is 405, also where a pattern with an id would match.
        let literal = shopper.put("/meiduo_admin/permission/groups/simple/", json!({})).await;
        assert_eq!(literal.status, StatusCode::METHOD_NOT_ALLOWED, "{engine}: {literal:?}");
        assert_eq!(literal.code(), "method_not_allowed");
        // A shopper's account cannot log in to the admin API at all.
        let login = app
            .session()
            .post(
                "/meiduo_admin/authorizations/",
                json!({"username": "plain_shopper", "password": "password123"}),
            )
            .await;
        assert_eq!(login.status, StatusCode::FORBIDDEN, "{engine}: {login:?}");
        assert_eq!(login.code(), "not_staff");
        let wrong = app
            .session()
            .post(
                "/meiduo_admin/authorizations/",
                json!({"username": "plain_shopper", "password": "wrong-password"}),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{engine}");
        assert_eq!(wrong.code(), "bad_credentials");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limited_admin_may_do_what_it_holds_and_nothing_else() {
    for app in apps().await {
        let engine = app.engine();
        let clerk = staff(&app, "order_clerk", "13600000002", &["view_orderinfo"]).await;
        let shopper = app.shopper("clerk_customer", "13600000003").await;
        let order_id = cash_order(&shopper).await;

        let listed = clerk.get("/meiduo_admin/orders/").await;
        assert_eq!(listed.status, StatusCode::OK, "{engine}: {listed:?}");
        assert_eq!(listed.body["count"], 1);
        assert_eq!(
            clerk.get(&format!("/meiduo_admin/orders/{order_id}/")).await.status,
            StatusCode::OK
        );
        for path in READS.iter().filter(|p| !p.contains("/orders/")) {
            let refused = clerk.get(path).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{engine} {path}");
            assert_eq!(refused.code(), "permission_denied", "{engine} {path}");
        }
        let ship = clerk
            .put(&format!("/meiduo_admin/orders/{order_id}/status/"), json!({"status": 3}))
            .await;
        assert_eq!(ship.status, StatusCode::FORBIDDEN, "{engine}: viewing is not changing");
        assert_eq!(
            shopper.get("/orders/").await.body["results"][0]["status"],
            2,
            "{engine}: not shipped"
        );
        assert_eq!(
            app.db.count("tb_admin_audit").await,
            0,
            "{engine}: nothing written, nothing audited"
        );
        // An unknown permission makes no account.
        let made = meiduo_server::create_staff(
            &app.db.store,
            "bad_grant",
            "13600000004",
            "admin-password",
            &["fly_to_the_moon".to_owned()],
        )
        .await;
        assert!(made.is_err());
        assert_eq!(
            app.db
                .scalar("SELECT COUNT(*) FROM tb_users WHERE username = 'bad_grant'", vec![])
                .await,
            0
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_ships_an_order_the_shopper_receives_it_and_the_audit_log_says_who() {
    for app in apps().await {
        let engine = app.engine();
        let admin = staff(&app, "shop_admin", "13600000005", &[]).await;
        let shopper = app.shopper("ship_customer", "13600000006").await;
        let order_id = cash_order(&shopper).await;

        let found = admin.get(&format!("/meiduo_admin/orders/?keyword={}", &order_id[8..20])).await;
        assert_eq!(found.status, StatusCode::OK, "{engine}: {found:?}");
        assert_eq!(found.body["count"], 1, "{engine}");
        assert_eq!(found.body["lists"][0]["order_id"], order_id.as_str());
        assert_eq!(found.body["lists"][0]["status"], 2);
        assert_eq!((found.body["page"].clone(), found.body["pages"].clone()), (json!(1), json!(1)));
        let none = admin.get("/meiduo_admin/orders/?keyword=99999999999999").await;
        assert_eq!(none.body["count"], 0, "{engine}");

        let detail = admin.get(&format!("/meiduo_admin/orders/{order_id}/")).await;
        assert_eq!(detail.status, StatusCode::OK, "{engine}");
        assert_eq!(detail.body["skus"][0]["sku"]["id"], 1);
        assert_eq!(detail.body["skus"][0]["count"], 1);
        assert_eq!(detail.body["user"], shopper.get("/user/").await.body["id"]);

        // Only shipping is an operator's move.
        let paid = admin
            .put(&format!("/meiduo_admin/orders/{order_id}/status/"), json!({"status": 5}))
            .await;
        assert_eq!(paid.status, StatusCode::BAD_REQUEST, "{engine}: {paid:?}");
        assert_eq!(paid.code(), "invalid_transition");
        let shipped = admin
            .put(&format!("/meiduo_admin/orders/{order_id}/status/"), json!({"status": 3}))
            .await;
        assert_eq!(shipped.status, StatusCode::OK, "{engine}: {shipped:?}");
        assert_eq!(shipped.body, json!({"order_id": order_id, "status": 3}));
        let twice = admin
            .put(&format!("/meiduo_admin/orders/{order_id}/status/"), json!({"status": 3}))
            .await;
        assert_eq!(twice.code(), "invalid_transition", "{engine}");

        let received = shopper.put(&format!("/orders/{order_id}/receipt/"), json!({})).await;
        assert_eq!(received.status, StatusCode::OK, "{engine}: {received:?}");
        let history = shopper.get(&format!("/orders/{order_id}/")).await.body;
        let actors: Vec<&str> = history["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["actor"].as_str().unwrap())
            .collect();
        let admin_id = admin.get("/meiduo_admin/audit/").await.body["lists"][0]["actor_id"].clone();
        assert!(actors.contains(&format!("admin:{admin_id}").as_str()), "{engine}: {actors:?}");

        let audit = admin.get("/meiduo_admin/audit/").await;
        assert_eq!(audit.body["count"], 1, "{engine}: {audit:?}");
        let entry = &audit.body["lists"][0];
        assert_eq!(entry["actor"], "shop_admin");
        assert_eq!(entry["action"], "update");
        assert_eq!(
            (entry["resource"].as_str(), entry["resource_id"].as_str()),
            (Some("orderinfo"), Some(order_id.as_str()))
        );
        assert_eq!(entry["changes"], json!([{"field": "status", "before": "2", "after": "3"}]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_creates_a_user_who_logs_in_and_lists_users_by_page() {
    for app in apps().await {
        let engine = app.engine();
        let admin =
            staff(&app, "user_admin", "13600000007", &["view_user", "add_user", "view_auditentry"])
                .await;
        let created = admin
            .post("/meiduo_admin/users/", json!({"username": "made_by_ops", "mobile": "13600000008", "password": "password123", "email": "ops@meiduo.site"}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{engine}: {created:?}");
        assert_eq!(created.body["username"], "made_by_ops");
        assert_eq!(created.body["email"], "ops@meiduo.site");
        let again = admin
            .post("/meiduo_admin/users/", json!({"username": "made_by_ops", "mobile": "13600000010", "password": "password123"}))
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{engine}");
        assert_eq!(again.code(), "username_taken");
        let bad = admin
            .post(
                "/meiduo_admin/users/",
                json!({"username": "x", "mobile": "123", "password": "short"}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{engine}");
        let mut user = app.session();
        assert_eq!(
            user.login("made_by_ops", "password123").await.status,
            StatusCode::OK,
            "{engine}"
        );

        let page = admin.get("/meiduo_admin/users/?keyword=made_by&pagesize=1").await;
        assert_eq!(page.status, StatusCode::OK, "{engine}: {page:?}");
        assert_eq!(
            (page.body["count"].clone(), page.body["pagesize"].clone()),
            (json!(1), json!(1))
        );
        assert_eq!(page.body["lists"][0]["mobile"], "13600000008");
        let all = admin.get("/meiduo_admin/users/?pagesize=1").await;
        assert_eq!(all.body["count"], 2, "{engine}: the admin and the new user");
        assert_eq!(all.body["pages"], 2);
        assert_eq!(
            admin.get("/meiduo_admin/users/?page=2&pagesize=1").await.body["lists"][0]["username"],
            "made_by_ops"
        );
        let past = admin.get("/meiduo_admin/users/?page=3&pagesize=1").await;
        assert_eq!((past.status, past.code()), (StatusCode::NOT_FOUND, "invalid_page"), "{engine}");

        let audit = admin.get("/meiduo_admin/audit/").await.body;
        let entry: &Value = &audit["lists"][0];
        assert_eq!(
            (entry["action"].as_str(), entry["resource"].as_str()),
            (Some("create"), Some("user")),
            "{engine}"
        );
        let fields: Vec<&str> = entry["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["username", "mobile"], "{engine}: never the password");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statistics_count_todays_shoppers_logins_and_orders() {
    for app in apps().await {
        let engine = app.engine();
        let admin = staff(&app, "stats_admin", "13600000011", &["view_statistics"]).await;
        let first = app.shopper("stats_first", "13600000012").await;
        let _second = app.shopper("stats_second", "13600000013").await;
        cash_order(&first).await;
        let today =
            time::OffsetDateTime::now_utc().to_offset(meiduo_domain::BEIJING).date().to_string();
        for (path, count) in
            [("total_count", 2), ("day_increment", 2), ("day_active", 2), ("day_orders", 1)]
        {
            let answer = admin.get(&format!("/meiduo_admin/statistical/{path}/")).await;
            assert_eq!(answer.status, StatusCode::OK, "{engine} {path}: {answer:?}");
            assert_eq!(answer.body, json!({"date": today, "count": count}), "{engine} {path}");
        }
        let month = admin.get("/meiduo_admin/statistical/month_increment/").await.body;
        let days = month.as_array().unwrap();
        assert_eq!(days.len(), 30, "{engine}");
        assert_eq!(days[29], json!({"date": today, "count": 2}), "{engine}");
        assert!(days[..29].iter().all(|d| d["count"] == 0), "{engine}: {days:?}");
    }
}

/// The id of the permission `codename`, as the group form lists them.
async fn permission_id(admin: &Session<'_>, codename: &str) -> u64 {
    let all = admin.get("/meiduo_admin/permission/simple/").await;
    assert_eq!(all.status, StatusCode::OK, "{all:?}");
    all.body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["codename"] == codename)
        .unwrap_or_else(|| panic!("no permission {codename}"))["id"]
        .as_u64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_superuser_grants_rights_through_groups_and_takes_them_back() {
    for app in apps().await {
        let engine = app.engine();
        let root = staff(&app, "root_admin", "13600000020", &[]).await;
        let view = permission_id(&root, "view_orderinfo").await;
        let change = permission_id(&root, "change_orderinfo").await;
        let types = root.get("/meiduo_admin/permission/content_types/").await.body;
        assert!(types.as_array().unwrap().iter().any(|t| t["name"] == "orderinfo"), "{engine}");

        let group = root
            .post(
                "/meiduo_admin/permission/groups/",
                json!({"name": "发货员", "permissions": [view, change]}),
            )
            .await;
        assert_eq!(group.status, StatusCode::CREATED, "{engine}: {group:?}");
        let group_id = group.body["id"].as_u64().unwrap();
        let taken = root.post("/meiduo_admin/permission/groups/", json!({"name": "发货员"})).await;
        assert_eq!(taken.status, StatusCode::BAD_REQUEST, "{engine}: a taken name");
        let unknown = root
            .post(
                "/meiduo_admin/permission/groups/",
                json!({"name": "ghosts", "permissions": [99999]}),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{engine}: an unknown permission");
        assert_eq!(root.get("/meiduo_admin/permission/groups/").await.body["count"], 1, "{engine}");

        let made = root
            .post(
                "/meiduo_admin/permission/admins/",
                json!({"username": "shipper_01", "mobile": "13600000021", "password": "shipper-pw1",
                       "groups": [group_id]}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{engine}: {made:?}");
        assert_eq!(made.body["groups"], json!([group_id]));
        assert_eq!(made.body["is_superuser"], false);
        let shipper_id = made.body["id"].as_u64().unwrap();
        let mut shipper = app.session();
        let login = shipper
            .post(
                "/meiduo_admin/authorizations/",
                json!({"username": "shipper_01", "password": "shipper-pw1"}),
            )
            .await;
        assert_eq!(login.status, StatusCode::OK, "{engine}: {login:?}");
        shipper.token = login.body["token"].as_str().map(str::to_owned);

        let shopper = app.shopper("rights_customer", "13600000022").await;
        let order_id = cash_order(&shopper).await;
        assert_eq!(shipper.get("/meiduo_admin/orders/").await.status, StatusCode::OK, "{engine}");
        assert_eq!(shipper.get("/meiduo_admin/users/").await.code(), "permission_denied");
        // Granting rights is a superuser's alone, even for who holds a group's rights.
        let widen = shipper
            .put(
                &format!("/meiduo_admin/permission/groups/{group_id}/"),
                json!({"name": "发货员", "permissions": [view, change, 1]}),
            )
            .await;
        assert_eq!(
            (widen.status, widen.code()),
            (StatusCode::FORBIDDEN, "permission_denied"),
            "{engine}"
        );
        assert_eq!(
            shipper.get("/meiduo_admin/permission/admins/").await.status,
            StatusCode::FORBIDDEN
        );

        // Taking `change_orderinfo` back applies to the next request.
        let narrowed = root
            .put(
                &format!("/meiduo_admin/permission/groups/{group_id}/"),
                json!({"name": "查单员", "permissions": [view]}),
            )
            .await;
        assert_eq!(narrowed.status, StatusCode::OK, "{engine}: {narrowed:?}");
        let ship = shipper
            .put(&format!("/meiduo_admin/orders/{order_id}/status/"), json!({"status": 3}))
            .await;
        assert_eq!(ship.code(), "permission_denied", "{engine}");

        // Deactivated: its token stops working, it cannot log in, and a superuser cannot
        // deactivate itself.
        let own = root
            .delete(&format!("/meiduo_admin/permission/admins/{}/", login_id(&root).await), None)
            .await;
        assert_eq!(own.status, StatusCode::BAD_REQUEST, "{engine}: {own:?}");
        let gone =
            root.delete(&format!("/meiduo_admin/permission/admins/{shipper_id}/"), None).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{engine}: {gone:?}");
        assert_eq!(
            shipper.get("/meiduo_admin/orders/").await.status,
            StatusCode::UNAUTHORIZED,
            "{engine}"
        );
        let again = app
            .session()
            .post(
                "/meiduo_admin/authorizations/",
                json!({"username": "shipper_01", "password": "shipper-pw1"}),
            )
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{engine}");
        assert_eq!(
            root.get(&format!("/meiduo_admin/permission/admins/{shipper_id}/")).await.status,
            StatusCode::NOT_FOUND
        );

        let deleted =
            root.delete(&format!("/meiduo_admin/permission/groups/{group_id}/"), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{engine}");
        assert_eq!(
            root.get(&format!("/meiduo_admin/permission/groups/{group_id}/")).await.status,
            StatusCode::NOT_FOUND
        );

        let audit = root.get("/meiduo_admin/audit/?pagesize=10").await.body;
        let kinds: Vec<(String, String)> = audit["lists"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_owned(),
                    e["resource"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let expected: Vec<(String, String)> = [
            ("delete", "group"),
            ("delete", "admin"),
            ("update", "group"),
            ("create", "admin"),
            ("create", "group"),
        ]
        .iter()
        .map(|(a, r)| ((*a).to_owned(), (*r).to_owned()))
        .collect();
        assert_eq!(kinds, expected, "{engine}: newest first");
        let renamed = &audit["lists"][2]["changes"];
        assert!(
            renamed
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["field"] == "name" && c["before"] == "发货员" && c["after"] == "查单员"),
            "{engine}: {renamed}"
        );
    }
}

/// The id of the session's own account, as the admin login answered it.
async fn login_id(admin: &Session<'_>) -> u64 {
    let accounts = admin.get("/meiduo_admin/permission/admins/").await.body;
    accounts["lists"][0]["id"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visits_of_category_lists_are_counted_in_memory_and_added_up_by_each_flush() {
    for app in apps().await {
        let engine = app.engine();
        let admin = staff(&app, "visits_admin", "13600000030", &["view_statistics"]).await;
        let shopper = app.session();
        for _ in 0..3 {
            assert_eq!(shopper.get("/categories/115/skus/").await.status, StatusCode::OK);
        }
        // Turning pages is the same visit; a category that does not exist (an empty list, as
        // the original answers) is none.
        assert_eq!(shopper.get("/categories/115/skus/?page=2").await.status, StatusCode::OK);
        assert_eq!(shopper.get("/categories/999999/skus/").await.body["count"], 0);
        let before = admin.get("/meiduo_admin/statistical/goods_day_views/").await;
        assert_eq!(before.body, json!([]), "{engine}: nothing written before the flush");

        assert_eq!(app.visits.flush().await.unwrap(), 3, "{engine}");
        assert_eq!(app.visits.flush().await.unwrap(), 0, "{engine}: counted once");
        shopper.get("/categories/115/skus/").await;
        app.visits.flush().await.unwrap();
        let views = admin.get("/meiduo_admin/statistical/goods_day_views/").await;
        assert_eq!(views.status, StatusCode::OK, "{engine}: {views:?}");
        let rows = views.body.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{engine}: {rows:?}");
        assert_eq!(rows[0]["count"], 4, "{engine}: two flushes add up");
        assert!(rows[0]["category"].as_str().is_some_and(|name| !name.is_empty()), "{engine}");
        // A batch naming a category that no longer exists still adds the others.
        use meiduo_domain::ports::CategoryVisitStore;
        let today = time::OffsetDateTime::now_utc().to_offset(meiduo_domain::BEIJING).date();
        let batch = [
            (meiduo_domain::CategoryId(999_999), today, 5),
            (meiduo_domain::CategoryId(115), today, 1),
        ];
        app.db.store.staff().add(&batch).await.unwrap();
        let views = admin.get("/meiduo_admin/statistical/goods_day_views/").await.body;
        assert_eq!(views.as_array().unwrap().len(), 1, "{engine}: {views}");
        assert_eq!(views[0]["count"], 5, "{engine}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shops_own_permissions_can_be_made_changed_and_deleted_but_not_the_checked_ones() {
    for app in apps().await {
        let engine = app.engine();
        let root = staff(&app, "perm_root", "13600000071", &[]).await;
        let reader = staff(&app, "perm_reader", "13600000072", &["view_permission"]).await;
        let shopper = app.shopper("perm_shopper", "13600000073").await;
        let all = root.get("/meiduo_admin/permission/simple/").await.body;
        let add_sku = all
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["codename"] == "add_sku")
            .expect("add_sku")
            .clone();
        let sku_type = add_sku["content_type"].as_u64().unwrap();
        let body =
            json!({"name": "Can publish SKU", "codename": "publish_sku", "content_type": sku_type});
        for (who, status) in [(&reader, StatusCode::FORBIDDEN), (&shopper, StatusCode::FORBIDDEN)] {
            let refused = who.post("/meiduo_admin/permission/perms/", body.clone()).await;
            assert_eq!(refused.status, status, "{engine}: {refused:?}");
        }
        let made = root.post("/meiduo_admin/permission/perms/", body.clone()).await;
        assert_eq!(made.status, StatusCode::CREATED, "{engine}: {made:?}");
        let id = made.body["id"].as_u64().unwrap();
        for (wrong, field) in [
            (body.clone(), "codename"),
            (json!({"name": "x", "codename": "Publish SKU", "content_type": sku_type}), "codename"),
            (
                json!({"name": "x", "codename": "other_sku", "content_type": 999_999}),
                "content_type",
            ),
        ] {
            let refused = root.post("/meiduo_admin/permission/perms/", wrong.clone()).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{engine}: {wrong} → {refused:?}");
            assert!(refused.body["fields"][field].is_string(), "{engine}: {field} in {refused:?}");
        }
        let read = reader.get(&format!("/meiduo_admin/permission/perms/{id}/")).await;
        assert_eq!(read.body["codename"], "publish_sku", "{engine}: {read:?}");
        let renamed = root
            .put(
                &format!("/meiduo_admin/permission/perms/{id}/"),
                json!({"name": "Can publish a SKU", "codename": "publish_sku", "content_type": sku_type}),
            )
            .await;
        assert_eq!(renamed.body["name"], "Can publish a SKU", "{engine}: {renamed:?}");
        // A group holds it; deleting the permission takes it from the group.
        let group = root
            .post(
                "/meiduo_admin/permission/groups/",
                json!({"name": "publishers", "permissions": [id]}),
            )
            .await;
        let group_id = group.body["id"].as_u64().unwrap();
        let deleted = root.delete(&format!("/meiduo_admin/permission/perms/{id}/"), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{engine}");
        let group = root.get(&format!("/meiduo_admin/permission/groups/{group_id}/")).await;
        assert_eq!(group.body["permissions"], json!([]), "{engine}");
        assert_eq!(
            root.get(&format!("/meiduo_admin/permission/perms/{id}/")).await.status,
            StatusCode::NOT_FOUND
        );
        // The permissions the API checks stay as the migration made them.
        let checked = add_sku["id"].as_u64().unwrap();
        let changed = root
            .put(
                &format!("/meiduo_admin/permission/perms/{checked}/"),
                json!({"name": "anything", "codename": "add_sku2", "content_type": sku_type}),
            )
            .await;
        assert_eq!((changed.status, changed.code()), (StatusCode::CONFLICT, "in_use"), "{engine}");
        let removed =
            root.delete(&format!("/meiduo_admin/permission/perms/{checked}/"), None).await;
        assert_eq!((removed.status, removed.code()), (StatusCode::CONFLICT, "in_use"), "{engine}");
        // Every write is audited.
        let audit = root.get("/meiduo_admin/audit/").await.body;
        let kinds: Vec<(String, String)> = audit["lists"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["resource"] == "permission")
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_owned(),
                    e["resource_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let id = id.to_string();
        assert_eq!(
            kinds,
            [
                ("delete".to_owned(), id.clone()),
                ("update".to_owned(), id.clone()),
                ("create".to_owned(), id)
            ],
            "{engine}"
        );
    }
}
