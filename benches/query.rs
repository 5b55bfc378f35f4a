//! In-process execution of the benchmark's query set (bench/queries/q0–q4) on the schema,
//! without HTTP, over the sled store seeded with the embedded data.
//!
//! `cargo bench --bench query`. Compare each query with q0 (`{ __typename }`), measured in
//! the same run: the ratio is what a query costs beyond the fixed cost of a request.

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
}

criterion_group!(benches, bench_queries);
criterion_main!(benches);
