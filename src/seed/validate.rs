//! Checking parsed seed blocks against each other and against the source text, and
//! building the [`Dataset`] when nothing is wrong.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use toml::Spanned;

use super::files::{CiteSeed, DateSeed, ParsedSeed};
use super::parse::{code, Block, Problem, TextFile};
use crate::graph::{
    is_slug, ActorDetails, Citation, Dataset, Details, DocumentDetails, Edge, EventDetails,
    PlaceDetails, Record, RecordKind, SourceText, StatisticDetails, TopicDetails, TrendDetails,
};

/// The part of a citation a problem is reported at.
enum CiteField {
    Section,
    Paragraph,
    Quote,
}

type Cites = Spanned<Vec<Spanned<CiteSeed>>>;

/// The fields every record block has.
struct Common<'a> {
    kind: RecordKind,
    id: &'a Spanned<String>,
    name: &'a str,
    aliases: &'a [String],
    cite: &'a Cites,
}

fn common(seed: &ParsedSeed) -> Option<Common<'_>> {
    macro_rules! common {
        ($kind:ident, $s:expr) => {
            Common {
                kind: RecordKind::$kind,
                id: &$s.id,
                name: &$s.name,
                aliases: &$s.aliases,
                cite: &$s.cite,
            }
        };
    }
    Some(match seed {
        ParsedSeed::Document(s) => common!(Document, s),
        ParsedSeed::Event(s) => common!(Event, s),
        ParsedSeed::Trend(s) => common!(Trend, s),
        ParsedSeed::Actor(s) => common!(Actor, s),
        ParsedSeed::Place(s) => common!(Place, s),
        ParsedSeed::Topic(s) => common!(Topic, s),
        ParsedSeed::Statistic(s) => common!(Statistic, s),
        ParsedSeed::Relation(_) => return None,
    })
}

fn roman(numeral: &str) -> Option<u32> {
    const NUMERALS: [&str; 10] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"];
    NUMERALS
        .iter()
        .position(|n| *n == numeral)
        .map(|i| i as u32 + 1)
}

struct Checker<'a> {
    files: &'a [TextFile],
    source: Option<SourceText>,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn at(&mut self, block: &Block, span: std::ops::Range<usize>, message: String) {
        self.problems
            .push(block.problem_at(self.files, span, message));
    }

    fn date(&mut self, block: &Block, key: &str, date: &Spanned<DateSeed>) -> Option<NaiveDate> {
        let text = date.get_ref().text();
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) if text.len() == 10 => Some(d),
            _ => {
                self.at(
                    block,
                    date.span(),
                    format!("malformed date {text:?} in `{key}` (expected a calendar date YYYY-MM-DD, like 2017-12-03)"),
                );
                None
            }
        }
    }

    /// Citations, each checked against the source: known section, paragraph in range,
    /// quote verbatim in that paragraph.
    fn cites(&mut self, block: &Block, cite: &Cites) -> Vec<Citation> {
        if cite.get_ref().is_empty() {
            self.at(
                block,
                cite.span(),
                "`cite` is empty (expected at least one citation)".into(),
            );
        }
        let mut citations = Vec::new();
        for c in cite.get_ref() {
            let CiteSeed {
                section,
                paragraph,
                quote,
            } = c.get_ref();
            if let Some((field, message)) =
                self.cite_problem(section.get_ref(), *paragraph.get_ref(), quote.get_ref())
            {
                let span = match field {
                    CiteField::Section => section.span(),
                    CiteField::Paragraph => paragraph.span(),
                    CiteField::Quote => quote.span(),
                };
                self.at(block, span, message);
            }
            citations.push(Citation {
                section: section.get_ref().clone(),
                paragraph: *paragraph.get_ref(),
                quote: quote.get_ref().clone(),
            });
        }
        citations
    }

    fn cite_problem(
        &self,
        section: &str,
        paragraph: u32,
        quote: &str,
    ) -> Option<(CiteField, String)> {
        let source = self.source.as_ref()?;
        let Some(found) = source.section(section) else {
            let ids: Vec<&str> = source.sections.iter().map(|s| s.id.as_str()).collect();
            return Some((
                CiteField::Section,
                format!(
                    "unknown section {} (expected one of {})",
                    code(section),
                    ids.join(", ")
                ),
            ));
        };
        let Some(text) = source.paragraph(section, paragraph) else {
            return Some((
                CiteField::Paragraph,
                format!(
                    "section {} has no paragraph {paragraph} (expected 1 to {})",
                    code(section),
                    found.paragraphs.len()
                ),
            ));
        };
        if quote.trim().is_empty() {
            return Some((
                CiteField::Quote,
                "empty quote (expected the exact words of the source)".into(),
            ));
        }
        if text.contains(quote) {
            return None;
        }
        let elsewhere = source.locate(quote);
        let hint = match elsewhere.first() {
            Some((s, p)) => format!("; it occurs in section {} paragraph {p}", code(s)),
            None => "; it occurs nowhere in the source".into(),
        };
        Some((
            CiteField::Quote,
            format!("quote {quote:?} is not in section {} paragraph {paragraph} (expected a verbatim excerpt of that paragraph{hint})", code(section)),
        ))
    }

    /// Text the seed presents as the source's own words must occur in it verbatim.
    fn verbatim(&mut self, block: &Block, key: &str, text: &str) {
        let Some(source) = &self.source else { return };
        if source.locate(text).is_empty() {
            let problem = block.problem(
                self.files,
                format!(
                    "`{key}` {text:?} does not occur in the source (expected the text's own words)"
                ),
            );
            self.problems.push(problem);
        }
    }
}

