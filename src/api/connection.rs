//! Relay connections: paging over loaded lists, following relations through the
//! DataLoaders, and filtering and sorting top-level lists.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::connection::PageInfo;
use async_graphql::{Context, Object, OutputType, TypeName};

use async_graphql::ErrorExtensions;

use super::cursor::{ListKey, ListName, Seek};
use super::error::{to_gql, ApiError, ApiResult};
use super::limits::Limits;
use super::loaders::Loaders;
use super::types::{
    Citation, OrderDirection, RecordFilter, RecordOrder, RecordOrderField, RelationDirection,
    RelationType,
};
use crate::graph::{self, Direction, EdgeRuns, ListOrder, ListSpec, Record, RecordKind, Relation};

/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// The connection type of every list: keyset cursors (`super::cursor`), a total count, and relation
/// details on edges. `TrendConnection`, `TrendEdge` and so on in the schema, with the
/// fields and descriptions of async-graphql's own `Connection` and `Edge`.
///
/// Our own types rather than async-graphql's so that they resolve serially, as records do
/// (see `record_object!`): a page's edges were the largest group of objects left with a
/// FuturesUnordered of their own.
pub struct Conn<T> {
    edges: Vec<Item<T>>,
    has_previous_page: bool,
    has_next_page: bool,
    total_count: Total,
    /// The list's name and generation, which every cursor of the page carries.
    list: ListKey,
}

/// A list's length: known when the page was cut, or counted only if a query asks for it.
enum Total {
    Known(usize),
    Counted(Box<dyn Fn() -> Result<usize, graph::GraphError> + Send + Sync>),
}

impl<T: OutputType> TypeName for Conn<T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", T::type_name()).into()
    }
}

// The bodies of the fields, which the `#[Object]` methods and the planned executor
// (`super::plan`) both call.
impl<T: FromRecord> Conn<T> {
    pub(crate) fn page_info_of(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges_of().next().map(|e| e.encoded_cursor()),
            end_cursor: self.edges_of().next_back().map(|e| e.encoded_cursor()),
        }
    }

    /// The edges, each with the list it is an item of.
    pub(crate) fn edges_of(&self) -> impl DoubleEndedIterator<Item = ConnEdge<'_, T>> {
        self.edges.iter().map(|item| ConnEdge {
            item,
            list: &self.list,
        })
    }

    pub(crate) fn nodes_of(&self) -> Vec<&T> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    pub(crate) fn total_count_of(&self) -> ApiResult<usize> {
        match &self.total_count {
            Total::Known(n) => Ok(*n),
            Total::Counted(count) => count().map_err(to_gql),
        }
    }
}

#[Object(name_type, serial)]
impl<T: FromRecord> Conn<T> {
    /// Information to aid in pagination.
    async fn page_info(&self) -> PageInfo {
        self.page_info_of()
    }

    /// A list of edges.
    async fn edges(&self) -> Vec<ConnEdge<'_, T>> {
        self.edges_of().collect()
    }

    /// A list of nodes.
    async fn nodes(&self) -> Vec<&T> {
        self.nodes_of()
    }

    /// The number of items in the whole list, across all pages.
    async fn total_count(&self) -> ApiResult<usize> {
        self.total_count_of()
    }
}

impl<T: FromRecord> Conn<T> {
    /// The same page with its nodes as `Node`s: what the planned executor
    /// (`super::plan`) walks, whatever the connection's type.
    pub(crate) fn into_nodes(self) -> Conn<super::Node> {
        Conn {
            edges: self
                .edges
                .into_iter()
                .map(|e| Item {
                    position: e.position,
                    node: super::node::Node::wrap(e.node.into_record()),
                    relation: e.relation,
                })
                .collect(),
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            total_count: self.total_count,
            list: self.list,
        }
    }
}

/// One item of a [`Conn`]: its node, its position in its list, and how it is related.
pub struct Item<T> {
    position: usize,
    node: T,
    relation: RelationInfo,
}

/// An edge of a [`Conn`] as a query sees it: the item, and the list whose name and
/// generation its cursor carries (held once by the connection, not by every item).
pub struct ConnEdge<'a, T> {
    item: &'a Item<T>,
    list: &'a ListKey,
}

