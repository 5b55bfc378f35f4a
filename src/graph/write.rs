//! Turning a validated dataset into the entries of every table and index.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::search::{field_texts, tokenize};
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

/// Every entry of every data table for `dataset`.
pub(super) fn build_batch(dataset: &Dataset) -> Result<Batch, GraphError> {
    let mut batch = Batch::default();
    for record in &dataset.records {
        batch.insert(
            Table::Records,
            keys::record(&record.slug),
            codec::encode("record", record)?,
        );
        batch.insert(
            Table::ByKind,
            keys::by_kind(record.kind().tag(), record.position),
            record.slug.as_bytes().to_vec(),
        );
        let mut frequencies: BTreeMap<(String, u8), u32> = BTreeMap::new();
        for (field, text) in field_texts(record) {
            for token in tokenize(text) {
                *frequencies.entry((token, field.tag())).or_default() += 1;
            }
        }
        for ((token, field), frequency) in frequencies {
            batch.insert(
                Table::Search,
                keys::search(&token, &record.slug, field),
                codec::encode("term frequency", &frequency)?,
            );
        }
    }
    for edge in &dataset.edges {
        let value = codec::encode("edge", edge)?;
        let tag = edge.relation.tag();
        batch.insert(
            Table::EdgesOut,
            keys::edge(&edge.from, tag, edge.position),
            value.clone(),
        );
        batch.insert(
            Table::EdgesIn,
            keys::edge(&edge.to, tag, edge.position),
            value,
        );
    }
    Ok(batch)
}
