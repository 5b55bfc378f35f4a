//! OpenTelemetry traces over OTLP/HTTP with JSON bodies (`--otlp-endpoint`): one span per
//! `/graphql` request, named after its operation, sent in batches by one background task.
//!
//! Written by hand, like `/metrics`: a span is a few fields, OTLP/HTTP accepts JSON, and
//! the OpenTelemetry SDK with its exporter would add a hundred crates and a second HTTP
//! client for that. A span never waits for the collector: a full queue drops it (and says
//! so in the log), and a collector that is down costs a warning per batch.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// Spans waiting to be sent; beyond this, new spans are dropped.
const QUEUE: usize = 8192;
/// The most spans per request to the collector.
const BATCH: usize = 512;
/// How long a batch waits for more spans after its first.
const LINGER: Duration = Duration::from_millis(200);
/// The longest a request to the collector may take.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a request's span says.
pub struct Span {
    pub name: String,
    pub start: SystemTime,
    pub duration: Duration,
    pub status: u16,
    /// The first error's code, if any.
    pub code: Option<String>,
}

/// The sending end: cheap to record into from any worker.
pub struct Tracer {
    spans: mpsc::Sender<Span>,
    dropped: AtomicU64,
}

/// Where spans go: `http://host:port`, spans POSTed to `/v1/traces` below it.
#[derive(Debug, Clone)]
struct Endpoint {
    authority: String,
    path: String,
}

impl Tracer {
    /// Starts the exporting task (on the current Tokio runtime) for `endpoint`, an
    /// `http://host:port[/path]` URL; the reason when the URL is not one.
    pub fn start(endpoint: &str) -> Result<Tracer, String> {
        let rest = endpoint
            .strip_prefix("http://")
            .ok_or_else(|| format!("{endpoint:?} is not an http:// URL (OTLP/HTTP without TLS)"))?;
        let (authority, base) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.is_empty() {
            return Err(format!("{endpoint:?} names no host"));
        }
        let endpoint = Endpoint {
            authority: authority.to_string(),
            path: format!("/{}/v1/traces", base.trim_end_matches('/')).replace("//", "/"),
        };
        let (spans, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(export(endpoint, receiver));
        Ok(Tracer {
            spans,
            dropped: AtomicU64::new(0),
        })
    }

    /// Queues `span` for export, or drops it when the queue is full.
    pub fn record(&self, span: Span) {
        if self.spans.try_send(span).is_err() {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(dropped, "the OTLP queue is full: spans are dropped");
            }
        }
    }
}

/// Sends batches until every sender is gone.
async fn export(endpoint: Endpoint, mut spans: mpsc::Receiver<Span>) {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(first) = spans.recv().await {
        batch.push(first);
        let linger = tokio::time::sleep(LINGER);
        tokio::pin!(linger);
        while batch.len() < BATCH {
            tokio::select! {
                span = spans.recv() => match span {
                    Some(span) => batch.push(span),
                    None => break,
                },
                _ = &mut linger => break,
            }
        }
        let body = request_body(&batch).to_string();
        match tokio::time::timeout(EXPORT_TIMEOUT, post(&endpoint, &body)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::warn!(%error, spans = batch.len(), "cannot export spans over OTLP")
            }
            Err(_) => tracing::warn!(
                spans = batch.len(),
                "the OTLP collector did not answer in time"
            ),
        }
        batch.clear();
    }
}

/// `ExportTraceServiceRequest` in OTLP's JSON encoding.
fn request_body(spans: &[Span]) -> Value {
    let spans: Vec<Value> = spans
        .iter()
        .map(|span| {
            let start = span.start.duration_since(UNIX_EPOCH).unwrap_or_default();
            let end = start + span.duration;
            let mut attributes = vec![
                json!({ "key": "graphql.operation.name", "value": { "stringValue": span.name } }),
                json!({ "key": "http.response.status_code", "value": { "intValue": span.status.to_string() } }),
            ];
            if let Some(code) = &span.code {
                attributes.push(json!({ "key": "graphql.error.code", "value": { "stringValue": code } }));
            }
            let failed = span.status >= 500;
            json!({
                "traceId": format!("{:016x}{:016x}", random(), random()),
                "spanId": format!("{:016x}", random()),
                "name": span.name,
                // SPAN_KIND_SERVER
                "kind": 2,
                "startTimeUnixNano": start.as_nanos().to_string(),
                "endTimeUnixNano": end.as_nanos().to_string(),
                "attributes": attributes,
                // STATUS_CODE_ERROR for a server failure, else UNSET.
                "status": { "code": if failed { 2 } else { 0 } },
            })
        })
        .collect();
    json!({
        "resourceSpans": [{
            "resource": { "attributes": [
                { "key": "service.name", "value": { "stringValue": "wic-gql" } },
                { "key": "service.version", "value": { "stringValue": env!("CARGO_PKG_VERSION") } },
            ] },
            "scopeSpans": [{ "scope": { "name": "wic-gql" }, "spans": spans }],
        }]
    })
}

/// A random non-zero `u64`: std's randomly keyed hasher over a counter.
fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish().max(1)
}

/// One HTTP/1.1 POST of `body`; an error unless the collector answers 2xx.
async fn post(endpoint: &Endpoint, body: &str) -> std::io::Result<()> {
    let mut stream = tokio::net::TcpStream::connect(&endpoint.authority).await?;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        endpoint.path,
        endpoint.authority,
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let status_line = answer.split(|b| *b == b'\n').next().unwrap_or_default();
    let status_line = String::from_utf8_lossy(status_line);
    match status_line.split_whitespace().nth(1) {
        Some(status) if status.starts_with('2') => Ok(()),
        _ => Err(std::io::Error::other(format!(
            "the collector answered {:?}",
            status_line.trim()
        ))),
    }
}
