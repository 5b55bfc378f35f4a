//! The GraphQL API: the schema over the graph, one file per record type.
//!
//! This layer knows async-graphql and the graph layer, never actix-web or sled.

mod actor;
mod cache_stats;
pub mod connection;
mod cost;
pub mod cursor;
mod document;
mod error;
mod event;
pub mod limits;
mod loaders;
mod node;
mod place;
mod plan;
mod prepare;
mod query;
mod service;
mod statistic;
mod topic;
mod trend;
pub mod types;

pub use actor::Actor;
pub use cache_stats::{CacheStats, Lookups};
pub use document::Document;
pub use error::ApiError;
pub use event::Event;
pub use limits::Limits;
pub use loaders::Loaders;
pub use node::Node;
pub use place::Place;
pub use plan::EngineCounts;
pub use query::QueryRoot;
pub use service::{Api, Outcome};
pub use statistic::Statistic;
pub use topic::Topic;
pub use trend::Trend;

use async_graphql::{EmptyMutation, EmptySubscription, Request, Schema};
use sha2::{Digest, Sha256};

use crate::graph::Graph;

/// The schema type served over HTTP.
pub type WicSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// How the schema is built: its limits, and what production mode turns off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaOptions {
    pub limits: Limits,
    /// Whether `__schema` and `__type` answer.
    pub introspection: bool,
    /// Whether validation errors suggest field names ("Did you mean ...?").
    pub suggestions: bool,
    /// Whether the schema is an Apollo Federation v2 subgraph: `_service`, `_entities`
    /// and the `@key`s of the record types (see [`subgraph_sdl`]).
    pub federation: bool,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        SchemaOptions {
            limits: Limits::default(),
            introspection: true,
            suggestions: true,
            federation: false,
        }
    }
}

/// Builds the schema without the limits: for in-process use (benchmarks). What serves
/// requests is [`Api`], which checks them. Data for each request comes from
/// [`with_loaders`].
pub fn build_schema(options: &SchemaOptions) -> WicSchema {
    service::builder(options).finish()
}

/// The SDL of the schema: what `schema.graphql` must hold.
pub fn sdl() -> String {
    sdl_of(&build_schema(&SchemaOptions::default()))
}

/// The SDL of the schema as a federation subgraph, as `_service { sdl }` answers it: what
/// `tools/federation/wic-gql.graphql` must hold.
pub fn subgraph_sdl() -> String {
    let options = SchemaOptions {
        federation: true,
        ..SchemaOptions::default()
    };
    build_schema(&options).sdl_with_options(
        async_graphql::SDLExportOptions::new()
            .federation()
            .compose_directive(),
    )
}

/// The SDL of `schema`, with `@specifiedBy` on the scalars that have it (as introspection
/// shows them).
fn sdl_of(schema: &WicSchema) -> String {
    schema.sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}

/// SHA-256 of the SDL, hex: tells clients which contract a running server speaks.
pub fn schema_hash() -> String {
    crate::hex::encode(&Sha256::digest(sdl().as_bytes()))
}

/// Attaches the time after which `request` stops resolving, so that the caller's timeout
/// fires even when nothing the request does waits (see `connection::Deadline`).
pub fn with_deadline(request: Request, deadline: std::time::Instant) -> Request {
    request.data(connection::Deadline(deadline))
}

/// Attaches fresh per-request DataLoaders over `graph` to `request`.
pub fn with_loaders(request: Request, graph: &Graph) -> Request {
    request.data(Loaders::new(graph.clone()))
}
