//! The domain layer: records, relations and the source text, and [`Graph`], which reads and
//! writes them through the storage interface.
//!
//! Every read method is one or two store round trips whatever the number of records it
//! returns, so the API layer can batch per nesting level.

mod error;
pub mod keys;
mod lists;
mod model;
mod relation;
pub mod search;
mod source;
mod write;

pub use error::GraphError;
pub use lists::{sort_records, ListOrder, ListPage, ListScope, ListSpec, StoredList};
pub use model::*;
pub use relation::{Direction, Edge, EdgeRuns, Relation};
pub use source::{paragraphs, Section, SourceError, SourceText};
pub use write::{Dataset, SeedSummary};

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::storage::{codec, Entry, Store, Table};
use search::{PostingRef, SearchField};

/// Meta key of the [`SeedSummary`] of the current generation.
const META_SEED_SUMMARY: &[u8] = b"seed_summary";

/// A search result before it is shaped for the API.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub record: Arc<Record>,
    pub score: f64,
    /// How many distinct query terms the record matched.
    pub matched_terms: usize,
    pub field: SearchField,
    pub snippet: String,
}

/// The most decoded records and edge lists kept in memory; beyond it reads still work,
/// they just decode again. The seed data needs a few hundred.
const CACHE_CAPACITY: usize = 100_000;

/// A map keyed by slug with a fast hasher: the cache is read on every field of every
/// request, and std's SipHash guards against flooding that cannot happen here (only
/// records that exist are ever inserted, at most [`CACHE_CAPACITY`] of them).
type SlugMap<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// Decoded records and edge lists of the current generation, shared by every request.
///
/// The data only changes through [`Graph::replace`] (a running server holds the store's
/// lock), which clears the cache, so entries never go stale. Sharing `Arc`s spares every
/// request the decoding and the copies that dominated a nested query's profile.
#[derive(Default)]
struct DecodedCache {
    records: RwLock<SlugMap<Arc<Record>>>,
    /// One map per direction (see [`DecodedCache::edges`]), so a lookup borrows the slug
    /// instead of building a key.
    edge_lists: [RwLock<SlugMap<Arc<Vec<Edge>>>>; 2],
    /// The stored lists' headers, by header key: about a hundred.
    list_headers: RwLock<HashMap<Vec<u8>, Arc<lists::Header>>>,
    /// The first bytes of the data hash, once read (see [`Graph::data_hash_prefix`]).
    data_hash_prefix: RwLock<Option<[u8; 8]>>,
    /// Batched reads answered entirely from the cache.
    hits: AtomicU64,
}

impl DecodedCache {
    /// The edge lists of one direction.
    fn edges(&self, direction: Direction) -> &RwLock<SlugMap<Arc<Vec<Edge>>>> {
        match direction {
            Direction::Outgoing => &self.edge_lists[0],
            Direction::Incoming => &self.edge_lists[1],
        }
    }
}

/// The knowledge graph over a store.
#[derive(Clone)]
pub struct Graph {
    store: Arc<dyn Store>,
    cache: Arc<DecodedCache>,
}

