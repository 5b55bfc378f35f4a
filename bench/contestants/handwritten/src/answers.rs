//! The seven answers, each read from the store and written as wic-gql writes it: the same
//! keys in the same order, the same enum spellings, the same number formatting (serde_json
//! is what async-graphql serializes with), the same page sizes and orders.
//!
//! Reads go through the same `Graph` methods as wic-gql's, batched per nesting level as
//! its DataLoaders batch them: one `Graph::edges_shared` call per direction for all the
//! records of a level, then one `Graph::records_shared` call for every record at the far
//! ends of those edges (both serve decoded entries from the graph's shared cache, as they
//! do for wic-gql); `records_of_kind` for the list and `search` for the search, as there.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize, Serializer};
use wic_gql::graph::{
    is_slug, ActorKind, Citation, Details, Direction, DocumentKind, Edge, Graph, GraphError,
    Qualifier, Record, RecordKind, Relation, TopicKind,
};

/// The page size of a connection asked for without `first` or `last` (wic-gql's default).
const DEFAULT_PAGE: usize = 100;

/// The largest `first` wic-gql serves (its `--max-page-size` default); Q5's variables must
/// be within 0 and this.
pub const MAX_PAGE: i32 = 500;

/// A relation followed from a record, as one connection field of the schema declares it:
/// which way, which relation types, and the kind of record it lists.
struct Hop {
    direction: Direction,
    relations: &'static [Relation],
    kind: RecordKind,
}

/// `Event.trends` and `Actor.projects`
const EVENT_TRENDS: Hop = Hop {
    direction: Direction::Outgoing,
    relations: &[Relation::Projects],
    kind: RecordKind::Trend,
};
/// `Event.topics`
const EVENT_TOPICS: Hop = Hop {
    direction: Direction::Outgoing,
    relations: &[Relation::Discusses],
    kind: RecordKind::Topic,
};
/// `Trend.topics`
const TREND_TOPICS: Hop = Hop {
    direction: Direction::Outgoing,
    relations: &[Relation::Names],
    kind: RecordKind::Topic,
};
/// `Trend.actors`
const TREND_ACTORS: Hop = Hop {
    direction: Direction::Incoming,
    relations: &[Relation::ActsIn],
    kind: RecordKind::Actor,
};
/// `Actor.trends`
const ACTOR_TRENDS: Hop = Hop {
    direction: Direction::Outgoing,
    relations: &[Relation::ActsIn],
    kind: RecordKind::Trend,
};
/// `Topic.trends`
const TOPIC_TRENDS: Hop = Hop {
    direction: Direction::Incoming,
    relations: &[Relation::Names],
    kind: RecordKind::Trend,
};

/// What one nesting level reads: the edges of its records, one store call per direction,
/// and the records at the far ends of the edges it follows, in one more call.
struct Level {
    outgoing: HashMap<String, Arc<Vec<Edge>>>,
    incoming: HashMap<String, Arc<Vec<Edge>>>,
    records: HashMap<String, Arc<Record>>,
}

