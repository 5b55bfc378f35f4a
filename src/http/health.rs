//! `GET /health`: liveness, what the database holds, and which schema is served.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::AppState;
use crate::api::CacheStats;
use crate::storage::codec::FORMAT_VERSION;

/// What `/health` says of a cache: its entries, the bytes they weigh, and its budget.
fn cache(stats: CacheStats) -> serde_json::Value {
    json!({ "entries": stats.entries, "bytes": stats.bytes, "budgetBytes": stats.capacity_bytes })
}

/// `GET /health`: whether the database answers, what it holds, and which schema is served.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let graph = state.served().graph.clone();
    let summary = web::block(move || {
        Ok::<_, crate::graph::GraphError>((graph.summary()?, graph.data_hash()?))
    })
    .await;
    let db = state.db.as_ref().map(|path| path.display().to_string());
    match summary {
        Ok(Ok((summary, data_hash))) => {
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
                "dataHash": data_hash,
                "caches": {
                    "documents": cache(state.api.document_cache()),
                    "persistedQueries": cache(state.documents.cache_stats()),
                },
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
