//! `/graphql`: GraphQL over HTTP as the specification describes it — POST for any
//! operation, GET for queries only, content negotiation on `Accept`, 4xx without `data`
//! for request errors under `application/graphql-response+json`, ETags on GET.

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use serde_json::{Map, Value};

use super::error::HttpError;
use super::metrics::Observation;
use super::negotiate::{negotiate, ResponseType};
use super::params::{self, Params};
use super::persisted::sha256_hex;
use super::{AppState, Served};

/// The header naming the data an answer was read from: the seed's checksum of the
/// generation, as `/health` shows it (`dataHash`). Replicas that agree send the same.
const DATA_HASH: &str = "x-data-hash";
use crate::api::{self, Outcome};
use crate::config::HttpLimits;

/// `POST /graphql`: a JSON body (`Content-Type: application/json`), any operation.
pub async fn post(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let mut observation = Observation::start(&state);
    let response = answer_post(&state, &request, payload, &mut observation).await;
    observation.finish(response.status());
    response
}

async fn answer_post(
    state: &AppState,
    request: &HttpRequest,
    payload: web::Payload,
    observation: &mut Observation<'_>,
) -> HttpResponse {
    let response_type = match negotiate(header_str(request.headers(), header::ACCEPT)) {
        Ok(ty) => ty,
        Err(error) => return refuse(observation, error, ResponseType::Json),
    };
    if let Err(error) = check_content_type(request.headers()) {
        return refuse(observation, error, response_type);
    }
    let body = match read_body(request.headers(), payload, &state.http_limits).await {
        Ok(body) => body,
        Err(error) => return refuse(observation, error, response_type),
    };
    let operations = match params::from_body(&body, state.http_limits.max_batch) {
        Ok(operations) => operations,
        Err(error) => return refuse(observation, error, response_type),
    };
    // Every operation of the request reads this one generation, whatever reloads happen.
    let served = state.served();
    if operations.len() == 1 {
        let params = operations.into_iter().next().expect("one operation");
        return match execute(state, &served, &params, false, observation).await {
            Ok(response) => render(response, response_type, None, &served),
            Err(error) => refuse(observation, error, response_type),
        };
    }
    // A batch answers every operation; its status is 200 whatever each one says.
    // Each answer is serialised once, as a single request's is, and the array joins them.
    let mut results = Vec::with_capacity(operations.len());
    for params in &operations {
        results.push(match execute(state, &served, params, false, observation).await {
            Ok(outcome) => String::from_utf8_lossy(&body_of(&outcome)).into_owned(),
            Err(error) => serde_json::json!({ "errors": [{ "message": error.to_string(), "extensions": { "code": error.code() } }] }).to_string(),
        });
    }
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, response_type.content_type()))
        .insert_header((DATA_HASH, served.data_hash.as_str()))
        .body(format!("[{}]", results.join(",")))
}

/// `GET /graphql?query=...`: queries only, cacheable, with a strong ETag.
pub async fn get(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    let mut observation = Observation::start(&state);
    let response = answer_get(&state, &request, &mut observation).await;
    observation.finish(response.status());
    response
}

async fn answer_get(
    state: &AppState,
    request: &HttpRequest,
    observation: &mut Observation<'_>,
) -> HttpResponse {
    let response_type = match negotiate(header_str(request.headers(), header::ACCEPT)) {
        Ok(ty) => ty,
        Err(error) => return refuse(observation, error, ResponseType::Json),
    };
    let pairs = match web::Query::<Vec<(String, String)>>::from_query(request.query_string()) {
        Ok(pairs) => pairs.into_inner(),
        Err(e) => {
            let error = HttpError::InvalidParameter(format!("the query string is malformed: {e}"));
            return refuse(observation, error, response_type);
        }
    };
    let params = match params::from_query_string(pairs) {
        Ok(params) => params,
        Err(error) => return refuse(observation, error, response_type),
    };
    let served = state.served();
    match execute(state, &served, &params, true, observation).await {
        Ok(response) => render(
            response,
            response_type,
            Some((&state.cache_control, request.headers())),
            &served,
        ),
        Err(error) => refuse(observation, error, response_type),
    }
}