/// Finds the one source document, splits its text into sections, and checks its declaration.
fn load_source(
    files: &[TextFile],
    blocks: &[Block],
    texts: &BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
) -> Option<SourceText> {
    let sources: Vec<&Block> = blocks
        .iter()
        .filter(|b| matches!(&b.seed, ParsedSeed::Document(d) if d.file.is_some()))
        .collect();
    let Some(&block) = sources.first() else {
        if let Some(first) = files.first() {
            problems.push(first.problem(
                0,
                "no source document (expected one [[document]] with `file` and `sections`)",
            ));
        }
        return None;
    };
    for extra in &sources[1..] {
        problems.push(extra.problem(
            files,
            "a second source document (expected exactly one [[document]] with `file`)",
        ));
    }
    let ParsedSeed::Document(doc) = &block.seed else {
        unreachable!()
    };
    let file = doc.file.as_ref()?;
    let Some(text) = texts.get(file.get_ref()) else {
        let names: Vec<&str> = texts.keys().map(String::as_str).collect();
        problems.push(block.problem_at(
            files,
            file.span(),
            format!(
                "file {:?} is not in the seed folder (expected one of: {})",
                file.get_ref(),
                names.join(", ")
            ),
        ));
        return None;
    };
    let Some(sections) = doc.sections.as_ref().filter(|s| !s.is_empty()) else {
        problems.push(block.problem(
            files,
            "the source document has no `sections` (expected [{ id, starts_with }, ...])",
        ));
        return None;
    };
    let declared: Vec<(String, String)> = sections
        .iter()
        .map(|s| (s.get_ref().id.clone(), s.get_ref().starts_with.clone()))
        .collect();
    match SourceText::split(text, &declared) {
        Ok(source) => Some(source),
        Err(e) => {
            problems.push(block.problem_at(
                files,
                sections[0].span(),
                format!("{e} (expected each section to start a paragraph, in text order)"),
            ));
            None
        }
    }
}

