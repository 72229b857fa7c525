//! The catalog's administration against mocks: a SKU's options cover its SPU's specifications
//! exactly once, bounds are checked before anything is written, a write that loses a race is
//! tried again, pictures are checked before they are stored and removed when their row is not
//! written, and every write is audited and announced to the caches.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use meiduo_application::admin::AdminError;
use meiduo_application::catalog_admin::{CatalogAdmin, CatalogAdminPorts};
use meiduo_domain::ports::{
    CatalogEditError, ImageStoreError, MockAuditLog, MockCatalogChanges, MockCatalogEditor,
    MockClock, MockImageStore, StoreError,
};
use meiduo_domain::{
    AuditAction, AuditEntry, OptionValue, SkuForm, SkuImageRecord, SkuRecord, SkuRemoval,
    SkuSpecChoice, SpecRecord, SpuRecord, StaffMember,
};
use meiduo_test_support::money;
use time::macros::datetime;

fn operator() -> StaffMember {
    meiduo_test_support::operator(1)
}

fn spu() -> SpuRecord {
    SpuRecord {
        id: 5,
        name: "phone".into(),
        brand_id: 1,
        brand: "brand".into(),
        category1_id: 1,
        category2_id: 2,
        category3_id: 9,
        sales: 0,
        comments: 0,
        desc_detail: String::new(),
        desc_pack: String::new(),
        desc_service: String::new(),
    }
}

/// Colour (options 11, 12) and memory (options 21, 22).
fn specs() -> Vec<SpecRecord> {
    let spec = |id: u64, name: &str, options: [u64; 2]| SpecRecord {
        id,
        name: name.into(),
        spu_id: 5,
        spu: "phone".into(),
        options: options.map(|id| OptionValue { id, value: id.to_string() }).to_vec(),
    };
    vec![spec(1, "colour", [11, 12]), spec(2, "memory", [21, 22])]
}

fn form(choices: &[(u64, u64)]) -> SkuForm {
    SkuForm {
        name: " phone red 64GB ".into(),
        caption: String::new(),
        spu_id: 5,
        category_id: 9,
        price: money("99.50"),
        cost_price: money("50.00"),
        market_price: money("120.00"),
        stock: 10,
        stock_was: None,
        is_launched: true,
        specs: choices
            .iter()
            .map(|&(spec_id, option_id)| SkuSpecChoice { spec_id, option_id })
            .collect(),
    }
}

fn record(id: u64, form: &SkuForm) -> SkuRecord {
    SkuRecord {
        id,
        name: form.name.clone(),
        caption: form.caption.clone(),
        spu_id: form.spu_id,
        spu: "phone".into(),
        category_id: form.category_id,
        category: "phones".into(),
        price: form.price,
        cost_price: form.cost_price,
        market_price: form.market_price,
        stock: form.stock,
        sales: 0,
        comments: 0,
        is_launched: form.is_launched,
        default_image: None,
        specs: form.specs.clone(),
    }
}

struct Mocks {
    editor: MockCatalogEditor,
    images: MockImageStore,
    changes: MockCatalogChanges,
    audit: MockAuditLog,
    entries: Arc<Mutex<Vec<AuditEntry>>>,
}

impl Mocks {
    /// An editor that knows SPU 5 and its specifications; audit entries are kept.
    fn new() -> Self {
        let mut editor = MockCatalogEditor::new();
        editor.expect_spu().returning(|id| Ok((id == 5).then(spu)));
        editor.expect_spu_specs().returning(|_| Ok(specs()));
        let entries = Arc::new(Mutex::new(Vec::new()));
        let mut audit = MockAuditLog::new();
        let kept = entries.clone();
        audit.expect_record().returning(move |entry| {
            kept.lock().unwrap().push(entry.clone());
            Ok(())
        });
        Mocks {
            editor,
            images: MockImageStore::new(),
            changes: MockCatalogChanges::new(),
            audit,
            entries,
        }
    }

    fn build(self) -> (CatalogAdmin, Arc<Mutex<Vec<AuditEntry>>>) {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(datetime!(2026-12-02 08:00:00 UTC));
        let admin = CatalogAdmin::new(CatalogAdminPorts {
            editor: Arc::new(self.editor),
            images: Arc::new(self.images),
            changes: Arc::new(self.changes),
            audit: Arc::new(self.audit),
            clock: Arc::new(clock),
        });
        (admin, self.entries)
    }
}

#[tokio::test]
async fn a_skus_options_must_cover_its_spus_specifications_exactly_once() {
    let cases: [(&[(u64, u64)], &str); 5] = [
        (&[(1, 11)], "memory needs an option"),
        (&[(1, 11), (2, 21), (1, 12)], "colour given twice"),
        (&[(1, 21), (2, 21)], "option 21 is not a colour"),
        (&[(1, 11), (2, 21), (3, 31)], "3 is not a specification of the SPU"),
        (&[], "no option at all"),
    ];
    for (choices, why) in cases {
        let mut mocks = Mocks::new();
        mocks.editor.expect_save_sku().never();
        let (admin, entries) = mocks.build();
        let refused = admin.create_sku(&operator(), form(choices)).await.unwrap_err();
        assert!(
            matches!(refused, AdminError::Invalid { field: "specs", .. }),
            "{why}: {refused:?}"
        );
        assert!(entries.lock().unwrap().is_empty(), "{why}: nothing was audited");
    }
}

