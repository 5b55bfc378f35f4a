//! The HTTP surface: `/graphql` (POST, and GET for queries), the playground at `/`, and `/health`.
//!
//! Only this module and `startup` know actix-web; the schema knows nothing of HTTP.

mod error;
mod graphql;
mod health;
mod negotiate;
mod params;
mod persisted;
mod playground;

pub use error::HttpError;
pub use persisted::{Documents, ManifestError};

use std::path::PathBuf;

use actix_web::web;

use crate::api::{self, WicSchema};
use crate::config::Settings;
use crate::graph::Graph;

/// What every handler shares.
pub struct AppState {
    pub schema: WicSchema,
    pub graph: Graph,
    pub db: PathBuf,
    pub schema_hash: String,
    /// Persisted and trusted documents.
    pub documents: Documents,
    /// `Cache-Control` of successful GET responses.
    pub cache_control: String,
    /// The most operations a batched POST may hold; 0 turns batching off.
    pub max_batch: usize,
}

impl AppState {
    /// The state for serving `graph` with `settings`; fails only on a bad trusted
    /// documents manifest.
    pub fn new(graph: Graph, settings: &Settings) -> Result<Self, ManifestError> {
        let documents = match &settings.trusted_documents {
            Some(manifest) => Documents::trusted(manifest)?,
            None => Documents::open(),
        };
        if let Some(count) = documents.trusted_count() {
            tracing::info!(count, "allow-list mode: only trusted documents run");
        }
        Ok(AppState {
            schema: api::build_schema(),
            graph,
            db: settings.db.clone(),
            schema_hash: api::schema_hash(),
            documents,
            cache_control: settings.cache_control.clone(),
            max_batch: settings.max_batch,
        })
    }
}

/// Registers every route.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/graphql", web::post().to(graphql::post))
        .route("/graphql", web::get().to(graphql::get))
        .route("/health", web::get().to(health::health));
    playground::routes(config);
}