impl Level {
    /// Reads the level where each `(record slug, hop)` is a connection to resolve.
    fn load<'a>(
        graph: &Graph,
        wanted: impl IntoIterator<Item = (&'a str, &'a Hop)>,
    ) -> Result<Level, GraphError> {
        let wanted: Vec<(&str, &Hop)> = wanted.into_iter().collect();
        let anchors = |direction: Direction| -> Vec<String> {
            let unique: HashSet<&str> = wanted
                .iter()
                .filter(|(_, hop)| hop.direction == direction)
                .map(|(slug, _)| *slug)
                .collect();
            unique.into_iter().map(str::to_owned).collect()
        };
        let mut level = Level {
            outgoing: edges(graph, anchors(Direction::Outgoing), Direction::Outgoing)?,
            incoming: edges(graph, anchors(Direction::Incoming), Direction::Incoming)?,
            records: HashMap::new(),
        };
        let far_ends: HashSet<&str> = wanted
            .iter()
            .flat_map(|(slug, hop)| {
                level
                    .edges_of(slug, hop)
                    .map(move |e| e.far_end(hop.direction))
            })
            .collect();
        let slugs: Vec<String> = far_ends.into_iter().map(str::to_owned).collect();
        if !slugs.is_empty() {
            level.records = graph
                .records_shared(&slugs)?
                .into_iter()
                .flatten()
                .map(|r| (r.slug.clone(), r))
                .collect();
        }
        Ok(level)
    }

    /// The edges of `slug` that `hop` follows, in stored order (relation, then seed order).
    fn edges_of<'s>(&'s self, slug: &str, hop: &'s Hop) -> impl Iterator<Item = &'s Edge> {
        let edges = match hop.direction {
            Direction::Outgoing => &self.outgoing,
            Direction::Incoming => &self.incoming,
        };
        edges
            .get(slug)
            .into_iter()
            .flat_map(|list| list.iter())
            .filter(|e| hop.relations.contains(&e.relation))
    }

    /// The first page of the connection `hop` from `slug`: each edge with its far end.
    fn page<'s>(&'s self, slug: &str, hop: &'s Hop) -> Vec<(&'s Edge, &'s Record)> {
        self.first(slug, hop, DEFAULT_PAGE)
    }

    /// The first `first` items of the connection `hop` from `slug` (`first: N`).
    fn first<'s>(&'s self, slug: &str, hop: &'s Hop, first: usize) -> Vec<(&'s Edge, &'s Record)> {
        self.edges_of(slug, hop)
            .filter_map(|e| Some((e, &**self.records.get(e.far_end(hop.direction))?)))
            .filter(|(_, r)| r.kind() == hop.kind)
            .take(first)
            .collect()
    }
}

/// The edges of every anchor in `direction`, in one store call (none without anchors).
fn edges(
    graph: &Graph,
    anchors: Vec<String>,
    direction: Direction,
) -> Result<HashMap<String, Arc<Vec<Edge>>>, GraphError> {
    if anchors.is_empty() {
        return Ok(HashMap::new());
    }
    let lists = graph.edges_shared(&anchors, direction)?;
    Ok(anchors.into_iter().zip(lists).collect())
}

/// The record at `slug` if it is of `kind`, as a lookup field reads it: a string that
/// cannot be a slug names nothing and is not looked up.
fn lookup(graph: &Graph, slug: &str, kind: RecordKind) -> Result<Option<Arc<Record>>, GraphError> {
    if !is_slug(slug) {
        return Ok(None);
    }
    let found = graph.records_shared(&[slug.to_owned()])?;
    Ok(found.into_iter().flatten().find(|r| r.kind() == kind))
}

fn to_json(data: impl Serialize) -> Result<Vec<u8>, GraphError> {
    #[derive(Serialize)]
    struct Response<T> {
        data: T,
    }
    Ok(serde_json::to_vec(&Response { data }).expect("responses serialize"))
}

// ---------------------------------------------------------------------------------------
// Shared output shapes.

/// `{ nodes: [...] }`
#[derive(Serialize)]
struct Nodes<T> {
    nodes: Vec<T>,
}

/// `{ edges: [...] }`
#[derive(Serialize)]
struct Edges<T> {
    edges: Vec<T>,
}

#[derive(Serialize)]
struct Slug<'a> {
    slug: &'a str,
}

#[derive(Serialize)]
struct Numeral<'a> {
    numeral: &'a str,
}

#[derive(Serialize)]
struct SlugName<'a> {
    slug: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct SlugNumeral<'a> {
    slug: &'a str,
    numeral: &'a str,
}

/// `citations { section paragraph quote }`, written straight from the stored citations.
struct Citations<'a>(&'a [Citation]);

impl Serialize for Citations<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            section: &'a str,
            paragraph: u32,
            quote: &'a str,
        }
        serializer.collect_seq(self.0.iter().map(|c| Out {
            section: &c.section,
            paragraph: c.paragraph,
            quote: &c.quote,
        }))
    }
}

