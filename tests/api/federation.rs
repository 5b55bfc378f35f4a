//! `--federation`: the subgraph's SDL and its committed copy, `_entities` by each key and
//! with bad representations, and a real Apollo gateway (`tools/federation/`) composing
//! wic-gql with a second subgraph, whose composed supergraph is committed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{npm_ci, serve_with_env, spawn_app, spawn_app_with, terminate, wic_gql};

/// The federation tool's folder.
fn tool_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/federation")
}

/// Rewrites `file` (in `tools/federation/`) when it differs from `generated`, then fails
/// so that the diff is reviewed and committed.
fn ensure_file_contents(file: &str, generated: &str, how: &str) {
    let path = tool_dir().join(file);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        std::fs::write(&path, generated).unwrap();
        panic!("tools/federation/{file} was out of date and has been rewritten ({how}); review and commit the diff");
    }
}

/// The subgraph SDL that `serve --federation` answers to `_service { sdl }` is committed,
/// so that the schema a gateway composes is reviewed like `schema.graphql`.
#[test]
fn the_subgraph_sdl_file_equals_the_generated_sdl() {
    ensure_file_contents(
        "wic-gql.graphql",
        &wic_gql::api::subgraph_sdl(),
        "it is `wic-gql schema --federation`",
    );
}

