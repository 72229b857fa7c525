//! The catalog caches against mocks: what is cached where, for how long, and what a change
//! forgets.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use meiduo_domain::ports::{
    Cache, CatalogChanges, CatalogQueries, MockCatalogQueries, MockSkuCatalog, SkuCatalog,
};
use meiduo_domain::{CategoryId, Page, SkuId, SkuOrdering};
use meiduo_inprocess::cached_catalog::{
    CachedCatalog, CachedSkus, DETAIL_TTL, HOT_TTL, LIST_TTL, MENU_CACHE, MENU_TTL,
    SALES_FORGET_EVERY, SKU_TTL,
};
use meiduo_test_support::{MemoryCache, SkuBuilder, detail, summary};

fn local(queries: MockCatalogQueries, cache: &Arc<MemoryCache>) -> CachedCatalog {
    let cache: Arc<dyn Cache> = cache.clone();
    CachedCatalog::new(Arc::new(queries)).with_local_cache(Some(cache))
}

#[tokio::test]
async fn a_list_page_is_read_once_per_lifetime_and_each_page_and_order_on_its_own() {
    let mut queries = MockCatalogQueries::new();
    queries
        .expect_list_skus()
        .withf(|c, o, offset, limit| {
            *c == CategoryId(157) && *o == SkuOrdering::BestSelling && *offset == 0 && *limit == 10
        })
        .times(1)
        .returning(|_, _, _, _| Ok(Page { count: 2, items: vec![summary(1), summary(2)] }));
    queries
        .expect_list_skus()
        .withf(|_, o, offset, _| *o == SkuOrdering::PriceAscending && *offset == 10)
        .times(1)
        .returning(|_, _, _, _| Ok(Page { count: 12, items: vec![summary(3)] }));
    let cache = Arc::new(MemoryCache::default());
    let catalog = local(queries, &cache);
    for _ in 0..3 {
        let page = catalog.list_skus(CategoryId(157), SkuOrdering::BestSelling, 0, 10).await;
        let page = page.unwrap();
        assert_eq!((page.count, page.items.len()), (2, 2));
        assert_eq!(page.items[1], summary(2), "the cached page reads back the same");
        let page = catalog.list_skus(CategoryId(157), SkuOrdering::PriceAscending, 10, 10).await;
        assert_eq!(page.unwrap().items, vec![summary(3)]);
    }
    assert_eq!(cache.names().len(), 2);
    assert!(cache.names().iter().all(|name| cache.ttl_of(name) == Some(LIST_TTL)));
}

#[tokio::test]
async fn a_detail_is_cached_and_so_is_the_absence_of_one() {
    let mut queries = MockCatalogQueries::new();
    queries
        .expect_sku_detail()
        .withf(|sku| *sku == SkuId(1))
        .times(1)
        .returning(|_| Ok(Some(detail(1))));
    queries.expect_sku_detail().withf(|sku| *sku == SkuId(2)).times(1).returning(|_| Ok(None));
    let cache = Arc::new(MemoryCache::default());
    let catalog = local(queries, &cache);
    assert_eq!(catalog.sku_detail(SkuId(1)).await.unwrap(), Some(detail(1)));
    assert_eq!(catalog.sku_detail(SkuId(1)).await.unwrap(), Some(detail(1)));
    assert_eq!(catalog.sku_detail(SkuId(2)).await.unwrap(), None);
    assert_eq!(catalog.sku_detail(SkuId(2)).await.unwrap(), None);
    assert_eq!(cache.ttl_of("sku_detail:1"), Some(DETAIL_TTL));
    assert_eq!(cache.ttl_of("sku_detail:2"), Some(DETAIL_TTL), "unknown ids cost no query either");
}

#[tokio::test]
async fn without_a_local_cache_every_list_is_read() {
    let mut queries = MockCatalogQueries::new();
    queries
        .expect_list_skus()
        .times(2)
        .returning(|_, _, _, _| Ok(Page { count: 0, items: vec![] }));
    let catalog = CachedCatalog::new(Arc::new(queries));
    for _ in 0..2 {
        catalog.list_skus(CategoryId(1), SkuOrdering::Newest, 0, 10).await.unwrap();
    }
}

