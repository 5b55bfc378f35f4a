//! The query root: lookups, lists and search. It only delegates.

use std::sync::Arc;

use async_graphql::{Context, Object, OutputType, SimpleObject, ID};

use super::connection::{
    enum_name, list_connection, load_record, loaders, top_level_name, Conn, Env, FromRecord, Page,
};
use async_graphql::ErrorExtensions;

use super::error::{to_gql, ApiError, ApiResult};
use super::node::parse_global_id;
use super::types::{
    ActorKind, DocumentKind, EventKind, PlaceKind, RecordFilter, RecordKind, RecordOrder, TopicKind,
};
use super::{Actor, Document, Event, Node, Place, Statistic, Topic, Trend};
use crate::graph::{self, Details, Record};

/// The most hits one search returns.
const MAX_SEARCH_HITS: i32 = 100;

/// One search result.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct SearchHit {
    /// The record found.
    pub node: Node,
    /// The relevance: higher is better. Hits are sorted by matched terms, then score.
    pub score: f64,
    /// How many distinct words of the query the record matched.
    pub matched_terms: usize,
    /// Where the best match was: `name`, `alias`, `statement`, `paragraph` or `quote`.
    pub field: String,
    /// An excerpt of that field around the match.
    pub snippet: String,
}

/// Counts of what the database holds.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct GraphStats {
    /// Records by kind.
    pub records: Vec<KindCount>,
    /// Relations between records.
    pub edges: u32,
    /// SHA-256 of the source text the data was seeded from.
    pub source_sha256: String,
}

/// The number of records of one kind.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct KindCount {
    /// The kind, as named in seed files.
    pub kind: String,
    /// How many records of it.
    pub count: u32,
}

/// The root of every query.
pub struct QueryRoot;

/// A record of type `T` by slug. A failed read is an error of this nullable field: the
/// executor answers `null` for it and reports the error at its path.
pub(crate) async fn lookup<T: FromRecord>(env: &Env<'_>, slug: &str) -> ApiResult<Option<T>> {
    Ok(load_record(env, slug).await?.and_then(T::from_record))
}

/// The record a global id names: `None` when it names none, or names one as another type.
pub(crate) async fn record_by_id(env: &Env<'_>, id: &str) -> ApiResult<Option<Arc<Record>>> {
    let (kind, slug) = parse_global_id(id).map_err(to_gql)?;
    Ok(load_record(env, &slug).await?.filter(|r| r.kind() == kind))
}

/// A federation entity by its global id (`@key(fields: "id")`): what `node(id:)` answers.
/// One that is not there is an error (`ENTITY_NOT_FOUND`), which `_entities` answers with
/// `null` at its index.
async fn entity_by_id<T: FromRecord>(ctx: &Context<'_>, id: &str) -> ApiResult<T> {
    record_by_id(&Env::of(ctx), id)
        .await?
        .and_then(T::from_record)
        .ok_or_else(|| entity_not_found::<T>("id", id))
}

/// A federation entity by its slug (`@key(fields: "slug")`): what its lookup answers.
async fn entity_by_slug<T: FromRecord>(ctx: &Context<'_>, slug: &str) -> ApiResult<T> {
    lookup::<T>(&Env::of(ctx), slug)
        .await?
        .ok_or_else(|| entity_not_found::<T>("slug", slug))
}

/// `ENTITY_NOT_FOUND`, quoting at most 40 characters of the key's value.
fn entity_not_found<T: OutputType>(key: &'static str, value: &str) -> async_graphql::Error {
    let mut shown: String = value.chars().take(40).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    ApiError::EntityNotFound(T::type_name().into_owned(), key, shown).extend()
}

