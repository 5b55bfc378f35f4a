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
        Some(Node(match record.details {
            Details::Document(_) => NodeInterface::Document(Document(record)),
            Details::Event(_) => NodeInterface::Event(Event(record)),
            Details::Trend(_) => NodeInterface::Trend(Trend(record)),
            Details::Actor(_) => NodeInterface::Actor(Actor(record)),
            Details::Place(_) => NodeInterface::Place(Place(record)),
            Details::Topic(_) => NodeInterface::Topic(Topic(record)),
            Details::Statistic(_) => NodeInterface::Statistic(Statistic(record)),
        }))
    }
}

/// The GraphQL type name of a kind, which global ids carry.
fn type_name(kind: RecordKind) -> &'static str {
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
    let kind = RecordKind::ALL
        .into_iter()
        .find(|k| type_name(*k) == type_part)
        .ok_or_else(invalid)?;
    if !crate::graph::is_slug(slug) {
        return Err(invalid());
    }
    Ok((kind, slug.to_string()))
}

/// Declares a record type: the wrapper struct, its `FromRecord`, and an `#[Object]` impl
/// holding the fields every record shares followed by the type's own fields.
macro_rules! record_object {
    (
        $(#[$meta:meta])* $ty:ident($variant:ident, $details:ident) { $($body:tt)* }
        connections { $( $(#[$cmeta:meta])* $field:ident: $target:ident = $dir:ident($($rel:ident),+); )* }
    ) => {
        $(#[$meta])*
        pub struct $ty(pub(crate) std::sync::Arc<crate::graph::Record>);

        impl $ty {
            #[allow(dead_code)]
            fn details(&self) -> &crate::graph::$details {
                match &self.0.details {
                    crate::graph::Details::$variant(d) => d,
                    _ => unreachable!("{} wraps only {} records", stringify!($ty), stringify!($variant)),
                }
            }
        }

        impl crate::api::connection::FromRecord for $ty {
            fn from_record(record: std::sync::Arc<crate::graph::Record>) -> Option<Self> {
                matches!(record.details, crate::graph::Details::$variant(_)).then(|| $ty(record))
            }

            fn accepts(kind: crate::graph::RecordKind) -> bool {
                kind == crate::graph::RecordKind::$variant
            }
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
                crate::api::node::global_id(&self.0)
            }

            /// The stable, human-readable id (`wic-2017`, `trend-ii`, `oecd`), accepted by the lookups.
            pub async fn slug(&self) -> &str {
                &self.0.slug
            }

            /// The name the source gives.
            pub async fn name(&self) -> &str {
                &self.0.name
            }

            /// Other names the source uses, such as abbreviations.
            pub async fn aliases(&self) -> &Vec<String> {
                &self.0.aliases
            }

            /// Where the source states this record.
            pub async fn citations(&self) -> Vec<crate::api::types::Citation<'_>> {
                self.0.citations.iter().map(crate::api::types::Citation).collect()
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
                let relations: Vec<crate::graph::Relation> =
                    types.unwrap_or_default().into_iter().map(Into::into).collect();
                crate::api::connection::related_connection(
                    ctx,
                    &self.0,
                    direction.into(),
                    &relations,
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
                        ctx,
                        &self.0,
                        crate::graph::Direction::$dir,
                        &[$(crate::graph::Relation::$rel),+],
                        crate::api::connection::Page::new(after, before, first, last),
                    )
                    .await
                }
            )*

            $($body)*
        }
    };
}
pub(crate) use record_object;