// By hand: a derive would ask `T: Copy`, and only references are copied.
impl<T> Clone for ConnEdge<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for ConnEdge<'_, T> {}

impl<T: FromRecord> ConnEdge<'_, T> {
    /// The field `cursor`: the edge's list, the generation, its position and its slug.
    pub(crate) fn encoded_cursor(&self) -> String {
        self.list
            .encode(self.item.position, &self.item.node.record().slug)
    }
}

impl<'a, T> ConnEdge<'a, T> {
    /// The field `node`.
    pub(crate) fn node_of(&self) -> &'a T {
        &self.item.node
    }

    /// The fields of the relation that led to the node.
    pub(crate) fn relation_of(&self) -> &'a RelationInfo {
        &self.item.relation
    }
}

impl<T: OutputType> TypeName for ConnEdge<'_, T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", T::type_name()).into()
    }
}

/// An edge in a connection.
#[Object(name_type, serial)]
impl<T: FromRecord> ConnEdge<'_, T> {
    /// The item at the end of the edge
    async fn node(&self) -> &T {
        self.node_of()
    }

    #[graphql(flatten)]
    async fn relation_info(&self) -> &RelationInfo {
        self.relation_of()
    }

    /// A cursor for use in pagination
    async fn cursor(&self) -> String {
        self.encoded_cursor()
    }
}

/// One edge of a record's shared, cached edge list.
#[derive(Clone)]
pub struct EdgeRef {
    edges: Arc<Vec<graph::Edge>>,
    index: usize,
}

impl EdgeRef {
    fn edge(&self) -> &graph::Edge {
        &self.edges[self.index]
    }
}

/// How the node of an edge is related to the record the list hangs from. Empty on top-level lists.
///
/// It points into the cached edge list; fields are built only when a query asks for them.
#[derive(Default, Clone)]
pub struct RelationInfo(Option<EdgeRef>);

// The bodies of the fields, which the `#[Object]` methods and the planned executor
// (`super::plan`) both call.
impl RelationInfo {
    pub(crate) fn relation_of(&self) -> Option<RelationType> {
        self.0.as_ref().map(|e| e.edge().relation.into())
    }

    pub(crate) fn role_of(&self) -> Option<&str> {
        self.0.as_ref().and_then(|e| e.edge().role.as_deref())
    }

    pub(crate) fn citations_of(&self) -> Vec<Citation<'_>> {
        self.0
            .as_ref()
            .map(|e| e.edge().citations.iter().map(Citation).collect())
            .unwrap_or_default()
    }
}

// `serial` for the reason given at `record_object!`: its fields never wait.
#[Object(serial)]
impl RelationInfo {
    /// The relation that led to this node.
    async fn relation(&self) -> Option<RelationType> {
        self.relation_of()
    }

    /// The role the source of the relation plays, in the text's words.
    async fn role(&self) -> Option<&str> {
        self.role_of()
    }

    /// Where the source states the relation.
    async fn citations(&self) -> Vec<Citation<'_>> {
        self.citations_of()
    }
}

/// The Relay paging arguments of a field.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub after: Option<String>,
    pub before: Option<String>,
    pub first: Option<i32>,
    pub last: Option<i32>,
}

impl Page {
    pub fn new(
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Self {
        Page {
            after,
            before,
            first,
            last,
        }
    }
}

/// A GraphQL type that wraps one kind of record.
pub trait FromRecord: OutputType + Sized {
    /// The wrapper for `record`, or `None` if the record is of another kind.
    fn from_record(record: Arc<Record>) -> Option<Self>;

    /// Whether [`FromRecord::from_record`] wraps records of `kind`.
    fn accepts(kind: RecordKind) -> bool;

    /// The record wrapped.
    fn record(&self) -> &Arc<Record>;

