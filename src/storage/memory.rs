//! An in-memory [`Store`] for unit tests and as the model of what a backend must do.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use super::tables::META_CHECKSUM;
use super::{Batch, Checksum, Entry, StorageError, Store, Table};

#[derive(Default)]
struct Contents {
    seeded: bool,
    tables: BTreeMap<Table, BTreeMap<Vec<u8>, Vec<u8>>>,
    meta: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// A store that lives and dies with the process.
#[derive(Default)]
pub struct MemoryStore {
    contents: RwLock<Contents>,
    round_trips: AtomicU64,
}

impl MemoryStore {
    fn read<T>(&self, table: Table, f: impl FnOnce(&BTreeMap<Vec<u8>, Vec<u8>>) -> T) -> T {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        let contents = self.contents.read().expect("memory store poisoned");
        let empty = BTreeMap::new();
        f(contents.tables.get(&table).unwrap_or(&empty))
    }
}

fn scan(map: &BTreeMap<Vec<u8>, Vec<u8>>, prefix: &[u8]) -> Vec<Entry> {
    map.range(prefix.to_vec()..)
        .take_while(|(k, _)| k.starts_with(prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

impl Store for MemoryStore {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.read(table, |map| map.get(key).cloned()))
    }

    fn get_many(
        &self,
        table: Table,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        Ok(self.read(table, |map| {
            keys.iter().map(|k| map.get(k).cloned()).collect()
        }))
    }

    fn scan_prefix(&self, table: Table, prefix: &[u8]) -> Result<Vec<Entry>, StorageError> {
        Ok(self.read(table, |map| scan(map, prefix)))
    }

    fn scan_prefixes(
        &self,
        table: Table,
        prefixes: &[Vec<u8>],
    ) -> Result<Vec<Vec<Entry>>, StorageError> {
        Ok(self.read(table, |map| prefixes.iter().map(|p| scan(map, p)).collect()))
    }

    fn replace_all(&self, batch: Batch, meta: Vec<Entry>) -> Result<(), StorageError> {
        let checksum = batch.checksum();
        let mut contents = self.contents.write().expect("memory store poisoned");
        contents.tables = batch.tables;
        contents.meta.extend(meta);
        contents
            .meta
            .insert(META_CHECKSUM.to_vec(), checksum.into_bytes());
        contents.seeded = true;
        Ok(())
    }

    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let contents = self.contents.read().expect("memory store poisoned");
        Ok(contents.meta.get(key).cloned())
    }

    fn verify(&self) -> Result<(String, u64), StorageError> {
        let contents = self.contents.read().expect("memory store poisoned");
        let mut checksum = Checksum::default();
        let mut entries = 0;
        for table in Table::ALL {
            checksum.table(table);
            for (key, value) in contents.tables.get(&table).into_iter().flatten() {
                checksum.entry(key, value);
                entries += 1;
            }
        }
        let actual = checksum.finish();
        match contents.meta.get(META_CHECKSUM) {
            Some(recorded) if recorded == actual.as_bytes() => Ok((actual, entries)),
            _ => Err(StorageError::Damaged {
                path: None,
                detail: "the checksum of its data is not the one recorded".into(),
            }),
        }
    }

    fn is_empty(&self) -> Result<bool, StorageError> {
        Ok(!self.contents.read().expect("memory store poisoned").seeded)
    }

    fn flush(&self) -> Result<(), StorageError> {
        Ok(())
    }

    fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }
}
