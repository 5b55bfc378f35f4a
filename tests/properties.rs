//! Property tests on stable: key layouts, the value codec, seed → dump → seed, and the seed
//! loader and `/graphql` on arbitrary input (the paths the `fuzz/` targets explore).
//!
//! Case counts are kept small so `cargo test` stays fast, and a plain run draws the same
//! cases every time (a fixed RNG seed) so CI never flakes. Set `PROPTEST_CASES` for a long
//! run: it overrides every block's count and draws fresh random cases (`PROPTEST_RNG_SEED`
//! replays one).

use std::sync::{Arc, OnceLock};

use actix_web::{test as actix_test, web, App};
use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::RngSeed;
use serde_json::Value;

use wic_gql::api::cursor::{CursorFault, ListKey, ListName, Seek};
use wic_gql::config::Settings;
use wic_gql::graph::{
    keys, ActorDetails, ActorKind, Citation, Dataset, Details, Direction, DocumentDetails,
    DocumentKind, Edge, EventDetails, EventKind, Graph, KindBasis, ListOrder, ListScope, ListSpec,
    PlaceDetails, PlaceKind, Qualifier, Record, RecordKind, Relation, Section, SeedSummary,
    SourceText, StatisticDetails, TopicDetails, TopicKind, TrendDetails,
};
use wic_gql::http::AppState;
use wic_gql::seed::{seed, SeedError, SeedFiles};
use wic_gql::storage::{codec, keys as storage_keys, MemoryStore, SledStore};

/// `default_cases` from a fixed seed, unless `PROPTEST_CASES` asks for a long random run;
/// failures are not persisted to files (a failure found once becomes a plain `#[test]`).
fn config(default_cases: u32) -> ProptestConfig {
    let defaults = ProptestConfig::default();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok());
    let seeded = std::env::var_os("PROPTEST_RNG_SEED").is_some();
    ProptestConfig {
        cases: cases.unwrap_or(default_cases),
        rng_seed: match (cases, seeded) {
            (None, false) => RngSeed::Fixed(0x5eed_f022),
            _ => defaults.rng_seed,
        },
        failure_persistence: None,
        ..defaults
    }
}

// ---------------------------------------------------------------------------------------
// Key layouts
// ---------------------------------------------------------------------------------------

/// A slug as the seed validator accepts it.
fn slug() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,5}(-[a-z0-9]{1,5}){0,2}"
}

/// Two slugs that are often prefixes of one another (`g20`, `g20-summit`) or equal.
fn slug_pair() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        (slug(), slug()),
        (slug(), "(-?[a-z0-9]{1,4}){1,2}").prop_map(|(a, tail)| (a.clone(), a + &tail)),
        (slug(), "(-?[a-z0-9]{1,4}){1,2}").prop_map(|(a, tail)| (a.clone() + &tail, a)),
        slug().prop_map(|a| (a.clone(), a)),
    ]
}

/// Any text without the `0x00` separator (keys never hold one; slugs and tokens are narrower).
fn key_text() -> impl Strategy<Value = String> {
    "[^\u{0}]{0,10}"
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn record_keys_order_like_slugs(a in key_text(), b in key_text()) {
        prop_assert_eq!(keys::record(&a).cmp(&keys::record(&b)), a.as_bytes().cmp(b.as_bytes()));
        prop_assert_eq!(keys::record(&a), a.as_bytes());
    }

    #[test]
    fn list_chunk_keys_order_by_scope_order_segment_then_chunk(
        a in any::<(u8, u8, u8, u32)>(),
        b in any::<(u8, u8, u8, u32)>(),
    ) {
        let (ka, kb) = (keys::list_chunk(a.0, a.1, a.2, a.3), keys::list_chunk(b.0, b.1, b.2, b.3));
        prop_assert_eq!(ka.cmp(&kb), a.cmp(&b));
        prop_assert_eq!(ka.len(), 8);
        // A list's header sorts before its chunks and after every earlier list's.
        let header = keys::list_header(a.0, a.1);
        prop_assert!(header < ka);
        prop_assert_eq!(header < kb, (a.0, a.1) <= (b.0, b.1));
    }

    /// Reading edge lists from a graph holding the edges of many anchors returns exactly
    /// each anchor's edges, in (relation, position) order, in both directions, and each
    /// anchor's record beside them, untouched.
    #[test]
    fn an_edge_list_read_returns_exactly_the_anchors_edges(
        ends in prop::collection::vec((slug_pair(), 0..Relation::ALL.len()), 1..40),
    ) {
        let edges: Vec<Edge> = (0u32..)
            .zip(ends)
            .map(|(position, ((from, to), relation))| Edge {
                from,
                relation: Relation::ALL[relation],
                to,
                role: None,
                citations: Vec::new(),
                position,
            })
            .collect();
        let anchors: Vec<String> = edges.iter().flat_map(|e| [e.from.clone(), e.to.clone()]).collect();
        let records: Vec<Record> = anchors
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .zip(0u32..)
            .map(|(slug, position)| Record {
                slug: slug.clone(),
                position,
                name: format!("record {position}"),
                aliases: Vec::new(),
                citations: Vec::new(),
                details: Details::Place(PlaceDetails { kind: PlaceKind::Locality, kind_basis: KindBasis::Text }),
            })
            .collect();
        let graph = Graph::new(Arc::new(MemoryStore::default()));
        let summary = SeedSummary { records: Vec::new(), edges: edges.len() as u32, source_sha256: String::new() };
        let dataset = Dataset { records: records.clone(), edges: edges.clone() };
        graph.replace(dataset, &summary).unwrap();
        let slugs: Vec<String> = records.iter().map(|r| r.slug.clone()).collect();
        let stored: Vec<Record> = graph.records(&slugs).unwrap().into_iter().flatten().collect();
        prop_assert_eq!(stored, records);
        for direction in [Direction::Outgoing, Direction::Incoming] {
            let found = graph.edges(&anchors, direction).unwrap();
            for (anchor, found) in anchors.iter().zip(found) {
                let mut wanted: Vec<Edge> = edges
                    .iter()
                    .filter(|e| match direction {
                        Direction::Outgoing => &e.from == anchor,
                        Direction::Incoming => &e.to == anchor,
                    })
                    .cloned()
                    .collect();
                wanted.sort_by_key(|e| (e.relation.tag(), e.position));
                prop_assert_eq!(found, wanted);
            }
        }
        prop_assert_eq!(graph.edges(&["absent".to_string()], Direction::Outgoing).unwrap(), vec![Vec::new()]);
    }

    #[test]
    fn postings_keys_round_trip_and_order(
        ta in key_text(), ca in any::<u32>(), tb in key_text(), cb in any::<u32>(),
    ) {
        let (ka, kb) = (keys::postings_tail(&ta, ca), keys::postings_tail(&tb, cb));
        let parsed = keys::parse_postings(&ka).unwrap();
        prop_assert_eq!((parsed.token.as_str(), parsed.chunk), (ta.as_str(), Some(ca)));
        prop_assert_eq!(ka.cmp(&kb), (ta.as_bytes(), ca).cmp(&(tb.as_bytes(), cb)));
        prop_assert_eq!(kb.starts_with(&keys::search_exact_token_prefix(&ta, true)), ta == tb);
        prop_assert_eq!(
            kb.starts_with(&keys::search_token_prefix(&ta, true)),
            tb.as_bytes().starts_with(ta.as_bytes())
        );
        let (ha, hb) = (keys::postings_head(&ta), keys::postings_head(&tb));
        prop_assert_eq!(keys::parse_postings(&ha).unwrap().chunk, None);
        prop_assert_eq!(ha.cmp(&hb), ta.as_bytes().cmp(tb.as_bytes()));
        prop_assert!(ha < kb, "every head sorts before every tail");
        prop_assert_eq!(
            hb.starts_with(&keys::search_token_prefix(&ta, false)),
            tb.as_bytes().starts_with(ta.as_bytes())
        );
    }

    #[test]
    fn postings_key_parsing_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..24)) {
        if let Ok(parsed) = keys::parse_postings(&bytes) {
            let rebuilt = match parsed.chunk {
                Some(chunk) => keys::postings_tail(&parsed.token, chunk),
                None => keys::postings_head(&parsed.token),
            };
            prop_assert_eq!(rebuilt, bytes);
        }
    }

    #[test]
    fn generations_round_trip_and_order(a in any::<u64>(), b in any::<u64>()) {
        prop_assert_eq!(storage_keys::parse_generation(&storage_keys::generation(a)).unwrap(), a);
        prop_assert_eq!(storage_keys::generation(a).cmp(&storage_keys::generation(b)), a.cmp(&b));
    }

    #[test]
    fn generation_parsing_accepts_exactly_eight_bytes(bytes in prop::collection::vec(any::<u8>(), 0..16)) {
        prop_assert_eq!(storage_keys::parse_generation(&bytes).is_ok(), bytes.len() == 8);
    }
}