    /// The record wrapped, unwrapped.
    fn into_record(self) -> Arc<Record>;
}

/// The largest page this server serves (`--max-page-size`).
pub fn max_page_size(ctx: &Context<'_>) -> usize {
    ctx.data_opt::<Limits>()
        .map_or(Limits::default().max_page_size, |l| l.max_page_size)
}

/// What a resolver's body reads of its request: the loaders, the page limit and the
/// deadline. The `#[Object]` fields take it from their `Context` ([`Env::of`]); the
/// planned executor (`super::plan`) builds it from the request, and calls the same
/// bodies.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub loaders: &'a Loaders,
    pub max_page_size: usize,
    pub deadline: Option<Deadline>,
}

impl<'a> Env<'a> {
    /// The request's environment, as a field sees it.
    pub fn of(ctx: &'a Context<'_>) -> Self {
        Env {
            loaders: loaders(ctx),
            max_page_size: max_page_size(ctx),
            deadline: ctx.data_opt::<Deadline>().copied(),
        }
    }
}

/// A field's paging arguments, checked: page sizes within the limit, cursors decoded and
/// of this list and generation. Without `first` and `last`, `first` is
/// [`DEFAULT_PAGE_SIZE`]. Whether the list holds each cursor's item at its position is
/// checked once the page is read ([`PageArgs::check`]).
struct PageArgs {
    first: Option<usize>,
    last: Option<usize>,
    // Boxed: most pages have no cursor, and these arguments live in every connection's
    // future (a larger future is a slower one, measured on Q2).
    after: Option<Box<Seek>>,
    before: Option<Box<Seek>>,
    list: ListKey,
}

/// The part of a list a page returns, and whether there is more on either side.
struct Window {
    start: usize,
    end: usize,
    has_previous_page: bool,
    has_next_page: bool,
}

impl PageArgs {
    fn parse(env: &Env<'_>, page: Page, name: ListName) -> ApiResult<Self> {
        let max = env.max_page_size;
        let size = |name: &str, value: Option<i32>| -> ApiResult<Option<usize>> {
            match value {
                Some(n) if n < 0 => Err(ApiError::BadInput(format!(
                    "`{name}` is {n}; a page size cannot be negative"
                ))
                .extend()),
                Some(n) if n as usize > max => Err(ApiError::BadInput(format!(
                    "`{name}` is {n}, more than the {max} records a page may hold"
                ))
                .extend()),
                other => Ok(other.map(|n| n as usize)),
            }
        };
        let (mut first, last) = (size("first", page.first)?, size("last", page.last)?);
        if first.is_none() && last.is_none() {
            first = Some(DEFAULT_PAGE_SIZE);
        }
        let data = env.loaders.data_hash_prefix().map_err(to_gql)?;
        let list = ListKey::new(name, data);
        Ok(PageArgs {
            first,
            last,
            after: cursor(&list, "after", page.after)?,
            before: cursor(&list, "before", page.before)?,
            list,
        })
    }

    fn after(&self) -> Option<usize> {
        self.after.as_ref().map(|s| s.position)
    }

    fn before(&self) -> Option<usize> {
        self.before.as_ref().map(|s| s.position)
    }

