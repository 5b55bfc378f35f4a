//! Open connections: a cap past which a new connection is answered 503 at once, and the
//! drain on shutdown that answers what was sent before the signal.
//!
//! actix-web counts connections per worker and, at its limit, stops accepting: the queue
//! then forms in the kernel's backlog, where clients see timeouts and resets rather than an
//! answer. Here every connection takes a [`Slot`] when it opens (`HttpServer::on_connect`)
//! and gives it back when it closes; a connection opened past `--max-connections` has its
//! first request answered `503 OVERLOADED` with `Retry-After` and is closed, without
//! running anything.
//!
//! On a stop signal, [`Connections::drain`] stops the listener (`ServerHandle::pause`),
//! and from then on every response carries `Connection: close`. Each keep-alive
//! connection so closes after its next answer, or when it has been idle for the keep-alive
//! timeout, so a request already sent on it (even one still unread in its socket buffer)
//! is answered. The server stops when the last connection is gone, or at the shutdown
//! timeout. (actix-http's own graceful stop closes an idle connection at once, dropping
//! a request still in its buffer.)

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Extensions, ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web;

use super::metrics::Observation;
use super::{AppState, HttpError};

/// The connections of one server, shared by its workers.
#[derive(Debug)]
pub struct Connections {
    open: AtomicUsize,
    max: usize,
    draining: AtomicBool,
}

/// One open connection's place in the count; dropped with the connection.
struct Slot {
    connections: Arc<Connections>,
    /// Opened past the cap: its first request is refused.
    over: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.connections.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Connections {
    /// Connections for a server that keeps at most `max` open.
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Connections {
            open: AtomicUsize::new(0),
            max,
            draining: AtomicBool::new(false),
        })
    }

    /// The number of connections open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// For `HttpServer::on_connect`: counts the new connection.
    pub fn on_connect(self: &Arc<Self>, _connection: &dyn Any, extensions: &mut Extensions) {
        let open = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        extensions.insert(Slot {
            connections: Arc::clone(self),
            over: open > self.max,
        });
    }

    /// Stops accepting, closes every connection after its next answer, and waits until
    /// none is open or `timeout` has passed.
    pub async fn drain(&self, server: &ServerHandle, timeout: Duration) {
        self.draining.store(true, Ordering::Relaxed);
        server.pause().await;
        let start = Instant::now();
        while self.open() > 0 && start.elapsed() < timeout {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tracing::info!(
            still_open = self.open(),
            waited_ms = start.elapsed().as_millis() as u64,
            "connections drained"
        );
    }
}

/// `actix_web::middleware::from_fn(connections)`: refuses the requests of a connection
/// opened past the cap, and asks clients to close while the server drains.
pub async fn connections(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let over = request.conn_data::<Slot>().is_some_and(|slot| slot.over);
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let Some(state) = state else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    let mut response = if over {
        let refusal = HttpError::TooManyConnections(state.connections.max);
        if request.path() == "/graphql" {
            let mut observation = Observation::start(&state);
            observation.refusal(refusal.code());
            observation.finish(refusal.status());
        }
        request
            .into_response(refusal.response("application/json"))
            .map_into_right_body()
    } else {
        next.call(request).await?.map_into_left_body()
    };
    if over || state.connections.draining.load(Ordering::Relaxed) {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}