impl Graph {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Graph {
            store,
            cache: Arc::default(),
        }
    }

    /// Batched reads issued so far: each is one store call, or none when the cache had
    /// everything (the N+1 tests compare these).
    pub fn round_trips(&self) -> u64 {
        self.store.round_trips() + self.cache.hits.load(Ordering::Relaxed)
    }

    /// Many records by slug, shared; at most one store round trip for those not cached.
    pub fn records_shared(&self, slugs: &[String]) -> Result<Vec<Option<Arc<Record>>>, GraphError> {
        let mut found: Vec<Option<Arc<Record>>> = {
            let cached = self.cache.records.read().expect("cache lock poisoned");
            slugs.iter().map(|s| cached.get(s).cloned()).collect()
        };
        let missing: Vec<String> = slugs
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(s, _)| s.clone())
            .collect();
        if missing.is_empty() {
            self.cache.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(found);
        }
        let loaded = self.records(&missing)?;
        let mut cached = self.cache.records.write().expect("cache lock poisoned");
        let loaded: HashMap<String, Arc<Record>> = missing
            .into_iter()
            .zip(loaded)
            .filter_map(|(slug, record)| Some((slug, Arc::new(record?))))
            .collect();
        for (slug, record) in &loaded {
            if cached.len() < CACHE_CAPACITY {
                cached.insert(slug.clone(), record.clone());
            }
        }
        for (slot, slug) in found.iter_mut().zip(slugs) {
            if slot.is_none() {
                *slot = loaded.get(slug).cloned();
            }
        }
        Ok(found)
    }

    /// The edges of each of `anchors` in `direction`, shared; at most one store round trip
    /// for the anchors not cached.
    pub fn edges_shared(
        &self,
        anchors: &[String],
        direction: Direction,
    ) -> Result<Vec<Arc<Vec<Edge>>>, GraphError> {
        let mut found: Vec<Option<Arc<Vec<Edge>>>> = {
            let cached = self
                .cache
                .edges(direction)
                .read()
                .expect("cache lock poisoned");
            anchors.iter().map(|a| cached.get(a).cloned()).collect()
        };
        let missing: Vec<String> = anchors
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(a, _)| a.clone())
            .collect();
        if missing.is_empty() {
            self.cache.hits.fetch_add(1, Ordering::Relaxed);
        } else {
            let loaded = self.edges(&missing, direction)?;
            let mut cached = self
                .cache
                .edges(direction)
                .write()
                .expect("cache lock poisoned");
            let loaded: HashMap<String, Arc<Vec<Edge>>> = missing
                .into_iter()
                .zip(loaded.into_iter().map(Arc::new))
                .collect();
            for (anchor, edges) in &loaded {
                if cached.len() < CACHE_CAPACITY {
                    cached.insert(anchor.clone(), edges.clone());
                }
            }
            for (slot, anchor) in found.iter_mut().zip(anchors) {
                if slot.is_none() {
                    *slot = loaded.get(anchor).cloned();
                }
            }
        }
        Ok(found.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// A record already decoded and cached, without a store call or a batch: the
    /// loaders' fast path once the cache is warm.
    pub fn cached_record(&self, slug: &str) -> Option<Arc<Record>> {
        let cached = self.cache.records.read().expect("cache lock poisoned");
        cached.get(slug).cloned()
    }

    /// The records of `slugs`, in order, if every one is already decoded and cached; `None`
    /// as soon as one is not. One lock for the lot: a nested level reads dozens.
    pub fn cached_records<'a>(
        &self,
        slugs: impl IntoIterator<Item = &'a str>,
    ) -> Option<Vec<Arc<Record>>> {
        let cached = self.cache.records.read().expect("cache lock poisoned");
        slugs
            .into_iter()
            .map(|slug| cached.get(slug).cloned())
            .collect()
    }

    /// An edge list already decoded and cached, without a store call or a batch.
    pub fn cached_edges(&self, anchor: &str, direction: Direction) -> Option<Arc<Vec<Edge>>> {
        let cached = self
            .cache
            .edges(direction)
            .read()
            .expect("cache lock poisoned");
        cached.get(anchor).cloned()
    }

    /// Whether the store has never been seeded.
    pub fn is_empty(&self) -> Result<bool, GraphError> {
        Ok(self.store.is_empty()?)
    }

    /// Makes every write durable.
    pub fn flush(&self) -> Result<(), GraphError> {
        Ok(self.store.flush()?)
    }

    /// The checksum of the data, recorded by the seed: the same on every database seeded
    /// from the same files, whatever the machine. `None` before the first seed.
    pub fn data_hash(&self) -> Result<Option<String>, GraphError> {
        Ok(self.store.checksum()?)
    }

    /// The first 8 bytes of the [`Graph::data_hash`] (zeros before the first seed): what
    /// names a generation in a cursor. Read once, then from the cache.
    pub fn data_hash_prefix(&self) -> Result<[u8; 8], GraphError> {
        if let Some(prefix) = *self
            .cache
            .data_hash_prefix
            .read()
            .expect("cache lock poisoned")
        {
            return Ok(prefix);
        }
        let mut prefix = [0u8; 8];
        if let Some(hash) = self.data_hash()? {
            // The checksum is lowercase hex; anything else leaves zeros where it is not.
            for (byte, pair) in prefix.iter_mut().zip(hash.as_bytes().chunks(2)) {
                *byte = std::str::from_utf8(pair)
                    .ok()
                    .and_then(|p| u8::from_str_radix(p, 16).ok())
                    .unwrap_or(0);
            }
        }
        *self
            .cache
            .data_hash_prefix
            .write()
            .expect("cache lock poisoned") = Some(prefix);
        Ok(prefix)
    }

    /// The current generation as a graph of its own, read-only, with a cache of its own:
    /// later seeds into this graph's store do not change what it answers.
    pub fn pinned(&self) -> Result<Graph, GraphError> {
        Ok(Graph::new(self.store.pinned()?))
    }

    /// Reads every stored entry and checks them against the seed's checksum; the
    /// checksum and the number of entries read.
    pub fn verify(&self) -> Result<(String, u64), GraphError> {
        Ok(self.store.verify()?)
    }

    /// One record by slug.
    pub fn record(&self, slug: &str) -> Result<Option<Record>, GraphError> {
        self.store
            .get(Table::Records, &keys::record(slug))?
            .map(|bytes| codec::decode_part("record", &bytes, write::RECORD_PART))
            .transpose()
            .map_err(Into::into)
    }

    /// Many records by slug in one round trip; `None` where a slug is unknown.
    pub fn records(&self, slugs: &[String]) -> Result<Vec<Option<Record>>, GraphError> {
        let keys: Vec<Vec<u8>> = slugs.iter().map(|s| keys::record(s)).collect();
        self.store
            .get_many(Table::Records, &keys)?
            .into_iter()
            .map(|v| {
                v.map(|bytes| codec::decode_part("record", &bytes, write::RECORD_PART))
                    .transpose()
            })
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// Every record of `kind`, in seed order, shared from the cache of decoded records.
    pub fn records_of_kind(&self, kind: RecordKind) -> Result<Vec<Arc<Record>>, GraphError> {
        let list = self.list(&ListSpec {
            scope: ListScope::Kinds(vec![kind]),
            order: ListOrder::Position,
            descending: false,
        })?;
        list.page(0..list.len().unwrap_or(0))
    }

    /// The edges of each of `anchors` in `direction`, in one round trip; each list in
    /// relation order, then seed order.
    pub fn edges(
        &self,
        anchors: &[String],
        direction: Direction,
    ) -> Result<Vec<Vec<Edge>>, GraphError> {
        let keys: Vec<Vec<u8>> = anchors.iter().map(|a| keys::record(a)).collect();
        let part = write::edge_part(direction);
        self.store
            .get_many(Table::Records, &keys)?
            .into_iter()
            .map(|entry| match entry {
                Some(bytes) => codec::decode_part("edge list", &bytes, part).map_err(Into::into),
                None => Ok(Vec::new()),
            })
            .collect()
    }

    /// The number of the generation served, if the store keeps generations (sled does).
    pub fn generation(&self) -> Result<Option<u64>, GraphError> {
        self.store.generation().map_err(Into::into)
    }

    /// The summary written by the last seed.
    pub fn summary(&self) -> Result<Option<SeedSummary>, GraphError> {
        self.store
            .meta(META_SEED_SUMMARY)?
            .map(|bytes| codec::decode("seed summary", &bytes))
            .transpose()
            .map_err(Into::into)
    }

    /// Replaces the whole graph with `dataset`, atomically.
    ///
    /// The dataset is dropped once its entries are built, on a thread of its own while the
    /// store writes them: a seed holds the dataset or its batch, not both at once.
    pub fn replace(&self, dataset: Dataset, summary: &SeedSummary) -> Result<(), GraphError> {
        let batch = write::build_batch(&dataset)?;
        let meta = vec![(
            META_SEED_SUMMARY.to_vec(),
            codec::encode("seed summary", summary)?,
        )];
        std::thread::scope(|scope| {
            scope.spawn(move || drop(dataset));
            self.store.replace_all(batch, meta)
        })?;
        self.cache
            .records
            .write()
            .expect("cache lock poisoned")
            .clear();
        for edge_lists in &self.cache.edge_lists {
            edge_lists.write().expect("cache lock poisoned").clear();
        }
        self.cache
            .list_headers
            .write()
            .expect("cache lock poisoned")
            .clear();
        *self
            .cache
            .data_hash_prefix
            .write()
            .expect("cache lock poisoned") = None;
        Ok(())
    }

    /// Every stored entry of every data table, in key order: two equal dumps mean two
    /// byte-identical databases.
    pub fn dump(&self) -> Result<Vec<(&'static str, Vec<Entry>)>, GraphError> {
        Table::ALL
            .into_iter()
            .map(|t| Ok((t.name(), self.store.scan_prefix(t, &[])?)))
            .collect()
    }

    /// Records matching the words of `query`, best first: more distinct terms matched,
    /// then a higher weighted score. The last term also matches as a prefix (3+ letters).
    ///
    /// Only the head of each matching token is read: its highest-impact postings (see
    /// `write::SEARCH_HEAD`), so a word found in a million records costs about what a rare
    /// one does. The ranking is exact when no matching token has more postings than a
    /// head holds (every search of the seed data); beyond that, it ranks the records found
    /// in the heads, by the postings found there: a record none of whose postings made a
    /// head is not a hit, and a hit's score leaves out its postings in the tails.
    pub fn search(
        &self,
        query: &str,
        kinds: Option<&[RecordKind]>,
        limit: usize,
    ) -> Result<Vec<SearchHit>, GraphError> {
        let terms = dedup(search::tokenize(query));
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let entries = self.posting_entries(&terms, false)?;
        let postings = score(&terms, &entries)?;
        let ranked: Vec<RankKey> = postings.iter().map(|(s, p)| rank_key(s, p)).collect();
        // Records are read in rank order, only as many as the hits need: each batch is the
        // best of what is left, taken in one pass (a common word may match thousands of
        // records, a page is a few; the order is total, so the batches are the full sort's).
        let mut hits: Vec<Arc<Record>> = Vec::with_capacity(limit);
        let mut after = None;
        while hits.len() < limit {
            let batch = next_smallest(&ranked, after, limit.max(16));
            let Some(&last) = batch.last() else {
                break;
            };
            after = Some(last);
            let slugs: Vec<String> = batch
                .iter()
                .map(|(_, _, slug)| slug_text(slug))
                .collect::<Result<_, _>>()?;
            hits.extend(
                self.records_shared(&slugs)?
                    .into_iter()
                    .flatten()
                    .filter(|r| kinds.is_none_or(|ks| ks.contains(&r.kind())))
                    .take(limit - hits.len()),
            );
        }
        // Snippets only for the hits returned: a common word may match thousands.
        Ok(hits
            .into_iter()
            .map(|record| {
                let found = &postings[record.slug.as_bytes()];
                let snippet = search::field_texts(&record)
                    .into_iter()
                    .find(|(f, text)| {
                        *f == found.best_field
                            && search::tokenize(text)
                                .iter()
                                .any(|w| terms.iter().any(|t| w.starts_with(t.as_str())))
                    })
                    .map(|(_, text)| search::snippet(text, &terms))
                    .unwrap_or_default();
                SearchHit {
                    score: found.score,
                    matched_terms: found.terms.len(),
                    field: found.best_field,
                    snippet,
                    record,
                }
            })
            .collect())
    }

    /// The slugs of the records that contain every word of `text` (the `text` filter):
    /// every posting of each word, heads and tails.
    pub fn matching_slugs(&self, text: &str) -> Result<BTreeSet<String>, GraphError> {
        let terms = dedup(search::tokenize(text));
        let entries = self.posting_entries(&terms, true)?;
        holding_all(terms.len(), &entries)?
            .into_iter()
            .map(slug_text)
            .collect()
    }

    /// How many records of `list` contain every word of `text` (a `text` filter's
    /// `totalCount`): the slugs in every word's postings, heads and tails, counted among
    /// the list's stored slugs. No record is read: a word in most of a million records
    /// costs a pass over its postings and the list's chunks, not a decoding of each record.
    pub fn count_matching(&self, text: &str, list: &StoredList) -> Result<usize, GraphError> {
        let terms = dedup(search::tokenize(text));
        if terms.is_empty() {
            return Ok(0);
        }
        let entries = self.posting_entries(&terms, true)?;
        list.count_among(&holding_all(terms.len(), &entries)?)
    }

    /// How a `text` filter of `text` finds its records, from the heads of its words only:
    /// among the postings of its rarest word when that word's postings are all in its heads
    /// (then no record without them can match), else by testing records in list order.
    pub fn text_match(&self, text: &str) -> Result<TextMatch, GraphError> {
        let terms = dedup(search::tokenize(text));
        let entries = self.posting_entries(&terms, false)?;
        // Per term: whether every head of its tokens is whole (no tail), and their slugs.
        let mut heads: Vec<(bool, BTreeSet<&[u8]>)> = vec![(true, BTreeSet::new()); terms.len()];
        for (i, entries) in &entries {
            for (_, value) in entries {
                let postings: Vec<PostingRef> = codec::decode_borrowed("postings", value)?;
                let head = &mut heads[*i];
                head.0 &= postings.len() < write::SEARCH_HEAD;
                head.1.extend(postings.iter().map(|p| p.slug));
            }
        }
        let rarest = heads
            .into_iter()
            .filter(|(whole, _)| *whole)
            .map(|(_, slugs)| slugs)
            .min_by_key(BTreeSet::len);
        let among = match (rarest, terms.is_empty()) {
            (_, true) => Some(Vec::new()),
            (Some(slugs), false) => {
                Some(slugs.into_iter().map(slug_text).collect::<Result<_, _>>()?)
            }
            (None, false) => None,
        };
        Ok(TextMatch { terms, among })
    }

    /// One round trip over the full-text index for all terms: the entries of the heads of
    /// their tokens (with `tails`, of every posting), each with the index of its term.
    fn posting_entries(
        &self,
        terms: &[String],
        tails: bool,
    ) -> Result<Vec<(usize, Vec<Entry>)>, GraphError> {
        let parts: &[bool] = if tails { &[false, true] } else { &[false] };
        let mut prefixes = Vec::new();
        let mut owners = Vec::new();
        for (i, t) in terms.iter().enumerate() {
            for &tail in parts {
                prefixes.push(if search::is_prefix_term(terms, i) {
                    keys::search_token_prefix(t, tail)
                } else {
                    keys::search_exact_token_prefix(t, tail)
                });
                owners.push(i);
            }
        }
        Ok(owners
            .into_iter()
            .zip(self.store.scan_prefixes(Table::Search, &prefixes)?)
            .collect())
    }
}

