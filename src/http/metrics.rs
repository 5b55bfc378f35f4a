//! `GET /metrics`: what `/graphql` did, in the Prometheus text format — requests by
//! operation, status and code, latency, requests in flight, refusals, the caches — and
//! which data is served.
//!
//! Hand-written, not a metrics crate: the counts belong to one server (tests run many in
//! one process, which a global recorder would mix), the cache figures are read at scrape
//! time from the caches themselves, and every label value is either one of our own words
//! or a GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`), so nothing needs escaping.
//!
//! Every label is bounded. An operation is labelled with the `operationName` the request
//! gave, once an operation of that name has executed (so a refused request cannot add a
//! name), up to [`MAX_LABELS`] names; later names are `(other)`, a request without a name
//! is `(unnamed)`, a batch is `(batch)`. Codes are bounded the same way.
//!
//! The `/graphql` handlers observe their own requests ([`Observation`]): what they answered
//! is theirs to say, without a middleware layer or a task-local around every request
//! (together a third of the cost of metrics: bench/results/optimizations.md, "Metrics and
//! traces"). The same observation hands each request's span to the tracer of
//! `--otlp-endpoint` (`traces.rs`). With both off an observation is inert: nothing is
//! read, counted or timed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};

use super::error::HttpError;
use super::traces::Span;
use super::AppState;
use crate::api::{CacheStats, Outcome};
use crate::storage::codec::FORMAT_VERSION;

/// The most distinct operation names, and the most distinct codes, labelled.
pub const MAX_LABELS: usize = 64;
/// The upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const UNNAMED: &str = "(unnamed)";
const OTHER: &str = "(other)";
const BATCH: &str = "(batch)";
/// The code of a request answered without an error.
const NO_ERROR: &str = "none";

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A label value: its index in [`Counts::values`]. Counting a request hashes small
/// integers, not strings (bench/results/optimizations.md, "Metrics and traces").
type Label = u16;
/// The fixed label values, first in [`Counts::values`].
const L_UNNAMED: Label = 0;
const L_OTHER: Label = 1;
const L_BATCH: Label = 2;
const L_NO_ERROR: Label = 3;

/// The counts of one server.
#[derive(Default)]
pub struct Metrics {
    in_flight: AtomicI64,
    counts: Mutex<Counts>,
}

struct Counts {
    /// Every label value, by [`Label`]: the fixed words, then names and codes as admitted.
    values: Vec<Box<str>>,
    operations: Map<Box<str>, Label>,
    codes: Map<Box<str>, Label>,
    /// By operation, status and code.
    requests: Map<(Label, u16, Label), u64>,
    /// By operation.
    latency: Map<Label, Histogram>,
    /// Requests refused before execution, by code.
    refusals: Map<Label, u64>,
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            values: [UNNAMED, OTHER, BATCH, NO_ERROR]
                .map(Box::<str>::from)
                .into(),
            operations: Map::default(),
            codes: Map::default(),
            requests: Map::default(),
            latency: Map::default(),
            refusals: Map::default(),
        }
    }
}

#[derive(Default)]
struct Histogram {
    /// Observations in each bucket alone (not cumulative); the last is above every bound.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

/// What a handler noted about the request it answered.
#[derive(Default)]
struct Noted {
    /// Operations run: more than one is a batch.
    operations: u32,
    name: Option<String>,
    executed: bool,
    /// The first error's code, and whether the request was refused before execution.
    code: Option<(String, bool)>,
}

/// One request to `/graphql` being answered, for metrics and traces: started by its
/// handler, told what became of it, finished with the response's status. Inert when the
/// server has neither.
pub struct Observation<'a>(Option<Observed<'a>>);

struct Observed<'a> {
    state: &'a AppState,
    /// The start, for the latency and for a span's times (the tracer turns it into wall
    /// clock time: one clock read a request, not two).
    started: Instant,
    noted: Noted,
}

impl<'a> Observation<'a> {
    /// Starts observing a request to `/graphql`: it is in flight until this is finished
    /// or dropped (a request whose client went away is not in flight forever).
    #[inline]
    pub fn start(state: &'a AppState) -> Self {
        Observation(state.observes().then(|| Observed::start(state)))
    }

