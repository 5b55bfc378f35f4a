//! `--otlp-endpoint`: the spans the server sends, received by a small OTLP/HTTP collector
//! written here.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::helpers::spawn_app_with;

/// A collector on a free port: each request's path and JSON body, answered 200.
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
            let body = serde_json::from_slice(&bytes).expect("a JSON body");
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
