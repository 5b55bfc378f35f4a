//! Limits on what one GraphQL document may ask for, checked before anything executes and
//! refused with a GraphQL error carrying a stable `extensions.code`.
//!
//! [`check_tokens`], [`check_shape`] and [`check_pages`] run before execution (see
//! [`super::Api`]): the token count on the raw text; aliases, root fields, directives and
//! introspection on the parsed document, before validation; page sizes once the
//! variables are coerced. Depth and cost are async-graphql's validation limits, worded by
//! [`word_limit_refusal`].

use std::collections::HashMap;

use apollo_compiler::ast;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Response, ServerError, ServerResult, Variables};

use super::SchemaOptions;

/// The limits in force; every one is a flag and an environment variable of `wic-gql serve`
/// (this struct is where they are declared), and every refusal has its `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct Limits {
    /// Deepest field nesting (DEPTH_LIMIT).
    #[arg(long, env = "WIC_GQL_MAX_DEPTH", default_value_t = Limits::default().max_depth)]
    pub max_depth: usize,
    /// Highest query cost: one per field, connections times their `first`/`last`, 10
    /// when neither is given (COMPLEXITY_LIMIT).
    #[arg(long, env = "WIC_GQL_MAX_COMPLEXITY", default_value_t = Limits::default().max_complexity)]
    pub max_complexity: usize,
    /// Largest `first`/`last` a connection accepts, and `nodes(ids:)` length
    /// (BAD_USER_INPUT).
    #[arg(long, env = "WIC_GQL_MAX_PAGE_SIZE", default_value_t = Limits::default().max_page_size)]
    pub max_page_size: usize,
    /// Most aliases in a document (ALIAS_LIMIT).
    #[arg(long, env = "WIC_GQL_MAX_ALIASES", default_value_t = Limits::default().max_aliases)]
    pub max_aliases: usize,
    /// Most fields directly under an operation, fragments expanded (ROOT_FIELD_LIMIT).
    #[arg(long, env = "WIC_GQL_MAX_ROOT_FIELDS", default_value_t = Limits::default().max_root_fields)]
    pub max_root_fields: usize,
    /// Most directives in a document (DIRECTIVE_LIMIT).
    #[arg(long, env = "WIC_GQL_MAX_DIRECTIVES", default_value_t = Limits::default().max_directives)]
    pub max_directives: usize,
    /// Most lexical tokens in a document (TOKEN_LIMIT).
    #[arg(long, env = "WIC_GQL_MAX_TOKENS", default_value_t = Limits::default().max_tokens)]
    pub max_tokens: usize,
    /// Most fields in one operation, at every depth, once its fragments are expanded
    /// (FIELD_LIMIT).
    #[arg(long, env = "WIC_GQL_MAX_FIELDS", default_value_t = Limits::default().max_fields)]
    pub max_fields: usize,
    /// Bytes of parsed and validated documents remembered (an estimate of their syntax
    /// trees); past it the least used are evicted.
    #[arg(long, env = "WIC_GQL_DOCUMENT_CACHE_BYTES", default_value_t = Limits::default().document_cache_bytes)]
    pub document_cache_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 16,
            max_complexity: 50_000,
            max_page_size: 500,
            max_aliases: 30,
            max_root_fields: 20,
            max_directives: 50,
            max_tokens: 10_000,
            max_fields: 2_000,
            document_cache_bytes: 32 * 1024 * 1024,
        }
    }
}

/// How many items a connection without `first`/`last` is costed at.
///
/// Such a connection returns at most a default page of 100, but no relation of this graph
/// fans out beyond a few dozen records; costing it at 100 would refuse ordinary
/// three-level explorations. Clients that want exact costs pass `first`.
pub const UNBOUNDED_LIST_ESTIMATE: usize = 10;

/// The cost of a connection field: its page size times the cost of one item.
pub fn connection_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .map_or(UNBOUNDED_LIST_ESTIMATE, |n| n.max(0) as usize);
    size.max(1).saturating_mul(child_complexity)
}

