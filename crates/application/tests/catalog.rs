//! The catalog use cases against mocks. (What is cached where is the cache decorator's:
//! `meiduo-inprocess`'s tests.)
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use meiduo_application::catalog::{Catalog, CatalogError};
use meiduo_application::errors::PageRequest;
use meiduo_domain::ports::{
    MockAreaRepository, MockBrowseHistory, MockCatalogQueries, MockSkuCatalog, MockSkuIndex,
    SearchHits, StoreError,
};
use meiduo_domain::{CategoryId, Page, SkuId, SkuOrdering};
use support::*;

fn catalog(queries: MockCatalogQueries) -> Catalog {
    searching(queries, MockSkuIndex::new())
}

fn searching(queries: MockCatalogQueries, index: MockSkuIndex) -> Catalog {
    Catalog::new(
        Arc::new(queries),
        Arc::new(MockSkuCatalog::new()),
        Arc::new(MockAreaRepository::new()),
        Arc::new(MockBrowseHistory::new()),
        Arc::new(index),
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

fn hits(count: u64, ids: &[u64]) -> SearchHits {
    SearchHits { count, ids: ids.iter().copied().map(SkuId).collect() }
}

#[tokio::test]
async fn a_search_ranks_with_the_index_and_reads_the_skus_on_sale_from_the_database() {
    let mut index = MockSkuIndex::new();
    index
        .expect_search()
        .withf(|text, offset, limit| text == "华为 手机" && *offset == 5 && *limit == 5)
        .times(1)
        .returning(|_, _, _| Ok(Some(hits(7, &[3, 1]))));
    let mut queries = MockCatalogQueries::new();
    queries
        .expect_launched_summaries()
        .withf(|ids| ids == [SkuId(3), SkuId(1)])
        .times(1)
        .returning(|_| Ok(vec![summary(3), summary(1)]));
    queries.expect_search_skus().never();
    let page = PageRequest::new(Some(2), Some(5)).unwrap();
    let found = searching(queries, index).search("  华为 手机 ", page).await.unwrap();
    assert_eq!(found, Page { count: 7, items: vec![summary(3), summary(1)] });
}

#[tokio::test]
async fn skus_taken_off_sale_since_the_index_heard_are_left_out_and_removed_from_it() {
    let mut index = MockSkuIndex::new();
    index.expect_search().returning(|_, _, _| Ok(Some(hits(3, &[3, 2, 1]))));
    index
        .expect_apply()
        .withf(|documents, removed| documents.is_empty() && removed == &[SkuId(2)])
        .times(1)
        .returning(|_, _| Ok(()));
    let mut queries = MockCatalogQueries::new();
    queries.expect_launched_summaries().returning(|_| Ok(vec![summary(3), summary(1)]));
    let page = PageRequest::new(None, None).unwrap();
    let found = searching(queries, index).search("iphone", page).await.unwrap();
    assert_eq!(found, Page { count: 2, items: vec![summary(3), summary(1)] });
}

#[tokio::test]
async fn without_an_index_or_a_word_it_knows_the_search_matches_names_literally() {
    let page = PageRequest::new(None, Some(5)).unwrap();
    let answers: [Result<Option<SearchHits>, StoreError>; 3] =
        [Ok(None), Ok(Some(SearchHits::default())), Err(StoreError::unexpected("a broken index"))];
    for answer in answers {
        let mut index = MockSkuIndex::new();
        let answer = std::sync::Mutex::new(Some(answer));
        index
            .expect_search()
            .times(1)
            .returning(move |_, _, _| answer.lock().unwrap().take().unwrap());
        let mut queries = MockCatalogQueries::new();
        queries
            .expect_search_skus()
            .withf(|text, offset, limit| text == "机" && *offset == 0 && *limit == 5)
            .times(1)
            .returning(|_, _, _| Ok(Page { count: 1, items: vec![summary(4)] }));
        queries.expect_launched_summaries().never();
        let found = searching(queries, index).search("机", page).await.unwrap();
        assert_eq!(found.items, vec![summary(4)]);
    }
}

#[tokio::test]
async fn words_the_index_does_not_know_find_nothing_without_a_scan() {
    let mut index = MockSkuIndex::new();
    index.expect_search().returning(|_, _, _| Ok(Some(SearchHits::default())));
    let mut queries = MockCatalogQueries::new();
    queries.expect_search_skus().never();
    let page = PageRequest::new(None, None).unwrap();
    let found = searching(queries, index).search("三星 手机", page).await.unwrap();
    assert_eq!(found, Page { count: 0, items: vec![] });
}

#[tokio::test]
async fn an_empty_or_overlong_search_is_refused_before_any_index() {
    let page = PageRequest::new(None, None).unwrap();
    for text in ["", "   ", &"华".repeat(51)] {
        let mut index = MockSkuIndex::new();
        index.expect_search().never();
        let found = searching(MockCatalogQueries::new(), index).search(text, page).await;
        assert_eq!(found, Err(CatalogError::BadSearch));
    }
}
