//! The names of the tables (sled trees): the only place they are spelled.

/// A data table. Every seed writes a fresh generation of each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// slug → record.
    Records,
    /// kind · position → slug: records of a kind in seed order.
    ByKind,
    /// from · relation · position → edge: the relations leaving a record.
    EdgesOut,
    /// to · relation · position → edge: the relations arriving at a record.
    EdgesIn,
    /// token · slug · field → term frequency: the full-text index.
    Search,
}

impl Table {
    /// Every data table, in a fixed order.
    pub const ALL: [Table; 5] = [
        Table::Records,
        Table::ByKind,
        Table::EdgesOut,
        Table::EdgesIn,
        Table::Search,
    ];

    /// The table's name inside a generation (`g7/records`).
    pub fn name(self) -> &'static str {
        match self {
            Table::Records => "records",
            Table::ByKind => "by_kind",
            Table::EdgesOut => "edges_out",
            Table::EdgesIn => "edges_in",
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