/// Checks everything and builds the dataset with the editorial warnings of
/// [`super::lint`], or returns every problem found.
pub fn validate(
    files: &[TextFile],
    blocks: Vec<Block>,
    texts: &BTreeMap<String, String>,
    mut problems: Vec<Problem>,
    unparsed_ids: &HashSet<String>,
) -> Result<(Dataset, Vec<Problem>), Vec<Problem>> {
    let source = load_source(files, &blocks, texts, &mut problems);
    let mut checker = Checker {
        files,
        source,
        problems,
    };

    // Ids first, so relations can be checked against every record wherever it is.
    let mut kinds: HashMap<String, RecordKind> = HashMap::new();
    let mut first_seen: HashMap<String, String> = HashMap::new();
    for block in &blocks {
        let Some(c) = common(&block.seed) else {
            continue;
        };
        let id = c.id.get_ref();
        let here = block.problem_at(files, c.id.span(), "");
        if !is_slug(id) {
            checker.at(block, c.id.span(), format!("id {id:?} is not a slug (expected lowercase letters, digits and single hyphens, like `trend-ii`)"));
        } else if let Some(first) = first_seen.get(id) {
            checker.at(
                block,
                c.id.span(),
                format!(
                    "duplicate id {} (expected unique ids; first defined at {first})",
                    code(id)
                ),
            );
        } else {
            first_seen.insert(
                id.clone(),
                format!("{}:{}:{}", here.file, here.line, here.column),
            );
            kinds.insert(id.clone(), c.kind);
        }
    }

    let mut positions: HashMap<RecordKind, u32> = HashMap::new();
    let mut records = Vec::new();
    let mut edges = Vec::new();
    let mut seen_edges: HashSet<(String, &'static str, String)> = HashSet::new();
    for block in &blocks {
        if let ParsedSeed::Relation(r) = &block.seed {
            let citations = checker.cites(block, &r.cite);
            let relation = *r.relation.get_ref();
            let mut ends = Vec::new();
            for (key, end) in [("from", &r.from), ("to", &r.to)] {
                match kinds.get(end.get_ref()) {
                    Some(kind) => ends.push(*kind),
                    // Its block is already reported as unparseable.
                    None if unparsed_ids.contains(end.get_ref()) => {}
                    None => checker.at(
                        block,
                        end.span(),
                        format!(
                            "`{key}` refers to unknown id {} (expected the id of a record)",
                            code(end.get_ref())
                        ),
                    ),
                }
            }
            if let [from, to] = ends[..] {
                if !relation.joins(from, to) {
                    let (froms, tos) = relation.endpoints();
                    let names = |ks: &[RecordKind]| {
                        ks.iter().map(|k| k.name()).collect::<Vec<_>>().join(" | ")
                    };
                    checker.at(
                        block,
                        r.relation.span(),
                        format!(
                            "`{}` cannot join {} {} to {} {} (expected {} → {})",
                            relation.name(),
                            from.name(),
                            code(r.from.get_ref()),
                            to.name(),
                            code(r.to.get_ref()),
                            names(froms),
                            names(tos)
                        ),
                    );
                }
            }
            match &r.role {
                Some(role) => checker.verbatim(block, "role", role),
                None if relation.requires_role() => {
                    let problem = block.problem(
                        files,
                        format!(
                            "`{}` needs a `role` (expected the text's words for what {} does)",
                            relation.name(),
                            code(r.from.get_ref())
                        ),
                    );
                    checker.problems.push(problem);
                }
                None => {}
            }
            let triple = (
                r.from.get_ref().clone(),
                relation.name(),
                r.to.get_ref().clone(),
            );
            if !seen_edges.insert(triple) {
                let problem = block.problem(files, format!("duplicate relation {} {} {} (expected each relation once; add citations to the first instead)", code(r.from.get_ref()), relation.name(), code(r.to.get_ref())));
                checker.problems.push(problem);
            }
            edges.push(Edge {
                from: r.from.get_ref().clone(),
                relation,
                to: r.to.get_ref().clone(),
                role: r.role.clone(),
                citations,
                position: edges.len() as u32,
            });
            continue;
        }
        let Some(c) = common(&block.seed) else {
            continue;
        };
        let citations = checker.cites(block, c.cite);
        let details = match &block.seed {
            ParsedSeed::Document(d) => Details::Document(DocumentDetails {
                kind: d.kind,
                kind_basis: d.kind_basis,
                year: d.year,
                descriptive_name: d.descriptive_name.unwrap_or(false),
                source: d.file.as_ref().and(checker.source.clone()),
            }),
            ParsedSeed::Event(e) => {
                let start = checker.date(block, "start", &e.start);
                let end = e.end.as_ref().and_then(|d| checker.date(block, "end", d));
                if let (Some(s), Some(end_date), Some(end_seed)) = (start, end, &e.end) {
                    if end_date < s {
                        checker.at(block, end_seed.span(), format!("`end` {end_date} is before `start` {s} (expected end on or after start)"));
                    }
                }
                if let Some(theme) = &e.theme {
                    checker.verbatim(block, "theme", theme);
                }
                Details::Event(EventDetails {
                    kind: e.kind,
                    kind_basis: e.kind_basis,
                    descriptive_name: e.descriptive_name.unwrap_or(false),
                    start: start.unwrap_or_default(),
                    end,
                    theme: e.theme.clone(),
                })
            }
            ParsedSeed::Trend(t) => trend_details(
                &mut checker,
                block,
                t.numeral.get_ref(),
                &t.numeral,
                &t.statement,
            ),
            ParsedSeed::Actor(a) => Details::Actor(ActorDetails {
                kind: a.kind,
                kind_basis: a.kind_basis,
                founded: a
                    .founded
                    .as_ref()
                    .and_then(|d| checker.date(block, "founded", d)),
            }),
            ParsedSeed::Place(p) => Details::Place(PlaceDetails {
                kind: p.kind,
                kind_basis: p.kind_basis,
            }),
            ParsedSeed::Topic(t) => Details::Topic(TopicDetails {
                kind: t.kind,
                kind_basis: t.kind_basis,
            }),
            ParsedSeed::Statistic(s) => {
                checker.verbatim(block, "text", &s.text);
                Details::Statistic(StatisticDetails {
                    descriptive_name: s.descriptive_name.unwrap_or(false),
                    text: s.text.clone(),
                    value: s.value,
                    unit: s.unit.clone(),
                    qualifier: s.qualifier,
                })
            }
            ParsedSeed::Relation(_) => unreachable!("relations are handled above"),
        };
        let position = positions.entry(c.kind).or_default();
        records.push(Record {
            slug: c.id.get_ref().clone(),
            position: *position,
            name: c.name.to_string(),
            aliases: c.aliases.to_vec(),
            citations,
            details,
        });
        *position += 1;
    }

    if checker.problems.is_empty() {
        Ok((
            Dataset { records, edges },
            super::lint::lint(
                files,
                &blocks,
                checker.source.as_ref().map(|s| s.text.as_str()),
            ),
        ))
    } else {
        Err(checker.problems)
    }
}

fn trend_details(
    checker: &mut Checker<'_>,
    block: &Block,
    numeral: &str,
    numeral_span: &Spanned<String>,
    statement: &Spanned<String>,
) -> Details {
    let ordinal = roman(numeral).unwrap_or_else(|| {
        checker.at(
            block,
            numeral_span.span(),
            format!("numeral {numeral:?} is not a Roman numeral (expected I, II, III, ...)"),
        );
        0
    });
    let mut paragraphs = Vec::new();
    let section = checker
        .source
        .as_ref()
        .map(|source| source.section(numeral).cloned());
    if let Some(section) = section {
        match section {
            None => checker.at(
                block,
                numeral_span.span(),
                format!(
                    "no section {} in the source (expected the numeral of a trend section)",
                    code(numeral)
                ),
            ),
            Some(section) => {
                let heading = format!("{numeral}. {}", statement.get_ref());
                if section.paragraphs.first() != Some(&heading) {
                    let actual = section.paragraphs.first().cloned().unwrap_or_default();
                    checker.at(
                        block,
                        statement.span(),
                        format!(
                            "`statement` does not match the heading of section {} (expected {:?})",
                            code(numeral),
                            actual.trim_start_matches(&format!("{numeral}. "))
                        ),
                    );
                }
                paragraphs = section.paragraphs.iter().skip(1).cloned().collect();
            }
        }
    }
    Details::Trend(TrendDetails {
        numeral: numeral.to_string(),
        ordinal,
        statement: statement.get_ref().clone(),
        paragraphs,
    })
}