/// The response to a request error, noted as a refusal.
fn refuse(observation: &mut Observation<'_>, error: HttpError, ty: ResponseType) -> HttpResponse {
    observation.refusal(error.code());
    error.response(ty.content_type())
}

/// The body, refused at once when its declared `Content-Length` is over the limit, as soon
/// as it grows past the limit (never buffered beyond it), and when it has not all arrived
/// within the body deadline (a client that stalls does not hold a connection).
async fn read_body(
    headers: &HeaderMap,
    mut payload: web::Payload,
    limits: &HttpLimits,
) -> Result<web::BytesMut, HttpError> {
    use async_graphql::futures_util::StreamExt;
    let limit = limits.max_body_bytes;
    let declared = header_str(headers, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(HttpError::PayloadTooLarge(limit));
    }
    let read = async {
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| HttpError::Payload(e.to_string()))?;
            if body.len() + chunk.len() > limit {
                return Err(HttpError::PayloadTooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    let deadline = std::time::Duration::from_millis(limits.body_timeout_ms);
    tokio::time::timeout(deadline, read)
        .await
        .map_err(|_| HttpError::BodyTimeout(limits.body_timeout_ms))?
}

/// A POST must say it sends JSON (which also keeps browsers' CORS-simple content types —
/// `text/plain`, forms — from triggering operations cross-site).
fn check_content_type(headers: &HeaderMap) -> Result<(), HttpError> {
    let Some(value) = header_str(headers, header::CONTENT_TYPE) else {
        return Err(HttpError::UnsupportedMediaType("no Content-Type".into()));
    };
    let mut parts = value.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default().to_ascii_lowercase();
    let charset_ok = parts
        .filter_map(|p| p.split_once('='))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .all(|(_, v)| v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8"));
    if essence == "application/json" && charset_ok {
        Ok(())
    } else {
        Err(HttpError::UnsupportedMediaType(format!("{value:?}")))
    }
}

/// Runs the operation, and notes what became of it.
async fn execute(
    state: &AppState,
    served: &Served,
    params: &Params,
    over_get: bool,
    observation: &mut Observation<'_>,
) -> Result<Outcome, HttpError> {
    let result = resolve_and_run(state, served, params, over_get).await;
    observation.operation(params.operation_name.as_deref(), &result);
    result
}

/// Resolves the document, refuses a mutation over GET, and runs the operation.
async fn resolve_and_run(
    state: &AppState,
    served: &Served,
    params: &Params,
    over_get: bool,
) -> Result<Outcome, HttpError> {
    let query = state.documents.resolve(params)?;
    if over_get {
        if let Some(kind) = non_query_operation(&query, params.operation_name.as_deref()) {
            return Err(HttpError::MutationOverGet(kind));
        }
    }
    let mut request = async_graphql::Request::new(query.as_ref());
    request.operation_name = params.operation_name.clone();
    if let Some(variables) = &params.variables {
        request.variables = async_graphql::Variables::from_json(Value::Object(variables.clone()));
    }
    if let Some(extensions) = &params.extensions {
        request.extensions = serde_json::from_value(Value::Object(without_persisted_query(
            extensions,
        )))
        .map_err(|e| HttpError::InvalidParameter(format!("`extensions` cannot be read: {e}")))?;
    }
    let request = api::with_loaders(request, &served.graph);
    let deadline =
        std::time::Instant::now() + std::time::Duration::from_millis(state.http_limits.timeout_ms);
    let request = api::with_deadline(request, deadline);
    // Boxed once: the execution future is kilobytes, and the timeout, the unwind guard and
    // the handler's own state would otherwise each copy it (memmove was 4 % of Q1's time).
    run_bounded(state, Box::pin(state.api.run(request))).await
}

/// Runs `execution` within the concurrency cap and the timeout, turning a panic into a
/// masked 500 instead of a dropped connection.
async fn run_bounded(
    state: &AppState,
    execution: impl std::future::Future<Output = Outcome>,
) -> Result<Outcome, HttpError> {
    use async_graphql::futures_util::FutureExt;
    let limits = &state.http_limits;
    let _permit = state
        .in_flight
        .try_acquire()
        .map_err(|_| HttpError::Overloaded(limits.max_concurrent))?;
    let timeout = std::time::Duration::from_millis(limits.timeout_ms);
    match tokio::time::timeout(
        timeout,
        std::panic::AssertUnwindSafe(execution).catch_unwind(),
    )
    .await
    {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(panic)) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(%detail, "a GraphQL request panicked");
            Err(HttpError::Internal)
        }
        Err(_) => Err(HttpError::Timeout(limits.timeout_ms)),
    }
}

/// The APQ entry is the HTTP layer's business; the rest of `extensions` goes to the schema.
fn without_persisted_query(extensions: &Map<String, Value>) -> Map<String, Value> {
    let mut rest = extensions.clone();
    rest.remove("persistedQuery");
    rest
}

/// The kind of the selected operation when it is not a query.
fn non_query_operation(query: &str, operation_name: Option<&str>) -> Option<&'static str> {
    let document = async_graphql::parser::parse_query(query).ok()?;
    let ty = match &document.operations {
        DocumentOperations::Single(op) => op.node.ty,
        DocumentOperations::Multiple(ops) => match operation_name {
            Some(name) => ops.get(name)?.node.ty,
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

/// The JSON of an outcome: a request error has no `data` (GraphQL spec, "Response
/// Format": the entry is absent when an error was raised before execution).
fn body_of(outcome: &Outcome) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Refusal<'a> {
        errors: &'a [async_graphql::ServerError],
    }
    let body = match outcome {
        Outcome::Refused(errors) => serde_json::to_vec(&Refusal { errors }),
        Outcome::Executed(response) => serde_json::to_vec(response),
        // Written by the planned executor: nothing to serialise.
        Outcome::Planned(body) => return body.clone(),
    };
    body.unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot serialize a GraphQL response");
        br#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#
            .to_vec()
    })
}

