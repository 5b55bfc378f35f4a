//! The records of the knowledge graph as they are stored: plain serde structs, not API types.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::source::SourceText;

/// Whether `s` can be a record's slug: lowercase ASCII letters and digits in groups
/// joined by single hyphens. Stored keys rely on it (no separator byte inside a slug).
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The seven kinds of record. The tag is part of stored keys: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RecordKind {
    Document,
    Event,
    Trend,
    Actor,
    Place,
    Topic,
    Statistic,
}

impl RecordKind {
    /// Every kind, in the order of their tags.
    pub const ALL: [RecordKind; 7] = [
        RecordKind::Document,
        RecordKind::Event,
        RecordKind::Trend,
        RecordKind::Actor,
        RecordKind::Place,
        RecordKind::Topic,
        RecordKind::Statistic,
    ];

    /// The byte that stands for this kind in keys.
    pub fn tag(self) -> u8 {
        self as u8
    }

    /// The kind's name in seed files and messages (`actor`).
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Document => "document",
            RecordKind::Event => "event",
            RecordKind::Trend => "trend",
            RecordKind::Actor => "actor",
            RecordKind::Place => "place",
            RecordKind::Topic => "topic",
            RecordKind::Statistic => "statistic",
        }
    }
}

/// Where a fact stands in the source document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Citation {
    /// `intro`, `I`–`V`, `closing` or `organization`.
    pub section: String,
    /// The paragraph within the section, counted from 1.
    pub paragraph: u32,
    /// The exact words of the source the fact rests on.
    pub quote: String,
}

/// One node of the graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The stable, human-readable id (`wic-2017`).
    pub slug: String,
    /// The record's place among the records of its kind, in seed order.
    pub position: u32,
    pub name: String,
    pub aliases: Vec<String>,
    pub citations: Vec<Citation>,
    pub details: Details,
}

/// The fields that only one kind of record has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Details {
    Document(DocumentDetails),
    Event(EventDetails),
    Trend(TrendDetails),
    Actor(ActorDetails),
    Place(PlaceDetails),
    Topic(TopicDetails),
    Statistic(StatisticDetails),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentDetails {
    pub kind: DocumentKind,
    /// Where `kind` comes from: the text's own words, or general knowledge.
    pub kind_basis: KindBasis,
    pub year: Option<i32>,
    /// Whether `name` is a description of ours because the source gives the document no
    /// title (its words, where it has them, but not a title).
    pub descriptive_name: bool,
    /// The full text, for the source document only.
    pub source: Option<SourceText>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetails {
    pub kind: EventKind,
    /// Where `kind` comes from: the text's own words, or general knowledge.
    pub kind_basis: KindBasis,
    /// Whether `name` is a description of ours because the source names the event in no
    /// words of its own.
    pub descriptive_name: bool,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub theme: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendDetails {
    /// `I`–`V`, also the trend's section in the source.
    pub numeral: String,
    /// 1–5, the numeral's value.
    pub ordinal: u32,
    pub statement: String,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorDetails {
    pub kind: ActorKind,
    /// Where `kind` comes from: the text's own words, or general knowledge.
    pub kind_basis: KindBasis,
    pub founded: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceDetails {
    pub kind: PlaceKind,
    /// Where `kind` comes from: the text's own words, or general knowledge.
    pub kind_basis: KindBasis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicDetails {
    pub kind: TopicKind,
    /// Where `kind` comes from: the text's own words, or general knowledge.
    pub kind_basis: KindBasis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatisticDetails {
    /// Whether `name` is a description of ours because the source gives the figure no
    /// name (`text` is always its words).
    pub descriptive_name: bool,
    /// The figure as the source words it (`more than 1500`).
    pub text: String,
    /// The number, only where the source gives one.
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub qualifier: Option<Qualifier>,
}

macro_rules! seed_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The variant's number, in declaration order: part of the keys of the lists of
            /// one sort of record (`lists.rs`), so never reorder the variants.
            pub fn tag(self) -> u8 {
                self as u8
            }
        }
    };
}

seed_enum!(
    /// What sort of text a document is.
    DocumentKind { Report, Initiative, Agenda, Plan, Strategy, Regulation, Note }
);
seed_enum!(
    /// What sort of event.
    EventKind { Conference, Founding }
);
seed_enum!(
    /// What sort of actor.
    ActorKind {
        InternationalOrganization,
        CountryGrouping,
        Government,
        Company,
        Agency,
        ResearchInstitute,
        IndustryAssociation,
        OrganizingBody,
        StakeholderGroup,
    }
);
seed_enum!(
    /// Where a record's kind comes from.
    KindBasis { Text, GeneralKnowledge }
);
seed_enum!(
    /// The administrative level of a place.
    PlaceKind { Locality, Province, Country }
);
seed_enum!(
    /// Technology, service, or subject of discussion.
    TopicKind { Technology, Service, Subject }
);
seed_enum!(
    /// How the source qualifies a figure.
    Qualifier { MoreThan, Over, Exceeds, Half }
);

impl Record {
    /// The record's kind, read off its details.
    pub fn kind(&self) -> RecordKind {
        match self.details {
            Details::Document(_) => RecordKind::Document,
            Details::Event(_) => RecordKind::Event,
            Details::Trend(_) => RecordKind::Trend,
            Details::Actor(_) => RecordKind::Actor,
            Details::Place(_) => RecordKind::Place,
            Details::Topic(_) => RecordKind::Topic,
            Details::Statistic(_) => RecordKind::Statistic,
        }
    }

    /// The number of the record's sort within its kind (an actor's `ActorKind`, …), for
    /// the lists of one sort; `None` for the kinds without sorts (trends, statistics).
    pub fn subkind(&self) -> Option<u8> {
        match &self.details {
            Details::Document(d) => Some(d.kind.tag()),
            Details::Event(e) => Some(e.kind.tag()),
            Details::Actor(a) => Some(a.kind.tag()),
            Details::Place(p) => Some(p.kind.tag()),
            Details::Topic(t) => Some(t.kind.tag()),
            Details::Trend(_) | Details::Statistic(_) => None,
        }
    }

    /// The days a record covers, for date filters: an event's span, an actor's founding
    /// day, a document's year. `None` for records without a date.
    pub fn date_span(&self) -> Option<(NaiveDate, NaiveDate)> {
        match &self.details {
            Details::Event(e) => Some((e.start, e.end.unwrap_or(e.start))),
            Details::Actor(a) => a.founded.map(|d| (d, d)),
            Details::Document(d) => d.year.and_then(|y| {
                Some((
                    NaiveDate::from_ymd_opt(y, 1, 1)?,
                    NaiveDate::from_ymd_opt(y, 12, 31)?,
                ))
            }),
            _ => None,
        }
    }
}
