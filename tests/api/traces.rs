//! `--otlp-endpoint`: the spans the server sends, received by a small OTLP/HTTP collector
//! written here, which decodes them with prost (from the message definitions of
//! `opentelemetry/proto`, the fields spans use) into OTLP's JSON mapping.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::helpers::spawn_app_with;

/// The messages of `opentelemetry/proto/collector/trace/v1` that carry spans, the fields
/// the server writes.
mod otlp {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ExportTraceServiceRequest {
        #[prost(message, repeated, tag = "1")]
        pub resource_spans: Vec<ResourceSpans>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ResourceSpans {
        #[prost(message, optional, tag = "1")]
        pub resource: Option<Resource>,
        #[prost(message, repeated, tag = "2")]
        pub scope_spans: Vec<ScopeSpans>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Resource {
        #[prost(message, repeated, tag = "1")]
        pub attributes: Vec<KeyValue>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ScopeSpans {
        #[prost(message, optional, tag = "1")]
        pub scope: Option<InstrumentationScope>,
        #[prost(message, repeated, tag = "2")]
        pub spans: Vec<Span>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct InstrumentationScope {
        #[prost(string, tag = "1")]
        pub name: String,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Span {
        #[prost(bytes = "vec", tag = "1")]
        pub trace_id: Vec<u8>,
        #[prost(bytes = "vec", tag = "2")]
        pub span_id: Vec<u8>,
        #[prost(string, tag = "5")]
        pub name: String,
        #[prost(int32, tag = "6")]
        pub kind: i32,
        #[prost(fixed64, tag = "7")]
        pub start_time_unix_nano: u64,
        #[prost(fixed64, tag = "8")]
        pub end_time_unix_nano: u64,
        #[prost(message, repeated, tag = "9")]
        pub attributes: Vec<KeyValue>,
        #[prost(message, optional, tag = "15")]
        pub status: Option<Status>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct KeyValue {
        #[prost(string, tag = "1")]
        pub key: String,
        #[prost(message, optional, tag = "2")]
        pub value: Option<AnyValue>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct AnyValue {
        #[prost(oneof = "Value", tags = "1, 3")]
        pub value: Option<Value>,
    }
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        #[prost(string, tag = "1")]
        StringValue(String),
        #[prost(int64, tag = "3")]
        IntValue(i64),
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Status {
        #[prost(int32, tag = "3")]
        pub code: i32,
    }
}

/// `request` in OTLP's JSON mapping (hex ids, nanoseconds and 64-bit integers as strings).
fn as_json(request: otlp::ExportTraceServiceRequest) -> Value {
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let attributes = |pairs: Vec<otlp::KeyValue>| -> Value {
        pairs
            .into_iter()
            .map(|pair| {
                let value = match pair.value.and_then(|v| v.value) {
                    Some(otlp::Value::StringValue(text)) => json!({ "stringValue": text }),
                    Some(otlp::Value::IntValue(number)) => {
                        json!({ "intValue": number.to_string() })
                    }
                    None => Value::Null,
                };
                json!({ "key": pair.key, "value": value })
            })
            .collect()
    };
    let resource_spans: Vec<Value> = request
        .resource_spans
        .into_iter()
        .map(|rs| {
            let scope_spans: Vec<Value> = rs
                .scope_spans
                .into_iter()
                .map(|ss| {
                    let spans: Vec<Value> = ss
                        .spans
                        .into_iter()
                        .map(|span| {
                            json!({
                                "traceId": hex(&span.trace_id),
                                "spanId": hex(&span.span_id),
                                "name": span.name,
                                "kind": span.kind,
                                "startTimeUnixNano": span.start_time_unix_nano.to_string(),
                                "endTimeUnixNano": span.end_time_unix_nano.to_string(),
                                "attributes": attributes(span.attributes),
                                "status": { "code": span.status.map_or(0, |s| s.code) },
                            })
                        })
                        .collect();
                    json!({ "scope": { "name": ss.scope.map(|s| s.name) }, "spans": spans })
                })
                .collect();
            json!({
                "resource": { "attributes": attributes(rs.resource.map(|r| r.attributes).unwrap_or_default()) },
                "scopeSpans": scope_spans,
            })
        })
        .collect();
    json!({ "resourceSpans": resource_spans })
}

/// A collector on a free port: each request's path and body (decoded from protobuf into
/// OTLP's JSON mapping), answered 200.
async fn collector() -> (String, mpsc::UnboundedReceiver<(String, Value)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
    let address = listener.local_addr().expect("an address").to_string();
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut bytes = Vec::new();
            let mut buffer = [0u8; 8192];
            let (head, length) = loop {
                let read = stream.read(&mut buffer).await.expect("read");
                assert!(read > 0, "the request ended before its headers did");
                bytes.extend_from_slice(&buffer[..read]);
                if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8(bytes[..end].to_vec()).expect("UTF-8 headers");
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("Content-Length: "))
                        .expect("a Content-Length")
                        .parse()
                        .expect("a length");
                    bytes.drain(..end + 4);
                    break (head, length);
                }
            };
            while bytes.len() < length {
                let read = stream.read(&mut buffer).await.expect("read");
                bytes.extend_from_slice(&buffer[..read]);
            }
            let path = head.split_whitespace().nth(1).expect("a path").to_string();
            assert!(
                head.lines()
                    .any(|l| l == "Content-Type: application/x-protobuf"),
                "{head}"
            );
            let request = <otlp::ExportTraceServiceRequest as prost::Message>::decode(&bytes[..])
                .expect("an ExportTraceServiceRequest");
            let body = as_json(request);
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                .await
                .expect("answered");
            let _ = sender.send((path, body));
        }
    });
    (address, receiver)
}

/// The value of the attribute `key` of `attributes` (OTLP's `[{key, value}]`).
fn attribute<'a>(attributes: &'a Value, key: &str) -> Option<&'a Value> {
    attributes
        .as_array()
        .expect("attributes")
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| &a["value"])
}

