//! Server settings: where to listen, which database to open, the mode and every limit,
//! with the defaults the README promises.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::api::{Limits, SchemaOptions};

/// The default database directory, relative to the working directory.
pub const DEFAULT_DB_PATH: &str = "wic-gql.db";
/// The default listening address: loopback only, so a local run is not exposed.
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// The default port.
pub const DEFAULT_PORT: u16 = 8080;

/// GET responses may be stored but must be revalidated: the data changes only on a re-seed,
/// and a matching ETag costs a 304 with no body.
pub const DEFAULT_CACHE_CONTROL: &str = "public, no-cache";

/// `dev` for a local run; `production` for a public endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// Playground, introspection and field suggestions on.
    #[default]
    Dev,
    /// Playground and introspection off unless enabled, no field suggestions, security
    /// headers on the playground page.
    Production,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Dev => "dev",
            Mode::Production => "production",
        })
    }
}

/// Limits of the HTTP layer, beyond those on GraphQL documents; each is a flag and an
/// environment variable of `wic-gql serve`, declared here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct HttpLimits {
    /// Largest request body in bytes (PAYLOAD_TOO_LARGE, status 413).
    #[arg(long, env = "WIC_GQL_MAX_BODY_BYTES", default_value_t = HttpLimits::default().max_body_bytes)]
    pub max_body_bytes: usize,
    /// Longest execution of one request in milliseconds (TIMEOUT, status 503).
    #[arg(long, env = "WIC_GQL_TIMEOUT_MS", default_value_t = HttpLimits::default().timeout_ms)]
    pub timeout_ms: u64,
    /// Most GraphQL requests in flight; more get an immediate 503 (OVERLOADED), not a
    /// queue.
    #[arg(long, env = "WIC_GQL_MAX_CONCURRENT", default_value_t = HttpLimits::default().max_concurrent,
          value_parser = at_least_one)]
    pub max_concurrent: usize,
    /// Most connections open at once; a connection past it has its first request answered
    /// 503 (OVERLOADED, with `Retry-After`) and is closed.
    #[arg(long, env = "WIC_GQL_MAX_CONNECTIONS", default_value_t = HttpLimits::default().max_connections,
          value_parser = at_least_one)]
    pub max_connections: usize,
    /// Longest time a client may take to send a request body, in milliseconds, from the
    /// end of its headers (BODY_TIMEOUT, status 408).
    #[arg(long, env = "WIC_GQL_BODY_TIMEOUT_MS", default_value_t = HttpLimits::default().body_timeout_ms)]
    pub body_timeout_ms: u64,
    /// Bytes of automatic persisted queries remembered (hash and text); past it the least
    /// used are evicted.
    #[arg(long, env = "WIC_GQL_APQ_CACHE_BYTES", default_value_t = HttpLimits::default().apq_cache_bytes)]
    pub apq_cache_bytes: u64,
    /// Most operations in a batched POST (a JSON array); 0 turns batching off
    /// (BATCHING_NOT_ALLOWED).
    #[arg(long, env = "WIC_GQL_MAX_BATCH", default_value_t = HttpLimits::default().max_batch)]
    pub max_batch: usize,
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

impl HttpLimits {
    /// The default `apq_cache_bytes`: 16 MiB.
    pub const DEFAULT_APQ_CACHE_BYTES: u64 = 16 * 1024 * 1024;
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_body_bytes: 64 * 1024,
            timeout_ms: 10_000,
            max_concurrent: 256,
            max_connections: 1024,
            apq_cache_bytes: Self::DEFAULT_APQ_CACHE_BYTES,
            max_batch: 0,
            body_timeout_ms: 5_000,
        }
    }
}