/// A refusal with `code`.
fn refuse(code: &str, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

/// The first check, on the raw text: one linear scan, so a huge document is refused
/// before the parser sees it.
pub fn check_tokens(limits: &Limits, query: &str) -> ServerResult<()> {
    let max = limits.max_tokens;
    if count_tokens(query, max) > max {
        return Err(refuse(
            "TOKEN_LIMIT",
            format!("the document has more than {max} tokens (the limit of this server)"),
        ));
    }
    Ok(())
}

/// The checks on the document's shape, after parsing and before validation: aliases,
/// root fields (counted after fragments are expanded), directives and introspection.
/// Linear in the document: each fragment is counted once, however often it is spread.
pub fn check_shape(options: &SchemaOptions, document: &ast::Document) -> ServerResult<()> {
    let limits = &options.limits;
    let counts = Counts::of(document);
    for (count, max, code, what) in [
        (counts.aliases, limits.max_aliases, "ALIAS_LIMIT", "aliases"),
        (
            counts.root_fields,
            limits.max_root_fields,
            "ROOT_FIELD_LIMIT",
            "root fields in one operation",
        ),
        (
            counts.directives,
            limits.max_directives,
            "DIRECTIVE_LIMIT",
            "directives",
        ),
        (
            counts.fields,
            limits.max_fields,
            "FIELD_LIMIT",
            "fields in one operation once its fragments are expanded",
        ),
    ] {
        if count > max {
            return Err(refuse(
                code,
                format!("the document has {count} {what}; this server allows {max}"),
            ));
        }
    }
    // A clear error instead of async-graphql's silent `null`; `__typename` stays.
    if !options.introspection && counts.introspection > 0 {
        return Err(refuse(
            "INTROSPECTION_DISABLED",
            "introspection (`__schema`, `__type`) is disabled on this server; the schema is published as schema.graphql".into(),
        ));
    }
    Ok(())
}

/// The page sizes (`first`, `last`), once the variables are known. Refused here, before
/// execution, rather than by the connection field: a field error there would null its
/// parent object.
pub fn check_pages(
    options: &SchemaOptions,
    document: &ExecutableDocument,
    variables: &Variables,
) -> ServerResult<()> {
    let max = options.limits.max_page_size;
    let mut largest: Option<(i64, serde_json::Number, &str)> = None;
    let sets = document
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(
            document
                .fragments
                .values()
                .map(|f| &f.node.selection_set.node),
        );
    for set in sets {
        largest_page(set, variables, &mut largest);
    }
    match largest {
        Some((size, written, argument)) if size > max as i64 => Err(refuse(
            "BAD_USER_INPUT",
            format!("`{argument}` is {written}, more than the {max} records a page may hold"),
        )),
        _ => Ok(()),
    }
}

/// The largest `first` or `last` in `set`, with the number as written and the argument.
fn largest_page<'a>(
    set: &'a SelectionSet,
    variables: &Variables,
    largest: &mut Option<(i64, serde_json::Number, &'a str)>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                for (argument, value) in &field.node.arguments {
                    let argument = argument.node.as_str();
                    if argument != "first" && argument != "last" {
                        continue;
                    }
                    let number = match &value.node {
                        async_graphql_value::Value::Number(n) => Some(n),
                        async_graphql_value::Value::Variable(name) => match variables.get(name) {
                            Some(async_graphql::Value::Number(n)) => Some(n),
                            _ => None,
                        },
                        _ => None,
                    };
                    if let Some(n) = number {
                        let size = n.as_i64().unwrap_or(i64::MAX);
                        if largest.as_ref().is_none_or(|(m, _, _)| size > *m) {
                            *largest = Some((size, n.clone(), argument));
                        }
                    }
                }
                largest_page(&field.node.selection_set.node, variables, largest);
            }
            Selection::FragmentSpread(_) => {}
            Selection::InlineFragment(inline) => {
                largest_page(&inline.node.selection_set.node, variables, largest)
            }
        }
    }
}

