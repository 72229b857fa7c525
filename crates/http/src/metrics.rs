//! Prometheus metrics (the `metrics` facade, rendered by `metrics-exporter-prometheus`): every
//! request by route and status with its latency, and at each scrape the process's counters of
//! orders and payments, the pools and the process's memory. The background workers add theirs.
//! Served at `GET /metrics`, behind the ops guard.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Request latency buckets, in seconds: from a cached read to a slow order.
const LATENCY_BUCKETS: [f64; 12] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (every server of a process shares it);
/// `None` when another recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

/// The help text of every metric the shop records.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!("meiduo_http_requests_total", "HTTP requests answered, by route and status");
    describe_histogram!(
        "meiduo_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by route"
    );
    describe_counter!("meiduo_orders_placed_total", "Orders committed by this process");
    describe_counter!(
        "meiduo_order_transactions_total",
        "Order transactions begun by this process (retries included)"
    );
    describe_counter!(
        "meiduo_orders_sold_out_total",
        "Orders of a SKU on flash sale turned away by its empty gate"
    );
    describe_counter!(
        "meiduo_orders_sold_out_remembered_total",
        "Of the orders turned away as sold out, those answered without loading the cart"
    );
    describe_counter!(
        "meiduo_order_lost_races_total",
        "Stock compare-and-swaps that missed and were tried again"
    );
    describe_counter!(
        "meiduo_order_transaction_retries_total",
        "Order transactions run again (deadlock, lock wait timeout, order-id clash)"
    );
    describe_counter!("meiduo_orders_busy_total", "Orders refused as busy after the retries");
    describe_counter!("meiduo_payments_confirmed_total", "Payments recorded (once per order)");
    describe_gauge!(
        "meiduo_refunds_failing",
        "Refunds whose attempts failed 5 times or more (operators must look)"
    );
    describe_counter!("meiduo_outbox_messages_total", "Outbox messages handled, by outcome");
    describe_counter!("meiduo_expiry_orders_total", "Unpaid orders handled by expiry, by outcome");
    describe_counter!("meiduo_refunds_reconciled_total", "Refunds reconciled, by outcome");
    describe_gauge!(
        "meiduo_refunds_pending",
        "Refunds recorded and not done yet, after the last reconciliation round"
    );
    describe_counter!("meiduo_worker_failures_total", "Background rounds that failed, by worker");
    describe_counter!("meiduo_search_rounds_total", "Search index rounds, built or refreshed");
    describe_counter!(
        "meiduo_search_documents_applied_total",
        "Changed SKUs' documents the search index read (unchanged ones are not written again)"
    );
    describe_gauge!("meiduo_search_documents", "SKUs in this process's search index");
    describe_gauge!("meiduo_pool_connections", "Pooled connections, by store and state");
    describe_histogram!(
        "meiduo_db_pool_acquire_seconds",
        Unit::Seconds,
        "How long each database call waited for a pooled connection"
    );
    describe_histogram!(
        "meiduo_redis_command_duration_seconds",
        Unit::Seconds,
        "Time of a Redis command or pipeline, its connection's checkout included"
    );
    describe_counter!("meiduo_redis_errors_total", "Redis calls that failed, by kind");
    describe_gauge!(
        "meiduo_process_resident_memory_bytes",
        Unit::Bytes,
        "Resident memory of this process"
    );
}

/// Counts each request by method, route pattern and status, and times it.
///
/// # Errors
/// Those of the wrapped service.
pub async fn record_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let response = next.call(req).await?;
    // The pattern, not the path: ids would make a series per resource.
    let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16().to_string();
    metrics::counter!("meiduo_http_requests_total", "method" => method.clone(),
        "route" => route.clone(), "status" => status)
    .increment(1);
    metrics::histogram!("meiduo_http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    Ok(response)
}

/// This process's resident memory, from `/proc/self/statm` (Linux); `None` elsewhere.
pub fn resident_memory() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
