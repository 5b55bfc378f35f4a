//! The database directory: one sled database per generation in a subdirectory of its own
//! (`g7/`), the pointer file naming the current one and its checksum (`current`), and the
//! lock every process that opens the directory holds (`wic-gql.lock`).
//!
//! sled 0.34 never shrinks its files, so a generation written into the database that held
//! the previous one grew it with every seed. A directory per generation is deleted whole
//! once it is replaced and unread, which gives its space back. The pointer is the commit:
//! it is replaced atomically (a new file written, synced, renamed over the old one, the
//! directory synced), and only after the generation it names is complete and flushed.
//! Whatever else a crash leaves (a half-written generation, the pointer's temporary file,
//! a replaced generation not yet deleted) is removed by the next open.

use std::fs::{File, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::StorageError;

/// The pointer file: `<generation> <checksum>` and a newline.
const POINTER: &str = "current";
/// Where the next pointer is written before it is renamed over [`POINTER`].
const POINTER_NEW: &str = "current.new";
/// The lock file: whoever holds its lock owns the directory (a server, a seed, a dump).
const LOCK: &str = "wic-gql.lock";
/// What an older wic-gql kept in the directory itself: one sled database (`db`, `conf`,
/// `blobs/`, `snap.*`) and the checksums file beside it.
const LEGACY_FILES: [&str; 4] = ["db", "conf", "blobs", "wic-gql-checksums"];

/// What the pointer names: the current generation and the checksum its seed recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    pub generation: u64,
    pub checksum: String,
}

impl Pointer {
    /// The pointer file's bytes.
    fn encode(&self) -> String {
        format!("{} {}\n", self.generation, self.checksum)
    }

    /// The inverse of [`Pointer::encode`]; `None` for anything else.
    fn decode(text: &str) -> Option<Pointer> {
        let (generation, checksum) = text.strip_suffix('\n')?.split_once(' ')?;
        let valid = checksum.len() == 64 && checksum.bytes().all(|b| b.is_ascii_hexdigit());
        let generation = generation.parse().ok().filter(|&g| g > 0)?;
        valid.then(|| Pointer {
            generation,
            checksum: checksum.to_string(),
        })
    }
}

/// The directory of generation `generation` inside `root`.
pub fn generation_dir(root: &Path, generation: u64) -> PathBuf {
    root.join(format!("g{generation}"))
}

/// The generation a directory entry's name stands for, if it is one (`g7` → 7).
fn generation_of(name: &str) -> Option<u64> {
    let digits = name.strip_prefix('g')?;
    let canonical = !digits.is_empty() && !digits.starts_with('0');
    canonical.then(|| digits.parse().ok()).flatten()
}

/// The lock on a database directory, held as long as this value lives.
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Creates `root` if needed and locks it; [`StorageError::Locked`] if another process
    /// (a server, a seed) holds it.
    pub fn take(root: &Path) -> Result<DirLock, StorageError> {
        std::fs::create_dir_all(root).map_err(|e| io_error(root, e))?;
        let path = root.join(LOCK);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(DirLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(StorageError::Locked {
                path: root.to_path_buf(),
            }),
            Err(TryLockError::Error(e)) => Err(io_error(root, e)),
        }
    }
}

/// Reads the pointer of `root`: `Ok(None)` if there is none, an error if it is unreadable
/// or malformed.
pub fn read_pointer(root: &Path) -> Result<Option<Pointer>, StorageError> {
    let path = root.join(POINTER);
    match std::fs::read_to_string(&path) {
        Ok(text) => Pointer::decode(&text)
            .map(Some)
            .ok_or_else(|| StorageError::Damaged {
                path: Some(root.to_path_buf()),
                detail: format!("its pointer file {POINTER} is malformed ({text:?})"),
            }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(&path, e)),
    }
}

/// Points `root` at `pointer`: the commit of a seed. An error says whether it came after
/// the rename (`true`: syncing the directory failed, and the pointer may have moved).
pub fn write_pointer(root: &Path, pointer: &Pointer) -> Result<(), (StorageError, bool)> {
    // The generation's directory and its entry in `root` are durable before the pointer
    // names it: sled syncs its files, not the directories that hold them.
    let generation = generation_dir(root, pointer.generation);
    for dir in [generation.as_path(), root] {
        sync_dir(dir).map_err(|e| (io_error(dir, e), false))?;
    }
    let fresh = root.join(POINTER_NEW);
    let before = |e: io::Error| (io_error(&fresh, e), false);
    let mut file = File::create(&fresh).map_err(before)?;
    file.write_all(pointer.encode().as_bytes())
        .map_err(before)?;
    file.sync_all().map_err(before)?;
    drop(file);
    std::fs::rename(&fresh, root.join(POINTER)).map_err(before)?;
    sync_dir(root).map_err(|e| (io_error(root, e), true))
}

