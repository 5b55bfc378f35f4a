//! The HTTP surface: `/graphql` (POST, and GET for queries), the playground at `/`, and `/health`.
//!
//! Only this module and `startup` know actix-web; the schema knows nothing of HTTP.

mod graphql;
mod health;
mod playground;

use std::path::PathBuf;

use actix_web::web;

use crate::api::WicSchema;
use crate::graph::Graph;

/// What every handler shares.
pub struct AppState {
    pub schema: WicSchema,
    pub graph: Graph,
    pub db: PathBuf,
    pub schema_hash: String,
}

/// Registers every route.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/graphql", web::post().to(graphql::post))
        .route("/graphql", web::get().to(graphql::get))
        .route("/health", web::get().to(health::health));
    playground::routes(config);
}
