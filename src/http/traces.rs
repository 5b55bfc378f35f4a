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
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

/// Spans waiting to be sent; beyond this, new spans are dropped (at 32 bytes and a name a
/// span, a full queue holds some 3 MB).
const QUEUE: usize = 64 * 1024;
/// The most bytes of names and codes waiting to be sent: operation names are the clients'
/// own, up to a document's length, so the spans' count alone does not bound the queue.
const QUEUE_TEXT: usize = 16 * 1024 * 1024;
/// The most spans per request to the collector (about 560 KB of protobuf): each request is
/// a connection and a wake-up of the collector, so at tens of thousands of requests a
/// second, fewer and larger batches are what keeps tracing cheap (bench/results/
/// optimizations.md, "Traces").
const BATCH: usize = 4096;
/// How often the queue is sent when no batch fills it.
const LINGER: Duration = Duration::from_millis(200);
/// The longest a request to the collector may take.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a request's span says.
pub struct Span<'a> {
    pub name: &'a str,
    /// When the request started, on the monotonic clock its duration was measured with.
    pub start: Instant,
    pub duration: Duration,
    pub status: u16,
    /// The first error's code, if any.
    pub code: Option<&'a str>,
}

/// The sending end: recording a span appends its numbers and its name, under a lock, to
/// the queue; the exporting task wakes on its own timer, or when a batch is full, never
/// once per span (a channel that woke it per span cost Q1 a third of its throughput:
/// bench/results/optimizations.md, "Traces"), and encodes a batch at a time. The request
/// path copies some 40 bytes a span; the protobuf (ids, keys, lengths) is written by the
/// exporter, in one loop over the batch (optimizations.md, "Traces, encoded by the
/// exporter").
pub struct Tracer {
    shared: Arc<Shared>,
}

struct Shared {
    queue: Mutex<Queue>,
    full: Notify,
    dropped: AtomicU64,
    clock: Clock,
}

/// The wall clock of an [`Instant`] without reading the wall clock per span: the monotonic
/// time since `base`, plus the wall clock's offset from it, which the exporting task reads
/// again at every linger, so a wall clock set by NTP reaches the spans within [`LINGER`].
/// (A second clock read per request was measurable: bench/results/optimizations.md,
/// "Metrics and traces, measured in pairs".)
struct Clock {
    base: Instant,
    /// Nanoseconds since the Unix epoch at `base`, as the wall clock last said.
    offset: AtomicU64,
}

impl Clock {
    fn new() -> Clock {
        let clock = Clock {
            base: Instant::now(),
            offset: AtomicU64::new(0),
        };
        clock.adjust();
        clock
    }

    /// Reads the wall clock and the monotonic clock together, and keeps their offset.
    fn adjust(&self) {
        let since_base = self.base.elapsed();
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let offset = wall.saturating_sub(since_base).as_nanos() as u64;
        self.offset.store(offset, Ordering::Relaxed);
    }

    /// Nanoseconds from `base` to `at`, which the exporter adds to the offset.
    fn since_base(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.base).as_nanos() as u64
    }
}

/// Spans waiting to be sent: their numbers, and their names and codes one after another.
#[derive(Default)]
struct Queue {
    spans: Vec<Recorded>,
    text: Vec<u8>,
}

/// A span as the request path leaves it: times on the monotonic clock, as nanoseconds
/// since [`Clock::base`], and the lengths of its name and code in [`Queue::text`].
#[derive(Clone, Copy)]
struct Recorded {
    start: u64,
    duration: u64,
    name: u32,
    /// The code's length, plus one; 0 when the span has none.
    code: u32,
    status: u16,
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
            queue: Mutex::new(Queue::default()),
            full: Notify::new(),
            dropped: AtomicU64::new(0),
            clock: Clock::new(),
        });
        tokio::spawn(export(endpoint, Arc::downgrade(&shared)));
        Ok(Tracer { shared })
    }

    /// Queues `span` for export, or drops it when the queue is full.
    pub fn record(&self, span: &Span<'_>) {
        let recorded = Recorded {
            start: self.shared.clock.since_base(span.start),
            duration: span.duration.as_nanos() as u64,
            name: span.name.len() as u32,
            code: span.code.map_or(0, |code| code.len() as u32 + 1),
            status: span.status,
        };
        let mut queue = self.shared.queue.lock().expect("span queue poisoned");
        if queue.spans.len() >= QUEUE || queue.text.len() >= QUEUE_TEXT {
            drop(queue);
            let dropped = self.shared.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(dropped, "the OTLP queue is full: spans are dropped");
            }
            return;
        }
        queue.spans.push(recorded);
        queue.text.extend_from_slice(span.name.as_bytes());
        if let Some(code) = span.code {
            queue.text.extend_from_slice(code.as_bytes());
        }
        if queue.spans.len().is_multiple_of(BATCH) {
            self.shared.full.notify_one();
        }
    }
}

