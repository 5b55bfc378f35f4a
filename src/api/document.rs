//! The `Document` type: the source report, the outcome documents it builds on, plans and agendas.

use async_graphql::SimpleObject;

use super::node::record_object;
use super::types::{DocumentKind, KindBasis};
use super::{Actor, Event, Node, Statistic, Trend};

/// A named section of the source document.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct SourceSection {
    /// `intro`, `I`–`V`, `closing` or `organization`: what citations name.
    pub id: String,
    /// The section's paragraphs, verbatim; citations count them from 1.
    pub paragraphs: Vec<String>,
}

record_object! {
    /// A document: the source report itself, or a document the source names.
    Document(Document, DocumentDetails) {
        /// What sort of document.
        fn kind(&self) -> DocumentKind {
            self.details().kind.into()
        }

        /// Whether `kind` is what the source says, or general knowledge.
        fn kind_basis(&self) -> KindBasis {
            self.details().kind_basis.into()
        }

        /// The year in the document's name or date, where the source gives one.
        fn year(&self) -> Option<i32> {
            self.details().year
        }

        /// Whether `name` is a description, because the source gives the document no title.
        fn name_is_descriptive(&self) -> bool {
            self.details().descriptive_name
        }

        /// Whether this is the source document every citation points into.
        fn is_source(&self) -> bool {
            self.details().source.is_some()
        }

        /// The full text, for the source document.
        fn text(&self) -> Option<&str> {
            self.details().source.as_ref().map(|s| s.text.as_str())
        }
    }
    related {}
    resolvers {
        /// The sections of the source document, with their paragraphs.
        async fn sections(&self) -> Vec<SourceSection> {
            self.details()
                .source
                .iter()
                .flat_map(|s| &s.sections)
                .map(|s| SourceSection {
                    id: s.id.clone(),
                    paragraphs: s.paragraphs.clone(),
                })
                .collect()
        }
    }
    connections {
        /// The earlier documents this one builds on.
        builds_on: Document = Outgoing(BuildsOn);
        /// The actors, events and documents that build on this one.
        built_on_by: Node = Incoming(BuildsOn);
        /// The events, trends and documents that refer to this one.
        referenced_by: Node = Incoming(References);
        /// The events this document reports on.
        reports_on: Event = Outgoing(ReportsOn);
        /// The trends this document projects.
        trends: Trend = Outgoing(Projects);
        /// The actors that developed this document.
        developed_by: Actor = Incoming(Developed);
        /// The document this one was added to as a note.
        appended_to: Document = Outgoing(AppendedTo);
        /// The notes added to this document.
        appendices: Document = Incoming(AppendedTo);
        /// The figures the source gives about this document.
        statistics: Statistic = Incoming(Describes);
    }
}
