//! The sled implementation of [`Store`]: one sled database per generation, swapped in
//! whole by moving the pointer (`layout.rs`).
//!
//! A seed writes its tables into the fresh database of the next generation (`g{N}/`),
//! flushes it, then points the directory at it, and only then retires the generation it
//! replaced, whose directory is deleted once nothing reads it: at once, or when the last
//! view pinned to it drops. A crash or error before the pointer moves leaves the previous
//! generation current and intact; the next open removes what the seed left.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::layout::{self, DirLock, Pointer};
use super::tables::{META_CHECKSUM, META_CURRENT_GENERATION};
use super::{keys, Batch, Checksum, Entry, StorageError, Store, Table};

/// sled's page cache. Its default (1 GiB) filled whole when `serve` checks every entry at
/// start; the graph layer keeps decoded records in a cache of its own, so sled's needs to
/// hold the working set of pages, not the database.
const SLED_CACHE_BYTES: u64 = 128 * 1024 * 1024;

/// The fewest entries worth a writer thread of their own.
const MIN_RANGE: usize = 16 * 1024;

/// `entries` in at most `parts` consecutive key ranges of at least `min` entries each.
fn key_ranges(
    entries: &BTreeMap<Vec<u8>, Vec<u8>>,
    parts: usize,
    min: usize,
) -> Vec<Vec<(&[u8], &[u8])>> {
    let size = entries.len().div_ceil(parts.max(1)).max(min).max(1);
    let mut ranges = Vec::new();
    let mut entries = entries
        .iter()
        .map(|(k, v)| (k.as_slice(), v.as_slice()))
        .peekable();
    while entries.peek().is_some() {
        ranges.push(entries.by_ref().take(size).collect());
    }
    ranges
}

/// What a store and every generation it opened share: the directory and its lock, held
/// until the last of them is gone (a view may outlive the store).
struct Shared {
    root: PathBuf,
    _lock: DirLock,
    /// An older layout's sled lock, held while a seed replaces it (an older server may
    /// hold it instead).
    _legacy: Option<std::fs::File>,
    /// The threads deleting retired generations; the store waits for them as it drops.
    retiring: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

/// One generation: its own sled database and the trees of its tables.
struct Generation {
    number: u64,
    dir: PathBuf,
    db: Option<sled::Db>,
    trees: BTreeMap<Table, sled::Tree>,
    /// Set once another generation replaced it: its directory goes when it drops.
    retired: AtomicBool,
    /// Declared last, so that the directory's lock outlives the database.
    shared: Arc<Shared>,
}

/// How long closing a generation waits for sled's background threads to let go of its files.
const RELEASE_WAIT: Duration = Duration::from_secs(10);

impl Generation {
    fn db(&self) -> &sled::Db {
        self.db
            .as_ref()
            .expect("a generation's database lives until it drops")
    }

    fn sled(&self, source: sled::Error) -> StorageError {
        sled_error(&self.shared.root, source)
    }

    /// The entries of its default tree: the seed summary, checksum and number.
    fn meta(&self) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, StorageError> {
        self.db()
            .iter()
            .map(|item| item.map(|(k, v)| (k.to_vec(), v.to_vec())))
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled(e))
    }