/// Sends what has queued, every [`LINGER`] or when a batch is full, until the tracer is
/// dropped.
async fn export(endpoint: Endpoint, shared: Weak<Shared>) {
    let mut taken = Queue::default();
    let mut bytes = Vec::new();
    loop {
        let Some(tracer) = shared.upgrade() else {
            return;
        };
        tokio::select! {
            _ = tokio::time::sleep(LINGER) => {}
            _ = tracer.full.notified() => {}
        }
        tracer.clock.adjust();
        let offset = tracer.clock.offset.load(Ordering::Relaxed);
        // The queue's vectors are swapped with the ones last sent, emptied: the request
        // path keeps appending to vectors that have their size already.
        {
            let mut queue = tracer.queue.lock().expect("span queue poisoned");
            std::mem::swap(&mut *queue, &mut taken);
        }
        drop(tracer);
        let mut text = &taken.text[..];
        for spans in taken.spans.chunks(BATCH) {
            bytes.clear();
            for span in spans {
                let (name, rest) = text.split_at(span.name as usize);
                let (code, rest) = rest.split_at(span.code.saturating_sub(1) as usize);
                text = rest;
                let start = offset.saturating_add(span.start);
                encode_span(
                    &mut bytes,
                    span,
                    start,
                    name,
                    (span.code > 0).then_some(code),
                );
            }
            let prefix = request_prefix(bytes.len());
            let sending = post(&endpoint, &prefix, &bytes);
            match tokio::time::timeout(EXPORT_TIMEOUT, sending).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    tracing::warn!(%error, spans = spans.len(), "cannot export spans over OTLP")
                }
                Err(_) => {
                    tracing::warn!(
                        spans = spans.len(),
                        "the OTLP collector did not answer in time"
                    )
                }
            }
        }
        taken.spans.clear();
        taken.text.clear();
    }
}

/// The key of each attribute a span may have (`KeyValue.key`, field 1) with the tag of
/// its value (field 2), as constant bytes: most of a span is constant, and is copied
/// rather than encoded field by field.
const NAME_KEY: &[u8] = b"\x0a\x16graphql.operation.name\x12";
const STATUS_KEY: &[u8] = b"\x0a\x19http.response.status_code\x12";
const CODE_KEY: &[u8] = b"\x0a\x12graphql.error.code\x12";

