//! Requests made ready to execute: every document is parsed and validated by
//! apollo-compiler against all of the specification's rules, converted to the syntax tree
//! that async-graphql executes, and its variables are coerced, so that every request
//! error is refused (with its code) before anything runs.
//!
//! async-graphql's own validation misses rules (overlapping fields of different types,
//! variables in positions of another type, ...) and its parser rejects valid strings
//! (`"\u{1F600}"`); its executor only runs what this module hands it, with its own rules
//! skipped (`ValidationMode::Fast`, which still computes depth and cost).

use apollo_compiler::ast::{self, OperationType as AstOperationType};
use apollo_compiler::diagnostic::Diagnostic;
use apollo_compiler::executable::{
    DirectiveList, ExecutableDocument, Fragment, Operation, Selection as ApolloSelection,
    SelectionSet as ApolloSelectionSet,
};
use apollo_compiler::parser::{Parser, SourceSpan};
use apollo_compiler::response::JsonMap;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::{DiagnosticData, DiagnosticList, Valid};
use apollo_compiler::{Node, Schema};
use async_graphql::parser::types as gql;
use async_graphql::{ErrorExtensionValues, Name, Pos, Positioned, ServerError, Variables};
use async_graphql_value::Value as SyntaxValue;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::cost::Cost;
use super::limits::Limits;

/// The schema as apollo-compiler validates against it, built from the SDL that
/// async-graphql generates (the one schema definition).
pub struct Validator {
    schema: Valid<Schema>,
    /// Whether an unknown field's error suggests the names it may have meant.
    suggestions: bool,
    /// The custom scalars' input rules, by scalar name: apollo-compiler accepts any value
    /// for a custom scalar, so a malformed one is refused here, as a request error.
    scalars: HashMap<String, ScalarCheck>,
}

/// Whether a value is a valid input for a custom scalar; `Err` says why not.
pub type ScalarCheck = fn(&async_graphql::Value) -> Result<(), String>;

/// A document that passed every validation rule, in both forms.
pub struct Prepared {
    /// What async-graphql executes.
    pub document: gql::ExecutableDocument,
    /// The validated document: operations are selected and variables coerced on it.
    valid: Valid<ExecutableDocument>,
    /// Its plans for the planned executor, compiled on first use.
    plans: super::plan::PlanCache,
    /// Its cost for any variables, where [`Cost`] reproduces async-graphql's.
    cost: Option<Cost>,
    /// The depth async-graphql measures (the same for any variables), or `None` where its
    /// checks refuse the document; measured on first use.
    depth: OnceLock<Option<usize>>,
}

impl Prepared {
    /// The plan of the operation `operation_name` for a request's (coerced) `variables`;
    /// `None` if the planned executor does not cover it.
    pub fn plan(
        &self,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Option<std::sync::Arc<super::plan::Plan>> {
        self.plans.get(&self.valid, operation_name, variables)
    }

    /// Whether a request with (coerced) `variables` is within `limits`' depth and cost, as
    /// async-graphql measures them: `measure` is its walk, run once per document where
    /// [`Cost`] computes the cost (and, in debug builds, for every request, to check that
    /// both agree), and for every request otherwise.
    pub fn within_limits(
        &self,
        variables: &Variables,
        limits: &Limits,
        measure: impl Fn() -> Option<(usize, usize)>,
    ) -> bool {
        let Some(cost) = &self.cost else {
            return measure().is_some_and(|(depth, cost)| {
                depth <= limits.max_depth && cost <= limits.max_complexity
            });
        };
        let computed = cost.of_request(variables);
        if cfg!(debug_assertions) {
            let measured = measure().map(|(_, cost)| cost);
            assert!(
                measured.is_none() || measured == Some(computed),
                "the compiled cost {computed} is not async-graphql's {measured:?}"
            );
        }
        let depth = *self.depth.get_or_init(|| measure().map(|(depth, _)| depth));
        depth.is_some_and(|depth| depth <= limits.max_depth) && computed <= limits.max_complexity
    }
}

/// A request error: nothing executes, and the response has no `data`.
pub type RequestErrors = Vec<ServerError>;

impl Validator {
    /// Builds the validator from the served schema's SDL.
    ///
    /// # Panics
    /// If apollo-compiler cannot read the SDL async-graphql generated: a bug caught by
    /// every test that starts the server.
    pub fn new(sdl: &str, suggestions: bool, scalars: &[(&str, ScalarCheck)]) -> Self {
        // apollo-compiler 1.33's built-in `__Type` predates the September 2025 edition's
        // `isOneOf`, which async-graphql answers.
        let sdl = format!("{sdl}\nextend type __Type {{ isOneOf: Boolean }}\n");
        let schema = Schema::parse_and_validate(sdl, "schema.graphql")
            .unwrap_or_else(|e| panic!("the generated SDL does not validate: {}", e.errors));
        Validator {
            schema,
            suggestions,
            scalars: scalars
                .iter()
                .map(|(name, check)| (name.to_string(), *check))
                .collect(),
        }
    }

