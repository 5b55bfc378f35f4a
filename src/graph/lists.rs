//! Top-level lists from stored indexes: each ordering of each kind's records, of each sort
//! of record of a kind (`actors(kind: COMPANY)`) and, where a merge would otherwise be
//! needed, of every record, is stored in that order, in chunks,
//! behind a header with its length, so a page reads only the chunks it covers and a
//! length is one read.
//!
//! A list is one or two segments: `Position` and `Name` have one; `Date` has the dated
//! records, then the undated ones. Descending reads the first segment backwards and
//! leaves the undated segment in ascending order (undated records sort last either way).

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::keys;
use super::{Graph, GraphError, Record, RecordKind};
use crate::storage::{codec, Entry, Table};

/// Items per stored chunk: a page of a few dozen reads one or two chunks, each decoded in
/// microseconds; a million records make about four thousand chunks per ordering.
const LIST_CHUNK: usize = 256;

/// The most chunks read per round trip while scanning a filtered list: a scan reads one
/// chunk first and doubles up to this, so a filter most records pass reads one chunk.
const SCAN_BATCH: usize = 4;

/// Records read and tested at a time while a filtered scan looks for a page: a frequent
/// match fills the page from the first few dozen, not from every record of the batch.
const SCAN_RECORDS: usize = 64;

/// The most chunks read per round trip where no record is read with them
/// ([`StoredList::count_among`]): 64 chunks are 16 384 items, about
/// half a megabyte.
const COUNT_BATCH: usize = 64;

/// The scope byte of the lists over every kind.
const ALL_KINDS: u8 = 0xFF;

/// The number of kinds: the width of a row of [`Header::kinds_before`].
const KINDS: usize = RecordKind::ALL.len();

/// What a top-level list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListOrder {
    /// Kind, then seed position.
    Position,
    /// Lowercased name, then slug.
    Name,
    /// Start day, then kind and position; undated records last, by kind and position.
    Date,
}

impl ListOrder {
    /// Every ordering, in tag order. The tag is part of stored keys: never renumber.
    pub const ALL: [ListOrder; 3] = [ListOrder::Position, ListOrder::Name, ListOrder::Date];

    fn tag(self) -> u8 {
        self as u8
    }

    /// Whether the order is also stored over all kinds: merging per-kind lists is only a
    /// concatenation for `Position`, whose key starts with the kind.
    fn stored_over_all_kinds(self) -> bool {
        self != ListOrder::Position
    }
}

/// The sort key of `record` in `order`. One definition for the stored indexes and for
/// lists sorted in memory.
///
/// `Position` and `Date` compare integers only: a key with the name's empty strings in it
/// spent seeding's time in `memcmp` (bench/results/optimizations.md, "Seeding").
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey<'a> {
    /// The segment (0, or 1 for an undated record in `Date`), the start day (days from
    /// the common era), then kind and position.
    Ints(u8, i32, RecordKind, u32),
    /// The lowercased name, the slug (borrowed from the record), then kind and position.
    Name(String, &'a str, RecordKind, u32),
}

/// The segment `record` is stored in, in `order`: 1 for an undated record in `Date`
/// (undated records sort last either way), else 0.
fn segment(order: ListOrder, record: &Record) -> u8 {
    u8::from(order == ListOrder::Date && record.date_span().is_none())
}

fn sort_key(order: ListOrder, record: &Record) -> SortKey<'_> {
    use chrono::Datelike;
    let (kind, position) = (record.kind(), record.position);
    match order {
        ListOrder::Position => SortKey::Ints(0, 0, kind, position),
        ListOrder::Name => SortKey::Name(
            record.name.to_lowercase(),
            record.slug.as_str(),
            kind,
            position,
        ),
        ListOrder::Date => match record.date_span() {
            Some((start, _)) => SortKey::Ints(0, start.num_days_from_ce(), kind, position),
            None => SortKey::Ints(segment(order, record), 0, kind, position),
        },
    }
}

/// Sorts `records` as the stored list of `order` reads them: ascending, or descending
/// with the undated records of `Date` still last and ascending.
pub fn sort_records(records: &mut [Arc<Record>], order: ListOrder, descending: bool) {
    let mut keyed: Vec<(SortKey, Arc<Record>)> = records
        .iter()
        .map(|r| (sort_key(order, r), r.clone()))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let sorted: Vec<Arc<Record>> = keyed.into_iter().map(|(_, r)| r).collect();
    records.clone_from_slice(&sorted);
    if descending {
        // Sorted, the first segment comes first: no key is built again to find its end.
        let first_segment = records.partition_point(|r| segment(order, r) == 0);
        records[..first_segment].reverse();
    }
}