/// How a `text` filter finds its records ([`Graph::text_match`]).
pub struct TextMatch {
    /// Its words, as the index reads them; [`search::holds_terms`] tests a record for them.
    pub terms: Vec<String>,
    /// The records it can match, when its rarest word's postings are few enough to be all
    /// in that word's heads (none, when it has no word); `None` when every word is in more
    /// records than a head holds: a list is then read in order, each record tested.
    pub among: Option<Vec<String>>,
}

/// The records the postings in `entries` name, each with its score, the terms it matched
/// and its best field. Slugs are borrowed from the entries: nothing is allocated per
/// posting, only per record found.
fn score<'a>(
    terms: &[String],
    entries: &'a [(usize, Vec<Entry>)],
) -> Result<HashMap<&'a [u8], Postings, foldhash::fast::RandomState>, GraphError> {
    let mut tokens = Vec::new();
    for (i, entries) in entries {
        for (key, value) in entries {
            let key = keys::parse_postings(key)?;
            let exactness = if key.token == terms[*i] { 1.0 } else { 0.5 };
            let mut postings: Vec<PostingRef<'a>> = codec::decode_borrowed("postings", value)?;
            // A record's postings add up in field order, whatever order they are
            // stored in: floating-point sums depend on it, and scores are compared
            // to the last digit (the conformance suite). Heads are stored in that order;
            // tails, by impact, are sorted here.
            let in_order = |a: &PostingRef, b: &PostingRef| (a.slug, a.field) <= (b.slug, b.field);
            if !postings.is_sorted_by(in_order) {
                postings.sort_unstable_by(|a, b| (a.slug, a.field).cmp(&(b.slug, b.field)));
            }
            tokens.push((*i, exactness, postings));
        }
    }
    // Slugs are our own stored keys, not a client's: a fast hasher, sized once.
    let mut found: HashMap<&'a [u8], Postings, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(
            tokens.iter().map(|(_, _, p)| p.len()).sum(),
            Default::default(),
        );
    for (i, exactness, postings) in tokens {
        for posting in postings {
            let Some(field) = SearchField::from_tag(posting.field) else {
                continue;
            };
            let weight = exactness * posting.impact();
            let entry = found.entry(posting.slug).or_insert_with(|| Postings {
                score: 0.0,
                terms: TermSet::default(),
                best_field: field,
                best_weight: 0.0,
            });
            entry.score += weight;
            entry.terms.insert(i);
            if weight > entry.best_weight {
                entry.best_weight = weight;
                entry.best_field = field;
            }
        }
    }
    Ok(found)
}

