//! [`Api`]: the schema with the limits checked around it, which is what the HTTP layer runs.
//!
//! The limits are not an async-graphql extension: with any extension registered,
//! async-graphql sends every resolved field through the extension chain (the cost is in
//! `bench/results/optimizations.md`, round 1). The document checks run here before
//! execution; depth and cost are async-graphql's own validation limits, whose refusals
//! `limits::word_limit_refusal` words.
//!
//! Validation is apollo-compiler's ([`super::prepare`]): every rule of the
//! specification, once per document text; the validated document is cached (within a
//! byte budget) and each request only coerces its own variables against it.

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, Request, Response, Schema, ValidationMode};
use quick_cache::sync::Cache;
use quick_cache::Weighter;

use super::cache_stats::{CacheStats, Lookups};
use super::connection::{Deadline, Env};
use super::limits;
use super::plan::{EngineCounts, Fallback};
use super::prepare::{Prepared, RequestErrors, Validator};
use super::Loaders;
use super::{QueryRoot, SchemaOptions, WicSchema};

/// What became of a request.
#[derive(Debug)]
pub enum Outcome {
    /// A request error: refused before execution (syntax, validation, variables, limits);
    /// the response has no `data`.
    Refused(RequestErrors),
    /// Executed: `data`, and field errors if any.
    Executed(Response),
    /// Executed by the planned executor (`super::plan`): the response's JSON, which has
    /// `data` and no errors.
    Planned(Vec<u8>),
}

/// The served schema and the checks that run before it.
#[derive(Clone)]
pub struct Api {
    /// The schema that executes: async-graphql's rules are skipped (apollo-compiler has
    /// checked every rule, see [`super::prepare`]); depth and cost are still computed.
    schema: WicSchema,
    validator: Arc<Validator>,
    options: SchemaOptions,
    /// Validated documents by their text. Clients repeat a few operations, and parsing
    /// and validating cost more than executing a small query. Bounded by an estimate of
    /// the bytes held, not by a count.
    documents: Arc<Cache<String, Arc<Prepared>, DocumentWeight>>,
    /// The document cache's hits and misses, counted only when metrics are on.
    lookups: Option<Arc<Lookups>>,
    /// Whether the planned executor runs first (it does unless switched off, for the
    /// layer bench's comparison).
    planner: bool,
    /// Requests answered by the planned executor, and by async-graphql's.
    engine: Arc<EngineCounts>,
}

/// The longest text that is cached. A document's weight in the cache (whose budget is
/// `Limits::document_cache_bytes`) is an estimate of the bytes it holds (text and both
/// syntax trees).
const LONGEST_CACHED_DOCUMENT: usize = 16 * 1024;
/// Syntax trees are larger than their text; measured at about 20 bytes of tree per byte
/// of text on the benchmark's queries.
const TREE_BYTES_PER_TEXT_BYTE: u64 = 24;

#[derive(Clone)]
struct DocumentWeight;

impl Weighter<String, Arc<Prepared>> for DocumentWeight {
    fn weight(&self, key: &String, _: &Arc<Prepared>) -> u64 {
        (key.len() as u64 + 64) * TREE_BYTES_PER_TEXT_BYTE
    }
}

impl Api {
    pub fn new(options: &SchemaOptions) -> Self {
        let schema = builder(options)
            .limit_depth(options.limits.max_depth)
            .limit_complexity(options.limits.max_complexity)
            .validation_mode(ValidationMode::Fast)
            .finish();
        // Under federation this SDL holds `_Any`, `_Entity`, `_Service`, `_entities` and
        // `_service` as plain types and fields: what federation's documents are validated
        // against (the `@link` and `@key`s are the subgraph SDL's only, and no document
        // can use them).
        let validator = Arc::new(Validator::new(
            &super::sdl_of(&schema),
            options.suggestions,
            &super::types::SCALARS,
        ));
        let budget = options.limits.document_cache_bytes;
        let estimated = (budget / (1024 * TREE_BYTES_PER_TEXT_BYTE)).max(1) as usize;
        Api {
            schema,
            validator,
            options: *options,
            documents: Arc::new(Cache::with_weighter(estimated, budget, DocumentWeight)),
            lookups: None,
            planner: true,
            engine: Arc::default(),
        }
    }

    /// The same API with the planned executor on or off: off, every request runs through
    /// async-graphql's executor (for comparison).
    pub fn with_planner(mut self, on: bool) -> Self {
        self.planner = on;
        self
    }

    /// How many requests each executor has answered (shared by the clones of this API).
    pub fn engine_counts(&self) -> Arc<EngineCounts> {
        self.engine.clone()
    }

    /// Counts the document cache's hits and misses from now on (for `/metrics`).
    pub fn count_cache_lookups(&mut self) {
        self.lookups = Some(Arc::default());
    }