    /// Parses `text`, runs `check` on the syntax tree (the limits on its shape, which
    /// are cheaper than validation and bound its work), and validates it. Syntax errors
    /// are `GRAPHQL_PARSE_FAILED`, broken rules `GRAPHQL_VALIDATION_FAILED`.
    pub fn prepare(
        &self,
        text: &str,
        check: impl FnOnce(&ast::Document) -> Result<(), ServerError>,
    ) -> Result<Prepared, RequestErrors> {
        let lines = LineIndex::new(text);
        let ast = Parser::new()
            .parse_ast(text, "request.graphql")
            .map_err(|e| self.diagnostics(&e.errors, "GRAPHQL_PARSE_FAILED"))?;
        check(&ast).map_err(|e| vec![e])?;
        let duplicates = duplicate_input_fields(&lines, &ast);
        if !duplicates.is_empty() {
            return Err(duplicates);
        }
        let valid = ast
            .to_executable_validate(&self.schema)
            .map_err(|e| self.diagnostics(&e.errors, "GRAPHQL_VALIDATION_FAILED"))?;
        let errors = self.check_values(&lines, &valid);
        if !errors.is_empty() {
            return Err(errors);
        }
        let document = Converter { lines: &lines }.document(&valid);
        Ok(Prepared {
            document,
            cost: Cost::of(&self.schema, &valid),
            valid,
            plans: Default::default(),
            depth: OnceLock::new(),
        })
    }

    /// The variables of the operation `operation_name` selects, coerced to its declared
    /// types with their defaults filled in: a missing required variable or a value of the
    /// wrong type is a request error (`GRAPHQL_VALIDATION_FAILED`).
    pub fn variables(
        &self,
        prepared: &Prepared,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Result<Variables, RequestErrors> {
        let operation = self.operation(prepared, operation_name)?;
        if operation.variables.is_empty() {
            return Ok(Variables::default());
        }
        if let Some(coerced) = self.plain_variables(operation, variables) {
            return Ok(coerced);
        }
        self.coerce_variables(prepared, operation, variables)
    }

    /// The variables coerced without apollo-compiler's round trip through its own JSON
    /// type, where every declared variable is of a built-in scalar other than `Float`, or
    /// of an enum, and every value given is already of its type (or absent with a literal
    /// default, or null where it may be): the common case, and then coercion keeps each
    /// value as it is. `None` for anything else (lists, input objects, custom scalars, a
    /// value to convert or to refuse), which [`Validator::coerce_variables`] coerces, with
    /// its errors. A unit test compares the two on every case this path takes.
    fn plain_variables(&self, operation: &Operation, given: &Variables) -> Option<Variables> {
        use async_graphql::Value as V;
        let mut coerced = Variables::default();
        for definition in &operation.variables {
            let (ast::Type::Named(ty) | ast::Type::NonNullNamed(ty)) = definition.ty.as_ref()
            else {
                return None;
            };
            let nullable = matches!(definition.ty.as_ref(), ast::Type::Named(_));
            let enum_values = match self.schema.types.get(ty) {
                Some(ExtendedType::Enum(e)) => Some(&e.values),
                _ => None,
            };
            let name = Name::new(definition.name.as_str());
            let value = match (given.get(&name), &definition.default_value) {
                (None, None) if nullable => continue,
                (None, None) => return None,
                (None, Some(default)) => match (ty.as_str(), default.as_ref()) {
                    ("Int", ast::Value::Int(i)) => V::Number(i.try_to_i32().ok()?.into()),
                    ("String" | "ID", ast::Value::String(s)) => V::String(s.clone()),
                    ("Boolean", ast::Value::Boolean(b)) => V::Boolean(*b),
                    (_, ast::Value::Enum(e)) if enum_values?.contains_key(e) => {
                        V::String(e.to_string())
                    }
                    _ => return None,
                },
                (Some(V::Null), _) if nullable => V::Null,
                (Some(value), _) => match (ty.as_str(), value) {
                    ("Int", V::Number(n))
                        if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) =>
                    {
                        value.clone()
                    }
                    ("String" | "ID", V::String(_)) | ("Boolean", V::Boolean(_)) => value.clone(),
                    (_, V::String(s)) if enum_values?.contains_key(s.as_str()) => value.clone(),
                    _ => return None,
                },
            };
            coerced.insert(name, value);
        }
        Some(coerced)
    }

