//! The storage layer: a narrow key-value interface over sled: ordered tables of byte keys,
//! swapped in whole generations, and the value envelope ([`codec`]).
//!
//! Nothing here knows about GraphQL, HTTP or the shape of the knowledge graph: the graph
//! layer above builds the keys (`graph/keys.rs`) and hands in bytes. What this layer lays
//! out itself is the database directory (`layout.rs`: a sled database per generation and
//! the pointer to the current one) and a generation's number (`keys.rs`).

mod checksum;
pub mod codec;
mod error;
pub mod keys;
mod layout;
mod memory;
mod sled_store;
mod tables;

pub use checksum::Checksum;
pub use error::StorageError;
pub use memory::MemoryStore;
pub use sled_store::SledStore;
pub use tables::Table;
use tables::META_CURRENT_GENERATION;

use std::collections::BTreeMap;
use std::sync::Arc;

/// One key-value pair read from a table.
pub type Entry = (Vec<u8>, Vec<u8>);

/// The complete contents of every data table, written as one generation.
///
/// A `Batch` never updates the store in place: [`Store::replace_all`] swaps it in whole,
/// so a reader sees either the previous generation or this one, never a mix.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    pub(crate) tables: BTreeMap<Table, BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl Batch {
    /// Adds `key → value` to `table`; a later insert of the same key wins.
    pub fn insert(&mut self, table: Table, key: Vec<u8>, value: Vec<u8>) {
        self.tables.entry(table).or_default().insert(key, value);
    }

    /// Adds every entry of `entries` to `table`, as [`Batch::insert`] would one by one. A
    /// table built whole is sorted once and bulk-built, not searched entry by entry: in key
    /// order already, it costs one pass.
    pub fn extend(&mut self, table: Table, entries: Vec<Entry>) {
        match self.tables.entry(table) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                // A stable sort, and of equal keys the last kept: the later insert wins.
                slot.insert(entries.into_iter().collect());
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                slot.get_mut().extend(entries)
            }
        }
    }

    /// The number of entries across all tables.
    pub fn len(&self) -> usize {
        self.tables.values().map(BTreeMap::len).sum()
    }

    /// Whether the batch holds no entry at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The checksum of the generation this batch writes (see [`Checksum`]).
    pub fn checksum(&self) -> String {
        let mut checksum = Checksum::default();
        for table in Table::ALL {
            checksum.table(table);
            for (key, value) in self.tables.get(&table).into_iter().flatten() {
                checksum.entry(key, value);
            }
        }
        checksum.finish()
    }
}

/// The interface the graph layer reads and writes through.
///
/// Each method is one round trip: callers that want to avoid N+1 patterns use the
/// batched forms (`get_many`, `scan_prefixes`).
pub trait Store: Send + Sync + 'static {
    /// Reads one key of a data table.
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;

    /// Reads many keys of one table; the answer is in the order of `keys`.
    fn get_many(
        &self,
        table: Table,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, StorageError>;

    /// Every entry of `table` whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, table: Table, prefix: &[u8]) -> Result<Vec<Entry>, StorageError>;

    /// [`Store::scan_prefix`] for several prefixes at once; one list per prefix.
    fn scan_prefixes(
        &self,
        table: Table,
        prefixes: &[Vec<u8>],
    ) -> Result<Vec<Vec<Entry>>, StorageError>;

    /// Replaces the contents of every data table with `batch` and records `meta` entries,
    /// atomically: after a crash or an error the previous contents are intact.
    fn replace_all(&self, batch: Batch, meta: Vec<Entry>) -> Result<(), StorageError>;

    /// Reads a key of the metadata table (the seed summary).
    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;

    /// The checksum the seed recorded for the current generation; `None` before any seed.
    fn checksum(&self) -> Result<Option<String>, StorageError> {
        Ok(self
            .meta(tables::META_CHECKSUM)?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// The number of the current generation, if the store keeps generations (sled does).
    fn generation(&self) -> Result<Option<u64>, StorageError> {
        self.meta(META_CURRENT_GENERATION)?
            .map(|bytes| keys::parse_generation(&bytes))
            .transpose()
    }

    /// Reads every entry of the current generation and compares their checksum with the
    /// recorded one: [`StorageError::Damaged`] if they differ or none was recorded.
    /// Returns the checksum and the number of entries read.
    fn verify(&self) -> Result<(String, u64), StorageError>;

    /// The current generation, read-only and pinned: later seeds into this store do not
    /// change what it answers.
    fn pinned(&self) -> Result<Arc<dyn Store>, StorageError>;

    /// Whether a generation of data has ever been written.
    fn is_empty(&self) -> Result<bool, StorageError>;

    /// Makes every write durable.
    fn flush(&self) -> Result<(), StorageError>;

    /// The number of calls answered so far: the measure of round trips in N+1 tests.
    fn round_trips(&self) -> u64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extending_a_table_is_inserting_each_entry_in_turn() {
        let entries = |pairs: &[(&str, &str)]| -> Vec<Entry> {
            pairs
                .iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
                .collect()
        };
        let first = entries(&[("b", "1"), ("a", "2"), ("b", "3"), ("c", "4")]);
        let second = entries(&[("a", "5"), ("d", "6")]);
        let mut extended = Batch::default();
        let mut inserted = Batch::default();
        for part in [first, second] {
            extended.extend(Table::Records, part.clone());
            for (key, value) in part {
                inserted.insert(Table::Records, key, value);
            }
        }
        assert_eq!(extended, inserted);
        assert_eq!(extended.tables[&Table::Records][&b"b".to_vec()], b"3");
    }
}
