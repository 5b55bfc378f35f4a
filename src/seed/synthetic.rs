//! A deterministic synthetic graph for the benchmark's scale curve: the real seed data plus
//! clusters of made-up records until the graph holds `N` records.
//!
//! Synthetic records are not facts: each slug starts with `synthetic-`, each name with
//! `Synthetic`, and none carries a citation. They link to the real records so that queries
//! from the real graph cross synthetic data at every size, as they would in a larger real
//! graph: each cluster's first actor acts in a real trend, and a real trend names its first
//! topic. Every added edge has a synthetic end; the real records and the edges among them
//! are the seed's, untouched.
//!
//! Names carry words of a vocabulary with a Zipf-like spread (the `k`-th word is drawn
//! about `1/k` as often as the first): the real records' name words first, then made-up
//! ones, so common real words match many synthetic records and the tail matches few.
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

/// Words drawn into each synthetic actor's, topic's and trend's name.
const NAME_WORDS: usize = 2;
/// Made-up words after the real ones: the vocabulary's long tail.
const MADE_UP_WORDS: usize = 50_000;
const SYLLABLES: [&str; 40] = [
    "ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo", "mu", "na", "pe", "qi", "ro", "su", "ta",
    "ve", "wi", "xo", "yu", "za", "bre", "cla", "dro", "fle", "gri", "kro", "plu", "sta", "tri",
    "vor", "zen", "mal", "tek", "nor", "lin", "sav", "dor", "kel", "mir",
];

/// A vocabulary with a Zipf-like spread of draws.
struct Vocabulary {
    words: Vec<String>,
    /// `cumulative[k]`: the total weight of words `0..=k`, word `k` weighing `1/(k+1)`.
    cumulative: Vec<f64>,
}

impl Vocabulary {
    /// The words of the real records' names (first seen first), then made-up words.
    fn new(base: &Dataset) -> Self {
        let mut seen = std::collections::HashSet::new();
        let mut words: Vec<String> = base
            .records
            .iter()
            .flat_map(|r| crate::graph::search::tokenize(&r.name))
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()) && seen.insert(w.clone()))
            .collect();
        let n = SYLLABLES.len();
        words.extend((0..MADE_UP_WORDS).map(|i| {
            format!(
                "{}{}{}",
                SYLLABLES[i % n],
                SYLLABLES[(i / n) % n],
                SYLLABLES[(i / n / n) % n]
            )
        }));
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    /// The word that the uniform draw `draw` picks.
    fn word(&self, draw: u64) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let at = (draw >> 11) as f64 / (1u64 << 53) as f64 * total;
        let index = self.cumulative.partition_point(|&c| c <= at);
        &self.words[index.min(self.words.len() - 1)]
    }
}

