//! The API layer's error type, mapped to GraphQL errors with a stable `extensions.code`.

use async_graphql::ErrorExtensions;

use super::cursor::CursorFault;
use crate::graph::GraphError;

/// What a resolver can refuse or fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// A global id that this server did not issue (its first characters, for the message:
    /// the input is not echoed whole).
    #[error("invalid id {0:?}: expected an opaque id returned by this API in an `id` field")]
    InvalidId(String),
    /// An `after` or `before` that is not a cursor of this connection (the argument, and why).
    #[error("`{0}` {1}")]
    InvalidCursor(&'static str, CursorFault),
    /// An argument outside what the field accepts.
    #[error("{0}")]
    BadInput(String),
    /// A federation representation whose key names no record of its type (the type, the
    /// key field, and the first characters of its value).
    #[error("no {0} has the {1} {2:?}")]
    EntityNotFound(String, &'static str, String),
    /// The store failed; the detail is logged, not shown.
    #[error("internal error while reading the graph")]
    Internal,
}

impl ApiError {
    /// The stable code clients can match on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidId(_) => "INVALID_ID",
            ApiError::InvalidCursor(..) => "INVALID_CURSOR",
            ApiError::BadInput(_) => "BAD_USER_INPUT",
            ApiError::EntityNotFound(..) => "ENTITY_NOT_FOUND",
            ApiError::Internal => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.to_string()).extend_with(|_, e| e.set("code", self.code()))
    }
}

impl From<GraphError> for ApiError {
    fn from(error: GraphError) -> Self {
        tracing::error!(%error, "graph read failed");
        ApiError::Internal
    }
}

impl From<std::sync::Arc<GraphError>> for ApiError {
    fn from(error: std::sync::Arc<GraphError>) -> Self {
        tracing::error!(%error, "graph read failed");
        ApiError::Internal
    }
}

/// Maps a lower-layer failure to a GraphQL error carrying its `extensions.code`.
///
/// `async_graphql::Error` converts from anything `Display`, which would drop the code, so
/// every resolver goes through this (or `ErrorExtensions::extend`) instead of a bare `?`.
pub fn to_gql(error: impl Into<ApiError>) -> async_graphql::Error {
    error.into().extend()
}

/// The result type of resolvers.
pub type ApiResult<T> = Result<T, async_graphql::Error>;