    /// The variables coerced by apollo-compiler (the spec's CoerceVariableValues), then
    /// the custom scalars checked.
    fn coerce_variables(
        &self,
        prepared: &Prepared,
        operation: &Operation,
        variables: &Variables,
    ) -> Result<Variables, RequestErrors> {
        let given: JsonMap = serde_json::to_value(variables)
            .and_then(serde_json::from_value)
            .map_err(|e| vec![refusal("BAD_REQUEST", e.to_string(), None)])?;
        let coerced =
            apollo_compiler::request::coerce_variable_values(&self.schema, operation, &given)
                .map_err(|e| {
                    vec![graphql_error(
                        "GRAPHQL_VALIDATION_FAILED",
                        e.to_graphql_error(&prepared.valid.sources),
                    )]
                })?;
        let json = serde_json::to_value(coerced.into_inner())
            .map_err(|e| vec![refusal("BAD_REQUEST", e.to_string(), None)])?;
        let coerced = Variables::from_json(json);
        let mut errors = Vec::new();
        for definition in &operation.variables {
            if let Some(value) = coerced.get(definition.name.as_str()) {
                self.check_scalars(&definition.ty, value, &mut |reason| {
                    errors.push(refusal(
                        "GRAPHQL_VALIDATION_FAILED",
                        format!(
                            "Variable \"${}\" got invalid value: {reason}",
                            definition.name
                        ),
                        None,
                    ))
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(coerced)
    }

    /// The operation a request selects: the one named, or the only one.
    pub fn operation<'a>(
        &self,
        prepared: &'a Prepared,
        operation_name: Option<&str>,
    ) -> Result<&'a Node<Operation>, RequestErrors> {
        prepared.valid.operations.get(operation_name).map_err(|_| {
            let message = match operation_name {
                Some(name) => format!("the document has no operation named {name:?}"),
                None => {
                    "the document has several operations: `operationName` must say which to run"
                        .into()
                }
            };
            vec![refusal("GRAPHQL_VALIDATION_FAILED", message, None)]
        })
    }

    /// The rules on input values that apollo-compiler 1.33 leaves out: custom scalars'
    /// literals, and variables inside list and input-object literals
    /// (VariablesInAllowedPosition, which it checks for arguments only). Each operation's
    /// selections are walked once, fragments it spreads once each.
    fn check_values(&self, lines: &LineIndex, document: &ExecutableDocument) -> RequestErrors {
        let mut errors = Vec::new();
        for operation in document.operations.iter() {
            let mut walk = ValueWalk {
                validator: self,
                lines,
                document,
                variables: &operation.variables,
                seen: HashSet::new(),
                errors: &mut errors,
            };
            for variable in &operation.variables {
                if let Some(default) = &variable.default_value {
                    walk.value(&variable.ty, default, 0, false);
                }
            }
            walk.selections(&operation.selection_set);
        }
        errors
    }

    /// Runs the custom scalars' rules over a (coerced) input value of type `ty`.
    fn check_scalars(
        &self,
        ty: &ast::Type,
        value: &async_graphql::Value,
        refuse: &mut dyn FnMut(String),
    ) {
        use async_graphql::Value as V;
        match (ty, value) {
            (_, V::Null) => {}
            (ast::Type::List(item) | ast::Type::NonNullList(item), V::List(items)) => {
                for v in items {
                    self.check_scalars(item, v, refuse);
                }
            }
            (ast::Type::List(item) | ast::Type::NonNullList(item), single) => {
                self.check_scalars(item, single, refuse)
            }
            (ast::Type::Named(name) | ast::Type::NonNullNamed(name), value) => {
                if let Some(check) = self.scalars.get(name.as_str()) {
                    if let Err(reason) = check(value) {
                        refuse(reason);
                    }
                } else if let (Some(ExtendedType::InputObject(input)), V::Object(fields)) =
                    (self.schema.types.get(name), value)
                {
                    for (field, v) in fields {
                        if let Some(definition) = input.fields.get(field.as_str()) {
                            self.check_scalars(&definition.ty, v, refuse);
                        }
                    }
                }
            }
        }
    }

    /// apollo-compiler's diagnostics as request errors with `code`.
    ///
    /// An unknown field is worded as graphql-js words it, with suggestions where they are
    /// on. apollo-compiler drops an unknown field before it checks selections, so a
    /// selection holding only unknown fields is also reported as missing its subselection:
    /// that second error is left out when the first is there.
    fn diagnostics(&self, list: &DiagnosticList, code: &str) -> RequestErrors {
        let unknown_field = list.iter().any(|d| rule(&d) == Some("UndefinedField"));
        list.iter()
            .filter(|d| !(unknown_field && rule(d) == Some("MissingSubselection")))
            .map(|d| {
                let mut json = d.to_json();
                if rule(&d) == Some("UndefinedField") {
                    json.message = self.unknown_field(&json.message);
                }
                graphql_error(code, json)
            })
            .collect()
    }

    /// `type `T` does not have a field `f`` in graphql-js's words, with its suggestions.
    fn unknown_field(&self, message: &str) -> String {
        let mut quoted = message.split('`').skip(1).step_by(2);
        let (Some(ty), Some(field)) = (quoted.next(), quoted.next()) else {
            return message.to_string();
        };
        let mut message = format!("Cannot query field \"{field}\" on type \"{ty}\".");
        if self.suggestions {
            let fields = self
                .schema
                .types
                .get(ty)
                .map(|def| match def {
                    apollo_compiler::schema::ExtendedType::Object(o) => {
                        o.fields.keys().map(|k| k.as_str()).collect()
                    }
                    apollo_compiler::schema::ExtendedType::Interface(i) => {
                        i.fields.keys().map(|k| k.as_str()).collect()
                    }
                    _ => Vec::new(),
                })
                .unwrap_or_default();
            message += &did_you_mean(&suggestion_list(field, &fields));
        }
        message
    }
}

/// A request error with `code`.
pub(super) fn refusal(code: &str, message: String, pos: Option<Pos>) -> ServerError {
    let mut error = ServerError::new(message, pos);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

fn graphql_error(code: &str, error: apollo_compiler::response::GraphQLError) -> ServerError {
    let mut refused = refusal(code, error.message, None);
    refused.locations = error
        .locations
        .iter()
        .map(|at| Pos {
            line: at.line,
            column: at.column,
        })
        .collect();
    refused
}

/// The spec's "Input Object Field Uniqueness" rule, which apollo-compiler 1.33 does not
/// check in executable documents: `{ year: 2017, year: 2018 }` is refused.
fn duplicate_input_fields(lines: &LineIndex, document: &ast::Document) -> RequestErrors {
    fn value(lines: &LineIndex, node: &Node<ast::Value>, errors: &mut RequestErrors) {
        match &**node {
            ast::Value::List(items) => items.iter().for_each(|v| value(lines, v, errors)),
            ast::Value::Object(fields) => {
                for (i, (name, v)) in fields.iter().enumerate() {
                    if fields[..i].iter().any(|(other, _)| other == name) {
                        let pos = node.location().map(|span| lines.pos(span.offset()));
                        errors.push(refusal(
                            "GRAPHQL_VALIDATION_FAILED",
                            format!("There can be only one input field named \"{name}\"."),
                            pos,
                        ));
                    }
                    value(lines, v, errors);
                }
            }
            _ => {}
        }
    }
    fn directives(lines: &LineIndex, list: &ast::DirectiveList, errors: &mut RequestErrors) {
        for directive in list.iter() {
            for argument in &directive.arguments {
                value(lines, &argument.value, errors);
            }
        }
    }
    fn selections(lines: &LineIndex, set: &[ast::Selection], errors: &mut RequestErrors) {
        for selection in set {
            match selection {
                ast::Selection::Field(field) => {
                    for argument in &field.arguments {
                        value(lines, &argument.value, errors);
                    }
                    directives(lines, &field.directives, errors);
                    selections(lines, &field.selection_set, errors);
                }
                ast::Selection::FragmentSpread(spread) => {
                    directives(lines, &spread.directives, errors)
                }
                ast::Selection::InlineFragment(inline) => {
                    directives(lines, &inline.directives, errors);
                    selections(lines, &inline.selection_set, errors);
                }
            }
        }
    }
    let mut errors = Vec::new();
    for definition in &document.definitions {
        match definition {
            ast::Definition::OperationDefinition(op) => {
                for variable in &op.variables {
                    if let Some(default) = &variable.default_value {
                        value(lines, default, &mut errors);
                    }
                }
                directives(lines, &op.directives, &mut errors);
                selections(lines, &op.selection_set, &mut errors);
            }
            ast::Definition::FragmentDefinition(fragment) => {
                directives(lines, &fragment.directives, &mut errors);
                selections(lines, &fragment.selection_set, &mut errors);
            }
            _ => {}
        }
    }
    errors
}

/// One operation's walk over its argument values (see [`Validator::check_values`]).
struct ValueWalk<'a> {
    validator: &'a Validator,
    lines: &'a LineIndex<'a>,
    document: &'a ExecutableDocument,
    variables: &'a [Node<ast::VariableDefinition>],
    /// Fragments already walked for this operation.
    seen: HashSet<&'a str>,
    errors: &'a mut RequestErrors,
}

impl<'a> ValueWalk<'a> {
    fn selections(&mut self, set: &'a ApolloSelectionSet) {
        for selection in &set.selections {
            match selection {
                ApolloSelection::Field(field) => {
                    for argument in &field.arguments {
                        if let Some(definition) = field.definition.argument_by_name(&argument.name)
                        {
                            let has_default = definition.default_value.is_some();
                            self.value(&definition.ty, &argument.value, 0, has_default);
                        }
                    }
                    self.selections(&field.selection_set);
                }
                ApolloSelection::InlineFragment(inline) => self.selections(&inline.selection_set),
                ApolloSelection::FragmentSpread(spread) => {
                    let name = spread.fragment_name.as_str();
                    if self.seen.insert(name) {
                        if let Some(fragment) = self.document.fragments.get(name) {
                            self.selections(&fragment.selection_set);
                        }
                    }
                }
            }
        }
    }

    /// `value` in a position of type `ty`, `depth` levels inside an argument's literal;
    /// `has_default` when the position has a default value.
    fn value(&mut self, ty: &ast::Type, value: &Node<ast::Value>, depth: usize, has_default: bool) {
        let pos = value.location().map(|span| self.lines.pos(span.offset()));
        match &**value {
            ast::Value::Variable(name) if depth > 0 => {
                let Some(variable) = self.variables.iter().find(|v| &v.name == name) else {
                    return;
                };
                if !variable_allowed(variable, ty, has_default) {
                    self.errors.push(refusal(
                        "GRAPHQL_VALIDATION_FAILED",
                        format!(
                            "Variable \"${name}\" of type \"{}\" used in position expecting type \"{ty}\".",
                            variable.ty
                        ),
                        pos,
                    ));
                }
            }
            ast::Value::List(items) => {
                for item in items {
                    self.value(ty.item_type(), item, depth + 1, false);
                }
            }
            ast::Value::Object(fields) => {
                let input = match self.validator.schema.types.get(ty.inner_named_type()) {
                    Some(ExtendedType::InputObject(input)) => input,
                    _ => return,
                };
                for (name, v) in fields {
                    if let Some(definition) = input.fields.get(name) {
                        let has_default = definition.default_value.is_some();
                        self.value(&definition.ty, v, depth + 1, has_default);
                    }
                }
            }
            ast::Value::Variable(_) | ast::Value::Null => {}
            literal => {
                let name = ty.inner_named_type().as_str();
                if let Some(check) = self.validator.scalars.get(name) {
                    let constant = literal_value(literal);
                    if let Err(reason) = check(&constant) {
                        self.errors.push(refusal(
                            "GRAPHQL_VALIDATION_FAILED",
                            format!("Expected value of type \"{name}\", found {literal}; {reason}"),
                            pos,
                        ));
                    }
                }
            }
        }
    }
}

/// The spec's IsVariableUsageAllowed.
fn variable_allowed(
    variable: &ast::VariableDefinition,
    location: &ast::Type,
    location_has_default: bool,
) -> bool {
    if location.is_non_null() && !variable.ty.is_non_null() {
        let variable_has_default =
            matches!(variable.default_value.as_deref(), Some(v) if !matches!(v, ast::Value::Null));
        if !variable_has_default && !location_has_default {
            return false;
        }
        return types_compatible(&variable.ty, &location.clone().nullable());
    }
    types_compatible(&variable.ty, location)
}

/// The spec's AreTypesCompatible.
fn types_compatible(variable: &ast::Type, location: &ast::Type) -> bool {
    match (variable, location) {
        (_, ast::Type::NonNullNamed(_) | ast::Type::NonNullList(_)) => {
            variable.is_non_null()
                && types_compatible(&variable.clone().nullable(), &location.clone().nullable())
        }
        (ast::Type::NonNullNamed(_) | ast::Type::NonNullList(_), _) => {
            types_compatible(&variable.clone().nullable(), location)
        }
        (ast::Type::List(v), ast::Type::List(l)) => types_compatible(v, l),
        (ast::Type::Named(v), ast::Type::Named(l)) => v == l,
        _ => false,
    }
}

/// A literal, variables kept, in async-graphql's syntax.
pub(super) fn syntax_value(value: &ast::Value) -> SyntaxValue {
    Converter {
        lines: &LineIndex::new(""),
    }
    .value(value)
}

/// A literal with no variable in it, as a constant.
pub(super) fn literal_value(value: &ast::Value) -> async_graphql::Value {
    Converter {
        lines: &LineIndex::new(""),
    }
    .value(value)
    .into_const()
    .unwrap_or_default()
}

/// The rule a diagnostic reports. apollo-compiler names its rules only through this hidden
/// method: the version is pinned, and the unit tests notice a change.
fn rule(diagnostic: &Diagnostic<'_, DiagnosticData>) -> Option<&'static str> {
    diagnostic.error.unstable_error_name()
}

/// The names close to `input`, closest first: graphql-js's `suggestionList` (a distance
/// of at most 40 % of the input's length, plus one; case differences cost nothing).
fn suggestion_list<'a>(input: &str, options: &[&'a str]) -> Vec<&'a str> {
    let threshold = input.chars().count() * 4 / 10 + 1;
    let input_lower = input.to_lowercase();
    let mut close: Vec<(usize, &str)> = options
        .iter()
        .filter_map(|&option| {
            let lower = option.to_lowercase();
            let distance = if lower == input_lower {
                1
            } else {
                edit_distance(&input_lower, &lower)
            };
            (distance <= threshold).then_some((distance, option))
        })
        .collect();
    close.sort();
    close.into_iter().map(|(_, option)| option).collect()
}

/// graphql-js's `didYouMean`: at most five names.
fn did_you_mean(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().take(5).map(|n| format!("\"{n}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!(" Did you mean {one}?"),
        [a, b] => format!(" Did you mean {a} or {b}?"),
        [init @ .., last] => format!(" Did you mean {}, or {last}?", init.join(", ")),
    }
}

/// Levenshtein distance with adjacent transpositions (as graphql-js measures it).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// Byte offsets to 1-based lines and columns (columns count characters).
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        LineIndex { text, starts }
    }