    /// Notes the operation `name` and what became of it.
    #[inline]
    pub fn operation(&mut self, name: Option<&str>, result: &Result<Outcome, HttpError>) {
        if let Some(observed) = &mut self.0 {
            observed.noted.operation(name, result);
        }
    }

    /// Notes a refusal before execution with `code`.
    #[inline]
    pub fn refusal(&mut self, code: &str) {
        if let Some(observed) = &mut self.0 {
            if observed.noted.code.is_none() {
                observed.noted.code = Some((code.to_string(), true));
            }
        }
    }

    /// Counts the request, answered with `status`, and sends its span.
    #[inline]
    pub fn finish(mut self, status: StatusCode) {
        if let Some(observed) = self.0.take() {
            observed.finish(status);
        }
    }
}

impl Noted {
    fn operation(&mut self, name: Option<&str>, result: &Result<Outcome, HttpError>) {
        self.operations += 1;
        self.name = name.map(str::to_owned);
        self.executed = matches!(result, Ok(Outcome::Executed(_) | Outcome::Planned(_)));
        if self.code.is_none() {
            self.code = match result {
                Ok(Outcome::Refused(errors)) => errors.first().map(|e| (code_of(e), true)),
                Ok(Outcome::Executed(response)) => {
                    response.errors.first().map(|e| (code_of(e), false))
                }
                Ok(Outcome::Planned(_)) => None,
                Err(error) => Some((error.code().to_string(), true)),
            };
        }
    }
}

impl<'a> Observed<'a> {
    fn start(state: &'a AppState) -> Self {
        if let Some(metrics) = &state.metrics {
            metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        }
        Observed {
            state,
            started: Instant::now(),
            noted: Noted::default(),
        }
    }