// ---------------------------------------------------------------------------------------
// Cursors
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn cursors_round_trip_and_name_their_list_and_data(
        position in 0usize..=u32::MAX as usize,
        slug in slug(),
        // Short names from few letters, so that equal ones are drawn too.
        (a, b) in ("[ab\"]{0,3}", "[ab\"]{0,3}"),
        data in any::<[u8; 8]>(),
    ) {
        let key = ListKey::new(ListName::Text(a.clone()), data);
        let cursor = key.encode(position, &slug);
        prop_assert_eq!(key.decode(&cursor), Ok(Seek { position, slug: slug.clone() }));
        let other = ListKey::new(ListName::Text(b.clone()), data);
        prop_assert_eq!(other.decode(&cursor).is_ok(), a == b);
        let mut other_data = data;
        other_data[0] ^= 1;
        let other = ListKey::new(ListName::Text(a), other_data);
        prop_assert_eq!(other.decode(&cursor), Err(CursorFault::Data));
    }

    #[test]
    fn cursor_decoding_never_panics(text in ".{0,48}", bytes in prop::collection::vec(any::<u8>(), 0..40)) {
        let key = ListKey::new(ListName::Text("[]".into()), [0; 8]);
        let _ = key.decode(&text);
        use base64::Engine as _;
        let _ = key.decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes));
    }
}

// ---------------------------------------------------------------------------------------
// Value codec
// ---------------------------------------------------------------------------------------

fn text() -> impl Strategy<Value = String> {
    "(?s).{0,12}"
}

/// Any day chrono can hold, as days from the common era.
fn day() -> impl Strategy<Value = i32> {
    NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce()
}

fn date() -> impl Strategy<Value = NaiveDate> {
    let (min, max) = (
        NaiveDate::MIN.num_days_from_ce(),
        NaiveDate::MAX.num_days_from_ce(),
    );
    (min..=max).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).expect("in range"))
}

/// Any `f64` but NaN (which is not equal to itself).
fn number() -> impl Strategy<Value = f64> {
    use proptest::num::f64::*;
    NORMAL | SUBNORMAL | ZERO | NEGATIVE | POSITIVE | INFINITE
}

fn citation() -> impl Strategy<Value = Citation> {
    (text(), any::<u32>(), text()).prop_map(|(section, paragraph, quote)| Citation {
        section,
        paragraph,
        quote,
    })
}

fn basis() -> impl Strategy<Value = KindBasis> {
    select(vec![KindBasis::Text, KindBasis::GeneralKnowledge])
}

