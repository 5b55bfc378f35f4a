//! `/graphql`: GraphQL over HTTP, POST for any operation and GET for queries only.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse};
use serde_json::json;

use super::AppState;
use crate::api;

pub async fn post(state: web::Data<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    let request = api::with_loaders(request.into_inner(), &state.graph);
    state.schema.execute(request).await.into()
}

/// GET runs queries only: a mutation must not be triggered by a link or an `<img>`.
pub async fn get(state: web::Data<AppState>, request: GraphQLRequest) -> HttpResponse {
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