/// async-graphql's refusal for depth or cost (its validation, patched to carry the code,
/// the measured value and the limit), worded with the numbers; `None` for any other
/// response.
pub fn word_limit_refusal(response: &Response) -> Option<ServerError> {
    let [error] = &response.errors[..] else {
        return None;
    };
    let extensions = error.extensions.as_ref()?;
    let number = |key: &str| match extensions.get(key) {
        Some(async_graphql::Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    let (measured, limit) = (number("measured")?, number("limit")?);
    match extensions.get("code")? {
        async_graphql::Value::String(code) if code == "DEPTH_LIMIT" => Some(refuse(
            "DEPTH_LIMIT",
            format!("the query is nested {measured} levels deep; this server allows {limit}"),
        )),
        async_graphql::Value::String(code) if code == "COMPLEXITY_LIMIT" => Some(refuse(
            "COMPLEXITY_LIMIT",
            format!(
                "the query costs {measured} (one per field, connections times their `first`/`last`); this server allows {limit}"
            ),
        )),
        _ => None,
    }
}

/// What a document holds, counted over every operation and fragment.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    aliases: usize,
    /// The most root fields of one operation, fragments expanded.
    root_fields: usize,
    /// The most fields of one operation at every depth, fragments expanded.
    fields: usize,
    directives: usize,
    /// `__schema` and `__type` fields.
    introspection: usize,
}

impl Counts {
    fn of(document: &ast::Document) -> Self {
        let mut counts = Counts::default();
        let fragments: HashMap<&str, &ast::FragmentDefinition> = document
            .definitions
            .iter()
            .filter_map(|d| d.as_fragment_definition())
            .map(|f| (f.name.as_str(), &**f))
            .collect();
        let (mut root_memo, mut deep_memo) = (HashMap::new(), HashMap::new());
        for definition in &document.definitions {
            match definition {
                ast::Definition::OperationDefinition(op) => {
                    counts.directives += op.directives.len();
                    let roots = expanded(&op.selection_set, &fragments, &mut root_memo, false);
                    counts.root_fields = counts.root_fields.max(roots);
                    let fields = expanded(&op.selection_set, &fragments, &mut deep_memo, true);
                    counts.fields = counts.fields.max(fields);
                    counts.walk(&op.selection_set);
                }
                ast::Definition::FragmentDefinition(fragment) => {
                    counts.directives += fragment.directives.len();
                    counts.walk(&fragment.selection_set);
                }
                _ => {}
            }
        }
        counts
    }

    fn walk(&mut self, set: &[ast::Selection]) {
        for selection in set {
            match selection {
                ast::Selection::Field(field) => {
                    self.aliases += usize::from(field.alias.is_some());
                    let name = field.name.as_str();
                    self.introspection += usize::from(name == "__schema" || name == "__type");
                    self.directives += field.directives.len();
                    self.walk(&field.selection_set);
                }
                ast::Selection::FragmentSpread(spread) => {
                    self.directives += spread.directives.len()
                }
                ast::Selection::InlineFragment(inline) => {
                    self.directives += inline.directives.len();
                    self.walk(&inline.selection_set);
                }
            }
        }
    }
}

/// How many fields a selection set selects, fragments expanded: only its own (`deep`
/// false: the root fields of an operation), or at every depth (`deep`: the size of the
/// response tree for one object per field). Each fragment is counted once and remembered
/// (`memo`), so a chain of fragments that spread each other twice costs its length, not
/// two to its length; a fragment in a cycle counts nothing here (validation refuses the
/// cycle). Counts saturate.
fn expanded<'a>(
    set: &'a [ast::Selection],
    fragments: &HashMap<&'a str, &'a ast::FragmentDefinition>,
    memo: &mut HashMap<&'a str, Option<usize>>,
    deep: bool,
) -> usize {
    set.iter().fold(0usize, |sum, selection| {
        sum.saturating_add(match selection {
            ast::Selection::Field(field) if deep => {
                1usize.saturating_add(expanded(&field.selection_set, fragments, memo, deep))
            }
            ast::Selection::Field(_) => 1,
            ast::Selection::InlineFragment(inline) => {
                expanded(&inline.selection_set, fragments, memo, deep)
            }
            ast::Selection::FragmentSpread(spread) => {
                let name = spread.fragment_name.as_str();
                match memo.get(name) {
                    Some(known) => known.unwrap_or(0),
                    None => {
                        memo.insert(name, None);
                        let count = fragments
                            .get(name)
                            .map_or(0, |f| expanded(&f.selection_set, fragments, memo, deep));
                        memo.insert(name, Some(count));
                        count
                    }
                }
            }
        })
    })
}

