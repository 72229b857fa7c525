//! The catalog use cases against mocks. (What is cached where is the cache decorator's:
//! `meiduo-inprocess`'s tests.)
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use meiduo_application::catalog::{Catalog, CatalogError};
use meiduo_application::errors::PageRequest;
use meiduo_domain::ports::{
    MockAreaRepository, MockBrowseHistory, MockCatalogQueries, MockSkuCatalog,
};
use meiduo_domain::{CategoryId, Page, SkuId, SkuOrdering};
use support::*;

fn catalog(queries: MockCatalogQueries) -> Catalog {
    Catalog::new(
        Arc::new(queries),
        Arc::new(MockSkuCatalog::new()),
        Arc::new(MockAreaRepository::new()),
        Arc::new(MockBrowseHistory::new()),
    )
}

#[tokio::test]
async fn the_originals_ordering_names_choose_the_ordering_and_the_page_its_window() {
    for (name, ordering) in [
        (None, SkuOrdering::Newest),
        (Some("-create_time"), SkuOrdering::Newest),
        (Some("create_time"), SkuOrdering::Oldest),
        (Some("price"), SkuOrdering::PriceAscending),
        (Some("sales"), SkuOrdering::LeastSelling),
        (Some("popularity,-price"), SkuOrdering::PriceDescending),
        (Some("popularity"), SkuOrdering::Newest),
        (Some("-price"), SkuOrdering::PriceDescending),
        (Some("-sales"), SkuOrdering::BestSelling),
    ] {
        let mut queries = MockCatalogQueries::new();
        queries
            .expect_list_skus()
            .withf(move |c, o, offset, limit| {
                *c == CategoryId(157) && *o == ordering && *offset == 10 && *limit == 10
            })
            .times(1)
            .returning(|_, _, _, _| Ok(Page { count: 11, items: vec![summary(1)] }));
        let page = PageRequest::new(Some(2), Some(10)).unwrap();
        let listed = catalog(queries).list(CategoryId(157), name, page).await.unwrap();
        assert_eq!(listed.items, vec![summary(1)], "{name:?}");
    }
}

#[tokio::test]
async fn a_missing_detail_is_not_found() {
    let mut queries = MockCatalogQueries::new();
    queries.expect_sku_detail().returning(|_| Ok(None));
    assert_eq!(catalog(queries).detail(SkuId(9)).await, Err(CatalogError::SkuNotFound));
}
