//! The catalog's administration over HTTP, on SQLite and MariaDB: an operator builds a product
//! (brand, SPU, specifications, options, SKU, picture), a shopper buys it, the operator ships
//! it, the shopper confirms and comments; rights on every endpoint; validation; what the
//! storefront sees of changes; stock changes racing orders.

use meiduo_test_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin::staff;

/// A 1×1 PNG.
pub(crate) const PNG: &[u8; 67] = include_bytes!("pixel.png");

pub(crate) fn id(answer: &Answer) -> u64 {
    answer.body["id"].as_u64().unwrap_or_else(|| panic!("no id in {answer:?}"))
}

/// A first-level category, one under it and one under that.
pub(crate) async fn category_path(admin: &Session<'_>) -> [u64; 3] {
    let first = admin.get("/meiduo_admin/goods/channel/categories/").await;
    let c1 = first.body[0]["id"].as_u64().expect("first-level categories");
    let second = admin.get(&format!("/meiduo_admin/goods/channel/categories/{c1}/")).await;
    let c2 = second.body[0]["id"].as_u64().expect("second-level categories");
    let third = admin.get(&format!("/meiduo_admin/goods/channel/categories/{c2}/")).await;
    let c3 = third.body[0]["id"].as_u64().expect("third-level categories");
    [c1, c2, c3]
}

/// A brand, an SPU in `categories` with a colour and a memory specification (two memories),
/// as an operator builds them: (SPU, [colour option, 64GB option, 128GB option], [specs]).
pub(crate) async fn product(
    admin: &Session<'_>,
    name: &str,
    categories: [u64; 3],
) -> (u64, [u64; 3], [u64; 2]) {
    let brand = admin
        .post(
            "/meiduo_admin/goods/brands/",
            json!({"name": format!("{name}牌"), "first_letter": "m"}),
        )
        .await;
    assert_eq!(brand.status, StatusCode::CREATED, "{brand:?}");
    assert_eq!(brand.body["first_letter"], "M");
    let [c1, c2, c3] = categories;
    let spu = admin
        .post(
            "/meiduo_admin/goods/",
            json!({"name": name, "brand_id": id(&brand), "category1_id": c1, "category2_id": c2,
                   "category3_id": c3, "desc_detail": "<p>详情</p>"}),
        )
        .await;
    assert_eq!(spu.status, StatusCode::CREATED, "{spu:?}");
    assert_eq!(spu.body["brand"], format!("{name}牌"));
    let spu = id(&spu);
    let colour =
        admin.post("/meiduo_admin/goods/specs/", json!({"name": "颜色", "spu_id": spu})).await;
    assert_eq!(colour.status, StatusCode::CREATED, "{colour:?}");
    let memory =
        admin.post("/meiduo_admin/goods/specs/", json!({"name": "内存", "spu_id": spu})).await;
    let (colour, memory) = (id(&colour), id(&memory));
    let mut options = [0; 3];
    for (slot, (value, spec)) in
        [("红色", colour), ("64GB", memory), ("128GB", memory)].into_iter().enumerate()
    {
        let option = admin
            .post("/meiduo_admin/specs/options/", json!({"value": value, "spec_id": spec}))
            .await;
        assert_eq!(option.status, StatusCode::CREATED, "{option:?}");
        assert_eq!(option.body["spec_id"], spec);
        options[slot] = id(&option);
    }
    (spu, options, [colour, memory])
}

