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

use super::tables::{META_CHECKSUM, META_CURRENT_GENERATION};
use super::{keys, Batch, Checksum, Entry, StorageError, Store, Table};

/// sled's page cache. Its default (1 GiB) filled whole when `serve` checks every entry at
/// start; the graph layer keeps decoded records in a cache of its own, so sled's needs to
/// hold the working set of pages, not the database.
const SLED_CACHE_BYTES: u64 = 128 * 1024 * 1024;

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
    /// Generations replaced by a seed while views pinned them ([`Store::pinned`]).
    retired: std::sync::Mutex<Vec<Arc<Generation>>>,
    round_trips: AtomicU64,
    /// Declared last, so it drops after `db` and `current`; shared with every pinned view,
    /// whose trees keep sled's files open too, so that the wait runs once the last of them
    /// is gone (a view outliving the store made the server wait the whole `RELEASE_WAIT` on
    /// a lock it still held itself).
    release: Arc<LockRelease>,
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

/// The file, inside the database directory and outside sled's own files, that names the
/// checksums a store may hold: the last seed's, and during a seed also the previous one's.
/// sled recovers from a damaged log by going back to an earlier state, even an empty one;
/// this file is how that is told apart from data never written.
const CHECKSUMS_FILE: &str = "wic-gql-checksums";

/// A sled error of the database at `path`: corruption it detects is [`StorageError::Damaged`].
fn sled_error(path: &Path, source: sled::Error) -> StorageError {
    if let sled::Error::Corruption { .. } = source {
        return StorageError::Damaged {
            path: Some(path.to_path_buf()),
            detail: format!("sled found its files corrupted ({source})"),
        };
    }
    StorageError::Sled {
        path: path.to_path_buf(),
        source,
    }
}

/// The message of a caught panic.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

