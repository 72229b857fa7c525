//! Liveness and readiness.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use meiduo_application::search::IndexState;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::state::ApiState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    /// Each dependency: "ok" or "unavailable" (why goes to the log, not to whoever asks).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<&'static str, String>,
}

/// The process answers.
#[utoipa::path(tag = "health", responses((status = 200, body = Health)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok", checks: BTreeMap::new() })
}

/// The database and the cart store answer. Which dependency does not is said; why is logged.
/// `checks.search` says whether the search index is built (`ok`), still `building` (searches
/// use the database meanwhile) or `off`; it does not make the server unready.
#[utoipa::path(tag = "health", responses((status = 200, body = Health), (status = 503, body = Health)))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<ApiState>) -> HttpResponse {
    if state.draining.load(std::sync::atomic::Ordering::Relaxed) {
        let checks = [("server", "stopping".to_owned())].into_iter().collect();
        return HttpResponse::ServiceUnavailable().json(Health { status: "stopping", checks });
    }
    let results = state.readiness.check().await;
    let all_ok = results.iter().all(|(_, result)| result.is_ok());
    let checks = results
        .into_iter()
        .map(|(name, result)| match result {
            Ok(()) => (name, "ok".to_owned()),
            Err(why) => {
                tracing::warn!(dependency = name, error = %why, "not ready");
                (name, "unavailable".to_owned())
            }
        })
        .collect();
    let mut checks: BTreeMap<_, _> = checks;
    // Informative only: until the index is built, searches use the database.
    let search = match state.search.state() {
        IndexState::Ready { .. } => "ok",
        IndexState::Building => "building",
        IndexState::Off => "off",
    };
    checks.insert("search", search.to_owned());
    let body = Health { status: if all_ok { "ok" } else { "unavailable" }, checks };
    if all_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderCounters {
    /// Orders committed since the process started.
    pub placed: u64,
    /// Order transactions begun (retries included).
    pub transactions: u64,
    /// Orders of a SKU on flash sale turned away by its empty gate, before any database work.
    pub sold_out: u64,
    /// Of those, the ones answered without loading the cart (the shopper was turned away a
    /// moment before and the cart has not changed since).
    pub sold_out_remembered: u64,
    /// Stock compare-and-swaps that missed and were tried again.
    pub lost_races: u64,
    /// Whole order transactions run again (deadlock, lock wait, order-id clash).
    pub transaction_retries: u64,
    /// Orders refused as busy.
    pub busy: u64,
    /// Refund attempts that failed after 5 tries or more (operators must look: the log names the
    /// trades).
    pub refunds_failing: u64,
}

/// Contention counters of order placement in this process (for load tests and dashboards).
#[utoipa::path(tag = "health", responses((status = 200, body = OrderCounters)))]
#[get("/metrics/orders")]
pub async fn order_counters(state: web::Data<ApiState>) -> HttpResponse {
    use std::sync::atomic::Ordering::Relaxed;
    let stats = state.place_order.stats();
    HttpResponse::Ok().json(OrderCounters {
        placed: stats.placed.load(Relaxed),
        transactions: stats.transactions.load(Relaxed),
        sold_out: stats.sold_out.load(Relaxed),
        sold_out_remembered: stats.sold_out_remembered.load(Relaxed),
        lost_races: stats.lost_races.load(Relaxed),
        transaction_retries: stats.transaction_retries.load(Relaxed),
        busy: stats.busy.load(Relaxed),
        refunds_failing: state.payments.stats().refunds_failing.load(Relaxed),
    })
}

/// The Prometheus metrics of this process (text format 0.0.4): requests by route and status
/// with latency histograms, orders, payments, the background workers, the pools, memory.
#[utoipa::path(tag = "health", responses((status = 200, content_type = "text/plain", body = String), (status = 503, body = ErrorBody)))]
#[get("/metrics")]
pub async fn prometheus(state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    use std::sync::atomic::Ordering::Relaxed;
    let handle = crate::metrics::handle().ok_or_else(|| {
        ApiError::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            crate::error::ErrorCode::ServiceUnavailable,
            "another metrics recorder is installed",
        )
    })?;
    let orders = state.place_order.stats();
    for (name, value) in [
        ("meiduo_orders_placed_total", orders.placed.load(Relaxed)),
        ("meiduo_order_transactions_total", orders.transactions.load(Relaxed)),
        ("meiduo_orders_sold_out_total", orders.sold_out.load(Relaxed)),
        ("meiduo_orders_sold_out_remembered_total", orders.sold_out_remembered.load(Relaxed)),
        ("meiduo_order_lost_races_total", orders.lost_races.load(Relaxed)),
        ("meiduo_order_transaction_retries_total", orders.transaction_retries.load(Relaxed)),
        ("meiduo_orders_busy_total", orders.busy.load(Relaxed)),
        ("meiduo_payments_confirmed_total", state.payments.stats().confirmed.load(Relaxed)),
    ] {
        metrics::counter!(name).absolute(value);
    }
    let failing = state.payments.stats().refunds_failing.load(Relaxed);
    metrics::gauge!("meiduo_refunds_failing").set(failing as f64);
    for pool in state.readiness.pools() {
        let gauge = |state: &'static str, value: u64| {
            metrics::gauge!("meiduo_pool_connections", "store" => pool.store, "state" => state)
                .set(value as f64);
        };
        gauge("in_use", pool.in_use);
        gauge("idle", pool.idle);
        if let Some(waiting) = pool.waiting {
            gauge("waiting", waiting);
        }
    }
    if let Some(bytes) = crate::metrics::resident_memory() {
        metrics::gauge!("meiduo_process_resident_memory_bytes").set(bytes as f64);
    }
    handle.run_upkeep();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render()))
}
