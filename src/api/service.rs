//! [`Api`]: the schema with the limits checked around it, which is what the HTTP layer runs.
//!
//! The limits are not an async-graphql extension. With any extension registered,
//! async-graphql sends every resolved field through the extension chain (a registry
//! lookup and boxed futures per field): measured over HTTP, that cost Q2 22 % and Q3 29 %
//! of their requests/s. So the document checks run here before execution, depth and cost
//! use async-graphql's own validation limits, and only a refused request meets an
//! extension, to word its refusal.
//!
//! Validation is the other large fixed cost of a small query (a ninth of Q1's server
//! time): async-graphql checks some twenty rules on every request. Its outcome depends
//! only on the document, the operation name and the variables, so a request that passed
//! with no error at all is remembered beside its parsed document, and an identical
//! request later runs on a twin schema that skips the rules (`ValidationMode::Fast`; it
//! still computes depth and cost). Anything not seen before is validated in full.

use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    EmptyMutation, EmptySubscription, Request, Response, Schema, ServerResult, ValidationMode,
    Variables,
};
use quick_cache::sync::Cache;

use super::limits::{self, ExplainLimits};
use super::{QueryRoot, SchemaOptions, WicSchema};

/// The served schema and the checks that run before it.
#[derive(Clone)]
pub struct Api {
    schema: WicSchema,
    /// The same schema and limits with the validation rules skipped: only for requests
    /// that already passed them (see the module documentation).
    prevalidated: WicSchema,
    /// The same schema with depth and cost checked by [`ExplainLimits`] instead: run only
    /// when `schema` refused a request for either, to say by how much. It never
    /// executes a field.
    explainer: WicSchema,
    options: SchemaOptions,
    /// Parsed documents by their text. Clients repeat a few operations, and parsing
    /// (pest) was a sixth of a small query's time; a clone of the parsed tree is cheaper.
    documents: Arc<Cache<String, Arc<CachedDocument>>>,
}

/// A parsed document, and the operation names and variables with which it passed
/// validation and ran without any error.
struct CachedDocument {
    document: ExecutableDocument,
    validated: Mutex<Vec<(Option<String>, Variables)>>,
}

/// How many (operation, variables) pairs are remembered per document; later ones are
/// simply validated every time.
const VALIDATED_PER_DOCUMENT: usize = 16;

impl CachedDocument {
    fn passed(&self, request: &Request) -> bool {
        let validated = self.validated.lock().expect("validated list poisoned");
        holds(&validated, &request.operation_name, &request.variables)
    }

    fn remember(&self, operation_name: Option<String>, variables: Variables) {
        let mut validated = self.validated.lock().expect("validated list poisoned");
        if validated.len() < VALIDATED_PER_DOCUMENT
            && !holds(&validated, &operation_name, &variables)
        {
            validated.push((operation_name, variables));
        }
    }
}

fn holds(
    validated: &[(Option<String>, Variables)],
    operation_name: &Option<String>,
    variables: &Variables,
) -> bool {
    validated
        .iter()
        .any(|(name, vars)| name == operation_name && vars == variables)
}

/// How many parsed documents are kept, and the longest text that is cached.
const CACHED_DOCUMENTS: usize = 1_000;
const LONGEST_CACHED_DOCUMENT: usize = 16 * 1024;

impl Api {
    pub fn new(options: &SchemaOptions) -> Self {
        let limited = || {
            builder(options)
                .limit_depth(options.limits.max_depth)
                .limit_complexity(options.limits.max_complexity)
        };
        let schema = limited().finish();
        let prevalidated = limited().validation_mode(ValidationMode::Fast).finish();
        let explainer = builder(options)
            .extension(ExplainLimits(options.limits))
            .finish();
        Api {
            schema,
            prevalidated,
            explainer,
            options: *options,
            documents: Arc::new(Cache::new(CACHED_DOCUMENTS)),
        }
    }

    /// Runs `request` if it is within the limits; otherwise answers with the refusal
    /// (a GraphQL error with its `extensions.code`) without executing anything.
    pub async fn execute(&self, mut request: Request) -> Response {
        let document = match self.check(&mut request) {
            Ok(document) => document,
            Err(refusal) => return Response::from_errors(vec![refusal]),
        };
        let Some(document) = document else {
            // Not parsed: execution reports the syntax error.
            return self.schema.execute(request).await;
        };
        if document.passed(&request) {
            return self.prevalidated.execute(request).await;
        }
        // Kept to remember a success, or for the explainer should validation refuse.
        let (variables, operation_name) =
            (request.variables.clone(), request.operation_name.clone());
        let response = self.schema.execute(request).await;
        if response.errors.is_empty() {
            document.remember(operation_name, variables);
            response
        } else if limits::is_validation_limit_refusal(&response) {
            let mut request = Request::new("").variables(variables);
            request.operation_name = operation_name;
            request.set_parsed_query(document.document.clone());
            self.explainer.execute(request).await
        } else {
            response
        }
    }

    /// The limits on the document; the parsed document is handed to the request, so it is
    /// not parsed again, and returned. A document that does not parse passes: execution
    /// reports the syntax error.
    fn check(&self, request: &mut Request) -> ServerResult<Option<Arc<CachedDocument>>> {
        limits::check_tokens(&self.options.limits, &request.query)?;
        let Some(document) = self.parse(&request.query) else {
            return Ok(None);
        };
        limits::check_document(&self.options, &document.document, &request.variables)?;
        request.set_parsed_query(document.document.clone());
        Ok(Some(document))
    }

    fn parse(&self, query: &str) -> Option<Arc<CachedDocument>> {
        if let Some(document) = self.documents.get(query) {
            return Some(document);
        }
        let document = Arc::new(CachedDocument {
            document: async_graphql::parser::parse_query(query).ok()?,
            validated: Mutex::default(),
        });
        if query.len() <= LONGEST_CACHED_DOCUMENT {
            self.documents.insert(query.to_string(), document.clone());
        }
        Some(document)
    }
}

/// The schema's parts shared by both of [`Api`]'s schemas.
pub(super) fn builder(
    options: &SchemaOptions,
) -> async_graphql::SchemaBuilder<QueryRoot, EmptyMutation, EmptySubscription> {
    let mut builder =
        Schema::build(QueryRoot, EmptyMutation, EmptySubscription).data(options.limits);
    if !options.introspection {
        builder = builder.disable_introspection();
    }
    if !options.suggestions {
        builder = builder.disable_suggestions();
    }
    builder
}