/// The scope byte of the lists of one sort of record (`Record::subkind`) of `kind`: after
/// every kind's scope and before [`ALL_KINDS`]. Part of stored keys.
fn sort_scope(kind: RecordKind, sort: u8) -> u8 {
    debug_assert!(sort < 0x10, "a kind has at most 16 sorts");
    0x10 * (kind.tag() + 1) + sort
}

/// A stored list's header: the length of each segment, in the all-kinds lists how many
/// items of each kind precede each chunk, and in `Date` where its chunks start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Header {
    lengths: Vec<u32>,
    /// All-kinds lists only: per segment, for each chunk and one past the last, the number
    /// of items of each kind before it (`[chunk * KINDS + kind]`), so that a list of some
    /// kinds finds the chunk of its `n`th item by a binary search, not by reading the
    /// chunks before it.
    kinds_before: Vec<Vec<u32>>,
    /// `Date` only: the start day (days from the common era) of the first item of each
    /// chunk of the dated segment, and the longest span (end − start, in days) in it, so
    /// that a date filter reads only the chunks whose records can meet its days.
    fences: Vec<i32>,
    longest: i32,
}

/// The items of each segment of one scope as they are laid out, and in `Date` the start
/// day of each dated item and the longest span.
#[derive(Default)]
struct Laying<'a> {
    segments: Vec<Vec<(u8, &'a str)>>,
    starts: Vec<i32>,
    longest: i32,
}

/// The entries of the `lists` table for `records`: for each ordering, the list of each kind,
/// of each sort of record of each kind that has any, and of every kind where
/// [`ListOrder::stored_over_all_kinds`]; a header ([`Header`]), and the chunks of each
/// segment.
pub(super) fn entries(records: &[Record]) -> Result<Vec<Entry>, GraphError> {
    use chrono::Datelike;
    let mut entries = Vec::new();
    // Reused from one ordering to the next: the sorted records; the layings of each scope,
    // indexed by scope byte, are made afresh.
    let mut sorted: Vec<(SortKey, &Record)> = Vec::with_capacity(records.len());
    for order in ListOrder::ALL {
        sorted.clear();
        sorted.extend(records.iter().map(|r| (sort_key(order, r), r)));
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let segments = if order == ListOrder::Date { 2 } else { 1 };
        let mut scopes: Vec<Laying> = (0..=u8::MAX).map(|_| Laying::default()).collect();
        // Every kind's list (and the all-kinds list) is stored, empty or not; a sort's
        // only when it has records.
        let open = |scope: u8, scopes: &mut Vec<Laying>| {
            scopes[usize::from(scope)]
                .segments
                .resize(segments, Vec::new());
        };
        for kind in RecordKind::ALL {
            open(kind.tag(), &mut scopes);
        }
        if order.stored_over_all_kinds() {
            open(ALL_KINDS, &mut scopes);
        }
        for (_, record) in &sorted {
            let segment = usize::from(segment(order, record));
            let kind = record.kind();
            let item = (kind.tag(), record.slug.as_str());
            let day = match (order, record.date_span()) {
                (ListOrder::Date, Some((start, end))) => {
                    Some((start.num_days_from_ce(), (end - start).num_days() as i32))
                }
                _ => None,
            };
            let sort = record.subkind().map(|sort| sort_scope(kind, sort));
            if let Some(sort) = sort {
                open(sort, &mut scopes);
            }
            let all = order.stored_over_all_kinds().then_some(ALL_KINDS);
            for scope in [Some(kind.tag()), sort, all].into_iter().flatten() {
                let laying = &mut scopes[usize::from(scope)];
                laying.segments[segment].push(item);
                if let Some((start, span)) = day {
                    laying.starts.push(start);
                    laying.longest = laying.longest.max(span);
                }
            }
        }
        for (scope, laying) in (0u8..=u8::MAX).zip(&scopes) {
            if laying.segments.is_empty() {
                continue;
            }
            let mut header = Header {
                lengths: Vec::with_capacity(segments),
                kinds_before: Vec::new(),
                fences: laying.starts.iter().step_by(LIST_CHUNK).copied().collect(),
                longest: laying.longest,
            };
            for (segment, items) in (0u8..).zip(&laying.segments) {
                header.lengths.push(items.len() as u32);
                if scope == ALL_KINDS {
                    header.kinds_before.push(kinds_before(items));
                }
                for (number, chunk) in (0u32..).zip(items.chunks(LIST_CHUNK)) {
                    entries.push((
                        keys::list_chunk(scope, order.tag(), segment, number),
                        codec::encode("list chunk", &chunk)?,
                    ));
                }
            }
            entries.push((
                keys::list_header(scope, order.tag()),
                codec::encode("list header", &header)?,
            ));
        }
    }
    Ok(entries)
}