fn details() -> impl Strategy<Value = Details> {
    use DocumentKind as D;
    let source = (
        text(),
        prop::collection::vec(
            (text(), prop::collection::vec(text(), 0..3))
                .prop_map(|(id, paragraphs)| Section { id, paragraphs }),
            0..3,
        ),
    )
        .prop_map(|(text, sections)| SourceText { text, sections });
    prop_oneof![
        (
            select(vec![
                D::Report,
                D::Initiative,
                D::Agenda,
                D::Plan,
                D::Strategy,
                D::Regulation,
                D::Note
            ]),
            basis(),
            any::<Option<i32>>(),
            any::<bool>(),
            prop::option::of(source),
        )
            .prop_map(|(kind, kind_basis, year, descriptive_name, source)| {
                Details::Document(DocumentDetails {
                    kind,
                    kind_basis,
                    year,
                    descriptive_name,
                    source,
                })
            }),
        (
            select(vec![EventKind::Conference, EventKind::Founding]),
            basis(),
            any::<bool>(),
            date(),
            prop::option::of(date()),
            prop::option::of(text()),
        )
            .prop_map(|(kind, kind_basis, descriptive_name, start, end, theme)| {
                Details::Event(EventDetails {
                    kind,
                    kind_basis,
                    descriptive_name,
                    start,
                    end,
                    theme,
                })
            }),
        (
            text(),
            any::<u32>(),
            text(),
            prop::collection::vec(text(), 0..3)
        )
            .prop_map(|(numeral, ordinal, statement, paragraphs)| {
                Details::Trend(TrendDetails {
                    numeral,
                    ordinal,
                    statement,
                    paragraphs,
                })
            }),
        (
            select(vec![
                ActorKind::InternationalOrganization,
                ActorKind::CountryGrouping,
                ActorKind::Government,
                ActorKind::Company,
                ActorKind::Agency,
                ActorKind::ResearchInstitute,
                ActorKind::IndustryAssociation,
                ActorKind::OrganizingBody,
                ActorKind::StakeholderGroup,
            ]),
            basis(),
            prop::option::of(date()),
        )
            .prop_map(|(kind, kind_basis, founded)| Details::Actor(ActorDetails {
                kind,
                kind_basis,
                founded
            })),
        (
            select(vec![
                PlaceKind::Locality,
                PlaceKind::Province,
                PlaceKind::Country
            ]),
            basis(),
        )
            .prop_map(|(kind, kind_basis)| Details::Place(PlaceDetails { kind, kind_basis })),
        (
            select(vec![
                TopicKind::Technology,
                TopicKind::Service,
                TopicKind::Subject
            ]),
            basis(),
        )
            .prop_map(|(kind, kind_basis)| Details::Topic(TopicDetails { kind, kind_basis })),
        (
            any::<bool>(),
            text(),
            prop::option::of(number()),
            prop::option::of(text()),
            prop::option::of(select(vec![
                Qualifier::MoreThan,
                Qualifier::Over,
                Qualifier::Exceeds,
                Qualifier::Half
            ])),
        )
            .prop_map(|(descriptive_name, text, value, unit, qualifier)| {
                Details::Statistic(StatisticDetails {
                    descriptive_name,
                    text,
                    value,
                    unit,
                    qualifier,
                })
            }),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    (
        text(),
        any::<u32>(),
        text(),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(citation(), 0..3),
        details(),
    )
        .prop_map(
            |(slug, position, name, aliases, citations, details)| Record {
                slug,
                position,
                name,
                aliases,
                citations,
                details,
            },
        )
}

fn edge() -> impl Strategy<Value = Edge> {
    (
        text(),
        select(Relation::ALL.to_vec()),
        text(),
        prop::option::of(text()),
        prop::collection::vec(citation(), 0..3),
        any::<u32>(),
    )
        .prop_map(|(from, relation, to, role, citations, position)| Edge {
            from,
            relation,
            to,
            role,
            citations,
            position,
        })
}

fn summary() -> impl Strategy<Value = SeedSummary> {
    (
        prop::collection::vec((text(), any::<u32>()), 0..8),
        any::<u32>(),
        text(),
    )
        .prop_map(|(records, edges, source_sha256)| SeedSummary {
            records,
            edges,
            source_sha256,
        })
}

/// Decodes `bytes` as every stored type; only `Ok` or `Err` may come back.
fn decode_all(bytes: &[u8]) {
    let _ = codec::decode::<Record>("record", bytes);
    let _ = codec::decode::<Edge>("edge", bytes);
    let _ = codec::decode::<SeedSummary>("seed summary", bytes);
    let _ = codec::decode::<u32>("term frequency", bytes);
    let _ = codec::decode_part::<Record>("record", bytes, 0);
    for part in 1..4 {
        let _ = codec::decode_part::<Vec<Edge>>("edge list", bytes, part);
    }
}

/// A `records` entry as the graph layer writes it: the record, then its two edge lists.
fn record_entry(record: &Record, outgoing: &[Edge], incoming: &[Edge]) -> Vec<u8> {
    codec::Parts::new("record")
        .push(record)
        .and_then(|p| p.push(&outgoing))
        .and_then(|p| p.push(&incoming))
        .unwrap()
        .finish()
}

/// Byte edits of a valid value or seed file: flips, truncations, insertions, deletions.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

fn edits(insertions: BoxedStrategy<Vec<u8>>) -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        1 => any::<usize>().prop_map(Edit::Truncate),
        3 => (any::<usize>(), insertions).prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => (any::<usize>(), 1..64usize).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => (any::<usize>(), 1..64usize).prop_map(|(i, n)| Edit::Duplicate(i, n)),
    ];
    prop::collection::vec(edit, 1..6)
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
        match edit {
            Edit::Flip(i, b) if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes[i] ^= b | 1;
            }
            Edit::Set(i, b) if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes[i] = *b;
            }
            Edit::Truncate(i) => bytes.truncate(at(*i, bytes.len())),
            Edit::Insert(i, b) => {
                let i = at(*i, bytes.len());
                bytes.splice(i..i, b.iter().copied());
            }
            Edit::Delete(i, n) => {
                let i = at(*i, bytes.len());
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Edit::Duplicate(i, n) => {
                let i = at(*i, bytes.len());
                let end = (i + n).min(bytes.len());
                let copy = bytes[i..end].to_vec();
                bytes.splice(i..i, copy);
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn records_round_trip(record in record()) {
        let bytes = codec::encode("record", &record).unwrap();
        prop_assert_eq!(bytes[0], codec::FORMAT_VERSION);
        prop_assert_eq!(codec::decode::<Record>("record", &bytes).unwrap(), record);
    }

    #[test]
    fn edges_and_summaries_round_trip(edge in edge(), summary in summary(), frequency in any::<u32>()) {
        let bytes = codec::encode("edge", &edge).unwrap();
        prop_assert_eq!(codec::decode::<Edge>("edge", &bytes).unwrap(), edge);
        let bytes = codec::encode("seed summary", &summary).unwrap();
        prop_assert_eq!(codec::decode::<SeedSummary>("seed summary", &bytes).unwrap(), summary);
        let bytes = codec::encode("term frequency", &frequency).unwrap();
        prop_assert_eq!(codec::decode::<u32>("term frequency", &bytes).unwrap(), frequency);
    }

    /// Random bytes rarely get past the version byte and the first length, so half the
    /// cases start with the version byte, and small bytes are frequent. The bytes 0xfb–0xfe
    /// are bincode's markers for 2- to 16-byte lengths.
    #[test]
    fn decoding_arbitrary_bytes_never_panics(
        versioned in any::<bool>(),
        bytes in prop::collection::vec(prop_oneof![0u8..8, 0xfbu8..=0xfe, any::<u8>()], 0..64),
    ) {
        let mut input = bytes;
        if versioned {
            input.insert(0, codec::FORMAT_VERSION);
        }
        decode_all(&input);
    }

    /// Damaged copies of valid values decode to an error or to some value, never a panic,
    /// whatever length prefixes (0xfb–0xfd + an integer) the damage writes.
    #[test]
    fn decoding_damaged_values_never_panics(
        record in record(),
        edits in edits(prop::collection::vec(any::<u8>(), 0..8).boxed()),
    ) {
        let valid = codec::encode("record", &record).unwrap();
        decode_all(&apply(valid, &edits));
    }

    #[test]
    fn record_entries_round_trip_part_by_part(
        record in record(),
        outgoing in prop::collection::vec(edge(), 0..4),
        incoming in prop::collection::vec(edge(), 0..4),
    ) {
        let bytes = record_entry(&record, &outgoing, &incoming);
        prop_assert_eq!(bytes[0], codec::FORMAT_VERSION);
        prop_assert_eq!(codec::decode_part::<Record>("record", &bytes, 0).unwrap(), record);
        prop_assert_eq!(codec::decode_part::<Vec<Edge>>("edges", &bytes, 1).unwrap(), outgoing);
        prop_assert_eq!(codec::decode_part::<Vec<Edge>>("edges", &bytes, 2).unwrap(), incoming);
        prop_assert!(codec::decode_part::<Vec<Edge>>("edges", &bytes, 3).is_err());
    }

    /// The part lengths are read from the value itself: damage that makes them lie must
    /// give an error, never a slice out of bounds.
    #[test]
    fn decoding_damaged_record_entries_never_panics(
        record in record(),
        outgoing in prop::collection::vec(edge(), 0..3),
        edits in edits(prop::collection::vec(any::<u8>(), 0..8).boxed()),
    ) {
        let valid = record_entry(&record, &outgoing, &outgoing);
        decode_all(&apply(valid, &edits));
    }
}

/// Regression (found by the codec property): with bincode 2's standard configuration, a
/// string's length prefix (`0xfd` + a u64) made it allocate that many bytes before
/// reading them: `2^63` panicked with "capacity overflow", `2^40` aborted the process.
/// `storage::codec` now decodes under a byte limit.
#[test]
fn decoding_a_huge_length_prefix_is_an_error() {
    for length in [1u64 << 63, 1 << 40] {
        let mut bytes = vec![codec::FORMAT_VERSION, 0xfd];
        bytes.extend_from_slice(&length.to_le_bytes());
        assert!(codec::decode::<Record>("record", &bytes).is_err());
        assert!(codec::decode::<String>("string", &bytes).is_err());
    }
}

// ---------------------------------------------------------------------------------------
// Seed → dump → seed
// ---------------------------------------------------------------------------------------

type Dump = Vec<(&'static str, Vec<(Vec<u8>, Vec<u8>)>)>;

/// The storage format, pinned: the frozen seed in `tests/fixtures/golden-seed/` stored
/// under this build's `FORMAT_VERSION` must give the data hash written beside that version
/// in `tests/fixtures/storage-format.txt`. A change of encoding (a field added to a record,
/// a key laid out otherwise) without a version bump would let an older database be read
/// as if it were this format.
#[test]
fn the_stored_bytes_change_only_with_the_format_version() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let golden = std::fs::read_to_string(format!("{fixtures}/storage-format.txt")).unwrap();
    let (version, hash) = golden.trim().split_once(' ').expect("`VERSION HASH`");
    let files =
        SeedFiles::read_dir(std::path::Path::new(&format!("{fixtures}/golden-seed"))).unwrap();
    let graph = Graph::new(Arc::new(MemoryStore::default()));
    seed(&graph, &files).unwrap();
    let (actual, _) = graph.verify().unwrap();
    assert_eq!(
        version,
        codec::FORMAT_VERSION.to_string(),
        "FORMAT_VERSION changed: write `{} {actual}` into tests/fixtures/storage-format.txt",
        codec::FORMAT_VERSION
    );
    assert_eq!(
        hash, actual,
        "the stored bytes changed without a FORMAT_VERSION bump: bump it (older databases \
         must then be re-seeded) and write the new version and hash into \
         tests/fixtures/storage-format.txt"
    );
}

fn seeded_dump(graph: &Graph) -> Dump {
    seed(graph, &SeedFiles::embedded()).expect("the embedded seed data is valid");
    graph.dump().unwrap()
}

#[test]
fn seed_dump_seed_is_identity() {
    let memory = Graph::new(Arc::new(MemoryStore::default()));
    let first = seeded_dump(&memory);
    assert!(first.iter().any(|(_, entries)| !entries.is_empty()));
    assert_eq!(seeded_dump(&memory), first, "re-seeding the same graph");
    let fresh = Graph::new(Arc::new(MemoryStore::default()));
    assert_eq!(seeded_dump(&fresh), first, "seeding a fresh memory graph");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let sled = Graph::new(Arc::new(SledStore::open(&path).unwrap()));
    assert_eq!(seeded_dump(&sled), first, "seeding a fresh sled database");
    assert_eq!(seeded_dump(&sled), first, "re-seeding the sled database");
    sled.flush().unwrap();
    drop(sled);
    let reopened = Graph::new(Arc::new(SledStore::open(&path).unwrap()));
    assert_eq!(
        reopened.dump().unwrap(),
        first,
        "the sled database reopened"
    );
}

// ---------------------------------------------------------------------------------------
// The seed loader on arbitrary input
// ---------------------------------------------------------------------------------------

const SOURCE: &str = include_str!("../seed/source.txt");
const SEED_FILES: [(&str, &str); 10] = [
    ("actors.toml", include_str!("../seed/actors.toml")),
    ("documents.toml", include_str!("../seed/documents.toml")),
    ("events.toml", include_str!("../seed/events.toml")),
    ("places.toml", include_str!("../seed/places.toml")),
    (
        "relations-conference.toml",
        include_str!("../seed/relations-conference.toml"),
    ),
    (
        "relations-organization.toml",
        include_str!("../seed/relations-organization.toml"),
    ),
    (
        "relations-trends.toml",
        include_str!("../seed/relations-trends.toml"),
    ),
    ("statistics.toml", include_str!("../seed/statistics.toml")),
    ("topics.toml", include_str!("../seed/topics.toml")),
    ("trends.toml", include_str!("../seed/trends.toml")),
];

/// Validates `files` under the `fuzz/` origin and checks the shape of any error: one line
/// per problem, each `fuzz/<file>:<line>:<column>: <message>` at a place inside that file.
fn check_seed(files: Vec<(String, String)>) -> Result<(), String> {
    let set = SeedFiles::from_files("fuzz/", files.clone());
    let problems = match set.validate() {
        Ok(_) => return Ok(()),
        Err(SeedError::Invalid(problems)) => problems,
        Err(other) => return Err(format!("validate returned {other:?}")),
    };
    if problems.is_empty() {
        return Err("an Invalid error without problems".into());
    }
    let rendered = SeedError::Invalid(problems.clone()).to_string();
    let lines: Vec<&str> = rendered.lines().collect();
    if lines.len() != problems.len() + 1 {
        return Err(format!(
            "{} problems rendered as {} lines after the header:\n{rendered}",
            problems.len(),
            lines.len() - 1
        ));
    }
    for line in &lines[1..] {
        let shape = || format!("not `file:line:column: message`: {line:?}");
        let (file, rest) = line.split_once(':').ok_or_else(shape)?;
        let (row, rest) = rest.split_once(':').ok_or_else(shape)?;
        let (column, message) = rest.split_once(": ").ok_or_else(shape)?;
        let (row, column): (usize, usize) = (
            row.parse().map_err(|_| shape())?,
            column.parse().map_err(|_| shape())?,
        );
        if message.trim().is_empty() || row == 0 || column == 0 {
            return Err(shape());
        }
        let name = file.strip_prefix("fuzz/").ok_or_else(shape)?;
        let text = &files
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| format!("problem in an unknown file: {line:?}"))?
            .1;
        let line_text = text.split('\n').nth(row - 1).ok_or_else(|| {
            format!(
                "line {row} is past the end of {name} ({} lines): {line:?}",
                text.split('\n').count()
            )
        })?;
        if column > line_text.chars().count() + 1 {
            return Err(format!(
                "column {column} is past the end of line {row}: {line:?}"
            ));
        }
    }
    Ok(())
}

