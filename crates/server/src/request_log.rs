//! One span per request (method, path without the query, status, request id), and what is logged when a request
//! fails: a server error in full, at ERROR; a client error — the shopper's or a scanner's bad
//! input, answered with a 4xx — as one short line at DEBUG, so that a flood of bad requests does
//! not flood the log.

use actix_web::Error;
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// The [`RootSpanBuilder`] of the server's `TracingLogger`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestSpans;

impl RootSpanBuilder for RequestSpans {
    /// The method, the path without its query (which may carry tokens: `?access_token=`,
    /// `?token=`), the peer's address and the request's id; never a header's value.
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().map(ToString::to_string);
        tracing::info_span!(
            "request",
            http.method = %request.method(),
            http.path = %request.path(),
            http.peer = %request.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default(),
            request_id = request_id.as_deref().unwrap_or(""),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error()),
            Err(error) => (error.as_response_error().status_code(), Some(error)),
        };
        span.record("http.status_code", i64::from(status.as_u16()));
        span.record("otel.status_code", if status.is_server_error() { "ERROR" } else { "OK" });
        let Some(error) = error else { return };
        if status.is_server_error() {
            tracing::error!(parent: &span, status = status.as_u16(), error = ?error.as_response_error(), "request failed");
        } else {
            tracing::debug!(parent: &span, status = status.as_u16(), error = %error, "request refused");
        }
    }
}
