//! The access log: one `info` line per request under the target `wic_gql::access`.
//!
//! When that level is off, a request pays for nothing here: no span, no request id, no
//! clock read. (tracing-actix-web's `TracingLogger`, used before, built a span and a UUID
//! for every request whether anything was logged or not: a fifth of a small query's
//! throughput, see bench/results/optimizations.md.)

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

/// `actix_web::middleware::from_fn(access_log)`: logs method, path, status and the time
/// to the response head, in microseconds.
pub async fn access_log(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !tracing::enabled!(target: "wic_gql::access", tracing::Level::INFO) {
        return next.call(request).await;
    }
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.path().to_owned();
    let response = next.call(request).await;
    let status = match &response {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    tracing::info!(
        target: "wic_gql::access",
        %method,
        %path,
        status = status.as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
