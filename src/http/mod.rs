//! The HTTP surface: `/graphql` (POST, and GET for queries), the playground at `/`,
//! `/health`, and `/metrics` when metrics are on.
//!
//! Only this module and `startup` know actix-web; the schema knows nothing of HTTP.

mod access_log;
mod compression;
mod connections;
mod error;
mod graphql;
mod health;
mod metrics;
mod negotiate;
mod params;
mod persisted;
mod playground;
mod traces;

pub use access_log::access_log;
pub use compression::{compress, MIN_COMPRESSED_BYTES};
pub use connections::{connections, Connections};
pub use error::HttpError;
pub use metrics::{track as track_metrics, Metrics};
pub use persisted::{Documents, ManifestError};
pub use traces::Tracer;

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::web;
use tokio::sync::Semaphore;

use crate::api;
use crate::config::{HttpLimits, Settings};
use crate::graph::Graph;

/// What every handler shares.
pub struct AppState {
    pub api: api::Api,
    pub graph: Graph,
    /// The database path `/health` shows: `None` in production mode, which does not tell
    /// clients where its files are.
    pub db: Option<PathBuf>,
    pub schema_hash: String,
    /// Persisted and trusted documents.
    pub documents: Documents,
    /// `Cache-Control` of successful GET responses.
    pub cache_control: String,
    pub http_limits: HttpLimits,
    /// One permit per GraphQL request in flight.
    pub in_flight: Semaphore,
    /// The open connections, their cap and the drain on shutdown.
    pub connections: Arc<Connections>,
    /// The counts `/metrics` shows; `None` when metrics are off.
    pub metrics: Option<Arc<Metrics>>,
    /// Where each request's span goes; `None` without `--otlp-endpoint`.
    pub tracer: Option<Tracer>,
}

impl AppState {
    /// The state for serving `graph` with `settings`; fails only on a bad trusted
    /// documents manifest.
    pub fn new(graph: Graph, settings: &Settings) -> Result<Self, ManifestError> {
        let mut documents = match &settings.trusted_documents {
            Some(manifest) => Documents::trusted(manifest, settings.http_limits.apq_cache_bytes)?,
            None => Documents::open(settings.http_limits.apq_cache_bytes),
        };
        if let Some(count) = documents.trusted_count() {
            tracing::info!(count, "allow-list mode: only trusted documents run");
        }
        let mut api = api::Api::new(&settings.schema_options());
        let metrics = settings.metrics.enabled().then(|| {
            api.count_cache_lookups();
            documents.count_cache_lookups();
            Arc::default()
        });
        Ok(AppState {
            api,
            graph,
            db: (settings.mode == crate::config::Mode::Dev).then(|| settings.db.clone()),
            schema_hash: api::schema_hash(),
            documents,
            cache_control: settings.cache_control.clone(),
            http_limits: settings.http_limits,
            in_flight: Semaphore::new(settings.http_limits.max_concurrent),
            connections: Connections::new(settings.http_limits.max_connections),
            metrics,
            tracer: None,
        })
    }

    /// Whether requests are measured: for metrics, traces or both.
    pub fn observes(&self) -> bool {
        self.metrics.is_some() || self.tracer.is_some()
    }
}

/// Registers `/graphql` and `/health`.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/graphql", web::post().to(graphql::post))
        .route("/graphql", web::get().to(graphql::get))
        .route("/health", web::get().to(health::health));
}

/// Registers `/metrics`.
pub fn metrics_routes(config: &mut web::ServiceConfig) {
    config.route("/metrics", web::get().to(metrics::metrics));
}

/// A server of `/metrics` alone on `listener`, for `--metrics-address`: an internal
/// address, apart from the public port.
pub fn metrics_server(
    listener: std::net::TcpListener,
    state: web::Data<AppState>,
) -> std::io::Result<actix_web::dev::Server> {
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .configure(metrics_routes)
    })
    .workers(1)
    // Stopped by `run_until_stopped` once the main server has drained, not by a signal.
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}

/// Registers the playground (`/` and its assets): on in dev mode, off in production
/// unless enabled.
pub fn playground_routes(config: &mut web::ServiceConfig) {
    playground::routes(config);
}