    fn checksum(&self) -> Result<Option<String>, StorageError> {
        let value = self.db().get(META_CHECKSUM).map_err(|e| self.sled(e))?;
        Ok(value.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }
}

impl Drop for Generation {
    /// Closes the database and waits until sled's threads let go of its files; a retired
    /// generation's directory is then deleted, on a thread of its own: the last view of it
    /// may drop on the async executor, at the end of a request.
    fn drop(&mut self) {
        let (trees, db) = (std::mem::take(&mut self.trees), self.db.take());
        let dir = self.dir.clone();
        if !*self.retired.get_mut() {
            close(trees, db, &dir);
            return;
        }
        let shared = self.shared.clone();
        let retire = move || {
            let started = Instant::now();
            close(trees, db, &dir);
            match layout::remove_if_present(&dir) {
                Ok(()) => tracing::debug!(
                    dir = %dir.display(),
                    elapsed_us = started.elapsed().as_micros() as u64,
                    "deleted a generation no longer read"
                ),
                Err(error) => {
                    tracing::warn!(%error, dir = %dir.display(), "cannot delete a replaced generation; the next open removes it")
                }
            }
            // The directory's lock goes last.
            drop(shared);
        };
        match std::thread::Builder::new()
            .name("wic-gql-retire".into())
            .spawn(retire)
        {
            Ok(thread) => {
                let mut retiring = self.shared.retiring.lock().expect("retiring lock poisoned");
                retiring.retain(|thread| !thread.is_finished());
                retiring.push(thread);
            }
            Err(error) => {
                tracing::warn!(%error, dir = %self.dir.display(), "cannot start a thread to delete a replaced generation; the next open removes it")
            }
        }
    }
}

/// Closes a generation's database, and waits until sled's threads let go of its files.
///
/// sled 0.34 finishes buffered writes on its own thread pool, and those jobs hold the
/// database file (and its `flock`) for a moment after the last handle is gone. Without the
/// wait, opening the same directory right after dropping a store (a test, or a seed
/// followed by `serve` in one process) failed now and then with [`StorageError::Locked`],
/// and a retired directory could be deleted under a write.
fn close(trees: BTreeMap<Table, sled::Tree>, db: Option<sled::Db>, dir: &Path) {
    drop(trees);
    drop(db);
    let Ok(file) = std::fs::File::open(dir.join("db")) else {
        return;
    };
    let start = Instant::now();
    while let Err(std::fs::TryLockError::WouldBlock) = file.try_lock() {
        if start.elapsed() > RELEASE_WAIT {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A database directory of generations.
pub struct SledStore {
    root: PathBuf,
    current: RwLock<Option<Arc<Generation>>>,
    /// What the pointer names (`None` before the first seed). Held by a seed throughout,
    /// so that seeds into one store run one at a time.
    pointer: Mutex<Option<Pointer>>,
    round_trips: AtomicU64,
    shared: Arc<Shared>,
}

/// A sled error of the database at `path`: corruption it detects is [`StorageError::Damaged`],
/// a failed read or write (a full disk) is the I/O error itself.
fn sled_error(path: &Path, source: sled::Error) -> StorageError {
    match source {
        sled::Error::Corruption { .. } => StorageError::Damaged {
            path: Some(path.to_path_buf()),
            detail: format!("sled found its files corrupted ({source})"),
        },
        sled::Error::Io(source) => StorageError::Io {
            path: path.to_path_buf(),
            source: plain_io_error(source),
        },
        source => StorageError::Sled {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// `error` without sled's wrapping: sled re-wraps an OS error it meets on its flusher
/// thread in a custom error whose message is the original's debug text (`Os { code: 27,
/// kind: FileTooLarge, … }`); its kind is what is worth saying ("file too large").
fn plain_io_error(error: std::io::Error) -> std::io::Error {
    let wrapped = error.raw_os_error().is_none() && error.get_ref().is_some();
    if wrapped && error.kind() != std::io::ErrorKind::Other {
        return error.kind().into();
    }
    error
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
    /// Opens (or creates) the database directory at `path` and its current generation,
    /// checked against the checksum the pointer names, and removes what an interrupted or
    /// replaced seed left. Fails fast if another process holds the directory; refuses the
    /// older layout (one sled database in the directory itself).
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let store = Self::lock(path, false)?;
        let pointer = layout::read_pointer(path)?;
        if pointer.is_none() && layout::is_legacy(path) {
            return Err(StorageError::OldLayout {
                path: path.to_path_buf(),
            });
        }
        if pointer.is_none() && layout::has_generations(path) {
            // A first seed a crash interrupted, or a lost pointer: only a seed, which
            // writes a pointer of its own, may delete what might be the data.
            return Err(store
                .damaged("it holds generation directories but no pointer naming the current one"));
        }
        layout::remove_leftovers(path, pointer.as_ref())?;
        if let Some(pointer) = &pointer {
            let generation = store.open_current(pointer)?;
            *store.current.write().expect("generation lock poisoned") = Some(Arc::new(generation));
        }
        *store.pointer.lock().expect("pointer lock poisoned") = pointer;
        Ok(store)
    }

    /// Opens the database directory at `path` to write a new generation into it, without
    /// opening what it holds, which the seed replaces: a damaged generation, a malformed
    /// pointer or the older layout are no obstacle, and are gone once the seed completes.
    pub fn open_to_seed(path: &Path) -> Result<Self, StorageError> {
        let store = Self::lock(path, layout::is_legacy(path))?;
        let pointer = layout::read_pointer(path).ok().flatten();
        if pointer.is_some() {
            layout::remove_leftovers(path, pointer.as_ref())?;
        }
        *store.pointer.lock().expect("pointer lock poisoned") = pointer;
        Ok(store)
    }

    /// Takes the directory's lock (and an older layout's sled lock if `legacy`).
    fn lock(path: &Path, legacy: bool) -> Result<Self, StorageError> {
        let lock = DirLock::take(path)?;
        let legacy = if legacy {
            let file = std::fs::File::options()
                .read(true)
                .write(true)
                .open(path.join("db"))
                .map_err(|e| layout::io_error(path, e))?;
            if let Err(std::fs::TryLockError::WouldBlock) = file.try_lock() {
                return Err(StorageError::Locked {
                    path: path.to_path_buf(),
                });
            }
            Some(file)
        } else {
            None
        };
        Ok(SledStore {
            root: path.to_path_buf(),
            current: RwLock::new(None),
            pointer: Mutex::new(None),
            round_trips: AtomicU64::new(0),
            shared: Arc::new(Shared {
                root: path.to_path_buf(),
                _lock: lock,
                _legacy: legacy,
                retiring: Mutex::default(),
            }),
        })
    }

    fn damaged(&self, detail: impl Into<String>) -> StorageError {
        StorageError::Damaged {
            path: Some(self.root.clone()),
            detail: detail.into(),
        }
    }

    /// Opens the generation `pointer` names and checks that it holds what that seed wrote:
    /// sled goes back to an earlier state, even an empty one, when its files are damaged.
    fn open_current(&self, pointer: &Pointer) -> Result<Generation, StorageError> {
        let dir = layout::generation_dir(&self.root, pointer.generation);
        if !dir.join("db").exists() {
            return Err(self.damaged(format!(
                "the files of generation {} ({}) are missing",
                pointer.generation,
                dir.display()
            )));
        }
        let generation = self.open_generation(pointer.generation)?;
        let checksum =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| generation.checksum()))
                .unwrap_or_else(|panic| {
                    Err(self.damaged(format!(
                        "sled cannot read its files ({})",
                        panic_message(panic.as_ref())
                    )))
                })?;
        match checksum {
            None => Err(self.damaged(
                "a seed completed here, but sled's files hold no data now (truncated or lost)",
            )),
            Some(checksum) if checksum != pointer.checksum => Err(self.damaged(format!(
                "it holds a generation with checksum {checksum}, the last seed wrote {}",
                pointer.checksum
            ))),
            Some(_) => Ok(generation),
        }
    }

    /// Opens (or creates) the database of generation `number`. sled's own failures (it
    /// panics on some damaged files) are errors, not panics.
    fn open_generation(&self, number: u64) -> Result<Generation, StorageError> {
        let dir = layout::generation_dir(&self.root, number);
        let open = || -> Result<Generation, StorageError> {
            let db = sled::Config::new()
                .path(&dir)
                .cache_capacity(SLED_CACHE_BYTES)
                .open()
                .map_err(|e| self.sled(e))?;
            let mut trees = BTreeMap::new();
            for table in Table::ALL {
                let tree = db.open_tree(table.name()).map_err(|e| self.sled(e))?;
                trees.insert(table, tree);
            }
            Ok(Generation {
                number,
                dir: dir.clone(),
                db: Some(db),
                trees,
                retired: AtomicBool::new(false),
                shared: self.shared.clone(),
            })
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(open)).unwrap_or_else(|panic| {
            Err(self.damaged(format!(
                "sled cannot read its files ({})",
                panic_message(panic.as_ref())
            )))
        })
    }

    /// The directory the database lives in.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The number of the current generation, if the database was ever seeded.
    pub fn generation(&self) -> Option<u64> {
        self.current().map(|g| g.number)
    }

    fn sled(&self, source: sled::Error) -> StorageError {
        sled_error(&self.root, source)
    }

    /// Writes `batch`, its checksum and `meta` into the fresh database of generation
    /// `number`, and flushes it; returns the generation and the checksum. On an error,
    /// what it wrote is deleted.
    fn write_generation(
        &self,
        number: u64,
        batch: Batch,
        meta: Vec<Entry>,
    ) -> Result<(Generation, String), StorageError> {
        let dir = layout::generation_dir(&self.root, number);
        layout::remove_if_present(&dir).map_err(|e| layout::io_error(&dir, e))?;
        let generation = match self.open_generation(number) {
            Ok(generation) => generation,
            Err(error) => {
                let _ = layout::remove_if_present(&dir);
                return Err(error);
            }
        };
        match self.fill_generation(&generation, batch, meta) {
            Ok(checksum) => Ok((generation, checksum)),
            Err(error) => {
                // A failed seed (a full disk) takes back what it wrote, before it returns.
                drop(generation);
                let _ = layout::remove_if_present(&dir);
                Err(error)
            }
        }
    }

    fn fill_generation(
        &self,
        generation: &Generation,
        batch: Batch,
        meta: Vec<Entry>,
    ) -> Result<String, StorageError> {
        // No reader sees the new generation before the pointer moves to it, so its trees
        // fill in key order with plain inserts: one sled batch of a million entries would
        // be held whole in memory (the first 1M-record scale run died of it at 23 GiB).
        // sled takes concurrent inserts, so every tree fills side by side, and a large
        // one in key ranges of its own, one thread per core: the records tree alone is
        // most of the entries. The checksum, written last, is computed meanwhile.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let checksum = std::thread::scope(|scope| {
            let checksum = scope.spawn(|| batch.checksum());
            let writers: Vec<_> = batch
                .tables
                .iter()
                .flat_map(|(table, entries)| {
                    let tree = &generation.trees[table];
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
            })?;
            Ok::<_, StorageError>(checksum.join().expect("the checksum panicked"))
        })?;
        drop(batch);
        let mut entries = sled::Batch::default();
        for (key, value) in meta {
            entries.insert(key, value);
        }
        entries.insert(META_CHECKSUM, checksum.as_bytes());
        entries.insert(
            META_CURRENT_GENERATION,
            &keys::generation(generation.number),
        );
        let db = generation.db();
        db.apply_batch(entries).map_err(|e| self.sled(e))?;
        db.flush().map_err(|e| self.sled(e))?;
        Ok(checksum)
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
            path: &self.root,
            tree: self.current().map(|g| g.trees[&table].clone()),
        }
    }
}

impl Drop for SledStore {
    /// Waits for the deletions of retired generations under way: a store opened on the
    /// same directory next finds it as this one left it.
    fn drop(&mut self) {
        let threads =
            std::mem::take(&mut *self.shared.retiring.lock().expect("retiring lock poisoned"));
        for thread in threads {
            let _ = thread.join();
        }
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
        let mut pointer = self.pointer.lock().expect("pointer lock poisoned");
        let number = pointer.as_ref().map_or(1, |p| p.generation + 1);
        let (generation, checksum) = self.write_generation(number, batch, meta)?;
        let next = Pointer {
            generation: number,
            checksum,
        };
        // The commit: until the rename, the previous generation is the current one.
        if let Err((error, moved)) = layout::write_pointer(&self.root, &next) {
            if !moved {
                drop(generation);
                let _ = layout::remove_if_present(&layout::generation_dir(&self.root, number));
                return Err(error);
            }
            tracing::warn!(%error, "the new generation is current, but its pointer may not be durable yet");
        }
        *pointer = Some(next.clone());
        let replaced = self
            .current
            .write()
            .expect("generation lock poisoned")
            .replace(Arc::new(generation));
        match replaced {
            // Deleted as it drops: here, or once the last view pinned to it is gone.
            Some(replaced) => replaced.retired.store(true, Ordering::Relaxed),
            // Nothing of this store read the previous generation (a seed's store): it,
            // and an older layout's files, go now.
            None => layout::remove_leftovers(&self.root, Some(&next))?,
        }
        Ok(())
    }

