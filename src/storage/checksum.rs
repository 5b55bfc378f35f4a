//! The checksum of one generation: SHA-256 over every entry of every data table.
//!
//! Written by the seed beside the generation pointer (in the same atomic batch), checked by
//! `wic-gql verify` and at `serve`'s start. It covers the bytes the graph layer wrote, in
//! key order, never sled's own layout, so two databases seeded from the same files have
//! the same checksum on any machine: it is also the data hash `/health` reports.

use sha2::{Digest, Sha256};

use super::Table;

/// A checksum being computed: feed it each table's entries in key order, tables in
/// [`Table::ALL`] order.
pub struct Checksum {
    hasher: Sha256,
}

impl Default for Checksum {
    fn default() -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"wic-gql generation checksum v1");
        Checksum { hasher }
    }
}

impl Checksum {
    /// Starts the entries of `table`.
    pub fn table(&mut self, table: Table) {
        self.hasher.update([0xff]);
        self.hasher.update(table.name().as_bytes());
    }

    /// One entry; lengths come first, so that no two sequences of entries hash alike.
    pub fn entry(&mut self, key: &[u8], value: &[u8]) {
        self.hasher.update([0x00]);
        self.hasher.update((key.len() as u64).to_be_bytes());
        self.hasher.update(key);
        self.hasher.update((value.len() as u64).to_be_bytes());
        self.hasher.update(value);
    }

    /// The checksum, as lowercase hex.
    pub fn finish(self) -> String {
        crate::hex::encode(&self.hasher.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Entries<'a> = &'a [(&'a [u8], &'a [u8])];

    fn of(tables: &[(Table, Entries)]) -> String {
        let mut checksum = Checksum::default();
        for (table, entries) in tables {
            checksum.table(*table);
            for (k, v) in *entries {
                checksum.entry(k, v);
            }
        }
        checksum.finish()
    }

    #[test]
    fn entries_are_delimited_and_tables_named() {
        let a = of(&[(Table::Records, &[(b"ab", b"c")])]);
        assert_eq!(a.len(), 64);
        assert_ne!(a, of(&[(Table::Records, &[(b"a", b"bc")])]));
        assert_ne!(a, of(&[(Table::Search, &[(b"ab", b"c")])]));
        assert_ne!(a, of(&[(Table::Records, &[(b"ab", b"c"), (b"", b"")])]));
        assert_eq!(a, of(&[(Table::Records, &[(b"ab", b"c")])]));
    }
}