/// The rows of [`Header::kinds_before`] for one segment's `items`.
fn kinds_before(items: &[(u8, &str)]) -> Vec<u32> {
    let mut counts = [0u32; KINDS];
    let mut rows = counts.to_vec();
    for chunk in items.chunks(LIST_CHUNK) {
        for (kind, _) in chunk {
            counts[usize::from(*kind)] += 1;
        }
        rows.extend_from_slice(&counts);
    }
    rows
}

/// Which list to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSpec {
    pub scope: ListScope,
    pub order: ListOrder,
    pub descending: bool,
}

/// Which records a list holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListScope {
    /// The records of these kinds; repeats and order do not matter.
    Kinds(Vec<RecordKind>),
    /// The records of one sort (`Record::subkind`) of one kind: `actors(kind: COMPANY)`.
    Sort(RecordKind, u8),
}

impl ListScope {
    /// Whether the list holds `record` (whatever its filters and order).
    pub fn holds(&self, record: &Record) -> bool {
        match self {
            ListScope::Kinds(kinds) => kinds.contains(&record.kind()),
            ListScope::Sort(kind, sort) => {
                record.kind() == *kind && record.subkind() == Some(*sort)
            }
        }
    }
}

/// A run of one stored segment, read forwards or backwards.
#[derive(Debug, Clone)]
struct Piece {
    scope: u8,
    order: u8,
    segment: u8,
    len: usize,
    reversed: bool,
    /// The stored chunks it is narrowed to ([`StoredList::dated_between`]); all when `None`.
    window: Option<Range<u32>>,
    /// For some kinds of the all-kinds list: how many of their items precede each chunk,
    /// and one past the last (from [`Header::kinds_before`]).
    kept_before: Option<Arc<Vec<u32>>>,
}

impl Piece {
    /// The number of items it holds: of its kinds, when it keeps some.
    fn count(&self) -> usize {
        match &self.kept_before {
            Some(before) => before.last().map_or(0, |&n| n as usize),
            None => self.len,
        }
    }

    /// The chunk of the piece's item `index` (`index < count`), and the place of the item
    /// among those the chunk holds of the piece's kinds, in stored order.
    fn locate(&self, index: usize) -> (u32, usize) {
        let stored = if self.reversed {
            self.count() - 1 - index
        } else {
            index
        };
        match &self.kept_before {
            // The last chunk with fewer kept items before it than `stored`.
            Some(before) => {
                let chunk = before.partition_point(|&n| n as usize <= stored) - 1;
                (chunk as u32, stored - before[chunk] as usize)
            }
            None => ((stored / LIST_CHUNK) as u32, stored % LIST_CHUNK),
        }
    }

    fn chunk_key(&self, chunk: u32) -> Vec<u8> {
        keys::list_chunk(self.scope, self.order, self.segment, chunk)
    }

    /// The piece's chunks in reading order.
    fn chunks(&self) -> Vec<u32> {
        let stored = 0..self.len.div_ceil(LIST_CHUNK) as u32;
        let window = self.window.clone().unwrap_or(stored.clone());
        let chunks = window.start.max(stored.start)..window.end.min(stored.end);
        if self.reversed {
            chunks.rev().collect()
        } else {
            chunks.collect()
        }
    }
}

/// A page of a stored list, and the slugs at other positions read with it
/// ([`StoredList::page_and_slugs`]).
pub struct ListPage {
    pub records: Vec<Arc<Record>>,
    /// The slug at each position asked for; `None` past the end.
    pub probed: Vec<Option<String>>,
}

/// A stored list, ready to read: its pieces in list order, with their lengths.
#[derive(Clone)]
pub struct StoredList {
    graph: Graph,
    pieces: Vec<Piece>,
    /// The kind tags to keep, when the list is read from the all-kinds list for some kinds.
    kinds: Option<Vec<u8>>,
    /// A `Date` list's header: where its dated segment's chunks start.
    dates: Option<Arc<Header>>,
}