/// The number of GraphQL lexical tokens in `text`, counting no further than `max + 1`.
///
/// Names, numbers, strings and punctuators count; whitespace, commas and comments do not.
/// One pass, no allocation: cheap enough to run before the parser on any input.
pub fn count_tokens(text: &str, max: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut count = 0;
    while i < bytes.len() && count <= max {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                count += 1;
                if bytes[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                count += 1;
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                count += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'.' | b'+' | b'-'))
                {
                    i += 1;
                }
            }
            _ => {
                count += 1;
                i += 1;
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_tokens_without_whitespace_commas_or_comments() {
        assert_eq!(count_tokens("{ a }", 100), 3);
        assert_eq!(
            count_tokens("query Q($x: Int = -1.5e3) { a(x: $x), b }  # c d e", 100),
            20
        );
        assert_eq!(count_tokens(r#"{ a(s: "x y \" z") ...F }"#, 100), 10);
        assert_eq!(
            count_tokens(r#"{ a(s: """long "quoted" text""") }"#, 100),
            8
        );
        assert_eq!(
            count_tokens(&"a ".repeat(1_000_000), 10),
            11,
            "stops just past the limit"
        );
    }

    fn counts(text: &str) -> Counts {
        Counts::of(&ast::Document::parse(text, "test.graphql").unwrap())
    }

    #[test]
    fn counts_aliases_root_fields_and_directives() {
        assert_eq!(
            counts(
                "query @a { x: trends { y: totalCount @include(if: true) } events { ...F } }
                 fragment F on EventConnection @b { z: totalCount @skip(if: false) }"
            ),
            Counts {
                aliases: 3,
                root_fields: 2,
                fields: 4,
                directives: 4,
                introspection: 0,
            }
        );
        assert_eq!(
            counts("{ __typename a: __schema { b: __type { name } } }").introspection,
            2
        );
    }

    #[test]
    fn root_fields_are_counted_after_fragments_are_expanded() {
        assert_eq!(
            counts("{ a ...R ... on Query { b c } } fragment R on Query { d e }").root_fields,
            5
        );
        // A chain of fragments each spreading the previous one twice: 2^30 root fields,
        // counted in 31 steps.
        let mut text = String::from("fragment F0 on Query { __typename }\n");
        for n in 1..=30 {
            text += &format!("fragment F{n} on Query {{ ...F{m} ...F{m} }}\n", m = n - 1);
        }
        text += "{ ...F30 }";
        assert_eq!(counts(&text).root_fields, 1 << 30);
        assert_eq!(counts(&text).fields, 1 << 30);
        assert_eq!(
            counts("{ trends { ...T } } fragment T on TrendConnection { nodes { slug } }").fields,
            3
        );
        assert_eq!(
            counts("{ ...A } fragment A on Query { ...A x }").root_fields,
            1
        );
    }

    #[test]
    fn connections_cost_their_page_size() {
        assert_eq!(connection_cost(Some(5), None, 3), 15);
        assert_eq!(connection_cost(None, Some(2), 3), 6);
        assert_eq!(connection_cost(None, None, 3), 3 * UNBOUNDED_LIST_ESTIMATE);
        assert_eq!(connection_cost(Some(0), None, 3), 3);
        assert_eq!(connection_cost(Some(-4), None, 3), 3);
    }
}