/// A value written as a string through its `Display` (dates: `YYYY-MM-DD`).
struct AsString<T>(T);

impl<T: Display> Serialize for AsString<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// The GraphQL type of a record (`__typename`).
fn typename(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Document => "Document",
        RecordKind::Event => "Event",
        RecordKind::Trend => "Trend",
        RecordKind::Actor => "Actor",
        RecordKind::Place => "Place",
        RecordKind::Topic => "Topic",
        RecordKind::Statistic => "Statistic",
    }
}

fn actor_kind(kind: ActorKind) -> &'static str {
    match kind {
        ActorKind::InternationalOrganization => "INTERNATIONAL_ORGANIZATION",
        ActorKind::CountryGrouping => "COUNTRY_GROUPING",
        ActorKind::Government => "GOVERNMENT",
        ActorKind::Company => "COMPANY",
        ActorKind::Agency => "AGENCY",
        ActorKind::ResearchInstitute => "RESEARCH_INSTITUTE",
        ActorKind::IndustryAssociation => "INDUSTRY_ASSOCIATION",
        ActorKind::OrganizingBody => "ORGANIZING_BODY",
        ActorKind::StakeholderGroup => "STAKEHOLDER_GROUP",
    }
}

fn topic_kind(kind: TopicKind) -> &'static str {
    match kind {
        TopicKind::Technology => "TECHNOLOGY",
        TopicKind::Service => "SERVICE",
        TopicKind::Subject => "SUBJECT",
    }
}

fn document_kind(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Report => "REPORT",
        DocumentKind::Initiative => "INITIATIVE",
        DocumentKind::Agenda => "AGENDA",
        DocumentKind::Plan => "PLAN",
        DocumentKind::Strategy => "STRATEGY",
        DocumentKind::Regulation => "REGULATION",
        DocumentKind::Note => "NOTE",
    }
}

fn qualifier(qualifier: Qualifier) -> &'static str {
    match qualifier {
        Qualifier::MoreThan => "MORE_THAN",
        Qualifier::Over => "OVER",
        Qualifier::Exceeds => "EXCEEDS",
        Qualifier::Half => "HALF",
    }
}

fn relation(relation: Relation) -> &'static str {
    match relation {
        Relation::HeldIn => "HELD_IN",
        Relation::PartOf => "PART_OF",
        Relation::HeadquarteredIn => "HEADQUARTERED_IN",
        Relation::BuildsOn => "BUILDS_ON",
        Relation::Projects => "PROJECTS",
        Relation::Discusses => "DISCUSSES",
        Relation::ActsIn => "ACTS_IN",
        Relation::ParticipatesIn => "PARTICIPATES_IN",
        Relation::Organizes => "ORGANIZES",
        Relation::Establishes => "ESTABLISHES",
        Relation::Initiated => "INITIATED",
        Relation::Names => "NAMES",
        Relation::Describes => "DESCRIBES",
        Relation::Exemplifies => "EXEMPLIFIES",
        Relation::Underlies => "UNDERLIES",
        Relation::References => "REFERENCES",
        Relation::ReportsOn => "REPORTS_ON",
        Relation::WillShapePlatformFor => "WILL_SHAPE_PLATFORM_FOR",
        Relation::Developed => "DEVELOPED",
        Relation::Triggered => "TRIGGERED",
        Relation::PushedForward => "PUSHED_FORWARD",
        Relation::DueTo => "DUE_TO",
        Relation::InTermsOf => "IN_TERMS_OF",
        Relation::NarrowerThan => "NARROWER_THAN",
        Relation::ActsOn => "ACTS_ON",
        Relation::EditionOf => "EDITION_OF",
        Relation::AppendedTo => "APPENDED_TO",
    }
}

/// The numeral of a trend record (the hops that yield trends check the kind).
fn numeral(record: &Record) -> &str {
    match &record.details {
        Details::Trend(t) => &t.numeral,
        _ => unreachable!("only trend records reach here"),
    }
}

// ---------------------------------------------------------------------------------------
// Q0 `{ __typename }`

