//! The typed relations between records, and which kinds each may join.

use serde::{Deserialize, Serialize};

use super::model::{Citation, RecordKind};
use RecordKind::*;

/// A relation type. The tag is part of stored keys: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    HeldIn,
    PartOf,
    HeadquarteredIn,
    BuildsOn,
    Projects,
    Discusses,
    ActsIn,
    ParticipatesIn,
    Organizes,
    Establishes,
    Initiated,
    Names,
    Describes,
    Exemplifies,
    Underlies,
    References,
    ReportsOn,
    WillShapePlatformFor,
    Developed,
    Triggered,
    PushedForward,
    DueTo,
    InTermsOf,
    NarrowerThan,
    ActsOn,
    EditionOf,
    AppendedTo,
}

impl Relation {
    /// Every relation type, in the order of their tags.
    pub const ALL: [Relation; 27] = [
        Relation::HeldIn,
        Relation::PartOf,
        Relation::HeadquarteredIn,
        Relation::BuildsOn,
        Relation::Projects,
        Relation::Discusses,
        Relation::ActsIn,
        Relation::ParticipatesIn,
        Relation::Organizes,
        Relation::Establishes,
        Relation::Initiated,
        Relation::Names,
        Relation::Describes,
        Relation::Exemplifies,
        Relation::Underlies,
        Relation::References,
        Relation::ReportsOn,
        Relation::WillShapePlatformFor,
        Relation::Developed,
        Relation::Triggered,
        Relation::PushedForward,
        Relation::DueTo,
        Relation::InTermsOf,
        Relation::NarrowerThan,
        Relation::ActsOn,
        Relation::EditionOf,
        Relation::AppendedTo,
    ];

    /// The byte that stands for this relation in keys.
    pub fn tag(self) -> u8 {
        self as u8
    }

    /// The relation's name in seed files (`acts_in`).
    pub fn name(self) -> &'static str {
        match self {
            Relation::HeldIn => "held_in",
            Relation::PartOf => "part_of",
            Relation::HeadquarteredIn => "headquartered_in",
            Relation::BuildsOn => "builds_on",
            Relation::Projects => "projects",
            Relation::Discusses => "discusses",
            Relation::ActsIn => "acts_in",
            Relation::ParticipatesIn => "participates_in",
            Relation::Organizes => "organizes",
            Relation::Establishes => "establishes",
            Relation::Initiated => "initiated",
            Relation::Names => "names",
            Relation::Describes => "describes",
            Relation::Exemplifies => "exemplifies",
            Relation::Underlies => "underlies",
            Relation::References => "references",
            Relation::ReportsOn => "reports_on",
            Relation::WillShapePlatformFor => "will_shape_platform_for",
            Relation::Developed => "developed",
            Relation::Triggered => "triggered",
            Relation::PushedForward => "pushed_forward",
            Relation::DueTo => "due_to",
            Relation::InTermsOf => "in_terms_of",
            Relation::NarrowerThan => "narrower_than",
            Relation::ActsOn => "acts_on",
            Relation::EditionOf => "edition_of",
            Relation::AppendedTo => "appended_to",
        }
    }

    /// The pairs of kinds this relation may join, as `(from, to)` alternatives.
    pub fn endpoints(self) -> (&'static [RecordKind], &'static [RecordKind]) {
        const ANY: &[RecordKind] = &RecordKind::ALL;
        match self {
            Relation::HeldIn => (&[Event], &[Place]),
            Relation::PartOf => (&[Place, Actor], &[Place, Actor]),
            Relation::HeadquarteredIn => (&[Actor], &[Place]),
            Relation::BuildsOn => (&[Event, Actor, Document], &[Document]),
            Relation::Projects => (&[Event, Actor, Document], &[Trend]),
            Relation::Discusses => (&[Event], &[Topic]),
            Relation::ActsIn => (&[Actor], &[Trend]),
            Relation::ParticipatesIn => (&[Actor], &[Event]),
            Relation::Organizes => (&[Actor], &[Event]),
            Relation::Establishes => (&[Event], &[Actor]),
            Relation::Initiated => (&[Actor], &[Actor]),
            Relation::Names => (&[Trend], &[Topic]),
            Relation::Describes => (&[Statistic], ANY),
            Relation::Exemplifies => (&[Topic], &[Topic]),
            Relation::Underlies => (&[Topic], &[Topic]),
            Relation::References => (&[Event, Trend, Document], &[Document]),
            Relation::ReportsOn => (&[Document], &[Event]),
            Relation::WillShapePlatformFor => (&[Topic], &[Topic]),
            Relation::Developed => (&[Actor], &[Document]),
            Relation::Triggered => (&[Topic], &[Topic]),
            Relation::PushedForward => (&[Topic], &[Topic]),
            Relation::DueTo => (&[Topic], &[Topic]),
            Relation::InTermsOf => (&[Topic], &[Topic]),
            Relation::NarrowerThan => (&[Topic], &[Topic]),
            Relation::ActsOn => (&[Actor], &[Topic]),
            Relation::EditionOf => (&[Event], &[Actor]),
            Relation::AppendedTo => (&[Document], &[Document]),
        }
    }

    /// Whether `from → to` is a valid pair for this relation. `part_of` joins like kinds only.
    pub fn joins(self, from: RecordKind, to: RecordKind) -> bool {
        let (froms, tos) = self.endpoints();
        let same_kind_only = self == Relation::PartOf;
        froms.contains(&from) && tos.contains(&to) && (!same_kind_only || from == to)
    }

    /// Whether an edge of this type must say what role its source plays.
    pub fn requires_role(self) -> bool {
        matches!(self, Relation::ActsIn | Relation::ActsOn)
    }
}

