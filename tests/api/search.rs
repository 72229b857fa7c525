//! Search over HTTP, on SQLite and MariaDB: what a shopper's words find in the demo catalog and
//! in which order, how changes made through the admin API on one replica reach another
//! replica's index, and the database's literal match while no index is built.

use std::time::{Duration, Instant};

use meiduo_domain::ports::SkuDocuments;
use meiduo_server::settings::{SearchSettings, Settings};
use meiduo_test_support::db::time_value;
use meiduo_test_support::*;
use reqwest::StatusCode;
use serde_json::json;
use time::OffsetDateTime;

use crate::admin::staff;
use crate::catalog_admin::{category_path, id, product, sku_body};

/// The SKU ids of a search's first page of 20, and its count.
async fn search(session: &Session<'_>, text: &str) -> (u64, Vec<u64>) {
    let path = format!("/skus/search/?text={}&page_size=20", encode(text));
    let answer = session.get(&path).await;
    assert_eq!(answer.status, StatusCode::OK, "{text}: {answer:?}");
    let ids = answer.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["object"]["id"].as_u64().unwrap())
        .collect();
    (answer.body["count"].as_u64().unwrap(), ids)
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The demo catalog: SKUs 1–2 are MacBook Pros (13.3", silver and grey), 3–8 iPhone 8 Plus
/// (64GB and 256GB, gold, grey, silver), 9–16 Huawei P10 Plus (64GB and 128GB in four colours).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shoppers_words_find_what_they_mean_best_first() {
    let huawei: Vec<u64> = (9..=16).collect();
    for app in apps().await {
        let engine = app.engine();
        let s = app.session();
        // Words as shoppers type them: with or without spaces, Chinese and Latin mixed, any
        // case or width.
        for text in
            ["华为 手机", "华为手机", "华为P10", "huawei p10 plus", "ＨＵＡＷＥＩ", "华为 双卡双待"]
        {
            let (count, mut found) = search(&s, text).await;
            found.sort_unstable();
            assert_eq!((count, &found), (8, &huawei), "{engine}: {text}");
        }
        // Every word must match: the 64GB iPhones only.
        let (count, mut found) = search(&s, "iPhone 8 Plus 64GB").await;
        found.sort_unstable();
        assert_eq!((count, found), (3, vec![3, 5, 7]), "{engine}");
        // The words a shopper adds narrow to the one they mean, first.
        for (text, first) in [
            ("iphone 256GB 深空灰色", 6),
            ("华为 P10 Plus 128GB 玫瑰金", 14),
            ("MacBook Pro 银色", 1),
            ("华为 钻雕蓝 64GB", 12),
            ("Apple iPhone 8 Plus (A1864) 256GB 银色 移动联通电信4G手机", 8),
        ] {
            let (_, found) = search(&s, text).await;
            assert_eq!(found.first(), Some(&first), "{engine}: {text} → {found:?}");
        }
        // The whole name before its neighbours that share all but one word.
        let (count, found) =
            search(&s, "Apple iPhone 8 Plus (A1864) 64GB 金色 移动联通电信4G手机").await;
        assert_eq!((count, found), (1, vec![3]), "{engine}");
        // Brands, SPUs, categories and captions are searched too.
        assert_eq!(search(&s, "笔记本").await, (2, vec![1, 2]), "{engine}: better seller first");
        assert_eq!(search(&s, "徕卡").await.0, 8, "{engine}: the Huawei captions");
        // Matches equal but for the name's length (BM25 prefers the shorter name): the better
        // seller first, SKU 4 (sold 2) before SKU 8 (sold 1); SKU 6's name is a word longer.
        let (_, found) = search(&s, "iphone 256GB").await;
        assert_eq!(found, [4, 8, 6], "{engine}");
        // No word of the index: the literal match over names and captions still answers.
        assert_eq!(search(&s, "机").await.0, 14, "{engine}: a single character");
        assert_eq!(search(&s, "三星 手机").await, (0, vec![]), "{engine}");
        // Pages of the ranking, in the original's shape.
        let page =
            s.get(&format!("/skus/search/?text={}&page=2&page_size=3", encode("华为"))).await;
        assert_eq!(page.body["count"], 8, "{engine}");
        assert_eq!(page.body["results"].as_array().unwrap().len(), 3);
        assert!(page.body["previous"].is_string() && page.body["next"].is_string());
        let hit = &page.body["results"][0];
        assert_eq!(hit["text"], hit["object"]["name"]);
        for field in ["id", "name", "price", "default_image_url", "comments"] {
            assert!(!hit["object"][field].is_null(), "{engine}: {field}");
        }
    }
}

