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
    assert_eq!(health["database"]["formatVersion"], 1);
    assert_eq!(
        health["records"],
        json!({ "document": 7, "event": 2, "trend": 5, "actor": 36, "place": 4, "topic": 84, "statistic": 7 })
    );
    assert_eq!(health["edges"], 198);
    assert_eq!(health["schemaHash"], hash);
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
        data["event"]["trends"]["nodes"].as_array().unwrap().len(),
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