    fn verify(&self) -> Result<(String, u64), StorageError> {
        let Some(generation) = self.current() else {
            return Err(self.damaged("it holds no data generation"));
        };
        verify_generation(&generation, generation.checksum()?)
    }

    fn pinned(&self) -> Result<Arc<dyn Store>, StorageError> {
        let Some(generation) = self.current() else {
            return Err(self.damaged("it holds no data generation"));
        };
        Ok(Arc::new(SledView {
            meta: generation.meta()?,
            generation,
            round_trips: AtomicU64::new(0),
        }))
    }

    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let Some(generation) = self.current() else {
            return Ok(None);
        };
        let value = generation.db().get(key).map_err(|e| self.sled(e))?;
        Ok(value.map(|v| v.to_vec()))
    }

    fn is_empty(&self) -> Result<bool, StorageError> {
        Ok(self.current().is_none())
    }

    fn flush(&self) -> Result<(), StorageError> {
        match self.current() {
            Some(generation) => generation
                .db()
                .flush()
                .map(|_| ())
                .map_err(|e| self.sled(e)),
            None => Ok(()),
        }
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
    generation: &Generation,
    recorded: Option<String>,
) -> Result<(String, u64), StorageError> {
    let path = &generation.shared.root;
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
    generation: Arc<Generation>,
    /// The metadata of this generation (its seed summary and checksum).
    meta: BTreeMap<Vec<u8>, Vec<u8>>,
    round_trips: AtomicU64,
}

impl SledView {
    fn reads(&self, table: Table) -> Reads<'_> {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        Reads {
            path: &self.generation.shared.root,
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
        verify_generation(&self.generation, self.checksum()?)
    }

