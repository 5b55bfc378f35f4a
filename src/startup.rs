//! Building and running the server: open the store, seed it if empty, bind, then serve until stopped.
//!
//! Binding happens in [`Application::build`], before serving, so a caller (a test) can ask
//! for port 0 and read the port it got.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::{Server, ServerHandle};
use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};

use crate::config::Settings;
use crate::graph::{Graph, GraphError};
use crate::http::{self, AppState, ManifestError};
use crate::seed::{self, SeedError, SeedFiles};
use crate::storage::{SledStore, StorageError};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error("cannot seed the empty database from the embedded seed data: {0}")]
    Seed(#[from] SeedError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the server failed: {0}")]
    Serve(#[source] std::io::Error),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("a blocking task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("--otlp-endpoint: {0}")]
    OtlpEndpoint(String),
    #[error("--metrics would serve /metrics to every client in production mode; serve it on an internal address with --metrics-address")]
    PublicMetrics,
}

/// A bound, ready-to-run server.
pub struct Application {
    address: SocketAddr,
    server: Server,
    graph: Graph,
    db: PathBuf,
    connections: Arc<http::Connections>,
    shutdown_timeout: std::time::Duration,
    /// What handlers share: a reload swaps its served generation.
    state: web::Data<AppState>,
    /// Where a reload reads the seed files (`None`: `./seed` if present, else embedded).
    reload_from: Option<PathBuf>,
    /// The `/metrics` server of `--metrics-address`, and its address.
    metrics: Option<(Server, SocketAddr)>,
}

impl Application {
    /// Opens the database at `settings.db` (seeding it from the embedded data if it is empty)
    /// and binds the listener.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        if settings.metrics.on_main_port && settings.mode == crate::config::Mode::Production {
            return Err(StartupError::PublicMetrics);
        }
        let db = settings.db.clone();
        let graph = tokio::task::spawn_blocking(move || open_graph(&db)).await??;
        let listener = listen(&settings.bind_address()).map_err(|source| StartupError::Bind {
            address: settings.bind_address(),
            source,
        })?;
        let address = listener.local_addr().map_err(StartupError::Serve)?;
        let mut state = AppState::new(graph.clone(), &settings)?;
        if let Some(endpoint) = &settings.metrics.otlp_endpoint {
            state.tracer = Some(http::Tracer::start(endpoint).map_err(StartupError::OtlpEndpoint)?);
        }
        let state = web::Data::new(state);
        let shared = state.clone();
        let connections = state.connections.clone();
        let counted = connections.clone();
        tracing::info!(settings = %settings.describe(), "limits and mode in force");
        let playground = settings.playground_enabled();
        let cors_origins = settings.cors_origins.clone();
        let public_metrics = settings.metrics.on_main_port;
        let metrics_server = match &settings.metrics.address {
            Some(address) => Some(bind_metrics(address, state.clone())?),
            None => None,
        };
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(http::connections))
                .wrap(cors(&cors_origins))
                .wrap(from_fn(http::compress))
                .wrap(security_headers())
                .wrap(from_fn(http::access_log))
                .app_data(state.clone())
                .configure(http::routes)
                .configure(|config| {
                    if playground {
                        http::playground_routes(config);
                    }
                    if public_metrics {
                        http::metrics_routes(config);
                    }
                })
        })
        .on_connect(move |connection, extensions| counted.on_connect(connection, extensions))
        // A ceiling per worker that protects the file descriptors, above the cap so that
        // connections past the cap are answered 503 rather than left in the backlog.
        .max_connections(2 * settings.http_limits.max_connections)
        // Stop signals are ours: `run_until_stopped` drains connections first.
        .disable_signals()
        .shutdown_timeout(settings.shutdown_timeout_secs);
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        let server = server
            .listen(listener)
            .map_err(|source| StartupError::Bind {
                address: address.to_string(),
                source,
            })?
            .run();
        Ok(Application {
            address,
            server,
            graph,
            db: settings.db,
            connections,
            shutdown_timeout: std::time::Duration::from_secs(settings.shutdown_timeout_secs),
            metrics: metrics_server,
            state: shared,
            reload_from: settings.reload_from,
        })
    }

    /// The address of the `/metrics` server of `--metrics-address`, if any.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, address)| *address)
    }

    /// The port actually bound (useful when asking for port 0).
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The address actually bound.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The database directory in use.
    pub fn db_path(&self) -> &std::path::Path {
        &self.db
    }

    /// The graph requests read now (the generation being served), for tests that count
    /// store round trips.
    pub fn graph(&self) -> Graph {
        self.state.served().graph.clone()
    }

    /// How many requests the planned executor and async-graphql's have answered, for
    /// tests that check which one runs.
    pub fn engine_counts(&self) -> std::sync::Arc<crate::api::EngineCounts> {
        self.state.api.engine_counts()
    }

    /// A handle that can stop the server gracefully from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (or [`ServerHandle::stop`]); on a signal, stops
    /// accepting and answers what every open connection has sent (see
    /// `http::Connections::drain`), then flushes the store.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let metrics = self.metrics.map(|(server, _)| {
            let handle = server.handle();
            (tokio::spawn(server), handle)
        });
        let handle = self.server.handle();
        let connections = self.connections;
        let timeout = self.shutdown_timeout;
        let on_signal = tokio::spawn(async move {
            stop_signal().await;
            tracing::info!("stop signal: draining connections");
            connections.drain(&handle, timeout).await;
            handle.stop(true).await;
        });
        let pid_file = write_pid_file(&self.db);
        let on_hangup = tokio::spawn(reload_on_hangup(self.state.clone(), self.reload_from));
        let served = self.server.await;
        on_signal.abort();
        on_hangup.abort();
        if let Some(pid_file) = pid_file {
            let _ = std::fs::remove_file(pid_file);
        }
        if let Some((task, handle)) = metrics {
            handle.stop(true).await;
            let _ = task.await;
        }
        served.map_err(StartupError::Serve)?;
        let graph = self.graph;
        tokio::task::spawn_blocking(move || graph.flush()).await??;
        tracing::info!("stopped; the database is flushed");
        Ok(())
    }
}

