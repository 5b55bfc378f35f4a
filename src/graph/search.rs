//! Full-text search: the tokenizer, the indexed fields with their weights, and snippets.

use serde::{Deserialize, Serialize};

use super::model::{Details, Record};

/// Words too common to index or search for.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
    "it", "its", "of", "on", "or", "that", "the", "their", "to", "was", "will", "with",
];

/// Lowercased alphanumeric words, without stopwords, in text order (duplicates kept).
pub fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for_each_token(text, |token| tokens.push(token.to_string()));
    tokens
}

/// Calls `each` with every token of `text`, as [`tokenize`] lists them, lowercased into
/// one reused buffer: indexing a million records allocates nothing per word.
pub fn for_each_token(text: &str, mut each: impl FnMut(&str)) {
    let mut lower = String::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        lower.clear();
        if word.is_ascii() {
            lower.push_str(word);
            lower.make_ascii_lowercase();
        } else {
            lower.push_str(&word.to_lowercase());
        }
        if !STOPWORDS.contains(&lower.as_str()) {
            each(&lower);
        }
    }
}

/// One record's occurrences of a token in one field: an item of the stored index, its slug
/// borrowed. Read in place from the stored bytes, a search reads hundreds of postings and
/// keeps a handful; written from the records, a seed clones no slug. The slug is bytes,
/// compared and hashed as they are, and written as a string is; only a hit's is checked to
/// be UTF-8.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct PostingRef<'a> {
    #[serde(serialize_with = "as_bytes")]
    pub slug: &'a [u8],
    pub field: u8,
    pub frequency: u32,
}

/// A slug written as one run of bytes behind its length, as bincode writes a `str` (serde
/// would write a `[u8]` byte by byte).
fn as_bytes<S: serde::Serializer>(slug: &&[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_bytes(slug)
}

impl PostingRef<'_> {
    /// [`impact`] of this posting.
    pub fn impact(&self) -> f64 {
        impact(self.field, self.frequency)
    }
}

/// What a posting of `frequency` occurrences in the field tagged `field` adds to a hit's
/// score when its token is the query's exact word: the field's weight, damped by the
/// count. A token's postings are stored by it.
pub fn impact(field: u8, frequency: u32) -> f64 {
    let weight = SearchField::from_tag(field).map_or(0.0, SearchField::weight);
    weight * (1.0 + f64::from(frequency).ln())
}

/// The part of a record a search term was found in. The tag is part of stored keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SearchField {
    Name = 0,
    Alias = 1,
    Statement = 2,
    Paragraph = 3,
    Quote = 4,
}

impl SearchField {
    /// Every field, in tag order.
    pub const ALL: [SearchField; 5] = [
        SearchField::Name,
        SearchField::Alias,
        SearchField::Statement,
        SearchField::Paragraph,
        SearchField::Quote,
    ];

    pub fn tag(self) -> u8 {
        self as u8
    }

    pub fn from_tag(tag: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.tag() == tag)
    }

    /// How much a match in this field counts towards a hit's score.
    pub fn weight(self) -> f64 {
        match self {
            SearchField::Name => 8.0,
            SearchField::Alias => 6.0,
            SearchField::Statement => 4.0,
            SearchField::Quote => 2.0,
            SearchField::Paragraph => 1.0,
        }
    }

    /// The field's name as the API reports it.
    pub fn name(self) -> &'static str {
        match self {
            SearchField::Name => "name",
            SearchField::Alias => "alias",
            SearchField::Statement => "statement",
            SearchField::Paragraph => "paragraph",
            SearchField::Quote => "quote",
        }
    }
}

