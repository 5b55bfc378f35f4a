//! Server settings: where to listen and which database to open, with the defaults the README promises.

use std::net::SocketAddr;
use std::path::PathBuf;

/// The default database directory, relative to the working directory.
pub const DEFAULT_DB_PATH: &str = "wic-gql.db";
/// The default listening address: loopback only, so a local run is not exposed.
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// The default port.
pub const DEFAULT_PORT: u16 = 8080;

/// GET responses may be stored but must be revalidated: the data changes only on a re-seed,
/// and a matching ETag costs a 304 with no body.
pub const DEFAULT_CACHE_CONTROL: &str = "public, no-cache";

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
    /// The most operations one batched POST may hold; 0 turns batching off.
    pub max_batch: usize,
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
            max_batch: 0,
        }
    }
}

impl Settings {
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
