//! Splitting seed files into `[[array]]` blocks and parsing each block on its own, with
//! every problem placed at a file, line and column.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

use super::files::{ParsedSeed, ARRAYS};

/// One thing wrong with the seed data, placed where a person can fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// A seed file's text with the means to turn byte offsets into lines and columns.
pub struct TextFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl TextFile {
    pub fn new(name: String, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        TextFile {
            name,
            text,
            line_starts,
        }
    }

    /// A problem at byte `offset` (1-based line and column, the column in characters).
    pub fn problem(&self, offset: usize, message: impl Into<String>) -> Problem {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        Problem {
            file: self.name.clone(),
            line,
            column,
            message: message.into(),
        }
    }
}

/// One `[[array]]` block, parsed.
pub struct Block {
    /// Index of the file in the list handed to [`parse_file`]'s caller.
    pub file: usize,
    pub header_offset: usize,
    pub body_offset: usize,
    pub seed: ParsedSeed,
}

impl Block {
    /// A problem at `span` of the block's body (a `Spanned` value's span).
    pub fn problem_at(
        &self,
        files: &[TextFile],
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Problem {
        files[self.file].problem(self.body_offset + span.start, message)
    }

    /// A problem at the block's `[[array]]` header.
    pub fn problem(&self, files: &[TextFile], message: impl Into<String>) -> Problem {
        files[self.file].problem(self.header_offset, message)
    }
}

fn expected_arrays() -> String {
    ARRAYS
        .iter()
        .map(|a| format!("[[{a}]]"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The array name of a `[[name]]` header line, if the line is one.
fn array_header(line: &str) -> Option<&str> {
    let inner = line.trim().strip_prefix("[[")?;
    let end = inner.find("]]")?;
    Some(inner[..end].trim())
}

/// Parses every block of `file`, pushing what is wrong onto `problems`, and the ids of
/// blocks that could not be parsed onto `unparsed_ids` (so references to them are not
/// reported a second time as unknown).
pub fn parse_file(
    index: usize,
    file: &TextFile,
    problems: &mut Vec<Problem>,
    unparsed_ids: &mut HashSet<String>,
) -> Vec<Block> {
    // The whole file first: a syntax error makes its blocks meaningless.
    let table = match toml::from_str::<toml::Table>(&file.text) {
        Ok(table) => table,
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            problems.push(file.problem(offset, format!("invalid TOML: {}", one_line(e.message()))));
            unparsed_ids.extend(file.text.lines().filter_map(written_id));
            return Vec::new();
        }
    };
    for (key, value) in &table {
        let offset = key_offset(&file.text, key);
        if !ARRAYS.contains(&key.as_str()) {
            problems.push(file.problem(
                offset,
                format!(
                    "unknown top-level key {} (expected one of {})",
                    code(key),
                    expected_arrays()
                ),
            ));
        } else if !value
            .as_array()
            .is_some_and(|a| a.iter().all(toml::Value::is_table))
        {
            problems.push(file.problem(
                offset,
                format!(
                    "{} must be written as [[{key}]] blocks (expected an array of tables)",
                    code(key)
                ),
            ));
        }
    }

    let mut blocks = Vec::new();
    let mut headers: Vec<(usize, usize, Option<&'static str>)> = Vec::new();
    let mut offset = 0;
    for line in file.text.split_inclusive('\n') {
        if line.trim_start().starts_with('[') {
            let array =
                array_header(line).and_then(|name| ARRAYS.iter().copied().find(|a| *a == name));
            headers.push((offset, offset + line.len(), array));
        }
        offset += line.len();
    }
    for (i, &(header_offset, body_offset, array)) in headers.iter().enumerate() {
        let Some(array) = array else { continue };
        let end = headers.get(i + 1).map_or(file.text.len(), |h| h.0);
        let body = &file.text[body_offset..end];
        match ParsedSeed::parse(array, body) {
            Ok(seed) => blocks.push(Block {
                file: index,
                header_offset,
                body_offset,
                seed,
            }),
            Err(e) => {
                if let Some(id) = toml::from_str::<toml::Table>(body)
                    .ok()
                    .and_then(|t| t.get("id")?.as_str().map(str::to_string))
                {
                    unparsed_ids.insert(id);
                }
                let message = one_line(e.message());
                let problem = match e.span() {
                    Some(span) if span.start > 0 || message.starts_with("unknown") => {
                        file.problem(body_offset + span.start, format!("[[{array}]]: {message}"))
                    }
                    _ => file.problem(
                        header_offset,
                        format!("[[{array}]]: {message} (required in every [[{array}]])"),
                    ),
                };
                problems.push(problem);
            }
        }
    }
    blocks
}

/// A parser message on one line: `what (expected ...)` rather than two lines.
fn one_line(message: &str) -> String {
    let mut lines = message
        .trim()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default().to_string();
    let rest: Vec<_> = lines.collect();
    if rest.is_empty() {
        // serde's "unknown field `x`, expected one of ..." in this module's shape.
        match first.split_once(", expected ") {
            Some((what, expected)) => format!("{what} (expected {expected})"),
            None => first,
        }
    } else {
        format!("{first} ({})", rest.join("; "))
    }
}

/// The id of an `id = "..."` line, for files too broken to parse.
fn written_id(line: &str) -> Option<String> {
    let value = line
        .trim()
        .strip_prefix("id")?
        .trim_start()
        .strip_prefix('=')?
        .trim();
    Some(value.strip_prefix('"')?.strip_suffix('"')?.to_string())
}

/// Where a top-level key is written: `key = `, `[key]` or `[[key]]`.
fn key_offset(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let is_key = trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
            || array_header(trimmed) == Some(key)
            || trimmed
                .strip_prefix('[')
                .and_then(|r| r.split(']').next())
                .is_some_and(|name| name.trim() == key);
        if is_key {
            return offset + (line.len() - trimmed.len());
        }
        offset += line.len();
    }
    0
}

/// Quotes user text in a problem message: `` `text` `` when that reads plainly, Rust's
/// escaped `"text"` when it holds a backtick or control character, so a problem never
/// spans two lines (the `file:line:column:` prefix must start every line).
pub fn code(text: &str) -> String {
    if text.chars().any(|c| c == '`' || c.is_control()) {
        format!("{text:?}")
    } else {
        format!("`{text}`")
    }
}
