//! Turning a validated dataset into the entries of every table and index.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender};

use serde::{Deserialize, Serialize};

use super::keys;
use super::search::{self, field_texts, for_each_token, PostingRef};
use super::{Direction, Edge, GraphError, Record};
use crate::storage::codec::{self, Parts};
use crate::storage::{Batch, Entry, Table};

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
    // The parts read the dataset and write different tables: build them side by side. The
    // records' slug order is sorted once, by the records' builder, which writes its entries
    // in it, and handed to the search index, which breaks its ties by slug.
    let (records, search, lists) = std::thread::scope(|scope| {
        let (send_order, order) = std::sync::mpsc::sync_channel(1);
        let search = scope.spawn(move || search_index(&dataset.records, order));
        let lists = scope.spawn(|| super::lists::entries(&dataset.records));
        let records = records_with_edges(dataset, send_order);
        let search = search.join().expect("the search index builder panicked");
        let lists = lists.join().expect("the list index builder panicked");
        (records, search, lists)
    });
    let mut batch = Batch::default();
    batch.extend(Table::Records, records?);
    batch.extend(Table::Search, search?);
    batch.extend(Table::Lists, lists?);
    Ok(batch)
}

/// The indexes of `records` in slug order (a stable sort: equal slugs in seed order).
fn slug_order(records: &[Record]) -> Vec<u32> {
    let mut order: Vec<(&str, u32)> = (0u32..)
        .zip(records)
        .map(|(i, r)| (r.slug.as_str(), i))
        .collect();
    // The index breaks ties: the order a stable sort gives, at an unstable sort's cost.
    order.sort_unstable();
    order.into_iter().map(|(_, i)| i).collect()
}

/// `records`: each record with its edge lists, in key order. Sends the records' slug order
/// to `order` as soon as it is known.
fn records_with_edges<'a>(
    dataset: &'a Dataset,
    order: SyncSender<Vec<u32>>,
) -> Result<Vec<Entry>, GraphError> {
    let records = &dataset.records;
    let by_slug = slug_order(records);
    // The search index waits for it; it is gone only if that thread panicked, which its
    // join reports.
    let _ = order.send(by_slug.clone());
    // The record each slug names: the first of its slug, in seed order.
    let mut index: HashMap<&str, u32, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(records.len(), Default::default());
    for (i, record) in (0u32..).zip(records) {
        index.entry(record.slug.as_str()).or_insert(i);
    }
    // Each record's outgoing, then incoming edges, in seed order: counted, then laid out
    // in one array (no list per record).
    let mut unknown: Option<&str> = None;
    let mut ends: Vec<[Option<u32>; 2]> = Vec::with_capacity(dataset.edges.len());
    let mut counts = vec![[0u32; 2]; records.len()];
    for edge in &dataset.edges {
        let mut pair = [None; 2];
        for (side, slug) in [edge.from.as_str(), edge.to.as_str()]
            .into_iter()
            .enumerate()
        {
            match index.get(slug) {
                Some(&i) => {
                    counts[i as usize][side] += 1;
                    pair[side] = Some(i);
                }
                None => unknown = Some(unknown.map_or(slug, |u| u.min(slug))),
            }
        }
        ends.push(pair);
    }
    // An edge list needs its anchor's entry: an edge to a record the dataset lacks would
    // be lost. Seed validation refuses such edges first; this guards every other caller.
    if let Some(anchor) = unknown {
        return Err(GraphError::UnknownAnchor(anchor.to_string()));
    }
    let mut starts = Vec::with_capacity(records.len() * 2 + 1);
    let mut total = 0usize;
    for count in &counts {
        for side in count {
            starts.push(total);
            total += *side as usize;
        }
    }
    starts.push(total);
    let mut filled = starts.clone();
    let mut lists = vec![0u32; total];
    for (number, pair) in (0u32..).zip(&ends) {
        for (side, end) in pair.iter().enumerate() {
            let slot = &mut filled[2 * end.expect("every anchor is known") as usize + side];
            lists[*slot] = number;
            *slot += 1;
        }
    }
    drop(ends);
    let all = &dataset.edges;
    let edges = |range: std::ops::Range<usize>, into: &mut Vec<&'a Edge>| {
        into.clear();
        into.extend(lists[range].iter().map(|&e| &all[e as usize]));
        into.sort_unstable_by_key(|e| (e.relation.tag(), e.position));
    };
    let (mut outgoing, mut incoming): (Vec<&Edge>, Vec<&Edge>) = (Vec::new(), Vec::new());
    // Encoded in seed order, where records and their edges lie close in memory, into one
    // reused buffer; then put in key order.
    let mut buffer = Vec::new();
    let mut values = Vec::with_capacity(records.len());
    for (i, record) in (0u32..).zip(records) {
        let at = 2 * i as usize;
        if index[record.slug.as_str()] == i {
            edges(starts[at]..starts[at + 1], &mut outgoing);
            edges(starts[at + 1]..starts[at + 2], &mut incoming);
        } else {
            // A later record of the same slug replaces the first one's entry, without the
            // edges, which went to the first.
            outgoing.clear();
            incoming.clear();
        }
        let parts = Parts::in_buffer("record", buffer)
            .push(record)?
            .push(&outgoing)?
            .push(&incoming)?;
        let value;
        (value, buffer) = parts.finish_copied();
        values.push(Some(value));
    }
    Ok(by_slug
        .iter()
        .map(|&i| {
            let value = values[i as usize].take().expect("each record once");
            (keys::record(&records[i as usize].slug), value)
        })
        .collect())
}

