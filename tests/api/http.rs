//! The HTTP surface: GET and POST `/graphql`, `/health`, the playground page.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_reports_the_open_database_counts_and_schema_hash() {
    let app = spawn_app().await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), 200);
    let health: Value = response.json().await.unwrap();
    let schema =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    let hash: String = Sha256::digest(schema.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"]["open"], true);
    assert_eq!(health["database"]["path"], app.db.display().to_string());
    assert_eq!(
        health["database"]["formatVersion"],
        wic_gql::storage::codec::FORMAT_VERSION
    );
    assert_eq!(
        health["records"],
        json!({ "document": 13, "event": 2, "trend": 5, "actor": 33, "place": 4, "topic": 75, "statistic": 7 })
    );
    assert_eq!(health["edges"], 203);
    assert_eq!(health["schemaHash"], hash);
    // The data hash is the checksum of what the seed wrote, the same as `verify` computes.
    let (data_hash, _) = app.graph.verify().unwrap();
    assert_eq!(data_hash.len(), 64);
    assert_eq!(health["dataHash"], data_hash);
}

#[tokio::test]
async fn get_runs_queries() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[
            (
                "query",
                r#"query($s: String!) { trend(slug: $s) { numeral } }"#,
            ),
            ("variables", r#"{"s":"trend-iv"}"#),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "data": { "trend": { "numeral": "IV" } } }));
}

#[tokio::test]
async fn get_refuses_mutations_with_405_and_allow_post() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "mutation { anything }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );
}

#[tokio::test]
async fn the_schema_has_no_mutations() {
    let app = spawn_app().await;
    let errors = app.errors("mutation { anything }").await;
    assert!(
        errors[0]["message"].as_str().unwrap().contains("mutation"),
        "{errors:?}"
    );
}

#[tokio::test]
async fn the_playground_is_self_contained() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.starts_with("default-src 'none'; script-src 'self' 'sha256-"),
        "{csp}"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("GraphiQL.createFetcher({ url: \"/graphql\" })"));
    for external in [
        "src=\"http",
        "href=\"http",
        "src=\"//",
        "href=\"//",
        "@import",
        "url(http",
    ] {
        assert!(
            !page.contains(external),
            "the page loads something from elsewhere: {external}"
        );
    }
    // Every asset it links is served, under a name that changes with its content.
    let assets: Vec<&str> = page
        .split("\"/playground/assets/")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert_eq!(assets.len(), 4, "{assets:?}");
    for asset in assets {
        let response = app.get(&format!("/playground/assets/{asset}")).await;
        assert_eq!(response.status(), 200, "{asset}");
        let content_type = if asset.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        let headers = response.headers();
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with(content_type),
            "{asset}"
        );
        assert_eq!(
            headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(response.bytes().await.unwrap().len() > 10_000, "{asset}");
    }
    assert_eq!(
        app.get("/playground/assets/graphiql.min.js").await.status(),
        404
    );
    // The default query on the page runs as written.
    let start = page
        .find("<script type=\"application/graphql\" id=\"default-query\">")
        .unwrap();
    let query = &page[page[start..].find('>').unwrap() + start + 1..];
    let query = &query[..query.find("</script>").unwrap()];
    let data = app.data(query).await;
    assert_eq!(data["event"]["name"], "Fourth World Internet Conference");
    assert_eq!(
        data["event"]["organizers"]["nodes"][0]["projects"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn a_stopped_server_refuses_new_connections() {
    let app = spawn_app().await;
    assert_eq!(
        app.data("{ trends { totalCount } }").await["trends"]["totalCount"],
        5
    );
    app.stop().await;
    assert!(app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .is_err());
}

/// The 75 topics' names: about 2 KiB of JSON, over the compression threshold.
const TOPICS: &str =
    r#"{"query":"{ records(kinds: [TOPIC], first: 100) { totalCount nodes { name } } }"}"#;

async fn post_raw(
    app: &crate::helpers::TestApp,
    body: &str,
    accept_encoding: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(encoding) = accept_encoding {
        request = request.header("accept-encoding", encoding);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn large_responses_are_gzipped_for_clients_that_accept_it() {
    let app = spawn_app().await;
    let plain = post_raw(&app, TOPICS, None).await;
    assert_eq!(plain.headers().get("content-encoding"), None);
    let plain = plain.bytes().await.unwrap();
    assert!(
        plain.len() as u64 >= wic_gql::http::MIN_COMPRESSED_BYTES,
        "{}",
        plain.len()
    );

    let gzipped = post_raw(&app, TOPICS, Some("gzip")).await;
    assert_eq!(gzipped.status(), 200);
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let vary: Vec<&str> = gzipped
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        vary.iter()
            .any(|v| v.eq_ignore_ascii_case("accept-encoding")),
        "{vary:?}"
    );
    let compressed = gzipped.bytes().await.unwrap();
    assert!(
        compressed.len() < plain.len() / 2,
        "{} of {}",
        compressed.len(),
        plain.len()
    );
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&compressed[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, plain.to_vec());
    let body: Value = serde_json::from_slice(&unzipped).unwrap();
    assert_eq!(body["data"]["records"]["totalCount"], 75);
}

#[tokio::test]
async fn small_responses_go_out_unencoded_whatever_the_client_accepts() {
    let app = spawn_app().await;
    let response = post_raw(
        &app,
        r#"{"query":"{ __typename }"}"#,
        Some("gzip, deflate, br, zstd"),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("content-encoding"), None);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"data":{"__typename":"Query"}}"#
    );
    // A client that refuses identity and every coding still gets an answer it can read.
    let response = post_raw(&app, TOPICS, Some("identity;q=0, *;q=0")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("content-encoding"), None);
}

/// A CORS preflight for a POST of JSON from `origin`.
async fn preflight(app: &crate::helpers::TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap()
}

/// `POST { __typename }` sent with an `Origin` header.
async fn post_from(app: &crate::helpers::TestApp, origin: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/graphql", app.address))
        .header("origin", origin)
        .header("content-type", "application/json")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_configured_origin_may_call_the_api_from_a_browser() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.cors_origins = vec!["https://app.example".into()];
    })
    .await;
    let response = preflight(&app, "https://app.example").await;
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example"
    );
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    assert!(headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("content-type"));
    assert_eq!(headers["access-control-max-age"], "3600");

    let response = post_from(&app, "https://app.example").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(response.headers()["access-control-expose-headers"], "etag");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"data":{"__typename":"Query"}}"#
    );
}

#[tokio::test]
async fn other_origins_get_no_cors_permission() {
    // None configured (the default), and one configured that is not the caller.
    let default = spawn_app().await;
    let configured = crate::helpers::spawn_app_with(|s| {
        s.cors_origins = vec!["https://app.example".into()];
    })
    .await;
    for app in [&default, &configured] {
        let response = preflight(app, "https://elsewhere.example").await;
        assert!(
            !response.status().is_success(),
            "a preflight from elsewhere succeeded: {}",
            response.status()
        );
        assert_eq!(response.headers().get("access-control-allow-origin"), None);
        let response = post_from(app, "https://elsewhere.example").await;
        assert_eq!(response.headers().get("access-control-allow-origin"), None);
    }
}

/// Production mode does not tell clients where the database lives.
#[tokio::test]
async fn health_in_production_mode_hides_the_database_path() {
    let app = crate::helpers::spawn_app_with(|s| s.mode = wic_gql::config::Mode::Production).await;
    let health: Value = app.get("/health").await.json().await.unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"]["open"], true);
    assert_eq!(health["database"]["path"], Value::Null, "{health}");
}