#[tokio::test]
async fn bounds_and_the_category_are_checked_before_anything_is_written() {
    let good = || form(&[(1, 11), (2, 21)]);
    let cases: [(SkuForm, &str); 6] = [
        (SkuForm { price: money("0.00"), ..good() }, "price"),
        (SkuForm { price: money("100000.01"), ..good() }, "price"),
        (SkuForm { market_price: money("100000.01"), ..good() }, "market_price"),
        (SkuForm { stock: 1_000_001, ..good() }, "stock"),
        (SkuForm { category_id: 2, ..good() }, "category_id"),
        (SkuForm { name: "   ".into(), ..good() }, "name"),
    ];
    for (form, field) in cases {
        let mut mocks = Mocks::new();
        mocks.editor.expect_save_sku().never();
        let (admin, _) = mocks.build();
        let refused = admin.create_sku(&operator(), form).await.unwrap_err();
        assert!(
            matches!(&refused, AdminError::Invalid { field: f, .. } if *f == field),
            "{field}: {refused:?}"
        );
    }
    let mut mocks = Mocks::new();
    mocks.editor.expect_save_sku().never();
    let (admin, _) = mocks.build();
    let unknown = admin.create_sku(&operator(), SkuForm { spu_id: 6, ..good() }).await;
    assert!(matches!(unknown, Err(AdminError::UnknownReference { field: "spu_id", .. })));
}

#[tokio::test]
async fn a_created_sku_is_trimmed_saved_once_audited_and_announced() {
    let mut mocks = Mocks::new();
    mocks
        .editor
        .expect_save_sku()
        .withf(|id, form| id.is_none() && form.name == "phone red 64GB")
        .times(1)
        .returning(|_, form| Ok(Some(record(7, form))));
    mocks
        .changes
        .expect_skus_changed()
        .withf(|skus| skus.len() == 1 && skus[0].0.0 == 7 && skus[0].1.0 == 9)
        .times(1)
        .return_const(());
    let (admin, entries) = mocks.build();
    let created = admin.create_sku(&operator(), form(&[(2, 22), (1, 12)])).await.unwrap();
    assert_eq!(created.id, 7);
    let specs: Vec<(u64, u64)> = created.specs.iter().map(|c| (c.spec_id, c.option_id)).collect();
    assert_eq!(specs, [(1, 12), (2, 22)], "by specification");
    let entries = entries.lock().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].action, entries[0].resource.as_str()), (AuditAction::Create, "sku"));
    let price = entries[0].changes.iter().find(|c| c.field == "price").unwrap();
    assert_eq!((price.before.as_deref(), price.after.as_deref()), (None, Some("99.50")));
}

#[tokio::test]
async fn a_write_that_loses_a_race_is_tried_again_and_gives_up_after_five_tries() {
    let lost = || CatalogEditError::Store(StoreError::Conflict("deadlock".into()));
    let mut mocks = Mocks::new();
    let tries = Arc::new(Mutex::new(0));
    let counted = tries.clone();
    mocks.editor.expect_save_sku().returning(move |_, form| {
        let mut tries = counted.lock().unwrap();
        *tries += 1;
        if *tries < 3 { Err(lost()) } else { Ok(Some(record(7, form))) }
    });
    mocks.changes.expect_skus_changed().return_const(());
    let (admin, _) = mocks.build();
    admin.create_sku(&operator(), form(&[(1, 11), (2, 21)])).await.unwrap();
    assert_eq!(*tries.lock().unwrap(), 3);

    let mut mocks = Mocks::new();
    mocks.editor.expect_save_sku().times(5).returning(move |_, _| Err(lost()));
    let (admin, entries) = mocks.build();
    let failed = admin.create_sku(&operator(), form(&[(1, 11), (2, 21)])).await.unwrap_err();
    assert!(matches!(failed, AdminError::Failure(_)), "{failed:?}");
    assert!(entries.lock().unwrap().is_empty());
}

/// The SKU pictures are added to.
fn owner() -> SkuRecord {
    record(7, &form(&[(1, 11), (2, 21)]))
}

const PNG_HEADER: [u8; 33] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89,
];