impl Graph {
    /// The stored list `spec` names: one round trip for the headers of its pieces.
    pub fn list(&self, spec: &ListSpec) -> Result<StoredList, GraphError> {
        let order = spec.order;
        let (mut scopes, filter) = match &spec.scope {
            ListScope::Sort(kind, sort) => (vec![sort_scope(*kind, *sort)], None),
            ListScope::Kinds(kinds) => {
                let mut kinds: Vec<u8> = kinds.iter().map(|k| k.tag()).collect();
                kinds.sort_unstable();
                kinds.dedup();
                if kinds.len() <= 1 || !order.stored_over_all_kinds() {
                    (kinds, None)
                } else if kinds.len() == RecordKind::ALL.len() {
                    (vec![ALL_KINDS], None)
                } else {
                    (vec![ALL_KINDS], Some(kinds))
                }
            }
        };
        if spec.descending {
            // Only `Position` has several scopes: kinds in reverse, each read backwards.
            scopes.reverse();
        }
        let headers = self.list_headers(&scopes, order)?;
        let dates = (order == ListOrder::Date && headers.len() == 1).then(|| headers[0].clone());
        let mut pieces = Vec::new();
        for (scope, header) in scopes.into_iter().zip(headers) {
            for (segment, &len) in header.lengths.iter().enumerate() {
                // Some kinds' items before each chunk: the sum of their rows' counts.
                let kept_before = filter.as_ref().map(|tags| {
                    let rows = header.kinds_before.get(segment).map_or(&[][..], |r| r);
                    let kept = rows
                        .chunks(KINDS)
                        .map(|row| tags.iter().map(|&t| row[usize::from(t)]).sum())
                        .collect();
                    Arc::new(kept)
                });
                pieces.push(Piece {
                    kept_before,
                    scope,
                    order: order.tag(),
                    segment: segment as u8,
                    len: len as usize,
                    reversed: spec.descending && segment == 0,
                    window: None,
                });
            }
        }
        Ok(StoredList {
            graph: self.clone(),
            pieces,
            kinds: filter,
            dates,
        })
    }
}

impl Graph {
    /// The headers of the lists of `order` over `scopes`: from the cache, or one round
    /// trip. Headers change only with the data, and there are about a hundred of them.
    fn list_headers(
        &self,
        scopes: &[u8],
        order: ListOrder,
    ) -> Result<Vec<Arc<Header>>, GraphError> {
        let keys: Vec<Vec<u8>> = scopes
            .iter()
            .map(|&s| keys::list_header(s, order.tag()))
            .collect();
        let cached: Option<Vec<Arc<Header>>> = {
            let headers = self.cache.list_headers.read().expect("cache lock poisoned");
            keys.iter().map(|k| headers.get(k).cloned()).collect()
        };
        if let Some(cached) = cached {
            return Ok(cached);
        }
        let read: Vec<Arc<Header>> = self
            .store
            .get_many(Table::Lists, &keys)?
            .into_iter()
            .map(|header| match header {
                Some(bytes) => codec::decode("list header", &bytes).map(Arc::new),
                None => Ok(Arc::default()),
            })
            .collect::<Result<_, _>>()?;
        let mut headers = self
            .cache
            .list_headers
            .write()
            .expect("cache lock poisoned");
        for (key, header) in keys.into_iter().zip(&read) {
            headers.insert(key, header.clone());
        }
        Ok(read)
    }
}

impl StoredList {
    /// The number of records in the list, from the stored headers; `None` when it is
    /// narrowed to some chunks ([`StoredList::dated_between`]) and takes a
    /// [`StoredList::scan`] to count.
    pub fn len(&self) -> Option<usize> {
        let whole = self.pieces.iter().all(|p| p.window.is_none());
        whole.then(|| self.pieces.iter().map(Piece::count).sum())
    }

