//! Abuse, replayed over HTTP against each mode: the twelve checks of the graphql-cop
//! auditor, the OWASP GraphQL cheat sheet's items, and malformed input. Every request must
//! get its specified refusal, and the server must go on answering correctly afterwards.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use wic_gql::config::Mode;

use crate::helpers::{spawn_app_with, TestApp};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// What a refusal must look like.
struct Refusal {
    status: u16,
    code: &'static str,
}

const fn refused(status: u16, code: &'static str) -> Refusal {
    Refusal { status, code }
}

async fn spawn(mode: Mode) -> TestApp {
    spawn_app_with(|s| s.mode = mode).await
}

/// POSTs `body` (raw) with `content_type`, asking for graphql-response+json.
async fn post(
    app: &TestApp,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header(CONTENT_TYPE, content_type)
        .header(ACCEPT, GRAPHQL_RESPONSE)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")),
    )
}

async fn post_query(app: &TestApp, query: &str, variables: Value) -> (StatusCode, Value) {
    post(
        app,
        "application/json",
        json!({ "query": query, "variables": variables }).to_string(),
    )
    .await
}

/// Asserts the refusal, then that a normal query still gets the right answer.
async fn assert_refused(
    app: &TestApp,
    (status, body): (StatusCode, Value),
    expected: Refusal,
    what: &str,
) {
    assert_eq!(status.as_u16(), expected.status, "{what}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], expected.code,
        "{what}: {body}"
    );
    assert!(
        body.get("data").is_none() || body["data"].is_null(),
        "{what}: a refusal carries no data: {body}"
    );
    assert_still_serving(app, what).await;
}

async fn assert_still_serving(app: &TestApp, after: &str) {
    let mut answer = post_query(app, "{ trends { totalCount } }", json!({})).await;
    // Under a 1 ms limit (the timeout test's server) a busy machine can cut even this
    // small query: the server still serves if it answers within a few tries.
    for _ in 0..20 {
        if answer.1["errors"][0]["extensions"]["code"] != "TIMEOUT" {
            break;
        }
        answer = post_query(app, "{ trends { totalCount } }", json!({})).await;
    }
    let (status, body) = answer;
    assert_eq!(
        (status.as_u16(), &body),
        (200, &json!({ "data": { "trends": { "totalCount": 5 } } })),
        "after {after}"
    );
}

fn repeated(item: impl Fn(usize) -> String, n: usize) -> String {
    (0..n).map(item).collect::<Vec<_>>().join(" ")
}

/// graphql-cop checks that refuse the same way in both modes.
async fn graphql_cop_common(app: &TestApp) {
    // Alias overloading: 100 aliases.
    let query = format!("{{ {} }}", repeated(|i| format!("a{i}: __typename"), 100));
    assert_refused(
        app,
        post_query(app, &query, json!({})).await,
        refused(400, "ALIAS_LIMIT"),
        "alias overloading",
    )
    .await;

    // Array-based batching.
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]).to_string();
    assert_refused(
        app,
        post(app, "application/json", batch).await,
        refused(400, "BATCHING_NOT_ALLOWED"),
        "array batching",
    )
    .await;

    // Directive overloading: 100 directives on one field.
    let query = format!("{{ __typename {} }}", "@include(if: true) ".repeat(100));
    assert_refused(
        app,
        post_query(app, &query, json!({})).await,
        refused(400, "DIRECTIVE_LIMIT"),
        "directive overloading",
    )
    .await;

    // Field duplication: 500 copies of one field.
    let query = format!("{{ {} }}", "__typename ".repeat(500));
    assert_refused(
        app,
        post_query(app, &query, json!({})).await,
        refused(400, "ROOT_FIELD_LIMIT"),
        "field duplication",
    )
    .await;

    // Mutations over GET.
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "mutation { __typename }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    assert_refused(
        app,
        (StatusCode::BAD_REQUEST, response.json().await.unwrap()),
        refused(400, "METHOD_NOT_ALLOWED"),
        "mutation over GET",
    )
    .await;

    // GET-based queries work, and only queries (above).
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ trends { totalCount } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // urlencoded POST (a CSRF vector: browsers send it cross-site without a preflight).
    let (status, body) = post(
        app,
        "application/x-www-form-urlencoded",
        "query=%7B__typename%7D",
    )
    .await;
    assert_refused(
        app,
        (status, body),
        refused(415, "UNSUPPORTED_MEDIA_TYPE"),
        "urlencoded POST",
    )
    .await;

    // Tracing and debug output: none in responses.
    let (_, body) = post_query(
        app,
        "{ trends { totalCount } nope: node(id: \"x\") { id } }",
        json!({}),
    )
    .await;
    assert!(
        body.get("extensions").is_none(),
        "no tracing or debug extensions: {body}"
    );
    let error = body["errors"][0].as_object().unwrap();
    let keys: Vec<&String> = error.keys().collect();
    assert!(
        keys.iter()
            .all(|k| ["message", "locations", "path", "extensions"].contains(&k.as_str())),
        "{keys:?}"
    );
    assert_eq!(
        error["extensions"],
        json!({ "code": "INVALID_ID" }),
        "no debug detail in errors"
    );
}

