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
pub use metrics::Metrics;
pub use persisted::{Documents, ManifestError};
pub use traces::Tracer;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use actix_web::web;
use tokio::sync::Semaphore;

use crate::api;
use crate::config::{HttpLimits, Settings};
use crate::graph::Graph;
use crate::seed::{self, SeedError, SeedFiles};

/// One generation as requests read it: its graph, pinned, and its data hash.
pub struct Served {
    pub graph: Graph,
    /// The seed's checksum of this generation (`X-Data-Hash` on every answer).
    pub data_hash: String,
}

impl Served {
    /// The current generation of `graph`.
    pub fn pin(graph: &Graph) -> Arc<Served> {
        let pinned = graph.pinned().unwrap_or_else(|error| {
            tracing::warn!(%error, "cannot pin the current generation; serving it unpinned");
            graph.clone()
        });
        let data_hash = pinned.data_hash().ok().flatten().unwrap_or_default();
        Arc::new(Served {
            graph: pinned,
            data_hash,
        })
    }
}

/// What every handler shares.
pub struct AppState {
    pub api: api::Api,
    /// The store's graph, which a reload seeds into; requests read [`AppState::served`].
    pub graph: Graph,
    /// The generation requests read, pinned; a reload swaps it whole.
    served: RwLock<Arc<Served>>,
    /// One reload at a time.
    reloading: Mutex<()>,
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
            served: RwLock::new(Served::pin(&graph)),
            reloading: Mutex::new(()),
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

    /// The generation a request reads from start to end, whatever reloads happen meanwhile.
    pub fn served(&self) -> Arc<Served> {
        self.served.read().expect("served lock poisoned").clone()
    }

    /// Validates `files`, writes them as a new generation and serves it; requests already
    /// running finish on the generation they started on. On invalid files nothing changes.
    /// Blocking: call it off the async workers.
    pub fn reload(&self, files: &SeedFiles) -> Result<Arc<Served>, SeedError> {
        let _one_at_a_time = self.reloading.lock().expect("reload lock poisoned");
        seed::seed(&self.graph, files)?;
        let served = Served::pin(&self.graph);
        *self.served.write().expect("served lock poisoned") = served.clone();
        Ok(served)
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
