//! The catalog use cases against mocks: what is cached where, and for how long.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use meiduo_application::catalog::{Catalog, DETAIL_TTL, LIST_TTL};
use meiduo_application::errors::PageRequest;
use meiduo_domain::ports::{
    MockAreaRepository, MockBrowseHistory, MockCatalogQueries, MockSkuCatalog,
};
use meiduo_domain::{
    CategoryId, Page, SkuDetailData, SkuId, SkuOrdering, SkuSummary, SpuDetail, SpuId,
};
use support::*;

fn summary(id: u64) -> SkuSummary {
    SkuSummary {
        id: SkuId(id),
        name: format!("SKU {id}"),
        price: money("9.90"),
        default_image: None,
        comments: 0,
    }
}

fn detail(id: u64) -> SkuDetailData {
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

fn catalog(queries: MockCatalogQueries) -> Catalog {
    Catalog::new(
        Arc::new(queries),
        Arc::new(MockSkuCatalog::new()),
        Arc::new(MockAreaRepository::new()),
        Arc::new(MockBrowseHistory::new()),
    )
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
    let catalog = catalog(queries).with_local_cache(cache.clone());
    let first = PageRequest::new(Some(1), Some(10)).unwrap();
    let second = PageRequest::new(Some(2), Some(10)).unwrap();
    for _ in 0..3 {
        let page = catalog.list(CategoryId(157), Some("-sales"), first).await.unwrap();
        assert_eq!((page.count, page.items.len()), (2, 2));
        assert_eq!(page.items[1], summary(2), "the cached page reads back the same");
        let page = catalog.list(CategoryId(157), Some("price"), second).await.unwrap();
        assert_eq!(page.items, vec![summary(3)]);
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
    let catalog = catalog(queries).with_local_cache(cache.clone());
    assert_eq!(catalog.detail(SkuId(1)).await.unwrap(), detail(1));
    assert_eq!(catalog.detail(SkuId(1)).await.unwrap(), detail(1));
    assert!(catalog.detail(SkuId(2)).await.is_err());
    assert!(catalog.detail(SkuId(2)).await.is_err());
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
    let catalog = catalog(queries);
    let page = PageRequest::new(None, None).unwrap();
    catalog.list(CategoryId(1), None, page).await.unwrap();
    catalog.list(CategoryId(1), None, page).await.unwrap();
}