    /// Whether the list holds each cursor's item at its position; `slug_at` is the slug at
    /// a position, `None` past the end (or where the caller did not read: only the
    /// cursors' positions are asked for).
    fn check<'s>(&self, slug_at: impl Fn(usize) -> Option<&'s str>) -> ApiResult<()> {
        for (name, seek) in [("after", &self.after), ("before", &self.before)] {
            if let Some(seek) = seek {
                seek.check(slug_at(seek.position))
                    .map_err(|fault| ApiError::InvalidCursor(name, fault).extend())?;
            }
        }
        Ok(())
    }

    /// The positions the cursors name, to read with the page.
    fn cursor_positions(&self) -> Vec<usize> {
        self.after().into_iter().chain(self.before()).collect()
    }

    /// How many items from the start of the list the page depends on (`None`: all of
    /// them). [`PageArgs::window`] over the first `n` items of a longer list gives the same
    /// answer as over the whole list, so a list read in order can stop there.
    /// The cursors' items are among them, so [`PageArgs::check`] can see them.
    fn needed(&self) -> Option<usize> {
        let lower = self.after().map_or(0, |a| a.saturating_add(1));
        let page = match (self.first, self.before()) {
            (Some(first), before) => Some(
                lower
                    .saturating_add(first)
                    .saturating_add(1)
                    .min(before.unwrap_or(usize::MAX)),
            ),
            (None, Some(before)) => Some(before),
            (None, None) => None,
        }?;
        let cursors = self
            .cursor_positions()
            .into_iter()
            .max()
            .map_or(0, |p| p + 1);
        Some(page.max(cursors))
    }

    /// The page of a list of `total` items, as the Relay connection specification's
    /// algorithm says (`ApplyCursorsToEdges`, `EdgesToReturn`, `HasPreviousPage`,
    /// `HasNextPage`).
    fn window(&self, total: usize) -> Window {
        // ApplyCursorsToEdges: the items strictly between the two cursors.
        let upper = self.before().map_or(total, |b| b.min(total));
        let lower = self.after().map_or(0, |a| a.saturating_add(1)).min(upper);
        let (mut start, mut end) = (lower, upper);
        if let Some(first) = self.first {
            end = end.min(start.saturating_add(first));
        }
        if let Some(last) = self.last {
            start = start.max(end.saturating_sub(last));
        }
        Window {
            start,
            end,
            has_previous_page: match self.last {
                Some(_) => start > lower,
                None => lower > 0,
            },
            has_next_page: match self.first {
                Some(_) => end < upper,
                None => upper < total,
            },
        }
    }
}

/// The connection of a window's `items` (the items from `window.start` on).
fn connection<T>(
    items: impl IntoIterator<Item = (T, RelationInfo)>,
    window: &Window,
    total_count: Total,
    list: ListKey,
) -> Conn<T> {
    let edges = (window.start..)
        .zip(items)
        .take(window.end - window.start)
        .map(|(position, (node, relation))| Item {
            position,
            node,
            relation,
        })
        .collect();
    Conn {
        edges,
        has_previous_page: window.has_previous_page,
        has_next_page: window.has_next_page,
        total_count,
        list,
    }
}

/// Slices `items` to the requested page (see [`PageArgs::window`]). Without `first` and
/// `last` the page holds the first [`DEFAULT_PAGE_SIZE`] items, as if `first` were that.
pub async fn paginate<T: FromRecord>(
    env: &Env<'_>,
    items: Vec<(T, RelationInfo)>,
    page: Page,
    name: ListName,
) -> ApiResult<Conn<T>> {
    page_of(items, PageArgs::parse(env, page, name)?)
}

/// The page `args` selects of the whole list `items`.
fn page_of<T: FromRecord>(items: Vec<(T, RelationInfo)>, args: PageArgs) -> ApiResult<Conn<T>> {
    args.check(|p| items.get(p).map(|(node, _)| node.record().slug.as_str()))?;
    let total = items.len();
    let window = args.window(total);
    Ok(connection(
        items.into_iter().skip(window.start),
        &window,
        Total::Known(total),
        args.list,
    ))
}

/// The position and slug an `after` or `before` cursor names, if it is a cursor of `list`.
fn cursor(
    list: &ListKey,
    name: &'static str,
    value: Option<String>,
) -> ApiResult<Option<Box<Seek>>> {
    value
        .map(|text| {
            list.decode(&text)
                .map(Box::new)
                .map_err(|fault| ApiError::InvalidCursor(name, fault).extend())
        })
        .transpose()
}

/// Stops here for good once the request's [`Deadline`] has passed. A warm request reads
/// only the graph's cache and never waits on a load, so the HTTP layer's timeout (a timer
/// polled beside the request) would otherwise not fire until the request ended; waiting
/// forever lets the runtime turn its timers, and the timeout answers.
async fn cooperate(env: &Env<'_>) {
    if let Some(deadline) = env.deadline {
        if std::time::Instant::now() >= deadline.0 {
            std::future::pending::<()>().await;
        }
    }
}

/// When the request's time is up (the HTTP layer's timeout), for [`cooperate`].
#[derive(Debug, Clone, Copy)]
pub struct Deadline(pub std::time::Instant);

