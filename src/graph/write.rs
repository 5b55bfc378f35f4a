//! Turning a validated dataset into the entries of every table and index.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::keys;
use super::search::{field_texts, tokenize, Posting};
use super::{Direction, Edge, GraphError, Record};
use crate::storage::codec::{self, Parts};
use crate::storage::{Batch, Table};

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

/// The most postings in a token's head, all a ranked search reads of it: a search costs
/// about the same whether its words occur in a hundred records or in a million (see
/// `Graph::search` for what this approximates). More than a search returns (100 hits),
/// and three times the most records a token of the seed data occurs in (79, "internet"),
/// so that every search of the seed data is exact.
pub(super) const SEARCH_HEAD: usize = 256;

/// Postings per search entry. A chunk is read whole, so it stays small enough to decode
/// in microseconds.
const CHUNK: usize = 1024;

/// Entries of one or more tables, built apart and gathered into the batch.
type Entries = Vec<(Table, Vec<u8>, Vec<u8>)>;

/// The parts of a `records` entry, in order: the record, then its edge lists.
pub(super) const RECORD_PART: usize = 0;

/// The part of a `records` entry that holds the edge list of `direction`.
pub(super) fn edge_part(direction: Direction) -> usize {
    match direction {
        Direction::Outgoing => 1,
        Direction::Incoming => 2,
    }
}

/// Every entry of every data table for `dataset`: one per record (with its edge lists),
/// one per chunk of an index and one per list header (see `graph/keys.rs` for the layouts).
pub(super) fn build_batch(dataset: &Dataset) -> Result<Batch, GraphError> {
    // The parts read the dataset and write different tables: build them side by side.
    let (records, search, lists) = std::thread::scope(|scope| {
        let search = scope.spawn(|| search_index(&dataset.records));
        let lists = scope.spawn(|| super::lists::entries(&dataset.records));
        let records = records_with_edges(dataset);
        let search = search.join().expect("the search index builder panicked");
        let lists = lists.join().expect("the list index builder panicked");
        (records, search, lists)
    });
    let mut batch = Batch::default();
    for (table, key, value) in [records?, search?].into_iter().flatten() {
        batch.insert(table, key, value);
    }
    for (key, value) in lists? {
        batch.insert(Table::Lists, key, value);
    }
    Ok(batch)
}

/// `records`: each record with its edge lists.
fn records_with_edges(dataset: &Dataset) -> Result<Entries, GraphError> {
    let records = &dataset.records;
    // Outgoing and incoming edges of each anchor, in seed order.
    let mut lists: HashMap<&str, [Vec<&Edge>; 2]> = HashMap::with_capacity(records.len());
    for edge in &dataset.edges {
        lists.entry(&edge.from).or_default()[0].push(edge);
        lists.entry(&edge.to).or_default()[1].push(edge);
    }
    let mut entries = Vec::with_capacity(records.len());
    for record in records {
        let [mut outgoing, mut incoming] = lists.remove(record.slug.as_str()).unwrap_or_default();
        outgoing.sort_unstable_by_key(|e| (e.relation.tag(), e.position));
        incoming.sort_unstable_by_key(|e| (e.relation.tag(), e.position));
        let value = Parts::new("record")
            .push(record)?
            .push(&outgoing)?
            .push(&incoming)?
            .finish();
        entries.push((Table::Records, keys::record(&record.slug), value));
    }
    // An edge list needs its anchor's entry: an edge to a record the dataset lacks would
    // be lost. Seed validation refuses such edges first; this guards every other caller.
    if let Some(anchor) = lists.keys().min() {
        return Err(GraphError::UnknownAnchor(anchor.to_string()));
    }
    Ok(entries)
}

/// `search`: for each token, the records and fields it occurs in: the [`SEARCH_HEAD`] of
/// highest impact in its head, in (slug, field) order, the rest in chunks, highest impact
/// first.
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
    for (token, postings) in index {
        // Each impact computed once: a common token has a posting per record.
        let mut ranked: Vec<(f64, Posting)> =
            postings.into_iter().map(|p| (p.impact(), p)).collect();
        ranked.sort_unstable_by(|(a_impact, a), (b_impact, b)| {
            b_impact
                .total_cmp(a_impact)
                .then_with(|| (&a.slug, a.field).cmp(&(&b.slug, b.field)))
        });
        let mut postings: Vec<Posting> = ranked.into_iter().map(|(_, p)| p).collect();
        let head = postings.len().min(SEARCH_HEAD);
        // The head is read whole and scored in (slug, field) order (`graph::score`): stored
        // in that order, a search does not sort it again.
        postings[..head].sort_unstable_by(|a, b| (&a.slug, a.field).cmp(&(&b.slug, b.field)));
        entries.push((
            Table::Search,
            keys::postings_head(&token),
            codec::encode("postings", &&postings[..head])?,
        ));
        for (number, chunk) in (0u32..).zip(postings[head..].chunks(CHUNK)) {
            entries.push((
                Table::Search,
                keys::postings_tail(&token, number),
                codec::encode("postings", &chunk)?,
            ));
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Details, KindBasis, PlaceDetails, PlaceKind, Relation};

    fn place(slug: &str) -> Record {
        Record {
            slug: slug.into(),
            position: 0,
            name: slug.into(),
            aliases: Vec::new(),
            citations: Vec::new(),
            details: Details::Place(PlaceDetails {
                kind: PlaceKind::Locality,
                kind_basis: KindBasis::Text,
            }),
        }
    }

    fn edge(from: &str, to: &str) -> Edge {
        Edge {
            from: from.into(),
            relation: Relation::PartOf,
            to: to.into(),
            role: None,
            citations: Vec::new(),
            position: 0,
        }
    }

    #[test]
    fn an_edge_to_a_record_the_dataset_lacks_is_refused_by_name() {
        let dataset = Dataset {
            records: vec![place("wuzhen"), place("zhejiang")],
            edges: vec![edge("wuzhen", "zhejiang"), edge("wuzhen", "china")],
        };
        let err = build_batch(&dataset).unwrap_err();
        assert!(
            matches!(&err, GraphError::UnknownAnchor(slug) if slug == "china"),
            "{err}"
        );
        let whole = Dataset {
            records: vec![place("wuzhen"), place("zhejiang")],
            edges: vec![edge("wuzhen", "zhejiang")],
        };
        let batch = build_batch(&whole).unwrap();
        assert_eq!(batch.tables[&Table::Records].len(), 2);
    }
}