fn one_file(toml: String, source: String) -> Vec<(String, String)> {
    vec![("x.toml".into(), toml), ("source.txt".into(), source)]
}

/// The real seed, with `edit` applied to the file at `index` (or to the source text).
fn real_seed_with(index: usize, edited: impl FnOnce(&str) -> String) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = SEED_FILES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    files.push(("source.txt".into(), SOURCE.into()));
    let index = index % files.len();
    files[index].1 = edited(&files[index].1);
    files
}

/// Text that looks like seed TOML: headers, keys, strings, dates, and stray punctuation.
fn toml_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        select(vec![
            "[[event]]\n",
            "[[actor]]\n",
            "[[relation]]\n",
            "[[document]]\n",
            "[[trend]]\n",
            "[[statistic]]\n",
            "[[topic]]\n",
            "[[place]]\n",
            "[event]\n",
            "[[",
            "]]",
            "[",
            "]",
            "id = ",
            "name = ",
            "kind = ",
            "cite = ",
            "from = ",
            "to = ",
            "type = ",
            "start = ",
            "end = ",
            "founded = ",
            "numeral = ",
            "statement = ",
            "value = ",
            "year = ",
            "file = ",
            "sections = ",
            "section = ",
            "paragraph = ",
            "quote = ",
            "role = ",
            "aliases = ",
            "\"wic-2017\"",
            "\"wic\"",
            "\"I\"",
            "\"acts_in\"",
            "\"conference\"",
            "2017-12-03",
            "\"2022-07-32\"",
            "1979-05-27T07:32:00Z",
            "{ section = \"intro\", paragraph = 1, quote = \"the\" }",
            "[{ section = \"I\", paragraph = 2, quote = \"digital\" }]",
            "\n",
            " ",
            "=",
            ",",
            "{",
            "}",
            "\"",
            "'",
            "'''",
            "\"\"\"",
            "#",
            "\\",
            "\\u0000",
            "\\n",
            "é",
            "乌镇",
            "\u{0}",
            "\r\n",
            "\t",
            "-",
            "1",
            "1e999",
            "nan",
            "inf",
            "true",
            "4294967296",
            "-1",
        ])
        .prop_map(str::to_string),
        "(?s).{0,4}",
    ];
    prop::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