/// The loaders of the current request.
pub fn loaders<'a>(ctx: &'a Context<'_>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// Loads one record by slug through the request's loader. A string that cannot be a
/// slug names nothing, and never reaches the store's key encoding.
pub async fn load_record(env: &Env<'_>, slug: &str) -> ApiResult<Option<Arc<Record>>> {
    cooperate(env).await;
    if !crate::graph::is_slug(slug) {
        return Ok(None);
    }
    env.loaders.record(slug).await.map_err(to_gql)
}

/// The records at the far end of `record`'s edges in `direction`, limited to `relations`
/// (all when empty), each with the edge that leads to it. Two batched loads, or none when
/// the graph's cache holds them all.
pub async fn related(
    env: &Env<'_>,
    record: &Record,
    direction: Direction,
    relations: &[Relation],
) -> ApiResult<Vec<(EdgeRef, Arc<Record>)>> {
    let (edges, wanted) = wanted_edges(env, record, direction, relations).await?;
    far_ends(env, &edges, &wanted.indexes(0..wanted.len()), direction).await
}

/// `record`'s edges in `direction`, and where those of `relations` (all when empty) lie
/// among them.
async fn wanted_edges(
    env: &Env<'_>,
    record: &Record,
    direction: Direction,
    relations: &[Relation],
) -> ApiResult<(Arc<Vec<graph::Edge>>, EdgeRuns)> {
    cooperate(env).await;
    let edges = env
        .loaders
        .edges(&record.slug, direction)
        .await
        .map_err(to_gql)?
        .unwrap_or_default();
    let wanted = EdgeRuns::of(&edges, relations);
    Ok((edges, wanted))
}

/// The records at the far end of the edges at `indexes`, in order, each with its edge.
async fn far_ends(
    env: &Env<'_>,
    edges: &Arc<Vec<graph::Edge>>,
    indexes: &[usize],
    direction: Direction,
) -> ApiResult<Vec<(EdgeRef, Arc<Record>)>> {
    let loaders = env.loaders;
    let edge_ref = |index| EdgeRef {
        edges: edges.clone(),
        index,
    };
    // Warm: read straight from the cache, without the slug list and map of a load.
    if let Some(records) =
        loaders.cached_records(indexes.iter().map(|&i| edges[i].far_end(direction)))
    {
        return Ok(indexes.iter().copied().map(edge_ref).zip(records).collect());
    }
    let slugs: Vec<String> = indexes
        .iter()
        .map(|&i| edges[i].far_end(direction).to_string())
        .collect();
    let records = loaders.records(slugs).await.map_err(to_gql)?;
    Ok(indexes
        .iter()
        .filter_map(|&index| {
            let record = records.get(edges[index].far_end(direction))?.clone();
            Some((edge_ref(index), record))
        })
        .collect())
}

/// Whether every record that `relations` (all when empty) can lead to from a record of
/// `kind` in `direction` is a `T`, by the kinds each relation may join
/// ([`Relation::endpoints`], which the seed enforces).
fn far_ends_are<T: FromRecord>(
    kind: RecordKind,
    direction: Direction,
    relations: &[Relation],
) -> bool {
    let relations = if relations.is_empty() {
        &Relation::ALL[..]
    } else {
        relations
    };
    relations.iter().all(|&relation| {
        let (froms, tos) = relation.endpoints();
        let (near, far) = match direction {
            Direction::Outgoing => (froms, tos),
            Direction::Incoming => (tos, froms),
        };
        // `part_of` joins like kinds only.
        let far: &[RecordKind] = if relation == Relation::PartOf {
            &[kind]
        } else {
            far
        };
        !near.contains(&kind) || far.iter().all(|&k| T::accepts(k))
    })
}

