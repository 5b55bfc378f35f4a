//! The storage layer's error type.

use std::path::PathBuf;

/// What can go wrong below the graph layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Another process (usually a running `wic-gql serve`) holds the database lock.
    #[error("the database at {path} is in use by another process (is `wic-gql serve` running?); stop it and try again")]
    Locked { path: PathBuf },

    /// sled reported an I/O or corruption error.
    #[error("database error at {path}: {source}")]
    Sled {
        path: PathBuf,
        #[source]
        source: sled::Error,
    },

    /// A stored value could not be encoded or decoded.
    #[error("cannot {action} a stored {what}: {detail}")]
    Codec {
        action: &'static str,
        what: &'static str,
        detail: String,
    },

    /// The database was written by a version of wic-gql with another value format.
    #[error("stored data has format version {found}, this build reads version {expected}; re-seed the database with `wic-gql seed`")]
    FormatVersion { found: u8, expected: u8 },

    /// The stored data is not what the last seed wrote: a checksum differs, data the seed
    /// recorded is missing, or sled failed reading its own files.
    #[error("the database{} is damaged: {detail}; re-seed it with `wic-gql seed`", at(.path))]
    Damaged {
        path: Option<PathBuf>,
        detail: String,
    },

    /// A read or write of the database's files failed (a full disk, its lock, the
    /// pointer, a generation's directory).
    #[error("input/output error in the database at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The directory holds a database of the layout older versions wrote (one sled
    /// database in the directory itself, no generation directories).
    #[error("the database at {path} was written by an older wic-gql (one sled database, not a directory per generation); re-seed it with `wic-gql seed --db {}` (the seed replaces it)", .path.display())]
    OldLayout { path: PathBuf },

    /// A write to a pinned, read-only view of one generation.
    #[error("a pinned generation is read-only; seed the store it was pinned from")]
    ReadOnly,

    /// A key did not have the shape the keys module builds.
    #[error("malformed key in table {table}: {detail}")]
    MalformedKey { table: &'static str, detail: String },
}

/// " at PATH", or nothing for a store without one.
fn at(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!(" at {}", p.display()))
        .unwrap_or_default()
}