fn insertion() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 1..4),
        select(vec![
            "\"",
            "\n",
            "[[",
            "]]",
            "=",
            "\\",
            "'''",
            "\"\"\"",
            "é",
            "乌",
            "\u{0}",
            "{",
            "}",
            "\n[[relation]]\n",
            "\nid = \"x\"\n",
            "#",
            ",",
            "\r"
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_seed_loader_survives_arbitrary_text(text in "(?s).{0,200}", bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_seed(one_file(text, SOURCE.into())).map_err(TestCaseError::fail)?;
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        check_seed(one_file(lossy, SOURCE.into())).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn the_seed_loader_survives_toml_like_text(text in toml_soup(), source in prop_oneof![Just(SOURCE.to_string()), "(?s).{0,40}"]) {
        check_seed(one_file(text, source)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn the_seed_loader_survives_a_damaged_seed_file(
        index in 0..SEED_FILES.len(),
        edits in edits(insertion()),
    ) {
        let (_, original) = SEED_FILES[index];
        let damaged = String::from_utf8_lossy(&apply(original.as_bytes().to_vec(), &edits)).into_owned();
        check_seed(one_file(damaged.clone(), SOURCE.into())).map_err(TestCaseError::fail)?;
    }

    /// Damage in one file of the whole seed reaches the cross-file checks (unknown ids,
    /// duplicates, quotes against the source text).
    #[test]
    fn the_seed_loader_survives_damage_in_the_whole_seed(
        index in 0..=SEED_FILES.len(),
        edits in edits(insertion()),
    ) {
        let files = real_seed_with(index, |text| {
            String::from_utf8_lossy(&apply(text.as_bytes().to_vec(), &edits)).into_owned()
        });
        check_seed(files).map_err(TestCaseError::fail)?;
    }
}

/// Regression (fuzz target `seed_loader`): a problem message quoted user text raw, so an
/// id, key or section written with a newline (`"a\nb"`) broke the problem over two lines,
/// and the second had no `file:line:column:`. Seen at `refers to unknown id` (from the
/// fuzzer), `unknown top-level key`, `unknown section`; `seed::parse::code` now escapes
/// such text.
#[test]
fn a_problem_quoting_text_with_a_newline_stays_on_one_line() {
    let places = SEED_FILES
        .iter()
        .position(|(n, _)| *n == "places.toml")
        .unwrap();
    let inputs = [
        // The fuzzer's crash, minimized: an unknown id with a newline.
        one_file(
            "[[relation]]\nfrom = \"wic-2017\"\ntype = \"projects\"\nto = \"tre\\n-iv\"\n\
             cite = [{ section = \"intro\", paragraph = 1, quote = \"x\" }]\n"
                .into(),
            SOURCE.into(),
        ),
        one_file("\"a\\nb\" = 1\n".into(), SOURCE.into()),
        real_seed_with(places, |text| {
            text.replacen("section = \"intro\"", "section = \"in\\ntro\"", 1)
        }),
    ];
    let findings: Vec<String> = inputs
        .into_iter()
        .filter_map(|files| {
            let edited = files
                .iter()
                .find(|(n, _)| n.ends_with(".toml"))
                .unwrap()
                .1
                .clone();
            let finding = check_seed(files).err()?;
            Some(format!(
                "{finding}\n(input starts {:?})",
                &edited[..edited.len().min(160)]
            ))
        })
        .collect();
    assert!(findings.is_empty(), "{}", findings.join("\n\n"));
}

#[test]
fn the_real_seed_passes_the_loader_checks() {
    check_seed(real_seed_with(0, str::to_string)).unwrap();
    assert!(
        SeedFiles::from_files("fuzz/", real_seed_with(0, str::to_string))
            .validate()
            .is_ok()
    );
}

// ---------------------------------------------------------------------------------------
// `/graphql` on arbitrary input
// ---------------------------------------------------------------------------------------

/// The state of a server over the embedded seed, built once for every case.
fn app_state() -> web::Data<AppState> {
    static STATE: OnceLock<web::Data<AppState>> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let graph = Graph::new(Arc::new(MemoryStore::default()));
            seed(&graph, &SeedFiles::embedded()).expect("the embedded seed data is valid");
            web::Data::new(AppState::new(graph, &Settings::default()).expect("no manifest"))
        })
        .clone()
}

/// POSTs `body` to `/graphql` through the real handler; any status but 5xx, always JSON.
fn check_post(body: Vec<u8>, accept: Option<&str>) -> Result<(), String> {
    let (status, bytes) = post(&app_state(), body.clone(), accept);
    let shown = || String::from_utf8_lossy(&bytes).into_owned();
    if status.is_server_error() {
        return Err(format!(
            "{status} for {:?}: {}",
            String::from_utf8_lossy(&body),
            shown()
        ));
    }
    if serde_json::from_slice::<Value>(&bytes).is_err() {
        return Err(format!(
            "{status} with a body that is not JSON: {}",
            shown()
        ));
    }
    Ok(())
}

/// `body` posted as JSON to the real `/graphql` handler over `state`: the status and body.
fn post(
    state: &web::Data<AppState>,
    body: Vec<u8>,
    accept: Option<&str>,
) -> (actix_web::http::StatusCode, actix_web::web::Bytes) {
    actix_web::rt::System::new().block_on(async move {
        let app = actix_test::init_service(
            App::new()
                .app_data(state.clone())
                .configure(wic_gql::http::routes),
        )
        .await;
        let mut request = actix_test::TestRequest::post()
            .uri("/graphql")
            .insert_header(("content-type", "application/json"));
        if let Some(accept) = accept {
            request = request.insert_header(("accept", accept));
        }
        let response = actix_test::call_service(&app, request.set_payload(body).to_request()).await;
        let status = response.status();
        (status, actix_test::read_body(response).await)
    })
}

/// A document as the body of a valid JSON request, under both response types.
fn check_document(document: &str) -> Result<(), String> {
    let body = serde_json::json!({ "query": document })
        .to_string()
        .into_bytes();
    check_post(body.clone(), None)?;
    check_post(body, Some("application/graphql-response+json"))
}

fn graphql_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        select(vec![
            "{",
            "}",
            "(",
            ")",
            ":",
            "...",
            "query",
            "mutation",
            "subscription",
            "fragment F on Event",
            "...F",
            "... on Actor",
            "event",
            "actor",
            "topic",
            "trend",
            "statistic",
            "place",
            "document",
            "node",
            "nodes",
            "edges",
            "events",
            "actors",
            "search",
            "relations",
            "trends",
            "founders",
            "citations",
            "slug",
            "id",
            "name",
            "aliases",
            "role",
            "__typename",
            "__schema",
            "__type(name: \"Event\")",
            "types",
            "fields",
            "totalCount",
            "pageInfo",
            "hasNextPage",
            "endCursor",
            "first:",
            "last:",
            "after:",
            "before:",
            "slug: \"wic-2017\"",
            "slug: \"wic\"",
            "query: \"digital divide\"",
            "id: \"\"",
            "ids: [\"x\"]",
            "0",
            "-1",
            "500",
            "501",
            "2147483648",
            "1e9",
            "\"\"",
            "\"\\u0000\"",
            "null",
            "true",
            "$v",
            "$v: Int = 1",
            "@include(if: true)",
            "@skip(if: $v)",
            "@deprecated",
            "orderBy: { field: NAME }",
            "kind: COMPANY",
            "filter: { year: 2022 }",
            "direction: INCOMING",
            "types: [ACTS_IN]",
            "a:",
            "b:",
            ",",
            "\n",
            " ",
            "#",
            "\"",
            "\"\"\"",
            "[",
            "]",
            "!",
            "=",
            "&",
            "|",
        ])
        .prop_map(str::to_string),
        "(?s).{0,3}",
    ];
    prop::collection::vec(token, 0..40).prop_map(|t| t.join(" "))
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn graphql_survives_arbitrary_bodies(bytes in prop::collection::vec(any::<u8>(), 0..120), text in "(?s).{0,120}") {
        check_post(bytes, None).map_err(TestCaseError::fail)?;
        check_post(text.into_bytes(), Some("application/graphql-response+json")).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn graphql_survives_arbitrary_documents(document in graphql_soup()) {
        check_document(&document).map_err(TestCaseError::fail)?;
    }
}

/// Regression (fuzz target `graphql_request`): a `slug:` argument holding U+0000 reached
/// the graph's record key (`graph/keys.rs`), whose `debug_assert!` forbids the key separator, so debug
/// builds panicked inside the resolver and answered 500 `INTERNAL_SERVER_ERROR`.
/// `api::connection::load_record` now checks `is_slug` first. The fuzzer's input,
/// minimized:
#[test]
fn a_slug_argument_with_a_nul_is_not_found() {
    let findings: Vec<String> = [
        r#"{ topic(slug: "artificia\u0000l") { name } }"#,
        r#"{ record(slug: "\u0000") { slug } }"#,
    ]
    .into_iter()
    .filter_map(|document| check_document(document).err())
    .chain(
        check_post(
            br#"{"query":"query($s: String!) { actor(slug: $s) { name } }","variables":{"s":"wic\u0000"}}"#
                .to_vec(),
            None,
        )
        .err(),
    )
    .collect();
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn graphql_answers_a_real_query() {
    check_document("{ event(slug: \"wic-2017\") { name trends(first: 2) { totalCount } } }")
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// Stored lists against the naive scan
// ---------------------------------------------------------------------------------------

/// Records with unique slugs and per-kind positions, names from a tiny alphabet (ties in
/// either case), and any details (dated and undated records of every kind).
fn list_records() -> impl Strategy<Value = Vec<Record>> {
    prop::collection::vec(("[aAbB ]{0,3}", details()), 0..700).prop_map(|drafts| {
        let mut next = std::collections::HashMap::new();
        (0..)
            .zip(drafts)
            .map(|(i, (name, details))| {
                let mut record = Record {
                    slug: format!("r{i}"),
                    position: 0,
                    name,
                    aliases: Vec::new(),
                    citations: Vec::new(),
                    details,
                };
                let position = next.entry(record.kind()).or_insert(0u32);
                record.position = *position;
                *position += 1;
                record
            })
            .collect()
    })
}

/// The list by the schema's description of each order, written out on its own: the model
/// the stored lists are checked against.
fn naive_list(
    records: &[Record],
    scope: &ListScope,
    order: ListOrder,
    descending: bool,
) -> Vec<String> {
    let mut found: Vec<&Record> = records
        .iter()
        .filter(|r| match scope {
            ListScope::Kinds(kinds) => kinds.contains(&r.kind()),
            ListScope::Sort(kind, sort) => r.kind() == *kind && r.subkind() == Some(*sort),
        })
        .collect();
    let seed_order = |r: &Record| (r.kind(), r.position);
    match order {
        ListOrder::Position => found.sort_by_key(|r| seed_order(r)),
        ListOrder::Name => found.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.slug.cmp(&b.slug))
        }),
        ListOrder::Date => found.sort_by_key(|r| {
            (
                r.date_span().is_none(),
                r.date_span().map(|s| s.0),
                seed_order(r),
            )
        }),
    }
    if descending {
        let dated = match order {
            ListOrder::Date => found.iter().filter(|r| r.date_span().is_some()).count(),
            _ => found.len(),
        };
        found[..dated].reverse();
    }
    found.into_iter().map(|r| r.slug.clone()).collect()
}