    fn finish(self, status: StatusCode) {
        let elapsed = self.started.elapsed();
        let (state, noted) = (self.state, &self.noted);
        if let Some(tracer) = &state.tracer {
            tracer.record(&Span {
                name: span_name(noted),
                start: self.started,
                duration: elapsed,
                status: status.as_u16(),
                code: noted.code.as_ref().map(|(code, _)| code.as_str()),
            });
        }
        if let Some(metrics) = &state.metrics {
            metrics.record(noted, status.as_u16(), elapsed);
            metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Observation<'_> {
    fn drop(&mut self) {
        if let Some(metrics) = self.0.as_ref().and_then(|o| o.state.metrics.as_ref()) {
            metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

fn code_of(error: &async_graphql::ServerError) -> String {
    match error.extensions.as_ref().and_then(|e| e.get("code")) {
        Some(async_graphql::Value::String(code)) => code.clone(),
        _ => "UNKNOWN".to_string(),
    }
}

/// A span's name: the operation's name when it is a GraphQL name (spans are not labels,
/// so any name will do), else what `/metrics` calls it.
fn span_name(noted: &Noted) -> &str {
    match (noted.operations, &noted.name) {
        (0 | 1, Some(name)) if is_name(name) => name,
        (0 | 1, _) => UNNAMED,
        _ => BATCH,
    }
}

impl Metrics {
    fn record(&self, noted: &Noted, status: u16, elapsed: Duration) {
        let mut counts = self.counts.lock().expect("metrics lock poisoned");
        let counts = &mut *counts;
        let operation = match (noted.operations, &noted.name) {
            (0 | 1, None) => L_UNNAMED,
            (0 | 1, Some(name)) => admit(
                &mut counts.values,
                &mut counts.operations,
                name,
                noted.executed,
            )
            .unwrap_or(L_OTHER),
            _ => L_BATCH,
        };
        let (code, refused) = match &noted.code {
            Some((code, refused)) => (
                admit(&mut counts.values, &mut counts.codes, code, true).unwrap_or(L_OTHER),
                *refused,
            ),
            None => (L_NO_ERROR, false),
        };
        if refused {
            *counts.refusals.entry(code).or_default() += 1;
        }
        *counts
            .requests
            .entry((operation, status, code))
            .or_default() += 1;
        let histogram = counts.latency.entry(operation).or_default();
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS.iter().position(|bound| seconds <= *bound);
        histogram.buckets[bucket.unwrap_or(BUCKETS.len())] += 1;
        histogram.sum += seconds;
        histogram.count += 1;
    }

    /// The exposition, with the caches' figures and the data served.
    fn render(&self, caches: &[(&str, CacheStats)], data: &DataInfo) -> String {
        let mut out = String::with_capacity(8 * 1024);
        let counts = self.counts.lock().expect("metrics lock poisoned");
        let name = "wic_gql_requests_total";
        family(&mut out, name, "counter", "Requests to /graphql by operation name, HTTP status and the code of the first error (none without one).");
        let value = |label: &Label| &*counts.values[usize::from(*label)];
        let mut requests: Vec<_> = counts
            .requests
            .iter()
            .map(|((operation, status, code), count)| {
                ((value(operation), *status, value(code)), *count)
            })
            .collect();
        requests.sort_unstable();
        for ((operation, status, code), count) in requests {
            let labels = format!("operation=\"{operation}\",status=\"{status}\",code=\"{code}\"");
            sample(&mut out, name, &labels, count as f64);
        }
        let name = "wic_gql_request_duration_seconds";
        family(
            &mut out,
            name,
            "histogram",
            "Time from a /graphql request to its response, by operation name.",
        );
        let mut latency: Vec<_> = counts
            .latency
            .iter()
            .map(|(op, h)| (value(op), h))
            .collect();
        latency.sort_unstable_by_key(|(operation, _)| *operation);
        for (operation, histogram) in latency {
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(&histogram.buckets) {
                cumulative += count;
                let labels = format!("operation=\"{operation}\",le=\"{bound}\"");
                sample(
                    &mut out,
                    &format!("{name}_bucket"),
                    &labels,
                    cumulative as f64,
                );
            }
            let labels = format!("operation=\"{operation}\",le=\"+Inf\"");
            sample(
                &mut out,
                &format!("{name}_bucket"),
                &labels,
                histogram.count as f64,
            );
            let labels = format!("operation=\"{operation}\"");
            sample(&mut out, &format!("{name}_sum"), &labels, histogram.sum);
            sample(
                &mut out,
                &format!("{name}_count"),
                &labels,
                histogram.count as f64,
            );
        }
        let name = "wic_gql_refusals_total";
        family(&mut out, name, "counter", "Requests to /graphql refused before execution, by code: the limits (TOKEN_LIMIT, DEPTH_LIMIT, PAYLOAD_TOO_LARGE, OVERLOADED, TIMEOUT, ...) and every other request error.");
        let mut refusals: Vec<_> = counts
            .refusals
            .iter()
            .map(|(code, n)| (value(code), *n))
            .collect();
        refusals.sort_unstable();
        for (code, count) in refusals {
            sample(&mut out, name, &format!("code=\"{code}\""), count as f64);
        }
        drop(counts);
        let name = "wic_gql_requests_in_flight";
        family(
            &mut out,
            name,
            "gauge",
            "Requests to /graphql being answered.",
        );
        sample(
            &mut out,
            name,
            "",
            self.in_flight.load(Ordering::Relaxed) as f64,
        );
        type Figure = fn(&CacheStats) -> f64;
        let figures: [(&str, &str, &str, Figure); 6] = [
            (
                "wic_gql_cache_entries",
                "gauge",
                "Entries held, by cache.",
                |s| s.entries as f64,
            ),
            (
                "wic_gql_cache_bytes",
                "gauge",
                "Estimated bytes held, by cache.",
                |s| s.bytes as f64,
            ),
            (
                "wic_gql_cache_capacity_bytes",
                "gauge",
                "The byte budget, by cache.",
                |s| s.capacity_bytes as f64,
            ),
            (
                "wic_gql_cache_hits_total",
                "counter",
                "Lookups the cache answered.",
                |s| s.hits as f64,
            ),
            (
                "wic_gql_cache_misses_total",
                "counter",
                "Lookups the cache could not answer.",
                |s| s.misses as f64,
            ),
            (
                "wic_gql_cache_hit_ratio",
                "gauge",
                "Hits over lookups since the start (0 before any lookup).",
                |s| match s.hits + s.misses {
                    0 => 0.0,
                    lookups => s.hits as f64 / lookups as f64,
                },
            ),
        ];
        for (name, kind, help, figure) in figures {
            family(&mut out, name, kind, help);
            for (cache, stats) in caches {
                sample(&mut out, name, &format!("cache=\"{cache}\""), figure(stats));
            }
        }
        let name = "wic_gql_data_info";
        family(
            &mut out,
            name,
            "gauge",
            "The data and schema served: always 1, the facts are its labels.",
        );
        let labels = format!(
            "generation=\"{}\",data_hash=\"{}\",schema_hash=\"{}\",format_version=\"{FORMAT_VERSION}\",version=\"{}\"",
            data.generation.map(|g| g.to_string()).unwrap_or_default(),
            data.data_hash,
            data.schema_hash,
            env!("CARGO_PKG_VERSION"),
        );
        sample(&mut out, name, &labels, 1.0);
        out
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &str, value: f64) {
    if labels.is_empty() {
        let _ = writeln!(out, "{name} {value}");
    } else {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

/// The label of `value`: admitted when already known, or when `new_allowed`, the set has
/// room and `value` is a GraphQL name (so it needs no escaping); `None` otherwise.
fn admit(
    values: &mut Vec<Box<str>>,
    known: &mut Map<Box<str>, Label>,
    value: &str,
    new_allowed: bool,
) -> Option<Label> {
    if let Some(label) = known.get(value) {
        return Some(*label);
    }
    if !new_allowed || !is_name(value) || known.len() >= MAX_LABELS {
        return None;
    }
    let label = Label::try_from(values.len()).ok()?;
    values.push(value.into());
    known.insert(value.into(), label);
    Some(label)
}

/// Whether `value` is a GraphQL name, `[_A-Za-z][_0-9A-Za-z]*`.
fn is_name(value: &str) -> bool {
    value.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic())
        && value.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Which data is served, read at scrape time.
struct DataInfo {
    generation: Option<u64>,
    data_hash: String,
    schema_hash: String,
}

/// `GET /metrics`.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let Some(metrics) = &state.metrics else {
        return HttpResponse::NotFound().finish();
    };
    let graph = state.served().graph.clone();
    let read = web::block(move || {
        Ok::<_, crate::graph::GraphError>((graph.generation()?, graph.data_hash()?))
    })
    .await;
    let (generation, data_hash) = match read {
        Ok(Ok(read)) => read,
        Ok(Err(error)) => {
            tracing::error!(%error, "metrics could not read the database");
            (None, None)
        }
        Err(error) => {
            tracing::error!(%error, "metrics task failed");
            (None, None)
        }
    };
    let data = DataInfo {
        generation,
        data_hash: data_hash.unwrap_or_default(),
        schema_hash: state.schema_hash.clone(),
    };
    let caches = [
        ("documents", state.api.document_cache()),
        ("persisted_queries", state.documents.cache_stats()),
    ];
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(metrics.render(&caches, &data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded_names() {
        let mut counts = Counts::default();
        let Counts {
            values, operations, ..
        } = &mut counts;
        let mut admit = |value: &str, new_allowed| {
            admit(values, operations, value, new_allowed)
                .map(|label| values[usize::from(label)].to_string())
        };
        assert_eq!(admit("Q1", false), None, "not executed yet");
        assert_eq!(admit("Q1", true).as_deref(), Some("Q1"));
        assert_eq!(admit("Q1", false).as_deref(), Some("Q1"), "known");
        assert_eq!(admit("a\"b", true), None, "not a name");
        for i in 1..MAX_LABELS {
            assert!(admit(&format!("op{i}"), true).is_some());
        }
        assert_eq!(admit("one_too_many", true), None);
        assert_eq!(counts.operations.len(), MAX_LABELS);
    }
}