    /// The part of a `Date` list whose records can end on or after `from` and start on or
    /// before `to` (days from the common era): the chunks of its dated segment from the
    /// first holding a record that starts on or after `from` less the longest span, to the
    /// last whose first record starts on or before `to`. A superset, to be filtered by the
    /// records' days;
    /// [`StoredList::scan`] and [`StoredList::count`] read it (its `len` is `None`).
    /// `None` for a list of another order.
    pub fn dated_between(&self, from: i32, to: i32) -> Option<StoredList> {
        let dates = self.dates.as_ref()?;
        let fences = &dates.fences;
        let earliest = from.saturating_sub(dates.longest);
        // Chunk i holds starts from fences[i] to fences[i + 1] (ties cross chunks).
        let first = fences
            .get(1..)
            .unwrap_or_default()
            .partition_point(|&f| f < earliest);
        let end = fences.partition_point(|&f| f <= to).max(first);
        let mut narrowed = self.clone();
        narrowed.pieces.truncate(1); // the undated segment meets no days
        if let Some(dated) = narrowed.pieces.first_mut() {
            dated.window = Some(first as u32..end as u32);
        }
        Some(narrowed)
    }

    /// How many items a scan of the list reads at most: its stored length, or the items of
    /// the chunks it is narrowed to.
    pub fn extent(&self) -> usize {
        self.pieces
            .iter()
            .map(|p| {
                p.window
                    .as_ref()
                    .map_or(p.len, |w| w.len() * LIST_CHUNK)
                    .min(p.len)
            })
            .sum()
    }

    /// Whether the stored list is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The records at `range` of a list whose [`StoredList::len`] is known: one round trip
    /// for the chunks the range covers, one for the records not yet cached.
    pub fn page(&self, range: Range<usize>) -> Result<Vec<Arc<Record>>, GraphError> {
        Ok(self.page_and_slugs(range, &[])?.records)
    }

    /// The records at `range`, as [`StoredList::page`] reads them, and the slugs at
    /// `positions` (`None` past the end), whose chunks are read in the same round trip.
    pub fn page_and_slugs(
        &self,
        range: Range<usize>,
        positions: &[usize],
    ) -> Result<ListPage, GraphError> {
        let places: Vec<(Vec<u8>, usize)> = range.filter_map(|i| self.place(i)).collect();
        let probes: Vec<Option<(Vec<u8>, usize)>> =
            positions.iter().map(|&i| self.place(i)).collect();
        // The page's places run in chunk order, so a chunk's key repeats only next to
        // itself; the few probes are compared with the few keys kept.
        let mut wanted: Vec<Vec<u8>> = Vec::new();
        for (key, _) in &places {
            if wanted.last() != Some(key) {
                wanted.push(key.clone());
            }
        }
        for (key, _) in probes.iter().flatten() {
            if !wanted.contains(key) {
                wanted.push(key.clone());
            }
        }
        // Decoded in place: only the slugs of the page and the probes are copied.
        let values = self.graph.store.get_many(Table::Lists, &wanted)?;
        let mut chunks: BTreeMap<&[u8], Vec<(u8, &str)>> = BTreeMap::new();
        for (key, value) in wanted.iter().zip(&values) {
            let mut items: Vec<(u8, &str)> = match value {
                Some(bytes) => codec::decode_borrowed("list chunk", bytes)?,
                None => Vec::new(),
            };
            if let Some(tags) = &self.kinds {
                // A place in a chunk of a list of some kinds counts only their items.
                items.retain(|(kind, _)| tags.contains(kind));
            }
            chunks.insert(key, items);
        }
        let slug_at = |key: &Vec<u8>, at: usize| {
            chunks[key.as_slice()]
                .get(at)
                .map(|(_, slug)| slug.to_string())
                .ok_or_else(|| GraphError::Dangling(format!("item {at} of a list chunk")))
        };
        let slugs: Vec<String> = places
            .iter()
            .map(|(key, at)| slug_at(key, *at))
            .collect::<Result<_, _>>()?;
        let probed = probes
            .iter()
            .map(|p| p.as_ref().map(|(key, at)| slug_at(key, *at)).transpose())
            .collect::<Result<_, _>>()?;
        Ok(ListPage {
            records: self.records(&slugs)?,
            probed,
        })
    }

    /// The key of the chunk holding item `index` of the list, and the item's place in it;
    /// `None` past the end.
    fn place(&self, index: usize) -> Option<(Vec<u8>, usize)> {
        let mut offset = 0;
        for p in &self.pieces {
            if index < offset + p.count() {
                let (chunk, at) = p.locate(index - offset);
                return Some((p.chunk_key(chunk), at));
            }
            offset += p.count();
        }
        None
    }