fn slugs_of(records: Vec<Arc<Record>>) -> Vec<String> {
    records.into_iter().map(|r| r.slug.clone()).collect()
}

/// A graph in memory holding `dataset`, with an empty seed summary.
fn memory_graph(dataset: Dataset) -> Graph {
    let graph = Graph::new(Arc::new(MemoryStore::default()));
    let summary = SeedSummary {
        records: Vec::new(),
        edges: 0,
        source_sha256: String::new(),
    };
    graph.replace(dataset, &summary).unwrap();
    graph
}

/// The embedded seed grown with synthetic clusters to at least `total` records, and a graph
/// in memory of it.
fn synthetic_graph(total: usize) -> (Dataset, Graph) {
    let dataset = wic_gql::seed::synthetic::grow(SeedFiles::embedded().validate().unwrap(), total);
    (dataset.clone(), memory_graph(dataset))
}

proptest! {
    #![proptest_config(config(24))]

    /// Every stored list (of some kinds, or of one sort of one kind), on the in-memory
    /// store and on sled, holds what the naive scan finds, in its order: whole, by page,
    /// counted, and scanned with a condition.
    #[test]
    fn stored_lists_answer_like_the_naive_scan_on_both_stores(
        records in list_records(),
        scope in prop_oneof![
            prop::sample::subsequence(RecordKind::ALL.to_vec(), 0..=RecordKind::ALL.len())
                .prop_map(ListScope::Kinds),
            (select(RecordKind::ALL.to_vec()), 0u8..10).prop_map(|(k, s)| ListScope::Sort(k, s)),
        ],
        order in select(ListOrder::ALL.to_vec()),
        descending in any::<bool>(),
        (start, length) in (0usize..800, 0usize..300),
        limit in 0usize..400,
        (from, to) in (day(), day()),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let sled = Graph::new(Arc::new(SledStore::open(&dir.path().join("db")).unwrap()));
        let memory = Graph::new(Arc::new(MemoryStore::default()));
        let dataset = Dataset { records: records.clone(), edges: Vec::new() };
        let summary = SeedSummary { records: Vec::new(), edges: 0, source_sha256: String::new() };
        let wanted = naive_list(&records, &scope, order, descending);
        let spec = ListSpec { scope, order, descending };
        let keep = |r: &Record| r.name.to_lowercase().starts_with('a');
        let kept: Vec<String> = wanted
            .iter()
            .filter(|s| keep(records.iter().find(|r| &&r.slug == s).unwrap()))
            .take(limit)
            .cloned()
            .collect();
        let meets = |r: &Record| {
            r.date_span().is_some_and(|(s, e)| e.num_days_from_ce() >= from && s.num_days_from_ce() <= to)
        };
        let met: Vec<String> = wanted
            .iter()
            .filter(|s| meets(records.iter().find(|r| &&r.slug == s).unwrap()))
            .cloned()
            .collect();
        let mut answers = Vec::new();
        for graph in [&memory, &sled] {
            graph.replace(dataset.clone(), &summary).unwrap();
            let list = graph.list(&spec).unwrap();
            if let Some(len) = list.len() {
                prop_assert_eq!(len, wanted.len());
                prop_assert_eq!(slugs_of(list.page(0..len).unwrap()), wanted.clone());
                let (from, to) = (start.min(len), (start + length).min(len));
                prop_assert_eq!(slugs_of(list.page(from..to).unwrap()), wanted[from..to].to_vec());
                // The slugs at cursors' positions come with a page, past the end as `None`.
                let probes = [0, start, start + length, len.saturating_sub(1), len];
                let read = list.page_and_slugs(from..to, &probes).unwrap();
                prop_assert_eq!(slugs_of(read.records), wanted[from..to].to_vec());
                let probed: Vec<Option<String>> = probes.iter().map(|&p| wanted.get(p).cloned()).collect();
                prop_assert_eq!(read.probed, probed);
            }
            prop_assert_eq!(list.count(None).unwrap(), wanted.len());
            prop_assert_eq!(slugs_of(list.scan(None, None).unwrap()), wanted.clone());
            prop_assert_eq!(slugs_of(list.scan(Some(limit), None).unwrap()), wanted[..limit.min(wanted.len())].to_vec());
            let found = slugs_of(list.scan(Some(limit), Some(&keep)).unwrap());
            prop_assert_eq!(&found, &kept);
            answers.push(found);
            // A date filter's narrowed list holds every record that meets the days.
            match list.dated_between(from, to) {
                Some(narrowed) => {
                    prop_assert_eq!(order, ListOrder::Date);
                    prop_assert_eq!(slugs_of(narrowed.scan(None, Some(&meets)).unwrap()), met.clone());
                    prop_assert_eq!(narrowed.count(Some(&meets)).unwrap(), met.len());
                }
                None => prop_assert!(order != ListOrder::Date || wanted.is_empty()),
            }
        }
        prop_assert_eq!(&answers[0], &answers[1]);
    }
}