    fn pinned(&self) -> Result<Arc<dyn Store>, StorageError> {
        Ok(Arc::new(SledView {
            generation: self.generation.clone(),
            meta: self.meta.clone(),
            round_trips: AtomicU64::new(0),
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
        assert_eq!(generations(dir.path()), ["g2"]);
    }

    /// The generation directories in `root`.
    fn generations(root: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('g') && !n.starts_with("wic"))
            .collect();
        names.sort();
        names
    }

    /// Waits until the generation directories in `root` are `expected`: a retired one is
    /// deleted on a thread of its own.
    fn eventually(root: &Path, expected: &[&str]) {
        let started = Instant::now();
        while generations(root) != expected && started.elapsed() < RELEASE_WAIT {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(generations(root), expected);
    }

    #[test]
    fn a_failed_seed_leaves_the_previous_generation_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store.replace_all(batch(&[("a", "1")]), vec![]).unwrap();
        // A leftover of a crashed seed where the next generation goes, and a file in its
        // place that sled cannot open as a directory.
        std::fs::write(dir.path().join("g2"), "not a directory").unwrap();
        std::fs::create_dir(dir.path().join("g3")).unwrap();
        drop(store);
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(generations(dir.path()), ["g1"]);
        assert_eq!(store.generation(), Some(1));
        assert_eq!(
            store.get(Table::Records, b"a").unwrap(),
            Some(b"1".to_vec())
        );
    }

    #[test]
    fn a_seed_store_replaces_what_it_never_opened() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SledStore::open(dir.path()).unwrap();
            store.replace_all(batch(&[("a", "1")]), vec![]).unwrap();
        }
        // The pointer names a generation whose files are gone: `open` refuses, a seed
        // replaces it.
        std::fs::remove_dir_all(dir.path().join("g1")).unwrap();
        assert!(matches!(
            SledStore::open(dir.path()),
            Err(StorageError::Damaged { .. })
        ));
        {
            let store = SledStore::open_to_seed(dir.path()).unwrap();
            store.replace_all(batch(&[("a", "2")]), vec![]).unwrap();
        }
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(generations(dir.path()), ["g2"]);
        assert_eq!(
            store.get(Table::Records, b"a").unwrap(),
            Some(b"2".to_vec())
        );
    }