/// Whether `root` holds a database of the older layout (sled's files in `root` itself).
pub fn is_legacy(root: &Path) -> bool {
    ["db", "conf"].iter().any(|name| root.join(name).exists())
}

/// Whether `root` holds a directory named like a generation's.
pub fn has_generations(root: &Path) -> bool {
    std::fs::read_dir(root).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| generation_of(&e.file_name().to_string_lossy()).is_some())
    })
}

/// Removes what is not part of the database `pointer` names: other generations' directories
/// (a seed a crash interrupted, a replaced one not deleted yet), the pointer's temporary
/// file and, once a pointer exists, an older layout's files. Touches only names this
/// module gives out: the directory may hold other files (the server's pid file).
pub fn remove_leftovers(root: &Path, pointer: Option<&Pointer>) -> Result<(), StorageError> {
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(root, e)),
    };
    let current = pointer.map(|p| p.generation);
    for entry in entries {
        let entry = entry.map_err(|e| io_error(root, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let legacy = pointer.is_some()
            && (LEGACY_FILES.contains(&name.as_ref()) || name.starts_with("snap."));
        let stale = generation_of(&name).is_some_and(|g| Some(g) != current);
        if legacy || stale || name == POINTER_NEW {
            remove_if_present(&entry.path()).map_err(|e| io_error(&entry.path(), e))?;
        }
    }
    Ok(())
}

/// Removes a file or a directory with everything in it; nothing to do if it is gone.
pub fn remove_if_present(path: &Path) -> io::Result<()> {
    let removed = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) => Err(e),
    };
    match removed {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

pub fn io_error(path: &Path, source: io::Error) -> StorageError {
    StorageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointer(generation: u64) -> Pointer {
        Pointer {
            generation,
            checksum: "ab".repeat(32),
        }
    }

    #[test]
    fn the_pointer_round_trips_and_refuses_anything_else() {
        for g in [1, 7, u64::MAX] {
            assert_eq!(Pointer::decode(&pointer(g).encode()), Some(pointer(g)));
        }
        let good = pointer(3).encode();
        for bad in [
            "",
            "3",
            good.trim_end(),
            &good.replace('3', "x"),
            &good[..good.len() - 2],
            &good.replacen("3 ", "0 ", 1),
        ] {
            assert_eq!(Pointer::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn generation_names_are_canonical() {
        assert_eq!(generation_of("g7"), Some(7));
        assert_eq!(generation_dir(Path::new("d"), 12), Path::new("d/g12"));
        for other in ["g", "g07", "gx", "7", "db", "conf", "g1.tmp"] {
            assert_eq!(generation_of(other), None, "{other}");
        }
    }

    #[test]
    fn leftovers_go_and_everything_else_stays() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["g1", "g2", "g3", "blobs", "other-dir"] {
            std::fs::create_dir(root.join(name)).unwrap();
        }
        for name in [
            POINTER_NEW,
            "db",
            "conf",
            "snap.0001",
            "wic-gql.pid",
            "notes",
        ] {
            std::fs::write(root.join(name), "x").unwrap();
        }
        write_pointer(root, &pointer(2)).unwrap();
        remove_leftovers(root, Some(&pointer(2))).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["current", "g2", "notes", "other-dir", "wic-gql.pid"]
        );
        assert_eq!(read_pointer(root).unwrap(), Some(pointer(2)));
    }

    #[test]
    fn without_a_pointer_an_older_layout_stays() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("db"), "x").unwrap();
        std::fs::create_dir(root.join("g1")).unwrap();
        assert!(is_legacy(root));
        assert!(has_generations(root));
        remove_leftovers(root, None).unwrap();
        assert!(!has_generations(root));
        assert!(root.join("db").exists());
        assert!(!root.join("g1").exists());
    }

    #[test]
    fn a_second_lock_on_the_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let _first = DirLock::take(dir.path()).unwrap();
        assert!(matches!(
            DirLock::take(dir.path()),
            Err(StorageError::Locked { .. })
        ));
    }
}