/// The slugs that the postings in `entries` name for every one of `terms` terms: the
/// slugs of the term with the fewest postings (of all its tokens), then those of each
/// other term among them. Only the first term's slugs are inserted whole; a frequent
/// term beside a rare one is only looked up.
fn holding_all(
    terms: usize,
    entries: &[(usize, Vec<Entry>)],
) -> Result<HashSet<&[u8], foldhash::fast::RandomState>, GraphError> {
    let mut postings: Vec<Vec<PostingRef>> = (0..terms).map(|_| Vec::new()).collect();
    for (i, entries) in entries {
        for (_, value) in entries {
            let decoded: Vec<PostingRef> = codec::decode_borrowed("postings", value)?;
            postings[*i].extend(
                decoded
                    .into_iter()
                    .filter(|p| SearchField::from_tag(p.field).is_some()),
            );
        }
    }
    postings.sort_by_key(Vec::len);
    let mut postings = postings.into_iter();
    let first = postings.next().unwrap_or_default();
    let mut all: HashSet<&[u8], foldhash::fast::RandomState> =
        HashSet::with_capacity_and_hasher(first.len(), Default::default());
    all.extend(first.iter().map(|p| p.slug));
    for term in postings {
        let mut among = HashSet::with_capacity_and_hasher(all.len(), Default::default());
        among.extend(term.iter().map(|p| p.slug).filter(|s| all.contains(s)));
        all = among;
    }
    Ok(all)
}

