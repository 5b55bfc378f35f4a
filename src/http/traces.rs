//! OpenTelemetry traces over OTLP/HTTP with protobuf bodies (`--otlp-endpoint`): one span per
//! `/graphql` request, named after its operation, sent in batches by one background task.
//!
//! Written by hand, like `/metrics`: a span is a few fields in four protobuf field shapes,
//! and the OpenTelemetry SDK with its exporter would add a hundred crates and a second HTTP
//! client for that. A span never waits for the collector: a full queue drops it (and says
//! so in the log), and a collector that is down costs a warning per batch.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

/// Spans waiting to be sent; beyond this, new spans are dropped (at about 90 bytes a
/// span, a full queue holds some 6 MB).
const QUEUE: usize = 64 * 1024;
/// The most spans per request to the collector (about 360 KB of protobuf): each request is
/// a connection and a wake-up of the collector, so at tens of thousands of requests a
/// second, fewer and larger batches are what keeps tracing cheap (bench/results/
/// optimizations.md, "Traces").
const BATCH: usize = 4096;
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
        // A full-sized queue in its place, so that recording never grows it from empty.
        let spans = std::mem::replace(
            &mut *tracer.spans.lock().expect("span queue poisoned"),
            Vec::with_capacity(BATCH),
        );
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

/// `ExportTraceServiceRequest` in OTLP's protobuf encoding (the OTLP/HTTP default),
/// written directly: a fifth of the bytes of its JSON encoding, and no number formatting.
/// Field numbers are those of `opentelemetry/proto/trace/v1/trace.proto` and
/// `common/v1/common.proto`; `tests/api/traces.rs` decodes the body with prost.
fn request_body(spans: &[Span]) -> Vec<u8> {
    use proto::{bytes, fixed64, key_value, uint, AnyValue};
    let mut scope_spans = Vec::with_capacity(16 + spans.len() * 128);
    // InstrumentationScope { name = 1 }
    bytes(&mut scope_spans, 1, &{
        let mut scope = Vec::new();
        bytes(&mut scope, 1, b"wic-gql");
        scope
    });
    let mut span_bytes = Vec::with_capacity(160);
    for span in spans {
        let start = span.start.duration_since(UNIX_EPOCH).unwrap_or_default();
        let end = start + span.duration;
        span_bytes.clear();
        let mut trace_id = [0u8; 16];
        trace_id[..8].copy_from_slice(&random().to_be_bytes());
        trace_id[8..].copy_from_slice(&random().to_be_bytes());
        bytes(&mut span_bytes, 1, &trace_id);
        bytes(&mut span_bytes, 2, &random().to_be_bytes());
        bytes(&mut span_bytes, 5, span.name.as_bytes());
        uint(&mut span_bytes, 6, 2); // SPAN_KIND_SERVER
        fixed64(&mut span_bytes, 7, start.as_nanos() as u64);
        fixed64(&mut span_bytes, 8, end.as_nanos() as u64);
        key_value(
            &mut span_bytes,
            9,
            "graphql.operation.name",
            AnyValue::String(&span.name),
        );
        key_value(
            &mut span_bytes,
            9,
            "http.response.status_code",
            AnyValue::Int(i64::from(span.status)),
        );
        if let Some(code) = &span.code {
            key_value(
                &mut span_bytes,
                9,
                "graphql.error.code",
                AnyValue::String(code),
            );
        }
        // Status { code = 3 }: STATUS_CODE_ERROR (2) for a server failure, else UNSET (0),
        // which proto3 leaves out.
        let status: &[u8] = if span.status >= 500 {
            &[3 << 3, 2]
        } else {
            &[]
        };
        bytes(&mut span_bytes, 15, status);
        bytes(&mut scope_spans, 2, &span_bytes);
    }
    let mut resource = Vec::new();
    key_value(
        &mut resource,
        1,
        "service.name",
        AnyValue::String("wic-gql"),
    );
    key_value(
        &mut resource,
        1,
        "service.version",
        AnyValue::String(env!("CARGO_PKG_VERSION")),
    );
    let mut resource_spans = Vec::with_capacity(scope_spans.len() + 64);
    bytes(&mut resource_spans, 1, &resource);
    bytes(&mut resource_spans, 2, &scope_spans);
    let mut request = Vec::with_capacity(resource_spans.len() + 8);
    bytes(&mut request, 1, &resource_spans);
    request
}

/// The protobuf wire format, the four field shapes OTLP's spans need.
mod proto {
    /// The bytes `value` takes as a varint.
    fn varint_len(value: u64) -> usize {
        (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
    }

    fn varint(out: &mut Vec<u8>, mut value: u64) {
        while value >= 0x80 {
            out.push(value as u8 | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }

    fn tag(out: &mut Vec<u8>, field: u32, wire_type: u8) {
        varint(out, u64::from(field) << 3 | u64::from(wire_type));
    }

    /// A length-delimited field: bytes, a string or an embedded message.
    pub fn bytes(out: &mut Vec<u8>, field: u32, value: &[u8]) {
        tag(out, field, 2);
        varint(out, value.len() as u64);
        out.extend_from_slice(value);
    }

    pub fn uint(out: &mut Vec<u8>, field: u32, value: u64) {
        tag(out, field, 0);
        varint(out, value);
    }

    pub fn fixed64(out: &mut Vec<u8>, field: u32, value: u64) {
        tag(out, field, 1);
        out.extend_from_slice(&value.to_le_bytes());
    }

    /// `AnyValue`'s two cases that spans use.
    pub enum AnyValue<'a> {
        String(&'a str),
        Int(i64),
    }

    /// A `KeyValue { key = 1, value = 2 }` as field `field` of the message in `out`,
    /// written in place: the lengths are computed, not measured on scratch buffers.
    pub fn key_value(out: &mut Vec<u8>, field: u32, key: &str, value: AnyValue<'_>) {
        let any_len = match value {
            AnyValue::String(text) => 1 + varint_len(text.len() as u64) + text.len(),
            AnyValue::Int(number) => 1 + varint_len(number as u64),
        };
        let pair_len =
            1 + varint_len(key.len() as u64) + key.len() + 1 + varint_len(any_len as u64) + any_len;
        tag(out, field, 2);
        varint(out, pair_len as u64);
        bytes(out, 1, key.as_bytes());
        tag(out, 2, 2);
        varint(out, any_len as u64);
        match value {
            AnyValue::String(text) => bytes(out, 1, text.as_bytes()),
            AnyValue::Int(number) => uint(out, 3, number as u64),
        }
    }
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
async fn post(endpoint: &Endpoint, body: &[u8]) -> std::io::Result<()> {
    let mut stream = tokio::net::TcpStream::connect(&endpoint.authority).await?;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-protobuf\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        endpoint.path,
        endpoint.authority,
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
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