pub(crate) fn sku_body(spu: u64, category: u64, price: &str, stock: u32, specs: Value) -> Value {
    json!({"name": "美多手机 红色 64GB", "caption": "新品", "spu_id": spu, "category_id": category,
           "price": price, "cost_price": "50.00", "market_price": "120.00", "stock": stock,
           "is_launched": true, "specs": specs})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_builds_a_product_a_shopper_buys_it_ships_receives_and_comments() {
    for app in apps().await {
        let engine = app.engine();
        let admin = staff(&app, "root_admin", "13700000001", &[]).await;
        let categories = category_path(&admin).await;
        let (spu, [red, small, large], [colour, memory]) =
            product(&admin, "美多手机", categories).await;
        let listed = admin.get(&format!("/meiduo_admin/goods/{spu}/specs/")).await;
        assert_eq!(listed.body.as_array().unwrap().len(), 2, "{engine}: {listed:?}");
        assert_eq!(listed.body[1]["options"].as_array().unwrap().len(), 2);

        // The options must cover the SPU's specifications exactly once each, with their own
        // options; prices, stock and the category have bounds.
        let c3 = categories[2];
        let specs =
            json!([{"spec_id": colour, "option_id": red}, {"spec_id": memory, "option_id": small}]);
        for (body, field) in [
            (
                sku_body(spu, c3, "99.50", 5, json!([{"spec_id": colour, "option_id": red}])),
                "specs",
            ),
            (
                sku_body(
                    spu,
                    c3,
                    "99.50",
                    5,
                    json!([{"spec_id": colour, "option_id": small},
                {"spec_id": memory, "option_id": small}]),
                ),
                "specs",
            ),
            (
                sku_body(
                    spu,
                    c3,
                    "99.50",
                    5,
                    json!([{"spec_id": colour, "option_id": red},
                {"spec_id": colour, "option_id": red}, {"spec_id": memory, "option_id": small}]),
                ),
                "specs",
            ),
            (sku_body(spu, c3, "0.00", 5, specs.clone()), "price"),
            (sku_body(spu, c3, "100000.01", 5, specs.clone()), "price"),
            (sku_body(spu, c3, "99.50", 1_000_001, specs.clone()), "stock"),
            (sku_body(spu, categories[1], "99.50", 5, specs.clone()), "category_id"),
            (sku_body(spu + 1000, c3, "99.50", 5, specs.clone()), "spu_id"),
        ] {
            let refused = admin.post("/meiduo_admin/skus/", body.clone()).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{engine}: {body} → {refused:?}");
            assert_eq!(refused.code(), "invalid_field", "{engine}: {body}");
            assert!(refused.body["fields"][field].is_string(), "{engine}: {field} in {refused:?}");
        }
        let refused_price =
            admin.post("/meiduo_admin/skus/", sku_body(spu, c3, "9.999", 5, specs.clone())).await;
        assert_eq!(refused_price.status, StatusCode::BAD_REQUEST, "{engine}: {refused_price:?}");
        assert_eq!(
            app.db
                .scalar("SELECT COUNT(*) FROM tb_sku WHERE goods_id = ?", vec![(spu as i64).into()])
                .await,
            0
        );

        let created =
            admin.post("/meiduo_admin/skus/", sku_body(spu, c3, "99.50", 5, specs.clone())).await;
        assert_eq!(created.status, StatusCode::CREATED, "{engine}: {created:?}");
        assert_eq!(created.body["price"], "99.50");
        assert_eq!(created.body["spu"], "美多手机");
        assert_eq!(created.body["specs"].as_array().unwrap().len(), 2);
        let sku = id(&created);

        // A picture: must really be one; stored under a generated name; the SKU's default.
        let text = admin
            .upload(
                Method::POST,
                "/meiduo_admin/skus/images/",
                &[("sku", &sku.to_string())],
                Some(("image", b"#!/bin/sh\necho not a picture\n".to_vec())),
            )
            .await;
        assert_eq!(text.status, StatusCode::BAD_REQUEST, "{engine}: {text:?}");
        assert_eq!(text.code(), "invalid_image");
        let no_sku = admin
            .upload(Method::POST, "/meiduo_admin/skus/images/", &[], Some(("image", PNG.to_vec())))
            .await;
        assert_eq!(no_sku.code(), "invalid_field", "{engine}: {no_sku:?}");
        let uploaded = admin
            .upload(
                Method::POST,
                "/meiduo_admin/skus/images/",
                &[("sku", &sku.to_string())],
                Some(("image", PNG.to_vec())),
            )
            .await;
        assert_eq!(uploaded.status, StatusCode::CREATED, "{engine}: {uploaded:?}");
        let url = uploaded.body["image"].as_str().unwrap().to_owned();
        let path =
            url.strip_prefix(app.settings.image_host.as_str()).expect("under the image host");
        assert!(path.starts_with(&format!("skus/{sku}/")) && path.ends_with(".png"), "{path}");
        assert!(!path.contains("upload"), "{engine}: the client's file name is not used: {path}");
        let (status, bytes) = app.session().get_bytes(&format!("/images/{path}")).await;
        assert_eq!((status, bytes.as_slice()), (StatusCode::OK, &PNG[..]), "{engine}");
        let detail = app.session().get(&format!("/skus/{sku}/")).await;
        assert_eq!(detail.status, StatusCode::OK, "{engine}: {detail:?}");
        assert_eq!(detail.body["default_image_url"], url.as_str(), "{engine}");
        assert_eq!(detail.body["price"], "99.50");

        // A shopper buys it; the operator ships; the shopper receives and comments.
        let shopper = app.shopper("phone_buyer", "13700000002").await;
        let address = shopper.add_address().await;
        let added = shopper.post("/carts/", json!({"sku_id": sku, "count": 2})).await;
        assert_eq!(added.status, StatusCode::CREATED, "{engine}: {added:?}");
        let placed = shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{engine}: {placed:?}");
        let order_id = placed.body["order_id"].as_str().unwrap().to_owned();
        let shipped = admin
            .put(&format!("/meiduo_admin/orders/{order_id}/status/"), json!({"status": 3}))
            .await;
        assert_eq!(shipped.status, StatusCode::OK, "{engine}: {shipped:?}");
        let received = shopper.put(&format!("/orders/{order_id}/receipt/"), json!({})).await;
        assert_eq!(received.status, StatusCode::OK, "{engine}: {received:?}");
        let comment = shopper
            .post(
                &format!("/orders/{order_id}/comments/"),
                json!({"sku": sku, "comment": "手机很好", "score": 5, "is_anonymous": false}),
            )
            .await;
        assert_eq!(comment.status, StatusCode::CREATED, "{engine}: {comment:?}");
        let comments = app.session().get(&format!("/skus/{sku}/comments/")).await;
        assert_eq!(comments.body[0]["comment"], "手机很好", "{engine}");
        let after = admin.get(&format!("/meiduo_admin/skus/{sku}/")).await;
        assert_eq!(
            (after.body["stock"].clone(), after.body["sales"].clone()),
            (json!(3), json!(2)),
            "{engine}"
        );

        // A new price applies to new orders only.
        let mut repriced = sku_body(spu, c3, "120.00", 3, specs.clone());
        repriced["stock_was"] = json!(3);
        let changed = admin.put(&format!("/meiduo_admin/skus/{sku}/"), repriced).await;
        assert_eq!(changed.status, StatusCode::OK, "{engine}: {changed:?}");
        let order = shopper.get(&format!("/orders/{order_id}/")).await;
        assert_eq!(order.body["skus"][0]["price"], "99.50", "{engine}: {order:?}");
        shopper.post("/carts/", json!({"sku_id": sku, "count": 1})).await;
        let settlement = shopper.get("/orders/settlement/").await;
        assert_eq!(settlement.body["skus"][0]["price"], "120.00", "{engine}: {settlement:?}");

        // Orders reference it: deleting takes it off sale instead; it can no longer be bought.
        let removed = admin.delete(&format!("/meiduo_admin/skus/{sku}/"), None).await;
        assert_eq!(removed.status, StatusCode::OK, "{engine}: {removed:?}");
        assert_eq!(removed.body["is_launched"], false);
        let gone = app.session().get(&format!("/skus/{sku}/")).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{engine}: an unlaunched SKU has no page");
        let refused = shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{engine}: {refused:?}");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let cart = shopper.post("/carts/", json!({"sku_id": sku, "count": 1})).await;
        assert_eq!(cart.code(), "sku_unavailable", "{engine}: {cart:?}");
        // Its SPU, specifications and options are still used: 409.
        for path in [
            format!("/meiduo_admin/goods/{spu}/"),
            format!("/meiduo_admin/goods/specs/{colour}/"),
            format!("/meiduo_admin/specs/options/{red}/"),
        ] {
            let refused = admin.delete(&path, None).await;
            assert_eq!(
                (refused.status, refused.code()),
                (StatusCode::CONFLICT, "in_use"),
                "{engine}: {path}"
            );
        }
        // An unused option goes.
        let unused = admin.delete(&format!("/meiduo_admin/specs/options/{large}/"), None).await;
        assert_eq!(unused.status, StatusCode::NO_CONTENT, "{engine}: {unused:?}");

        // Each write is in the audit log with what it changed.
        let audit = admin.get("/meiduo_admin/audit/?pagesize=10").await;
        let entries = audit.body["lists"].as_array().unwrap();
        let sku_update = entries
            .iter()
            .find(|e| {
                e["resource"] == "sku"
                    && e["action"] == "update"
                    && e["changes"].as_array().unwrap().iter().any(|c| c["field"] == "price")
            })
            .unwrap_or_else(|| panic!("{engine}: no price change in {audit:?}"));
        let price = sku_update["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == "price")
            .unwrap();
        assert_eq!(
            (price["before"].clone(), price["after"].clone()),
            (json!("99.50"), json!("120.00"))
        );
        assert!(audit.body["count"].as_u64().unwrap() >= 10, "{engine}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sku_nobody_ordered_is_deleted_with_its_pictures() {
    for app in apps().await {
        let engine = app.engine();
        let admin = staff(&app, "root_admin2", "13700000011", &[]).await;
        let categories = category_path(&admin).await;
        let (spu, [red, small, _], [colour, memory]) =
            product(&admin, "美多平板", categories).await;
        let specs =
            json!([{"spec_id": colour, "option_id": red}, {"spec_id": memory, "option_id": small}]);
        let sku = id(&admin
            .post("/meiduo_admin/skus/", sku_body(spu, categories[2], "10.00", 1, specs))
            .await);
        let first = admin
            .upload(
                Method::POST,
                "/meiduo_admin/skus/images/",
                &[("sku", &sku.to_string())],
                Some(("image", PNG.to_vec())),
            )
            .await;
        let second = admin
            .upload(
                Method::POST,
                "/meiduo_admin/skus/images/",
                &[("sku", &sku.to_string())],
                Some(("image", PNG.to_vec())),
            )
            .await;
        let (first_url, second_url) = (
            first.body["image"].as_str().unwrap().to_owned(),
            second.body["image"].as_str().unwrap().to_owned(),
        );
        assert_ne!(first_url, second_url, "{engine}: each upload has a name of its own");
        // Replacing the default picture moves the default; deleting it falls back to the other.
        let replaced = admin
            .upload(
                Method::PUT,
                &format!("/meiduo_admin/skus/images/{}/", id(&first)),
                &[("sku", &sku.to_string())],
                Some(("image", PNG.to_vec())),
            )
            .await;
        assert_eq!(replaced.status, StatusCode::OK, "{engine}: {replaced:?}");
        let replaced_url = replaced.body["image"].as_str().unwrap().to_owned();
        let old_path = first_url.strip_prefix(app.settings.image_host.as_str()).unwrap();
        assert_eq!(
            app.session().get_bytes(&format!("/images/{old_path}")).await.0,
            StatusCode::NOT_FOUND,
            "{engine}: the old file is removed"
        );
        let shown = admin.get(&format!("/meiduo_admin/skus/{sku}/")).await;
        assert_eq!(shown.body["default_image"], replaced_url.as_str(), "{engine}");
        let deleted =
            admin.delete(&format!("/meiduo_admin/skus/images/{}/", id(&first)), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{engine}");
        let shown = admin.get(&format!("/meiduo_admin/skus/{sku}/")).await;
        assert_eq!(shown.body["default_image"], second_url.as_str(), "{engine}");

        let removed = admin.delete(&format!("/meiduo_admin/skus/{sku}/"), None).await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT, "{engine}: {removed:?}");
        assert_eq!(
            admin.get(&format!("/meiduo_admin/skus/{sku}/")).await.status,
            StatusCode::NOT_FOUND
        );
        let second_path = second_url.strip_prefix(app.settings.image_host.as_str()).unwrap();
        assert_eq!(
            app.session().get_bytes(&format!("/images/{second_path}")).await.0,
            StatusCode::NOT_FOUND,
            "{engine}"
        );
        assert_eq!(
            app.db
                .scalar(
                    "SELECT COUNT(*) FROM tb_sku_image WHERE sku_id = ?",
                    vec![(sku as i64).into()]
                )
                .await,
            0
        );
        // Without SKUs, the SPU's specifications, then the SPU, can go.
        for spec in [colour, memory] {
            assert_eq!(
                admin.delete(&format!("/meiduo_admin/goods/specs/{spec}/"), None).await.status,
                StatusCode::NO_CONTENT
            );
        }
        assert_eq!(
            admin.delete(&format!("/meiduo_admin/goods/{spu}/"), None).await.status,
            StatusCode::NO_CONTENT,
            "{engine}"
        );
    }
}

/// Every catalog endpoint with the permission it needs.
const ENDPOINTS: [(&str, &str, &str); 14] = [
    ("GET", "/meiduo_admin/skus/", "view_sku"),
    ("GET", "/meiduo_admin/skus/simple/", "view_sku"),
    ("GET", "/meiduo_admin/skus/categories/", "view_goodscategory"),
    ("GET", "/meiduo_admin/skus/images/", "view_skuimage"),
    ("GET", "/meiduo_admin/goods/", "view_spu"),
    ("GET", "/meiduo_admin/goods/simple/", "view_spu"),
    ("GET", "/meiduo_admin/goods/brands/", "view_brand"),
    ("GET", "/meiduo_admin/goods/brands/simple/", "view_brand"),
    ("GET", "/meiduo_admin/goods/specs/", "view_spuspecification"),
    ("GET", "/meiduo_admin/goods/specs/simple/", "view_spuspecification"),
    ("GET", "/meiduo_admin/specs/options/", "view_specificationoption"),
    ("GET", "/meiduo_admin/goods/channels/", "view_goodschannel"),
    ("GET", "/meiduo_admin/goods/channel_types/", "view_goodschannelgroup"),
    ("GET", "/meiduo_admin/goods/channel/categories/", "view_goodscategory"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_catalog_endpoint_checks_its_permission() {
    for app in apps().await {
        let engine = app.engine();
        let shopper = app.shopper("catalog_shopper", "13700000021").await;
        let stranger = app.session();
        let viewer = staff(&app, "sku_viewer", "13700000022", &["view_sku"]).await;
        for (_, path, permission) in ENDPOINTS {
            assert_eq!(
                stranger.get(path).await.status,
                StatusCode::UNAUTHORIZED,
                "{engine} {path}"
            );
            let refused = shopper.get(path).await;
            assert_eq!(
                (refused.status, refused.code()),
                (StatusCode::FORBIDDEN, "not_staff"),
                "{engine} {path}"
            );
            let limited = viewer.get(path).await;
            if permission == "view_sku" {
                assert_eq!(limited.status, StatusCode::OK, "{engine} {path}: {limited:?}");
            } else {
                assert_eq!(
                    (limited.status, limited.code()),
                    (StatusCode::FORBIDDEN, "permission_denied"),
                    "{engine} {path}"
                );
            }
        }
        // Writes need their own permission: viewing is not changing.
        let sku = sku_body(1, 1, "1.00", 1, json!([]));
        let channel = json!({"group_id": 1, "category_id": 1, "url": "/x", "sequence": 1});
        let writes = [
            (Method::POST, "/meiduo_admin/skus/".to_owned(), sku.clone()),
            (Method::PUT, "/meiduo_admin/skus/1/".to_owned(), sku),
            (Method::DELETE, "/meiduo_admin/skus/1/".to_owned(), json!(null)),
            (
                Method::POST,
                "/meiduo_admin/goods/brands/".to_owned(),
                json!({"name": "X", "first_letter": "X"}),
            ),
            (Method::POST, "/meiduo_admin/goods/channels/".to_owned(), channel),
            (Method::DELETE, "/meiduo_admin/specs/options/1/".to_owned(), json!(null)),
        ];
        for (method, path, body) in writes {
            let body = (!body.is_null()).then_some(body);
            let refused = viewer.send(method.clone(), &path, body.clone()).await;
            assert_eq!(
                (refused.status, refused.code()),
                (StatusCode::FORBIDDEN, "permission_denied"),
                "{engine} {method} {path}"
            );
            let refused = shopper.send(method.clone(), &path, body).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{engine} {method} {path}");
        }
        let pictures = "SELECT COUNT(*) FROM tb_sku_image";
        let before = app.db.scalar(pictures, vec![]).await;
        let upload = viewer
            .upload(
                Method::POST,
                "/meiduo_admin/skus/images/",
                &[("sku", "1")],
                Some(("image", PNG.to_vec())),
            )
            .await;
        assert_eq!(upload.code(), "permission_denied", "{engine}");
        assert_eq!(app.db.scalar(pictures, vec![]).await, before, "{engine}: nothing was stored");
        // A limited admin holding the right may write.
        let editor = staff(&app, "brand_editor", "13700000023", &["add_brand", "view_brand"]).await;
        let made = editor
            .post("/meiduo_admin/goods/brands/", json!({"name": "Editor", "first_letter": "E"}))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{engine}: {made:?}");
        let listed = editor.get("/meiduo_admin/goods/brands/?pagesize=10").await;
        assert!(listed.body["count"].as_u64().unwrap() >= 1, "{engine}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_change_the_home_menu_at_once() {
    for app in apps().await {
        let engine = app.engine();
        let admin = staff(&app, "menu_admin", "13700000031", &[]).await;
        let menu = app.session().get("/categories/").await;
        assert_eq!(menu.status, StatusCode::OK, "{engine}");
        let channels = admin.get("/meiduo_admin/goods/channels/?pagesize=10").await;
        let first = channels.body["lists"][0].clone();
        let channel = first["id"].as_u64().unwrap();
        let body = json!({"group_id": first["group_id"], "category_id": first["category_id"],
                          "url": "http://new.meiduo.site", "sequence": first["sequence"]});
        let changed = admin.put(&format!("/meiduo_admin/goods/channels/{channel}/"), body).await;
        assert_eq!(changed.status, StatusCode::OK, "{engine}: {changed:?}");
        let menu = app.session().get("/categories/").await;
        assert!(
            menu.body.to_string().contains("http://new.meiduo.site"),
            "{engine}: the menu follows at once"
        );
        // A category has one channel; a channel's category is a first-level one.
        let second = channels.body["lists"][1].clone();
        let taken = admin
            .post(
                "/meiduo_admin/goods/channels/",
                json!({"group_id": second["group_id"],
                "category_id": first["category_id"], "url": "/x", "sequence": 1}),
            )
            .await;
        assert_eq!(taken.code(), "invalid_field", "{engine}: {taken:?}");
        let third_level = category_path(&admin).await[2];
        let deep = admin
            .post(
                "/meiduo_admin/goods/channels/",
                json!({"group_id": second["group_id"],
                "category_id": third_level, "url": "/x", "sequence": 1}),
            )
            .await;
        assert!(deep.body["fields"]["category_id"].is_string(), "{engine}: {deep:?}");
        let removed = admin.delete(&format!("/meiduo_admin/goods/channels/{channel}/"), None).await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT, "{engine}");
        let menu = app.session().get("/categories/").await;
        assert!(!menu.body.to_string().contains("http://new.meiduo.site"), "{engine}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stock_added_while_orders_are_placed_loses_no_unit() {
    for app in apps().await {
        let engine = app.engine();
        let admin = staff(&app, "stock_admin", "13700000041", &[]).await;
        let categories = category_path(&admin).await;
        let (spu, [red, small, _], [colour, memory]) =
            product(&admin, "美多耳机", categories).await;
        let specs =
            json!([{"spec_id": colour, "option_id": red}, {"spec_id": memory, "option_id": small}]);
        let sku = id(&admin
            .post("/meiduo_admin/skus/", sku_body(spu, categories[2], "1.00", 20, specs.clone()))
            .await);

        let mut buyers = Vec::new();
        for n in 0..6 {
            let shopper = app.shopper(&format!("stock_buyer{n}"), &format!("1370000010{n}")).await;
            let address = shopper.add_address().await;
            buyers.push((shopper, address));
        }
        let buying = buyers.iter().map(|(shopper, address)| async move {
            let mut placed_orders = 0;
            for _ in 0..4 {
                shopper.post("/carts/", json!({"sku_id": sku, "count": 1})).await;
                let placed =
                    shopper.post("/orders/", json!({"address": address, "pay_method": 1})).await;
                if placed.status == StatusCode::CREATED {
                    placed_orders += 1;
                }
            }
            placed_orders
        });
        let restocking = async {
            let mut added = 0;
            for _ in 0..5 {
                // The operator's form: the stock as read, plus 10.
                let seen = admin.get(&format!("/meiduo_admin/skus/{sku}/")).await.body["stock"]
                    .as_u64()
                    .unwrap();
                let mut body =
                    sku_body(spu, categories[2], "1.00", seen as u32 + 10, specs.clone());
                body["stock_was"] = json!(seen);
                let changed = admin.put(&format!("/meiduo_admin/skus/{sku}/"), body).await;
                assert_eq!(changed.status, StatusCode::OK, "{engine}: {changed:?}");
                added += 10;
            }
            added
        };
        let (placed, added) = tokio::join!(futures_util::future::join_all(buying), restocking);
        assert!(placed.into_iter().sum::<u32>() > 0, "{engine}: orders were placed meanwhile");
        let sold =
            "SELECT CAST(COALESCE(SUM(count), 0) AS SIGNED) FROM tb_order_goods WHERE sku_id = ?";
        let bought = app.db.scalar(sold, vec![(sku as i64).into()]).await as u64;
        let after = admin.get(&format!("/meiduo_admin/skus/{sku}/")).await.body;
        assert_eq!(after["sales"].as_u64().unwrap(), bought, "{engine}");
        assert_eq!(
            after["stock"].as_u64().unwrap(),
            20 + added - bought,
            "{engine}: every unit added and every unit sold is counted"
        );
        // Lowering below what is left is refused, not clamped.
        let mut body = sku_body(spu, categories[2], "1.00", 0, specs.clone());
        body["stock_was"] = json!(after["stock"].as_u64().unwrap() + 1);
        let below = admin.put(&format!("/meiduo_admin/skus/{sku}/"), body).await;
        assert_eq!(
            (below.status, below.code()),
            (StatusCode::CONFLICT, "stock_below_zero"),
            "{engine}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_spus_descriptions_may_be_long_and_numbers_may_come_as_whole_floats() {
    for app in apps().await {
        let engine = app.engine();
        let admin = staff(&app, "desc_admin", "13700000061", &[]).await;
        let [c1, c2, c3] = category_path(&admin).await;
        let long = "详".repeat(10_000);
        let body = |detail: &str| {
            json!({"name": "长描述", "brand_id": 1.0, "category1_id": c1, "category2_id": c2,
                   "category3_id": c3, "desc_detail": detail, "desc_pack": detail, "desc_service": detail})
        };
        // 3 × 10000 characters of 3 bytes: more than other bodies may carry.
        let made = admin.post("/meiduo_admin/goods/", body(&long)).await;
        assert_eq!(made.status, StatusCode::CREATED, "{engine}: {}", made.body["message"]);
        assert_eq!(made.body["desc_detail"].as_str().unwrap().chars().count(), 10_000);
        let longer = admin.post("/meiduo_admin/goods/", body(&format!("{long}详"))).await;
        assert_eq!(longer.status, StatusCode::BAD_REQUEST, "{engine}");
        assert!(longer.body["fields"]["desc_detail"].is_string(), "{engine}: {longer:?}");
        let broken = admin
            .send_raw(
                Method::POST,
                "/meiduo_admin/goods/",
                "{\"name\": ",
                &[("Content-Type", "application/json")],
            )
            .await;
        assert_eq!(
            (broken.status, broken.code()),
            (StatusCode::BAD_REQUEST, "invalid_json"),
            "{engine}"
        );
        // A stock and a sequence as whole floats, as JSON encoders may write them.
        let channels = admin.get("/meiduo_admin/goods/channels/").await.body;
        let first = &channels["lists"][0];
        let moved = admin
            .put(
                &format!("/meiduo_admin/goods/channels/{}/", first["id"]),
                json!({"group_id": first["group_id"], "category_id": first["category_id"],
                       "url": first["url"], "sequence": 7.0}),
            )
            .await;
        assert_eq!(moved.body["sequence"], 7, "{engine}: {moved:?}");
        let fraction = admin
            .put(
                &format!("/meiduo_admin/goods/channels/{}/", first["id"]),
                json!({"group_id": first["group_id"], "category_id": first["category_id"],
                       "url": first["url"], "sequence": 7.5}),
            )
            .await;
        assert_eq!(fraction.code(), "invalid_json", "{engine}: {fraction:?}");
    }
}
