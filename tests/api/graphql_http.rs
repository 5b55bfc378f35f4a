//! GraphQL over HTTP to the letter: negotiation, status codes, caching, persisted queries,
//! the allow-list mode, batching — and the graphql-http package's own server audits.

use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{npm_ci, spawn_app, spawn_app_with, TestApp};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

async fn post_raw(
    app: &TestApp,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: &str,
) -> Response {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .body(body.to_string());
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    request.send().await.unwrap()
}

fn content_type(response: &Response) -> &str {
    response.headers()[CONTENT_TYPE].to_str().unwrap()
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn the_response_type_follows_accept() {
    let app = spawn_app().await;
    let body = r#"{"query":"{ __typename }"}"#;
    for (accept, expected) in [
        (None, "application/json; charset=utf-8"),
        (Some("*/*"), "application/json; charset=utf-8"),
        (Some("application/json"), "application/json; charset=utf-8"),
        (
            Some(GRAPHQL_RESPONSE),
            "application/graphql-response+json; charset=utf-8",
        ),
        (
            Some("application/json;q=0.5, application/graphql-response+json"),
            "application/graphql-response+json; charset=utf-8",
        ),
    ] {
        let response = post_raw(&app, Some("application/json"), accept, body).await;
        assert_eq!(response.status(), 200, "Accept: {accept:?}");
        assert_eq!(content_type(&response), expected, "Accept: {accept:?}");
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({ "data": { "__typename": "Query" } })
        );
    }
    let response = post_raw(&app, Some("application/json"), Some("text/html"), body).await;
    assert_eq!(response.status(), 406);
    assert_eq!(
        response.json::<Value>().await.unwrap()["errors"][0]["extensions"]["code"],
        "NOT_ACCEPTABLE"
    );
}