/// The arguments of a top-level list beyond its filter, order and page: what it names in
/// its cursors (`super::cursor::ListName`) and which records it keeps.
pub(crate) struct ListField<'a> {
    /// The field: `records`, `events`, …
    pub field: &'static str,
    /// The records it holds: of some kinds, or of one sort of one kind (the `kind` argument).
    pub scope: graph::ListScope,
    /// `records`' `kinds` argument, every kind when absent; `None` for the other lists.
    pub kinds_arg: Option<&'a [RecordKind]>,
    /// The `kind` argument's enum name.
    pub kind: Option<String>,
}

/// A connection over every record of `field`'s scope that passes `filter`.
pub(crate) async fn list<T: FromRecord>(
    env: &Env<'_>,
    field: ListField<'_>,
    filter: Option<RecordFilter>,
    order: Option<RecordOrder>,
    page: Page,
) -> ApiResult<Conn<T>> {
    let (filter, order) = (filter.unwrap_or_default(), order.unwrap_or_default());
    let name = top_level_name(field.field, field.kinds_arg, field.kind, &filter, &order);
    list_connection(env, field.scope, filter, order, page, name).await
}

/// Writes the query root: the lookups by slug and the lists of one record type, each from
/// one line of the invocation below (every lookup and every list has the same
/// arguments), the federation's two entity resolvers of each record type, and the other
/// fields written out in full.
macro_rules! query_root {
    (
        $(#[$root_meta:meta])*
        lookups {
            $( $(#[$lookup_meta:meta])* $lookup:ident -> $lookup_ty:ty, $slug_desc:literal; )*
        }
        lists {
            $(
                $(#[$list_meta:meta])*
                $list:ident -> $list_ty:ident of $kind:ident
                $( by $kind_arg:ident, $kind_desc:literal )?,
                $filter_desc:literal;
            )*
        }
        entities {
            $( $entity:ident: $by_id:ident, $by_slug:ident; )*
        }
    ) => {
        $(#[$root_meta])*
        #[Object(name = "Query")]
        impl QueryRoot {
            // The fields with arguments of their own are written out here, in the schema's
            // order, so that their `complexity` expressions see the arguments (macro hygiene).
            /// Any record by its global id.
            async fn node(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "A global id from an `id` field.")] id: ID,
            ) -> ApiResult<Option<Node>> {
                Ok(record_by_id(&Env::of(ctx), &id).await?.and_then(Node::from_record))
            }

            /// Records by global id, in the order given; `null` where an id matches nothing.
            #[graphql(complexity = "ids.len().max(1).saturating_mul(child_complexity)")]
            async fn nodes(
                &self,
                ctx: &Context<'_>,
                #[graphql(
                    desc = "Global ids from `id` fields (at most the server's page limit, 500 by default)."
                )]
                ids: Vec<ID>,
            ) -> ApiResult<Vec<Option<Node>>> {
                let max = super::connection::max_page_size(ctx);
                if ids.len() > max {
                    return Err(ApiError::BadInput(format!(
                        "{} ids asked for, at most {max} allowed",
                        ids.len()
                    ))
                    .extend());
                }
                // A malformed id is `null` with an error at its own index; the others still load.
                let parsed: Vec<_> = ids.iter().map(|id| parse_global_id(id)).collect();
                let slugs: Vec<String> = parsed
                    .iter()
                    .filter_map(|p| p.as_ref().ok().map(|(_, s)| s.clone()))
                    .collect();
                let found = loaders(ctx).records(slugs).await.map_err(to_gql)?;
                Ok(parsed
                    .into_iter()
                    .enumerate()
                    .map(|(index, parsed)| match parsed {
                        Ok((kind, slug)) => found
                            .get(&slug)
                            .filter(|r| r.kind() == kind)
                            .cloned()
                            .and_then(Node::from_record),
                        Err(error) => {
                            let mut error =
                                ctx.set_error_path(to_gql(error).into_server_error(ctx.item.pos));
                            error.path.push(async_graphql::PathSegment::Index(index));
                            ctx.add_error(error);
                            None
                        }
                    })
                    .collect())
            }

            /// Any record by slug.
            async fn record(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "The record's slug.")] slug: String,
            ) -> ApiResult<Option<Node>> {
                lookup(&Env::of(ctx), &slug).await
            }

            $(
                $(#[$lookup_meta])*
                async fn $lookup(
                    &self,
                    ctx: &Context<'_>,
                    #[graphql(desc = $slug_desc)] slug: String,
                ) -> ApiResult<Option<$lookup_ty>> {
                    lookup(&Env::of(ctx), &slug).await
                }
            )*

            /// The source document every citation points into.
            async fn source(&self, ctx: &Context<'_>) -> ApiResult<Option<Document>> {
                let documents = loaders(ctx)
                    .graph
                    .records_of_kind(graph::RecordKind::Document)
                    .map_err(to_gql)?;
                Ok(documents
                    .into_iter()
                    .find(|r| matches!(&r.details, Details::Document(d) if d.source.is_some()))
                    .map(Document))
            }

            /// Records of any of the given kinds (all kinds when absent).
            #[allow(clippy::too_many_arguments)]
            #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
            async fn records(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "Only these kinds; all when absent.")] kinds: Option<Vec<RecordKind>>,
                #[graphql(desc = "Conditions every record must meet.")] filter: Option<RecordFilter>,
                #[graphql(desc = "The sort order; seed order when absent.")] order_by: Option<RecordOrder>,
                #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
                #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
                #[graphql(
                    desc = "Return at most this many items from the start (at most the server's page limit, 500 by default)."
                )]
                first: Option<i32>,
                #[graphql(
                    desc = "Return at most this many items from the end (at most the server's page limit, 500 by default)."
                )]
                last: Option<i32>,
            ) -> ApiResult<Conn<Node>> {
                all_records(&Env::of(ctx), kinds, filter, order_by, Page::new(after, before, first, last)).await
            }

            $(
                $(#[$list_meta])*
                #[allow(clippy::too_many_arguments)]
                #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
                async fn $list(
                    &self,
                    ctx: &Context<'_>,
                    $( #[graphql(desc = $kind_desc)] kind: Option<$kind_arg>, )?
                    #[graphql(desc = $filter_desc)] filter: Option<RecordFilter>,
                    #[graphql(desc = "The sort order; seed order when absent.")] order_by: Option<RecordOrder>,
                    #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
                    #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
                    #[graphql(desc = "Return at most this many items from the start (at most the server's page limit, 500 by default).")]
                    first: Option<i32>,
                    #[graphql(desc = "Return at most this many items from the end (at most the server's page limit, 500 by default).")]
                    last: Option<i32>,
                ) -> ApiResult<Conn<$list_ty>> {
                    let field = list_field!($list, $kind $(, kind, $kind_arg )?);
                    list(
                        &Env::of(ctx),
                        field,
                        filter,
                        order_by,
                        Page::new(after, before, first, last),
                    )
                    .await
                }
            )*

            /// Full-text search across every kind of record, best hits first, from the stored index.
            #[graphql(complexity = "(first.max(1) as usize).saturating_mul(child_complexity)")]
            async fn search(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "Words to look for; the last one also matches as a prefix.")]
                query: String,
                #[graphql(desc = "At most this many hits (at most 100).", default = 10)] first: i32,
                #[graphql(desc = "Only records of these kinds; all when absent.")] kinds: Option<
                    Vec<RecordKind>,
                >,
            ) -> ApiResult<Vec<SearchHit>> {
                search(&Env::of(ctx), &query, first, kinds)
            }

            $(
                /// The federation's entity resolver by global id (`@key(fields: "id")`);
                /// not a field: `_entities` calls it, under `--federation` only.
                #[graphql(entity)]
                async fn $by_id(&self, ctx: &Context<'_>, id: ID) -> ApiResult<$entity> {
                    entity_by_id(ctx, &id).await
                }

                /// The federation's entity resolver by slug (`@key(fields: "slug")`).
                #[graphql(entity)]
                async fn $by_slug(&self, ctx: &Context<'_>, slug: String) -> ApiResult<$entity> {
                    entity_by_slug(ctx, &slug).await
                }
            )*

            /// What the database holds: counts by kind and of relations.
            async fn stats(&self, ctx: &Context<'_>) -> ApiResult<Option<GraphStats>> {
                let summary = loaders(ctx).graph.summary().map_err(to_gql)?;
                Ok(summary.map(|s| GraphStats {
                    records: s
                        .records
                        .into_iter()
                        .map(|(kind, count)| KindCount { kind, count })
                        .collect(),
                    edges: s.edges,
                    source_sha256: s.source_sha256,
                }))
            }
        }

        impl QueryRoot {
            /// The planned executor's lookup by slug named `name` (`record` and one per
            /// type): the body of the `#[Object]` method, polled once.
            pub(crate) fn planned_lookup(name: &str) -> Option<super::plan::LookupFn> {
                use async_graphql::futures_util::FutureExt;
                let field: super::plan::LookupFn = match name {
                    "record" => |env, slug| lookup::<Node>(env, slug).now_or_never(),
                    $( stringify!($lookup) => |env, slug| {
                        lookup::<$lookup_ty>(env, slug)
                            .now_or_never()
                            .map(|found| found.map(|r| r.map(|r| Node::wrap(r.into_record()))))
                    }, )*
                    _ => return None,
                };
                Some(field)
            }

            /// The planned executor's list named `name` (`records` and one per type): the
            /// body of the `#[Object]` method, polled once, with its arguments read by
            /// async-graphql's input parsing; `None` inside when an argument does not parse.
            pub(crate) fn planned_list(name: &str) -> Option<super::plan::ListFn> {
                use async_graphql::futures_util::FutureExt;
                let field: super::plan::ListFn = match name {
                    "records" => |env, args| {
                        let page = args.page()?;
                        all_records(env, args.get("kinds")?, args.get("filter")?, args.get("orderBy")?, page)
                            .now_or_never()
                    },
                    $( stringify!($list) => |env, args| {
                        $( let kind: Option<$kind_arg> = args.get("kind")?; )?
                        let field = list_field!($list, $kind $(, kind, $kind_arg )?);
                        list::<$list_ty>(
                            env,
                            field,
                            args.get("filter")?,
                            args.get("orderBy")?,
                            args.page()?,
                        )
                        .now_or_never()
                        .map(|conn| conn.map(Conn::into_nodes))
                    }, )*
                    _ => return None,
                };
                Some(field)
            }
        }
    };
}

