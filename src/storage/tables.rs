//! The names of the tables (sled trees): the only place they are spelled.

/// A data table. Every seed writes a fresh generation of each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// The records and their edges (the graph lays out keys and values).
    Records,
    /// The top-level lists, each in its order.
    Lists,
    /// The full-text index.
    Search,
}

impl Table {
    /// Every data table, in a fixed order.
    pub const ALL: [Table; 3] = [Table::Records, Table::Lists, Table::Search];

    /// The table's name inside a generation (`g7/records`).
    pub fn name(self) -> &'static str {
        match self {
            Table::Records => "records",
            Table::Lists => "lists",
            Table::Search => "search",
        }
    }

    /// The sled tree that holds this table in generation `generation`.
    pub fn tree_name(self, generation: u64) -> String {
        format!("g{generation}/{}", self.name())
    }
}

/// The metadata tree (sled's default tree): the current generation pointer and the seed summary (the format version is a byte in front of each value).
pub(crate) const META_CURRENT_GENERATION: &[u8] = b"current_generation";
/// The current generation's checksum (hex), written in the same batch as the pointer.
pub(crate) const META_CHECKSUM: &[u8] = b"checksum";