/// Appends `span`, named `name`, with the error code `code`, which started `start`
/// nanoseconds after the Unix epoch, to `out` as field 2 of a `ScopeSpans` message: `Span`
/// in OTLP's protobuf encoding, written in place, with its lengths computed rather than
/// measured on scratch buffers. Field numbers are those of `opentelemetry/proto/trace/v1/trace.proto`
/// and `common/v1/common.proto`; `tests/api/traces.rs` decodes the body with prost.
fn encode_span(out: &mut Vec<u8>, span: &Recorded, start: u64, name: &[u8], code: Option<&[u8]>) {
    use proto::{field_len, varint, varint_len};
    let end = start.saturating_add(span.duration);
    // AnyValue { string_value = 1 } and { int_value = 3 }.
    let status_value = 1 + varint_len(u64::from(span.status));
    let status_pair = STATUS_KEY.len() + varint_len(status_value as u64) + status_value;
    // Status { code = 3 }: STATUS_CODE_ERROR (2) for a server failure, else UNSET (0),
    // which proto3 leaves out.
    let status: &[u8] = if span.status >= 500 {
        &[15 << 3 | 2, 2, 3 << 3, 2]
    } else {
        &[15 << 3 | 2, 0]
    };
    let length = IDS
        + field_len(name.len())
        + TIMES
        + field_len(string_pair_len(NAME_KEY, name))
        + field_len(status_pair)
        + code.map_or(0, |code| field_len(string_pair_len(CODE_KEY, code)))
        + status.len();
    out.reserve(length + 8);
    out.push(2 << 3 | 2);
    varint(out, length as u64);
    let at = out.len();
    // trace_id = 1 (16 bytes), span_id = 2 (8 bytes).
    const IDS: usize = 2 + 16 + 2 + 8;
    let [high, low, id] = random();
    let mut ids = [0u8; IDS];
    ids[..2].copy_from_slice(&[1 << 3 | 2, 16]);
    ids[2..10].copy_from_slice(&high.to_be_bytes());
    ids[10..18].copy_from_slice(&low.to_be_bytes());
    ids[18..20].copy_from_slice(&[2 << 3 | 2, 8]);
    ids[20..].copy_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&ids);
    // name = 5.
    out.push(5 << 3 | 2);
    varint(out, name.len() as u64);
    out.extend_from_slice(name);
    // kind = 6 (SPAN_KIND_SERVER), start_time_unix_nano = 7, end_time_unix_nano = 8.
    const TIMES: usize = 2 + 9 + 9;
    let mut times = [0u8; TIMES];
    times[..3].copy_from_slice(&[6 << 3, 2, 7 << 3 | 1]);
    times[3..11].copy_from_slice(&start.to_le_bytes());
    times[11] = 8 << 3 | 1;
    times[12..].copy_from_slice(&end.to_le_bytes());
    out.extend_from_slice(&times);
    // attributes = 9.
    string_attribute(out, NAME_KEY, name);
    out.push(9 << 3 | 2);
    varint(out, status_pair as u64);
    out.extend_from_slice(STATUS_KEY);
    varint(out, status_value as u64);
    out.push(3 << 3);
    varint(out, u64::from(span.status));
    if let Some(code) = code {
        string_attribute(out, CODE_KEY, code);
    }
    // status = 15.
    out.extend_from_slice(status);
    debug_assert_eq!(out.len() - at, length, "a span's computed length");
}

/// The bytes inside a `KeyValue` of `key` (one of the constant keys, with its value's tag)
/// and the string `text`: the key, then `AnyValue { string_value = 1 }`.
#[inline]
fn string_pair_len(key: &[u8], text: &[u8]) -> usize {
    use proto::{field_len, varint_len};
    let value = field_len(text.len());
    key.len() + varint_len(value as u64) + value
}

/// A span's attribute (field 9) of `key` (one of the constant keys) and the string `text`.
#[inline]
fn string_attribute(out: &mut Vec<u8>, key: &[u8], text: &[u8]) {
    use proto::{field_len, varint};
    out.push(9 << 3 | 2);
    varint(out, string_pair_len(key, text) as u64);
    out.extend_from_slice(key);
    varint(out, field_len(text.len()) as u64);
    out.push(1 << 3 | 2);
    varint(out, text.len() as u64);
    out.extend_from_slice(text);
}

/// The bytes of an `ExportTraceServiceRequest` that come before `spans` bytes of encoded
/// spans ([`encode_span`]): the request is these, then the spans as they were queued, so
/// a batch is sent without being copied.
fn request_prefix(spans: usize) -> Vec<u8> {
    use proto::{bytes, key_value, tag, varint};
    // Resource { attributes = 1 }.
    let mut resource = Vec::new();
    key_value(&mut resource, 1, "service.name", "wic-gql");
    key_value(
        &mut resource,
        1,
        "service.version",
        env!("CARGO_PKG_VERSION"),
    );
    // ScopeSpans { scope = 1: InstrumentationScope { name = 1 }, spans = 2 (queued) }.
    let mut scope = Vec::new();
    bytes(&mut scope, 1, b"wic-gql");
    let mut scope_spans = Vec::new();
    bytes(&mut scope_spans, 1, &scope);
    let scope_spans_len = scope_spans.len() + spans;
    // ResourceSpans { resource = 1, scope_spans = 2 }.
    let mut resource_spans = Vec::new();
    bytes(&mut resource_spans, 1, &resource);
    tag(&mut resource_spans, 2, 2);
    varint(&mut resource_spans, scope_spans_len as u64);
    resource_spans.extend_from_slice(&scope_spans);
    // ExportTraceServiceRequest { resource_spans = 1 }.
    let mut request = Vec::new();
    tag(&mut request, 1, 2);
    varint(&mut request, (resource_spans.len() + spans) as u64);
    request.extend_from_slice(&resource_spans);
    request
}

