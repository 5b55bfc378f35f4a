//! `/metrics`, read back through a real Prometheus (Debian's `prometheus`) that scrapes
//! the server, and where `/metrics` is served in each mode.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wic_gql::config::Mode;
use wic_gql::startup::Application;

use crate::graphql_http::sha256_hex;
use crate::helpers::{free_port, spawn_app_with, TestApp};

const PROMETHEUS: &str = "/usr/bin/prometheus";

/// A Prometheus scraping `target` (`host:port`) every 200 ms, over its own temporary
/// storage; killed on drop.
struct Prometheus {
    url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    async fn start(target: &str) -> Prometheus {
        assert!(
            std::path::Path::new(PROMETHEUS).is_file(),
            "{PROMETHEUS} is needed for this test: apt-get install -y prometheus"
        );
        let dir = tempfile::tempdir().expect("temporary directory");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 200ms\n  scrape_timeout: 200ms\nscrape_configs:\n  - job_name: wic-gql\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .expect("config written");
        let port = free_port();
        let log = if std::env::var_os("TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        let child = Command::new(PROMETHEUS)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        let prometheus = Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            child,
            _dir: dir,
        };
        let client = reqwest::Client::new();
        eventually("Prometheus to be ready", || async {
            let ready = client
                .get(format!("{}/-/ready", prometheus.url))
                .send()
                .await;
            ready.is_ok_and(|r| r.status().is_success()).then_some(())
        })
        .await;
        prometheus
    }

    /// The value of each series `query` returns, keyed by the labels `keys` name.
    async fn query(&self, query: &str) -> Vec<(Vec<String>, f64)> {
        let response: Value = reqwest::Client::new()
            .get(format!("{}/api/v1/query", self.url))
            .query(&[("query", query)])
            .send()
            .await
            .expect("query sent")
            .json()
            .await
            .expect("JSON answer");
        assert_eq!(response["status"], "success", "{query}: {response}");
        let mut series: Vec<(Vec<String>, f64)> = response["data"]["result"]
            .as_array()
            .expect("a vector")
            .iter()
            .map(|s| {
                let labels = s["metric"]
                    .as_object()
                    .expect("labels")
                    .iter()
                    .filter(|(k, _)| !["__name__", "instance", "job"].contains(&k.as_str()))
                    .map(|(k, v)| format!("{k}={}", v.as_str().expect("a label value")))
                    .collect();
                let value = s["value"][1]
                    .as_str()
                    .expect("a value")
                    .parse()
                    .expect("a number");
                (labels, value)
            })
            .collect();
        series.sort_by(|a, b| a.0.cmp(&b.0));
        series
    }

