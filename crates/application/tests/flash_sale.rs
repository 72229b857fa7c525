//! FlashSale against mocks of its ports: what an operator's command writes, in which order, and
//! what it audits.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use meiduo_application::flash_sale::{FlashSale, FlashSaleError, SaleState};
use meiduo_domain::ports::{FlashSaleSku, MockAuditLog, MockClock, MockFlashSales, MockSaleGate};
use meiduo_domain::{AuditAction, SkuId, StaffMember, UserId};
use mockall::predicate::eq;
use time::macros::datetime;

fn operator() -> StaffMember {
    meiduo_test_support::operator(7)
}

fn clock() -> MockClock {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(datetime!(2026-12-02 10:00 UTC));
    clock
}

fn flash_sale(sales: MockFlashSales, gate: MockSaleGate, audit: MockAuditLog) -> FlashSale {
    FlashSale::new(Arc::new(sales), Arc::new(gate), Arc::new(audit), Arc::new(clock()))
}

#[tokio::test]
async fn opening_marks_the_sku_then_loads_its_stock_into_the_gate_and_audits_it() {
    let mut sales = MockFlashSales::new();
    sales
        .expect_mark()
        .with(eq(SkuId(3)))
        .times(1)
        .returning(|sku| Ok(Some(FlashSaleSku { sku, stock: 100 })));
    let mut gate = MockSaleGate::new();
    gate.expect_open().with(eq(SkuId(3)), eq(100)).times(1).returning(|_, _| Ok(()));
    let entries = Arc::new(Mutex::new(Vec::new()));
    let mut audit = MockAuditLog::new();
    let kept = Arc::clone(&entries);
    audit.expect_record().returning(move |entry| {
        kept.lock().unwrap().push(entry.clone());
        Ok(())
    });

    let state = flash_sale(sales, gate, audit).open(Some(&operator()), SkuId(3)).await.unwrap();

    assert_eq!(state, SaleState { sku: SkuId(3), stock: 100, gate: Some(100) });
    let entries = entries.lock().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].actor, entries[0].action), (UserId(7), AuditAction::Update));
    assert_eq!((entries[0].resource.as_str(), entries[0].resource_id.as_str()), ("sku", "3"));
    assert_eq!(entries[0].changes[0].field, "flash_sale");
    assert_eq!(entries[0].changes[0].after.as_deref(), Some("true"));
}

#[tokio::test]
async fn an_unknown_sku_opens_no_gate_and_a_sku_not_on_sale_cannot_be_closed() {
    let mut sales = MockFlashSales::new();
    sales.expect_mark().returning(|_| Ok(None));
    sales.expect_unmark().returning(|_| Ok(false));
    let mut gate = MockSaleGate::new();
    gate.expect_open().never();
    // A stray gate (left by a race with a reconciliation) is removed all the same.
    gate.expect_close().with(eq(SkuId(5))).times(1).returning(|_| Ok(()));
    let mut audit = MockAuditLog::new();
    audit.expect_record().never();
    let sales = flash_sale(sales, gate, audit);

    assert_eq!(
        sales.open(Some(&operator()), SkuId(5)).await,
        Err(FlashSaleError::UnknownSku(SkuId(5)))
    );
    assert_eq!(
        sales.close(Some(&operator()), SkuId(5)).await,
        Err(FlashSaleError::NotOnSale(SkuId(5)))
    );
}

#[tokio::test]
async fn the_periodic_reconciliation_only_mends_and_a_start_sets_every_gate() {
    // SKU 1's gate counts; SKU 2's is gone (Redis restarted); SKU 3's is empty while the
    // database has 2 units; SKU 9's sale ended elsewhere.
    let marked = vec![
        FlashSaleSku { sku: SkuId(1), stock: 4 },
        FlashSaleSku { sku: SkuId(2), stock: 7 },
        FlashSaleSku { sku: SkuId(3), stock: 2 },
    ];
    let mut sales = MockFlashSales::new();
    sales.expect_marked().returning(move || Ok(marked.clone()));
    let mut gate = MockSaleGate::new();
    gate.expect_gated().returning(|| Ok(vec![SkuId(1), SkuId(3), SkuId(9)]));
    gate.expect_close().with(eq(SkuId(9))).times(3).returning(|_| Ok(()));
    gate.expect_units().with(eq(SkuId(1))).returning(|_| Ok(Some(3)));
    gate.expect_units().with(eq(SkuId(2))).returning(|_| Ok(None));
    gate.expect_units().with(eq(SkuId(3))).returning(|_| Ok(Some(0)));
    gate.expect_restore().with(eq(SkuId(2)), eq(7)).times(2).returning(|_, _| Ok(true));
    // Stranded only when the second round sees the same stock: orders in flight would have
    // changed it.
    gate.expect_restore().with(eq(SkuId(3)), eq(2)).times(1).returning(|_, _| Ok(true));
    for (sku, units) in [(1, 4), (2, 7), (3, 2)] {
        gate.expect_open().with(eq(SkuId(sku)), eq(units)).times(1).returning(|_, _| Ok(()));
    }
    let sales = flash_sale(sales, gate, MockAuditLog::new());

    let first = sales.reconcile(false).await.unwrap();
    assert_eq!((first.restored, first.closed), (vec![SkuId(2)], vec![SkuId(9)]));
    let second = sales.reconcile(false).await.unwrap();
    assert_eq!(second.restored, vec![SkuId(2), SkuId(3)]);
    let at_start = sales.reconcile(true).await.unwrap();
    assert_eq!(at_start.restored, vec![SkuId(1), SkuId(2), SkuId(3)]);
}
