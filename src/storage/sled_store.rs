//! The sled implementation of [`Store`], with generation swapping for atomic re-seeds.
//!
//! Each seed writes its tables into fresh trees `g{N}/…`, flushes them, then flips the
//! `current_generation` pointer in the default tree with one atomic batch, and only then
//! drops the older trees. A crash or error before the flip leaves the previous
//! generation current and intact; leftovers are dropped by the next seed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::tables::META_CURRENT_GENERATION;
use super::{keys, Batch, Entry, StorageError, Store, Table};

/// The fewest entries worth a writer thread of their own.
const MIN_RANGE: usize = 16 * 1024;

/// `entries` in at most `parts` consecutive key ranges of at least `min` entries each.
fn key_ranges(entries: BTreeMap<Vec<u8>, Vec<u8>>, parts: usize, min: usize) -> Vec<Vec<Entry>> {
    let size = entries.len().div_ceil(parts.max(1)).max(min).max(1);
    let mut ranges = Vec::new();
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        ranges.push(entries.by_ref().take(size).collect());
    }
    ranges
}

/// The trees of one generation.
#[derive(Clone)]
struct Generation {
    number: u64,
    trees: BTreeMap<Table, sled::Tree>,
}

/// A sled database directory.
pub struct SledStore {
    path: PathBuf,
    db: sled::Db,
    current: RwLock<Option<Arc<Generation>>>,
    round_trips: AtomicU64,
    /// Declared last, so it drops after `db` and `current`.
    _release: LockRelease,
}

/// How long dropping a store waits for sled's background threads to let go of the lock.
const RELEASE_WAIT: Duration = Duration::from_secs(10);

/// Waits, on drop, until sled's lock on the directory is released.
///
/// sled 0.34 finishes buffered writes on its own thread pool, and those jobs hold the
/// database file (and its `flock`) for a moment after the last `Db` handle is gone. Without
/// this wait, opening the same directory right after dropping a store (a test, or a seed
/// followed by `serve` in the same process) fails now and then with
/// [`StorageError::Locked`]. sled's own test build blocks on the lock for the same reason.
struct LockRelease {
    file: PathBuf,
}