/// Binds `address` and builds the server of `/metrics` alone.
fn bind_metrics(
    address: &str,
    state: web::Data<AppState>,
) -> Result<(Server, SocketAddr), StartupError> {
    let bind_error = |source| StartupError::Bind {
        address: address.to_string(),
        source,
    };
    let listener = listen(address).map_err(bind_error)?;
    let bound = listener.local_addr().map_err(bind_error)?;
    let server = http::metrics_server(listener, state).map_err(bind_error)?;
    Ok((server, bound))
}

/// The kernel's queue of connections not yet accepted (actix-web's default; std's `bind`
/// asks for 128).
const BACKLOG: i32 = 1024;

/// A listening socket on `address` with a backlog of [`BACKLOG`].
fn listen(address: &str) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    use std::net::ToSocketAddrs;
    let address = address.to_socket_addrs()?.next().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address to listen on")
    })?;
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// The file in the database directory that names the serving process, for `wic-gql reload`.
pub const PID_FILE: &str = "wic-gql.pid";

/// Writes this process's id into the database directory; `None` if it cannot.
fn write_pid_file(db: &std::path::Path) -> Option<PathBuf> {
    let path = db.join(PID_FILE);
    match std::fs::write(&path, std::process::id().to_string()) {
        Ok(()) => Some(path),
        Err(error) => {
            tracing::warn!(%error, path = %path.display(), "cannot write the pid file; `wic-gql reload` will not find this server");
            None
        }
    }
}

/// On every SIGHUP: reads the seed files, and serves them as a new generation if they are
/// valid; otherwise logs every problem (file:line) and keeps serving what it served.
async fn reload_on_hangup(state: web::Data<AppState>, from: Option<PathBuf>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: reloads are off");
            return;
        };
        while hangups.recv().await.is_some() {
            let (state, from) = (state.clone(), from.clone());
            let started = std::time::Instant::now();
            let outcome = tokio::task::spawn_blocking(move || {
                let (files, _) = seed::files_from(from.as_deref())?;
                state.reload(&files)
            })
            .await;
            match outcome {
                Ok(Ok(served)) => tracing::info!(
                    data_hash = %served.data_hash,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "reloaded: serving the new data"
                ),
                Ok(Err(error)) => {
                    tracing::error!("reload refused, still serving the previous data: {error}")
                }
                Err(error) => tracing::error!(%error, "reload failed"),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (state, from);
}

/// Resolves on SIGTERM or SIGINT.
async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = interrupt => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only SIGINT stops the server");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// CORS for the configured origins only: GET and POST, no credentials. With no origin
/// configured, browsers keep their same-origin default.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([header::CONTENT_TYPE, header::ACCEPT, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// Headers every response carries: no MIME sniffing, no framing, no referrer leaks.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
}

/// Opens the sled store at `db` and seeds it from the embedded data if it was never seeded.
pub fn open_graph(db: &std::path::Path) -> Result<Graph, StartupError> {
    let store = SledStore::open(db)?;
    let graph = Graph::new(Arc::new(store));
    if graph.is_empty()? {
        let report = seed::seed(&graph, &SeedFiles::embedded())?;
        tracing::info!(
            db = %db.display(),
            edges = report.summary.edges,
            elapsed_ms = report.elapsed.as_millis() as u64,
            "the database was empty: seeded it from the embedded seed data"
        );
    } else {
        // Refuse data of another format now, with the "re-seed" error, not at the first query.
        graph.summary()?;
        // Never serve data that is not what the seed wrote.
        let started = std::time::Instant::now();
        let (hash, entries) = graph.verify()?;
        tracing::info!(
            entries,
            data_hash = %hash,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "the database is intact"
        );
    }
    Ok(graph)
}