/// A connection over the related records that are `T`s.
///
/// When every related record is a `T` (the relations' kinds say so), the page is cut from
/// the edge list and only its records are read: a trend that thousands of actors act in
/// answers `actors(first: 10)` from ten records, not thousands. Otherwise every related
/// record is read, and those that are not `T`s are left out before paging.
/// `name` names the list in its cursors: the record's slug and the field, with the
/// field's arguments (`super::cursor::ListName`).
pub async fn related_connection<T: FromRecord>(
    env: &Env<'_>,
    record: &Arc<Record>,
    direction: Direction,
    relations: &[Relation],
    page: Page,
    name: ListName,
) -> ApiResult<Conn<T>> {
    if !far_ends_are::<T>(record.kind(), direction, relations) {
        let items = related(env, record, direction, relations)
            .await?
            .into_iter()
            .filter_map(|(edge, r)| Some((T::from_record(r)?, RelationInfo(Some(edge)))))
            .collect();
        return paginate(env, items, page, name).await;
    }
    let args = PageArgs::parse(env, page, name)?;
    let (edges, wanted) = wanted_edges(env, record, direction, relations).await?;
    // The edge list names every far end: the cursors are checked without reading records.
    args.check(|p| wanted.get(p).map(|i| edges[i].far_end(direction)))?;
    let window = args.window(wanted.len());
    let items = far_ends(
        env,
        &edges,
        &wanted.indexes(window.start..window.end),
        direction,
    )
    .await?
    .into_iter()
    .filter_map(|(edge, r)| Some((T::from_record(r)?, RelationInfo(Some(edge)))));
    Ok(connection(
        items,
        &window,
        Total::Known(wanted.len()),
        args.list,
    ))
}

/// A record's `relations` field: every related record, of any type, in `direction`,
/// of `types` only (all when absent).
pub async fn relations(
    env: &Env<'_>,
    record: &Arc<Record>,
    direction: RelationDirection,
    types: Option<Vec<RelationType>>,
    page: Page,
) -> ApiResult<Conn<super::Node>> {
    let types = types.unwrap_or_default();
    let mut type_names: Vec<String> = types.iter().map(|&t| enum_name(&t)).collect();
    type_names.sort_unstable();
    type_names.dedup();
    let name = ListName::of(serde_json::json!([
        record.slug,
        "relations",
        enum_name(&direction),
        (!type_names.is_empty()).then_some(type_names),
    ]));
    let relations: Vec<Relation> = types.into_iter().map(Into::into).collect();
    related_connection(env, record, direction.into(), &relations, page, name).await
}

/// The GraphQL name of an enum value (`"ACTS_IN"`).
pub(crate) fn enum_name<E: async_graphql::InputType>(value: &E) -> String {
    match value.to_value() {
        async_graphql::Value::Enum(name) => name.to_string(),
        other => other.to_string(),
    }
}

/// The name of a top-level list in its cursors (`super::cursor::ListName`): the field, the
/// kinds of `records` (`None` for the other lists), the `kind` argument, the filter and
/// the order.
pub fn top_level_name(
    field: &str,
    kinds: Option<&[super::types::RecordKind]>,
    kind: Option<String>,
    filter: &RecordFilter,
    order: &RecordOrder,
) -> ListName {
    let kinds = kinds.map(|kinds| {
        let mut names: Vec<String> = kinds.iter().map(enum_name).collect();
        names.sort_unstable();
        names.dedup();
        names
    });
    ListName::of(serde_json::json!([
        field,
        kinds,
        kind,
        filter.text,
        filter.year,
        filter.from.map(|d| d.0.format("%Y-%m-%d").to_string()),
        filter.to.map(|d| d.0.format("%Y-%m-%d").to_string()),
        enum_name(&order.field),
        enum_name(&order.direction),
    ]))
}

/// The first related record that is a `T`, for relations that hold at most once.
pub async fn related_one<T: FromRecord>(
    env: &Env<'_>,
    record: &Record,
    direction: Direction,
    relation: Relation,
) -> ApiResult<Option<T>> {
    Ok(related(env, record, direction, &[relation])
        .await?
        .into_iter()
        .find_map(|(_, r)| T::from_record(r)))
}

/// A condition on records beyond the list they are read from: a date filter's.
type Keep = Arc<dyn Fn(&Record) -> bool + Send + Sync>;