    fn pos(&self, offset: usize) -> Pos {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let end = offset.min(self.text.len());
        let column = self
            .text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        Pos {
            line,
            column: column + 1,
        }
    }
}

/// apollo-compiler's validated document to async-graphql's syntax tree.
struct Converter<'a, 'b> {
    lines: &'b LineIndex<'a>,
}

impl Converter<'_, '_> {
    fn at<T>(&self, location: Option<SourceSpan>, node: T) -> Positioned<T> {
        let pos = location.map_or_else(Pos::default, |span| self.lines.pos(span.offset()));
        Positioned::new(node, pos)
    }

    fn name(&self, location: Option<SourceSpan>, name: &apollo_compiler::Name) -> Positioned<Name> {
        self.at(name.location().or(location), Name::new(name.as_str()))
    }

    fn document(&self, valid: &ExecutableDocument) -> gql::ExecutableDocument {
        let operations = match (&valid.operations.anonymous, valid.operations.named.len()) {
            (Some(op), _) => gql::DocumentOperations::Single(self.operation(op)),
            (None, _) => gql::DocumentOperations::Multiple(
                valid
                    .operations
                    .named
                    .iter()
                    .map(|(name, op)| (Name::new(name.as_str()), self.operation(op)))
                    .collect(),
            ),
        };
        let fragments = valid
            .fragments
            .iter()
            .map(|(name, fragment)| (Name::new(name.as_str()), self.fragment(fragment)))
            .collect();
        gql::ExecutableDocument {
            operations,
            fragments,
        }
    }