/// Which way to follow a relation from a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the record to the records it points at.
    Outgoing,
    /// From the record to the records that point at it.
    Incoming,
}

/// One stored relation between two records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub relation: Relation,
    pub to: String,
    /// What the source record does in the relation, in the text's words.
    pub role: Option<String>,
    pub citations: Vec<Citation>,
    /// The edge's place in seed order; unique across all edges.
    pub position: u32,
}

impl Edge {
    /// The slug at the other end, seen from `direction`.
    pub fn far_end(&self, direction: Direction) -> &str {
        match direction {
            Direction::Outgoing => &self.to,
            Direction::Incoming => &self.from,
        }
    }
}

/// Where the edges of some relations lie in an edge list, which is in relation order, then
/// seed order ([`super::Graph::edges`]): one run per relation, found by binary search, in
/// list order. A connection pages them without testing every edge of the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdgeRuns(Vec<std::ops::Range<usize>>);

impl EdgeRuns {
    /// The runs of `relations` (every edge when empty) in `edges`.
    pub fn of(edges: &[Edge], relations: &[Relation]) -> Self {
        if relations.is_empty() {
            return EdgeRuns(std::iter::once(0..edges.len()).collect());
        }
        let mut tags: Vec<u8> = relations.iter().map(|r| r.tag()).collect();
        tags.sort_unstable();
        tags.dedup();
        let runs = tags
            .into_iter()
            .map(|tag| {
                let start = edges.partition_point(|e| e.relation.tag() < tag);
                let end = start + edges[start..].partition_point(|e| e.relation.tag() == tag);
                start..end
            })
            .filter(|run| !run.is_empty())
            .collect();
        EdgeRuns(runs)
    }

    /// How many edges the runs hold.
    pub fn len(&self) -> usize {
        self.0.iter().map(|run| run.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The index in the edge list of the `n`th edge of the runs.
    pub fn get(&self, mut n: usize) -> Option<usize> {
        for run in &self.0 {
            if n < run.len() {
                return Some(run.start + n);
            }
            n -= run.len();
        }
        None
    }

    /// The indexes in the edge list of the runs' edges at `positions` (those before their end).
    pub fn indexes(&self, positions: std::ops::Range<usize>) -> Vec<usize> {
        positions.map_while(|n| self.get(n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every subset of relations, given in any order and with repeats, finds the edges the
    /// naive filter finds, in list order.
    #[test]
    fn edge_runs_find_what_filtering_every_edge_finds() {
        let relations = [
            Relation::HeldIn,
            Relation::PartOf,
            Relation::ActsIn,
            Relation::Projects,
            Relation::Describes,
        ];
        // An edge list in relation order: none of `PartOf`, three of `ActsIn`, ...
        let mut edges: Vec<Edge> = (0u32..)
            .zip([0, 2, 2, 2, 3, 4, 4, 0, 4])
            .map(|(position, r)| Edge {
                from: format!("a{position}"),
                relation: relations[r],
                to: format!("b{position}"),
                role: None,
                citations: Vec::new(),
                position,
            })
            .collect();
        edges.sort_by_key(|e| (e.relation.tag(), e.position));
        for subset in 0u32..1 << relations.len() {
            let mut asked: Vec<Relation> = (0..relations.len())
                .filter(|i| subset & (1 << i) != 0)
                .map(|i| relations[i])
                .collect();
            asked.reverse();
            asked.extend(asked.clone());
            let naive: Vec<usize> = (0..edges.len())
                .filter(|&i| asked.is_empty() || asked.contains(&edges[i].relation))
                .collect();
            let runs = EdgeRuns::of(&edges, &asked);
            assert_eq!(runs.len(), naive.len(), "{asked:?}");
            assert_eq!(runs.indexes(0..naive.len() + 2), naive, "{asked:?}");
            for (n, &i) in naive.iter().enumerate() {
                assert_eq!(runs.get(n), Some(i));
                assert_eq!(runs.indexes(n..n + 2), naive[n..(n + 2).min(naive.len())]);
            }
        }
    }
}
