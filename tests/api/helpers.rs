//! `spawn_app()` and typed request helpers shared by every test.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use serde_json::{json, Value};
use wic_gql::config::Settings;
use wic_gql::graph::Graph;
use wic_gql::startup::Application;

/// A running server over its own temporary database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub graph: Graph,
    pub db: PathBuf,
    /// Requests answered by the planned executor and by async-graphql's.
    pub engine: std::sync::Arc<wic_gql::api::EngineCounts>,
    handle: ServerHandle,
    _dir: tempfile::TempDir,
}

fn init_logs() {
    static LOGS: Once = Once::new();
    LOGS.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            tracing_subscriber::fmt()
                .with_env_filter("info")
                .with_test_writer()
                .init();
        }
    });
}

/// Starts the server on `127.0.0.1:0` over a fresh temporary database, which it seeds from
/// the seed data compiled into the binary (the repository's `seed/`).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server without query depth and cost limits, for tests that deliberately walk the
/// whole graph at once (the limits have their own tests).
pub async fn spawn_unlimited_app() -> TestApp {
    spawn_app_with(|s| {
        s.limits.max_depth = usize::MAX;
        s.limits.max_complexity = usize::MAX;
    })
    .await
}

/// Like [`spawn_app`], with settings changed by `configure`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    init_logs();
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("wic-gql.db");
    let mut settings = Settings {
        host: "127.0.0.1".into(),
        port: 0,
        db: db.clone(),
        workers: Some(1),
        shutdown_timeout_secs: 5,
        ..Settings::default()
    };
    configure(&mut settings);
    let app = Application::build(settings)
        .await
        .expect("the server starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let graph = app.graph();
    let handle = app.handle();
    let engine = app.engine_counts();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        graph,
        db,
        engine,
        handle,
        _dir: dir,
    }
}

impl TestApp {
    /// POSTs `query` with `variables`; the whole JSON response.
    pub async fn post(&self, query: &str, variables: Value) -> Value {
        self.client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON response")
    }

    /// POSTs `query` accepting `application/graphql-response+json`: the status and the
    /// whole JSON response.
    pub async fn post_status(&self, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON response"))
    }

    /// POSTs a raw JSON body; the whole JSON response.
    pub async fn post_json(&self, body: Value) -> Value {
        self.client
            .post(format!("{}/graphql", self.address))
            .json(&body)
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON response")
    }

    /// POSTs `query` and returns its `data`, failing the test on any GraphQL error.
    pub async fn data(&self, query: &str) -> Value {
        self.data_with(query, json!({})).await
    }

    /// Like [`TestApp::data`], with variables.
    pub async fn data_with(&self, query: &str, variables: Value) -> Value {
        let response = self.post(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// POSTs `query` and returns its errors, failing the test if there are none.
    pub async fn errors(&self, query: &str) -> Vec<Value> {
        let response = self.post(query, json!({})).await;
        response["errors"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("expected errors, got {response:#}"))
    }

    /// GET `path` on the server.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// The repository's `seed/` folder.
pub fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seed")
}

/// The `wic-gql` binary built for these tests.
pub fn wic_gql() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_wic-gql"));
    command.env("RUST_LOG", "warn");
    command
}

/// `wic-gql ARGS --db DB`, quiet, run to its end.
pub fn wic_gql_on(args: &[&str], db: &Path) -> std::process::Output {
    wic_gql()
        .args(args)
        .arg("--db")
        .arg(db)
        .env("RUST_LOG", "off")
        .output()
        .unwrap()
}

/// What a finished command wrote to its standard error.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The values of `field` in each element of the JSON array at `array`.
pub fn pluck<'a>(array: &'a Value, field: &str) -> Vec<&'a str> {
    array
        .as_array()
        .unwrap_or_else(|| panic!("expected an array, got {array}"))
        .iter()
        .map(|item| {
            item[field]
                .as_str()
                .unwrap_or_else(|| panic!("no string `{field}` in {item}"))
        })
        .collect()
}

/// Makes sure the npm project in `dir` (relative to the repository) has its packages,
/// running `npm ci` once if needed; panics with the install command if npm is missing.
pub fn npm_ci(dir: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    if !dir.join("node_modules").is_dir() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .unwrap_or_else(|e| {
                panic!("npm is needed for this test ({e}): apt-get install -y nodejs npm")
            });
        assert!(status.success(), "npm ci failed in {}", dir.display());
    }
    dir
}

/// A port that was free a moment ago on loopback, for a program that cannot bind port 0
/// and say which port it got (Prometheus, HAProxy).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A child process that is killed when the test ends, however it ends, so that no server
/// outlives a failed assertion.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `wic-gql serve` on port 0; returns the child and the URL it printed.
pub fn serve(db: &Path) -> (std::process::Child, String) {
    serve_with(db, &[])
}

/// Like [`serve`], with more arguments.
pub fn serve_with(db: &Path, args: &[&str]) -> (std::process::Child, String) {
    serve_with_env(db, args, &[])
}

/// Like [`serve_with`], with environment variables set.
pub fn serve_with_env(
    db: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (std::process::Child, String) {
    let mut child = wic_gql()
        .args(["serve", "--port", "0", "--workers", "1", "--db"])
        .arg(db)
        .args(args)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.rsplit(" on ").next().unwrap().to_string();
    // Keep reading, as a terminal would, until the server exits.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url)
}

/// Sends `child` SIGTERM (a graceful stop).
pub fn terminate(child: &std::process::Child) {
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -TERM {} failed", child.id());
}

/// Waits for `child` to exit; fails the test after `timeout`.
pub fn wait_with_timeout(
    child: &mut std::process::Child,
    timeout: Duration,
) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < timeout,
            "the process did not exit within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
