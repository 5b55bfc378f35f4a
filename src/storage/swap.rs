//! Re-seeding into a fresh directory that is then swapped in whole, so that a re-seed
//! gives back the space of the data it replaces.
//!
//! sled 0.34 reuses the pages of dropped trees but never shrinks its files: re-seeding
//! the same directory in place grew it with every seed (20 MiB to 60 MiB over twelve).
//! `wic-gql seed` therefore writes the new database beside the old one (`DB.seeding`),
//! and, once it is complete and flushed, exchanges the two directories with one atomic
//! `renameat2(RENAME_EXCHANGE)` and deletes the old one. A crash or error before the
//! exchange leaves the old database as it was; whatever a crash leaves beside it is
//! removed by the next seed. A running server keeps its directory open and reloads into
//! it in place (`Store::replace_all`), where the space is reused, not given back.

use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use super::StorageError;

/// The suffix of the directory a seed writes before it is swapped in.
const FRESH_SUFFIX: &str = "seeding";

/// A seed in progress into a fresh directory beside `target`, holding `target`'s locks
/// until it is committed or dropped (dropping it removes the fresh directory).
pub struct DirectorySwap {
    target: PathBuf,
    fresh: PathBuf,
    /// A lock on the target directory itself, which every seed takes: two seeds of one
    /// database never interleave.
    _seeding: File,
    /// A lock on sled's own lock file in the target, so that no server opens the old
    /// database while the new one is written (and none holds it now).
    _served: Option<File>,
    committed: bool,
}

impl DirectorySwap {
    /// Starts a seed of the database at `target`: refuses if a server or another seed
    /// holds it, and clears what an interrupted seed left beside it.
    pub fn begin(target: &Path) -> Result<Self, StorageError> {
        let io = |e: io::Error| io_error(target, e);
        std::fs::create_dir_all(target).map_err(io)?;
        let seeding = File::open(target).map_err(io)?;
        lock(&seeding, target)?;
        let served = match File::options()
            .read(true)
            .write(true)
            .open(target.join("db"))
        {
            Ok(file) => {
                lock(&file, target)?;
                Some(file)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(e)),
        };
        let fresh = fresh_path(target);
        remove_dir_if_present(&fresh).map_err(|e| io_error(&fresh, e))?;
        Ok(DirectorySwap {
            target: target.to_path_buf(),
            fresh,
            _seeding: seeding,
            _served: served,
            committed: false,
        })
    }

    /// Where the new database is written.
    pub fn fresh_path(&self) -> &Path {
        &self.fresh
    }

    /// Swaps the fresh directory in for the target, atomically, and removes the old one.
    /// Every store opened on the fresh directory must be dropped (and so flushed) first.
    pub fn commit(mut self) -> Result<(), StorageError> {
        sync_dir(&self.fresh).map_err(|e| io_error(&self.fresh, e))?;
        exchange(&self.fresh, &self.target).map_err(|e| io_error(&self.target, e))?;
        self.committed = true;
        if let Some(parent) = parent_of(&self.target) {
            sync_dir(&parent).map_err(|e| io_error(&parent, e))?;
        }
        // The old database, now at the fresh path: losing this deletion to a crash only
        // leaves it for the next seed to remove.
        remove_dir_if_present(&self.fresh).map_err(|e| io_error(&self.fresh, e))
    }
}

impl Drop for DirectorySwap {
    fn drop(&mut self) {
        if !self.committed {
            let _ = remove_dir_if_present(&self.fresh);
        }
    }
}

/// `DB.seeding` beside `DB`.
fn fresh_path(target: &Path) -> PathBuf {
    let mut name = target
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "wic-gql.db".into());
    name.push(format!(".{FRESH_SUFFIX}"));
    target.with_file_name(name)
}

fn parent_of(path: &Path) -> Option<PathBuf> {
    match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Some(PathBuf::from(".")),
        other => other.map(Path::to_path_buf),
    }
}

/// An exclusive lock on `file`, or [`StorageError::Locked`] if another process holds one.
fn lock(file: &File, target: &Path) -> Result<(), StorageError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(StorageError::Locked {
            path: target.to_path_buf(),
        }),
        Err(TryLockError::Error(e)) => Err(io_error(target, e)),
    }
}

fn io_error(path: &Path, source: io::Error) -> StorageError {
    StorageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn remove_dir_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

/// Exchanges two directories in one step: `renameat2(RENAME_EXCHANGE)`.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated paths, resolved against the working directory.
    let status = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Elsewhere, two renames: between them the target is missing for a moment (a crash
/// there leaves the old database at `DB.seeding.old`, which a reader would have to move
/// back by hand).
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    let old = a.with_extension("old");
    std::fs::rename(b, &old)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&old, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_swaps_the_directories_and_removes_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("x.db");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("old"), "old").unwrap();
        let swap = DirectorySwap::begin(&target).unwrap();
        std::fs::create_dir_all(swap.fresh_path()).unwrap();
        std::fs::write(swap.fresh_path().join("new"), "new").unwrap();
        swap.commit().unwrap();
        assert_eq!(std::fs::read_to_string(target.join("new")).unwrap(), "new");
        assert!(!target.join("old").exists());
        assert!(!fresh_path(&target).exists());
    }

    #[test]
    fn an_abandoned_seed_leaves_the_target_as_it_was_and_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("x.db");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("old"), "old").unwrap();
        {
            let swap = DirectorySwap::begin(&target).unwrap();
            std::fs::create_dir_all(swap.fresh_path()).unwrap();
            std::fs::write(swap.fresh_path().join("new"), "new").unwrap();
        }
        assert_eq!(std::fs::read_to_string(target.join("old")).unwrap(), "old");
        assert!(!fresh_path(&target).exists());
    }

    #[test]
    fn a_second_seed_of_the_same_database_is_refused_while_the_first_runs() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("x.db");
        let _first = DirectorySwap::begin(&target).unwrap();
        assert!(matches!(
            DirectorySwap::begin(&target),
            Err(StorageError::Locked { .. })
        ));
    }
}