#[tokio::test]
async fn graphql_cop_checks_in_dev_mode() {
    let app = spawn(Mode::Dev).await;
    graphql_cop_common(&app).await;

    // Introspection is on in dev, but circular introspection is stopped by the depth limit.
    let (status, body) = post_query(&app, "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(
        (status.as_u16(), &body["data"]),
        (
            200,
            &json!({ "__schema": { "queryType": { "name": "Query" } } })
        )
    );
    let circular = format!(
        "{{ __schema {{ types {{ {} name {} }} }} }}",
        "fields { type { ".repeat(8),
        "} } ".repeat(8)
    );
    assert_refused(
        &app,
        post_query(&app, &circular, json!({})).await,
        refused(400, "DEPTH_LIMIT"),
        "circular introspection",
    )
    .await;

    // Field suggestions are on in dev.
    let (_, body) = post_query(&app, "{ trends { totalCont } }", json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean \"totalCount\"?"),
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    // The playground is served.
    assert_eq!(app.get("/").await.status(), 200);
}

#[tokio::test]
async fn graphql_cop_checks_in_production_mode() {
    let app = spawn(Mode::Production).await;
    graphql_cop_common(&app).await;

    // Introspection is off, circular or not; `__typename` still answers.
    for query in [
        "{ __schema { queryType { name } } }",
        "{ __type(name: \"Trend\") { name } }",
    ] {
        let response = post_query(&app, query, json!({})).await;
        assert_refused(
            &app,
            response,
            refused(400, "INTROSPECTION_DISABLED"),
            "introspection",
        )
        .await;
    }
    let (_, body) = post_query(&app, "{ __typename }", json!({})).await;
    assert_eq!(body, json!({ "data": { "__typename": "Query" } }));

    // No field suggestions.
    let (_, body) = post_query(&app, "{ trends { totalCont } }", json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");

    // No playground, and security headers on what is served.
    assert_eq!(app.get("/").await.status(), 404);
    let health = app.get("/health").await;
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
    assert_eq!(health.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn production_mode_can_enable_the_playground_and_introspection() {
    let app = spawn_app_with(|s| {
        s.mode = Mode::Production;
        s.playground = Some(true);
        s.introspection = Some(true);
    })
    .await;
    assert_eq!(app.get("/").await.status(), 200);
    let (status, _) = post_query(&app, "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(status, 200);
}

/// The OWASP GraphQL cheat sheet: depth, amount, cost, timeout, batching, error verbosity,
/// introspection (the last two are covered per mode above).
#[tokio::test]
async fn owasp_depth_amount_cost_and_timeout_limits() {
    let app = spawn(Mode::Production).await;
    let deep = format!(
        "{{ trend(slug: \"trend-i\") {{ {} slug {} }} }}",
        "actors { nodes { trends { nodes { ".repeat(5),
        "} } } } ".repeat(5)
    );
    assert_refused(
        &app,
        post_query(&app, &deep, json!({})).await,
        refused(400, "DEPTH_LIMIT"),
        "depth",
    )
    .await;
    let (_, body) = post_query(&app, &deep, json!({})).await;
    assert_eq!(
        body["errors"][0]["message"],
        "the query is nested 22 levels deep; this server allows 16"
    );
    // 22 = `trend`, 5 × (`actors` `nodes` `trends` `nodes`), `slug`.

    let nested = r#"{ event(slug: "wic-2017") { name trends(first: 600) { totalCount } } }"#;
    let (status, body) = post_query(&app, nested, json!({})).await;
    assert_eq!(
        status, 400,
        "refused before execution, not a field error: {body}"
    );
    assert!(body.get("data").is_none());
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["message"],
        "`first` is 600, more than the 500 records a page may hold"
    );
    let response = post_query(&app, "{ trends(first: 100000) { totalCount } }", json!({})).await;
    assert_refused(&app, response, refused(400, "BAD_USER_INPUT"), "amount").await;
    assert_still_serving(&app, "amount").await;

    let costly = "{ records(first: 500) { nodes { ... on Trend { topics(first: 500) { nodes { slug } } } } } }";
    assert_refused(
        &app,
        post_query(&app, costly, json!({})).await,
        refused(400, "COMPLEXITY_LIMIT"),
        "cost",
    )
    .await;
    let (_, body) = post_query(&app, costly, json!({})).await;
    assert_eq!(
        body["errors"][0]["message"],
        "the query costs 500500 (one per field, connections times their `first`/`last`); this server allows 50000"
    );
    // 500500 = 500 records × (`nodes` + 500 topics × (`nodes` + `slug`)).

    let slow = spawn_app_with(|s| {
        s.limits.max_complexity = usize::MAX;
        s.limits.max_depth = usize::MAX;
        s.http_limits.timeout_ms = 1;
    })
    .await;
    let whole_graph = "{ records(first: 500) { nodes { slug ... on Trend { topics(first: 500) { nodes { slug trends { nodes { slug actors { nodes { slug } } } } } } } } } }";
    // Warm: with every record and edge list in the graph's cache, no load waits, and the
    // timeout must still fire (resolvers yield to the runtime's cooperative budget).
    let slugs: Vec<String> = wic_gql::graph::RecordKind::ALL
        .iter()
        .flat_map(|&kind| slow.graph.records_of_kind(kind).unwrap())
        .map(|record| record.slug.clone())
        .collect();
    slow.graph.records_shared(&slugs).unwrap();
    for direction in [
        wic_gql::graph::Direction::Outgoing,
        wic_gql::graph::Direction::Incoming,
    ] {
        slow.graph.edges_shared(&slugs, direction).unwrap();
    }
    for attempt in 0..3 {
        assert_refused(
            &slow,
            post_query(&slow, whole_graph, json!({})).await,
            refused(503, "TIMEOUT"),
            &format!("timeout, attempt {attempt}"),
        )
        .await;
    }
}

#[tokio::test]
async fn concurrency_beyond_the_cap_gets_503_at_once() {
    // A real cap of 2, and 24 requests at once on a cold server, whose reads wait on the
    // store (so a request in flight yields, and the next one starts beside it).
    let app = spawn_app_with(|s| {
        s.http_limits.max_concurrent = 2;
        s.limits.max_complexity = usize::MAX;
    })
    .await;
    let query = "{ records(first: 300) { nodes { slug ... on Trend { actors { nodes { slug trends { nodes { slug } } } } } } } }";
    let requests = (0..24).map(|_| {
        app.client
            .post(format!("{}/graphql", app.address))
            .json(&json!({ "query": query }))
            .send()
    });
    let responses = async_graphql::futures_util::future::join_all(requests).await;
    let mut counts = std::collections::BTreeMap::new();
    for response in responses {
        let response = response.unwrap();
        let status = response.status().as_u16();
        if status == 503 {
            assert_eq!(response.headers()["retry-after"], "1");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "OVERLOADED");
            assert_eq!(
                body["errors"][0]["message"],
                "the server is answering 2 requests already (its limit); retry shortly"
            );
        } else {
            let body: Value = response.json().await.unwrap();
            let nodes = body["data"]["records"]["nodes"].as_array();
            assert_eq!(nodes.map(Vec::len), Some(139), "{body}");
        }
        *counts.entry(status).or_insert(0) += 1;
    }
    eprintln!("24 concurrent requests under a cap of 2: {counts:?}");
    assert!(counts.get(&503).is_some_and(|&n| n > 0), "{counts:?}");
    assert!(counts.get(&200).is_some_and(|&n| n >= 2), "{counts:?}");
    assert_eq!(counts.keys().copied().collect::<Vec<_>>(), [200, 503]);
}

#[tokio::test]
async fn a_megabyte_of_repeated_fields_is_refused_before_it_runs() {
    let app = spawn(Mode::Production).await;
    let huge = format!("{{ {} }}", "__typename ".repeat(100_000));
    assert!(huge.len() > 1_000_000);
    let (status, body) = post_query(&app, &huge, json!({})).await;
    assert_eq!(
        (status.as_u16(), &body["errors"][0]["extensions"]["code"]),
        (413, &json!("PAYLOAD_TOO_LARGE"))
    );
    // Under a large body limit, the token limit refuses it without parsing.
    let roomy = spawn_app_with(|s| s.http_limits.max_body_bytes = 4 << 20).await;
    let (status, body) = post_query(&roomy, &huge, json!({})).await;
    assert_eq!(
        (status.as_u16(), &body["errors"][0]["extensions"]["code"]),
        (400, &json!("TOKEN_LIMIT"))
    );
    assert_still_serving(&roomy, "a megabyte query").await;
}

#[tokio::test]
async fn malformed_input_is_refused_and_the_server_keeps_serving() {
    let app = spawn(Mode::Production).await;
    let cases: Vec<(&str, &str, Vec<u8>, Refusal)> = vec![
        (
            "invalid JSON",
            "application/json",
            b"{\"query\": ".to_vec(),
            refused(400, "BAD_REQUEST"),
        ),
        (
            "invalid UTF-8",
            "application/json",
            vec![b'{', 0xff, 0xfe, b'}'],
            refused(400, "BAD_REQUEST"),
        ),
        (
            "a body over the limit",
            "application/json",
            vec![b' '; 65 * 1024],
            refused(413, "PAYLOAD_TOO_LARGE"),
        ),
        (
            "deeply nested JSON variables",
            "application/json",
            format!(
                "{{\"query\":\"{{ __typename }}\",\"variables\":{{\"v\":{}1{}}}}}",
                "[".repeat(10_000),
                "]".repeat(10_000)
            )
            .into_bytes(),
            refused(400, "BAD_REQUEST"),
        ),
    ];
    for (what, content_type, body, expected) in cases {
        let response = post(&app, content_type, body).await;
        assert_refused(&app, response, expected, what).await;
    }
    let graphql_cases: Vec<(&str, String, Value, Option<&str>, Refusal)> = vec![
        (
            "a wrong variable type",
            "query($n: Int) { trends(first: $n) { totalCount } }".into(),
            json!({ "n": "five" }),
            None,
            refused(400, "GRAPHQL_VALIDATION_FAILED"),
        ),
        (
            "a huge integer",
            "{ trends(first: 99999999999999999999) { totalCount } }".into(),
            json!({}),
            None,
            refused(400, "GRAPHQL_VALIDATION_FAILED"),
        ),
        (
            "a huge integer variable",
            "query($n: Int) { trends(first: $n) { totalCount } }".into(),
            json!({ "n": 1_000_000 }),
            None,
            refused(400, "BAD_USER_INPUT"),
        ),
        (
            "an unknown operationName",
            "query A { __typename }".into(),
            json!({}),
            Some("B"),
            refused(400, "GRAPHQL_VALIDATION_FAILED"),
        ),
        (
            "several operations without a name",
            "query A { __typename } query B { __typename }".into(),
            json!({}),
            None,
            refused(400, "GRAPHQL_VALIDATION_FAILED"),
        ),
        (
            "a syntax error",
            "{ trends { ".into(),
            json!({}),
            None,
            refused(400, "GRAPHQL_PARSE_FAILED"),
        ),
    ];
    for (what, query, variables, operation_name, expected) in graphql_cases {
        let body =
            json!({ "query": query, "variables": variables, "operationName": operation_name })
                .to_string();
        let response = post(&app, "application/json", body).await;
        assert_refused(&app, response, expected, what).await;
    }
    // A huge string within the body limit is just a search that finds nothing.
    let (status, body) = post_query(
        &app,
        "query($q: String!) { search(query: $q) { score } }",
        json!({ "q": "x".repeat(60_000) }),
    )
    .await;
    assert_eq!(
        (status.as_u16(), &body),
        (200, &json!({ "data": { "search": [] } }))
    );
    assert_still_serving(&app, "a huge string").await;
}

/// Parsed documents are cached by their text: the same text with other variables is
/// checked and answered afresh each time.
#[tokio::test]
async fn a_cached_document_is_checked_against_each_requests_variables() {
    let app = spawn(Mode::Production).await;
    let query = "query($n: Int) { trends(first: $n) { nodes { numeral } } }";
    for (n, expected) in [
        (2, json!(["I", "II"])),
        (600, Value::Null),
        (3, json!(["I", "II", "III"])),
    ] {
        let (status, body) = post_query(&app, query, json!({ "n": n })).await;
        if expected.is_null() {
            assert_eq!(status, 400, "{body}");
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        } else {
            assert_eq!(status, 200, "{body}");
            let numerals: Vec<&Value> = body["data"]["trends"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|node| &node["numeral"])
                .collect();
            assert_eq!(json!(numerals), expected);
        }
    }
}

/// A chain of fragments each spreading the previous one twice: a kilobyte that expands
/// to 2^N fields. Counted once per fragment, it is refused before validation and before
/// async-graphql's depth and cost walks (which follow every spread), at the root and
/// nested alike; fields reached through an inline fragment on `Query` count as root
/// fields.
#[tokio::test]
async fn fragment_fan_out_is_refused_by_its_expanded_size() {
    let app = spawn(Mode::Production).await;
    let chain = |on: &str, n: usize| {
        let mut text = format!("fragment F0 on {on} {{ __typename }}\n");
        for i in 1..=n {
            text += &format!("fragment F{i} on {on} {{ ...F{p} ...F{p} }}\n", p = i - 1);
        }
        text
    };
    for (what, query, expected) in [
        (
            "a fan-out at the root",
            format!("{{ ...F30 }}\n{}", chain("Query", 30)),
            refused(400, "ROOT_FIELD_LIMIT"),
        ),
        (
            "a fan-out under a field",
            format!(
                "{{ trends {{ ...F30 }} }}\n{}",
                chain("TrendConnection", 30)
            ),
            refused(400, "FIELD_LIMIT"),
        ),
        (
            "root fields behind an inline fragment",
            format!(
                "{{ ... on Query {{ {} }} }}",
                repeated(|i| format!("a{i}: __typename"), 21)
            ),
            refused(400, "ROOT_FIELD_LIMIT"),
        ),
    ] {
        assert!(query.len() < 2048, "{what}: {} bytes", query.len());
        assert_refused(
            &app,
            post_query(&app, &query, json!({})).await,
            expected,
            what,
        )
        .await;
    }
    // Within the limits, the same shape runs.
    let query = format!("{{ trends {{ ...F4 }} }}\n{}", chain("TrendConnection", 4));
    let (status, body) = post_query(&app, &query, json!({})).await;
    assert_eq!(
        (status.as_u16(), body),
        (
            200,
            json!({ "data": { "trends": { "__typename": "TrendConnection" } } })
        )
    );
}

/// A client that declares a body and stalls is cut off with 408 once the body deadline
/// passes, and the connection is closed; a declared length over the limit gets 413 before
/// any of the body is read.
#[tokio::test]
async fn stalled_and_oversized_bodies_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|s| s.http_limits.body_timeout_ms = 300).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let send = |headers: String| {
        let address = address.clone();
        async move {
            let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            stream.write_all(headers.as_bytes()).await.unwrap();
            let mut answer = Vec::new();
            let read = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                stream.read_to_end(&mut answer),
            )
            .await;
            assert!(read.is_ok(), "the server did not close the connection");
            String::from_utf8_lossy(&answer).into_owned()
        }
    };
    let head = |length: usize| {
        format!(
            "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{\"query\""
        )
    };
    let started = std::time::Instant::now();
    let stalled = send(head(60_000)).await;
    assert!(stalled.starts_with("HTTP/1.1 408"), "{stalled}");
    assert!(stalled.contains("BODY_TIMEOUT"), "{stalled}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let oversized = send(head(1_000_000)).await;
    assert!(oversized.starts_with("HTTP/1.1 413"), "{oversized}");
    assert!(oversized.contains("PAYLOAD_TOO_LARGE"), "{oversized}");
    assert_still_serving(&app, "a stalled body").await;
}