/// The [`ListField`] of the list `$list` of records of `$kind`, of the sort its `kind`
/// argument names if it has one.
macro_rules! list_field {
    ($list:ident, $kind:ident $(, $kind_value:ident, $kind_arg:ident )?) => {
        ListField {
            field: stringify!($list),
            scope: match None $( .or($kind_value.map(|k| graph::$kind_arg::from(k).tag())) )? {
                Some(sort) => graph::ListScope::Sort(graph::RecordKind::$kind, sort),
                None => graph::ListScope::Kinds(vec![graph::RecordKind::$kind]),
            },
            kinds_arg: None,
            kind: None $( .or($kind_value.as_ref().map(enum_name)) )?,
        }
    };
}

/// `records`: a connection over the records of `kinds` (all when absent).
pub(crate) async fn all_records(
    env: &Env<'_>,
    kinds: Option<Vec<RecordKind>>,
    filter: Option<RecordFilter>,
    order_by: Option<RecordOrder>,
    page: Page,
) -> ApiResult<Conn<Node>> {
    let kinds_arg: Vec<RecordKind> = match kinds {
        Some(kinds) => kinds,
        None => graph::RecordKind::ALL.iter().map(|&k| k.into()).collect(),
    };
    let kinds: Vec<graph::RecordKind> = kinds_arg.iter().map(|&k| k.into()).collect();
    let field = ListField {
        field: "records",
        scope: graph::ListScope::Kinds(kinds),
        kinds_arg: Some(&kinds_arg),
        kind: None,
    };
    list(env, field, filter, order_by, page).await
}

