//! Editorial warnings: seed data that is valid but says more, or less, than its quotes.
//!
//! The checks of [`super::validate`] make a seed loadable; these make it faithful. Each
//! finding is a [`Problem`] at the block it concerns. `wic-gql seed` prints them as
//! warnings, and `--strict` refuses the seed while any remain.

use std::collections::HashMap;

use super::files::{CiteSeed, ParsedSeed};
use super::parse::{code, Block, Problem, TextFile};

/// Words that do not make two names different, and that a name's form may add or drop.
const STOP_WORDS: [&str; 18] = [
    "a", "an", "and", "as", "at", "by", "etc", "for", "from", "in", "its", "of", "on", "or", "the",
    "their", "to", "with",
];

/// First words that make a role a noun phrase or an adverbial, not a verb phrase.
const NOT_A_VERB: [&str; 26] = [
    "a", "all", "an", "as", "at", "by", "each", "every", "for", "from", "her", "his", "in", "it",
    "its", "many", "of", "on", "some", "such", "that", "the", "their", "these", "this", "with",
];

/// The words of `text` that carry meaning: lowercase, split at anything but letters and
/// digits, stop words dropped, a plural `s` (or `ies`) reduced to the singular.
pub fn content_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| singular(&w))
        .collect()
}

fn singular(word: &str) -> String {
    if word.len() > 4 && word.ends_with("ies") {
        format!("{}y", &word[..word.len() - 3])
    } else if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        word[..word.len() - 1].to_string()
    } else {
        word.to_string()
    }
}

/// Whether `needle`'s content words occur, in order and side by side, in `haystack`'s.
fn names_a_form_of(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// What a relation's quotes may name a record by.
struct Names {
    /// The name and the aliases, as content words.
    forms: Vec<Vec<String>>,
    /// For a trend: its section, where any quote speaks of it.
    section: Option<String>,
    /// The source document: the text itself, which every quote is part of.
    is_source: bool,
}

impl Names {
    fn named_by(&self, cites: &[&CiteSeed]) -> bool {
        self.is_source
            || cites.iter().any(|c| {
                self.section.as_deref() == Some(c.section.get_ref().as_str())
                    || self
                        .forms
                        .iter()
                        .any(|f| names_a_form_of(&content_words(c.quote.get_ref()), f))
            })
    }
}

struct RecordInfo<'a> {
    block: &'a Block,
    name: &'a str,
    names: Names,
    span: std::ops::Range<usize>,
    /// Whether the record may have a descriptive name (`descriptive_name`).
    may_describe: bool,
    /// Whether it has one.
    descriptive: bool,
}

/// Every editorial warning about `blocks` (whose source text is `source`), in seed order.
pub fn lint(files: &[TextFile], blocks: &[Block], source: Option<&str>) -> Vec<Problem> {
    let mut warnings = Vec::new();
    let mut records: HashMap<&str, RecordInfo<'_>> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for block in blocks {
        let Some(info) = record_info(block) else {
            continue;
        };
        let (id, info) = info;
        if records.contains_key(id) {
            continue; // a duplicate id, already an error
        }
        order.push(id);
        records.insert(id, info);
    }

    // Two records whose names differ only by stop words or a plural. A statistic is
    // named after what it measures, so it may share that record's name.
    let mut by_form: HashMap<Vec<String>, &str> = HashMap::new();
    for id in &order {
        let record = &records[id];
        if matches!(record.block.seed, ParsedSeed::Statistic(_)) {
            continue;
        }
        let form = content_words(record.name);
        if form.is_empty() {
            continue;
        }
        if let Some(first) = by_form.get(&form) {
            let other = &records[first];
            let at = other.block.problem_at(files, other.span.clone(), "");
            warnings.push(record.block.problem_at(
                files,
                record.span.clone(),
                format!(
                    "name {:?} differs from the name {:?} of {} ({}:{}) only by stop words or a plural (expected one record per concept: merge them, keeping both quotes as citations)",
                    record.name, other.name, code(first), at.file, at.line
                ),
            ));
        } else {
            by_form.insert(form, id);
        }
    }

    // A name is the text's words (case aside), or says it is a description.
    if let Some(source) = source.map(str::to_lowercase) {
        for id in &order {
            let record = &records[id];
            if !record.descriptive && !source.contains(&record.name.to_lowercase()) {
                let expected = if record.may_describe {
                    "expected the text's words, or `descriptive_name = true` where the text gives it no name"
                } else {
                    "expected the text's words"
                };
                warnings.push(record.block.problem_at(
                    files,
                    record.span.clone(),
                    format!(
                        "name {:?} of {} is not in the source ({expected})",
                        record.name,
                        code(id)
                    ),
                ));
            }
        }
    }

    let mut degree: HashMap<&str, usize> = HashMap::new();
    for block in blocks {
        let ParsedSeed::Relation(r) = &block.seed else {
            continue;
        };
        let (from, to) = (r.from.get_ref().as_str(), r.to.get_ref().as_str());
        *degree.entry(from).or_default() += 1;
        *degree.entry(to).or_default() += 1;
        let cites: Vec<&CiteSeed> = r.cite.get_ref().iter().map(|c| c.get_ref()).collect();
        let relation = r.relation.get_ref().name();

        // Both ends named in a quote, unless the relation says why not.
        let unnamed: Vec<&str> = [from, to]
            .into_iter()
            .filter(|end| records.get(end).is_some_and(|e| !e.names.named_by(&cites)))
            .collect();
        match &r.implicit {
            Some(reason) if reason.get_ref().trim().is_empty() => {
                warnings.push(block.problem_at(
                    files,
                    reason.span(),
                    "`implicit` is empty (expected the reason the quotes do not name both ends)",
                ));
            }
            Some(reason) if unnamed.is_empty() => {
                warnings.push(block.problem_at(
                    files,
                    reason.span(),
                    format!(
                        "`implicit` is set, but the quotes name both {} and {} (expected `implicit` only where a quote does not name an end)",
                        code(from),
                        code(to)
                    ),
                ));
            }
            Some(_) => {}
            None => {
                for end in unnamed {
                    let name = records[end].name;
                    warnings.push(block.problem_at(
                        files,
                        r.cite.span(),
                        format!(
                            "no quote of {} {relation} {} names {} ({name:?}) (expected a quote with a form of its name or an alias, or `implicit = \"<reason>\"`)",
                            code(from),
                            code(to),
                            code(end)
                        ),
                    ));
                }
            }
        }

        // A role is what the text says the actor does, in its words.
        if let Some(role) = &r.role {
            if !cites
                .iter()
                .any(|c| c.quote.get_ref().contains(role.as_str()))
            {
                warnings.push(block.problem(
                    files,
                    format!("role {role:?} of {} {relation} {} is not part of any of its quotes (expected the text's words from a cited quote)", code(from), code(to)),
                ));
            }
            let first = role
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_lowercase();
            if NOT_A_VERB.contains(&first.as_str()) {
                warnings.push(block.problem(
                    files,
                    format!("role {role:?} of {} {relation} {} starts with {first:?}, not a verb (expected a verb phrase: what the text says the actor does)", code(from), code(to)),
                ));
            }
        }
    }

    // A record nothing points to or from is a fragment the quote could carry.
    for id in &order {
        if degree.get(id).copied().unwrap_or(0) == 0 {
            let record = &records[id];
            warnings.push(record.block.problem_at(
                files,
                record.span.clone(),
                format!(
                    "record {} has no relation (expected at least one relation; or no record, and the quote of a relation carries it)",
                    code(id)
                ),
            ));
        }
    }
    warnings.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    warnings
}

