//! OpenTelemetry traces over OTLP/HTTP with JSON bodies (`--otlp-endpoint`): one span per
//! `/graphql` request, named after its operation, sent in batches by one background task.
//!
//! Written by hand, like `/metrics`: a span is a few fields, OTLP/HTTP accepts JSON, and
//! the OpenTelemetry SDK with its exporter would add a hundred crates and a second HTTP
//! client for that. A span never waits for the collector: a full queue drops it (and says
//! so in the log), and a collector that is down costs a warning per batch.

use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

/// Spans waiting to be sent; beyond this, new spans are dropped.
const QUEUE: usize = 16 * 1024;
/// The most spans per request to the collector.
const BATCH: usize = 512;
/// How often the queue is sent when no batch fills it.
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

/// The sending end: recording a span is a lock and a push; the exporting task wakes on
/// its own timer, or when a batch is full, never once per span (a channel that woke it per
/// span cost Q1 a third of its throughput: bench/results/optimizations.md, "Traces").
pub struct Tracer {
    shared: Arc<Shared>,
}

struct Shared {
    spans: Mutex<Vec<Span>>,
    full: Notify,
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
        let shared = Arc::new(Shared {
            spans: Mutex::new(Vec::with_capacity(BATCH)),
            full: Notify::new(),
            dropped: AtomicU64::new(0),
        });
        tokio::spawn(export(endpoint, Arc::downgrade(&shared)));
        Ok(Tracer { shared })
    }

    /// Queues `span` for export, or drops it when the queue is full.
    pub fn record(&self, span: Span) {
        let mut spans = self.shared.spans.lock().expect("span queue poisoned");
        if spans.len() >= QUEUE {
            drop(spans);
            let dropped = self.shared.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(dropped, "the OTLP queue is full: spans are dropped");
            }
            return;
        }
        spans.push(span);
        if spans.len() == BATCH {
            self.shared.full.notify_one();
        }
    }
}

/// Sends what has queued, every [`LINGER`] or when a batch is full, until the tracer is
/// dropped.
async fn export(endpoint: Endpoint, shared: Weak<Shared>) {
    loop {
        let Some(tracer) = shared.upgrade() else {
            return;
        };
        tokio::select! {
            _ = tokio::time::sleep(LINGER) => {}
            _ = tracer.full.notified() => {}
        }
        let spans = std::mem::take(&mut *tracer.spans.lock().expect("span queue poisoned"));
        drop(tracer);
        for batch in spans.chunks(BATCH) {
            let body = request_body(batch);
            match tokio::time::timeout(EXPORT_TIMEOUT, post(&endpoint, &body)).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    tracing::warn!(%error, spans = batch.len(), "cannot export spans over OTLP")
                }
                Err(_) => {
                    tracing::warn!(
                        spans = batch.len(),
                        "the OTLP collector did not answer in time"
                    )
                }
            }
        }
    }
}

/// `ExportTraceServiceRequest` in OTLP's JSON encoding, written directly: a span's name is
/// a GraphQL name or one of ours, and its code is escaped by serde_json.
fn request_body(spans: &[Span]) -> String {
    let mut out = String::with_capacity(128 + spans.len() * 512);
    let _ = write!(
        out,
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"wic-gql"}}}},{{"key":"service.version","value":{{"stringValue":"{}"}}}}]}},"scopeSpans":[{{"scope":{{"name":"wic-gql"}},"spans":["#,
        env!("CARGO_PKG_VERSION")
    );
    for (i, span) in spans.iter().enumerate() {
        let start = span.start.duration_since(UNIX_EPOCH).unwrap_or_default();
        let end = start + span.duration;
        let name = serde_json::to_string(&span.name).unwrap_or_default();
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"traceId":"{:016x}{:016x}","spanId":"{:016x}","name":{name},"kind":2,"startTimeUnixNano":"{}","endTimeUnixNano":"{}","attributes":[{{"key":"graphql.operation.name","value":{{"stringValue":{name}}}}},{{"key":"http.response.status_code","value":{{"intValue":"{}"}}}}"#,
            random(),
            random(),
            random(),
            start.as_nanos(),
            end.as_nanos(),
            span.status,
        );
        if let Some(code) = &span.code {
            let code = serde_json::to_string(code).unwrap_or_default();
            let _ = write!(
                out,
                r#",{{"key":"graphql.error.code","value":{{"stringValue":{code}}}}}"#
            );
        }
        // STATUS_CODE_ERROR (2) for a server failure, else UNSET (0).
        let status = if span.status >= 500 { 2 } else { 0 };
        let _ = write!(out, r#"],"status":{{"code":{status}}}}}"#);
    }
    out.push_str("]}]}]}");
    out
}

/// A random non-zero `u64` for trace and span ids: xorshift64* per thread, seeded once
/// from std's randomly keyed hasher. Ids need to be unique, not secret; a fresh
/// `RandomState` per id cost a request path measurable time (optimizations.md, "Traces").
fn random() -> u64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(
            std::collections::hash_map::RandomState::new().build_hasher().finish() | 1,
        );
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D).max(1)
    })
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
