//! The `Node` interface, opaque global ids, and the fields every record type shares.

use std::sync::Arc;

use async_graphql::parser::types::Field;
use async_graphql::resolver_utils::resolve_container_serial;
use async_graphql::{
    ContextSelectionSet, Interface, OutputType, Positioned, ServerResult, Value, ID,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::connection::FromRecord;
use super::error::ApiError;
use super::{Actor, Document, Event, Place, Statistic, Topic, Trend};
use crate::graph::{Details, Record, RecordKind};

/// Any record of the graph, fetchable by its global `id` through `node(id:)`.
// Two fields share `ty = "&str"`, which clippy mistakes for a repeated attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    name = "Node",
    field(
        name = "id",
        ty = "ID",
        desc = "An opaque global id, accepted by `node(id:)` and `nodes(ids:)`."
    ),
    field(
        name = "slug",
        ty = "&str",
        desc = "The stable, human-readable id (`wic-2017`, `trend-ii`, `oecd`)."
    ),
    field(name = "name", ty = "&str", desc = "The name the source gives."),
    field(
        name = "citations",
        ty = "Vec<super::types::Citation<'_>>",
        desc = "Where the source states this record."
    )
)]
pub enum NodeInterface {
    Document(Document),
    Event(Event),
    Trend(Trend),
    Actor(Actor),
    Place(Place),
    Topic(Topic),
    Statistic(Statistic),
}

/// A value of the `Node` interface, as fields return it.
///
/// async-graphql resolves an interface value's fields through a `FuturesUnordered` of its
/// own, whatever its object type says; in a list of records that was a tenth of a large
/// page's time. This resolves them in turn, as each record type resolves its own fields
/// (`#[Object(serial)]`), and is otherwise [`NodeInterface`]: the same name, the same
/// schema type, the same `__typename`.
pub struct Node(NodeInterface);

impl OutputType for Node {
    fn type_name() -> std::borrow::Cow<'static, str> {
        NodeInterface::type_name()
    }

    fn introspection_type_name(&self) -> std::borrow::Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        NodeInterface::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container_serial(ctx, &self.0).await
    }
}

impl FromRecord for Node {
    fn accepts(_: RecordKind) -> bool {
        true
    }

    fn from_record(record: Arc<Record>) -> Option<Self> {
        Some(Node::wrap(record))
    }

    fn record(&self) -> &Arc<Record> {
        match &self.0 {
            NodeInterface::Document(r) => &r.0,
            NodeInterface::Event(r) => &r.0,
            NodeInterface::Trend(r) => &r.0,
            NodeInterface::Actor(r) => &r.0,
            NodeInterface::Place(r) => &r.0,
            NodeInterface::Topic(r) => &r.0,
            NodeInterface::Statistic(r) => &r.0,
        }
    }

    fn into_record(self) -> Arc<Record> {
        match self.0 {
            NodeInterface::Document(r) => r.0,
            NodeInterface::Event(r) => r.0,
            NodeInterface::Trend(r) => r.0,
            NodeInterface::Actor(r) => r.0,
            NodeInterface::Place(r) => r.0,
            NodeInterface::Topic(r) => r.0,
            NodeInterface::Statistic(r) => r.0,
        }
    }
}

impl Node {
    /// The record as a value of the interface, of its own type.
    pub(crate) fn wrap(record: Arc<Record>) -> Self {
        Node(match record.details {
            Details::Document(_) => NodeInterface::Document(Document(record)),
            Details::Event(_) => NodeInterface::Event(Event(record)),
            Details::Trend(_) => NodeInterface::Trend(Trend(record)),
            Details::Actor(_) => NodeInterface::Actor(Actor(record)),
            Details::Place(_) => NodeInterface::Place(Place(record)),
            Details::Topic(_) => NodeInterface::Topic(Topic(record)),
            Details::Statistic(_) => NodeInterface::Statistic(Statistic(record)),
        })
    }
}

