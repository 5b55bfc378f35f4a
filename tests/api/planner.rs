//! The planned executor (`api::plan`): its answers are async-graphql's, byte for byte, and
//! it is the path taken for the documents it covers.

use std::sync::Arc;

use async_graphql::{Request, Variables};
use wic_gql::api::{self, Api, Limits, Outcome, SchemaOptions};
use wic_gql::graph::Graph;
use wic_gql::seed::{self, SeedFiles};
use wic_gql::storage::MemoryStore;

fn graph() -> Graph {
    let graph = Graph::new(Arc::new(MemoryStore::default()));
    seed::seed(&graph, &SeedFiles::embedded()).unwrap();
    graph
}

fn options() -> SchemaOptions {
    SchemaOptions {
        limits: Limits {
            max_complexity: usize::MAX,
            ..Limits::default()
        },
        ..SchemaOptions::default()
    }
}

/// Documents the plan covers, with their variables.
const COVERED: &[(&str, &str)] = &[
    (include_str!("../../bench/queries/q0.graphql"), "{}"),
    (include_str!("../../bench/queries/q1.graphql"), "{}"),
    (include_str!("../../bench/queries/q2.graphql"), "{}"),
    (include_str!("../../bench/queries/q3.graphql"), "{}"),
    (include_str!("../../bench/queries/q4.graphql"), "{}"),
    (
        include_str!("../../bench/queries/q5.graphql"),
        r#"{"slug": "wic", "trends": 3, "actors": 2}"#,
    ),
    (include_str!("../../bench/queries/q6.graphql"), "{}"),
    (
        r#"{ a: event(slug: "wic-2017") { __typename id n: name ...E } bad: actor(slug: "Not A Slug!") { name } }
           fragment E on Event { kind year theme aliases citations { quote paragraph } name }"#,
        "{}",
    ),
    (
        r#"query($skip: Boolean!, $kind: ActorKind) { actors(kind: $kind, first: 3) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
             edges { cursor node { slug name @skip(if: $skip) kindBasis founded } } } }"#,
        r#"{"skip": true, "kind": "INTERNATIONAL_ORGANIZATION"}"#,
    ),
    (
        r#"query($skip: Boolean!, $kind: ActorKind) { actors(kind: $kind, first: 3) { totalCount edges { node { slug name @skip(if: $skip) } } } }"#,
        r#"{"skip": false}"#,
    ),
    (
        r#"{ trend(slug: "trend-ii") { numeral ordinal statement paragraphs
             relations(direction: INCOMING, types: [ACTS_IN, PROJECTS], first: 4) { totalCount edges { relation role citations { section } node { __typename ... on Actor { kind } ... on Node { slug } } } }
             actors(first: 2, after: "$ACTORS_OF_TREND_II_0") { pageInfo { hasPreviousPage hasNextPage } nodes { slug } } } }"#,
        "{}",
    ),
    (
        r#"{ records(orderBy: {field: NAME}, first: 3, after: "$RECORDS_BY_NAME_3") { pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
             edges { cursor node { slug } } }
             actors(kind: INTERNATIONAL_ORGANIZATION, last: 2, before: "$ACTORS_IO_2") { pageInfo { startCursor } edges { cursor } } }"#,
        "{}",
    ),
    (
        r#"{ records(kinds: [STATISTIC, DOCUMENT], first: 40, orderBy: {field: NAME, direction: DESC}) { totalCount nodes { __typename slug
             ... on Statistic { text value unit qualifier subjects { nodes { slug } } }
             ... on Document { kind year nameIsDescriptive isSource } } } }"#,
        "{}",
    ),
    (
        r#"query($y: Int) { events(filter: { year: $y }) { totalCount nodes { slug startDate endDate } } places { nodes { kind slug } } topics(kind: TECHNOLOGY, last: 3) { nodes { slug kind } } }"#,
        r#"{"y": 2017}"#,
    ),
    (
        r#"{ search(query: "digital", first: 5, kinds: [TOPIC, TREND]) { score matchedTerms field snippet node { id ... on Topic { kind } } } record(slug: "wic") { __typename } }"#,
        "{}",
    ),
    (
        r#"{ event(slug: "wic-2017") { place { slug parent { name parent { kind } } } }
             actor(slug: "wic") { headquarters { slug } } place(slug: "wuzhen") { __typename parent { slug } } }"#,
        "{}",
    ),
    (
        r#"{ node(id: "RXZlbnQ6d2ljLTIwMTc") { ... on Event { slug } } other: node(id: "VHJlbmQ6d2ljLTIwMTc") { id } }"#,
        "{}",
    ),
];

