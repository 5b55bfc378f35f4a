//! The shapes of the seed files' records, as people write them in TOML.
//!
//! Each record is parsed on its own (see [`super::parse`]), so one bad record does not
//! hide the problems of the next. `deny_unknown_fields` catches misspelt keys.

use serde::Deserialize;
use toml::Spanned;

use crate::graph::{
    ActorKind, DocumentKind, EventKind, KindBasis, PlaceKind, Qualifier, Relation, TopicKind,
};

/// The arrays a seed file may hold, in the order records of each kind are numbered.
pub const ARRAYS: [&str; 8] = [
    "document",
    "event",
    "trend",
    "actor",
    "place",
    "topic",
    "statistic",
    "relation",
];

/// `{ section = "I", paragraph = 2, quote = "..." }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiteSeed {
    pub section: Spanned<String>,
    pub paragraph: Spanned<u32>,
    pub quote: Spanned<String>,
}

/// A date written as a TOML local date (`2017-12-03`) or a string (`"2017-12-03"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum DateSeed {
    Toml(toml::value::Datetime),
    Text(String),
}

impl DateSeed {
    pub fn text(&self) -> String {
        match self {
            DateSeed::Toml(d) => d.to_string(),
            DateSeed::Text(s) => s.clone(),
        }
    }
}

macro_rules! record_seed {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            pub id: Spanned<String>,
            pub name: String,
            #[serde(default)]
            pub aliases: Vec<String>,
            pub cite: Spanned<Vec<Spanned<CiteSeed>>>,
            $($(#[$fmeta])* pub $field: $ty),*
        }
    };
}

record_seed!(
    /// `[[document]]`
    DocumentSeed {
        kind: DocumentKind,
        /// Where `kind` comes from: `text` or `general_knowledge`.
        kind_basis: KindBasis,
        year: Option<i32>,
        /// `true` when the source gives no title and `name` is a description.
        descriptive_name: Option<bool>,
        file: Option<Spanned<String>>,
        sections: Option<Vec<Spanned<SectionSeed>>>,
    }
);
record_seed!(
    /// `[[event]]`
    EventSeed {
        kind: EventKind,
        /// Where `kind` comes from: `text` or `general_knowledge`.
        kind_basis: KindBasis,
        /// `true` when the text names the event in no words of its own and `name` is a
        /// description.
        descriptive_name: Option<bool>,
        start: Spanned<DateSeed>,
        end: Option<Spanned<DateSeed>>,
        theme: Option<String>,
    }
);
record_seed!(
    /// `[[trend]]`
    TrendSeed {
        numeral: Spanned<String>,
        statement: Spanned<String>,
    }
);
record_seed!(
    /// `[[actor]]`
    ActorSeed {
        kind: ActorKind,
        /// Where `kind` comes from: `text` or `general_knowledge`.
        kind_basis: KindBasis,
        founded: Option<Spanned<DateSeed>>,
    }
);
record_seed!(
    /// `[[place]]`
    PlaceSeed {
        kind: PlaceKind,
        /// Where `kind` comes from: `text` or `general_knowledge`.
        kind_basis: KindBasis,
    }
);
record_seed!(
    /// `[[topic]]`
    TopicSeed {
        kind: TopicKind,
        /// Where `kind` comes from: `text` or `general_knowledge`.
        kind_basis: KindBasis,
    }
);
record_seed!(
    /// `[[statistic]]`
    StatisticSeed {
        /// `true` when the text gives the figure no name and `name` is a description.
        descriptive_name: Option<bool>,
        text: String,
        value: Option<f64>,
        unit: Option<String>,
        qualifier: Option<Qualifier>,
    }
);

/// `{ id = "I", starts_with = "I. Digital transformation" }` on the source document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSeed {
    pub id: String,
    pub starts_with: String,
}

/// `[[relation]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationSeed {
    pub from: Spanned<String>,
    #[serde(rename = "type")]
    pub relation: Spanned<Relation>,
    pub to: Spanned<String>,
    pub role: Option<String>,
    pub cite: Spanned<Vec<Spanned<CiteSeed>>>,
    /// Why the quotes do not name both ends, where that is deliberate.
    pub implicit: Option<Spanned<String>>,
}

/// One parsed record of any kind.
#[derive(Debug)]
pub enum ParsedSeed {
    Document(DocumentSeed),
    Event(EventSeed),
    Trend(TrendSeed),
    Actor(ActorSeed),
    Place(PlaceSeed),
    Topic(TopicSeed),
    Statistic(StatisticSeed),
    Relation(RelationSeed),
}

impl ParsedSeed {
    /// Parses the body of one `[[array]]` block as the record type of `array`.
    pub fn parse(array: &str, body: &str) -> Result<Self, toml::de::Error> {
        Ok(match array {
            "document" => ParsedSeed::Document(toml::from_str(body)?),
            "event" => ParsedSeed::Event(toml::from_str(body)?),
            "trend" => ParsedSeed::Trend(toml::from_str(body)?),
            "actor" => ParsedSeed::Actor(toml::from_str(body)?),
            "place" => ParsedSeed::Place(toml::from_str(body)?),
            "topic" => ParsedSeed::Topic(toml::from_str(body)?),
            "statistic" => ParsedSeed::Statistic(toml::from_str(body)?),
            "relation" => ParsedSeed::Relation(toml::from_str(body)?),
            other => unreachable!("array `{other}` is checked against ARRAYS first"),
        })
    }
}