fn record_info(block: &Block) -> Option<(&str, RecordInfo<'_>)> {
    macro_rules! info {
        ($s:expr, $section:expr, $is_source:expr, $extra:expr) => {{
            info!($s, $section, $is_source, $extra, None::<bool>)
        }};
        ($s:expr, $section:expr, $is_source:expr, $extra:expr, $descriptive:expr) => {{
            let mut forms: Vec<Vec<String>> = std::iter::once($s.name.as_str())
                .chain($s.aliases.iter().map(String::as_str))
                .chain($extra)
                .map(content_words)
                .collect();
            forms.retain(|f| !f.is_empty());
            (
                $s.id.get_ref().as_str(),
                RecordInfo {
                    block,
                    name: &$s.name,
                    names: Names {
                        forms,
                        section: $section,
                        is_source: $is_source,
                    },
                    span: $s.id.span(),
                    may_describe: $descriptive.is_some(),
                    descriptive: $descriptive == Some(true),
                },
            )
        }};
    }
    Some(match &block.seed {
        ParsedSeed::Document(s) => info!(
            s,
            None,
            s.file.is_some(),
            None,
            Some(s.descriptive_name.unwrap_or(false))
        ),
        ParsedSeed::Event(s) => info!(
            s,
            None,
            false,
            None,
            Some(s.descriptive_name.unwrap_or(false))
        ),
        ParsedSeed::Trend(s) => info!(
            s,
            Some(s.numeral.get_ref().clone()),
            false,
            Some(s.statement.get_ref().as_str())
        ),
        ParsedSeed::Actor(s) => info!(s, None, false, None),
        ParsedSeed::Place(s) => info!(s, None, false, None),
        ParsedSeed::Topic(s) => info!(s, None, false, None),
        ParsedSeed::Statistic(s) => info!(
            s,
            None,
            false,
            Some(s.text.as_str()),
            Some(s.descriptive_name.unwrap_or(false))
        ),
        ParsedSeed::Relation(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_words_drop_stop_words_and_plurals() {
        assert_eq!(
            content_words("the governance of the cyberspace"),
            ["governance", "cyberspace"]
        );
        assert_eq!(
            content_words("International organizations"),
            ["international", "organization"]
        );
        assert_eq!(
            content_words("cyber-security technologies"),
            ["cyber", "security", "technology"]
        );
        assert_eq!(content_words("access"), ["access"]);
    }

    #[test]
    fn a_form_of_a_name_is_found_in_a_quote() {
        let quote = content_words("established as an international organization on July 12");
        assert!(names_a_form_of(
            &quote,
            &content_words("international organizations")
        ));
        assert!(!names_a_form_of(
            &quote,
            &content_words("organization international")
        ));
        assert!(!names_a_form_of(&quote, &[]));
    }
}