/// The HTTP response for an executed operation. `cache` is given for GET: the
/// `Cache-Control` to send and the request headers to check `If-None-Match` against.
fn render(
    outcome: Outcome,
    ty: ResponseType,
    cache: Option<(&str, &HeaderMap)>,
    served: &Served,
) -> HttpResponse {
    let (status, clean) = match &outcome {
        Outcome::Refused(_) if ty == ResponseType::GraphqlResponseJson => {
            (StatusCode::BAD_REQUEST, false)
        }
        Outcome::Refused(_) => (StatusCode::OK, false),
        Outcome::Executed(response) => (StatusCode::OK, response.errors.is_empty()),
        Outcome::Planned(_) => (StatusCode::OK, true),
    };
    let body = match outcome {
        Outcome::Planned(body) => body,
        other => body_of(&other),
    };
    let mut builder = HttpResponse::build(status);
    builder
        .insert_header((header::CONTENT_TYPE, ty.content_type()))
        .insert_header((DATA_HASH, served.data_hash.as_str()));
    match cache {
        Some((cache_control, headers)) if clean => {
            let etag = format!("\"{}\"", &sha256_hex(&String::from_utf8_lossy(&body))[..32]);
            builder
                .insert_header((header::ETAG, etag.clone()))
                .insert_header((header::CACHE_CONTROL, cache_control.to_string()))
                .insert_header((header::VARY, "Accept"));
            if if_none_match(headers, &etag) {
                return HttpResponse::NotModified()
                    .insert_header((header::ETAG, etag))
                    .insert_header((header::CACHE_CONTROL, cache_control.to_string()))
                    .insert_header((header::VARY, "Accept"))
                    .finish();
            }
        }
        _ => {
            builder.insert_header((header::CACHE_CONTROL, "no-store"));
        }
    }
    builder.body(body)
}

/// Whether `If-None-Match` lists `etag` (or is `*`).
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    header_str(headers, header::IF_NONE_MATCH).is_some_and(|value| {
        value
            .split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == etag || tag == "*")
    })
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