/// Polls `session`'s search for `text` until `wanted` holds, for at most 10 seconds.
async fn eventually(
    session: &Session<'_>,
    text: &str,
    wanted: impl Fn(&[u64]) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let (_, found) = search(session, text).await;
        if wanted(&found) {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{text}: still {found:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn refreshing() -> Settings {
    Settings {
        search: SearchSettings {
            refresh_interval: Duration::from_millis(300),
            ..SearchSettings::default()
        },
        ..test_settings()
    }
}

/// Two replicas on one database, each with its own index: an operator's changes through one
/// replica reach the other's search through the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_on_one_replica_are_searchable_on_the_other_within_seconds() {
    for db in engines().await {
        let engine = db.engine;
        let db = db.with_catalog().await;
        let other = db.replica().await;
        let one = spawn_with_settings(db, None, refreshing()).await;
        let two = spawn_with_settings(other, None, refreshing()).await;
        let admin = staff(&one, "search_admin", "13700000071", &[]).await;
        let shopper = two.session();

        let categories = category_path(&admin).await;
        let (spu, [red, small, _], [colour, memory]) =
            product(&admin, "美多星河手机", categories).await;
        let specs = json!([{"spec_id": colour, "option_id": red},
                           {"spec_id": memory, "option_id": small}]);
        let mut body = sku_body(spu, categories[2], "99.00", 5, specs.clone());
        body["name"] = json!("美多星河手机 红色 64GB 初代");
        let created = admin.post("/meiduo_admin/skus/", body.clone()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{engine}: {created:?}");
        let sku = id(&created);
        let took = eventually(&shopper, "星河 初代", |found| found == [sku]).await;
        println!("{engine}: a new SKU searchable on the other replica after {took:?}");

        body["name"] = json!("美多星河手机 红色 64GB 二代");
        body["price"] = json!("88.00");
        body["stock_was"] = json!(5);
        let renamed = admin.put(&format!("/meiduo_admin/skus/{sku}/"), body.clone()).await;
        assert_eq!(renamed.status, StatusCode::OK, "{engine}: {renamed:?}");
        eventually(&shopper, "星河 二代", |found| found == [sku]).await;
        eventually(&shopper, "星河 初代", <[u64]>::is_empty).await;
        let hit = shopper.get(&format!("/skus/search/?text={}", encode("二代"))).await;
        assert_eq!(hit.body["results"][0]["object"]["price"], "88.00", "{engine}");

        // Off sale: gone from both replicas' answers at once (the index may not have heard yet,
        // the database has), and from their indexes soon after.
        body["is_launched"] = json!(false);
        let off = admin.put(&format!("/meiduo_admin/skus/{sku}/"), body.clone()).await;
        assert_eq!(off.status, StatusCode::OK, "{engine}: {off:?}");
        assert_eq!(search(&shopper, "星河 二代").await, (0, vec![]), "{engine}");
        assert_eq!(search(&admin, "星河 二代").await, (0, vec![]), "{engine}");
        body["is_launched"] = json!(true);
        let back = admin.put(&format!("/meiduo_admin/skus/{sku}/"), body).await;
        assert_eq!(back.status, StatusCode::OK, "{engine}: {back:?}");
        eventually(&shopper, "星河 二代", |found| found == [sku]).await;

        // A change written behind the API (another tool, an operator's SQL) with its change
        // time is read as well.
        two.db
            .exec(
                &format!(
                    "UPDATE tb_sku SET name = '美多星河手机 三代', update_time = ? WHERE id = {sku}"
                ),
                vec![time_value(OffsetDateTime::now_utc())],
            )
            .await;
        eventually(&shopper, "星河 三代", |found| found == [sku]).await;
    }
}

/// The documents the index reads: SKUs whose SPU or brand changed count as changed, with their
/// new names; unlaunched SKUs come too (for the index to drop them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_reports_skus_changed_through_their_spu_or_brand() {
    for db in engines().await {
        let engine = db.engine;
        let db = db.with_catalog().await;
        let documents = db.store.sku_documents();
        let all = documents.launched().await.unwrap();
        assert_eq!(all.len(), 16, "{engine}");
        let p10 = all.iter().find(|d| d.id.0 == 9).unwrap();
        assert_eq!(p10.brand, "华为（HUAWEI）", "{engine}");
        assert_eq!(p10.spu, "华为 HUAWEI P10 Plus", "{engine}");
        assert_eq!(p10.categories.len(), 3, "{engine}: {:?}", p10.categories);

        let since = OffsetDateTime::now_utc() - time::Duration::seconds(1);
        let quiet = documents.changed_since(since).await.unwrap();
        assert!(quiet.documents.is_empty(), "{engine}: the demo data is years old");
        assert_eq!(quiet.seen_until, since);

        let at = time_value(OffsetDateTime::now_utc());
        db.exec(
            "UPDATE tb_brand SET name = '荣耀', update_time = ? WHERE id = 2",
            vec![at.clone()],
        )
        .await;
        db.exec("UPDATE tb_goods SET name = 'iPhone 八', update_time = ? WHERE id = 2", vec![at])
            .await;
        db.exec(
            "UPDATE tb_sku SET is_launched = 0, update_time = ? WHERE id = 1",
            vec![time_value(OffsetDateTime::now_utc())],
        )
        .await;
        let changed = documents.changed_since(since).await.unwrap();
        let mut ids: Vec<u64> = changed.documents.iter().map(|d| d.id.0).collect();
        ids.sort_unstable();
        let expected: Vec<u64> = [1].into_iter().chain(3..=16).collect();
        assert_eq!(ids, expected, "{engine}: SKU 1, SPU 2's 3–8, brand 2's 9–16");
        let doc = |id: u64| changed.documents.iter().find(|d| d.id.0 == id).unwrap();
        assert_eq!(doc(9).brand, "荣耀", "{engine}");
        assert_eq!(doc(3).spu, "iPhone 八", "{engine}");
        assert!(!doc(1).is_launched, "{engine}");
        assert!(changed.seen_until > since, "{engine}");
    }
}

/// Without an index (`MEIDUO_SEARCH_REFRESH_INTERVAL=0s`) readiness says so and searches match
/// names and captions literally in the database, as the shop did before it had one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_index_the_database_matches_literally() {
    let db = sqlite().await.with_catalog().await;
    let settings = Settings {
        search: SearchSettings { refresh_interval: Duration::ZERO, ..SearchSettings::default() },
        ..test_settings()
    };
    let app = spawn_with_settings(db, None, settings).await;
    let s = app.session();
    let ready = s.get("/health/ready").await;
    assert_eq!(
        (ready.status, ready.body["checks"]["search"].clone()),
        (StatusCode::OK, json!("off"))
    );
    assert_eq!(search(&s, "华为").await.0, 8);
    assert_eq!(search(&s, "华为 手机").await.0, 0, "two words are one literal text");
}
