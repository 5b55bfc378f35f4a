//! A document's cost, compiled once and evaluated per request in time linear in the
//! document's size, without walking the document again.
//!
//! The cost is async-graphql's own (its complexity walk, which `execute` checks against
//! `--max-complexity`), reproduced exactly: the planned executor must refuse exactly what
//! async-graphql would refuse, and async-graphql's walk, run for every request whose
//! variables may change the cost, was a measured share of each such request's time
//! (optimizations.md, "Cost compiled once"). Debug builds check every planned request's
//! cost against async-graphql's walk, so the whole test suite (the conformance corpus
//! with its generated documents included) compares the two.
//!
//! The walk's rules, from `async_graphql::validation::visitors::complexity` and its
//! visitor, with their quirks kept:
//! - every field of every operation of the document counts, whatever `@skip`/`@include`
//!   say and whichever operation runs; fragments count at each spread; `__typename` counts
//!   nothing;
//! - a field costs `1 + its children`, except a field of an object type whose definition
//!   states a cost (connections: `connection_cost(first, last, children)`; `search`:
//!   `first.max(1) × children`), read from its arguments as async-graphql reads them; an
//!   argument that does not read costs the field as a plain one;
//! - a fragment spread's fields are looked up on the type where the fragment is spread,
//!   not on its type condition (an inline fragment's condition does apply), so a field
//!   the spread-site type lacks costs as a plain field, and so does all beneath it.

use std::collections::HashMap;

use apollo_compiler::ast;
use apollo_compiler::executable::{ExecutableDocument, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::Schema;
use async_graphql::{InputType, Name, Value as ConstValue, Variables};

use super::limits::connection_cost;

/// The cost of a document for any variables.
pub struct Cost {
    operations: Vec<Operation>,
}

/// One operation's fields, and the fragments they spread (each per spread-site type).
struct Operation {
    root: Vec<Term>,
    fragments: Vec<Vec<Term>>,
}

/// What one selection adds to the cost of the selection set it is in.
enum Term {
    /// A part whose cost reads no variable.
    Fixed(usize),
    /// A field costing `1 + its children`.
    Plain(Vec<Term>),
    /// A connection field.
    Connection {
        first: Source,
        last: Source,
        children: Vec<Term>,
    },
    /// `Query.search`: `first` (10 when not given) times its children.
    Search { first: Source, children: Vec<Term> },
    /// A fragment spread: the operation's fragment at this index.
    Spread(usize),
}

/// Where an argument's value comes from.
enum Source {
    Absent,
    Literal(ConstValue),
    /// A variable the operation declares.
    Variable(Name),
    /// A variable the operation does not declare (a fragment's, spread by another
    /// operation): an argument that does not read when the request gives it.
    Undeclared(Name),
}

impl Source {
    /// The argument as async-graphql's `param_value` reads it: a variable the request does
    /// not give is an absent argument, and an absent one takes `default`.
    fn read<T: InputType>(&self, variables: &Variables, default: Option<T>) -> Option<T> {
        let value = match self {
            Source::Absent => None,
            Source::Literal(value) => Some(value.clone()),
            Source::Variable(name) => variables.get(name).cloned(),
            Source::Undeclared(name) if variables.contains_key(name) => return None,
            Source::Undeclared(_) => None,
        };
        match (value, default) {
            (None, Some(default)) => Some(default),
            (value, _) => T::parse(value).ok(),
        }
    }

    fn is_fixed(&self) -> bool {
        matches!(self, Source::Absent | Source::Literal(_))
    }
}

impl Cost {
    /// The cost template of `document`, or `None` for a document with a field whose cost
    /// this module does not reproduce (introspection, federation, `nodes(ids:)`): its cost
    /// is then async-graphql's walk, run for each request.
    pub fn of(schema: &Schema, document: &ExecutableDocument) -> Option<Cost> {
        let operations = document
            .operations
            .iter()
            .map(|operation| {
                let mut builder = Builder {
                    schema,
                    document,
                    declared: operation
                        .variables
                        .iter()
                        .map(|v| v.name.as_str())
                        .collect(),
                    spreads: HashMap::new(),
                    fragments: Vec::new(),
                };
                let root = builder.selections(&operation.selection_set, Some("Query"))?;
                Some(Operation {
                    root,
                    fragments: builder.fragments,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Cost { operations })
    }

    /// The cost for a request's (coerced) variables.
    pub fn of_request(&self, variables: &Variables) -> usize {
        self.operations.iter().fold(0usize, |sum, operation| {
            let mut memo = vec![None; operation.fragments.len()];
            sum.saturating_add(operation.sum(&operation.root, variables, &mut memo))
        })
    }
}

impl Operation {
    fn sum(&self, terms: &[Term], variables: &Variables, memo: &mut [Option<usize>]) -> usize {
        terms.iter().fold(0usize, |sum, term| {
            sum.saturating_add(self.term(term, variables, memo))
        })
    }

    fn term(&self, term: &Term, variables: &Variables, memo: &mut [Option<usize>]) -> usize {
        match term {
            Term::Fixed(cost) => *cost,
            Term::Plain(children) => 1usize.saturating_add(self.sum(children, variables, memo)),
            Term::Connection {
                first,
                last,
                children,
            } => {
                let children = self.sum(children, variables, memo);
                match (first.read(variables, None), last.read(variables, None)) {
                    (Some(first), Some(last)) => connection_cost(first, last, children),
                    _ => 1usize.saturating_add(children),
                }
            }
            Term::Search { first, children } => {
                let children = self.sum(children, variables, memo);
                match first.read::<i32>(variables, Some(SEARCH_DEFAULT_FIRST)) {
                    Some(first) => (first.max(1) as usize).saturating_mul(children),
                    None => 1usize.saturating_add(children),
                }
            }
            Term::Spread(index) => match memo[*index] {
                Some(cost) => cost,
                None => {
                    let cost = self.sum(&self.fragments[*index], variables, memo);
                    memo[*index] = Some(cost);
                    cost
                }
            },
        }
    }
}

/// `search`'s `first` when not given (its declared default).
const SEARCH_DEFAULT_FIRST: i32 = 10;

/// Compiles one operation's terms.
struct Builder<'a> {
    schema: &'a Schema,
    document: &'a ExecutableDocument,
    declared: Vec<&'a str>,
    /// The fragments compiled so far, by name and spread-site type.
    spreads: HashMap<(&'a str, Option<&'a str>), usize>,
    fragments: Vec<Vec<Term>>,
}

impl<'a> Builder<'a> {
    /// The terms of `set` where the walk's current type is `current` (`None`: unknown).
    fn selections(&mut self, set: &'a SelectionSet, current: Option<&'a str>) -> Option<Vec<Term>> {
        let mut terms = Vec::new();
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    let name = field.name.as_str();
                    if name == "__typename" {
                        continue;
                    }
                    if name.starts_with("__") || name == "_entities" || name == "_service" {
                        return None;
                    }
                    let definition = current.and_then(|ty| self.field_type(ty, name));
                    let children = self.selections(&field.selection_set, definition)?;
                    let on_object = current.is_some_and(|ty| {
                        matches!(self.schema.types.get(ty), Some(ExtendedType::Object(_)))
                    });
                    let argument = |argument: &str| self.source(field, argument);
                    let term = match (on_object, current, name, definition) {
                        (true, Some("Query"), "nodes", _) => return None,
                        (true, Some("Query"), "search", _) => Term::Search {
                            first: argument("first"),
                            children,
                        },
                        (true, _, _, Some(ty)) if self.is_connection(ty) => Term::Connection {
                            first: argument("first"),
                            last: argument("last"),
                            children,
                        },
                        _ => Term::Plain(children),
                    };
                    terms.push(term);
                }
                Selection::InlineFragment(inline) => {
                    let ty = match &inline.type_condition {
                        Some(condition) => Some(condition.as_str()),
                        None => current,
                    };
                    terms.extend(self.selections(&inline.selection_set, ty)?);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.fragment_name.as_str();
                    let index = match self.spreads.get(&(name, current)) {
                        Some(index) => *index,
                        None => {
                            let fragment = self.document.fragments.get(name)?;
                            let fragment_terms =
                                self.selections(&fragment.selection_set, current)?;
                            self.fragments.push(fragment_terms);
                            let index = self.fragments.len() - 1;
                            self.spreads.insert((name, current), index);
                            index
                        }
                    };
                    terms.push(Term::Spread(index));
                }
            }
        }
        Some(fold(terms, &self.fragments))
    }

    /// The named type of field `name` of type `ty`, if `ty` has such a field.
    fn field_type(&self, ty: &str, name: &str) -> Option<&'a str> {
        let definition = match self.schema.types.get(ty)? {
            ExtendedType::Object(object) => object.fields.get(name)?,
            ExtendedType::Interface(interface) => interface.fields.get(name)?,
            _ => return None,
        };
        Some(definition.ty.inner_named_type().as_str())
    }

    /// Whether `ty` is a Relay connection type (every field returning one states its cost).
    fn is_connection(&self, ty: &str) -> bool {
        ty.ends_with("Connection")
            && matches!(self.schema.types.get(ty), Some(ExtendedType::Object(_)))
    }

    fn source(&self, field: &apollo_compiler::executable::Field, name: &str) -> Source {
        match field.arguments.iter().find(|a| a.name == name) {
            None => Source::Absent,
            Some(argument) => match argument.value.as_ref() {
                ast::Value::Variable(variable) if self.declared.contains(&variable.as_str()) => {
                    Source::Variable(Name::new(variable.as_str()))
                }
                ast::Value::Variable(variable) => Source::Undeclared(Name::new(variable.as_str())),
                value => Source::Literal(super::prepare::literal_value(value)),
            },
        }
    }
}