/// `search`: the hits of `query`, best first, at most `first` of them.
pub(crate) fn search(
    env: &Env<'_>,
    query: &str,
    first: i32,
    kinds: Option<Vec<RecordKind>>,
) -> ApiResult<Vec<SearchHit>> {
    if !(0..=MAX_SEARCH_HITS).contains(&first) {
        return Err(ApiError::BadInput(format!(
            "`first` is {first}; expected 0 to {MAX_SEARCH_HITS}"
        ))
        .extend());
    }
    let kinds: Option<Vec<graph::RecordKind>> =
        kinds.map(|ks| ks.into_iter().map(Into::into).collect());
    let hits = env
        .loaders
        .graph
        .search(query, kinds.as_deref(), first as usize)
        .map_err(to_gql)?;
    Ok(hits
        .into_iter()
        .filter_map(|hit| {
            Some(SearchHit {
                node: Node::from_record(hit.record)?,
                score: hit.score,
                matched_terms: hit.matched_terms,
                field: hit.field.name().to_string(),
                snippet: hit.snippet,
            })
        })
        .collect())
}

query_root! {
/// The entry points into the graph: lookups by global id or slug, lists of every kind of
/// record, the source document, full-text search and counts.
lookups {
    /// An event by slug (`wic-2017`, `wic-founding-2022`).
    event -> Event, "The event's slug.";
    /// A trend by slug (`trend-i` … `trend-v`).
    trend -> Trend, "The trend's slug.";
    /// An actor by slug (`oecd`, `wic`, `tencent`).
    actor -> Actor, "The actor's slug.";
    /// A place by slug (`wuzhen`, `beijing`).
    place -> Place, "The place's slug.";
    /// A document by slug (`wuzhen-initiative-2015`).
    document -> Document, "The document's slug.";
    /// A topic by slug (`artificial-intelligence`).
    topic -> Topic, "The topic's slug.";
    /// A statistic by slug.
    statistic -> Statistic, "The statistic's slug.";
}
lists {
    /// Events, optionally of one kind.
    events -> Event of Event by EventKind, "Only events of this kind.",
        "Conditions every event must meet.";
    /// The trends, in the order of their numerals by default.
    trends -> Trend of Trend, "Conditions every trend must meet.";
    /// Actors, optionally of one kind.
    actors -> Actor of Actor by ActorKind, "Only actors of this kind.",
        "Conditions every actor must meet.";
    /// Places, optionally of one kind.
    places -> Place of Place by PlaceKind, "Only places of this kind.",
        "Conditions every place must meet.";
    /// Documents, optionally of one kind.
    documents -> Document of Document by DocumentKind, "Only documents of this kind.",
        "Conditions every document must meet.";
    /// Technologies, services and subjects, optionally of one kind.
    topics -> Topic of Topic by TopicKind, "Only topics of this kind.",
        "Conditions every topic must meet.";
    /// The figures the source gives.
    statistics -> Statistic of Statistic, "Conditions every statistic must meet.";
}
// The Apollo Federation entities (`--federation`): every record type, keyed by its global
// id and by its slug, resolved as `node(id:)` and the lookups resolve them.
entities {
    Event: event_by_id, event_by_slug;
    Trend: trend_by_id, trend_by_slug;
    Actor: actor_by_id, actor_by_slug;
    Place: place_by_id, place_by_slug;
    Document: document_by_id, document_by_slug;
    Topic: topic_by_id, topic_by_slug;
    Statistic: statistic_by_id, statistic_by_slug;
}
}