/// SplitMix64: a deterministic, well-spread draw from a seed.
fn draw(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `base` grown with synthetic clusters to at least `total` records (whole clusters, so
/// up to [`CLUSTER_RECORDS`] − 1 more). The same inputs always give the same dataset.
pub fn grow(base: Dataset, total: usize) -> Dataset {
    let clusters = total
        .saturating_sub(base.records.len())
        .div_ceil(CLUSTER_RECORDS);
    let mut builder = Builder::new(base, clusters);
    for cluster in 0..clusters {
        builder.cluster(cluster);
    }
    Dataset {
        records: builder.records,
        edges: builder.edges,
    }
}

/// Edges one cluster adds, at most.
const CLUSTER_EDGES: usize = 96;

/// Appends records and edges to the base dataset's, numbering positions after its own.
struct Builder {
    records: Vec<Record>,
    edges: Vec<Edge>,
    next_position: [u32; RecordKind::ALL.len()],
    next_edge: u32,
    vocabulary: Vocabulary,
    /// The real trends' slugs, in seed order: what synthetic clusters link to.
    real_trends: Vec<String>,
}

impl Builder {
    /// Takes `base`'s records and edges, with room for `clusters` more clusters: a
    /// million records are written once, not copied as their vectors grow.
    fn new(base: Dataset, clusters: usize) -> Self {
        let mut next_position = [0; RecordKind::ALL.len()];
        for record in &base.records {
            let slot = &mut next_position[record.kind().tag() as usize];
            *slot = (*slot).max(record.position + 1);
        }
        let next_edge = base.edges.iter().map(|e| e.position + 1).max().unwrap_or(0);
        let mut real_trends: Vec<&Record> = base
            .records
            .iter()
            .filter(|r| r.kind() == RecordKind::Trend)
            .collect();
        real_trends.sort_by_key(|r| r.position);
        let real_trends = real_trends.into_iter().map(|r| r.slug.clone()).collect();
        let vocabulary = Vocabulary::new(&base);
        let Dataset {
            mut records,
            mut edges,
        } = base;
        records.reserve_exact(clusters * CLUSTER_RECORDS);
        edges.reserve_exact(clusters * CLUSTER_EDGES);
        Builder {
            records,
            edges,
            next_position,
            next_edge,
            vocabulary,
            real_trends,
        }
    }

    /// `name` followed by [`NAME_WORDS`] words of the vocabulary, drawn from `seed`.
    fn worded(&self, name: String, seed: u64) -> String {
        (0..NAME_WORDS as u64).fold(name, |name, k| {
            let word = self
                .vocabulary
                .word(draw(seed.wrapping_mul(31).wrapping_add(k)));
            format!("{name} {word}")
        })
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
        // A distinct draw for each (kind of record, record) of each cluster.
        let seed = |what: u64, i: usize| ((c as u64) << 16) | (what << 8) | i as u64;
        let name = |what: &str, i: usize| format!("Synthetic {what} {c}.{i}");
        let start =
            NaiveDate::from_ymd_opt(2018, 1, 1).expect("a valid date") + Days::new(c as u64);

        let event = self.record(
            format!("synthetic-conference-{c}"),
            format!("Synthetic conference {c}"),
            Details::Event(EventDetails {
                kind: EventKind::Conference,
                kind_basis: KindBasis::Text,
                descriptive_name: false,
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
                    Details::Place(PlaceDetails {
                        kind,
                        kind_basis: KindBasis::Text,
                    }),
                )
            })
            .collect();
        self.edge(&places[1], Relation::PartOf, &places[0]);
        self.edge(&event, Relation::HeldIn, &places[1]);

        let trends: Vec<String> = (0..TRENDS)
            .map(|i| {
                let statement =
                    self.worded(format!("Synthetic trend statement {c}.{i}"), seed(1, i));
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
                let name = self.worded(name("topic", i), seed(2, i));
                let details = Details::Topic(TopicDetails {
                    kind,
                    kind_basis: KindBasis::Text,
                });
                self.record(id("topic", i), name, details)
            })
            .collect();
        let actors: Vec<String> = (0..ACTORS)
            .map(|i| {
                let details = Details::Actor(ActorDetails {
                    kind: ACTOR_KINDS[i % ACTOR_KINDS.len()],
                    kind_basis: KindBasis::Text,
                    founded: None,
                });
                let name = self.worded(name("actor", i), seed(3, i));
                self.record(id("actor", i), name, details)
            })
            .collect();
        let documents: Vec<String> = (0..2)
            .map(|i| {
                let details = Details::Document(DocumentDetails {
                    kind: [DocumentKind::Report, DocumentKind::Agenda][i],
                    kind_basis: KindBasis::Text,
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
                    descriptive_name: false,
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
        // The links to the real graph, spread over its trends.
        if !self.real_trends.is_empty() {
            let count = self.real_trends.len();
            let acted = self.real_trends[c % count].clone();
            let naming = self.real_trends[(c + 1) % count].clone();
            self.edge(&actors[0], Relation::ActsIn, &acted);
            self.edge(&naming, Relation::Names, &topics[0]);
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
        let clusters = (grown.records.len() - base.records.len()) / CLUSTER_RECORDS;
        assert!(grown.edges.len() - base.edges.len() <= clusters * CLUSTER_EDGES);
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

    /// Growth links to the real graph only through synthetic records: every added edge has
    /// a synthetic end, and some join a synthetic record to a real trend each way.
    #[test]
    fn every_added_edge_has_a_synthetic_end_and_some_reach_real_trends() {
        let base = real();
        let real_slugs: HashSet<&str> = base.records.iter().map(|r| r.slug.as_str()).collect();
        let grown = grow(base.clone(), 500);
        let (mut acting, mut naming) = (0, 0);
        for edge in &grown.edges[base.edges.len()..] {
            let (from, to) = (edge.from.as_str(), edge.to.as_str());
            assert!(
                from.starts_with("synthetic-") || to.starts_with("synthetic-"),
                "{edge:?}"
            );
            assert!(!real_slugs.contains(from) || !real_slugs.contains(to));
            acting += usize::from(edge.relation == Relation::ActsIn && real_slugs.contains(to));
            naming += usize::from(edge.relation == Relation::Names && real_slugs.contains(from));
        }
        let clusters = (grown.records.len() - base.records.len()) / CLUSTER_RECORDS;
        assert_eq!((acting, naming), (clusters, clusters));
    }

    /// Name words follow a Zipf-like spread: the first word is drawn far more often than
    /// the hundredth, and most words are rare.
    #[test]
    fn the_vocabulary_has_a_zipf_like_spread() {
        let vocabulary = Vocabulary::new(&real());
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for i in 0..100_000 {
            *counts.entry(vocabulary.word(draw(i))).or_default() += 1;
        }
        let count = |rank: usize| {
            counts
                .get(vocabulary.words[rank].as_str())
                .copied()
                .unwrap_or(0)
        };
        assert!(
            count(0) > 20 * count(99).max(1),
            "{} vs {}",
            count(0),
            count(99)
        );
        let rare = counts.values().filter(|&&n| n <= 2).count();
        assert!(
            rare * 2 > counts.len(),
            "{rare} of {} words drawn at most twice",
            counts.len()
        );
    }
}