impl SledStore {
    /// Opens (or creates) the database at `path`, and checks that it holds what the last
    /// seed wrote there (the checksums file); fails fast if another process holds it.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let store = Self::open_to_seed(path)?;
        store.check_against_last_seed()?;
        Ok(store)
    }

    /// Opens the database at `path` to write a new generation into it: no check of what it
    /// holds, which the seed replaces. sled's own failures (it panics on some damaged
    /// files) are errors, not panics.
    pub fn open_to_seed(path: &Path) -> Result<Self, StorageError> {
        std::panic::catch_unwind(|| Self::open_unchecked(path)).unwrap_or_else(|panic| {
            Err(StorageError::Damaged {
                path: Some(path.to_path_buf()),
                detail: format!(
                    "sled cannot read its files ({}); remove the directory and seed again",
                    panic_message(panic.as_ref())
                ),
            })
        })
    }

    fn open_unchecked(path: &Path) -> Result<Self, StorageError> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(SLED_CACHE_BYTES)
            .open()
            .map_err(|source| {
            let locked = matches!(&source, sled::Error::Io(e) if e.to_string().contains("could not acquire lock"));
            if locked {
                StorageError::Locked {
                    path: path.to_path_buf(),
                }
            } else {
                sled_error(path, source)
            }
        })?;
        let store = SledStore {
            path: path.to_path_buf(),
            db,
            current: RwLock::new(None),
            retired: Default::default(),
            round_trips: AtomicU64::new(0),
            release: Arc::new(LockRelease {
                file: path.join("db"),
            }),
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

    fn damaged(&self, detail: impl Into<String>) -> StorageError {
        StorageError::Damaged {
            path: Some(self.path.clone()),
            detail: detail.into(),
        }
    }

    /// The checksums the checksums file accepts; `None` if there is no such file (a new
    /// database, or one written before the file existed).
    fn accepted_checksums(&self) -> Result<Option<Vec<String>>, StorageError> {
        match std::fs::read_to_string(self.path.join(CHECKSUMS_FILE)) {
            Ok(text) => Ok(Some(text.lines().map(str::to_owned).collect())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.damaged(format!("cannot read {CHECKSUMS_FILE}: {e}"))),
        }
    }

    /// Replaces the checksums file, atomically (a new file renamed over the old one).
    fn accept_checksums(&self, checksums: &[&str]) -> Result<(), StorageError> {
        use std::io::Write;
        let io = |e: std::io::Error| self.damaged(format!("cannot write {CHECKSUMS_FILE}: {e}"));
        let fresh = self.path.join(format!("{CHECKSUMS_FILE}.new"));
        let mut file = std::fs::File::create(&fresh).map_err(io)?;
        file.write_all(checksums.join("\n").as_bytes())
            .map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&fresh, self.path.join(CHECKSUMS_FILE)).map_err(io)?;
        std::fs::File::open(&self.path)
            .and_then(|d| d.sync_all())
            .map_err(io)
    }

    /// Whether the store holds the generation the last seed wrote.
    fn check_against_last_seed(&self) -> Result<(), StorageError> {
        let Some(accepted) = self.accepted_checksums()? else {
            return Ok(());
        };
        match (self.current(), self.checksum()?) {
            (None, _) if !accepted.is_empty() => Err(self.damaged(
                "a seed completed here, but sled's files hold no data now (truncated or lost)",
            )),
            (Some(_), Some(checksum)) if !accepted.contains(&checksum) => {
                Err(self.damaged(format!(
                    "it holds a generation with checksum {checksum}, the last seed wrote {}",
                    accepted.last().map_or("none", String::as_str)
                )))
            }
            (Some(_), None) => Err(self.damaged("its data generation has no checksum")),
            _ => Ok(()),
        }
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
        sled_error(&self.path, source)
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

    /// Writes `batch` into the fresh trees of generation `number`, and flushes them.
    fn fill_generation(&self, number: u64, batch: Batch) -> Result<Generation, StorageError> {
        let generation = self.open_generation(number)?;
        // No reader sees the new generation before `replace_all` flips to it, so its trees fill in
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
        Ok(generation)
    }

    fn current(&self) -> Option<Arc<Generation>> {
        self.current
            .read()
            .expect("generation lock poisoned")
            .clone()
    }

    fn reads(&self, table: Table) -> Reads<'_> {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        Reads {
            path: &self.path,
            tree: self.current().map(|g| g.trees[&table].clone()),
        }
    }

    /// Drops every generation tree except `keep`'s and those of retired generations a
    /// pinned view still reads (they go at a later seed, once unused).
    fn drop_other_generations(&self, keep: Option<u64>) -> Result<(), StorageError> {
        let mut kept: Vec<String> = keep.map(|n| format!("g{n}/")).into_iter().collect();
        {
            let mut retired = self.retired.lock().expect("retired lock poisoned");
            retired.retain(|g| Arc::strong_count(g) > 1);
            kept.extend(retired.iter().map(|g| format!("g{}/", g.number)));
        }
        for name in self.db.tree_names() {
            let name = String::from_utf8_lossy(&name).into_owned();
            let is_generation = name.starts_with('g') && name.contains('/');
            let is_kept = kept.iter().any(|p| name.starts_with(p.as_str()));
            if is_generation && !is_kept {
                self.db
                    .drop_tree(name.as_bytes())
                    .map_err(|e| self.sled(e))?;
            }
        }
        Ok(())
    }
}

/// The read methods of [`Store`], through `self.reads(table)`: one definition for the
/// store (its current generation) and for a view (its pinned one).
macro_rules! reads_through_generation {
    () => {
        fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
            self.reads(table).get(key)
        }

        fn get_many(
            &self,
            table: Table,
            keys: &[Vec<u8>],
        ) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
            self.reads(table).get_many(keys)
        }

        fn scan_prefix(&self, table: Table, prefix: &[u8]) -> Result<Vec<Entry>, StorageError> {
            self.reads(table).scan_prefix(prefix)
        }

        fn scan_prefixes(
            &self,
            table: Table,
            prefixes: &[Vec<u8>],
        ) -> Result<Vec<Vec<Entry>>, StorageError> {
            self.reads(table).scan_prefixes(prefixes)
        }
    };
}

impl Store for SledStore {
    reads_through_generation!();