#[tokio::test]
async fn only_real_pictures_of_bounded_size_are_stored() {
    for (bytes, why) in [
        (b"GIF89a but not really".to_vec(), "a header that does not decode"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(), "not a raster picture"),
        (Vec::new(), "nothing"),
    ] {
        let mut mocks = Mocks::new();
        mocks.editor.expect_sku().returning(|_| Ok(Some(owner())));
        mocks.images.expect_put().never();
        let (admin, _) = mocks.build();
        let refused = admin.add_image(&operator(), 7, bytes).await.unwrap_err();
        assert!(matches!(refused, AdminError::BadImage(_)), "{why}: {refused:?}");
    }
    let mut huge = PNG_HEADER.to_vec();
    huge.resize(5 * 1024 * 1024 + 1, 0);
    let mut mocks = Mocks::new();
    mocks.editor.expect_sku().returning(|_| Ok(Some(owner())));
    mocks.images.expect_put().never();
    let (admin, _) = mocks.build();
    let refused = admin.add_image(&operator(), 7, huge).await.unwrap_err();
    assert_eq!(refused, AdminError::ImageTooLarge(5 * 1024 * 1024));
}

#[tokio::test]
async fn a_picture_is_stored_under_a_generated_name_and_removed_if_its_row_is_not_written() {
    let stored = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut mocks = Mocks::new();
    mocks.editor.expect_sku().returning(|_| Ok(Some(owner())));
    let kept = stored.clone();
    mocks.images.expect_put().times(1).returning(move |path, _, content_type| {
        assert_eq!(content_type, "image/png");
        kept.lock().unwrap().push(path.to_owned());
        Ok(())
    });
    mocks
        .editor
        .expect_add_image()
        .returning(|_, _| Err(CatalogEditError::Store(StoreError::Unavailable("down".into()))));
    let removed = stored.clone();
    mocks
        .images
        .expect_delete()
        .withf(move |path| removed.lock().unwrap().first().is_some_and(|p| p == path))
        .times(1)
        .returning(|_| Ok(()));
    let (admin, entries) = mocks.build();
    let failed = admin.add_image(&operator(), 7, PNG_HEADER.to_vec()).await.unwrap_err();
    assert!(matches!(failed, AdminError::Failure(_)), "{failed:?}");
    let path = stored.lock().unwrap()[0].clone();
    assert!(path.starts_with("skus/7/") && path.ends_with(".png"), "{path}");
    assert!(entries.lock().unwrap().is_empty());

    // Storage that is down: nothing is written.
    let mut mocks = Mocks::new();
    mocks.editor.expect_sku().returning(|_| Ok(Some(owner())));
    mocks
        .images
        .expect_put()
        .returning(|_, _, _| Err(ImageStoreError::Unavailable("no bucket".into())));
    mocks.editor.expect_add_image().never();
    let (admin, _) = mocks.build();
    let failed = admin.add_image(&operator(), 7, PNG_HEADER.to_vec()).await.unwrap_err();
    assert!(matches!(failed, AdminError::Failure(_)));
}

#[tokio::test]
async fn deleting_a_sku_orders_reference_takes_it_off_sale_and_keeps_its_pictures() {
    let mut mocks = Mocks::new();
    let launched = Arc::new(Mutex::new(true));
    let state = launched.clone();
    mocks
        .editor
        .expect_sku()
        .returning(move |_| Ok(Some(SkuRecord { is_launched: *state.lock().unwrap(), ..owner() })));
    let flip = launched.clone();
    mocks.editor.expect_remove_sku().times(1).returning(move |_| {
        *flip.lock().unwrap() = false;
        Ok(Some((SkuRemoval::Unlaunched, Vec::new())))
    });
    mocks.images.expect_delete().never();
    mocks.changes.expect_skus_changed().times(1).return_const(());
    let (admin, entries) = mocks.build();
    let after = admin.delete_sku(&operator(), 7).await.unwrap().expect("still there");
    assert!(!after.is_launched);
    let entry = entries.lock().unwrap()[0].clone();
    assert_eq!(entry.action, AuditAction::Update);
    let change = &entry.changes[0];
    assert_eq!(
        (change.field.as_str(), change.before.as_deref(), change.after.as_deref()),
        ("is_launched", Some("true"), Some("false"))
    );

    let mut mocks = Mocks::new();
    mocks.editor.expect_sku().returning(|_| Ok(Some(owner())));
    mocks.editor.expect_remove_sku().returning(|_| {
        Ok(Some((SkuRemoval::Deleted, vec!["skus/7/a.png".into(), "skus/7/b.png".into()])))
    });
    mocks.images.expect_delete().times(2).returning(|_| Ok(()));
    mocks.changes.expect_skus_changed().return_const(());
    let (admin, entries) = mocks.build();
    assert_eq!(admin.delete_sku(&operator(), 7).await.unwrap(), None);
    assert_eq!(entries.lock().unwrap()[0].action, AuditAction::Delete);
    // A missing picture row is not found, not a failure.
    let mut mocks = Mocks::new();
    mocks.editor.expect_delete_image().returning(|_| Ok(None::<SkuImageRecord>));
    let (admin, _) = mocks.build();
    assert_eq!(admin.delete_image(&operator(), 3).await, Err(AdminError::NotFound("picture")));
}
