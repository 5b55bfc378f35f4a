//! What the GraphQL layer costs, without HTTP: each benchmark query answered in-process by
//! wic-gql's served pipeline (`api::Api`: limits, the parsed-document cache, validation,
//! async-graphql's execution) and by F1's hand-written answers, over one store with a warm
//! cache, in the same run.
//!
//! `cargo bench -p wic-gql-bench-handwritten --bench layer`. Per query it times:
//! - `graphql`: `Api::execute` and serde_json, what the HTTP handler runs;
//! - `graphql_execute`: `Api::execute` alone, which builds async-graphql's response tree;
//! - `graphql_serialize`: serde_json writing that tree;
//! - `handwritten`: F1's answer (the same reads, JSON written straight from the records);
//! - `async_graphql`: async-graphql's own pipeline on the same document, as the server ran
//!   before issue 13 (its parser and validation on every request, no document cache),
//!   then serde_json: the engine's cost beside async-graphql's.
//!
//! Q5 has variables that change on every request: each iteration takes the next of the
//! variable sets of `bench/queries/q5.variables.json`, as the HTTP benchmark's requests do.
//! Both answers are checked byte for byte before anything is timed (for Q5, for every set).

use std::sync::Arc;

use async_graphql::Variables;
use criterion::{criterion_group, criterion_main, Criterion};
use wic_gql::api::{self, Api, Limits, SchemaOptions};
use wic_gql::graph::{Graph, GraphError};
use wic_gql::seed::{self, SeedFiles};
use wic_gql::storage::SledStore;
use wic_gql_bench_handwritten::answers;

/// The allocator both binaries use.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Answer = fn(&Graph) -> Result<Vec<u8>, GraphError>;

/// The queries without variables.
const QUERIES: [(&str, &str, Answer); 6] = [
    (
        "q0_typename",
        include_str!("../../../queries/q0.graphql"),
        |_| answers::q0(),
    ),
    (
        "q1_event",
        include_str!("../../../queries/q1.graphql"),
        answers::q1,
    ),
    (
        "q2_depth4",
        include_str!("../../../queries/q2.graphql"),
        answers::q2,
    ),
    (
        "q3_large_page",
        include_str!("../../../queries/q3.graphql"),
        answers::q3,
    ),
    (
        "q4_search",
        include_str!("../../../queries/q4.graphql"),
        answers::q4,
    ),
    (
        "q6_search_fragments",
        include_str!("../../../queries/q6.graphql"),
        answers::q6,
    ),
];

/// Q5, and the variable sets it cycles through.
const Q5: &str = include_str!("../../../queries/q5.graphql");
const Q5_VARIABLES: &str = include_str!("../../../queries/q5.variables.json");

fn bench_layer(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let graph = Graph::new(Arc::new(SledStore::open(&dir.path().join("db")).unwrap()));
    seed::seed(&graph, &SeedFiles::embedded()).unwrap();
    // As the HTTP benchmark serves it: production mode, Q3 above the default cost limit.
    let api = Api::new(&SchemaOptions {
        limits: Limits {
            max_complexity: 100_000_000,
            ..Limits::default()
        },
        introspection: false,
        suggestions: false,
        federation: false,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let execute_with = |query: &str, variables: Variables| {
        runtime.block_on(api.execute(api::with_loaders(
            async_graphql::Request::new(query).variables(variables),
            &graph,
        )))
    };
    let execute = |query: &str| execute_with(query, Variables::default());
    let schema = api::build_schema(&SchemaOptions {
        limits: Limits {
            max_complexity: 100_000_000,
            ..Limits::default()
        },
        introspection: false,
        suggestions: false,
        federation: false,
    });
    let async_graphql_alone = |query: &str, variables: Variables| {
        let request = async_graphql::Request::new(query).variables(variables);
        let response = runtime.block_on(schema.execute(api::with_loaders(request, &graph)));
        serde_json::to_vec(&response).unwrap()
    };

    let mut group = c.benchmark_group("layer");
    for (name, query, handwritten) in QUERIES {
        // The second run is the one timed: its document is cached and already validated.
        let _ = execute(query);
        let response = execute(query);
        assert!(response.errors.is_empty(), "{name}: {:?}", response.errors);
        let served = serde_json::to_vec(&response).unwrap();
        assert_eq!(
            String::from_utf8(handwritten(&graph).unwrap()).unwrap(),
            String::from_utf8(served).unwrap(),
            "{name}: the hand-written answer differs from wic-gql's"
        );

        group.bench_function(format!("{name}/graphql"), |b| {
            b.iter(|| serde_json::to_vec(&execute(query)).unwrap())
        });
        group.bench_function(format!("{name}/graphql_execute"), |b| {
            b.iter(|| execute(query))
        });
        group.bench_function(format!("{name}/graphql_serialize"), |b| {
            b.iter(|| serde_json::to_vec(&response).unwrap())
        });
        group.bench_function(format!("{name}/handwritten"), |b| {
            b.iter(|| handwritten(&graph).unwrap())
        });
        assert_eq!(
            async_graphql_alone(query, Variables::default()),
            serde_json::to_vec(&response).unwrap(),
            "{name}: async-graphql alone answers otherwise"
        );
        group.bench_function(format!("{name}/async_graphql"), |b| {
            b.iter(|| async_graphql_alone(query, Variables::default()))
        });
    }

    // Q5: the next variable set on every iteration.
    let sets: Vec<serde_json::Value> = serde_json::from_str(Q5_VARIABLES).unwrap();
    let sets: Vec<(Variables, answers::Q5Variables)> = sets
        .into_iter()
        .map(|set| {
            (
                Variables::from_json(set.clone()),
                serde_json::from_value(set).unwrap(),
            )
        })
        .collect();
    let responses: Vec<_> = sets
        .iter()
        .map(|(variables, typed)| {
            let _ = execute_with(Q5, variables.clone());
            let response = execute_with(Q5, variables.clone());
            assert!(
                response.errors.is_empty(),
                "q5 {typed:?}: {:?}",
                response.errors
            );
            let served = serde_json::to_vec(&response).unwrap();
            let handwritten = answers::q5(&graph, typed).unwrap().unwrap();
            assert_eq!(
                String::from_utf8(handwritten).unwrap(),
                String::from_utf8(served).unwrap(),
                "q5 {typed:?}: the hand-written answer differs from wic-gql's"
            );
            response
        })
        .collect();
    let next = |i: &mut usize| {
        *i = (*i + 1) % sets.len();
        *i
    };
    let name = "q5_variables";
    group.bench_function(format!("{name}/graphql"), |b| {
        let mut i = 0;
        b.iter(|| {
            let variables = sets[next(&mut i)].0.clone();
            serde_json::to_vec(&execute_with(Q5, variables)).unwrap()
        })
    });
    group.bench_function(format!("{name}/graphql_execute"), |b| {
        let mut i = 0;
        b.iter(|| execute_with(Q5, sets[next(&mut i)].0.clone()))
    });
    group.bench_function(format!("{name}/graphql_serialize"), |b| {
        let mut i = 0;
        b.iter(|| serde_json::to_vec(&responses[next(&mut i)]).unwrap())
    });
    group.bench_function(format!("{name}/handwritten"), |b| {
        let mut i = 0;
        b.iter(|| answers::q5(&graph, &sets[next(&mut i)].1).unwrap().unwrap())
    });
    group.bench_function(format!("{name}/async_graphql"), |b| {
        let mut i = 0;
        b.iter(|| async_graphql_alone(Q5, sets[next(&mut i)].0.clone()))
    });
    group.finish();
}

criterion_group!(benches, bench_layer);
criterion_main!(benches);