/// A top-level list: the records of `scope` (some kinds, or one sort of one kind, each a
/// stored list) that pass `filter`, sorted by `order`, paged.
///
/// Without a filter, the page is read from the stored list at its offset, and the total is
/// the stored length: the cost is the page's, whatever the list's length (for some but not
/// all kinds in `NAME` or `DATE` order, read from the all-kinds list, its header's counts of
/// each kind say which chunks hold the page). With one, the
/// stored list is read in order until the page is complete, and the total is counted only
/// if asked for. A date filter first narrows the list (`StoredList::dated_between`); a
/// `text` filter whose rarest word is in few records starts from that word's postings,
/// sorted in memory, and one of frequent words only tests the records it reads (and,
/// without a date filter, counts its total from the words' postings and the list's slugs,
/// reading no record: `Graph::count_matching`).
pub async fn list_connection<T: FromRecord>(
    env: &Env<'_>,
    scope: graph::ListScope,
    filter: RecordFilter,
    order: RecordOrder,
    page: Page,
    name: ListName,
) -> ApiResult<Conn<T>> {
    cooperate(env).await;
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(
                ApiError::BadInput(format!("`from` {} is after `to` {}", from.0, to.0)).extend(),
            );
        }
    }
    let args = PageArgs::parse(env, page, name)?;
    let graph = &env.loaders.graph;
    let order_by = match order.field {
        RecordOrderField::Position => ListOrder::Position,
        RecordOrderField::Name => ListOrder::Name,
        RecordOrderField::Date => ListOrder::Date,
    };
    let descending = order.direction == OrderDirection::Desc;
    let dated = filter.year.is_some() || filter.from.is_some() || filter.to.is_some();
    let mut keep: Option<Keep> = dated.then(|| {
        let dates = filter.clone();
        let keep: Keep = Arc::new(move |r: &Record| date_matches(r, &dates));
        keep
    });
    let node = |r: Arc<Record>| Some((T::from_record(r)?, RelationInfo::default()));
    let mut by_postings: Option<String> = None;
    if let Some(text) = &filter.text {
        // A rare word: its postings are the candidates, read and sorted in memory. Only
        // frequent words: the list is read in order, each record tested for them.
        let found = graph.text_match(text).map_err(to_gql)?;
        let terms = Arc::new(found.terms);
        if let Some(candidates) = found.among {
            let mut records: Vec<Arc<Record>> = graph
                .records_shared(&candidates)
                .map_err(to_gql)?
                .into_iter()
                .flatten()
                .filter(|r| {
                    scope.holds(r)
                        && keep.as_ref().is_none_or(|k| k(r))
                        && graph::search::holds_terms(r, &terms)
                })
                .collect();
            graph::sort_records(&mut records, order_by, descending);
            let items = records.into_iter().filter_map(node).collect();
            return page_of(items, args);
        }
        // Counted from the postings and the list's slugs when no date must be read too.
        if !dated {
            by_postings = Some(text.clone());
        }
        let dates = keep.take();
        keep = Some(Arc::new(move |r: &Record| {
            dates.as_ref().is_none_or(|k| k(r)) && graph::search::holds_terms(r, &terms)
        }));
    }
    let spec = |order| ListSpec {
        scope: scope.clone(),
        order,
        descending,
    };
    let list = graph.list(&spec(order_by)).map_err(to_gql)?;
    // A date filter narrows its list to the chunks of the `Date` list whose days can meet
    // it: the whole answer, read in order for `orderBy: DATE`, and otherwise read and
    // sorted in memory when it is small; when it is not, the list in its own order is
    // read until the page is full, as for any condition, and counted from the narrowed one.
    let dated = match dated {
        false => None,
        true => {
            let (from, to) = days(&filter);
            graph
                .list(&spec(ListOrder::Date))
                .map_err(to_gql)?
                .dated_between(from, to)
        }
    };
    let (list, counted) = match dated {
        Some(dated) if order_by == ListOrder::Date => (dated.clone(), dated),
        Some(dated) if dated.extent() <= SORTED_IN_MEMORY => {
            let mut records = dated.scan(None, keep.as_deref()).map_err(to_gql)?;
            graph::sort_records(&mut records, order_by, descending);
            return page_of(records.into_iter().filter_map(node).collect(), args);
        }
        Some(dated) => (list, dated),
        None => (list.clone(), list),
    };
    if let (Some(total), None) = (list.len(), &keep) {
        let window = args.window(total);
        // The cursors' items come with the page's: their chunks are read in the same trip.
        let positions = args.cursor_positions();
        let read = list
            .page_and_slugs(window.start..window.end, &positions)
            .map_err(to_gql)?;
        args.check(|p| {
            positions
                .iter()
                .position(|&q| q == p)
                .and_then(|i| read.probed[i].as_deref())
        })?;
        return Ok(connection(
            read.records.into_iter().filter_map(node),
            &window,
            Total::Known(total),
            args.list,
        ));
    }
    let needed = args.needed();
    let found = list.scan(needed, keep.as_deref()).map_err(to_gql)?;
    args.check(|p| found.get(p).map(|r| r.slug.as_str()))?;
    let window = args.window(found.len());
    let total = if needed.is_none_or(|n| found.len() < n) {
        Total::Known(found.len())
    } else if let Some(text) = by_postings {
        let graph = graph.clone();
        Total::Counted(Box::new(move || graph.count_matching(&text, &counted)))
    } else {
        Total::Counted(Box::new(move || counted.count(keep.as_deref())))
    };
    Ok(connection(
        found.into_iter().skip(window.start).filter_map(node),
        &window,
        total,
        args.list,
    ))
}

