//! The HTTP layer's error type: requests refused before any GraphQL runs, each with its
//! status code and a stable `extensions.code`.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use serde_json::json;

/// Why a request to `/graphql` was refused before execution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("a POST body must be JSON: send `Content-Type: application/json` (got {0})")]
    UnsupportedMediaType(String),
    #[error("no response type the client accepts: `Accept` must allow application/graphql-response+json or application/json (got {0:?})")]
    NotAcceptable(String),
    #[error("the request body is empty (expected a JSON object with a `query`)")]
    EmptyBody,
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request body is not UTF-8 (expected UTF-8 encoded JSON)")]
    NotUtf8,
    #[error("{0}")]
    InvalidParameter(String),
    #[error("batched requests (a JSON array) are {0}")]
    Batching(String),
    #[error("a {0} cannot be sent with GET; use POST")]
    MutationOverGet(&'static str),
    #[error("PersistedQueryNotFound")]
    PersistedQueryNotFound,
    #[error("the persisted query hash does not match the query (expected the SHA-256 of `query`, in hex)")]
    PersistedQueryHashMismatch,
    #[error("only trusted operations run on this server; operation {0} is not in the trusted documents manifest")]
    UntrustedOperation(String),
    #[error("the request body is larger than {0} bytes (the limit of this server)")]
    PayloadTooLarge(usize),
    #[error("the request body could not be read: {0}")]
    Payload(String),
    #[error("the server is answering {0} requests already (its limit); retry shortly")]
    Overloaded(usize),
    #[error("the server has {0} connections open already (its limit); retry shortly")]
    TooManyConnections(usize),
    #[error("the request ran longer than {0} ms (the limit of this server)")]
    Timeout(u64),
    #[error("the request body did not arrive within {0} ms (the limit of this server)")]
    BodyTimeout(u64),
    #[error("internal error")]
    Internal,
}

impl HttpError {
    /// The stable code clients can match on.
    pub fn code(&self) -> &'static str {
        match self {
            HttpError::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            HttpError::NotAcceptable(_) => "NOT_ACCEPTABLE",
            HttpError::EmptyBody | HttpError::MalformedJson(_) | HttpError::NotUtf8 => {
                "BAD_REQUEST"
            }
            HttpError::InvalidParameter(_) => "BAD_REQUEST",
            HttpError::Batching(_) => "BATCHING_NOT_ALLOWED",
            HttpError::MutationOverGet(_) => "METHOD_NOT_ALLOWED",
            HttpError::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            HttpError::PersistedQueryHashMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
            HttpError::UntrustedOperation(_) => "UNTRUSTED_OPERATION",
            HttpError::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            HttpError::Payload(_) => "BAD_REQUEST",
            HttpError::Overloaded(_) | HttpError::TooManyConnections(_) => "OVERLOADED",
            HttpError::Timeout(_) => "TIMEOUT",
            HttpError::BodyTimeout(_) => "BODY_TIMEOUT",
            HttpError::Internal => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The status code of the refusal.
    pub fn status(&self) -> StatusCode {
        match self {
            HttpError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HttpError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            HttpError::MutationOverGet(_) => StatusCode::METHOD_NOT_ALLOWED,
            HttpError::UntrustedOperation(_) => StatusCode::FORBIDDEN,
            HttpError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            HttpError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            HttpError::Overloaded(_) | HttpError::TooManyConnections(_) | HttpError::Timeout(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            HttpError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            // Apollo clients expect 200 here, then send the query with its hash.
            HttpError::PersistedQueryNotFound => StatusCode::OK,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The response: `{"errors": [...]}` without a `data` entry, as the spec asks for
    /// request errors.
    pub fn response(&self, content_type: &str) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
        match self {
            HttpError::MutationOverGet(_) => {
                response.insert_header((header::ALLOW, "POST"));
            }
            HttpError::Overloaded(_) | HttpError::TooManyConnections(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        response
            .insert_header((header::CONTENT_TYPE, content_type))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(
                json!({ "errors": [{ "message": self.to_string(), "extensions": { "code": self.code() } }] })
                    .to_string(),
            )
    }
}