impl Drop for LockRelease {
    fn drop(&mut self) {
        let Ok(file) = std::fs::File::open(&self.file) else {
            return;
        };
        let start = Instant::now();
        while let Err(std::fs::TryLockError::WouldBlock) = file.try_lock() {
            if start.elapsed() > RELEASE_WAIT {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = file.unlock();
    }
}

impl SledStore {
    /// Opens (or creates) the database at `path`; fails fast if another process holds it.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let db = sled::Config::new().path(path).open().map_err(|source| {
            let locked = matches!(&source, sled::Error::Io(e) if e.to_string().contains("could not acquire lock"));
            if locked {
                StorageError::Locked {
                    path: path.to_path_buf(),
                }
            } else {
                StorageError::Sled {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        let store = SledStore {
            path: path.to_path_buf(),
            db,
            current: RwLock::new(None),
            round_trips: AtomicU64::new(0),
            _release: LockRelease {
                file: path.join("db"),
            },
        };
        if let Some(bytes) = store
            .db
            .get(META_CURRENT_GENERATION)
            .map_err(|e| store.sled(e))?
        {
            let number = keys::parse_generation(&bytes)?;
            let generation = store.open_generation(number)?;
            *store.current.write().expect("generation lock poisoned") = Some(Arc::new(generation));
        }
        Ok(store)
    }

    /// The directory the database lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of the current generation, if the database was ever seeded.
    pub fn generation(&self) -> Option<u64> {
        self.current().map(|g| g.number)
    }

    /// The size of the database on disk, in bytes.
    pub fn size_on_disk(&self) -> Result<u64, StorageError> {
        self.db.size_on_disk().map_err(|e| self.sled(e))
    }

    fn sled(&self, source: sled::Error) -> StorageError {
        StorageError::Sled {
            path: self.path.clone(),
            source,
        }
    }

    fn open_generation(&self, number: u64) -> Result<Generation, StorageError> {
        let mut trees = BTreeMap::new();
        for table in Table::ALL {
            let tree = self
                .db
                .open_tree(table.tree_name(number))
                .map_err(|e| self.sled(e))?;
            trees.insert(table, tree);
        }
        Ok(Generation { number, trees })
    }

    fn current(&self) -> Option<Arc<Generation>> {
        self.current
            .read()
            .expect("generation lock poisoned")
            .clone()
    }

    fn tree(&self, table: Table) -> Option<sled::Tree> {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        self.current().map(|g| g.trees[&table].clone())
    }

    fn scan(&self, tree: &sled::Tree, prefix: &[u8]) -> Result<Vec<Entry>, StorageError> {
        tree.scan_prefix(prefix)
            .map(|item| {
                item.map(|(k, v)| (k.to_vec(), v.to_vec()))
                    .map_err(|e| self.sled(e))
            })
            .collect()
    }

    /// Drops every generation tree except `keep`'s.
    fn drop_other_generations(&self, keep: Option<u64>) -> Result<(), StorageError> {
        let keep_prefix = keep.map(|n| format!("g{n}/"));
        for name in self.db.tree_names() {
            let name = String::from_utf8_lossy(&name).into_owned();
            let is_generation = name.starts_with('g') && name.contains('/');
            let is_kept = keep_prefix.as_deref().is_some_and(|p| name.starts_with(p));
            if is_generation && !is_kept {
                self.db
                    .drop_tree(name.as_bytes())
                    .map_err(|e| self.sled(e))?;
            }
        }
        Ok(())
    }
}

impl Store for SledStore {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let Some(tree) = self.tree(table) else {
            return Ok(None);
        };
        let value = tree.get(key).map_err(|e| self.sled(e))?;
        Ok(value.map(|v| v.to_vec()))
    }

    fn get_many(
        &self,
        table: Table,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        let Some(tree) = self.tree(table) else {
            return Ok(vec![None; keys.len()]);
        };
        keys.iter()
            .map(|key| {
                tree.get(key)
                    .map(|v| v.map(|v| v.to_vec()))
                    .map_err(|e| self.sled(e))
            })
            .collect()
    }

    fn scan_prefix(&self, table: Table, prefix: &[u8]) -> Result<Vec<Entry>, StorageError> {
        let Some(tree) = self.tree(table) else {
            return Ok(Vec::new());
        };
        self.scan(&tree, prefix)
    }

    fn scan_prefixes(
        &self,
        table: Table,
        prefixes: &[Vec<u8>],
    ) -> Result<Vec<Vec<Entry>>, StorageError> {
        let Some(tree) = self.tree(table) else {
            return Ok(vec![Vec::new(); prefixes.len()]);
        };
        prefixes.iter().map(|p| self.scan(&tree, p)).collect()
    }

    fn replace_all(&self, batch: Batch, meta: Vec<Entry>) -> Result<(), StorageError> {
        let previous = self.current();
        let number = previous.as_ref().map_or(1, |g| g.number + 1);
        // Leftovers of an interrupted seed may occupy the new generation's names.
        self.drop_other_generations(previous.as_ref().map(|g| g.number))?;

        let generation = self.open_generation(number)?;
        // No reader sees the new generation before the flip below, so its trees fill in
        // key order with plain inserts: one sled batch of a million entries would be
        // held whole in memory (the first 1M-record scale run died of it at 23 GiB).
        // sled takes concurrent inserts, so every tree fills side by side, and a large
        // one in key ranges of its own, one thread per core: the records tree alone is
        // most of the entries.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::thread::scope(|scope| {
            let writers: Vec<_> = batch
                .tables
                .into_iter()
                .flat_map(|(table, entries)| {
                    let tree = &generation.trees[&table];
                    key_ranges(entries, cores, MIN_RANGE)
                        .into_iter()
                        .map(move |range| {
                            scope.spawn(move || {
                                range
                                    .into_iter()
                                    .try_for_each(|(key, value)| tree.insert(key, value).map(drop))
                            })
                        })
                })
                .collect();
            writers.into_iter().try_for_each(|writer| {
                writer
                    .join()
                    .expect("a tree writer panicked")
                    .map_err(|e| self.sled(e))
            })
        })?;
        self.db.flush().map_err(|e| self.sled(e))?;

        // The flip: one atomic batch on the default tree.
        let mut flip = sled::Batch::default();
        for (key, value) in meta {
            flip.insert(key, value);
        }
        flip.insert(META_CURRENT_GENERATION, &keys::generation(number));
        self.db.apply_batch(flip).map_err(|e| self.sled(e))?;
        self.db.flush().map_err(|e| self.sled(e))?;
        *self.current.write().expect("generation lock poisoned") = Some(Arc::new(generation));

        self.drop_other_generations(Some(number))?;
        self.db.flush().map_err(|e| self.sled(e))?;
        Ok(())
    }

    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let value = self.db.get(key).map_err(|e| self.sled(e))?;
        Ok(value.map(|v| v.to_vec()))
    }

    fn is_empty(&self) -> Result<bool, StorageError> {
        Ok(self.current().is_none())
    }

    fn flush(&self) -> Result<(), StorageError> {
        self.db.flush().map(|_| ()).map_err(|e| self.sled(e))
    }

    fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(entries: &[(&str, &str)]) -> Batch {
        let mut batch = Batch::default();
        for (k, v) in entries {
            batch.insert(Table::Records, k.as_bytes().to_vec(), v.as_bytes().to_vec());
        }
        batch
    }

    #[test]
    fn replace_all_swaps_whole_generations_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SledStore::open(dir.path()).unwrap();
            assert!(store.is_empty().unwrap());
            store
                .replace_all(batch(&[("a", "1"), ("b", "2")]), vec![])
                .unwrap();
            store
                .replace_all(batch(&[("b", "3")]), vec![(b"k".to_vec(), b"v".to_vec())])
                .unwrap();
            assert_eq!(store.get(Table::Records, b"a").unwrap(), None);
            assert_eq!(
                store.get(Table::Records, b"b").unwrap(),
                Some(b"3".to_vec())
            );
            assert_eq!(store.generation(), Some(2));
        }
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(store.generation(), Some(2));
        assert_eq!(store.meta(b"k").unwrap(), Some(b"v".to_vec()));
        let names: Vec<String> = store
            .db
            .tree_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .filter(|n| n.starts_with('g'))
            .collect();
        assert!(names.iter().all(|n| n.starts_with("g2/")), "{names:?}");
    }

    #[test]
    fn key_ranges_cover_every_entry_once_in_order() {
        let entries: BTreeMap<Vec<u8>, Vec<u8>> = (0u32..10)
            .map(|n| (n.to_be_bytes().to_vec(), vec![n as u8]))
            .collect();
        let all: Vec<Entry> = entries.clone().into_iter().collect();
        for (parts, min, lengths) in [
            (2, 1, vec![5, 5]),
            (3, 1, vec![4, 4, 2]),
            (2, 8, vec![8, 2]),
            (4, 20, vec![10]),
            (0, 1, vec![10]),
        ] {
            let ranges = key_ranges(entries.clone(), parts, min);
            assert_eq!(ranges.iter().map(Vec::len).collect::<Vec<_>>(), lengths);
            assert_eq!(ranges.concat(), all);
        }
        assert!(key_ranges(BTreeMap::new(), 2, 1).is_empty());
    }

    #[test]
    fn a_second_open_of_the_same_directory_reports_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let _first = SledStore::open(dir.path()).unwrap();
        let second = SledStore::open(dir.path());
        assert!(matches!(second, Err(StorageError::Locked { .. })));
    }
}