#[tokio::test]
async fn request_errors_get_400_and_no_data_under_graphql_response_json() {
    let app = spawn_app().await;
    for query in [
        "{",
        "{ noSuchField }",
        "query($id: ID!) { node(id: $id) { id } }",
    ] {
        let body = json!({ "query": query, "variables": { "id": null } }).to_string();
        let strict = post_raw(
            &app,
            Some("application/json"),
            Some(GRAPHQL_RESPONSE),
            &body,
        )
        .await;
        assert_eq!(strict.status(), 400, "{query}");
        let strict: Value = strict.json().await.unwrap();
        assert!(strict.get("data").is_none(), "{strict}");
        assert!(!strict["errors"].as_array().unwrap().is_empty());

        let legacy = post_raw(
            &app,
            Some("application/json"),
            Some("application/json"),
            &body,
        )
        .await;
        assert_eq!(legacy.status(), 200, "{query}");
    }
    // A field error is not a request error: 200 with data.
    let body =
        json!({ "query": r#"{ node(id: "bad") { id } trends { totalCount } }"# }).to_string();
    let response = post_raw(
        &app,
        Some("application/json"),
        Some(GRAPHQL_RESPONSE),
        &body,
    )
    .await;
    assert_eq!(response.status(), 200);
    let response: Value = response.json().await.unwrap();
    assert_eq!(response["data"]["trends"]["totalCount"], 5);
    assert_eq!(response["errors"][0]["extensions"]["code"], "INVALID_ID");
}

#[tokio::test]
async fn malformed_requests_get_400_with_the_reason() {
    let app = spawn_app().await;
    let cases = [
        ("", "the request body is empty (expected a JSON object with a `query`)"),
        (r#"{"query": 1}"#, "`query` is a number (expected a string)"),
        (r#"{"qeury": "{ __typename }"}"#, "missing `query` (expected a GraphQL document as a string)"),
        (r#"{"query": "{ __typename }", "variables": [1]}"#, "`variables` is an array (expected a JSON object)"),
        (r#"[{"query": "{ __typename }"}]"#, "batched requests (a JSON array) are disabled on this server (got 1 operations; send one JSON object per request)"),
    ];
    for (body, message) in cases {
        let response = post_raw(&app, Some("application/json"), None, body).await;
        assert_eq!(response.status(), 400, "{body}");
        let response: Value = response.json().await.unwrap();
        assert_eq!(response["errors"][0]["message"], message, "{body}");
        assert!(response.get("data").is_none());
    }
    let response = post_raw(&app, Some("application/json"), None, r#"{ "not a JSON"#).await;
    assert_eq!(response.status(), 400);
    let message = response.json::<Value>().await.unwrap()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.starts_with("the request body is not valid JSON: "),
        "{message}"
    );
}

#[tokio::test]
async fn post_needs_a_json_content_type() {
    let app = spawn_app().await;
    let body = r#"{"query":"{ __typename }"}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/json; charset=latin1"),
    ] {
        let response = post_raw(&app, content_type, None, body).await;
        assert_eq!(response.status(), 415, "{content_type:?}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["errors"][0]["extensions"]["code"],
            "UNSUPPORTED_MEDIA_TYPE"
        );
    }
    let response = post_raw(&app, Some("application/json; charset=utf-8"), None, body).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn get_answers_with_an_etag_and_304_when_it_matches() {
    let app = spawn_app().await;
    let url = format!(
        "{}/graphql?query={}",
        app.address, "%7B%20trends%20%7B%20totalCount%20%7D%20%7D"
    );
    let first = app.client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()[CACHE_CONTROL], "public, no-cache");
    let etag = first.headers()[ETAG].to_str().unwrap().to_string();
    assert!(
        etag.starts_with('"') && etag.len() == 34,
        "a strong ETag: {etag}"
    );
    assert_eq!(
        first.json::<Value>().await.unwrap(),
        json!({ "data": { "trends": { "totalCount": 5 } } })
    );

    let again = app
        .client
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[ETAG], etag.as_str());
    assert!(again.bytes().await.unwrap().is_empty());

    let other = app
        .client
        .get(&url)
        .header(IF_NONE_MATCH, "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn cache_control_is_configurable_and_errors_are_not_cached() {
    let app = spawn_app_with(|s| s.cache_control = "public, max-age=300".into()).await;
    let ok = app
        .client
        .get(format!("{}/graphql?query=%7B__typename%7D", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.headers()[CACHE_CONTROL], "public, max-age=300");
    let error = app
        .client
        .get(format!("{}/graphql?query=%7Bnope%7D", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(error.headers()[CACHE_CONTROL], "no-store");
    assert!(error.headers().get(ETAG).is_none());
}

#[tokio::test]
async fn automatic_persisted_queries_work_over_post_and_get() {
    let app = spawn_app().await;
    let query = r#"{ actor(slug: "oecd") { aliases } }"#;
    let hash = sha256_hex(query);
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });

    let unknown = app.post_json(json!({ "extensions": extensions })).await;
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    let registered = app
        .post_json(json!({ "query": query, "extensions": extensions }))
        .await;
    assert_eq!(
        registered,
        json!({ "data": { "actor": { "aliases": ["OECD"] } } })
    );

    let by_hash = app.post_json(json!({ "extensions": extensions })).await;
    assert_eq!(by_hash, registered);

    let over_get = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("extensions", extensions.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(over_get.status(), 200);
    assert_eq!(over_get.json::<Value>().await.unwrap(), registered);

    let mismatch = app
        .post_json(json!({ "query": "{ __typename }", "extensions": extensions }))
        .await;
    assert_eq!(
        mismatch["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_HASH_MISMATCH"
    );
}

#[tokio::test]
async fn the_allow_list_mode_runs_only_trusted_documents() {
    let manifest_dir = tempfile::tempdir().unwrap();
    let manifest = manifest_dir.path().join("trusted-documents.json");
    let trusted = "{ trends { totalCount } }";
    std::fs::write(
        &manifest,
        json!({ sha256_hex(trusted): trusted }).to_string(),
    )
    .unwrap();
    let app = spawn_app_with(|s| s.trusted_documents = Some(manifest.clone())).await;

    assert_eq!(
        app.post_json(json!({ "query": trusted })).await,
        json!({ "data": { "trends": { "totalCount": 5 } } })
    );
    let by_hash = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(trusted) } } });
    assert_eq!(
        app.post_json(by_hash).await["data"]["trends"]["totalCount"],
        5
    );

    let response = post_raw(
        &app,
        Some("application/json"),
        None,
        r#"{"query":"{ __typename }"}"#,
    )
    .await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "UNTRUSTED_OPERATION"
    );
    assert!(body.get("data").is_none());
}

#[tokio::test]
async fn batching_is_off_by_default_and_capped_when_on() {
    let app = spawn_app_with(|s| s.http_limits.max_batch = 2).await;
    let two = r#"[{"query":"{ trends { totalCount } }"},{"query":"{ __typename }"}]"#;
    let response = post_raw(&app, Some("application/json"), None, two).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!([{ "data": { "trends": { "totalCount": 5 } } }, { "data": { "__typename": "Query" } }])
    );
    let three =
        r#"[{"query":"{ __typename }"},{"query":"{ __typename }"},{"query":"{ __typename }"}]"#;
    let response = post_raw(&app, Some("application/json"), None, three).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["errors"][0]["message"],
        "batched requests (a JSON array) are limited to 2 operations (got 3)"
    );
}

/// The graphql-http package's 61 server audits (13 MUST, 23 SHOULD, 25 MAY), run by its
/// own code against the live server.
#[tokio::test]
async fn the_graphql_http_server_audits_all_pass() {
    let app = spawn_app().await;
    let dir = tokio::task::spawn_blocking(|| npm_ci("tools/http-audit"))
        .await
        .unwrap();
    let url = format!("{}/graphql", app.address);
    let output = tokio::process::Command::new("node")
        .arg("audit.mjs")
        .arg(&url)
        .current_dir(&dir)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("61/61 audits pass (MUST 13/13, SHOULD 23/23, MAY 25/25)"),
        "{stdout}"
    );
}

/// Validated documents are cached by their text, but variables are coerced on every
/// request: the same document with wrong or missing variables is refused as a request
/// error (400, no `data`), exactly as a server that never saw it refuses it.
#[tokio::test]
async fn a_cached_document_still_coerces_each_requests_variables() {
    let query = "query($s: String!) { trend(slug: $s) { numeral } }";
    let fresh = spawn_app().await;
    let wrong_type = fresh.post_status(query, json!({ "s": 5 })).await;
    let missing = fresh.post_status(query, json!({})).await;
    for (answer, message) in [
        (&wrong_type, "could not coerce variable s: 5 to type String"),
        (&missing, "missing value for non-null variable 's'"),
    ] {
        assert_eq!(answer.0, 400, "{answer:?}");
        assert_eq!(answer.1.get("data"), None, "{answer:?}");
        assert_eq!(
            answer.1["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{answer:?}"
        );
        assert_eq!(answer.1["errors"][0]["message"], message, "{answer:?}");
    }

    let warm = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(
            warm.post(query, json!({ "s": "trend-iv" })).await,
            json!({ "data": { "trend": { "numeral": "IV" } } })
        );
    }
    assert_eq!(warm.post_status(query, json!({ "s": 5 })).await, wrong_type);
    assert_eq!(warm.post_status(query, json!({})).await, missing);
    assert_eq!(
        warm.post(query, json!({ "s": "trend-ii" })).await,
        json!({ "data": { "trend": { "numeral": "II" } } })
    );
}