    fn operation(&self, op: &Node<Operation>) -> Positioned<gql::OperationDefinition> {
        let ty = match op.operation_type {
            AstOperationType::Query => gql::OperationType::Query,
            AstOperationType::Mutation => gql::OperationType::Mutation,
            AstOperationType::Subscription => gql::OperationType::Subscription,
        };
        let variable_definitions = op
            .variables
            .iter()
            .map(|var| {
                self.at(
                    var.location(),
                    gql::VariableDefinition {
                        name: self.name(var.location(), &var.name),
                        var_type: self.at(var.ty.location(), ty_of(&var.ty)),
                        directives: self.directives(&var.directives),
                        default_value: var.default_value.as_ref().map(|value| {
                            self.at(
                                value.location(),
                                self.value(value).into_const().unwrap_or_default(),
                            )
                        }),
                    },
                )
            })
            .collect();
        self.at(
            op.location(),
            gql::OperationDefinition {
                ty,
                variable_definitions,
                directives: self.directives(&op.directives),
                selection_set: self.selection_set(op.location(), &op.selection_set),
            },
        )
    }

    fn fragment(&self, fragment: &Node<Fragment>) -> Positioned<gql::FragmentDefinition> {
        let ty = &fragment.selection_set.ty;
        self.at(
            fragment.location(),
            gql::FragmentDefinition {
                type_condition: self.at(
                    ty.location(),
                    gql::TypeCondition {
                        on: self.name(ty.location(), ty),
                    },
                ),
                directives: self.directives(&fragment.directives),
                selection_set: self.selection_set(fragment.location(), &fragment.selection_set),
            },
        )
    }

