//! In-process execution of the benchmark's query set (bench/queries/q0–q6) without HTTP,
//! over the sled store seeded with the embedded data.
//!
//! `cargo bench --bench query`. Group `execute`: async-graphql's executor on the schema
//! alone. Group `api`: the whole `Api::run` (document cache, variables, limits) to the
//! response's bytes, once with async-graphql's executor (`async_graphql`) and once with
//! the planned executor (`planned`, `api::plan`), per query. Compare each query with q0
//! (`{ __typename }`), measured in the same run: the ratio is what a query costs beyond
//! the fixed cost of a request.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wic_gql::api::{self, Limits, SchemaOptions};
use wic_gql::graph::Graph;
use wic_gql::seed::{self, SeedFiles};
use wic_gql::storage::SledStore;

/// The same allocator as the binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUERIES: [(&str, &str); 5] = [
    ("q0_typename", include_str!("../bench/queries/q0.graphql")),
    ("q1_event", include_str!("../bench/queries/q1.graphql")),
    ("q2_depth4", include_str!("../bench/queries/q2.graphql")),
    ("q3_large_page", include_str!("../bench/queries/q3.graphql")),
    ("q4_search", include_str!("../bench/queries/q4.graphql")),
];

/// The queries of the `api` group, with their variables (Q5's change on every request in
/// `bench/run.py`; here they are its first set).
const API_QUERIES: [(&str, &str, &str); 7] = [
    (
        "q0_typename",
        include_str!("../bench/queries/q0.graphql"),
        "{}",
    ),
    (
        "q1_event",
        include_str!("../bench/queries/q1.graphql"),
        "{}",
    ),
    (
        "q2_depth4",
        include_str!("../bench/queries/q2.graphql"),
        "{}",
    ),
    (
        "q3_large_page",
        include_str!("../bench/queries/q3.graphql"),
        "{}",
    ),
    (
        "q4_search",
        include_str!("../bench/queries/q4.graphql"),
        "{}",
    ),
    (
        "q5_variables",
        include_str!("../bench/queries/q5.graphql"),
        r#"{"slug": "organizing-committee", "trends": 5, "actors": 5}"#,
    ),
    (
        "q6_search_fragments",
        include_str!("../bench/queries/q6.graphql"),
        "{}",
    ),
];

fn bench_queries(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let graph = Graph::new(Arc::new(SledStore::open(&dir.path().join("db")).unwrap()));
    seed::seed(&graph, &SeedFiles::embedded()).unwrap();
    // Q3 deliberately exceeds the default cost limit.
    let options = SchemaOptions {
        limits: Limits {
            max_complexity: usize::MAX,
            ..Limits::default()
        },
        ..SchemaOptions::default()
    };
    let schema = api::build_schema(&options);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let mut group = c.benchmark_group("execute");
    for (name, query) in QUERIES {
        let response = runtime.block_on(schema.execute(api::with_loaders(
            async_graphql::Request::new(query),
            &graph,
        )));
        assert!(response.errors.is_empty(), "{name}: {:?}", response.errors);
        let bytes = serde_json::to_vec(&response).unwrap().len();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let response = runtime.block_on(schema.execute(api::with_loaders(
                    async_graphql::Request::new(query),
                    &graph,
                )));
                serde_json::to_vec(&response).unwrap()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("api");
    for (engine, planner) in [("async_graphql", false), ("planned", true)] {
        let api = api::Api::new(&options).with_planner(planner);
        for (name, query, variables) in API_QUERIES {
            let variables: serde_json::Value = serde_json::from_str(variables).unwrap();
            let run = || {
                let request = async_graphql::Request::new(query)
                    .variables(async_graphql::Variables::from_json(variables.clone()));
                match runtime.block_on(api.run(api::with_loaders(request, &graph))) {
                    api::Outcome::Planned(body) => body,
                    api::Outcome::Executed(response) => serde_json::to_vec(&response).unwrap(),
                    api::Outcome::Refused(errors) => panic!("{name}: {errors:?}"),
                }
            };
            // Warms the caches; then the engine asked for must be the one that answers.
            run();
            let planned_before = api.engine_counts().planned();
            let bytes = run();
            assert_eq!(
                api.engine_counts().planned() - planned_before,
                u64::from(planner),
                "{name}: not answered by {engine}"
            );
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            group.bench_function(format!("{name}/{engine}"), |b| b.iter(run));
        }
    }
    group.finish();
}

criterion_group!(benches, bench_queries);
criterion_main!(benches);
