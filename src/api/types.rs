//! The small shared GraphQL types: the Date scalar, enums mirrored from the domain,
//! citations, filters and ordering.

use async_graphql::{
    Enum, InputObject, InputValueError, InputValueResult, Object, Scalar, ScalarType, Value,
};
use chrono::NaiveDate;

use crate::graph;

/// A calendar date in ISO 8601 form, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// The custom scalars' input rules, for validation before execution
/// (`super::prepare`): the same parse as execution's.
pub const SCALARS: [(&str, super::prepare::ScalarCheck); 1] = [("Date", |value| {
    Date::parse(value.clone())
        .map(|_| ())
        .map_err(|e| e.into_server_error(Default::default()).message)
})];

/// A calendar date in ISO 8601 form, `YYYY-MM-DD` (`2017-12-03`).
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.iso.org/iso-8601-date-and-time-format.html"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|_| s.len() == 10)
                .map(Date)
                .ok_or_else(|| {
                    InputValueError::custom(format!("malformed date {s:?}: expected YYYY-MM-DD"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// The kind of a record: which GraphQL type it is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "graph::RecordKind")]
pub enum RecordKind {
    /// A text: the source report, an outcome document, a plan.
    Document,
    /// A conference or a founding.
    Event,
    /// One of the five trends the conference projects.
    Trend,
    /// An organization, government, company, agency or group of people.
    Actor,
    /// A town, province or country.
    Place,
    /// A technology, service or subject.
    Topic,
    /// A figure the source gives.
    Statistic,
}

/// What sort of document.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "graph::DocumentKind")]
pub enum DocumentKind {
    /// A report, such as the source document itself.
    Report,
    /// An initiative, such as the Wuzhen Initiative.
    Initiative,
    /// A development agenda, such as the UN 2030 SDGs.
    Agenda,
    /// An action plan.
    Plan,
    /// A national strategy.
    Strategy,
    /// Laws and regulations.
    Regulation,
    /// A note added to another document, such as the paragraph on the WIC organization
    /// that follows the 2017 report in the source.
    Note,
}

/// What sort of event.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "graph::EventKind")]
pub enum EventKind {
    /// A conference, such as the Wuzhen Summit.
    Conference,
    /// The establishment of an organization.
    Founding,
}

/// What sort of actor.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "graph::ActorKind")]
pub enum ActorKind {
    /// An international organization (UN, ITU, WIC, ...).
    InternationalOrganization,
    /// A grouping of countries (G20, BRICS, "many countries").
    CountryGrouping,
    /// Governments.
    Government,
    /// A company.
    Company,
    /// A public agency or technical centre.
    Agency,
    /// A research institute or laboratory.
    ResearchInstitute,
    /// An industry association.
    IndustryAssociation,
    /// The body that organizes an event.
    OrganizingBody,
    /// A group of people or of parties (Internet users, academia, ...).
    StakeholderGroup,
}

/// Where a record's kind comes from.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "graph::KindBasis")]
pub enum KindBasis {
    /// The source's own words say it ("established as an international organization").
    Text,
    /// General knowledge: the source names the record but does not say what sort it is.
    GeneralKnowledge,
}

/// The administrative level of a place.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "graph::PlaceKind")]
pub enum PlaceKind {
    /// A town or city.
    Locality,
    /// A province.
    Province,
    /// A country.
    Country,
}

/// What sort of topic.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "graph::TopicKind")]
pub enum TopicKind {
    /// A technology (artificial intelligence, IPv6, ...).
    Technology,
    /// An Internet-enabled service (social networks, online education, ...).
    Service,
    /// A subject of discussion or concern (digital economy, the digital divide, ...).
    Subject,
}

/// How the source qualifies a figure.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "graph::Qualifier")]
pub enum Qualifier {
    /// "more than".
    MoreThan,
    /// "over".
    Over,
    /// "exceeds".
    Exceeds,
    /// "a half of".
    Half,
}

/// A typed relation between two records.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "graph::Relation")]
pub enum RelationType {
    /// Event → place where it took place.
    HeldIn,
    /// Place → larger place; group → larger group.
    PartOf,
    /// Organization → place of its headquarters.
    HeadquarteredIn,
    /// Event, actor or document → earlier document it builds on.
    BuildsOn,
    /// Event, actor or document → trend it projects.
    Projects,
    /// Event → topic discussed there.
    Discusses,
    /// Actor → trend it has a role in.
    ActsIn,
    /// Actor → event it took part in.
    ParticipatesIn,
    /// Actor → event it organizes.
    Organizes,
    /// Event → organization it establishes.
    Establishes,
    /// Initiator → organization it jointly initiated.
    Initiated,
    /// Trend → technology, service or subject it names.
    Names,
    /// Statistic → record it is about.
    Describes,
    /// Topic → broader topic it is an example of.
    Exemplifies,
    /// Technology → what it underlies (the role, where given, says what exactly).
    Underlies,
    /// Event, trend or document → document it refers to.
    References,
    /// Document → event it reports on.
    ReportsOn,
    /// Technology → technologies it is going to shape a platform for (a future, as the
    /// source says it).
    WillShapePlatformFor,
    /// Actor → document it developed or formulated (the role gives the text's verb).
    Developed,
    /// Topic → what it has triggered.
    Triggered,
    /// Topic → what it pushed forward.
    PushedForward,
    /// Topic → a cause the source gives for it ("due to").
    DueTo,
    /// Topic → what it is defined in terms of.
    InTermsOf,
    /// Topic → the broader topic it is a form, part, change or aspect of, as its name in
    /// the source says.
    NarrowerThan,
    /// Actor → topic it acts on; the role gives what it does, in the text's words.
    ActsOn,
    /// Event → the conference (now an organization) it is an edition of.
    EditionOf,
    /// Document → the document it follows in the source, as an added note.
    AppendedTo,
}

/// Which way to follow relations from a record.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RelationDirection {
    /// To the records this record points at.
    Outgoing,
    /// To the records that point at this record.
    Incoming,
}

impl From<RelationDirection> for graph::Direction {
    fn from(d: RelationDirection) -> Self {
        match d {
            RelationDirection::Outgoing => graph::Direction::Outgoing,
            RelationDirection::Incoming => graph::Direction::Incoming,
        }
    }
}

/// A citation as the schema returns it: borrowed from the cached record or edge it belongs
/// to, each field read only when a query asks for it (a nested page holds hundreds).
pub struct Citation<'a>(pub &'a graph::Citation);

/// Where a fact stands in the source document.
// `serial` as for records (see `record_object!`).
#[Object(serial)]
impl Citation<'_> {
    /// The section: `intro`, `I`–`V`, `closing` or `organization`.
    async fn section(&self) -> &str {
        self.section_of()
    }

    /// The paragraph within the section, from 1 (in sections I–V, 1 is the heading).
    async fn paragraph(&self) -> u32 {
        self.paragraph_of()
    }

    /// The exact words of the source the fact rests on.
    async fn quote(&self) -> &str {
        self.quote_of()
    }
}

// The bodies of the fields, which the `#[Object]` methods and the planned executor
// (`super::plan`) both call.
impl Citation<'_> {
    fn section_of(&self) -> &str {
        &self.0.section
    }

    fn paragraph_of(&self) -> u32 {
        self.0.paragraph
    }

    fn quote_of(&self) -> &str {
        &self.0.quote
    }

    /// The planned executor's resolver of the field named `name`, its value written as
    /// JSON.
    pub(crate) fn planned_field(name: &str) -> Option<super::plan::CitationFn> {
        use super::plan::Emit as _;
        let field: super::plan::CitationFn = match name {
            "section" => |c, out| c.section_of().emit(out),
            "paragraph" => |c, out| c.paragraph_of().emit(out),
            "quote" => |c, out| c.quote_of().emit(out),
            _ => return None,
        };
        Some(field)
    }
}

/// Filters shared by every list. All given conditions must hold.
#[derive(InputObject, Default, Clone, Debug)]
pub struct RecordFilter {
    /// Every word must occur in the record's name, aliases, statement, paragraphs or quotes.
    pub text: Option<String>,
    /// Records whose date (event days, founding day, document year) falls in this year.
    pub year: Option<i32>,
    /// Records whose date is on or after this day.
    pub from: Option<Date>,
    /// Records whose date is on or before this day.
    pub to: Option<Date>,
}

/// The field a list is sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum RecordOrderField {
    /// The order of the seed data, which follows the source text.
    #[default]
    Position,
    /// The name, alphabetically.
    Name,
    /// The date (start day, founding day, year); undated records last.
    Date,
}

/// Ascending or descending.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// How a list is sorted.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct RecordOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: RecordOrderField,
    /// The direction.
    #[graphql(default)]
    pub direction: OrderDirection,
}