/// Where `GET /metrics` (Prometheus) is served and where traces go; with no flag, both are
/// off and cost the request path nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default, clap::Args)]
pub struct MetricsSettings {
    /// Count requests and serve `GET /metrics` on the main port. Dev mode only: in
    /// production it would show any client the operation names and cache figures, so the
    /// server refuses to start; use --metrics-address.
    #[arg(long = "metrics", env = "WIC_GQL_METRICS")]
    pub on_main_port: bool,
    /// Count requests and serve `GET /metrics` on this address alone (`host:port`, port 0
    /// picks a free one), e.g. an internal interface for Prometheus; any mode.
    #[arg(
        long = "metrics-address",
        env = "WIC_GQL_METRICS_ADDRESS",
        value_name = "HOST:PORT"
    )]
    pub address: Option<String>,
    /// Send one OpenTelemetry span per `/graphql` request, named after its operation, to
    /// this OTLP/HTTP collector (`http://host:4318`; JSON to `/v1/traces`).
    #[arg(
        long = "otlp-endpoint",
        env = "WIC_GQL_OTLP_ENDPOINT",
        value_name = "URL"
    )]
    pub otlp_endpoint: Option<String>,
}

impl MetricsSettings {
    /// Whether requests are counted.
    pub fn enabled(&self) -> bool {
        self.on_main_port || self.address.is_some()
    }
}

/// Everything `Application::build` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub host: String,
    /// `0` asks the system for a free port (tests use this).
    pub port: u16,
    pub db: PathBuf,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    /// How long in-flight requests may run after a stop signal, in seconds.
    pub shutdown_timeout_secs: u64,
    /// `Cache-Control` of successful GET responses (revalidated cheaply through ETags).
    pub cache_control: String,
    /// A trusted documents manifest: when set, only its operations run.
    pub trusted_documents: Option<PathBuf>,
    pub mode: Mode,
    /// Serve the playground; `None` follows the mode (on in dev, off in production).
    pub playground: Option<bool>,
    /// Answer introspection; `None` follows the mode (on in dev, off in production).
    pub introspection: Option<bool>,
    /// Origins allowed to call the API from a browser (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// Where a reload (SIGHUP, `wic-gql reload`) reads the seed files; `None`: `./seed` if
    /// present, else the data compiled into the binary.
    pub reload_from: Option<PathBuf>,
    /// Serve the schema as an Apollo Federation v2 subgraph (`_service`, `_entities`).
    pub federation: bool,
    pub limits: Limits,
    pub http_limits: HttpLimits,
    pub metrics: MetricsSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            host: DEFAULT_HOST.to_string(),
            port: DEFAULT_PORT,
            db: PathBuf::from(DEFAULT_DB_PATH),
            workers: None,
            shutdown_timeout_secs: 30,
            cache_control: DEFAULT_CACHE_CONTROL.to_string(),
            trusted_documents: None,
            mode: Mode::Dev,
            playground: None,
            introspection: None,
            cors_origins: Vec::new(),
            reload_from: None,
            federation: false,
            limits: Limits::default(),
            http_limits: HttpLimits::default(),
            metrics: MetricsSettings::default(),
        }
    }
}

impl Settings {
    /// Whether the playground is served.
    pub fn playground_enabled(&self) -> bool {
        self.playground.unwrap_or(self.mode == Mode::Dev)
    }

    /// How the schema is built in this mode.
    pub fn schema_options(&self) -> SchemaOptions {
        SchemaOptions {
            limits: self.limits,
            introspection: self.introspection.unwrap_or(self.mode == Mode::Dev),
            suggestions: self.mode == Mode::Dev,
            federation: self.federation,
        }
    }

    /// One line stating the mode and every limit, for the startup log.
    pub fn describe(&self) -> String {
        format!(
            "mode={} playground={} introspection={} federation={} cors_origins={:?} {:?} {:?} {:?}",
            self.mode,
            self.playground_enabled(),
            self.schema_options().introspection,
            self.federation,
            self.cors_origins,
            self.limits,
            self.http_limits,
            self.metrics,
        )
    }

    /// `host:port` as written by the user, for binding.
    pub fn bind_address(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// The URL a person should open for `addr`, replacing an unspecified address by loopback.
pub fn public_url(addr: SocketAddr) -> String {
    let host = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_string(),
        ip if ip.is_unspecified() => "[::1]".to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        std::net::IpAddr::V4(ip) => ip.to_string(),
    };
    format!("http://{host}:{}", addr.port())
}
