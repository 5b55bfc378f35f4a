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

    /// The table's name: its sled tree in each generation's database.
    pub fn name(self) -> &'static str {
        match self {
            Table::Records => "records",
            Table::Lists => "lists",
            Table::Search => "search",
        }
    }
}

/// The metadata tree (sled's default tree of each generation's database): the
/// generation's number and the seed summary (the format version is a byte in front of each
/// value).
pub(crate) const META_CURRENT_GENERATION: &[u8] = b"current_generation";
/// The generation's checksum (hex), also named by the directory's pointer file.
pub(crate) const META_CHECKSUM: &[u8] = b"checksum";
