//! A deterministic synthetic graph for the benchmark's scale curve: the real seed data plus
//! clusters of made-up records until the graph holds `N` records.
//!
//! Synthetic records are not facts: each slug starts with `synthetic-`, each name with
//! `Synthetic`, and none carries a citation. They never touch the real records, so the
//! benchmark's queries about the real graph give the same answers at every size, and a
//! changed answer means a bug, not more data.
//!
//! A cluster mirrors the shape of the real conference: one event in a place, the trends
//! it projects, the actors that take part and act in those trends, the topics the trends
//! name, documents that report on the event and statistics that describe it. A few actors
//! also attend the previous cluster's event, so clusters link into one graph.

use chrono::{Datelike, Days, NaiveDate};

use crate::graph::{
    ActorDetails, ActorKind, Dataset, Details, DocumentDetails, DocumentKind, Edge, EventDetails,
    EventKind, KindBasis, PlaceDetails, PlaceKind, Record, RecordKind, Relation, StatisticDetails,
    TopicDetails, TopicKind, TrendDetails,
};

/// Records in one cluster: 1 event, 2 places, 5 trends, 18 actors, 20 topics,
/// 2 documents, 2 statistics.
pub const CLUSTER_RECORDS: usize = 50;
const TRENDS: usize = 5;
const ACTORS: usize = 18;
const TOPICS: usize = 20;
const NUMERALS: [&str; TRENDS] = ["I", "II", "III", "IV", "V"];
const ACTOR_KINDS: [ActorKind; 4] = [
    ActorKind::Company,
    ActorKind::Government,
    ActorKind::InternationalOrganization,
    ActorKind::StakeholderGroup,
];

/// `base` grown with synthetic clusters to at least `total` records (whole clusters, so
/// up to [`CLUSTER_RECORDS`] − 1 more). The same inputs always give the same dataset.
pub fn grow(mut base: Dataset, total: usize) -> Dataset {
    let clusters = total
        .saturating_sub(base.records.len())
        .div_ceil(CLUSTER_RECORDS);
    let mut builder = Builder::new(&base);
    for cluster in 0..clusters {
        builder.cluster(cluster);
    }
    base.records.extend(builder.records);
    base.edges.extend(builder.edges);
    base
}

/// Appends records and edges, numbering positions after the base dataset's.
struct Builder {
    records: Vec<Record>,
    edges: Vec<Edge>,
    next_position: [u32; RecordKind::ALL.len()],
    next_edge: u32,
}

impl Builder {
    fn new(base: &Dataset) -> Self {
        let mut next_position = [0; RecordKind::ALL.len()];
        for record in &base.records {
            let slot = &mut next_position[record.kind().tag() as usize];
            *slot = (*slot).max(record.position + 1);
        }
        let next_edge = base.edges.iter().map(|e| e.position + 1).max().unwrap_or(0);
        Builder {
            records: Vec::new(),
            edges: Vec::new(),
            next_position,
            next_edge,
        }
    }

    fn record(&mut self, slug: String, name: String, details: Details) -> String {
        let mut record = Record {
            slug: slug.clone(),
            position: 0,
            name,
            aliases: Vec::new(),
            citations: Vec::new(),
            details,
        };
        let position = &mut self.next_position[record.kind().tag() as usize];
        record.position = *position;
        *position += 1;
        self.records.push(record);
        slug
    }

    fn edge(&mut self, from: &str, relation: Relation, to: &str) {
        let role = relation
            .requires_role()
            .then(|| "synthetic participation".to_string());
        self.edges.push(Edge {
            from: from.to_string(),
            relation,
            to: to.to_string(),
            role,
            citations: Vec::new(),
            position: self.next_edge,
        });
        self.next_edge += 1;
    }

