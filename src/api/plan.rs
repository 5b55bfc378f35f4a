//! The planned executor: a validated document compiled once into a plan (fields collected
//! per concrete type, fragments expanded, same-key fields merged, arguments bound), then
//! executed synchronously, writing the response's JSON straight into one buffer.
//!
//! It runs the resolvers the `#[Object]` impls run (their methods, or the bodies those
//! methods delegate to), each polled once. Whatever the plan does not cover falls back to
//! async-graphql's executor, which stays the reference: a document with a field the plan
//! does not know is not planned; a request whose resolver would wait (a cold cache needing
//! a batched load, the request's deadline) or fails (any field error) is abandoned and run
//! again by async-graphql, which answers it, errors included, as before. A read-only
//! request can be run twice; errors are rare, so their paths, locations and propagation
//! stay async-graphql's alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use apollo_compiler::ast;
use apollo_compiler::ast::OperationType;
use apollo_compiler::executable::{
    DirectiveList, ExecutableDocument, Field, Selection, SelectionSet,
};
use async_graphql::connection::PageInfo;
use async_graphql::futures_util::FutureExt;
use async_graphql::resolver_utils::EnumType;
use async_graphql::{InputType, Name, ScalarType, Value as ConstValue, Variables, ID};
use async_graphql_value::Value as SyntaxValue;

use super::connection::{Conn, ConnEdge, Env, FromRecord, Page};
use super::error::ApiResult;
use super::node::kind_named;
use super::query::{record_by_id, search, SearchHit};
use super::types::{self, Citation, Date};
use super::{Actor, Document, Event, Node, Place, QueryRoot, Statistic, Topic, Trend};
use crate::graph::{Record, RecordKind};