    fn selection_set(
        &self,
        location: Option<SourceSpan>,
        set: &ApolloSelectionSet,
    ) -> Positioned<gql::SelectionSet> {
        let items = set
            .selections
            .iter()
            .map(|selection| match selection {
                ApolloSelection::Field(field) => {
                    let node = gql::Field {
                        alias: field.alias.as_ref().map(|a| self.name(field.location(), a)),
                        name: self.name(field.location(), &field.name),
                        arguments: self.arguments(&field.arguments),
                        directives: self.directives(&field.directives),
                        selection_set: self.selection_set(field.location(), &field.selection_set),
                    };
                    self.at(
                        field.location(),
                        gql::Selection::Field(self.at(field.location(), node)),
                    )
                }
                ApolloSelection::FragmentSpread(spread) => {
                    let node = gql::FragmentSpread {
                        fragment_name: self.name(spread.location(), &spread.fragment_name),
                        directives: self.directives(&spread.directives),
                    };
                    self.at(
                        spread.location(),
                        gql::Selection::FragmentSpread(self.at(spread.location(), node)),
                    )
                }
                ApolloSelection::InlineFragment(inline) => {
                    let node = gql::InlineFragment {
                        type_condition: inline.type_condition.as_ref().map(|ty| {
                            self.at(
                                ty.location(),
                                gql::TypeCondition {
                                    on: self.name(ty.location(), ty),
                                },
                            )
                        }),
                        directives: self.directives(&inline.directives),
                        selection_set: self.selection_set(inline.location(), &inline.selection_set),
                    };
                    self.at(
                        inline.location(),
                        gql::Selection::InlineFragment(self.at(inline.location(), node)),
                    )
                }
            })
            .collect();
        self.at(location, gql::SelectionSet { items })
    }

