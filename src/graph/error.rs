//! The domain layer's error type.

use crate::storage::StorageError;

/// What can go wrong reading or writing the graph.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// An index points at a record that is not stored: the database is inconsistent.
    #[error("the index refers to record `{0}`, which is not stored; re-seed the database")]
    Dangling(String),
    /// A stored key of the graph's tables is not in its layout (`graph/keys.rs`).
    #[error("a key of table `{table}` is malformed ({detail}); re-seed the database")]
    MalformedKey { table: &'static str, detail: String },
    /// A dataset to write has an edge to or from a slug none of its records has.
    #[error("an edge names record `{0}`, which the dataset does not hold")]
    UnknownAnchor(String),
}