/// Documents the plan does not cover (introspection, fields not wired), or requests it
/// leaves to async-graphql (errors).
const FALLBACK: &[(&str, &str)] = &[
    // A slug that names nothing is not in the graph's cache: its load would wait.
    (r#"{ actor(slug: "no-such-actor") { name } }"#, "{}"),
    ("{ __schema { queryType { name } } }", "{}"),
    (r#"{ stats { edges } }"#, "{}"),
    (r#"{ node(id: "not an id") { id } }"#, "{}"),
    (
        r#"{ event(slug: "wic-2017") { name trends(after: "x") { totalCount } } }"#,
        "{}",
    ),
    (
        r#"{ search(query: "internet", first: 1000) { score } }"#,
        "{}",
    ),
];

/// The cursors the documents above name by placeholder: each the `endCursor` of a page,
/// since a cursor names its list and the data's generation.
const CURSORS: &[(&str, &str)] = &[
    (
        "$ACTORS_OF_TREND_II_0",
        r#"{ trend(slug: "trend-ii") { actors(first: 1) { pageInfo { endCursor } } } }"#,
    ),
    (
        "$RECORDS_BY_NAME_3",
        r#"{ records(orderBy: {field: NAME}, first: 4) { pageInfo { endCursor } } }"#,
    ),
    (
        "$ACTORS_IO_2",
        r#"{ actors(kind: INTERNATIONAL_ORGANIZATION, first: 3) { pageInfo { endCursor } } }"#,
    ),
];

/// `query` with its cursor placeholders replaced by the cursors they name.
async fn with_cursors(api: &Api, query: &str, graph: &Graph) -> String {
    let mut query = query.to_string();
    for (placeholder, page) in CURSORS {
        if !query.contains(placeholder) {
            continue;
        }
        let (answer, _) = body(api.run(request(page, "{}", graph)).await);
        let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        let cursor = answer["data"]
            .as_object()
            .and_then(|d| d.values().next())
            .map(|field| match field.get("pageInfo") {
                Some(info) => info["endCursor"].clone(),
                None => field.as_object().unwrap().values().next().unwrap()["pageInfo"]
                    ["endCursor"]
                    .clone(),
            })
            .and_then(|c| c.as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("no cursor from {page}: {answer}"));
        query = query.replace(placeholder, &cursor);
    }
    query
}

fn request(query: &str, variables: &str, graph: &Graph) -> Request {
    let variables: serde_json::Value = serde_json::from_str(variables).unwrap();
    api::with_loaders(
        Request::new(query).variables(Variables::from_json(variables)),
        graph,
    )
}

fn body(outcome: Outcome) -> (Vec<u8>, bool) {
    match outcome {
        Outcome::Planned(body) => (body, true),
        Outcome::Executed(response) => (serde_json::to_vec(&response).unwrap(), false),
        Outcome::Refused(errors) => (serde_json::to_vec(&errors).unwrap(), false),
    }
}

#[tokio::test]
async fn the_plan_answers_what_async_graphql_answers_byte_for_byte() {
    let graph = graph();
    let planned = Api::new(&options());
    let reference = Api::new(&options()).with_planner(false);
    for (all, expect_planned) in [(COVERED, true), (FALLBACK, false)] {
        for (query, variables) in all {
            let query = &with_cursors(&reference, query, &graph).await;
            let (expected, _) = body(reference.run(request(query, variables, &graph)).await);
            assert!(
                !expect_planned || !String::from_utf8_lossy(&expected).contains("\"errors\""),
                "{query}"
            );
            // The first run may find the cache cold and leave the request to async-graphql.
            let _ = planned.run(request(query, variables, &graph)).await;
            let before = planned.engine_counts().planned();
            let (actual, was_planned) = body(planned.run(request(query, variables, &graph)).await);
            assert_eq!(
                String::from_utf8_lossy(&actual),
                String::from_utf8_lossy(&expected),
                "{query}"
            );
            assert_eq!(was_planned, expect_planned, "planned? {query}");
            assert_eq!(
                planned.engine_counts().planned() - before,
                u64::from(expect_planned),
                "{query}"
            );
        }
    }
    assert_eq!(reference.engine_counts().planned(), 0);
}

#[tokio::test]
async fn depth_and_cost_refusals_are_the_same_with_the_plan() {
    let graph = graph();
    let limited = SchemaOptions {
        limits: Limits {
            max_complexity: 50,
            max_depth: 3,
            ..Limits::default()
        },
        ..SchemaOptions::default()
    };
    let planned = Api::new(&limited);
    let reference = Api::new(&limited).with_planner(false);
    for query in [
        include_str!("../../bench/queries/q2.graphql"),
        "{ records(first: 100) { nodes { slug } } }",
    ] {
        let (expected, _) = body(reference.run(request(query, "{}", &graph)).await);
        let _ = planned.run(request(query, "{}", &graph)).await;
        let (actual, was_planned) = body(planned.run(request(query, "{}", &graph)).await);
        assert!(!was_planned, "{query}");
        assert_eq!(actual, expected, "{query}");
    }
}

/// Documents on which async-graphql's cost walk has quirks the compiled cost
/// (`api::cost`) must reproduce: fragments spread where their type condition is not the
/// type (fields looked up on the spread site's type), `__typename` (free), skipped
/// fields (counted), other operations of the document (counted, their variables absent),
/// `search`'s default page, variables absent, null or given.
const COSTED: &[(&str, &str, Option<&str>)] = &[
    (
        r#"query($n: Int) { search(query: "digital", first: 3) { node { __typename ...A } }
             actor(slug: "wic") { ...A } }
           fragment A on Actor { name trends(first: $n) { nodes { slug __typename } } }"#,
        r#"{"n": 4}"#,
        None,
    ),
    (
        r#"{ records(first: 3) { nodes { ... on Actor { trends(last: 2) { totalCount } }
             ... on Node { slug } ... { __typename } } } }"#,
        "{}",
        None,
    ),
    (
        r#"query A($n: Int) { actors(first: $n) { nodes { ...F } } }
           query B($m: Int = 2, $n: Int) { events(first: $m) { nodes { slug } } topics(last: $n) { totalCount } }
           fragment F on Actor { trends(first: $n) { totalCount } name @skip(if: true) }"#,
        r#"{"n": 3}"#,
        Some("A"),
    ),
    (
        r#"query($f: Int, $c: Boolean!) { search(query: "internet", first: $f) { score node { ...on Trend { actors { nodes { slug } } } } }
             trends @include(if: $c) { nodes { actors(first: 2) @skip(if: $c) { totalCount } } } }"#,
        r#"{"c": true}"#,
        None,
    ),
    (
        r#"query($f: Int, $c: Boolean!) { search(query: "internet", first: $f) { score } trends @include(if: $c) { totalCount } }"#,
        r#"{"f": 2, "c": false}"#,
        None,
    ),
    (
        include_str!("../../bench/queries/q5.graphql"),
        r#"{"slug": "organizing-committee", "trends": 3, "actors": 4}"#,
        None,
    ),
];