pub fn q0() -> Result<Vec<u8>, GraphError> {
    #[derive(Serialize)]
    struct Q0 {
        #[serde(rename = "__typename")]
        typename: &'static str,
    }
    to_json(Q0 { typename: "Query" })
}

// ---------------------------------------------------------------------------------------
// Q1 `{ event(slug: "wic-2017") { name startDate endDate } }`

pub fn q1(graph: &Graph) -> Result<Vec<u8>, GraphError> {
    #[derive(Serialize)]
    struct Q1<'a> {
        event: Option<Event<'a>>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Event<'a> {
        name: &'a str,
        start_date: AsString<&'a NaiveDate>,
        end_date: Option<AsString<&'a NaiveDate>>,
    }
    let record = lookup(graph, "wic-2017", RecordKind::Event)?;
    let event = record.as_ref().map(|r| match &r.details {
        Details::Event(e) => Event {
            name: &r.name,
            start_date: AsString(&e.start),
            end_date: e.end.as_ref().map(AsString),
        },
        _ => unreachable!("lookup checked the kind"),
    });
    to_json(Q1 { event })
}

// ---------------------------------------------------------------------------------------
// Q2 `{ actor(slug: "organizing-committee") { projects { nodes { numeral actors { nodes
//        { slug trends { nodes { numeral } } } } } } } }`

pub fn q2(graph: &Graph) -> Result<Vec<u8>, GraphError> {
    projected_trends_actors(graph, "organizing-committee", DEFAULT_PAGE, DEFAULT_PAGE)
}

// ---------------------------------------------------------------------------------------
// Q5 `query Q5($slug: String!, $trends: Int!, $actors: Int!) { actor(slug: $slug) {
//        projects(first: $trends) { nodes { numeral actors(first: $actors) { nodes { slug
//        trends { nodes { numeral } } } } } } } }`: Q2 with the slug and two page sizes
//        in variables.

/// Q5's variables, as the request body's `variables` object carries them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Q5Variables {
    pub slug: String,
    pub trends: i32,
    pub actors: i32,
}

/// Q5's answer, or `None` when a page size is outside 0..=[`MAX_PAGE`] (wic-gql answers
/// those with an error, which the benchmark never asks for).
pub fn q5(graph: &Graph, variables: &Q5Variables) -> Option<Result<Vec<u8>, GraphError>> {
    let size = |n: i32| (0..=MAX_PAGE).contains(&n).then_some(n as usize);
    let (trends, actors) = (size(variables.trends)?, size(variables.actors)?);
    Some(projected_trends_actors(
        graph,
        &variables.slug,
        trends,
        actors,
    ))
}

/// Q2 and Q5: the actor's first `trends` projected trends, each with its first `actors`
/// actors, each with its trends (a default page).
fn projected_trends_actors(
    graph: &Graph,
    slug: &str,
    trends: usize,
    actors: usize,
) -> Result<Vec<u8>, GraphError> {
    #[derive(Serialize)]
    struct Q2<'a> {
        actor: Option<Projector<'a>>,
    }
    #[derive(Serialize)]
    struct Projector<'a> {
        projects: Nodes<Trend<'a>>,
    }
    #[derive(Serialize)]
    struct Trend<'a> {
        numeral: &'a str,
        actors: Nodes<Actor<'a>>,
    }
    #[derive(Serialize)]
    struct Actor<'a> {
        slug: &'a str,
        trends: Nodes<Numeral<'a>>,
    }

    let Some(projector) = lookup(graph, slug, RecordKind::Actor)? else {
        return to_json(Q2 { actor: None });
    };
    let (trends_first, actors_first) = (trends, actors);
    // Level 1: the trends the actor projects.
    let level1 = Level::load(graph, [(projector.slug.as_str(), &EVENT_TRENDS)])?;
    let trends = level1.first(&projector.slug, &EVENT_TRENDS, trends_first);
    // Level 2: the actors of each trend of the page.
    let level2 = Level::load(
        graph,
        trends.iter().map(|(_, t)| (t.slug.as_str(), &TREND_ACTORS)),
    )?;
    let actors: Vec<Vec<(&Edge, &Record)>> = trends
        .iter()
        .map(|(_, t)| level2.first(&t.slug, &TREND_ACTORS, actors_first))
        .collect();
    // Level 3: the trends of each actor of those pages.
    let level3 = Level::load(
        graph,
        actors
            .iter()
            .flatten()
            .map(|(_, a)| (a.slug.as_str(), &ACTOR_TRENDS)),
    )?;

    let trends = trends
        .iter()
        .zip(&actors)
        .map(|((_, trend), actors)| Trend {
            numeral: numeral(trend),
            actors: Nodes {
                nodes: actors
                    .iter()
                    .map(|(_, actor)| Actor {
                        slug: &actor.slug,
                        trends: Nodes {
                            nodes: level3
                                .page(&actor.slug, &ACTOR_TRENDS)
                                .into_iter()
                                .map(|(_, t)| Numeral {
                                    numeral: numeral(t),
                                })
                                .collect(),
                        },
                    })
                    .collect(),
            },
        })
        .collect();
    to_json(Q2 {
        actor: Some(Projector {
            projects: Nodes { nodes: trends },
        }),
    })
}