#[tokio::test]
async fn the_menu_and_hot_lists_go_to_the_shared_cache_and_an_order_forgets_its_categories() {
    let mut queries = MockCatalogQueries::new();
    queries.expect_category_menu().times(1).returning(|| Ok(Vec::new()));
    // Read again after the order forgot it; category 116's list stays cached.
    queries
        .expect_hot_skus()
        .withf(|c, _| *c == CategoryId(115))
        .times(2)
        .returning(|_, _| Ok(vec![summary(1)]));
    queries
        .expect_hot_skus()
        .withf(|c, _| *c == CategoryId(116))
        .times(1)
        .returning(|_, _| Ok(vec![summary(2)]));
    let shared = Arc::new(MemoryCache::default());
    let cache: Arc<dyn Cache> = shared.clone();
    let catalog = CachedCatalog::new(Arc::new(queries)).with_shared_cache(Some(cache));
    catalog.category_menu().await.unwrap();
    catalog.category_menu().await.unwrap();
    for category in [115, 116] {
        catalog.hot_skus(CategoryId(category), 2).await.unwrap();
    }
    assert_eq!(shared.ttl_of(MENU_CACHE), Some(MENU_TTL));
    assert_eq!(shared.ttl_of("hot_skus:115"), Some(HOT_TTL));

    catalog.sales_changed(&[CategoryId(115)]).await;

    assert_eq!(shared.ttl_of("hot_skus:115"), None, "forgotten");
    assert_eq!(shared.ttl_of("hot_skus:116"), Some(HOT_TTL), "untouched");
    for category in [115, 116] {
        catalog.hot_skus(CategoryId(category), 2).await.unwrap();
    }
}

#[tokio::test]
async fn a_burst_of_orders_forgets_a_hot_list_at_once_then_once_at_the_end_of_the_window() {
    let mut queries = MockCatalogQueries::new();
    queries.expect_hot_skus().returning(|_, _| Ok(vec![summary(1)]));
    let shared = Arc::new(MemoryCache::default());
    let cache: Arc<dyn Cache> = shared.clone();
    let catalog = CachedCatalog::new(Arc::new(queries)).with_shared_cache(Some(cache));
    let cached = || shared.ttl_of("hot_skus:115").is_some();

    catalog.hot_skus(CategoryId(115), 2).await.unwrap();
    catalog.sales_changed(&[CategoryId(115)]).await;
    assert!(!cached(), "the first order forgets at once");

    // The list is read again, and more orders come within the window: the list stays until
    // the window's end, then one forgetting covers them all.
    catalog.hot_skus(CategoryId(115), 2).await.unwrap();
    for _ in 0..3 {
        catalog.sales_changed(&[CategoryId(115)]).await;
    }
    assert!(cached(), "within the window");
    tokio::time::sleep(SALES_FORGET_EVERY + SALES_FORGET_EVERY / 2).await;
    assert!(!cached(), "forgotten at the window's end");

    // After a quiet window, an order forgets at once again.
    catalog.hot_skus(CategoryId(115), 2).await.unwrap();
    tokio::time::sleep(SALES_FORGET_EVERY + SALES_FORGET_EVERY / 2).await;
    catalog.sales_changed(&[CategoryId(115)]).await;
    assert!(!cached(), "at once after a quiet window");
}

#[tokio::test]
async fn a_comment_forgets_the_skus_cached_detail() {
    let mut queries = MockCatalogQueries::new();
    queries.expect_sku_detail().times(2).returning(|sku| Ok(Some(detail(sku.0))));
    let cache = Arc::new(MemoryCache::default());
    let catalog = local(queries, &cache);
    catalog.sku_detail(SkuId(1)).await.unwrap();
    catalog.comments_changed(SkuId(1)).await;
    assert_eq!(cache.ttl_of("sku_detail:1"), None);
    catalog.sku_detail(SkuId(1)).await.unwrap();
}

#[tokio::test]
async fn a_single_sku_is_read_once_per_lifetime_and_lists_of_skus_every_time() {
    let mut inner = MockSkuCatalog::new();
    inner
        .expect_find_skus()
        .withf(|ids| ids == [SkuId(1)])
        .times(1)
        .returning(|_| Ok(vec![SkuBuilder::new(1).stock(5).build()]));
    inner
        .expect_find_skus()
        .withf(|ids| ids == [SkuId(2)])
        .times(1)
        .returning(|_| Ok(vec![SkuBuilder::new(2).launched(false).build()]));
    inner.expect_find_skus().withf(|ids| ids.len() == 2).times(2).returning(|_| Ok(Vec::new()));
    let skus = CachedSkus::new(Arc::new(inner), SKU_TTL);
    for _ in 0..2 {
        assert_eq!(skus.find_skus(&[SkuId(1)]).await.unwrap()[0].stock, 5);
        assert!(!skus.find_skus(&[SkuId(2)]).await.unwrap()[0].is_launched, "cached as read");
        skus.find_skus(&[SkuId(1), SkuId(2)]).await.unwrap();
    }
}