    fn arguments(
        &self,
        arguments: &[Node<ast::Argument>],
    ) -> Vec<(Positioned<Name>, Positioned<SyntaxValue>)> {
        arguments
            .iter()
            .map(|arg| {
                (
                    self.name(arg.location(), &arg.name),
                    self.at(arg.value.location(), self.value(&arg.value)),
                )
            })
            .collect()
    }

    fn directives(&self, directives: &DirectiveList) -> Vec<Positioned<gql::Directive>> {
        directives
            .iter()
            .map(|directive| {
                self.at(
                    directive.location(),
                    gql::Directive {
                        name: self.name(directive.location(), &directive.name),
                        arguments: self.arguments(&directive.arguments),
                    },
                )
            })
            .collect()
    }

    fn value(&self, value: &ast::Value) -> SyntaxValue {
        use SyntaxValue as V;
        match value {
            ast::Value::Null => V::Null,
            ast::Value::Enum(name) => V::Enum(Name::new(name.as_str())),
            ast::Value::Variable(name) => V::Variable(Name::new(name.as_str())),
            ast::Value::String(s) => V::String(s.clone()),
            ast::Value::Boolean(b) => V::Boolean(*b),
            // Validation has checked every literal against its type: an `Int` fits in 32
            // bits, a `Float` is finite.
            ast::Value::Int(int) => match int.as_str().parse::<i64>() {
                Ok(n) => V::Number(n.into()),
                Err(_) => float(int.as_str().parse().unwrap_or(f64::NAN)),
            },
            ast::Value::Float(f) => float(f.try_to_f64().unwrap_or(f64::NAN)),
            ast::Value::List(items) => V::List(items.iter().map(|v| self.value(v)).collect()),
            ast::Value::Object(fields) => V::Object(
                fields
                    .iter()
                    .map(|(name, v)| (Name::new(name.as_str()), self.value(v)))
                    .collect(),
            ),
        }
    }
}

fn float(f: f64) -> SyntaxValue {
    serde_json::Number::from_f64(f).map_or(SyntaxValue::Null, SyntaxValue::Number)
}

