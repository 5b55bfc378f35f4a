//! The store's primitive reads on sled, seeded with the embedded data: one get, a
//! multi-get of 50 records, one record's edge list and 50 of them at once (a multi-get),
//! and the prefix scan of the search postings' heads of every token starting with `inter`. The
//! in-memory store, measured in the same run, is the baseline.
//!
//! `cargo bench --bench store`.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use wic_gql::graph::{keys, Direction, Graph, RecordKind};
use wic_gql::seed::{self, SeedFiles};
use wic_gql::storage::{MemoryStore, SledStore, Store, Table};

fn bench_store(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let stores: Vec<(&str, Arc<dyn Store>)> = vec![
        (
            "sled",
            Arc::new(SledStore::open(&dir.path().join("db")).unwrap()),
        ),
        ("memory", Arc::new(MemoryStore::default())),
    ];
    for (name, store) in stores {
        let graph = Graph::new(store.clone());
        seed::seed(&graph, &SeedFiles::embedded()).unwrap();
        let slugs: Vec<String> = RecordKind::ALL
            .iter()
            .flat_map(|kind| graph.records_of_kind(*kind).unwrap())
            .map(|r| r.slug.clone())
            .take(50)
            .collect();
        let mut group = c.benchmark_group(name);
        group.bench_function("get", |b| b.iter(|| graph.record("wic-2017").unwrap()));
        group.bench_function("get_many_50", |b| b.iter(|| graph.records(&slugs).unwrap()));
        let one = vec!["trend-v".to_string()];
        group.bench_function("edge_list_1", |b| {
            b.iter(|| graph.edges(&one, Direction::Outgoing).unwrap())
        });
        group.bench_function("edge_lists_50", |b| {
            b.iter(|| graph.edges(&slugs, Direction::Outgoing).unwrap())
        });
        let prefix = keys::search_token_prefix("inter", false);
        group.bench_function("prefix_scan", |b| {
            b.iter(|| store.scan_prefix(Table::Search, &prefix).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, bench_store);
criterion_main!(benches);