// ---------------------------------------------------------------------------------------
// Q3 `{ records(first: 500) { totalCount nodes { __typename slug name citations { ... }
//        ... on Trend { ... } ... on Actor { ... } ... } } }`: every record, each with the
//        fields of its type and its first-level connections.

/// The connections each type's fragment asks for.
fn q3_hops(kind: RecordKind) -> &'static [&'static Hop] {
    match kind {
        RecordKind::Trend => &[&TREND_TOPICS, &TREND_ACTORS],
        RecordKind::Actor => &[&ACTOR_TRENDS],
        RecordKind::Topic => &[&TOPIC_TRENDS],
        RecordKind::Event => &[&EVENT_TRENDS, &EVENT_TOPICS],
        RecordKind::Document | RecordKind::Place | RecordKind::Statistic => &[],
    }
}

pub fn q3(graph: &Graph) -> Result<Vec<u8>, GraphError> {
    const FIRST: usize = 500;

    #[derive(Serialize)]
    struct Q3<'a> {
        records: Records<'a>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Records<'a> {
        total_count: usize,
        nodes: Vec<Node<'a>>,
    }
    #[derive(Serialize)]
    struct Node<'a> {
        #[serde(rename = "__typename")]
        typename: &'static str,
        slug: &'a str,
        name: &'a str,
        citations: Citations<'a>,
        #[serde(flatten)]
        fields: Fields<'a>,
    }
    /// The fields of each type's inline fragment, in the order the fragment lists them.
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Fields<'a> {
        Trend {
            numeral: &'a str,
            statement: &'a str,
            paragraphs: &'a [String],
            topics: Edges<TopicEdge<'a>>,
            actors: Edges<RoleEdge<'a, SlugName<'a>>>,
        },
        Actor {
            #[serde(rename = "actorKind")]
            kind: &'static str,
            trends: Edges<RoleEdge<'a, SlugNumeral<'a>>>,
        },
        Topic {
            #[serde(rename = "topicKind")]
            kind: &'static str,
            trends: Edges<CitedEdge<'a>>,
        },
        Event {
            #[serde(rename = "startDate")]
            start_date: AsString<&'a NaiveDate>,
            #[serde(rename = "endDate")]
            end_date: Option<AsString<&'a NaiveDate>>,
            theme: Option<&'a str>,
            trends: Nodes<Slug<'a>>,
            topics: Nodes<Slug<'a>>,
        },
        Document {
            #[serde(rename = "documentKind")]
            kind: &'static str,
            year: Option<i32>,
        },
        Statistic {
            text: &'a str,
            value: Option<f64>,
            unit: Option<&'a str>,
            qualifier: Option<&'static str>,
        },
        Place {},
    }
    /// `edges { relation citations { ... } node { slug name } }`
    #[derive(Serialize)]
    struct TopicEdge<'a> {
        relation: &'static str,
        citations: Citations<'a>,
        node: SlugName<'a>,
    }
    /// `edges { role citations { ... } node { ... } }`
    #[derive(Serialize)]
    struct RoleEdge<'a, N> {
        role: Option<&'a str>,
        citations: Citations<'a>,
        node: N,
    }
    /// `edges { citations { ... } node { slug numeral } }`
    #[derive(Serialize)]
    struct CitedEdge<'a> {
        citations: Citations<'a>,
        node: SlugNumeral<'a>,
    }

    // Level 1: every record, kind by kind; each kind in seed order, so the list is in
    // wic-gql's default order (kind, then position).
    let mut records = Vec::new();
    for kind in RecordKind::ALL {
        records.extend(graph.records_of_kind(kind)?);
    }
    let total_count = records.len();
    records.truncate(FIRST);
    // Level 2: the connections of every record of the page.
    let level = Level::load(
        graph,
        records.iter().flat_map(|r| {
            q3_hops(r.kind())
                .iter()
                .map(move |hop| (r.slug.as_str(), *hop))
        }),
    )?;

    let nodes = records
        .iter()
        .map(|r| {
            let fields = match &r.details {
                Details::Trend(t) => Fields::Trend {
                    numeral: &t.numeral,
                    statement: &t.statement,
                    paragraphs: &t.paragraphs,
                    topics: Edges {
                        edges: level
                            .page(&r.slug, &TREND_TOPICS)
                            .into_iter()
                            .map(|(edge, topic)| TopicEdge {
                                relation: relation(edge.relation),
                                citations: Citations(&edge.citations),
                                node: SlugName {
                                    slug: &topic.slug,
                                    name: &topic.name,
                                },
                            })
                            .collect(),
                    },
                    actors: Edges {
                        edges: level
                            .page(&r.slug, &TREND_ACTORS)
                            .into_iter()
                            .map(|(edge, actor)| RoleEdge {
                                role: edge.role.as_deref(),
                                citations: Citations(&edge.citations),
                                node: SlugName {
                                    slug: &actor.slug,
                                    name: &actor.name,
                                },
                            })
                            .collect(),
                    },
                },
                Details::Actor(a) => Fields::Actor {
                    kind: actor_kind(a.kind),
                    trends: Edges {
                        edges: level
                            .page(&r.slug, &ACTOR_TRENDS)
                            .into_iter()
                            .map(|(edge, trend)| RoleEdge {
                                role: edge.role.as_deref(),
                                citations: Citations(&edge.citations),
                                node: SlugNumeral {
                                    slug: &trend.slug,
                                    numeral: numeral(trend),
                                },
                            })
                            .collect(),
                    },
                },
                Details::Topic(t) => Fields::Topic {
                    kind: topic_kind(t.kind),
                    trends: Edges {
                        edges: level
                            .page(&r.slug, &TOPIC_TRENDS)
                            .into_iter()
                            .map(|(edge, trend)| CitedEdge {
                                citations: Citations(&edge.citations),
                                node: SlugNumeral {
                                    slug: &trend.slug,
                                    numeral: numeral(trend),
                                },
                            })
                            .collect(),
                    },
                },
                Details::Event(e) => {
                    let slugs = |hop| Nodes {
                        nodes: level
                            .page(&r.slug, hop)
                            .into_iter()
                            .map(|(_, n)| Slug { slug: &n.slug })
                            .collect(),
                    };
                    Fields::Event {
                        start_date: AsString(&e.start),
                        end_date: e.end.as_ref().map(AsString),
                        theme: e.theme.as_deref(),
                        trends: slugs(&EVENT_TRENDS),
                        topics: slugs(&EVENT_TOPICS),
                    }
                }
                Details::Document(d) => Fields::Document {
                    kind: document_kind(d.kind),
                    year: d.year,
                },
                Details::Statistic(s) => Fields::Statistic {
                    text: &s.text,
                    value: s.value,
                    unit: s.unit.as_deref(),
                    qualifier: s.qualifier.map(qualifier),
                },
                Details::Place(_) => Fields::Place {},
            };
            Node {
                typename: typename(r.kind()),
                slug: &r.slug,
                name: &r.name,
                citations: Citations(&r.citations),
                fields,
            }
        })
        .collect();
    to_json(Q3 {
        records: Records { total_count, nodes },
    })
}

