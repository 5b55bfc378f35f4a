//! Turning a validated dataset into the entries of every table and index.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::search::{field_texts, tokenize, Posting};
use super::{Edge, GraphError, Record};
use crate::storage::{codec, keys, Batch, Table};

/// A complete, validated graph, ready to be written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub records: Vec<Record>,
    pub edges: Vec<Edge>,
}

/// What a seed wrote, kept in the database's metadata and shown by `/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedSummary {
    /// Record counts by kind name, in kind order.
    pub records: Vec<(String, u32)>,
    pub edges: u32,
    /// SHA-256 of the source text, hex.
    pub source_sha256: String,
}

/// Slugs per kind-index entry and postings per search entry. A chunk is read whole, so it
/// stays small enough to decode in microseconds; a million records of one kind make
/// about a thousand entries.
const CHUNK: usize = 1024;

/// Entries of one or more tables, built apart and gathered into the batch.
type Entries = Vec<(Table, Vec<u8>, Vec<u8>)>;

/// Every entry of every data table for `dataset`: one per record, one per edge list,
/// one per chunk of an index (see `storage::keys` for the layouts).
pub(super) fn build_batch(dataset: &Dataset) -> Result<Batch, GraphError> {
    // The three parts read the dataset and write different tables: build them side by side.
    let (records, edges, search) = std::thread::scope(|scope| {
        let edges = scope.spawn(|| edge_lists(&dataset.edges));
        let search = scope.spawn(|| search_index(&dataset.records));
        let records = records_and_kinds(&dataset.records);
        let edges = edges.join().expect("the edge list builder panicked");
        let search = search.join().expect("the search index builder panicked");
        (records, edges, search)
    });
    let mut batch = Batch::default();
    for (table, key, value) in [records?, edges?, search?].into_iter().flatten() {
        batch.insert(table, key, value);
    }
    Ok(batch)
}

/// `records` and `by_kind`.
fn records_and_kinds(records: &[Record]) -> Result<Entries, GraphError> {
    let mut entries = Vec::with_capacity(records.len() + records.len() / CHUNK + 8);
    let mut by_kind: BTreeMap<u8, Vec<(u32, &str)>> = BTreeMap::new();
    for record in records {
        entries.push((
            Table::Records,
            keys::record(&record.slug),
            codec::encode("record", record)?,
        ));
        by_kind
            .entry(record.kind().tag())
            .or_default()
            .push((record.position, &record.slug));
    }
    for (kind, mut slugs) in by_kind {
        slugs.sort_unstable();
        for (number, chunk) in (0u32..).zip(slugs.chunks(CHUNK)) {
            let slugs: Vec<&str> = chunk.iter().map(|(_, slug)| *slug).collect();
            entries.push((
                Table::ByKind,
                keys::by_kind(kind, number),
                codec::encode("kind index", &slugs)?,
            ));
        }
    }
    Ok(entries)
}

/// `edges_out` and `edges_in`: each record's edges in one list per direction, in relation
/// order, then seed order.
fn edge_lists(edges: &[Edge]) -> Result<Entries, GraphError> {
    let mut outgoing: BTreeMap<&str, Vec<&Edge>> = BTreeMap::new();
    let mut incoming: BTreeMap<&str, Vec<&Edge>> = BTreeMap::new();
    for edge in edges {
        outgoing.entry(&edge.from).or_default().push(edge);
        incoming.entry(&edge.to).or_default().push(edge);
    }
    let mut entries = Vec::with_capacity(outgoing.len() + incoming.len());
    for (table, lists) in [(Table::EdgesOut, outgoing), (Table::EdgesIn, incoming)] {
        for (anchor, mut list) in lists {
            list.sort_unstable_by_key(|e| (e.relation.tag(), e.position));
            entries.push((
                table,
                keys::edge_list(anchor),
                codec::encode("edge list", &list)?,
            ));
        }
    }
    Ok(entries)
}

/// `search`: for each token, the records and fields it occurs in, in chunks.
fn search_index(records: &[Record]) -> Result<Entries, GraphError> {
    let mut index: BTreeMap<String, Vec<Posting>> = BTreeMap::new();
    for record in records {
        let mut frequencies: BTreeMap<(String, u8), u32> = BTreeMap::new();
        for (field, text) in field_texts(record) {
            for token in tokenize(text) {
                *frequencies.entry((token, field.tag())).or_default() += 1;
            }
        }
        for ((token, field), frequency) in frequencies {
            index.entry(token).or_default().push(Posting {
                slug: record.slug.clone(),
                field,
                frequency,
            });
        }
    }
    let mut entries = Vec::with_capacity(index.len());
    for (token, mut postings) in index {
        postings.sort_unstable_by(|a, b| (&a.slug, a.field).cmp(&(&b.slug, b.field)));
        for (number, chunk) in (0u32..).zip(postings.chunks(CHUNK)) {
            entries.push((
                Table::Search,
                keys::postings(&token, number),
                codec::encode("postings", &chunk)?,
            ));
        }
    }
    Ok(entries)
}