#[test]
fn the_schema_command_prints_the_subgraph_sdl_with_federation() {
    let output = wic_gql().args(["schema", "--federation"]).output().unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    assert_eq!(printed, wic_gql::api::subgraph_sdl());
    assert!(
        printed.contains(r#"type Actor implements Node @key(fields: "id") @key(fields: "slug") {"#)
    );
    assert!(printed.contains(r#"url: "https://specs.apollo.dev/federation/v2.5""#));
}

const ENTITIES: &str = r#"query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
        __typename
        ... on Actor { slug name }
        ... on Trend { slug numeral }
    }
}"#;

/// `_service` answers the committed SDL; `_entities` finds records by global id and by
/// slug, as `node(id:)` and the lookups do, in one request, in the order asked.
#[tokio::test]
async fn entities_resolve_by_id_and_by_slug() {
    let app = spawn_app_with(|s| s.federation = true).await;
    let service = app.data("{ _service { sdl } }").await;
    assert_eq!(service["_service"]["sdl"], wic_gql::api::subgraph_sdl());

    let ids = app
        .data(r#"{ oecd: actor(slug: "oecd") { id } trend: trend(slug: "trend-ii") { id } }"#)
        .await;
    let oecd = ids["oecd"]["id"].as_str().unwrap();
    let trend = ids["trend"]["id"].as_str().unwrap();
    let data = app
        .data_with(
            ENTITIES,
            json!({ "representations": [
                { "__typename": "Actor", "id": oecd },
                { "__typename": "Trend", "slug": "trend-ii" },
                { "__typename": "Actor", "slug": "tencent" },
                { "__typename": "Trend", "id": trend, "ignored": [1, 2] },
            ]}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "_entities": [
            { "__typename": "Actor", "slug": "oecd",
              "name": "Organization for Economic Co-operation and Development" },
            { "__typename": "Trend", "slug": "trend-ii", "numeral": "II" },
            { "__typename": "Actor", "slug": "tencent", "name": "Tencent" },
            { "__typename": "Trend", "slug": "trend-ii", "numeral": "II" },
        ]})
    );

    // A representation written in the document: apollo-compiler validates the object
    // literal as a `_Any`, and async-graphql receives it whole.
    let literal = app
        .data(r#"{ _entities(representations: [{__typename: "Actor", slug: "oecd"}]) { ... on Actor { id } } }"#)
        .await;
    assert_eq!(literal, json!({ "_entities": [{ "id": oecd }] }));
}

/// A representation that is malformed, names no entity type, or names no record is `null`
/// at its own index with an error there carrying its code; the others still resolve, and
/// the response is a 200 with `data` (field errors, not a request error).
#[tokio::test]
async fn a_bad_representation_is_null_at_its_index_with_a_code() {
    let app = spawn_app_with(|s| s.federation = true).await;
    let oecd = app.data(r#"{ actor(slug: "oecd") { id } }"#).await["actor"]["id"].clone();
    let (status, body) = app
        .post_status(
            ENTITIES,
            json!({ "representations": [
                { "__typename": "Actor", "slug": "oecd" },
                { "__typename": "Actor", "slug": "nobody" },
                { "__typename": "Actor", "id": "not an id" },
                { "__typename": "Trend", "id": oecd },
                { "__typename": "Trend", "slug": "x".repeat(100) },
                { "__typename": "Nothing", "id": oecd },
                { "__typename": "Actor" },
                { "__typename": "Actor", "slug": 7 },
                { "slug": "oecd" },
                5,
                { "__typename": "Trend", "slug": "trend-ii" },
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    let oecd_entity = json!({ "__typename": "Actor", "slug": "oecd",
        "name": "Organization for Economic Co-operation and Development" });
    let trend_entity = json!({ "__typename": "Trend", "slug": "trend-ii", "numeral": "II" });
    let mut expected_data = vec![Value::Null; 11];
    expected_data[0] = oecd_entity;
    expected_data[10] = trend_entity;
    assert_eq!(body["data"], json!({ "_entities": expected_data }));

    // Errors arrive as their representations finish; sorted by index here.
    let mut errors: Vec<(u64, String, String)> = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected errors: {body:#}"))
        .iter()
        .map(|e| {
            assert_eq!(e["path"][0], "_entities", "{e}");
            (
                e["path"][1]
                    .as_u64()
                    .unwrap_or_else(|| panic!("no index: {e}")),
                e["extensions"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    errors.sort();
    let unmatched = |i: usize| {
        format!("Representation {i} names no entity type of this subgraph or lacks its key fields.")
    };
    let expected: Vec<(u64, String, String)> = [
        (1, "ENTITY_NOT_FOUND", r#"no Actor has the slug "nobody""#.to_string()),
        (
            2,
            "INVALID_ID",
            r#"invalid id "not an id": expected an opaque id returned by this API in an `id` field"#
                .to_string(),
        ),
        (3, "ENTITY_NOT_FOUND", format!("no Trend has the id {oecd}")),
        (
            4,
            "ENTITY_NOT_FOUND",
            format!("no Trend has the slug \"{}…\"", "x".repeat(40)),
        ),
        (5, "BAD_USER_INPUT", unmatched(5)),
        (6, "BAD_USER_INPUT", unmatched(6)),
        (7, "BAD_USER_INPUT", unmatched(7)),
        (8, "BAD_USER_INPUT", r#""__typename" must be an existing string."#.to_string()),
        (9, "BAD_USER_INPUT", unmatched(9)),
    ]
    .into_iter()
    .map(|(i, code, message)| (i, code.to_string(), message))
    .collect();
    assert_eq!(errors, expected, "{body:#}");
}

/// Each representation costs its selection, so one request cannot ask for a costly
/// selection many times over: what one passes, sixty are refused before anything runs.
#[tokio::test]
async fn entities_cost_their_selection_once_per_representation() {
    let app = spawn_app_with(|s| s.federation = true).await;
    let query = r#"query ($representations: [_Any!]!) {
        _entities(representations: $representations) {
            ... on Actor { trends(first: 500) { nodes { slug } } }
        }
    }"#;
    let oecd = json!({ "__typename": "Actor", "slug": "oecd" });
    let (status, body) = app
        .post_status(query, json!({ "representations": [oecd] }))
        .await;
    assert_eq!(status, 200, "{body:#}");
    let (status, body) = app
        .post_status(query, json!({ "representations": vec![oecd; 60] }))
        .await;
    assert_eq!(status, 400, "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "COMPLEXITY_LIMIT");
    assert!(body.get("data").is_none(), "{body:#}");
}

/// A gateway needs `_service` where introspection is off: production mode answers it.
#[tokio::test]
async fn production_mode_answers_service_without_introspection() {
    let app = spawn_app_with(|s| {
        s.federation = true;
        s.mode = wic_gql::config::Mode::Production;
    })
    .await;
    let service = app.data("{ _service { sdl } }").await;
    assert_eq!(service["_service"]["sdl"], wic_gql::api::subgraph_sdl());
    let errors = app.errors("{ __schema { queryType { name } } }").await;
    assert_eq!(errors[0]["extensions"]["code"], "INTROSPECTION_DISABLED");
}

/// Without `--federation` the schema is `schema.graphql`: no `_service`, no `_entities`.
#[tokio::test]
async fn without_federation_there_is_no_service_and_no_entities() {
    let app = spawn_app().await;
    for query in [
        "{ _service { sdl } }",
        r#"{ _entities(representations: [{__typename: "Actor", slug: "oecd"}]) { __typename } }"#,
    ] {
        let (status, body) = app.post_status(query, json!({})).await;
        assert_eq!(status, 400, "{body:#}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{body:#}"
        );
    }
}

/// The server process, stopped however the test ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `wic-gql serve` with `env` and runs the gateway tool against it: its exit
/// status, stdout and stderr.
async fn run_gateway(env: &'static [(&'static str, &'static str)]) -> (bool, String, String) {
    // Both gateway tests need the packages: one `npm ci`, which the other waits for.
    static TOOLS: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let tools = tokio::task::spawn_blocking(|| TOOLS.get_or_init(|| npm_ci("tools/federation")))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wic-gql.db");
    let (child, url) = tokio::task::spawn_blocking(move || serve_with_env(&db, &[], env))
        .await
        .unwrap();
    let mut server = Server(child);
    let output = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new("node")
            .arg("gateway.mjs")
            .arg("--wic")
            .arg(format!("{url}/graphql"))
            .current_dir(tools)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the gateway tool finished within two minutes")
    .unwrap_or_else(|e| {
        panic!("node is needed for this test ({e}): apt-get install -y nodejs npm")
    });
    terminate(&server.0);
    crate::helpers::wait_with_timeout(&mut server.0, Duration::from_secs(30));
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A real Apollo gateway (`@apollo/gateway`'s IntrospectAndCompose in `@apollo/server`)
/// composes `wic-gql serve` (`WIC_GQL_FEDERATION=true`) with the subgraph of
/// `tools/federation/extras.graphql`, and answers queries that cross both, each way: from
/// wic-gql's lookups and lists to the extras' fields (by id and by slug), and from the
/// extras' references to wic-gql's `_entities`. The composed supergraph is committed.
#[tokio::test]
async fn a_gateway_composes_wic_gql_with_a_second_subgraph() {
    let (success, stdout, stderr) = run_gateway(&[("WIC_GQL_FEDERATION", "true")]).await;
    assert!(success, "the gateway tool failed:\n{stderr}\n{stdout}");
    let output: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("the tool printed no JSON ({e}):\n{stdout}\n{stderr}"));
    let oecd = "Organization for Economic Co-operation and Development";
    let expected = json!({
        "actorBySlug": { "data": { "actor": {
            "name": oecd, "slug": "oecd", "decodedId": "Actor:oecd" } } },
        "actorList": { "data": { "actors": { "totalCount": 33, "nodes": [
            { "slug": "organizing-committee", "decodedId": "Actor:organizing-committee" },
            { "slug": "government-representatives", "decodedId": "Actor:government-representatives" },
            { "slug": "international-organizations-officials",
              "decodedId": "Actor:international-organizations-officials" },
        ] } } },
        "trendList": { "data": { "trends": { "nodes": [
            { "slug": "trend-i", "shout": "TREND-I",
              "name": "Digital transformation of the global economy has begun" },
            { "slug": "trend-ii", "shout": "TREND-II",
              "name": "The world Internet penetration rate exceeds 50%" },
        ] } } },
        "featuredActors": { "data": { "featuredActors": [
            { "id": "QWN0b3I6b2VjZA", "decodedId": "Actor:oecd", "name": oecd,
              "kind": "INTERNATIONAL_ORGANIZATION" },
            { "id": "QWN0b3I6dGVuY2VudA", "decodedId": "Actor:tencent", "name": "Tencent",
              "kind": "COMPANY" },
        ] } },
        "featuredTrend": { "data": { "featuredTrend": {
            "slug": "trend-ii", "shout": "TREND-II",
            "name": "The world Internet penetration rate exceeds 50%", "numeral": "II" } } },
        "missingActor": {
            "errors": [{
                "message": "no Actor has the id \"QWN0b3I6bm9ib2R5\"",
                "path": ["missingActor"],
                "extensions": { "code": "ENTITY_NOT_FOUND", "serviceName": "wic" },
            }],
            "data": { "missingActor": null },
        },
    });
    assert_eq!(output["results"], expected, "{stderr}");
    let supergraph = output["supergraph"].as_str().expect("a supergraph SDL");
    ensure_file_contents(
        "supergraph.graphql",
        supergraph,
        "the gateway's composition of wic-gql.graphql and extras.graphql",
    );
}

/// The same gateway cannot compose a server without `--federation`: the test above
/// depends on the flag.
#[tokio::test]
async fn a_gateway_cannot_compose_wic_gql_without_federation() {
    let (success, stdout, stderr) = run_gateway(&[]).await;
    assert!(!success, "the gateway composed a plain server:\n{stdout}");
    assert!(
        stderr.contains(r#"Cannot query field "_service" on type "Query"."#),
        "{stderr}"
    );
}