    fn cluster(&mut self, c: usize) {
        let id = |what: &str, i: usize| format!("synthetic-{what}-{c}-{i}");
        let name = |what: &str, i: usize| format!("Synthetic {what} {c}.{i}");
        let start =
            NaiveDate::from_ymd_opt(2018, 1, 1).expect("a valid date") + Days::new(c as u64);

        let event = self.record(
            format!("synthetic-conference-{c}"),
            format!("Synthetic conference {c}"),
            Details::Event(EventDetails {
                kind: EventKind::Conference,
                start,
                end: Some(start + Days::new(2)),
                theme: Some(format!("Synthetic theme {c}")),
            }),
        );
        let places: Vec<String> = [PlaceKind::Province, PlaceKind::Locality]
            .into_iter()
            .enumerate()
            .map(|(i, kind)| {
                self.record(
                    id("place", i),
                    name("place", i),
                    Details::Place(PlaceDetails { kind }),
                )
            })
            .collect();
        self.edge(&places[1], Relation::PartOf, &places[0]);
        self.edge(&event, Relation::HeldIn, &places[1]);

        let trends: Vec<String> = (0..TRENDS)
            .map(|i| {
                let statement = format!("Synthetic trend statement {c}.{i}");
                self.record(
                    id("trend", i),
                    statement.clone(),
                    Details::Trend(TrendDetails {
                        numeral: NUMERALS[i].to_string(),
                        ordinal: i as u32 + 1,
                        statement,
                        paragraphs: Vec::new(),
                    }),
                )
            })
            .collect();
        let topics: Vec<String> = (0..TOPICS)
            .map(|i| {
                let kind = [
                    TopicKind::Technology,
                    TopicKind::Service,
                    TopicKind::Subject,
                ][i % 3];
                self.record(
                    id("topic", i),
                    name("topic", i),
                    Details::Topic(TopicDetails { kind }),
                )
            })
            .collect();
        let actors: Vec<String> = (0..ACTORS)
            .map(|i| {
                let details = Details::Actor(ActorDetails {
                    kind: ACTOR_KINDS[i % ACTOR_KINDS.len()],
                    kind_basis: KindBasis::Text,
                    founded: None,
                });
                self.record(id("actor", i), name("actor", i), details)
            })
            .collect();
        let documents: Vec<String> = (0..2)
            .map(|i| {
                let details = Details::Document(DocumentDetails {
                    kind: [DocumentKind::Report, DocumentKind::Agenda][i],
                    year: Some(start.year()),
                    descriptive_name: false,
                    source: None,
                });
                self.record(id("document", i), name("document", i), details)
            })
            .collect();
        let statistics: Vec<String> = (0..2)
            .map(|i| {
                let details = Details::Statistic(StatisticDetails {
                    text: format!("{} synthetic units", 100 * (i + 1)),
                    value: Some(100.0 * (i + 1) as f64),
                    unit: Some("synthetic units".into()),
                    qualifier: None,
                });
                self.record(id("statistic", i), name("statistic", i), details)
            })
            .collect();

        for (i, trend) in trends.iter().enumerate() {
            self.edge(&event, Relation::Projects, trend);
            for topic in &topics[3 * i..3 * i + 3] {
                self.edge(trend, Relation::Names, topic);
            }
        }
        for topic in &topics[..10] {
            self.edge(&event, Relation::Discusses, topic);
        }
        for i in 1..6 {
            self.edge(&topics[i], Relation::Exemplifies, &topics[15 + i - 1]);
        }
        for (i, actor) in actors.iter().enumerate() {
            self.edge(actor, Relation::ParticipatesIn, &event);
            self.edge(actor, Relation::ActsIn, &trends[i % TRENDS]);
            if i < 6 {
                self.edge(actor, Relation::ActsIn, &trends[(i + 1) % TRENDS]);
                self.edge(actor, Relation::HeadquarteredIn, &places[1]);
            }
        }
        self.edge(&actors[0], Relation::Organizes, &event);
        if c > 0 {
            for actor in &actors[..3] {
                self.edge(
                    actor,
                    Relation::ParticipatesIn,
                    &format!("synthetic-conference-{}", c - 1),
                );
            }
        }
        for document in &documents {
            self.edge(document, Relation::ReportsOn, &event);
        }
        self.edge(&event, Relation::BuildsOn, &documents[1]);
        self.edge(&statistics[0], Relation::Describes, &event);
        self.edge(&statistics[1], Relation::Describes, &trends[0]);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::graph::is_slug;
    use crate::seed::SeedFiles;

    fn real() -> Dataset {
        SeedFiles::embedded().validate().unwrap()
    }

    #[test]
    fn grows_to_whole_clusters_and_keeps_the_real_data_first() {
        let base = real();
        let grown = grow(base.clone(), 1_000);
        assert!(grown.records.len() >= 1_000 && grown.records.len() < 1_000 + CLUSTER_RECORDS);
        assert_eq!(
            (grown.records.len() - base.records.len()) % CLUSTER_RECORDS,
            0
        );
        assert_eq!(grown.records[..base.records.len()], base.records[..]);
        assert_eq!(grown.edges[..base.edges.len()], base.edges[..]);
        assert_eq!(grow(base.clone(), 10), base, "already big enough");
        assert_eq!(grow(base.clone(), 1_000), grown, "deterministic");
    }

    /// The invariants the seed validator guarantees for real data hold for synthetic data.
    #[test]
    fn synthetic_data_is_a_valid_graph() {
        let grown = grow(real(), 2_000);
        let mut kinds = HashMap::new();
        let mut positions = HashSet::new();
        for record in &grown.records {
            assert!(is_slug(&record.slug), "{}", record.slug);
            assert!(
                kinds.insert(record.slug.as_str(), record.kind()).is_none(),
                "{}",
                record.slug
            );
            assert!(
                positions.insert((record.kind(), record.position)),
                "{}",
                record.slug
            );
        }
        let mut edge_positions = HashSet::new();
        let mut triples = HashSet::new();
        for edge in &grown.edges {
            let (from, to) = (kinds[edge.from.as_str()], kinds[edge.to.as_str()]);
            assert!(edge.relation.joins(from, to), "{edge:?}");
            assert!(
                edge.role.is_some() || !edge.relation.requires_role(),
                "{edge:?}"
            );
            assert!(edge_positions.insert(edge.position));
            assert!(
                triples.insert((&edge.from, edge.relation, &edge.to)),
                "{edge:?}"
            );
        }
    }

    #[test]
    fn synthetic_records_never_point_at_real_ones() {
        let base = real();
        let real_slugs: HashSet<&str> = base.records.iter().map(|r| r.slug.as_str()).collect();
        let grown = grow(base.clone(), 500);
        for edge in &grown.edges[base.edges.len()..] {
            assert!(
                !real_slugs.contains(edge.from.as_str()) && !real_slugs.contains(edge.to.as_str())
            );
            assert!(edge.from.starts_with("synthetic-") && edge.to.starts_with("synthetic-"));
        }
    }
}
