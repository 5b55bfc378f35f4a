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
