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
use apollo_compiler::validation::{DiagnosticData, DiagnosticList, Valid};
use apollo_compiler::{Node, Schema};
use async_graphql::parser::types as gql;
use async_graphql::{ErrorExtensionValues, Name, Pos, Positioned, ServerError, Variables};
use async_graphql_value::Value as SyntaxValue;

/// The schema as apollo-compiler validates against it, built from the SDL that
/// async-graphql generates (the one schema definition).
pub struct Validator {
    schema: Valid<Schema>,
    /// Whether an unknown field's error suggests the names it may have meant.
    suggestions: bool,
}

/// A document that passed every validation rule, in both forms.
pub struct Prepared {
    /// What async-graphql executes.
    pub document: gql::ExecutableDocument,
    /// The validated document: operations are selected and variables coerced on it.
    valid: Valid<ExecutableDocument>,
}

/// A request error: nothing executes, and the response has no `data`.
pub type RequestErrors = Vec<ServerError>;

impl Validator {
    /// Builds the validator from the served schema's SDL.
    ///
    /// # Panics
    /// If apollo-compiler cannot read the SDL async-graphql generated: a bug caught by
    /// every test that starts the server.
    pub fn new(sdl: &str, suggestions: bool) -> Self {
        let schema = Schema::parse_and_validate(sdl, "schema.graphql")
            .unwrap_or_else(|e| panic!("the generated SDL does not validate: {}", e.errors));
        Validator {
            schema,
            suggestions,
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
        let document = Converter { lines: &lines }.document(&valid);
        Ok(Prepared { document, valid })
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
        Ok(Variables::from_json(json))
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

    /// Whether the selected operation is a query (GET runs only those).
    pub fn is_query(&self, prepared: &Prepared, operation_name: Option<&str>) -> Option<bool> {
        self.operation(prepared, operation_name)
            .ok()
            .map(|op| op.operation_type == AstOperationType::Query)
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
        Validator::new(&crate::api::sdl(), true)
    }

    #[test]
    fn the_generated_sdl_is_a_valid_schema() {
        validator();
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