/// A record field without arguments whose value is a scalar, an enum or a list of them.
pub type FieldFn = fn(&Arc<Record>, &mut Vec<u8>);
/// A field of `Citation`.
pub type CitationFn = fn(&Citation<'_>, &mut Vec<u8>);
/// A record's connection field.
pub type ConnFn = fn(&Env<'_>, &Arc<Record>, Page) -> Option<ApiResult<Conn<Node>>>;
/// A record's field that follows a relation holding at most once.
pub type OneFn = fn(&Env<'_>, &Arc<Record>) -> Option<ApiResult<Option<Node>>>;
/// A lookup by slug on the query root.
pub type LookupFn = fn(&Env<'_>, &str) -> Option<ApiResult<Option<Node>>>;
/// A top-level list on the query root.
pub type ListFn = fn(&Env<'_>, &Args) -> Option<ApiResult<Conn<Node>>>;
/// A record's `citations`.
type CitationsFn = for<'r> fn(&'r Arc<Record>) -> Vec<Citation<'r>>;

/// A value written as JSON, as async-graphql's response would serialise it.
pub trait Emit {
    fn emit(&self, out: &mut Vec<u8>);
}

impl<T: Emit + ?Sized> Emit for &T {
    fn emit(&self, out: &mut Vec<u8>) {
        (**self).emit(out)
    }
}

impl Emit for str {
    fn emit(&self, out: &mut Vec<u8>) {
        // Writing a `str` to a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, self);
    }
}

impl Emit for String {
    fn emit(&self, out: &mut Vec<u8>) {
        self.as_str().emit(out)
    }
}

impl Emit for ID {
    fn emit(&self, out: &mut Vec<u8>) {
        self.0.emit(out)
    }
}

impl Emit for bool {
    fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(if *self { b"true" } else { b"false" });
    }
}

macro_rules! emit_integers {
    ($($ty:ty),*) => {$(
        impl Emit for $ty {
            fn emit(&self, out: &mut Vec<u8>) {
                use std::io::Write;
                // Writing to a `Vec` cannot fail.
                let _ = write!(out, "{}", self);
            }
        }
    )*};
}
emit_integers!(i32, u32, usize);

impl Emit for f64 {
    fn emit(&self, out: &mut Vec<u8>) {
        // As async-graphql: a number that JSON cannot hold is `null`.
        match serde_json::Number::from_f64(*self) {
            Some(n) => {
                let _ = serde_json::to_writer(&mut *out, &n);
            }
            None => out.extend_from_slice(b"null"),
        }
    }
}

impl Emit for Date {
    /// `"YYYY-MM-DD"`, as [`ScalarType::to_value`] writes it, without parsing chrono's
    /// format string for every date (optimizations.md, "Metrics and traces on the planned
    /// executor"); years outside 0–9999, which chrono writes otherwise, go through
    /// `to_value`.
    fn emit(&self, out: &mut Vec<u8>) {
        use chrono::Datelike;
        let (year, month, day) = (self.0.year(), self.0.month(), self.0.day());
        if (0..=9999).contains(&year) {
            use std::io::Write;
            // Writing to a `Vec` cannot fail.
            let _ = write!(out, "\"{year:04}-{month:02}-{day:02}\"");
            return;
        }
        match ScalarType::to_value(self) {
            ConstValue::String(s) => s.emit(out),
            _ => out.extend_from_slice(b"null"),
        }
    }
}

impl<T: Emit> Emit for Option<T> {
    fn emit(&self, out: &mut Vec<u8>) {
        match self {
            Some(v) => v.emit(out),
            None => out.extend_from_slice(b"null"),
        }
    }
}

impl<T: Emit> Emit for Vec<T> {
    fn emit(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            v.emit(out);
        }
        out.push(b']');
    }
}

/// An enum's value: its GraphQL name, from the derived `EnumType`.
fn emit_enum<T: EnumType + PartialEq>(value: &T, out: &mut Vec<u8>) {
    match T::items().iter().find(|item| item.value == *value) {
        Some(item) => item.name.emit(out),
        None => out.extend_from_slice(b"null"),
    }
}

macro_rules! emit_enums {
    ($($ty:ident),*) => {$(
        impl Emit for types::$ty {
            fn emit(&self, out: &mut Vec<u8>) {
                emit_enum(self, out)
            }
        }
    )*};
}
emit_enums!(
    RecordKind,
    DocumentKind,
    EventKind,
    ActorKind,
    KindBasis,
    PlaceKind,
    TopicKind,
    Qualifier,
    RelationType
);

/// How many requests the planned executor answered, and how many it left to
/// async-graphql's (not planned, or abandoned).
#[derive(Debug, Default)]
pub struct EngineCounts {
    planned: AtomicU64,
    not_planned: AtomicU64,
    over_limits: AtomicU64,
    abandoned: AtomicU64,
}

/// Why a request went to async-graphql's executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The plan does not cover the document's operation.
    NotPlanned,
    /// Over the depth or cost limit: async-graphql refuses it.
    OverLimits,
    /// A resolver would have waited (a cold cache, the deadline) or failed.
    Abandoned,
}

impl EngineCounts {
    pub(super) fn count<T>(&self, outcome: &Result<T, Fallback>) {
        let counter = match outcome {
            Ok(_) => &self.planned,
            Err(Fallback::NotPlanned) => &self.not_planned,
            Err(Fallback::OverLimits) => &self.over_limits,
            Err(Fallback::Abandoned) => &self.abandoned,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests answered by the plan so far.
    pub fn planned(&self) -> u64 {
        self.planned.load(Ordering::Relaxed)
    }

    /// Requests executed by async-graphql so far, for any reason.
    pub fn fallback(&self) -> u64 {
        self.not_planned() + self.over_limits.load(Ordering::Relaxed) + self.abandoned()
    }

    /// Requests whose document the plan does not cover.
    pub fn not_planned(&self) -> u64 {
        self.not_planned.load(Ordering::Relaxed)
    }

    /// Requests planned, then abandoned (a resolver would have waited or failed).
    pub fn abandoned(&self) -> u64 {
        self.abandoned.load(Ordering::Relaxed)
    }
}

/// The plans of one document, by operation and by the values of the `@skip`/`@include`
/// conditions that read variables (few documents have any). A document the plan does not
/// cover is remembered as `None`.
#[derive(Default)]
pub struct PlanCache {
    entries: Mutex<Vec<PlanEntry>>,
    /// The variables the document's conditions read, in document order (found once).
    conditions: OnceLock<Vec<Name>>,
}

struct PlanEntry {
    operation: Option<String>,
    conditions: Vec<Option<bool>>,
    plan: Option<Arc<Plan>>,
}

/// The most plans remembered per document (distinct operations and conditions).
const PLANS_PER_DOCUMENT: usize = 8;

impl PlanCache {
    /// The plan of `operation_name` for `variables`, compiled on first use.
    pub fn get(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Option<Arc<Plan>> {
        let conditions: Vec<Option<bool>> = self
            .conditions
            .get_or_init(|| condition_variables(document))
            .iter()
            .map(|name| match variables.get(name) {
                Some(ConstValue::Boolean(b)) => Some(*b),
                _ => None,
            })
            .collect();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = entries
            .iter()
            .find(|e| e.operation.as_deref() == operation_name && e.conditions == conditions)
        {
            return entry.plan.clone();
        }
        let plan = Compiler {
            document,
            variables,
        }
        .operation(operation_name)
        .map(Arc::new);
        if entries.len() < PLANS_PER_DOCUMENT {
            entries.push(PlanEntry {
                operation: operation_name.map(str::to_string),
                conditions,
                plan: plan.clone(),
            });
        }
        plan
    }
}

/// The variables that `@skip`/`@include` conditions read, in document order.
fn condition_variables(document: &ExecutableDocument) -> Vec<Name> {
    fn directives(list: &DirectiveList, out: &mut Vec<Name>) {
        for directive in list.iter() {
            for argument in &directive.arguments {
                if let ast::Value::Variable(name) = argument.value.as_ref() {
                    out.push(Name::new(name.as_str()));
                }
            }
        }
    }
    fn selections(set: &SelectionSet, out: &mut Vec<Name>) {
        for selection in &set.selections {
            match selection {
                Selection::Field(f) => {
                    directives(&f.directives, out);
                    selections(&f.selection_set, out);
                }
                Selection::FragmentSpread(s) => directives(&s.directives, out),
                Selection::InlineFragment(i) => {
                    directives(&i.directives, out);
                    selections(&i.selection_set, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    for operation in document.operations.iter() {
        selections(&operation.selection_set, &mut out);
    }
    for fragment in document.fragments.values() {
        selections(&fragment.selection_set, &mut out);
    }
    out
}

/// A compiled operation: the query root's fields.
pub struct Plan {
    root: Set,
}

/// The fields of a selection set, for each object type its value may have.
enum Set {
    /// An object type.
    One(Vec<Planned>),
    /// The `Node` interface: the fields for each record kind, in `RecordKind::ALL` order.
    Kinds(Vec<Vec<Planned>>),
}

/// One response key of an object.
struct Planned {
    /// `"key":`, as JSON.
    key: Box<[u8]>,
    what: What,
}

/// An argument of a field, bound when the document is compiled.
enum Arg {
    /// Not given and without a default.
    Absent,
    /// A literal (or the schema's default).
    Value(ConstValue),
    /// A variable; when the request does not give it, the schema's default, if any.
    Variable(Name, Option<ConstValue>),
    /// A list or input-object literal with variables inside.
    Nested(SyntaxValue),
}

/// A field's arguments, by name.
type ArgList = Vec<(Name, Arg)>;

/// A field's arguments for one request: what async-graphql's parsing of each input type
/// reads.
pub struct Args(Vec<(Name, Option<ConstValue>)>);

impl Args {
    /// The argument `name`, parsed as async-graphql parses it; `None` if it does not parse
    /// (async-graphql then reports it).
    pub fn get<T: InputType>(&self, name: &str) -> Option<T> {
        let value = self
            .0
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.clone());
        T::parse(value).ok()
    }

    /// The Relay paging arguments.
    pub fn page(&self) -> Option<Page> {
        Some(Page::new(
            self.get("after")?,
            self.get("before")?,
            self.get("first")?,
            self.get("last")?,
        ))
    }
}

enum What {
    Typename(Box<[u8]>),
    // The query root.
    NodeById(ArgList, Set),
    Lookup(LookupFn, ArgList, Set),
    List(ListFn, ArgList, Set),
    Search(ArgList, Set),
    // Records.
    Scalar(FieldFn),
    Citations(CitationsFn, Set),
    Connection(ConnFn, ArgList, Set),
    One(OneFn, Set),
    Relations(ArgList, Set),
    // Citations.
    Citation(CitationFn),
    // Connections.
    PageInfo(Set),
    Edges(Set),
    Nodes(Set),
    TotalCount,
    // PageInfo.
    HasPreviousPage,
    HasNextPage,
    StartCursor,
    EndCursor,
    // Edges.
    EdgeNode(Set),
    Cursor,
    Relation,
    Role,
    EdgeCitations(Set),
    // Search hits.
    HitNode(Set),
    Score,
    MatchedTerms,
    HitField,
    Snippet,
}

fn kind_index(kind: RecordKind) -> usize {
    RecordKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default()
}

/// A record type's field (snake case) that follows a relation holding at most once.
fn record_one(kind: RecordKind, name: &str) -> Option<OneFn> {
    match kind {
        RecordKind::Document => Document::planned_one(name),
        RecordKind::Event => Event::planned_one(name),
        RecordKind::Trend => Trend::planned_one(name),
        RecordKind::Actor => Actor::planned_one(name),
        RecordKind::Place => Place::planned_one(name),
        RecordKind::Topic => Topic::planned_one(name),
        RecordKind::Statistic => Statistic::planned_one(name),
    }
}

/// The resolver of a record type's field (snake case) without arguments.
fn record_field(kind: RecordKind, name: &str) -> Option<FieldFn> {
    match kind {
        RecordKind::Document => Document::planned_field(name),
        RecordKind::Event => Event::planned_field(name),
        RecordKind::Trend => Trend::planned_field(name),
        RecordKind::Actor => Actor::planned_field(name),
        RecordKind::Place => Place::planned_field(name),
        RecordKind::Topic => Topic::planned_field(name),
        RecordKind::Statistic => Statistic::planned_field(name),
    }
}

/// A record type's connection field (snake case).
fn record_connection(kind: RecordKind, name: &str) -> Option<ConnFn> {
    match kind {
        RecordKind::Document => Document::planned_connection(name),
        RecordKind::Event => Event::planned_connection(name),
        RecordKind::Trend => Trend::planned_connection(name),
        RecordKind::Actor => Actor::planned_connection(name),
        RecordKind::Place => Place::planned_connection(name),
        RecordKind::Topic => Topic::planned_connection(name),
        RecordKind::Statistic => Statistic::planned_connection(name),
    }
}

fn record_citations(kind: RecordKind) -> CitationsFn {
    match kind {
        RecordKind::Document => Document::planned_citations,
        RecordKind::Event => Event::planned_citations,
        RecordKind::Trend => Trend::planned_citations,
        RecordKind::Actor => Actor::planned_citations,
        RecordKind::Place => Place::planned_citations,
        RecordKind::Topic => Topic::planned_citations,
        RecordKind::Statistic => Statistic::planned_citations,
    }
}

/// `startDate` → `start_date`: the Rust name of a field, as the macros list them.
fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            snake.push('_');
            snake.push(c.to_ascii_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

fn json_key(key: &str) -> Box<[u8]> {
    let mut out = Vec::with_capacity(key.len() + 3);
    key.emit(&mut out);
    out.push(b':');
    out.into_boxed_slice()
}

/// Compiles one operation of a validated document for one request's conditions.
struct Compiler<'d> {
    document: &'d ExecutableDocument,
    variables: &'d Variables,
}

impl<'d> Compiler<'d> {
    fn operation(&self, name: Option<&str>) -> Option<Plan> {
        let operation = self.document.operations.get(name).ok()?;
        if operation.operation_type != OperationType::Query {
            return None;
        }
        let fields = self.fields("Query", &[&operation.selection_set])?;
        Some(Plan {
            root: Set::One(fields),
        })
    }

    /// Whether `@skip`/`@include` keep a selection; `None` for a condition it cannot read.
    fn included(&self, directives: &DirectiveList) -> Option<bool> {
        for directive in directives.iter() {
            let skip = match directive.name.as_str() {
                "skip" => true,
                "include" => false,
                _ => continue,
            };
            let condition = directive
                .arguments
                .iter()
                .find(|a| a.name == "if")?
                .value
                .as_ref();
            let value = match condition {
                ast::Value::Boolean(b) => *b,
                ast::Value::Variable(name) => match self.variables.get(&Name::new(name.as_str())) {
                    Some(ConstValue::Boolean(b)) => *b,
                    _ => return None,
                },
                _ => return None,
            };
            if value == skip {
                return Some(false);
            }
        }
        Some(true)
    }

    /// The spec's CollectFields for an object of type `concrete`: response keys in order
    /// of first appearance, each with every field node collected under it.
    fn collect(
        &self,
        concrete: &str,
        set: &'d SelectionSet,
        out: &mut Vec<(&'d str, Vec<&'d Field>)>,
    ) -> Option<()> {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    if !self.included(&field.directives)? {
                        continue;
                    }
                    let key = field.response_key().as_str();
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(field),
                        None => out.push((key, vec![field])),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if !self.included(&spread.directives)? {
                        continue;
                    }
                    let fragment = self.document.fragments.get(&spread.fragment_name)?;
                    if applies(fragment.type_condition().as_str(), concrete) {
                        self.collect(concrete, &fragment.selection_set, out)?;
                    }
                }
                Selection::InlineFragment(inline) => {
                    if !self.included(&inline.directives)? {
                        continue;
                    }
                    let applies = inline
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| applies(c.as_str(), concrete));
                    if applies {
                        self.collect(concrete, &inline.selection_set, out)?;
                    }
                }
            }
        }
        Some(())
    }

    /// The selection sets `sets` (merged) on a value of type `type_name`.
    fn set(&self, type_name: &str, sets: &[&'d SelectionSet]) -> Option<Set> {
        if type_name == "Node" {
            let kinds = RecordKind::ALL
                .iter()
                .map(|k| self.fields(super::node::type_name(*k), sets))
                .collect::<Option<Vec<_>>>()?;
            return Some(Set::Kinds(kinds));
        }
        Some(Set::One(self.fields(type_name, sets)?))
    }

    fn fields(&self, concrete: &str, sets: &[&'d SelectionSet]) -> Option<Vec<Planned>> {
        let mut collected = Vec::new();
        for set in sets {
            self.collect(concrete, set, &mut collected)?;
        }
        collected
            .into_iter()
            .map(|(key, fields)| {
                Some(Planned {
                    key: json_key(key),
                    what: self.what(concrete, &fields)?,
                })
            })
            .collect()
    }

    fn what(&self, concrete: &str, fields: &[&'d Field]) -> Option<What> {
        let field = fields[0];
        let sets: Vec<&SelectionSet> = fields.iter().map(|f| &f.selection_set).collect();
        what(
            concrete,
            field.name.as_str(),
            || self.arguments(field),
            || self.set(field.selection_set.ty.as_str(), &sets),
        )
    }

    /// Every argument the field's definition declares, bound to what the document gives.
    fn arguments(&self, field: &Field) -> Option<ArgList> {
        Some(
            field
                .definition
                .arguments
                .iter()
                .map(|definition| {
                    let default = definition
                        .default_value
                        .as_ref()
                        .map(|v| super::prepare::literal_value(v));
                    let given = field.arguments.iter().find(|a| a.name == definition.name);
                    let arg = match given.map(|a| a.value.as_ref()) {
                        Some(ast::Value::Variable(name)) => {
                            Arg::Variable(Name::new(name.as_str()), default)
                        }
                        Some(value) => {
                            let syntax = super::prepare::syntax_value(value);
                            match syntax.clone().into_const() {
                                Some(value) => Arg::Value(value),
                                None => Arg::Nested(syntax),
                            }
                        }
                        None => default.map_or(Arg::Absent, Arg::Value),
                    };
                    (Name::new(definition.name.as_str()), arg)
                })
                .collect(),
        )
    }
}

/// How the plan resolves the field `name` of an object of type `concrete`, with its
/// arguments and its sub-selection (each asked for only where the field has them); `None`
/// for a field the plan does not cover.
fn what(
    concrete: &str,
    name: &str,
    args: impl Fn() -> Option<ArgList>,
    child: impl Fn() -> Option<Set>,
) -> Option<What> {
    if name == "__typename" {
        let mut typename = Vec::new();
        concrete.emit(&mut typename);
        return Some(What::Typename(typename.into_boxed_slice()));
    }
    if let Some(kind) = kind_named(concrete) {
        return Some(match name {
            "citations" => What::Citations(record_citations(kind), child()?),
            "relations" => What::Relations(args()?, child()?),
            _ => {
                let snake = snake_case(name);
                match record_connection(kind, &snake) {
                    Some(connection) => What::Connection(connection, args()?, child()?),
                    None => match record_one(kind, &snake) {
                        Some(one) => What::One(one, child()?),
                        None => What::Scalar(record_field(kind, &snake)?),
                    },
                }
            }
        });
    }
    Some(match (concrete, name) {
        ("Query", "node") => What::NodeById(args()?, child()?),
        ("Query", "search") => What::Search(args()?, child()?),
        ("Query", _) => match QueryRoot::planned_lookup(name) {
            Some(lookup) => What::Lookup(lookup, args()?, child()?),
            None => What::List(QueryRoot::planned_list(name)?, args()?, child()?),
        },
        ("Citation", _) => What::Citation(Citation::planned_field(name)?),
        ("PageInfo", "hasPreviousPage") => What::HasPreviousPage,
        ("PageInfo", "hasNextPage") => What::HasNextPage,
        ("PageInfo", "startCursor") => What::StartCursor,
        ("PageInfo", "endCursor") => What::EndCursor,
        ("SearchHit", "node") => What::HitNode(child()?),
        ("SearchHit", "score") => What::Score,
        ("SearchHit", "matchedTerms") => What::MatchedTerms,
        ("SearchHit", "field") => What::HitField,
        ("SearchHit", "snippet") => What::Snippet,
        (connection, _) if connection.ends_with("Connection") => match name {
            "pageInfo" => What::PageInfo(child()?),
            "edges" => What::Edges(child()?),
            "nodes" => What::Nodes(child()?),
            "totalCount" => What::TotalCount,
            _ => return None,
        },
        (edge, _) if edge.ends_with("Edge") => match name {
            "node" => What::EdgeNode(child()?),
            "cursor" => What::Cursor,
            "relation" => What::Relation,
            "role" => What::Role,
            "citations" => What::EdgeCitations(child()?),
            _ => return None,
        },
        _ => return None,
    })
}

/// Whether a fragment on `condition` applies to an object of type `concrete`.
fn applies(condition: &str, concrete: &str) -> bool {
    condition == concrete || (condition == "Node" && kind_named(concrete).is_some())
}

/// A value being completed.
#[derive(Clone, Copy)]
enum Obj<'a> {
    Query,
    Record(&'a Arc<Record>),
    Citation(&'a Citation<'a>),
    Conn(&'a Conn<Node>),
    PageInfo(&'a PageInfo),
    Edge(ConnEdge<'a, Node>),
    Hit(&'a SearchHit),
}

impl Plan {
    /// The response's JSON (`{"data":...}`), or `None` where async-graphql must answer.
    pub fn execute(&self, env: Env<'_>, variables: &Variables) -> Option<Vec<u8>> {
        let mut run = Run {
            env,
            variables,
            out: Vec::with_capacity(1024),
        };
        run.out.extend_from_slice(b"{\"data\":");
        run.object(&self.root, Obj::Query)?;
        run.out.push(b'}');
        Some(run.out)
    }
}

struct Run<'a> {
    env: Env<'a>,
    variables: &'a Variables,
    out: Vec<u8>,
}

impl Run<'_> {
    fn args(&self, list: &ArgList) -> Option<Args> {
        list.iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Absent => None,
                    Arg::Value(v) => Some(v.clone()),
                    Arg::Variable(variable, default) => {
                        self.variables.get(variable).or(default.as_ref()).cloned()
                    }
                    Arg::Nested(syntax) => Some(
                        syntax
                            .clone()
                            .into_const_with(|n| self.variables.get(&n).cloned().ok_or(()))
                            .ok()?,
                    ),
                };
                Some((name.clone(), value))
            })
            .collect::<Option<Vec<_>>>()
            .map(Args)
    }

    fn object(&mut self, set: &Set, obj: Obj<'_>) -> Option<()> {
        let fields = match (set, obj) {
            (Set::One(fields), _) => fields,
            (Set::Kinds(kinds), Obj::Record(r)) => &kinds[kind_index(r.kind())],
            _ => return None,
        };
        self.out.push(b'{');
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.out.extend_from_slice(&field.key);
            self.field(&field.what, obj)?;
        }
        self.out.push(b'}');
        Some(())
    }

    fn list<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Self, T) -> Option<()>,
    ) -> Option<()> {
        self.out.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            each(self, item)?;
        }
        self.out.push(b']');
        Some(())
    }

    fn node(&mut self, set: &Set, node: Option<&Node>) -> Option<()> {
        match node {
            Some(node) => self.object(set, Obj::Record(node.record())),
            None => {
                self.out.extend_from_slice(b"null");
                Some(())
            }
        }
    }

    fn field(&mut self, what: &What, obj: Obj<'_>) -> Option<()> {
        let env = self.env;
        match (what, obj) {
            (What::Typename(name), _) => self.out.extend_from_slice(name),
            (What::NodeById(args, set), Obj::Query) => {
                let id: ID = self.args(args)?.get("id")?;
                let record = record_by_id(&env, &id).now_or_never()?.ok()?;
                let node = record.and_then(Node::from_record);
                self.node(set, node.as_ref())?;
            }
            (What::Lookup(lookup, args, set), Obj::Query) => {
                let slug: String = self.args(args)?.get("slug")?;
                let node = lookup(&env, &slug)?.ok()?;
                self.node(set, node.as_ref())?;
            }
            (What::List(list, args, set), Obj::Query) => {
                let conn = list(&env, &self.args(args)?)?.ok()?;
                self.object(set, Obj::Conn(&conn))?;
            }
            (What::Search(args, set), Obj::Query) => {
                let args = self.args(args)?;
                let hits = search(
                    &env,
                    &args.get::<String>("query")?,
                    args.get("first")?,
                    args.get("kinds")?,
                )
                .ok()?;
                self.list(&hits, |run, hit| run.object(set, Obj::Hit(hit)))?;
            }
            (What::Scalar(resolve), Obj::Record(record)) => resolve(record, &mut self.out),
            (What::Citations(citations, set), Obj::Record(record)) => {
                let citations = citations(record);
                self.list(&citations, |run, c| run.object(set, Obj::Citation(c)))?;
            }
            (What::Connection(connection, args, set), Obj::Record(record)) => {
                let page = self.args(args)?.page()?;
                let conn = connection(&env, record, page)?.ok()?;
                self.object(set, Obj::Conn(&conn))?;
            }
            (What::One(one, set), Obj::Record(record)) => {
                let node = one(&env, record)?.ok()?;
                self.node(set, node.as_ref())?;
            }
            (What::Relations(args, set), Obj::Record(record)) => {
                let args = self.args(args)?;
                let conn = super::connection::relations(
                    &env,
                    record,
                    args.get("direction")?,
                    args.get("types")?,
                    args.page()?,
                )
                .now_or_never()?
                .ok()?;
                self.object(set, Obj::Conn(&conn))?;
            }
            (What::Citation(resolve), Obj::Citation(citation)) => resolve(citation, &mut self.out),
            (What::PageInfo(set), Obj::Conn(conn)) => {
                let info = conn.page_info_of();
                self.object(set, Obj::PageInfo(&info))?;
            }
            (What::Edges(set), Obj::Conn(conn)) => {
                self.list(conn.edges_of(), |run, edge| {
                    run.object(set, Obj::Edge(edge))
                })?;
            }
            (What::Nodes(set), Obj::Conn(conn)) => {
                self.list(conn.nodes_of(), |run, node| {
                    run.object(set, Obj::Record(node.record()))
                })?;
            }
            (What::TotalCount, Obj::Conn(conn)) => conn.total_count_of().ok()?.emit(&mut self.out),
            (What::HasPreviousPage, Obj::PageInfo(info)) => {
                info.has_previous_page.emit(&mut self.out)
            }
            (What::HasNextPage, Obj::PageInfo(info)) => info.has_next_page.emit(&mut self.out),
            (What::StartCursor, Obj::PageInfo(info)) => info.start_cursor.emit(&mut self.out),
            (What::EndCursor, Obj::PageInfo(info)) => info.end_cursor.emit(&mut self.out),
            (What::EdgeNode(set), Obj::Edge(edge)) => {
                self.object(set, Obj::Record(edge.node_of().record()))?;
            }
            (What::Cursor, Obj::Edge(edge)) => edge.encoded_cursor().emit(&mut self.out),
            (What::Relation, Obj::Edge(edge)) => {
                edge.relation_of().relation_of().emit(&mut self.out)
            }
            (What::Role, Obj::Edge(edge)) => edge.relation_of().role_of().emit(&mut self.out),
            (What::EdgeCitations(set), Obj::Edge(edge)) => {
                let citations = edge.relation_of().citations_of();
                self.list(&citations, |run, c| run.object(set, Obj::Citation(c)))?;
            }
            (What::HitNode(set), Obj::Hit(hit)) => {
                self.object(set, Obj::Record(hit.node.record()))?
            }
            (What::Score, Obj::Hit(hit)) => hit.score.emit(&mut self.out),
            (What::MatchedTerms, Obj::Hit(hit)) => hit.matched_terms.emit(&mut self.out),
            (What::HitField, Obj::Hit(hit)) => hit.field.emit(&mut self.out),
            (What::Snippet, Obj::Hit(hit)) => hit.snippet.emit(&mut self.out),
            _ => return None,
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_written_as_its_scalar_writes_it() {
        use chrono::{Datelike, NaiveDate};
        let mut days: Vec<NaiveDate> = [(0, 1, 1), (9999, 12, 31), (-1, 6, 15), (10000, 1, 1)]
            .iter()
            .map(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
            .collect();
        let mut day = NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
        while day.year() < 2031 {
            days.push(day);
            day = day.succ_opt().unwrap();
        }
        for day in days {
            let mut out = Vec::new();
            Date(day).emit(&mut out);
            let expected = serde_json::to_vec(&ScalarType::to_value(&Date(day))).unwrap();
            assert_eq!(out, expected, "{day}");
        }
    }
    use apollo_compiler::schema::ExtendedType;

    /// Every field of the schema's object types that the plan does not cover: a document
    /// that selects one runs through async-graphql's executor. A field added to the schema
    /// without being wired into the plan shows here.
    #[test]
    fn the_fields_the_plan_leaves_to_async_graphql_are_these() {
        let schema =
            apollo_compiler::Schema::parse_and_validate(crate::api::sdl(), "schema.graphql")
                .unwrap();
        let mut uncovered = Vec::new();
        for (name, ty) in &schema.types {
            let ExtendedType::Object(object) = ty else {
                continue;
            };
            if name.starts_with("__") {
                continue;
            }
            for field in object.fields.keys() {
                let planned = what(
                    name,
                    field,
                    || Some(Vec::new()),
                    || Some(Set::One(Vec::new())),
                );
                if planned.is_none() {
                    uncovered.push(format!("{name}.{field}"));
                }
            }
        }
        assert_eq!(
            uncovered,
            [
                "Document.sections",
                "GraphStats.records",
                "GraphStats.edges",
                "GraphStats.sourceSha256",
                "KindCount.kind",
                "KindCount.count",
                "Query.nodes",
                "Query.source",
                "Query.stats",
                "SourceSection.id",
                "SourceSection.paragraphs",
            ],
            "{uncovered:#?}"
        );
    }

    #[test]
    fn field_names_are_the_macros_names() {
        assert_eq!(snake_case("startDate"), "start_date");
        assert_eq!(snake_case("nameIsDescriptive"), "name_is_descriptive");
        assert_eq!(snake_case("slug"), "slug");
    }
}