#[tokio::test]
async fn without_a_memory_every_sku_look_up_reads_the_store() {
    let mut inner = MockSkuCatalog::new();
    inner
        .expect_find_skus()
        .withf(|ids| ids == [SkuId(1)])
        .times(3)
        .returning(|_| Ok(vec![SkuBuilder::new(1).stock(5).build()]));
    let skus = CachedSkus::new(Arc::new(inner), std::time::Duration::ZERO);
    for _ in 0..3 {
        assert_eq!(skus.find_skus(&[SkuId(1)]).await.unwrap()[0].stock, 5);
    }
}

/// A SKU's stock changed elsewhere is seen once the memory's time has passed, whether the SKU
/// was read again alone or with the others in use; a SKU gone is then not found.
#[tokio::test]
async fn a_sku_changed_elsewhere_is_seen_after_the_memorys_time() {
    use std::sync::atomic::{AtomicU32, Ordering};
    let stock = Arc::new(AtomicU32::new(5));
    let reads = Arc::new(AtomicU32::new(0));
    let mut inner = MockSkuCatalog::new();
    let (shared, counted) = (stock.clone(), reads.clone());
    inner.expect_find_skus().returning(move |ids| {
        counted.fetch_add(1, Ordering::SeqCst);
        let stock = shared.load(Ordering::SeqCst);
        // SKU 3 is gone once the stock reads 0.
        Ok(ids
            .iter()
            .filter(|id| id.0 != 3 || stock > 0)
            .map(|id| SkuBuilder::new(id.0).stock(stock).build())
            .collect())
    });
    let memory = std::time::Duration::from_millis(100);
    let skus = CachedSkus::new(Arc::new(inner), memory);
    for sku in [1, 2, 3] {
        assert_eq!(skus.find_skus(&[SkuId(sku)]).await.unwrap()[0].stock, 5);
    }
    assert_eq!(reads.load(Ordering::SeqCst), 3);
    stock.store(0, Ordering::SeqCst);
    assert_eq!(skus.find_skus(&[SkuId(1)]).await.unwrap()[0].stock, 5, "still within its time");
    tokio::time::sleep(memory + std::time::Duration::from_millis(20)).await;
    assert_eq!(skus.find_skus(&[SkuId(1)]).await.unwrap()[0].stock, 0);
    assert_eq!(skus.find_skus(&[SkuId(2)]).await.unwrap()[0].stock, 0);
    assert!(skus.find_skus(&[SkuId(3)]).await.unwrap().is_empty(), "gone");
    // The three read again together, in one question.
    assert_eq!(reads.load(Ordering::SeqCst), 4);
}

/// When a page expires, the requests that miss it together wait for one read of the database
/// instead of each making its own (the stampede of a popular entry).
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_misses_of_one_entry_read_the_database_once() {
    let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = reads.clone();
    let mut queries = MockCatalogQueries::new();
    queries.expect_list_skus().returning(move |_, _, _, _| {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // A slow read (on this worker thread): the other requests miss meanwhile.
        std::thread::sleep(std::time::Duration::from_millis(200));
        Ok(Page { count: 1, items: vec![summary(7)] })
    });
    let cache = Arc::new(MemoryCache::default());
    let catalog = Arc::new(local(queries, &cache));
    let requests: Vec<_> = (0..16)
        .map(|_| {
            let catalog = catalog.clone();
            tokio::spawn(async move {
                catalog.list_skus(CategoryId(115), SkuOrdering::BestSelling, 0, 5).await
            })
        })
        .collect();
    for request in requests {
        let page = request.await.unwrap().unwrap();
        assert_eq!(page.items, vec![summary(7)]);
    }
    assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1, "one read for 16 misses");
}

/// A failed load is not shared: each waiting request then reads for itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_load_is_not_handed_to_the_others() {
    let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = reads.clone();
    let mut queries = MockCatalogQueries::new();
    queries.expect_sku_detail().returning(move |_| {
        let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(100));
        if n == 0 { Err(meiduo_domain::ports::StoreError::unexpected("lost")) } else { Ok(None) }
    });
    let cache = Arc::new(MemoryCache::default());
    let catalog = Arc::new(local(queries, &cache));
    let requests: Vec<_> = (0..4)
        .map(|_| {
            let catalog = catalog.clone();
            tokio::spawn(async move { catalog.sku_detail(SkuId(3)).await })
        })
        .collect();
    let mut failed = 0;
    for request in requests {
        if request.await.unwrap().is_err() {
            failed += 1;
        }
    }
    assert_eq!(failed, 1, "only the request whose read failed fails");
}