/// The most items a date filter's narrowed list may hold to be read whole and sorted in
/// memory for an order other than `DATE`: a few chunks, microseconds of sorting.
const SORTED_IN_MEMORY: usize = 16 * 256;

/// The days (from the common era) a date filter's records must reach: they end on or after
/// the first and start on or before the second (its year, `from` and `to` together).
fn days(filter: &RecordFilter) -> (i32, i32) {
    use chrono::{Datelike, NaiveDate};
    let year = filter.year.map(|y| {
        let day = |m, d| NaiveDate::from_ymd_opt(y, m, d).map(|d| d.num_days_from_ce());
        (
            day(1, 1).unwrap_or(i32::MIN),
            day(12, 31).unwrap_or(i32::MAX),
        )
    });
    let from = [
        year.map(|y| y.0),
        filter.from.map(|d| d.0.num_days_from_ce()),
    ];
    let to = [year.map(|y| y.1), filter.to.map(|d| d.0.num_days_from_ce())];
    let from = from.into_iter().flatten().max().unwrap_or(i32::MIN);
    let to = to.into_iter().flatten().min().unwrap_or(i32::MAX);
    (from, to)
}

fn date_matches(record: &Record, filter: &RecordFilter) -> bool {
    if filter.year.is_none() && filter.from.is_none() && filter.to.is_none() {
        return true;
    }
    let Some((start, end)) = record.date_span() else {
        return false;
    };
    use chrono::Datelike;
    filter
        .year
        .is_none_or(|y| start.year() <= y && y <= end.year())
        && filter.from.is_none_or(|from| end >= from.0)
        && filter.to.is_none_or(|to| start <= to.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Actor, Document, Node, Statistic, Trend};

    #[test]
    fn a_page_is_cut_before_reading_only_where_the_relations_lead_to_one_type() {
        use Direction::{Incoming, Outgoing};
        // An actor acts in trends only; a trend's actors are actors only.
        assert!(far_ends_are::<Trend>(
            RecordKind::Actor,
            Outgoing,
            &[Relation::ActsIn]
        ));
        assert!(far_ends_are::<Actor>(
            RecordKind::Trend,
            Incoming,
            &[Relation::ActsIn]
        ));
        // Events, actors and documents project trends: a trend's projectors are not one type.
        assert!(!far_ends_are::<Actor>(
            RecordKind::Trend,
            Incoming,
            &[Relation::Projects]
        ));
        // `part_of` joins like kinds: an actor is part of actors only.
        assert!(far_ends_are::<Actor>(
            RecordKind::Actor,
            Outgoing,
            &[Relation::PartOf]
        ));
        // Only statistics describe: whatever they describe, its statistics are statistics.
        assert!(far_ends_are::<Statistic>(
            RecordKind::Event,
            Incoming,
            &[Relation::Describes]
        ));
        assert!(!far_ends_are::<Document>(RecordKind::Event, Outgoing, &[]));
        // `relations` lists any type.
        assert!(far_ends_are::<Node>(RecordKind::Topic, Outgoing, &[]));
    }
}