    fn replace_all(&self, batch: Batch, meta: Vec<Entry>) -> Result<(), StorageError> {
        let previous = self.current();
        let number = previous.as_ref().map_or(1, |g| g.number + 1);
        let checksum = batch.checksum();
        // Leftovers of an interrupted seed may occupy the new generation's names.
        self.drop_other_generations(previous.as_ref().map(|g| g.number))?;
        let generation = match self.fill_generation(number, batch) {
            Ok(generation) => generation,
            Err(error) => {
                // A failed seed (a full disk) takes back what it wrote, as far as it can.
                let _ = self.drop_other_generations(previous.as_ref().map(|g| g.number));
                let _ = self.db.flush();
                return Err(error);
            }
        };

        // Until the flip below lands, either checksum is the store's rightful one.
        let before = self.checksum()?;
        let accepted: Vec<&str> = before
            .iter()
            .map(String::as_str)
            .chain([checksum.as_str()])
            .collect();
        self.accept_checksums(&accepted)?;

        // The flip: one atomic batch on the default tree.
        let mut flip = sled::Batch::default();
        for (key, value) in meta {
            flip.insert(key, value);
        }
        flip.insert(META_CHECKSUM, checksum.as_bytes());
        flip.insert(META_CURRENT_GENERATION, &keys::generation(number));
        self.db.apply_batch(flip).map_err(|e| self.sled(e))?;
        self.db.flush().map_err(|e| self.sled(e))?;
        let replaced = self
            .current
            .write()
            .expect("generation lock poisoned")
            .replace(Arc::new(generation));
        self.retired
            .lock()
            .expect("retired lock poisoned")
            .extend(replaced);
        drop(previous);
        self.accept_checksums(&[&checksum])?;

        self.drop_other_generations(Some(number))?;
        self.db.flush().map_err(|e| self.sled(e))?;
        Ok(())
    }

    fn verify(&self) -> Result<(String, u64), StorageError> {
        let Some(generation) = self.current() else {
            return Err(self.damaged("it holds no data generation"));
        };
        verify_generation(&self.path, &generation, self.checksum()?)
    }

    fn pinned(&self) -> Result<Arc<dyn Store>, StorageError> {
        let Some(generation) = self.current() else {
            return Err(self.damaged("it holds no data generation"));
        };
        let meta = self
            .db
            .iter()
            .map(|item| item.map(|(k, v)| (k.to_vec(), v.to_vec())))
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled(e))?;
        Ok(Arc::new(SledView {
            path: self.path.clone(),
            generation,
            meta,
            round_trips: AtomicU64::new(0),
            _release: self.release.clone(),
        }))
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

/// The reads of one table of one generation (none before the first seed).
struct Reads<'a> {
    path: &'a Path,
    tree: Option<sled::Tree>,
}

impl Reads<'_> {
    fn get(self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let Some(tree) = self.tree else {
            return Ok(None);
        };
        let value = tree.get(key).map_err(|e| sled_error(self.path, e))?;
        Ok(value.map(|v| v.to_vec()))
    }

    fn get_many(self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        let Some(tree) = &self.tree else {
            return Ok(vec![None; keys.len()]);
        };
        keys.iter()
            .map(|key| {
                tree.get(key)
                    .map(|v| v.map(|v| v.to_vec()))
                    .map_err(|e| sled_error(self.path, e))
            })
            .collect()
    }

    fn scan_prefix(self, prefix: &[u8]) -> Result<Vec<Entry>, StorageError> {
        Ok(self
            .scan_prefixes(&[prefix.to_vec()])?
            .pop()
            .unwrap_or_default())
    }

    fn scan_prefixes(self, prefixes: &[Vec<u8>]) -> Result<Vec<Vec<Entry>>, StorageError> {
        let Some(tree) = &self.tree else {
            return Ok(vec![Vec::new(); prefixes.len()]);
        };
        prefixes
            .iter()
            .map(|prefix| {
                tree.scan_prefix(prefix)
                    .map(|item| {
                        item.map(|(k, v)| (k.to_vec(), v.to_vec()))
                            .map_err(|e| sled_error(self.path, e))
                    })
                    .collect()
            })
            .collect()
    }
}