    #[test]
    fn the_older_layout_is_refused_and_a_seed_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        sled::open(dir.path()).unwrap().flush().unwrap();
        std::fs::write(dir.path().join("wic-gql-checksums"), "").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(matches!(
            SledStore::open(dir.path()),
            Err(StorageError::OldLayout { .. })
        ));
        {
            let store = SledStore::open_to_seed(dir.path()).unwrap();
            store.replace_all(batch(&[("a", "1")]), vec![]).unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["current", "g1", "wic-gql.lock"]);
        assert!(SledStore::open(dir.path()).is_ok());
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
        // Generation 2 was never pinned and is gone; 1 stays while its view lives, and
        // goes with it.
        eventually(dir.path(), &["g1", "g3"]);
        let view = first.pinned().unwrap();
        drop(first);
        assert_eq!(generations(dir.path()), ["g1", "g3"]);
        drop(view);
        eventually(dir.path(), &["g3"]);
        store.replace_all(batch(&[("a", "4")]), vec![]).unwrap();
        eventually(dir.path(), &["g4"]);
    }

    #[test]
    fn an_os_error_sled_wrapped_reads_as_the_os_reported_it() {
        let wrapped = std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("{:?}", std::io::Error::from_raw_os_error(27)),
        );
        assert_eq!(plain_io_error(wrapped).to_string(), "file too large");
        let other = std::io::Error::other("something else");
        assert_eq!(plain_io_error(other).to_string(), "something else");
    }

    #[test]
    fn key_ranges_cover_every_entry_once_in_order() {
        let entries: BTreeMap<Vec<u8>, Vec<u8>> = (0u32..10)
            .map(|n| (n.to_be_bytes().to_vec(), vec![n as u8]))
            .collect();
        let all: Vec<(&[u8], &[u8])> = entries
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_slice()))
            .collect();
        for (parts, min, lengths) in [
            (2, 1, vec![5, 5]),
            (3, 1, vec![4, 4, 2]),
            (2, 8, vec![8, 2]),
            (4, 20, vec![10]),
            (0, 1, vec![10]),
        ] {
            let ranges = key_ranges(&entries, parts, min);
            assert_eq!(ranges.iter().map(Vec::len).collect::<Vec<_>>(), lengths);
            assert_eq!(ranges.concat(), all);
        }
        assert!(key_ranges(&BTreeMap::new(), 2, 1).is_empty());
    }

    #[test]
    fn a_second_open_of_the_same_directory_reports_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let _first = SledStore::open(dir.path()).unwrap();
        let second = SledStore::open(dir.path());
        assert!(matches!(second, Err(StorageError::Locked { .. })));
    }
}