fn ty_of(ty: &ast::Type) -> gql::Type {
    match ty {
        ast::Type::Named(name) => gql::Type {
            base: gql::BaseType::Named(Name::new(name.as_str())),
            nullable: true,
        },
        ast::Type::NonNullNamed(name) => gql::Type {
            base: gql::BaseType::Named(Name::new(name.as_str())),
            nullable: false,
        },
        ast::Type::List(inner) => gql::Type {
            base: gql::BaseType::List(Box::new(ty_of(inner))),
            nullable: true,
        },
        ast::Type::NonNullList(inner) => gql::Type {
            base: gql::BaseType::List(Box::new(ty_of(inner))),
            nullable: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validator() -> Validator {
        Validator::new(&crate::api::sdl(), true, &crate::api::types::SCALARS)
    }

    #[test]
    fn the_generated_sdl_is_a_valid_schema() {
        validator();
    }

    #[test]
    fn plain_variables_are_what_apollo_compilers_coercion_gives() {
        let v = validator();
        let int = "query($v: Int) { actors(first: $v) { totalCount } }";
        let int_default = "query($v: Int = 7) { actors(first: $v) { totalCount } }";
        let int_required = "query($v: Int!) { actors(first: $v) { totalCount } }";
        let string = "query($v: String) { actors(after: $v) { totalCount } }";
        let string_default = r#"query($v: String = "MA") { actors(after: $v) { totalCount } }"#;
        let id = "query($v: ID!) { node(id: $v) { id } }";
        let boolean = "query($v: Boolean!) { __typename @skip(if: $v) }";
        let boolean_default = "query($v: Boolean = true) { __typename @skip(if: $v) }";
        let kind = "query($v: ActorKind) { actors(kind: $v) { totalCount } }";
        let kind_default = "query($v: ActorKind = COMPANY) { actors(kind: $v) { totalCount } }";
        // (document, variables given, whether the plain path takes it)
        let cases: &[(&str, &str, bool)] = &[
            (int, "{}", true),
            (int, r#"{"v": null}"#, true),
            (int, r#"{"v": 5}"#, true),
            (int, r#"{"v": -5, "unused": [1, 2]}"#, true),
            (int, r#"{"v": 5.0}"#, false),
            (int, r#"{"v": 5.5}"#, false),
            (int, r#"{"v": 3000000000}"#, false),
            (int, r#"{"v": "5"}"#, false),
            (int_default, "{}", true),
            (int_default, r#"{"v": null}"#, true),
            (int_default, r#"{"v": 2}"#, true),
            (int_required, "{}", false),
            (int_required, r#"{"v": null}"#, false),
            (int_required, r#"{"v": 1}"#, true),
            (string, r#"{"v": "MA"}"#, true),
            (string, r#"{"v": 1}"#, false),
            (string_default, "{}", true),
            (id, r#"{"v": "RXZlbnQ6d2ljLTIwMTc"}"#, true),
            (id, r#"{"v": 17}"#, false),
            (boolean, r#"{"v": true}"#, true),
            (boolean, r#"{"v": "true"}"#, false),
            (boolean_default, "{}", true),
            (kind, r#"{"v": "COMPANY"}"#, true),
            (kind, r#"{"v": "company"}"#, false),
            (kind, r#"{"v": 1}"#, false),
            (kind_default, "{}", true),
            (kind_default, r#"{"v": "AGENCY"}"#, true),
        ];
        for (text, given, plain) in cases {
            let prepared = v
                .prepare(text, |_| Ok(()))
                .unwrap_or_else(|e| panic!("{text}: {e:?}"));
            let given = Variables::from_json(serde_json::from_str(given).unwrap());
            let operation = v.operation(&prepared, None).unwrap();
            let fast = v.plain_variables(operation, &given);
            assert_eq!(fast.is_some(), *plain, "{text} with {given:?}");
            let slow = v.coerce_variables(&prepared, operation, &given);
            if let Some(fast) = fast {
                // Debug output, not `==`: async-graphql's `==` holds an enum equal to a string.
                assert_eq!(
                    format!("{:?}", Ok::<_, ()>(fast)),
                    format!("{:?}", slow.clone().map_err(|_| ())),
                    "{text} with {given:?}"
                );
            }
            let public = v.variables(&prepared, None, &given);
            assert_eq!(
                public.map_err(|e| format!("{e:?}")),
                slow.map_err(|e| format!("{e:?}")),
                "{text} with {given:?}"
            );
        }
    }

    #[test]
    fn syntax_and_rules_have_their_codes() {
        let v = validator();
        let code = |text: &str| {
            v.prepare(text, |_| Ok(()))
                .err()
                .map(|errors| errors[0].extensions.as_ref().unwrap().get("code").cloned())
        };
        assert!(code("{ __typename }").is_none());
        assert_eq!(
            code("{ trends { "),
            Some(Some(async_graphql::Value::from("GRAPHQL_PARSE_FAILED")))
        );
        assert_eq!(
            code("query($s: String) { event(slug: $s) { name } }"),
            Some(Some(async_graphql::Value::from(
                "GRAPHQL_VALIDATION_FAILED"
            )))
        );
    }

    #[test]
    fn unknown_fields_are_worded_as_graphql_js_words_them() {
        let errors = validator()
            .prepare("{ trends { totalCont } }", |_| Ok(()))
            .err()
            .unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].message,
            "Cannot query field \"totalCont\" on type \"TrendConnection\". Did you mean \"totalCount\"?"
        );
        assert_eq!(
            did_you_mean(&["a", "b", "c"]),
            " Did you mean \"a\", \"b\", or \"c\"?"
        );
        assert_eq!(edit_distance("ab", "ba"), 1);
    }

    #[test]
    fn input_object_fields_are_unique() {
        let errors = validator()
            .prepare(
                "{ records(first: 1, filter: { year: 2017, year: 2018 }) { totalCount } }",
                |_| Ok(()),
            )
            .err()
            .unwrap();
        assert_eq!(
            errors[0].message,
            "There can be only one input field named \"year\"."
        );
    }

    #[test]
    fn lines_and_columns_count_characters() {
        let lines = LineIndex::new("{\n  é x\r\ny");
        assert_eq!(lines.pos(0), Pos { line: 1, column: 1 });
        assert_eq!(lines.pos(6), Pos { line: 2, column: 4 });
        assert_eq!(lines.pos(10), Pos { line: 3, column: 1 });
    }
}