/// A search candidate's place in the ranking, smallest first: more matched terms, then the
/// higher score, then the slug. Integers first, so that only a tie compares slugs.
type RankKey<'a> = (Reverse<usize>, Reverse<i64>, &'a [u8]);

fn rank_key<'a>(slug: &'a [u8], found: &Postings) -> RankKey<'a> {
    // The order of `f64::total_cmp`, as an integer.
    let bits = found.score.to_bits() as i64;
    let score = bits ^ (((bits >> 63) as u64) >> 1) as i64;
    (Reverse(found.terms.len()), Reverse(score), slug)
}

/// The `size` smallest of `keys` that are greater than `after` (any, when `None`), in order:
/// one pass, keeping the best in a heap of `size`.
fn next_smallest<T: Ord + Copy>(keys: &[T], after: Option<T>, size: usize) -> Vec<T> {
    let mut heap = BinaryHeap::with_capacity(size);
    for &key in keys {
        if after.is_some_and(|after| key <= after) {
            continue;
        }
        if heap.len() < size {
            heap.push(key);
        } else if let Some(mut worst) = heap.peek_mut() {
            if key < *worst {
                *worst = key;
            }
        }
    }
    heap.into_sorted_vec()
}

/// A slug read from the index as bytes, as text: not UTF-8 is an index that names no record.
fn slug_text(slug: &[u8]) -> Result<String, GraphError> {
    String::from_utf8(slug.to_vec())
        .map_err(|_| GraphError::Dangling(String::from_utf8_lossy(slug).into_owned()))
}