/// Records named from a few words, "common" in three of four (beyond a head of postings at
/// a few hundred records), the others rarer.
fn worded_records() -> impl Strategy<Value = Vec<Record>> {
    let word = select(vec![
        "alpha", "alphabet", "beta", "gamma", "the", "Delta", "delta7",
    ]);
    prop::collection::vec((prop::collection::vec(word, 0..4), details()), 0..700).prop_map(
        |drafts| {
            (0u32..)
                .zip(drafts)
                .map(|(i, (words, details))| {
                    let common = if i % 4 == 0 { "" } else { "common " };
                    Record {
                        slug: format!("r{i}"),
                        position: i,
                        name: format!("{common}{}", words.join(" ")),
                        aliases: Vec::new(),
                        citations: Vec::new(),
                        details,
                    }
                })
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(config(24))]

    /// A text filter tests records for its words (`holds_terms`) exactly as the index finds
    /// them, a rare word's postings hold every record the filter can match, and its count in
    /// any list is the naive one.
    #[test]
    fn a_text_filter_finds_what_the_index_finds(
        records in worded_records(),
        words in prop::collection::vec(select(vec!["common", "alpha", "alp", "al", "beta", "gam", "the", "delta", "zeta", "COMMON"]), 0..4),
        scope in prop_oneof![
            prop::sample::subsequence(RecordKind::ALL.to_vec(), 0..=RecordKind::ALL.len())
                .prop_map(ListScope::Kinds),
            (select(RecordKind::ALL.to_vec()), 0u8..10).prop_map(|(k, s)| ListScope::Sort(k, s)),
        ],
        order in select(ListOrder::ALL.to_vec()),
    ) {
        let graph = memory_graph(Dataset { records: records.clone(), edges: Vec::new() });
        let list = graph.list(&ListSpec { scope: scope.clone(), order, descending: false }).unwrap();
        // The words drawn, and the one word in three of four records.
        for text in [words.join(" "), "common".to_string()] {
            let indexed = graph.matching_slugs(&text).unwrap();
            let found = graph.text_match(&text).unwrap();
            let held: std::collections::BTreeSet<String> = records
                .iter()
                .filter(|r| wic_gql::graph::search::holds_terms(r, &found.terms))
                .map(|r| r.slug.clone())
                .collect();
            prop_assert_eq!(&held, &indexed, "{:?}", text);
            // Its count in a list, from the postings and the list's slugs.
            let in_list = records.iter().filter(|r| scope.holds(r) && held.contains(&r.slug)).count();
            prop_assert_eq!(graph.count_matching(&text, &list).unwrap(), in_list, "{:?} in {:?}", text, scope);
            match &found.among {
                Some(among) => {
                    let among: std::collections::BTreeSet<String> = among.iter().cloned().collect();
                    prop_assert!(indexed.is_subset(&among), "{:?}", text);
                }
                // Only when every word is in more records than a head holds.
                None => prop_assert!(found.terms.iter().all(|t| records.iter().filter(|r| r.name.to_lowercase().contains(t.as_str())).count() >= 256), "{:?}", text),
            }
        }
        if records.len() > 400 {
            prop_assert!(graph.text_match("common").unwrap().among.is_none());
        }
    }
}

/// A date filter reads the chunks of the `Date` list its days can be in, not the list: a
/// month of 10 000 events a day apart (each of one to three days), with 100 documents of a
/// year each, is a few chunks, and the same records as the whole list filtered.
#[test]
fn a_date_filter_reads_only_the_chunks_its_days_can_be_in() {
    let first = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let record = |slug: String, position, details| Record {
        slug,
        position,
        name: String::new(),
        aliases: Vec::new(),
        citations: Vec::new(),
        details,
    };
    let mut records: Vec<Record> = (0..10_000u32)
        .map(|i| {
            let start = first + chrono::Days::new(u64::from(i));
            let details = Details::Event(EventDetails {
                kind: EventKind::Conference,
                kind_basis: KindBasis::Text,
                descriptive_name: false,
                start,
                end: Some(start + chrono::Days::new(u64::from(i % 3))),
                theme: None,
            });
            record(format!("event-{i}"), i, details)
        })
        .collect();
    records.extend((0..100u32).map(|i| {
        let details = Details::Document(DocumentDetails {
            kind: DocumentKind::Report,
            kind_basis: KindBasis::Text,
            year: Some(2000 + i as i32 / 4),
            descriptive_name: false,
            source: None,
        });
        record(format!("document-{i}"), i, details)
    }));
    let graph = memory_graph(Dataset {
        records,
        edges: Vec::new(),
    });
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap().num_days_from_ce();
    // A month, two years over several chunks, and a week across New Year that ends on the
    // first day of the events' eleventh chunk: (from, to, events met, documents met).
    let fence = (first + chrono::Days::new(10 * 256)).num_days_from_ce();
    let ranges = [
        (day(2010, 3, 1), day(2010, 3, 31), 32, 4),
        (day(2005, 6, 1), day(2007, 5, 31), 731, 12),
        (fence - 6, fence, 8, 8),
    ];
    for (from, to, events, documents) in ranges {
        let meets = |r: &Record| {
            r.date_span()
                .is_some_and(|(s, e)| e.num_days_from_ce() >= from && s.num_days_from_ce() <= to)
        };
        let days = (to - from + 1) as usize;
        for (kinds, met) in [
            (vec![RecordKind::Event], events),
            (RecordKind::ALL.to_vec(), events + documents),
        ] {
            for descending in [false, true] {
                let spec = ListSpec {
                    scope: ListScope::Kinds(kinds.clone()),
                    order: ListOrder::Date,
                    descending,
                };
                let list = graph.list(&spec).unwrap();
                let narrowed = list.dated_between(from, to).unwrap();
                let found = slugs_of(narrowed.scan(None, Some(&meets)).unwrap());
                assert_eq!(
                    found,
                    slugs_of(list.scan(None, Some(&meets)).unwrap()),
                    "{kinds:?}"
                );
                assert_eq!(found.len(), met, "{kinds:?}");
                // Events a day apart: the days and the longest span (a document's year) before them.
                let bound = if kinds.len() == 1 {
                    days + 2
                } else {
                    days + 366 + 20
                } + 2 * 256;
                assert!(
                    narrowed.extent() <= bound,
                    "{kinds:?}: {} of {}",
                    narrowed.extent(),
                    list.extent()
                );
            }
        }
    }
}

/// A word found in thousands of records is ranked from its head (the postings with the
/// highest impact): the search reads the records it returns and a batch more, not every
/// record the word is in.
#[test]
fn a_frequent_word_is_ranked_from_its_head_without_reading_every_match() {
    let (dataset, graph) = synthetic_graph(3_000);
    let matching = graph.matching_slugs("synthetic").unwrap();
    assert!(matching.len() > 2_500, "{}", matching.len());
    let hits = graph.search("synthetic", None, 5).unwrap();
    assert_eq!(hits.len(), 5);
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    let read = dataset
        .records
        .iter()
        .filter(|r| graph.cached_record(&r.slug).is_some())
        .count();
    assert!(read <= 16, "{read} records read for 5 hits");
}

/// `query`'s answer from the real `/graphql` handler over `state`.
fn post_query(state: &web::Data<AppState>, query: &str) -> Value {
    let body = serde_json::json!({ "query": query })
        .to_string()
        .into_bytes();
    let (_, bytes) = post(state, body, None);
    serde_json::from_slice(&bytes).expect("a JSON response")
}

/// A list of some but not all kinds, in `NAME` order, is read from the all-kinds list: its
/// `totalCount` is from the stored headers, and its last page and pages by cursor read
/// their own chunks and records only, through the real handler. Before, both read every record of
/// the list before the page (3.2 s for the count at a million records).
#[test]
fn a_list_of_some_kinds_reads_only_its_pages_records() {
    let (dataset, graph) = synthetic_graph(3_000);
    let state = web::Data::new(AppState::new(graph, &Settings::default()).unwrap());
    let mut wanted: Vec<&Record> = dataset
        .records
        .iter()
        .filter(|r| matches!(r.kind(), RecordKind::Actor | RecordKind::Topic))
        .collect();
    wanted.sort_by_key(|r| (r.name.to_lowercase(), r.slug.clone()));
    let nodes = |from: usize, to: usize| -> Value {
        wanted[from..to]
            .iter()
            .map(|r| serde_json::json!({ "slug": r.slug }))
            .collect()
    };
    let n = wanted.len();
    assert!(n > 1_500, "{n}");
    let read = || {
        let served = state.served();
        dataset
            .records
            .iter()
            .filter(|r| served.graph.cached_record(&r.slug).is_some())
            .count()
    };
    let list = "records(kinds: [ACTOR, TOPIC], orderBy: { field: NAME }";
    let last = post_query(
        &state,
        &format!("{{ {list}, last: 3) {{ totalCount nodes {{ slug }} pageInfo {{ startCursor hasPreviousPage }} }} }}"),
    );
    let page = &last["data"]["records"];
    assert_eq!(page["totalCount"], n, "{last}");
    assert_eq!(page["nodes"], nodes(n - 3, n), "{last}");
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true, "{last}");
    assert_eq!(read(), 3);
    // The two before the last page, by its first cursor.
    let cursor = page["pageInfo"]["startCursor"].as_str().unwrap();
    let before = post_query(
        &state,
        &format!("{{ {list}, last: 2, before: {cursor:?}) {{ nodes {{ slug }} }} }}"),
    );
    assert_eq!(
        before["data"]["records"]["nodes"],
        nodes(n - 5, n - 3),
        "{before}"
    );
    assert_eq!(read(), 5);
    // A page half-way, after a cursor made by the documented layout from the last one: the
    // headers say which chunk holds it, so it is one round trip for that chunk and one for
    // the page's records (reading the chunks up to it took four).
    use base64::Engine as _;
    let base64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let half = n / 2;
    let mut bytes = base64.decode(cursor).unwrap();
    bytes.truncate(17);
    bytes.extend((half as u32).to_be_bytes());
    bytes.extend(wanted[half].slug.as_bytes());
    let cursor = base64.encode(bytes);
    let trips = state.served().graph.round_trips();
    let middle = post_query(
        &state,
        &format!("{{ {list}, first: 3, after: {cursor:?}) {{ nodes {{ slug }} }} }}"),
    );
    assert_eq!(
        middle["data"]["records"]["nodes"],
        nodes(half + 1, half + 4),
        "{middle}"
    );
    assert_eq!(state.served().graph.round_trips() - trips, 2);
    assert_eq!(read(), 8);
}