/// async-graphql's cost of a request: what its refusal at a limit of 0 says it measured
/// ("the query costs N (...)").
async fn measured_cost(
    graph: &Graph,
    query: &str,
    variables: &str,
    operation: Option<&str>,
) -> u64 {
    let options = SchemaOptions {
        limits: Limits {
            max_complexity: 0,
            ..Limits::default()
        },
        ..SchemaOptions::default()
    };
    let reference = Api::new(&options).with_planner(false);
    let (refusal, _) = body(
        reference
            .run(named(request(query, variables, graph), operation))
            .await,
    );
    let refusal: serde_json::Value = serde_json::from_slice(&refusal).unwrap();
    refusal[0]["message"]
        .as_str()
        .and_then(|m| m.strip_prefix("the query costs "))
        .and_then(|m| m.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no cost measured: {refusal} for {query}"))
}

fn named(request: Request, operation: Option<&str>) -> Request {
    match operation {
        Some(name) => request.operation_name(name),
        None => request,
    }
}

#[tokio::test]
async fn the_compiled_cost_is_async_graphqls_at_the_limit_and_one_below() {
    let graph = graph();
    for (query, variables, operation) in COSTED {
        let cost = measured_cost(&graph, query, variables, *operation).await;
        for (limit, within) in [(cost, true), (cost - 1, false)] {
            let options = SchemaOptions {
                limits: Limits {
                    max_complexity: limit as usize,
                    ..Limits::default()
                },
                ..SchemaOptions::default()
            };
            let planned = Api::new(&options);
            let reference = Api::new(&options).with_planner(false);
            let make = || named(request(query, variables, &graph), *operation);
            let (expected, _) = body(reference.run(make()).await);
            let _ = planned.run(make()).await;
            let (actual, was_planned) = body(planned.run(make()).await);
            assert_eq!(
                String::from_utf8_lossy(&actual),
                String::from_utf8_lossy(&expected),
                "limit {limit}: {query}"
            );
            assert_eq!(
                expected.windows(16).any(|w| w == b"COMPLEXITY_LIMIT"),
                !within,
                "limit {limit}: {query}"
            );
            if !within {
                assert!(!was_planned, "refused, so not planned: {query}");
            }
        }
    }
}
