//! The HTTP surface: `/graphql` (POST, and GET for queries), the playground at `/`, and `/health`.
//!
//! Only this module and `startup` know actix-web; the schema knows nothing of HTTP.

use std::path::PathBuf;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse};
use serde_json::json;

use crate::api::{self, WicSchema};
use crate::graph::Graph;
use crate::storage::codec::FORMAT_VERSION;

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
        .route("/graphql", web::post().to(graphql_post))
        .route("/graphql", web::get().to(graphql_get))
        .route("/", web::get().to(playground))
        .route("/health", web::get().to(health));
}

async fn graphql_post(state: web::Data<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    let request = api::with_loaders(request.into_inner(), &state.graph);
    state.schema.execute(request).await.into()
}

/// GET runs queries only: a mutation must not be triggered by a link or an `<img>`.
async fn graphql_get(state: web::Data<AppState>, request: GraphQLRequest) -> HttpResponse {
    let request = request.into_inner();
    if let Some(kind) = non_query_operation(&request) {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .json(json!({
                "errors": [{
                    "message": format!("a {kind} cannot be sent with GET; use POST"),
                    "extensions": { "code": "METHOD_NOT_ALLOWED" }
                }]
            }));
    }
    let request = api::with_loaders(request, &state.graph);
    let response = state.schema.execute(request).await;
    HttpResponse::Ok().json(response)
}

/// The kind of the selected operation when it is not a query.
fn non_query_operation(request: &async_graphql::Request) -> Option<&'static str> {
    let document = async_graphql::parser::parse_query(&request.query).ok()?;
    let ty = match &document.operations {
        DocumentOperations::Single(op) => op.node.ty,
        DocumentOperations::Multiple(ops) => match &request.operation_name {
            Some(name) => ops.get(name.as_str())?.node.ty,
            None if ops.len() == 1 => ops.values().next()?.node.ty,
            None => return None,
        },
    };
    match ty {
        OperationType::Query => None,
        OperationType::Mutation => Some("mutation"),
        OperationType::Subscription => Some("subscription"),
    }
}

/// `GET /health`: whether the database answers, what it holds, and which schema is served.
async fn health(state: web::Data<AppState>) -> HttpResponse {
    let graph = state.graph.clone();
    let summary = web::block(move || graph.summary()).await;
    let db = state.db.display().to_string();
    match summary {
        Ok(Ok(summary)) => {
            let records: serde_json::Map<String, serde_json::Value> = summary
                .iter()
                .flat_map(|s| &s.records)
                .map(|(kind, count)| (kind.clone(), json!(count)))
                .collect();
            let edges = summary.as_ref().map_or(0, |s| s.edges);
            HttpResponse::Ok().json(json!({
                "status": "ok",
                "database": { "path": db, "open": true, "formatVersion": FORMAT_VERSION },
                "records": records,
                "edges": edges,
                "schemaHash": state.schema_hash,
                "version": env!("CARGO_PKG_VERSION"),
            }))
        }
        Ok(Err(error)) => {
            tracing::error!(%error, "health check could not read the database");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "unavailable",
                "database": { "path": db, "open": false },
                "schemaHash": state.schema_hash,
            }))
        }
        Err(error) => {
            tracing::error!(%error, "health check task failed");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable" }))
        }
    }
}

/// The playground page, compiled in.
const PLAYGROUND_HTML: &str = include_str!("playground.html");

/// `GET /`: a self-contained query page (no script or font from elsewhere).
async fn playground() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"))
        .body(PLAYGROUND_HTML)
}
