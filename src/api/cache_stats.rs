//! What a cache holds and how often it answered: the figures `/metrics` shows for the
//! document cache here and the persisted-query cache of the HTTP layer.

use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicU64, Ordering};

use quick_cache::sync::Cache;
use quick_cache::{Lifecycle, Weighter};

/// A cache's size and lookups at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    pub entries: u64,
    /// The weight held: an estimate of the bytes.
    pub bytes: u64,
    pub capacity_bytes: u64,
    pub hits: u64,
    pub misses: u64,
}

impl CacheStats {
    /// The figures of `cache`, with the lookups `lookups` counted (zero when not counted).
    pub fn of<K, V, W, B, L>(cache: &Cache<K, V, W, B, L>, lookups: Option<&Lookups>) -> Self
    where
        K: Eq + Hash,
        V: Clone,
        W: Weighter<K, V> + Clone,
        B: BuildHasher + Clone,
        L: Lifecycle<K, V> + Clone,
    {
        CacheStats {
            entries: cache.len() as u64,
            bytes: cache.weight(),
            capacity_bytes: cache.capacity(),
            hits: lookups.map_or(0, |l| l.hits.load(Ordering::Relaxed)),
            misses: lookups.map_or(0, |l| l.misses.load(Ordering::Relaxed)),
        }
    }
}

/// Counts of a cache's hits and misses. A cache holds one only when metrics are on, so
/// with metrics off a lookup costs no atomic write.
#[derive(Debug, Default)]
pub struct Lookups {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Lookups {
    /// Counts one lookup, if `lookups` counts.
    pub fn count(lookups: Option<&Lookups>, hit: bool) {
        if let Some(lookups) = lookups {
            let counter = if hit { &lookups.hits } else { &lookups.misses };
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}
