//! Keeping the search index on the database, against mocks: the first round builds, later
//! rounds read what changed since the last one (looking back a minute), a full build comes
//! again when due, and a failed round starts again from the same point.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use meiduo_application::search::{CHANGE_OVERLAP, IndexRound, IndexState, SearchIndexing};
use meiduo_domain::SkuId;
use meiduo_domain::ports::{
    DocumentChanges, MockClock, MockSkuDocuments, MockSkuIndex, SkuDocument, StoreError,
};
use time::OffsetDateTime;
use time::macros::datetime;

const START: OffsetDateTime = datetime!(2026-12-02 10:00:00 UTC);

fn document(id: u64, launched: bool) -> SkuDocument {
    SkuDocument {
        id: SkuId(id),
        name: format!("SKU {id}"),
        caption: String::new(),
        spu: "SPU".into(),
        brand: "brand".into(),
        categories: vec![],
        sales: 0,
        is_launched: launched,
    }
}

/// A clock the test moves.
fn clock(now: Arc<Mutex<OffsetDateTime>>) -> MockClock {
    let mut clock = MockClock::new();
    clock.expect_now().returning(move || *now.lock().unwrap());
    clock
}

#[tokio::test]
async fn the_first_round_builds_and_the_next_ones_read_changes_since_the_last_looking_back() {
    let now = Arc::new(Mutex::new(START));
    let mut documents = MockSkuDocuments::new();
    documents
        .expect_launched()
        .times(1)
        .returning(|| Ok(vec![document(1, true), document(2, true)]));
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    documents.expect_changed_since().times(3).returning(move |since| {
        seen.lock().unwrap().push(since);
        let round = seen.lock().unwrap().len();
        Ok(match round {
            // A change written 10 s after the build.
            1 => DocumentChanges {
                documents: vec![document(2, false)],
                seen_until: START + Duration::from_secs(10),
            },
            // Nothing new: the store answers with the moment asked from.
            _ => DocumentChanges { documents: vec![], seen_until: since },
        })
    });
    let mut index = MockSkuIndex::new();
    let built = Arc::new(Mutex::new(None));
    let size = built.clone();
    index.expect_size().returning(move || *size.lock().unwrap());
    let store = built.clone();
    index.expect_rebuild().times(1).returning(move |docs| {
        *store.lock().unwrap() = Some(docs.len() as u64);
        Ok(())
    });
    index
        .expect_apply()
        .withf(|docs, removed| docs.len() <= 1 && removed.is_empty())
        .times(3)
        .returning(|_, _| Ok(()));
    let indexing = SearchIndexing::new(
        Arc::new(documents),
        Arc::new(index),
        Arc::new(clock(now.clone())),
        Duration::from_secs(600),
    );
    assert_eq!(indexing.state(), IndexState::Off, "no round has run");

    assert_eq!(indexing.run_once().await.unwrap(), IndexRound::Built { documents: 2 });
    assert_eq!(indexing.state(), IndexState::Ready { documents: 2 });
    for _ in 0..3 {
        *now.lock().unwrap() += Duration::from_secs(2);
        let round = indexing.run_once().await.unwrap();
        assert!(matches!(round, IndexRound::Refreshed { .. }), "{round:?}");
    }
    let asked = asked.lock().unwrap().clone();
    assert_eq!(
        asked,
        [
            START - CHANGE_OVERLAP,
            // From the latest change seen, never back from there.
            START + Duration::from_secs(10) - CHANGE_OVERLAP,
            START + Duration::from_secs(10) - CHANGE_OVERLAP,
        ]
    );
}

#[tokio::test]
async fn a_full_build_comes_again_when_due_and_a_failed_round_changes_nothing() {
    let now = Arc::new(Mutex::new(START));
    let mut documents = MockSkuDocuments::new();
    let builds = Arc::new(Mutex::new(0));
    let counted = builds.clone();
    documents.expect_launched().returning(move || {
        let mut n = counted.lock().unwrap();
        *n += 1;
        if *n == 2 { Err(StoreError::unexpected("the database went away")) } else { Ok(vec![]) }
    });
    documents
        .expect_changed_since()
        .returning(|since| Ok(DocumentChanges { documents: vec![], seen_until: since }));
    let mut index = MockSkuIndex::new();
    index.expect_rebuild().returning(|_| Ok(()));
    index.expect_apply().returning(|_, _| Ok(()));
    index.expect_size().return_const(Some(0));
    let indexing = SearchIndexing::new(
        Arc::new(documents),
        Arc::new(index),
        Arc::new(clock(now.clone())),
        Duration::from_secs(600),
    );
    assert!(matches!(indexing.run_once().await.unwrap(), IndexRound::Built { .. }));
    *now.lock().unwrap() += Duration::from_secs(599);
    assert!(matches!(indexing.run_once().await.unwrap(), IndexRound::Refreshed { .. }));
    *now.lock().unwrap() += Duration::from_secs(2);
    assert!(indexing.run_once().await.is_err(), "the rebuild is due and fails");
    assert!(
        matches!(indexing.run_once().await.unwrap(), IndexRound::Built { .. }),
        "still due: the next round builds"
    );
    assert_eq!(*builds.lock().unwrap(), 3);
}