    /// The one value `query` returns.
    async fn value(&self, query: &str) -> f64 {
        match self.query(query).await.as_slice() {
            [(_, value)] => *value,
            other => panic!("{query}: expected one series, got {other:?}"),
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` until it answers, for at most 30 s.
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "waited 30 s for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn post(app: &TestApp, body: Value) -> u16 {
    app.client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(&body)
        .send()
        .await
        .expect("request sent")
        .status()
        .as_u16()
}

const Q1: &str = r#"query Q1 { event(slug: "wic-2017") { name startDate endDate } }"#;
const APQ: &str = r#"query Apq { actor(slug: "wic") { name } }"#;

#[tokio::test]
async fn prometheus_reads_back_exact_counts_by_operation_status_and_code() {
    let app = spawn_app_with(|s| {
        s.metrics.on_main_port = true;
        s.http_limits.max_body_bytes = 1024;
    })
    .await;
    let prometheus = Prometheus::start(app.address.trim_start_matches("http://")).await;
    eventually("the first scrape", || async {
        (prometheus.query("up").await == vec![(vec![], 1.0)]).then_some(())
    })
    .await;

    for _ in 0..3 {
        assert_eq!(
            post(&app, json!({ "query": Q1, "operationName": "Q1" })).await,
            200
        );
    }
    for _ in 0..2 {
        assert_eq!(post(&app, json!({ "query": "{ nope }" })).await, 400);
    }
    // A name that never executed is folded: a refused request cannot grow the labels.
    let ghost = json!({ "query": "query Ghost { nope }", "operationName": "Ghost" });
    assert_eq!(post(&app, ghost).await, 400);
    let too_large = json!({ "query": format!("{{ __typename }} #{}", "x".repeat(2000)) });
    assert_eq!(post(&app, too_large).await, 413);
    let by_hash = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(APQ) } });
    assert_eq!(
        post(&app, json!({ "extensions": by_hash })).await,
        200,
        "not found yet"
    );
    let register = json!({ "query": APQ, "operationName": "Apq", "extensions": by_hash });
    assert_eq!(post(&app, register).await, 200);
    let hash_only = json!({ "operationName": "Apq", "extensions": by_hash });
    assert_eq!(post(&app, hash_only).await, 200);
    // The last request: once Prometheus has it, it has everything before it.
    let done = json!({ "query": "query Done { __typename }", "operationName": "Done" });
    assert_eq!(post(&app, done).await, 200);
    eventually("the scrape after the last request", || async {
        let done = prometheus
            .query(r#"wic_gql_requests_total{operation="Done"}"#)
            .await;
        (!done.is_empty()).then_some(())
    })
    .await;

    let series = |labels: &[&str], value: f64| {
        (
            labels.iter().map(|l| l.to_string()).collect::<Vec<_>>(),
            value,
        )
    };
    assert_eq!(
        prometheus.query("wic_gql_requests_total").await,
        vec![
            series(
                &[
                    "code=GRAPHQL_VALIDATION_FAILED",
                    "operation=(other)",
                    "status=400"
                ],
                1.0
            ),
            series(
                &[
                    "code=GRAPHQL_VALIDATION_FAILED",
                    "operation=(unnamed)",
                    "status=400"
                ],
                2.0
            ),
            series(
                &[
                    "code=PAYLOAD_TOO_LARGE",
                    "operation=(unnamed)",
                    "status=413"
                ],
                1.0
            ),
            series(
                &[
                    "code=PERSISTED_QUERY_NOT_FOUND",
                    "operation=(unnamed)",
                    "status=200"
                ],
                1.0
            ),
            series(&["code=none", "operation=Apq", "status=200"], 2.0),
            series(&["code=none", "operation=Done", "status=200"], 1.0),
            series(&["code=none", "operation=Q1", "status=200"], 3.0),
        ]
    );
    assert_eq!(
        prometheus.query("wic_gql_refusals_total").await,
        vec![
            series(&["code=GRAPHQL_VALIDATION_FAILED"], 3.0),
            series(&["code=PAYLOAD_TOO_LARGE"], 1.0),
            series(&["code=PERSISTED_QUERY_NOT_FOUND"], 1.0),
        ]
    );
    let q1 = r#"operation="Q1""#;
    for query in [
        format!("wic_gql_request_duration_seconds_count{{{q1}}}"),
        format!(r#"wic_gql_request_duration_seconds_bucket{{{q1},le="+Inf"}}"#),
    ] {
        assert_eq!(prometheus.value(&query).await, 3.0, "{query}");
    }
    assert_eq!(
        prometheus
            .value("sum(wic_gql_request_duration_seconds_count)")
            .await,
        11.0
    );
    assert_eq!(prometheus.value("wic_gql_requests_in_flight").await, 0.0);
    // Documents: Q1 once parsed then twice cached, each invalid one parsed every time,
    // Apq parsed then cached, Done parsed. Persisted queries: one miss, then one hit.
    for (metric, documents, persisted_queries) in [
        ("wic_gql_cache_hits_total", 3.0, 1.0),
        ("wic_gql_cache_misses_total", 6.0, 1.0),
        ("wic_gql_cache_entries", 3.0, 1.0),
        ("wic_gql_cache_hit_ratio", 3.0 / 9.0, 0.5),
    ] {
        assert_eq!(
            prometheus.query(metric).await,
            vec![
                series(&["cache=documents"], documents),
                series(&["cache=persisted_queries"], persisted_queries)
            ],
            "{metric}"
        );
    }
    let info = prometheus.query("wic_gql_data_info").await;
    let data_hash = app.graph.data_hash().expect("data hash").expect("seeded");
    assert_eq!(
        info,
        vec![series(
            &[
                &format!("data_hash={data_hash}"),
                &format!("format_version={}", wic_gql::storage::codec::FORMAT_VERSION),
                "generation=1",
                &format!("schema_hash={}", wic_gql::api::schema_hash()),
                &format!("version={}", env!("CARGO_PKG_VERSION")),
            ],
            1.0
        )]
    );
}

#[tokio::test]
async fn production_serves_metrics_only_on_the_metrics_address() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut settings = wic_gql::config::Settings {
        port: 0,
        db: dir.path().join("wic-gql.db"),
        workers: Some(1),
        mode: Mode::Production,
        ..Default::default()
    };
    settings.metrics.on_main_port = true;
    let refused = Application::build(settings.clone())
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        refused.as_deref(),
        Some("--metrics would serve /metrics to every client in production mode; serve it on an internal address with --metrics-address")
    );

    settings.metrics.on_main_port = false;
    settings.metrics.address = Some("127.0.0.1:0".into());
    let app = Application::build(settings)
        .await
        .expect("the server starts");
    let main = format!("http://127.0.0.1:{}", app.port());
    let metrics = format!(
        "http://{}",
        app.metrics_address().expect("a metrics address")
    );
    let handle = app.handle();
    let running = tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let status = |url: String| {
        let client = client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16()
        }
    };
    let query = json!({ "query": "query Hello { __typename }", "operationName": "Hello" });
    let answered = client
        .post(format!("{main}/graphql"))
        .json(&query)
        .send()
        .await;
    assert_eq!(answered.expect("sent").status().as_u16(), 200);
    assert_eq!(status(format!("{main}/metrics")).await, 404);
    assert_eq!(status(format!("{metrics}/graphql")).await, 404);
    let text = client
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains(
            "\nwic_gql_requests_total{operation=\"Hello\",status=\"200\",code=\"none\"} 1\n"
        ),
        "{text}"
    );
    handle.stop(true).await;
    running.await.expect("joined").expect("stopped cleanly");
}

/// A request being answered is in flight until it is answered or its client goes away, and
/// a refusal that never reaches the `/graphql` handler (the connection cap's) is counted as
/// a request with its code.
#[tokio::test]
async fn requests_in_flight_and_the_connection_caps_refusals_are_counted() {
    use std::io::{BufRead, BufReader, Write};

    use crate::overload::{connect, receive, send_body};

    let app = spawn_app_with(|s| {
        s.metrics.on_main_port = true;
        s.http_limits.max_connections = 2;
    })
    .await;
    let url = app.address.clone();
    tokio::task::spawn_blocking(move || {
        // The value of the sample `series` in a scrape on `scraper`'s connection.
        let scrape = |scraper: &mut BufReader<std::net::TcpStream>, series: &str| -> f64 {
            let request = "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n";
            scraper.get_mut().write_all(request.as_bytes()).unwrap();
            let answer = receive(scraper).unwrap();
            assert_eq!(answer.status, 200, "{answer:?}");
            answer
                .body
                .lines()
                .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
                .map_or(0.0, |value| value.parse().unwrap())
        };
        let mut scraper = BufReader::new(connect(&url).unwrap());
        let in_flight = "wic_gql_requests_in_flight";
        assert_eq!(scrape(&mut scraper, in_flight), 0.0);

        // A request whose body stops half way: its handler waits for the rest.
        let mut stalled = connect(&url).unwrap();
        let head = "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\":";
        stalled.write_all(head.as_bytes()).unwrap();
        let started = Instant::now();
        while scrape(&mut scraper, in_flight) != 1.0 {
            assert!(started.elapsed() < Duration::from_secs(5), "never in flight");
            std::thread::sleep(Duration::from_millis(20));
        }

        // A third connection is past the cap of two.
        let mut third = BufReader::new(connect(&url).unwrap());
        send_body(third.get_mut(), r#"{"query":"{ __typename }"}"#).unwrap();
        assert_eq!(receive(&mut third).unwrap().status, 503);
        let mut line = String::new();
        assert_eq!(third.read_line(&mut line).unwrap(), 0, "closed after the 503");

        // The stalled client goes away: its request is no longer in flight.
        drop(stalled);
        let started = Instant::now();
        while scrape(&mut scraper, in_flight) != 0.0 {
            assert!(started.elapsed() < Duration::from_secs(5), "in flight forever");
            std::thread::sleep(Duration::from_millis(20));
        }
        let refused = r#"wic_gql_requests_total{operation="(unnamed)",status="503",code="OVERLOADED"}"#;
        assert_eq!(scrape(&mut scraper, refused), 1.0);
        let refusals = r#"wic_gql_refusals_total{code="OVERLOADED"}"#;
        assert_eq!(scrape(&mut scraper, refusals), 1.0);
    })
    .await
    .unwrap();
}