    /// The document cache's size and lookups.
    pub fn document_cache(&self) -> CacheStats {
        CacheStats::of(&self.documents, self.lookups.as_deref())
    }

    /// Runs `request` if it is valid and within the limits; otherwise says why not, with
    /// request errors (each with its `extensions.code`), having executed nothing.
    pub async fn run(&self, mut request: Request) -> Outcome {
        let prepared = match self.prepare(&mut request) {
            Ok(prepared) => prepared,
            Err(errors) => return Outcome::Refused(errors),
        };
        if self.planner {
            let planned = self.planned(&prepared, &request);
            self.engine.count(&planned);
            if let Ok(body) = planned {
                return Outcome::Planned(body);
            }
        }
        request.set_parsed_query(prepared.document.clone());
        let mut response = self.schema.execute(request).await;
        if let Some(refusal) = limits::word_limit_refusal(&response) {
            return Outcome::Refused(vec![refusal]);
        }
        // Our resolvers' errors carry their codes; an error without one is async-graphql's
        // own refusal of an argument's value at execution (a `null` variable in a non-null
        // argument, say).
        for error in &mut response.errors {
            let extensions = error.extensions.get_or_insert_with(Default::default);
            if extensions.get("code").is_none() {
                extensions.set("code", "BAD_USER_INPUT");
            }
        }
        Outcome::Executed(response)
    }

    /// [`Api::run`], with a refusal as a response with no data (for in-process use).
    pub async fn execute(&self, request: Request) -> Response {
        match self.run(request).await {
            Outcome::Executed(response) => response,
            Outcome::Refused(errors) => Response::from_errors(errors),
            Outcome::Planned(body) => match serde_json::from_slice::<Response>(&body) {
                Ok(response) => response,
                Err(e) => Response::from_errors(vec![async_graphql::ServerError::new(
                    format!("the planned response does not read back: {e}"),
                    None,
                )]),
            },
        }
    }

    /// The planned executor's answer, or `None` where async-graphql's must run: a
    /// document or operation the plan does not cover, a request over async-graphql's depth
    /// or cost limits (which it refuses), or one whose execution would wait or fail.
    fn planned(&self, prepared: &Prepared, request: &Request) -> Result<Vec<u8>, Fallback> {
        let data = |id: std::any::TypeId| request.data.get(&id);
        let loaders = data(std::any::TypeId::of::<Loaders>())
            .and_then(|l| l.downcast_ref::<Loaders>())
            .ok_or(Fallback::NotPlanned)?;
        let deadline = data(std::any::TypeId::of::<Deadline>())
            .and_then(|d| d.downcast_ref::<Deadline>())
            .copied();
        let operation_name = request.operation_name.as_deref();
        let plan = prepared
            .plan(operation_name, &request.variables)
            .ok_or(Fallback::NotPlanned)?;
        let within_limits =
            prepared.within_limits(&request.variables, &self.options.limits, || {
                self.schema
                    .measure_limits(&prepared.document, &request.variables, operation_name)
            });
        if !within_limits {
            return Err(Fallback::OverLimits);
        }
        let env = Env {
            loaders,
            max_page_size: self.options.limits.max_page_size,
            deadline,
        };
        plan.execute(env, &request.variables)
            .ok_or(Fallback::Abandoned)
    }

    /// Every check before execution: the token count (of a text not cached), the rules,
    /// the variables, the limits. The validated document is returned; [`Api::run`] hands
    /// it to async-graphql when the planned executor does not answer, so it is not parsed
    /// again.
    fn prepare(&self, request: &mut Request) -> Result<Arc<Prepared>, RequestErrors> {
        let prepared = self.document(&request.query)?;
        let operation_name = request.operation_name.as_deref();
        request.variables =
            self.validator
                .variables(&prepared, operation_name, &request.variables)?;
        limits::check_pages(&self.options, &prepared.document, &request.variables)
            .map_err(|e| vec![e])?;
        Ok(prepared)
    }

    fn document(&self, query: &str) -> Result<Arc<Prepared>, RequestErrors> {
        let cached = self.documents.get(query);
        Lookups::count(self.lookups.as_deref(), cached.is_some());
        if let Some(prepared) = cached {
            return Ok(prepared);
        }
        // A cached text was counted when it was first prepared, under the same limits.
        limits::check_tokens(&self.options.limits, query).map_err(|e| vec![e])?;
        let prepared = Arc::new(
            self.validator
                .prepare(query, |ast| limits::check_shape(&self.options, ast))?,
        );
        if query.len() <= LONGEST_CACHED_DOCUMENT {
            self.documents.insert(query.to_string(), prepared.clone());
        }
        Ok(prepared)
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
    if options.federation {
        builder = builder.enable_federation();
    }
    builder
}