/// Reads every entry of `generation` and compares their checksum with `recorded`.
fn verify_generation(
    path: &Path,
    generation: &Generation,
    recorded: Option<String>,
) -> Result<(String, u64), StorageError> {
    let damaged = |detail: String| StorageError::Damaged {
        path: Some(path.to_path_buf()),
        detail,
    };
    let read = || -> Result<(String, u64), StorageError> {
        let mut checksum = Checksum::default();
        let mut entries = 0;
        for table in Table::ALL {
            checksum.table(table);
            for item in generation.trees[&table].iter() {
                let (key, value) = item.map_err(|e| sled_error(path, e))?;
                checksum.entry(&key, &value);
                entries += 1;
            }
        }
        Ok((checksum.finish(), entries))
    };
    let (actual, entries) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read))
        .unwrap_or_else(|panic| {
            Err(damaged(format!(
                "sled failed reading it ({})",
                panic_message(panic.as_ref())
            )))
        })?;
    match recorded {
        Some(recorded) if recorded == actual => Ok((actual, entries)),
        Some(recorded) => Err(damaged(format!(
            "its {entries} entries have checksum {actual}, the seed recorded {recorded}"
        ))),
        None => Err(damaged("its data generation has no checksum".into())),
    }
}

/// One generation of a [`SledStore`], read-only: what it held when pinned, whatever seeds
/// come after (the server pins one per reload, and each request reads one).
pub struct SledView {
    path: PathBuf,
    generation: Arc<Generation>,
    /// The metadata as it was when pinned (the seed summary and checksum of this generation).
    meta: BTreeMap<Vec<u8>, Vec<u8>>,
    round_trips: AtomicU64,
    /// Declared last, so it drops after `generation`'s trees (see [`SledStore`]).
    _release: Arc<LockRelease>,
}

impl SledView {
    fn reads(&self, table: Table) -> Reads<'_> {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        Reads {
            path: &self.path,
            tree: Some(self.generation.trees[&table].clone()),
        }
    }
}

impl Store for SledView {
    reads_through_generation!();

    fn replace_all(&self, _: Batch, _: Vec<Entry>) -> Result<(), StorageError> {
        Err(StorageError::ReadOnly)
    }

    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.meta.get(key).cloned())
    }

    fn verify(&self) -> Result<(String, u64), StorageError> {
        verify_generation(&self.path, &self.generation, self.checksum()?)
    }

    fn pinned(&self) -> Result<Arc<dyn Store>, StorageError> {
        Ok(Arc::new(SledView {
            path: self.path.clone(),
            generation: self.generation.clone(),
            meta: self.meta.clone(),
            round_trips: AtomicU64::new(0),
            _release: self._release.clone(),
        }))
    }

    fn is_empty(&self) -> Result<bool, StorageError> {
        Ok(false)
    }

    fn flush(&self) -> Result<(), StorageError> {
        Ok(())
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
    fn a_pinned_generation_outlives_the_seeds_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store.replace_all(batch(&[("a", "1")]), vec![]).unwrap();
        let first = store.pinned().unwrap();
        store.replace_all(batch(&[("a", "2")]), vec![]).unwrap();
        store.replace_all(batch(&[("a", "3")]), vec![]).unwrap();
        assert_eq!(
            first.get(Table::Records, b"a").unwrap(),
            Some(b"1".to_vec())
        );
        assert_eq!(
            store.get(Table::Records, b"a").unwrap(),
            Some(b"3".to_vec())
        );
        assert_eq!(first.verify().unwrap().0, batch(&[("a", "1")]).checksum());
        assert!(matches!(
            first.replace_all(Batch::default(), vec![]),
            Err(StorageError::ReadOnly)
        ));
        let generations = |store: &SledStore| {
            let mut numbers: Vec<String> = store
                .db
                .tree_names()
                .iter()
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .filter_map(|n| n.split_once('/').map(|(g, _)| g.to_string()))
                .collect();
            numbers.sort();
            numbers.dedup();
            numbers
        };
        // Generation 2 was never pinned and is gone; 1 stays while its view lives.
        assert_eq!(generations(&store), ["g1", "g3"]);
        drop(first);
        store.replace_all(batch(&[("a", "4")]), vec![]).unwrap();
        assert_eq!(generations(&store), ["g4"]);
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