    /// The list's slugs in order (of its kinds), a batch of chunks at a time: one chunk,
    /// then two, doubling up to `most` per round trip, each batch's slugs given to `visit`
    /// (borrowed from the chunks, decoded in place) until it returns `true` (enough) or the
    /// list ends.
    fn walk(
        &self,
        most: usize,
        mut visit: impl FnMut(Vec<&str>) -> Result<bool, GraphError>,
    ) -> Result<(), GraphError> {
        let chunks: Vec<(&Piece, u32)> = self
            .pieces
            .iter()
            .flat_map(|p| p.chunks().into_iter().map(move |c| (p, c)))
            .collect();
        let mut rest = &chunks[..];
        let mut size = 1;
        while !rest.is_empty() {
            let (batch, after) = rest.split_at(size.min(rest.len()));
            rest = after;
            size = (size * 2).min(most);
            let wanted: Vec<Vec<u8>> = batch.iter().map(|(p, c)| p.chunk_key(*c)).collect();
            let values = self.graph.store.get_many(Table::Lists, &wanted)?;
            let mut slugs = Vec::new();
            for ((piece, _), value) in batch.iter().zip(&values) {
                let items: Vec<(u8, &str)> = match value {
                    Some(bytes) => codec::decode_borrowed("list chunk", bytes)?,
                    None => Vec::new(),
                };
                let ordered: Box<dyn Iterator<Item = &(u8, &str)>> = if piece.reversed {
                    Box::new(items.iter().rev())
                } else {
                    Box::new(items.iter())
                };
                slugs.extend(
                    ordered
                        .filter(|(kind, _)| self.kinds.as_ref().is_none_or(|ks| ks.contains(kind)))
                        .map(|&(_, slug)| slug),
                );
            }
            if visit(slugs)? {
                break;
            }
        }
        Ok(())
    }

    /// The first `limit` records of the list (all when `None`) that `keep` accepts, in list
    /// order, reading chunks in batches until enough are found.
    pub fn scan(
        &self,
        limit: Option<usize>,
        keep: Option<&(dyn Fn(&Record) -> bool + Send + Sync)>,
    ) -> Result<Vec<Arc<Record>>, GraphError> {
        let limit = limit.unwrap_or(usize::MAX);
        let mut found = Vec::new();
        if limit == 0 {
            return Ok(found);
        }
        self.walk(SCAN_BATCH, |slugs| {
            // Without a record filter, only the records returned are read.
            let take = match keep {
                None => limit - found.len(),
                Some(_) => usize::MAX,
            };
            let slugs: Vec<String> = slugs.iter().take(take).map(|s| s.to_string()).collect();
            match keep {
                None => found.extend(self.records(&slugs)?),
                Some(keep) => {
                    // A page reads records a few dozen at a time; a count reads them all.
                    let group = if limit == usize::MAX {
                        slugs.len().max(1)
                    } else {
                        SCAN_RECORDS
                    };
                    for group in slugs.chunks(group) {
                        if found.len() >= limit {
                            break;
                        }
                        let kept = self.records(group)?.into_iter().filter(|r| keep(r));
                        found.extend(kept.take(limit - found.len()));
                    }
                }
            }
            Ok(found.len() >= limit)
        })?;
        Ok(found)
    }

    /// The number of records in the list that `keep` accepts: its [`StoredList::len`] when
    /// there is nothing to filter, a scan otherwise.
    pub fn count(
        &self,
        keep: Option<&(dyn Fn(&Record) -> bool + Send + Sync)>,
    ) -> Result<usize, GraphError> {
        match (self.len(), keep) {
            (Some(len), None) => Ok(len),
            _ => Ok(self.scan(None, keep)?.len()),
        }
    }

    /// The number of items of the list whose slug `among` holds: its chunks read
    /// [`COUNT_BATCH`] at a time and decoded in place, no record read (a `text` filter's
    /// count).
    pub fn count_among<S: std::hash::BuildHasher>(
        &self,
        among: &HashSet<&[u8], S>,
    ) -> Result<usize, GraphError> {
        let mut count = 0;
        self.walk(COUNT_BATCH, |slugs| {
            count += slugs
                .iter()
                .filter(|slug| among.contains(slug.as_bytes()))
                .count();
            Ok(false)
        })?;
        Ok(count)
    }

    /// The records of `slugs`, every one of which must be stored.
    pub fn records(&self, slugs: &[String]) -> Result<Vec<Arc<Record>>, GraphError> {
        self.graph
            .records_shared(slugs)?
            .into_iter()
            .zip(slugs)
            .map(|(r, slug)| r.ok_or_else(|| GraphError::Dangling(slug.clone())))
            .collect()
    }
}