/// The GraphQL type name of a kind, which global ids carry.
pub(crate) fn type_name(kind: RecordKind) -> &'static str {
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

/// The kind whose GraphQL type is named `name`.
pub(crate) fn kind_named(name: &str) -> Option<RecordKind> {
    RecordKind::ALL.into_iter().find(|k| type_name(*k) == name)
}

/// The global id of a record: base64url of `Type:slug`.
pub fn global_id(record: &Record) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", type_name(record.kind()), record.slug)))
}

/// The kind and slug inside a global id.
pub fn parse_global_id(id: &str) -> Result<(RecordKind, String), ApiError> {
    // The message quotes at most 40 characters of the input, never the whole of it.
    let invalid = || {
        let mut shown: String = id.chars().take(40).collect();
        if shown.len() < id.len() {
            shown.push('…');
        }
        ApiError::InvalidId(shown)
    };
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (type_part, slug) = text.split_once(':').ok_or_else(invalid)?;
    let kind = kind_named(type_part).ok_or_else(invalid)?;
    if !crate::graph::is_slug(slug) {
        return Err(invalid());
    }
    Ok((kind, slug.to_string()))
}

/// Declares a record type: the wrapper struct, its `FromRecord`, and an `#[Object]` impl
/// holding the fields every record shares followed by the type's own fields.
macro_rules! record_object {
    (
        $(#[$meta:meta])* $ty:ident($variant:ident, $details:ident) {
            $( $(#[$fmeta:meta])* fn $f:ident(&$this:ident) -> $ret:ty $fbody:block )*
        }
        related { $( $(#[$ometa:meta])* $one:ident: $one_target:ident = $one_dir:ident($one_rel:ident); )* }
        resolvers { $($body:tt)* }
        connections { $( $(#[$cmeta:meta])* $field:ident: $target:ident = $dir:ident($($rel:ident),+); )* }
    ) => {
        $(#[$meta])*
        // `transparent`: [`Self::wrap`] views a `&Arc<Record>` as a `&Self`.
        #[repr(transparent)]
        pub struct $ty(pub(crate) std::sync::Arc<crate::graph::Record>);

        impl $ty {
            #[allow(dead_code)]
            fn details(&self) -> &crate::graph::$details {
                match &self.0.details {
                    crate::graph::Details::$variant(d) => d,
                    _ => unreachable!("{} wraps only {} records", stringify!($ty), stringify!($variant)),
                }
            }

            /// A record as this type, borrowed (no reference count touched): for the
            /// planned executor, which calls this type's field resolvers on records it
            /// holds. A record of another kind only makes `details` panic.
            pub(crate) fn wrap(record: &std::sync::Arc<crate::graph::Record>) -> &Self {
                // SAFETY: `Self` is `repr(transparent)` over `Arc<Record>`, so both have
                // the same layout, and the lifetime is the borrowed record's.
                unsafe { &*(record as *const std::sync::Arc<crate::graph::Record> as *const Self) }
            }

            /// The planned executor's resolver of the field named `name` (in snake case)
            /// of this type that takes no argument and returns a scalar, an enum or a list
            /// of them: the body the `#[Object]` method runs ([`Fields`]), its value
            /// written as JSON. `None` for any other field.
            pub(crate) fn planned_field(name: &str) -> Option<crate::api::plan::FieldFn> {
                use crate::api::plan::Emit as _;
                let field: crate::api::plan::FieldFn = match name {
                    "id" => |r, out| Fields::id(Self::wrap(r)).emit(out),
                    "slug" => |r, out| Fields::slug(Self::wrap(r)).emit(out),
                    "name" => |r, out| Fields::name(Self::wrap(r)).emit(out),
                    "aliases" => |r, out| Fields::aliases(Self::wrap(r)).emit(out),
                    $( stringify!($f) => |r, out| Fields::$f(Self::wrap(r)).emit(out), )*
                    _ => return None,
                };
                Some(field)
            }

            /// The planned executor's `citations` of a record of this type.
            pub(crate) fn planned_citations(
                record: &std::sync::Arc<crate::graph::Record>,
            ) -> Vec<crate::api::types::Citation<'_>> {
                Fields::citations(Self::wrap(record))
            }

            /// The planned executor's field named `name` (in snake case) that follows a
            /// relation holding at most once: the body of the `#[Object]` method, polled
            /// once; `None` when `name` is not one of them.
            pub(crate) fn planned_one(name: &str) -> Option<crate::api::plan::OneFn> {
                $(
                    if name == stringify!($one) {
                        let field: crate::api::plan::OneFn = |env, record| {
                            use async_graphql::futures_util::FutureExt;
                            crate::api::connection::related_one::<$one_target>(
                                env,
                                record,
                                crate::graph::Direction::$one_dir,
                                crate::graph::Relation::$one_rel,
                            )
                            .now_or_never()
                            .map(|found| found.map(|one| one.map(|one| {
                                crate::api::Node::wrap(crate::api::connection::FromRecord::into_record(one))
                            })))
                        };
                        return Some(field);
                    }
                )*
                let _ = name;
                None
            }

            /// The planned executor's connection field named `name` (in snake case):
            /// the body of the `#[Object]` method, polled once; `None` when `name` is not
            /// one of this type's connections.
            pub(crate) fn planned_connection(name: &str) -> Option<crate::api::plan::ConnFn> {
                let field: crate::api::plan::ConnFn = match name {
                    $( stringify!($field) => |env, record, page| {
                        use async_graphql::futures_util::FutureExt;
                        crate::api::connection::related_connection::<$target>(
                            env,
                            record,
                            crate::graph::Direction::$dir,
                            &[$(crate::graph::Relation::$rel),+],
                            page,
                            crate::api::cursor::ListName::Field {
                                parent: record.clone(),
                                field: stringify!($field),
                            },
                        )
                        .now_or_never()
                        .map(|conn| conn.map(crate::api::connection::Conn::into_nodes))
                    }, )*
                    _ => return None,
                };
                Some(field)
            }
        }

        impl crate::api::connection::FromRecord for $ty {
            fn from_record(record: std::sync::Arc<crate::graph::Record>) -> Option<Self> {
                matches!(record.details, crate::graph::Details::$variant(_)).then(|| $ty(record))
            }

            fn accepts(kind: crate::graph::RecordKind) -> bool {
                kind == crate::graph::RecordKind::$variant
            }

            fn record(&self) -> &std::sync::Arc<crate::graph::Record> {
                &self.0
            }

            fn into_record(self) -> std::sync::Arc<crate::graph::Record> {
                self.0
            }
        }

        /// The bodies of the fields without arguments, which the `#[Object]` methods and
        /// the planned executor (`api::plan`) both call.
        pub(crate) trait Fields {
            fn id(&self) -> async_graphql::ID;
            fn slug(&self) -> &str;
            fn name(&self) -> &str;
            fn aliases(&self) -> &Vec<String>;
            fn citations(&self) -> Vec<crate::api::types::Citation<'_>>;
            $( fn $f(&self) -> $ret; )*
        }

        impl Fields for $ty {
            fn id(&self) -> async_graphql::ID {
                crate::api::node::global_id(&self.0)
            }

            fn slug(&self) -> &str {
                &self.0.slug
            }

            fn name(&self) -> &str {
                &self.0.name
            }

            fn aliases(&self) -> &Vec<String> {
                &self.0.aliases
            }

            fn citations(&self) -> Vec<crate::api::types::Citation<'_>> {
                self.0.citations.iter().map(crate::api::types::Citation).collect()
            }

            // `$this` is the caller's `self` (macro hygiene).
            $( fn $f(&$this) -> $ret $fbody )*
        }

        $(#[$meta])*
        // `serial`: the fields of one record resolve in turn, not in a FuturesUnordered of
        // their own; they read a shared in-memory cache, so nothing is lost by waiting, and
        // the set per object was the largest cost of a nested query. Items of a list still
        // resolve together, so loads still batch per nesting level.
        #[async_graphql::Object(serial)]
        impl $ty {
            /// An opaque global id, accepted by `node(id:)` and `nodes(ids:)`.
            pub async fn id(&self) -> async_graphql::ID {
                Fields::id(self)
            }

            /// The stable, human-readable id (`wic-2017`, `trend-ii`, `oecd`), accepted by the lookups.
            pub async fn slug(&self) -> &str {
                Fields::slug(self)
            }

            /// The name the source gives.
            pub async fn name(&self) -> &str {
                Fields::name(self)
            }

            /// Other names the source uses, such as abbreviations.
            pub async fn aliases(&self) -> &Vec<String> {
                Fields::aliases(self)
            }

            /// Where the source states this record.
            pub async fn citations(&self) -> Vec<crate::api::types::Citation<'_>> {
                Fields::citations(self)
            }

            /// Every related record, of any type, in one direction, optionally of some relation types only.
            #[allow(clippy::too_many_arguments)]
            #[graphql(complexity = "crate::api::limits::connection_cost(first, last, child_complexity)")]
            async fn relations(
                &self,
                ctx: &async_graphql::Context<'_>,
                #[graphql(desc = "Which way to follow relations.", default_with = "crate::api::types::RelationDirection::Outgoing")]
                direction: crate::api::types::RelationDirection,
                #[graphql(desc = "Only these relation types; all when absent.")]
                types: Option<Vec<crate::api::types::RelationType>>,
                #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
                #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
                #[graphql(desc = "Return at most this many items from the start (at most the server's page limit, 500 by default).")] first: Option<i32>,
                #[graphql(desc = "Return at most this many items from the end (at most the server's page limit, 500 by default).")] last: Option<i32>,
            ) -> crate::api::error::ApiResult<crate::api::connection::Conn<crate::api::node::Node>> {
                crate::api::connection::relations(
                    &crate::api::connection::Env::of(ctx),
                    &self.0,
                    direction,
                    types,
                    crate::api::connection::Page::new(after, before, first, last),
                )
                .await
            }

            $(
                $(#[$cmeta])*
                #[graphql(complexity = "crate::api::limits::connection_cost(first, last, child_complexity)")]
                async fn $field(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
                #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
                #[graphql(desc = "Return at most this many items from the start (at most the server's page limit, 500 by default).")] first: Option<i32>,
                #[graphql(desc = "Return at most this many items from the end (at most the server's page limit, 500 by default).")] last: Option<i32>,
                ) -> crate::api::error::ApiResult<crate::api::connection::Conn<$target>> {
                    crate::api::connection::related_connection(
                        &crate::api::connection::Env::of(ctx),
                        &self.0,
                        crate::graph::Direction::$dir,
                        &[$(crate::graph::Relation::$rel),+],
                        crate::api::connection::Page::new(after, before, first, last),
                        crate::api::cursor::ListName::Field {
                            parent: self.0.clone(),
                            field: stringify!($field),
                        },
                    )
                    .await
                }
            )*

            $( $(#[$fmeta])* async fn $f(&self) -> $ret { Fields::$f(self) } )*

            $(
                $(#[$ometa])*
                async fn $one(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                ) -> crate::api::error::ApiResult<Option<$one_target>> {
                    crate::api::connection::related_one(
                        &crate::api::connection::Env::of(ctx),
                        &self.0,
                        crate::graph::Direction::$one_dir,
                        crate::graph::Relation::$one_rel,
                    )
                    .await
                }
            )*

            $($body)*
        }
    };
}
pub(crate) use record_object;
