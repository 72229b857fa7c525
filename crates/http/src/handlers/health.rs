//! Liveness and readiness.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

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
#[utoipa::path(tag = "health", responses((status = 200, body = Health), (status = 503, body = Health)))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<ApiState>) -> HttpResponse {
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
        lost_races: stats.lost_races.load(Relaxed),
        transaction_retries: stats.transaction_retries.load(Relaxed),
        busy: stats.busy.load(Relaxed),
        refunds_failing: state.payments.stats().refunds_failing.load(Relaxed),
    })
}
