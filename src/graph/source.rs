//! The source document split into named sections of numbered paragraphs, which citations point into.

use serde::{Deserialize, Serialize};

/// The source text and its sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceText {
    /// The file exactly as given.
    pub text: String,
    pub sections: Vec<Section>,
}

/// A run of paragraphs under one name (`intro`, `I`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    /// Paragraph `n` of a citation is `paragraphs[n - 1]`.
    pub paragraphs: Vec<String>,
}

/// Why a text could not be split into the declared sections.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error(
        "section `{section}`: no paragraph after the previous section starts with {starts_with:?}"
    )]
    SectionNotFound {
        section: String,
        starts_with: String,
    },
    #[error("the text has {count} paragraph(s) before the first section `{section}`")]
    TextBeforeFirstSection { section: String, count: usize },
    #[error("no sections are declared")]
    NoSections,
}

/// Paragraphs are blocks of non-blank lines separated by one or more blank lines.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                paragraphs.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        paragraphs.push(current.join("\n"));
    }
    paragraphs
}

impl SourceText {
    /// Splits `text` at the paragraphs that start with each declared `(id, starts_with)`, in order.
    pub fn split(text: &str, declared: &[(String, String)]) -> Result<Self, SourceError> {
        let all = paragraphs(text);
        let mut starts = Vec::with_capacity(declared.len());
        let mut from = 0;
        for (id, starts_with) in declared {
            let index = all[from..]
                .iter()
                .position(|p| p.starts_with(starts_with.as_str()))
                .map(|i| i + from)
                .ok_or_else(|| SourceError::SectionNotFound {
                    section: id.clone(),
                    starts_with: starts_with.clone(),
                })?;
            starts.push(index);
            from = index + 1;
        }
        let first = *starts.first().ok_or(SourceError::NoSections)?;
        if first > 0 {
            return Err(SourceError::TextBeforeFirstSection {
                section: declared[0].0.clone(),
                count: first,
            });
        }
        let sections = declared
            .iter()
            .enumerate()
            .map(|(i, (id, _))| {
                let end = starts.get(i + 1).copied().unwrap_or(all.len());
                Section {
                    id: id.clone(),
                    paragraphs: all[starts[i]..end].to_vec(),
                }
            })
            .collect();
        Ok(SourceText {
            text: text.to_string(),
            sections,
        })
    }

    /// The section called `id`.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// Paragraph `paragraph` (from 1) of section `section`.
    pub fn paragraph(&self, section: &str, paragraph: u32) -> Option<&str> {
        let index = usize::try_from(paragraph).ok()?.checked_sub(1)?;
        self.section(section)?
            .paragraphs
            .get(index)
            .map(String::as_str)
    }

    /// Every `(section, paragraph)` whose text contains `quote`.
    pub fn locate(&self, quote: &str) -> Vec<(String, u32)> {
        let mut found = Vec::new();
        for section in &self.sections {
            for (i, p) in section.paragraphs.iter().enumerate() {
                if p.contains(quote) {
                    found.push((section.id.clone(), i as u32 + 1));
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn splits_into_sections_of_paragraphs() {
        let text = "Intro one.\n\nIntro two.\n\nI. Heading\n\nBody.\n\n\nOrg.";
        let source = SourceText::split(
            text,
            &declared(&[("intro", "Intro"), ("I", "I. "), ("organization", "Org")]),
        )
        .unwrap();
        assert_eq!(source.paragraph("intro", 2), Some("Intro two."));
        assert_eq!(source.paragraph("I", 1), Some("I. Heading"));
        assert_eq!(source.paragraph("I", 2), Some("Body."));
        assert_eq!(source.paragraph("I", 3), None);
        assert_eq!(source.paragraph("I", 0), None);
        assert_eq!(source.paragraph("organization", 1), Some("Org."));
        assert_eq!(source.locate("Body"), vec![("I".to_string(), 2)]);
    }

    #[test]
    fn a_missing_section_start_is_an_error() {
        let err = SourceText::split("A.\n\nB.", &declared(&[("a", "A"), ("c", "C")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "section `c`: no paragraph after the previous section starts with \"C\""
        );
        let err = SourceText::split("A.\n\nB.", &declared(&[("b", "B")])).unwrap_err();
        assert!(matches!(
            err,
            SourceError::TextBeforeFirstSection { count: 1, .. }
        ));
    }
}