/// Every searchable text of a record, with the field it belongs to.
pub fn field_texts(record: &Record) -> Vec<(SearchField, &str)> {
    let mut texts = vec![(SearchField::Name, record.name.as_str())];
    texts.extend(
        record
            .aliases
            .iter()
            .map(|a| (SearchField::Alias, a.as_str())),
    );
    match &record.details {
        Details::Trend(t) => {
            texts.push((SearchField::Statement, t.statement.as_str()));
            texts.extend(
                t.paragraphs
                    .iter()
                    .map(|p| (SearchField::Paragraph, p.as_str())),
            );
        }
        Details::Event(e) => {
            texts.extend(e.theme.as_deref().map(|t| (SearchField::Statement, t)));
        }
        Details::Statistic(s) => texts.push((SearchField::Statement, s.text.as_str())),
        Details::Document(d) => {
            if let Some(source) = &d.source {
                texts.extend(
                    source
                        .sections
                        .iter()
                        .flat_map(|s| &s.paragraphs)
                        .map(|p| (SearchField::Paragraph, p.as_str())),
                );
            }
        }
        Details::Actor(_) | Details::Place(_) | Details::Topic(_) => {}
    }
    texts.extend(
        record
            .citations
            .iter()
            .map(|c| (SearchField::Quote, c.quote.as_str())),
    );
    texts
}

/// Whether term `i` of a query's `terms` also matches the words it starts: the last one,
/// of three letters or more. One rule for the index's reads and for [`holds_terms`].
pub fn is_prefix_term(terms: &[String], i: usize) -> bool {
    i + 1 == terms.len() && terms[i].chars().count() >= 3
}

/// Whether `record` holds every one of `terms` as the full-text index would find it (each a
/// word of its texts; the last, of three letters or more, also the start of one), decided
/// from the record's own texts: what [`super::Graph::matching_slugs`] reads from the index.
pub fn holds_terms(record: &Record, terms: &[String]) -> bool {
    if terms.is_empty() {
        return false;
    }
    let mut held = vec![false; terms.len()];
    let mut missing = terms.len();
    for (_, text) in field_texts(record) {
        for_each_token(text, |token| {
            for (i, term) in terms.iter().enumerate() {
                let matches =
                    token == term || (is_prefix_term(terms, i) && token.starts_with(term.as_str()));
                if matches && !held[i] {
                    held[i] = true;
                    missing -= 1;
                }
            }
        });
        if missing == 0 {
            return true;
        }
    }
    false
}

/// A short excerpt of `text` around the first word that starts with one of `terms`.
pub fn snippet(text: &str, terms: &[String]) -> String {
    const BEFORE: usize = 60;
    const AFTER: usize = 100;
    let words: Vec<(usize, &str)> = word_offsets(text);
    let hit = words
        .iter()
        .find(|(_, w)| {
            let lower = w.to_lowercase();
            terms.iter().any(|t| lower.starts_with(t.as_str()))
        })
        .map_or(0, |(offset, _)| *offset);
    let start = floor_boundary(text, hit.saturating_sub(BEFORE));
    let start = if start == 0 {
        0
    } else {
        text[start..].find(' ').map_or(start, |i| start + i + 1)
    };
    let end = floor_boundary(text, (hit + AFTER).min(text.len()));
    let end = if end == text.len() {
        end
    } else {
        text[..end].rfind(' ').filter(|&i| i > hit).unwrap_or(end)
    };
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(text[start..end].trim());
    if end < text.len() {
        out.push('…');
    }
    out
}

fn word_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, &text[s..]));
    }
    words
}

fn floor_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_words_and_drops_stopwords() {
        assert_eq!(
            tokenize("The Internet of things, IPv6 and G20—cyber-terrorism"),
            vec!["internet", "things", "ipv6", "g20", "cyber", "terrorism"]
        );
    }

    #[test]
    fn the_buffered_tokenizer_lowercases_as_str_to_lowercase_does() {
        let text = "ΣΟΦΙΑ and Straße, ÉCOLE the İstanbul IPv6 x_y 42";
        let reference: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .filter(|w| !STOPWORDS.contains(&w.as_str()))
            .collect();
        assert_eq!(tokenize(text), reference);
    }

    #[test]
    fn snippets_centre_on_the_first_match() {
        let text = "Cyber security threats have posed a global common challenge for governments. \
                    Ensuring security of the critical information infrastructures is the utmost priority.";
        let s = snippet(text, &["infrastructures".into()]);
        assert!(
            s.starts_with('…') && s.contains("critical information infrastructures"),
            "{s}"
        );
        assert_eq!(snippet("short text", &["short".into()]), "short text");
    }
}