/// The protobuf wire format: varints and length-delimited fields, all that OTLP's spans
/// and their envelope need beside the fixed-size fields [`encode_span`] writes itself.
mod proto {
    /// The bytes `value` takes as a varint.
    #[inline]
    pub fn varint_len(value: u64) -> usize {
        (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
    }

    /// The bytes of a length-delimited field of `len` bytes with a field number below 16.
    #[inline]
    pub fn field_len(len: usize) -> usize {
        1 + varint_len(len as u64) + len
    }

    #[inline]
    pub fn varint(out: &mut Vec<u8>, mut value: u64) {
        while value >= 0x80 {
            out.push(value as u8 | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }

    pub fn tag(out: &mut Vec<u8>, field: u32, wire_type: u8) {
        varint(out, u64::from(field) << 3 | u64::from(wire_type));
    }

    /// A length-delimited field: bytes, a string or an embedded message.
    pub fn bytes(out: &mut Vec<u8>, field: u32, value: &[u8]) {
        tag(out, field, 2);
        varint(out, value.len() as u64);
        out.extend_from_slice(value);
    }

    /// A `KeyValue { key = 1, value = 2: AnyValue { string_value = 1 } }` as field `field`
    /// of the message in `out`.
    pub fn key_value(out: &mut Vec<u8>, field: u32, key: &str, value: &str) {
        let any_len = field_len(value.len());
        tag(out, field, 2);
        varint(out, (field_len(key.len()) + field_len(any_len)) as u64);
        bytes(out, 1, key.as_bytes());
        tag(out, 2, 2);
        varint(out, any_len as u64);
        bytes(out, 1, value.as_bytes());
    }
}

/// Three random non-zero `u64`s, for a trace id and a span id: xorshift64* per thread,
/// seeded once from std's randomly keyed hasher. Ids need to be unique, not secret; a fresh
/// `RandomState` per id cost a request path measurable time (optimizations.md, "Traces").
fn random() -> [u64; 3] {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(
            std::collections::hash_map::RandomState::new().build_hasher().finish() | 1,
        );
    }
    STATE.with(|state| {
        let mut x = state.get();
        let ids = [(); 3].map(|()| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D).max(1)
        });
        state.set(x);
        ids
    })
}

/// One HTTP/1.1 POST of a body made of `prefix` then `rest`; an error unless the
/// collector answers 2xx.
async fn post(endpoint: &Endpoint, prefix: &[u8], rest: &[u8]) -> std::io::Result<()> {
    let mut stream = tokio::net::TcpStream::connect(&endpoint.authority).await?;
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-protobuf\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        endpoint.path,
        endpoint.authority,
        prefix.len() + rest.len()
    )
    .into_bytes();
    head.extend_from_slice(prefix);
    stream.write_all(&head).await?;
    stream.write_all(rest).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A tracer whose queue nothing empties.
    fn unsent() -> Tracer {
        Tracer {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue::default()),
                full: Notify::new(),
                dropped: AtomicU64::new(0),
                clock: Clock::new(),
            }),
        }
    }

    fn span(name: &str) -> Span<'_> {
        Span {
            name,
            start: Instant::now(),
            duration: Duration::from_micros(80),
            status: 200,
            code: None,
        }
    }

    #[test]
    fn the_queue_is_bounded_in_spans_and_in_the_bytes_of_their_names() {
        let tracer = unsent();
        for _ in 0..QUEUE + 3 {
            tracer.record(&span("Q1"));
        }
        assert_eq!(tracer.shared.queue.lock().unwrap().spans.len(), QUEUE);
        assert_eq!(tracer.shared.dropped.load(Ordering::Relaxed), 3);

        // Names are the clients': 16 of a megabyte fill the queue's text.
        let tracer = unsent();
        let long = "N".repeat(1024 * 1024);
        for _ in 0..20 {
            tracer.record(&span(&long));
        }
        let queue = tracer.shared.queue.lock().unwrap();
        assert_eq!(queue.spans.len(), 16);
        assert_eq!(queue.text.len(), QUEUE_TEXT);
        assert_eq!(tracer.shared.dropped.load(Ordering::Relaxed), 4);
    }
}