struct Postings {
    score: f64,
    terms: TermSet,
    best_field: SearchField,
    best_weight: f64,
}

/// The indexes of the query terms a record matched: a bit each for the first 64 (a query
/// has a few words), a set for any beyond, so that a record found costs no allocation.
#[derive(Default)]
struct TermSet {
    low: u64,
    high: BTreeSet<usize>,
}

impl TermSet {
    fn insert(&mut self, term: usize) {
        if term < 64 {
            self.low |= 1 << term;
        } else {
            self.high.insert(term);
        }
    }

    fn len(&self) -> usize {
        self.low.count_ones() as usize + self.high.len()
    }
}

fn dedup(terms: Vec<String>) -> Vec<String> {
    let mut seen = HashMap::new();
    terms
        .into_iter()
        .filter(|t| seen.insert(t.clone(), ()).is_none())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{next_smallest, TermSet};

    #[test]
    fn batches_of_the_smallest_are_the_full_sort_in_pieces() {
        // A scrambled permutation with ties on the first part of the key.
        let keys: Vec<(u8, u32)> = (0..1000u32)
            .map(|i| ((i * 7 % 5) as u8, i * 7919 % 1000))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        for size in [1, 3, 16, 999, 1000, 2000] {
            let mut batches = Vec::new();
            let mut after = None;
            // Bounded: a batch that repeats what came before must fail, not loop for ever.
            for _ in 0..=keys.len() {
                let batch = next_smallest(&keys, after, size);
                let Some(&last) = batch.last() else { break };
                assert!(batch.len() == size || batches.len() + batch.len() == keys.len());
                after = Some(last);
                batches.extend(batch);
            }
            assert_eq!(batches, sorted, "batches of {size}");
        }
    }

    #[test]
    fn a_term_set_counts_terms_past_the_bitmask() {
        let mut set = TermSet::default();
        for term in [0, 3, 3, 63, 64, 64, 200] {
            set.insert(term);
        }
        assert_eq!(set.len(), 5);
    }
}