/// `terms` with every part that reads no variable computed now: a selection set whose
/// cost reads none becomes one fixed term.
fn fold(terms: Vec<Term>, fragments: &[Vec<Term>]) -> Vec<Term> {
    let all_fixed = |terms: &[Term]| terms.iter().all(|t| matches!(t, Term::Fixed(_)));
    let empty = Operation {
        root: Vec::new(),
        fragments: Vec::new(),
    };
    let folded: Vec<Term> = terms
        .into_iter()
        .map(|term| {
            let fixed = match &term {
                Term::Fixed(_) => false,
                Term::Plain(children) => all_fixed(children),
                Term::Connection {
                    first,
                    last,
                    children,
                } => first.is_fixed() && last.is_fixed() && all_fixed(children),
                Term::Search { first, children } => first.is_fixed() && all_fixed(children),
                Term::Spread(index) => {
                    return match all_fixed(&fragments[*index]) {
                        true => Term::Fixed(empty.sum(
                            &fragments[*index],
                            &Variables::default(),
                            &mut [],
                        )),
                        false => term,
                    }
                }
            };
            match fixed {
                true => Term::Fixed(empty.term(&term, &Variables::default(), &mut [])),
                false => term,
            }
        })
        .collect();
    match all_fixed(&folded) && folded.len() > 1 {
        true => vec![Term::Fixed(empty.sum(
            &folded,
            &Variables::default(),
            &mut [],
        ))],
        false => folded,
    }
}
