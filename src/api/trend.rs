//! The `Trend` type: one of the five trends of the global Internet the conference projects.

use super::node::record_object;
use super::{Actor, Document, Event, Statistic, Topic};

record_object! {
    /// A trend of the global Internet's development, as projected by the 2017 conference.
    Trend(Trend, TrendDetails) {
        /// The Roman numeral of the trend (`I`–`V`), also its section in the source.
        fn numeral(&self) -> &str {
            &self.details().numeral
        }

        /// The numeral's value, 1–5.
        fn ordinal(&self) -> u32 {
            self.details().ordinal
        }

        /// The trend's statement: its heading in the source, without the numeral.
        fn statement(&self) -> &str {
            &self.details().statement
        }

        /// Every paragraph of the trend's section after the heading, verbatim.
        fn paragraphs(&self) -> &Vec<String> {
            &self.details().paragraphs
        }
    }
    related {}
    resolvers {
    }
    connections {
        /// The events that project this trend.
        events: Event = Incoming(Projects);
        /// The actors that project this trend.
        projected_by: Actor = Incoming(Projects);
        /// The documents that project this trend.
        projected_in: Document = Incoming(Projects);
        /// The actors the trend names, each edge with the role the text gives it.
        actors: Actor = Incoming(ActsIn);
        /// The technologies, services and subjects the trend names.
        topics: Topic = Outgoing(Names);
        /// The figures the source gives in this trend.
        statistics: Statistic = Incoming(Describes);
        /// The documents the trend refers to.
        references: Document = Outgoing(References);
    }
}