/// One record's occurrences of a token in one field, the record by its index.
#[derive(Clone, Copy)]
struct Occurrence {
    record: u32,
    field: u8,
    frequency: u32,
}

/// `search`: for each token, the records and fields it occurs in, highest impact first
/// (ties by slug, then field): the first [`SEARCH_HEAD`] in its head, stored in (slug,
/// field) order, the rest in chunks, by impact. The records' slug order comes from `order`.
fn search_index(records: &[Record], order: Receiver<Vec<u32>>) -> Result<Vec<Entry>, GraphError> {
    // Each token once, by number; its occurrences, record by record.
    let mut numbers: HashMap<String, u32, foldhash::fast::RandomState> = HashMap::default();
    let mut tokens: Vec<String> = Vec::new();
    let mut postings: Vec<Vec<Occurrence>> = Vec::new();
    let mut found: Vec<(u32, u8)> = Vec::new();
    for (record, r) in (0u32..).zip(records) {
        found.clear();
        for (field, text) in field_texts(r) {
            for_each_token(text, |token| {
                let number = match numbers.get(token) {
                    Some(&number) => number,
                    None => {
                        let number = tokens.len() as u32;
                        numbers.insert(token.to_string(), number);
                        tokens.push(token.to_string());
                        postings.push(Vec::new());
                        number
                    }
                };
                found.push((number, field.tag()));
            });
        }
        found.sort_unstable();
        for run in found.chunk_by(|a, b| a == b) {
            let (token, field) = run[0];
            postings[token as usize].push(Occurrence {
                record,
                field,
                frequency: run.len() as u32,
            });
        }
    }
    drop(numbers);
    // Slugs compared by their rank in slug order: integers, not strings. The slugs are
    // copied once, in that order, into one string: the postings of a common token, sorted,
    // read it front to back instead of a record's slug each.
    let by_slug = order
        .recv()
        .expect("the records' builder sends their slug order before anything can fail");
    let mut rank = vec![0u32; records.len()];
    let mut slugs = String::with_capacity(records.iter().map(|r| r.slug.len()).sum());
    let mut ends: Vec<usize> = Vec::with_capacity(records.len());
    let mut previous: Option<&str> = None;
    for &i in &by_slug {
        let slug = records[i as usize].slug.as_str();
        if previous != Some(slug) {
            slugs.push_str(slug);
            ends.push(slugs.len());
            previous = Some(slug);
        }
        rank[i as usize] = ends.len() as u32 - 1;
    }
    drop(by_slug);
    let slug = |rank: u32| {
        let start = if rank == 0 {
            0
        } else {
            ends[rank as usize - 1]
        };
        &slugs[start..ends[rank as usize]]
    };
    let mut entries = Vec::with_capacity(tokens.len());
    let mut ranked: Vec<(f64, u32, Occurrence)> = Vec::new();
    let mut stored: Vec<PostingRef> = Vec::new();
    for (token, occurrences) in tokens.iter().zip(postings) {
        // Each impact computed once: a common token has a posting per record.
        ranked.clear();
        ranked.extend(occurrences.into_iter().map(|o| {
            let impact = search::impact(o.field, o.frequency);
            (impact, rank[o.record as usize], o)
        }));
        ranked.sort_unstable_by(|(a_impact, a_rank, a), (b_impact, b_rank, b)| {
            b_impact
                .total_cmp(a_impact)
                .then_with(|| (a_rank, a.field).cmp(&(b_rank, b.field)))
        });
        let head = ranked.len().min(SEARCH_HEAD);
        // The head is read whole and scored in (slug, field) order (`graph::score`): stored
        // in that order, a search does not sort it again.
        ranked[..head].sort_unstable_by_key(|&(_, rank, o)| (rank, o.field));
        stored.clear();
        stored.extend(ranked.iter().map(|&(_, rank, o)| PostingRef {
            slug: slug(rank).as_bytes(),
            field: o.field,
            frequency: o.frequency,
        }));
        entries.push((
            keys::postings_head(token),
            codec::encode("postings", &&stored[..head])?,
        ));
        for (number, chunk) in (0u32..).zip(stored[head..].chunks(CHUNK)) {
            entries.push((
                keys::postings_tail(token, number),
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