/// A `text` filter's `totalCount`, for words too frequent for their postings' heads, is
/// counted from the postings and the lists' slugs, through the real handler: the naive
/// count over the records, with no record read beyond those of the first page's scan.
/// Counting by testing each record read every one of the list (1 235 topics).
#[test]
fn a_frequent_words_total_count_is_counted_without_reading_records() {
    let cases: [(&str, &str, &[RecordKind]); 4] = [
        ("topics", "synthetic", &[RecordKind::Topic]),
        ("topics", "synthetic topic", &[RecordKind::Topic]),
        ("records", "synthetic", &RecordKind::ALL),
        (
            "records(kinds: [ACTOR, TOPIC],",
            "synthetic",
            &[RecordKind::Actor, RecordKind::Topic],
        ),
    ];
    for (field, text, kinds) in cases {
        // A graph of its own, whose cache holds only what this case reads.
        let (dataset, graph) = synthetic_graph(3_000);
        let state = web::Data::new(AppState::new(graph.clone(), &Settings::default()).unwrap());
        let terms = graph.text_match(text).unwrap().terms;
        let holds = |r: &Record| {
            kinds.contains(&r.kind()) && wic_gql::graph::search::holds_terms(r, &terms)
        };
        assert!(
            graph.text_match(text).unwrap().among.is_none(),
            "{text:?} is frequent"
        );
        let list = match field.strip_suffix(',') {
            Some(field) => format!("{field} first: 1, filter: {{ text: {text:?} }})"),
            None => format!("{field}(first: 1, filter: {{ text: {text:?} }})"),
        };
        let answer = post_query(&state, &format!("{{ list: {list} {{ totalCount }} }}"));
        let naive = dataset.records.iter().filter(|r| holds(r)).count();
        assert!(naive > 256, "{field} {text:?}: {naive}");
        assert_eq!(
            answer["data"]["list"]["totalCount"], naive,
            "{field} {text:?}: {answer}"
        );
        // The generation the requests read, and its cache.
        let served = state.served();
        let read = dataset
            .records
            .iter()
            .filter(|r| served.graph.cached_record(&r.slug).is_some())
            .count();
        // The page (and `hasNextPage`) needs two matches: the scan reads the list in
        // order, 64 records at a time, up to the group holding the second.
        let spec = ListSpec {
            scope: ListScope::Kinds(kinds.to_vec()),
            order: ListOrder::Position,
            descending: false,
        };
        let in_order = graph.list(&spec).unwrap().scan(None, None).unwrap();
        let second = in_order.iter().filter(|r| holds(r)).nth(1).unwrap();
        let second = in_order.iter().position(|r| r.slug == second.slug).unwrap();
        assert!(
            second < read && read <= second + 64,
            "{field} {text:?}: {read} records read, the second match at {second}"
        );
    }
}

/// A filtered page that most records pass reads records a group of 64 at a time, not those
/// of every chunk in a batch: in a graph grown to 3 000 records, over a thousand topics
/// (every synthetic one) hold "synthetic", and a page of 5 of them reads the groups up to
/// its fifth match (the real topics, which come first, do not hold the word).
#[test]
fn a_filtered_page_reads_a_group_of_records_not_a_batch_of_chunks() {
    let (dataset, graph) = synthetic_graph(3_000);
    let spec = ListSpec {
        scope: ListScope::Kinds(vec![RecordKind::Topic]),
        order: ListOrder::Position,
        descending: false,
    };
    let list = graph.list(&spec).unwrap();
    let found = graph.text_match("synthetic").unwrap();
    assert!(
        found.among.is_none(),
        "a word too frequent for its postings"
    );
    let keep = |r: &Record| wic_gql::graph::search::holds_terms(r, &found.terms);
    let read = || {
        dataset
            .records
            .iter()
            .filter(|r| graph.cached_record(&r.slug).is_some())
            .count()
    };
    let page = list.scan(Some(5), Some(&keep)).unwrap();
    let page_read = read();
    let in_order = list.scan(None, None).unwrap();
    let fifth = in_order.iter().filter(|r| keep(r)).nth(4).unwrap();
    let before = in_order.iter().position(|r| r.slug == fifth.slug).unwrap();
    assert_eq!(
        slugs_of(page),
        slugs_of(
            in_order
                .iter()
                .filter(|r| keep(r))
                .take(5)
                .cloned()
                .collect()
        )
    );
    assert!(
        in_order.len() > 1024,
        "{} topics: more than a batch of chunks",
        in_order.len()
    );
    assert_eq!(
        page_read,
        (before / 64 + 1) * 64,
        "records read for a page of 5"
    );
    let all = list.count(Some(&keep)).unwrap();
    assert!(all > 1024, "{all}");
}