// ---------------------------------------------------------------------------------------
// Q4 `{ search(query: "digital economy", first: 10) { score matchedTerms field snippet
//        node { __typename slug name } } }`

pub fn q4(graph: &Graph) -> Result<Vec<u8>, GraphError> {
    #[derive(Serialize)]
    struct Q4<'a> {
        search: Vec<Hit<'a>>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Hit<'a> {
        score: f64,
        matched_terms: usize,
        field: &'static str,
        snippet: &'a str,
        node: Node<'a>,
    }
    #[derive(Serialize)]
    struct Node<'a> {
        #[serde(rename = "__typename")]
        typename: &'static str,
        slug: &'a str,
        name: &'a str,
    }

    let hits = graph.search("digital economy", None, 10)?;
    let search = hits
        .iter()
        .map(|hit| Hit {
            score: hit.score,
            matched_terms: hit.matched_terms,
            field: hit.field.name(),
            snippet: &hit.snippet,
            node: Node {
                typename: typename(hit.record.kind()),
                slug: &hit.record.slug,
                name: &hit.record.name,
            },
        })
        .collect();
    to_json(Q4 { search })
}

// ---------------------------------------------------------------------------------------
// Q6 `{ search(query: "internet", first: 10) { score node { __typename slug
//        ... on Actor { actorKind: kind trends { nodes { numeral } } }
//        ... on Topic { topicKind: kind } ... on Trend { numeral statement } } } }`:
//        search hits whose fields depend on their type.