#[tokio::test]
async fn each_request_is_one_span_named_after_its_operation() {
    let (address, mut received) = collector().await;
    let app = spawn_app_with(|s| s.metrics.otlp_endpoint = Some(format!("http://{address}"))).await;
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    for body in [
        json!({ "query": "query Q1 { event(slug: \"wic-2017\") { name } }", "operationName": "Q1" }),
        json!({ "query": "query Q1 { event(slug: \"wic-2017\") { name } }", "operationName": "Q1" }),
        json!({ "query": "{ nope }" }),
    ] {
        app.client
            .post(format!("{}/graphql", app.address))
            .header("accept", "application/graphql-response+json")
            .json(&body)
            .send()
            .await
            .expect("sent");
    }
    let mut spans = Vec::new();
    while spans.len() < 3 {
        let (path, body) = tokio::time::timeout(Duration::from_secs(10), received.recv())
            .await
            .expect("spans within 10 s")
            .expect("the collector runs");
        assert_eq!(path, "/v1/traces");
        let resource = &body["resourceSpans"][0];
        let service = attribute(&resource["resource"]["attributes"], "service.name");
        assert_eq!(service, Some(&json!({ "stringValue": "wic-gql" })));
        spans.extend(
            resource["scopeSpans"][0]["spans"]
                .as_array()
                .expect("spans")
                .iter()
                .cloned(),
        );
    }
    let after = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let mut seen: Vec<(String, Value, Value, Option<Value>)> = spans
        .iter()
        .map(|span| {
            let attributes = &span["attributes"];
            (
                span["name"].as_str().expect("a name").to_string(),
                attribute(attributes, "graphql.operation.name")
                    .cloned()
                    .expect("the name"),
                attribute(attributes, "http.response.status_code")
                    .cloned()
                    .expect("the status"),
                attribute(attributes, "graphql.error.code").cloned(),
            )
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        seen,
        vec![
            (
                "(unnamed)".to_string(),
                json!({ "stringValue": "(unnamed)" }),
                json!({ "intValue": "400" }),
                Some(json!({ "stringValue": "GRAPHQL_VALIDATION_FAILED" }))
            ),
            (
                "Q1".to_string(),
                json!({ "stringValue": "Q1" }),
                json!({ "intValue": "200" }),
                None
            ),
            (
                "Q1".to_string(),
                json!({ "stringValue": "Q1" }),
                json!({ "intValue": "200" }),
                None
            ),
        ]
    );
    let mut trace_ids = Vec::new();
    for span in &spans {
        assert_eq!(span["kind"], 2, "a server span");
        let trace_id = span["traceId"].as_str().expect("a trace id");
        let span_id = span["spanId"].as_str().expect("a span id");
        assert!(trace_id.len() == 32 && trace_id.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(span_id.len() == 16 && span_id.chars().all(|c| c.is_ascii_hexdigit()));
        let nanos = |key: &str| -> u128 { span[key].as_str().expect(key).parse().expect(key) };
        let (start, end) = (nanos("startTimeUnixNano"), nanos("endTimeUnixNano"));
        assert!(before <= start && start <= end && end <= after, "{span}");
        trace_ids.push(trace_id.to_string());
    }
    trace_ids.sort();
    trace_ids.dedup();
    assert_eq!(trace_ids.len(), 3, "one trace per request");
    assert_eq!(
        app.get("/metrics").await.status().as_u16(),
        404,
        "traces alone"
    );
}