pub fn q6(graph: &Graph) -> Result<Vec<u8>, GraphError> {
    #[derive(Serialize)]
    struct Q6<'a> {
        search: Vec<Hit<'a>>,
    }
    #[derive(Serialize)]
    struct Hit<'a> {
        score: f64,
        node: Node<'a>,
    }
    #[derive(Serialize)]
    struct Node<'a> {
        #[serde(rename = "__typename")]
        typename: &'static str,
        slug: &'a str,
        #[serde(flatten)]
        fields: Fields<'a>,
    }
    /// The fields of each type's inline fragment; none for the other types.
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Fields<'a> {
        Actor {
            #[serde(rename = "actorKind")]
            kind: &'static str,
            trends: Nodes<Numeral<'a>>,
        },
        Topic {
            #[serde(rename = "topicKind")]
            kind: &'static str,
        },
        Trend {
            numeral: &'a str,
            statement: &'a str,
        },
        Other {},
    }

    let hits = graph.search("internet", None, 10)?;
    // The second level: the trends of every actor among the hits.
    let level = Level::load(
        graph,
        hits.iter()
            .filter(|hit| hit.record.kind() == RecordKind::Actor)
            .map(|hit| (hit.record.slug.as_str(), &ACTOR_TRENDS)),
    )?;
    let search = hits
        .iter()
        .map(|hit| {
            let r = &hit.record;
            let fields = match &r.details {
                Details::Actor(a) => Fields::Actor {
                    kind: actor_kind(a.kind),
                    trends: Nodes {
                        nodes: level
                            .page(&r.slug, &ACTOR_TRENDS)
                            .into_iter()
                            .map(|(_, t)| Numeral {
                                numeral: numeral(t),
                            })
                            .collect(),
                    },
                },
                Details::Topic(t) => Fields::Topic {
                    kind: topic_kind(t.kind),
                },
                Details::Trend(t) => Fields::Trend {
                    numeral: &t.numeral,
                    statement: &t.statement,
                },
                _ => Fields::Other {},
            };
            Hit {
                score: hit.score,
                node: Node {
                    typename: typename(r.kind()),
                    slug: &r.slug,
                    fields,
                },
            }
        })
        .collect();
    to_json(Q6 { search })
}
