//! The `Statistic` type: the figures the source gives, exactly as vague as it gives them.

use super::node::record_object;
use super::types::Qualifier;
use super::Node;

record_object! {
    /// A figure: a number with its unit and qualifier, or a vague quantity kept vague.
    Statistic(Statistic, StatisticDetails) {
        /// Whether `name` is a description, because the source gives the figure no name.
        fn name_is_descriptive(&self) -> bool {
            self.details().descriptive_name
        }

        /// The figure in the source's words (`more than 1500`).
        fn text(&self) -> &str {
            &self.details().text
        }

        /// The number, only where the source gives one.
        fn value(&self) -> Option<f64> {
            self.details().value
        }

        /// What the number counts (`percent`, `participants`).
        fn unit(&self) -> Option<&str> {
            self.details().unit.as_deref()
        }

        /// How the source qualifies the number (`MORE_THAN`, `OVER`, ...).
        fn qualifier(&self) -> Option<Qualifier> {
            self.details().qualifier.map(Into::into)
        }
    }
    related {}
    resolvers {
    }
    connections {
        /// The records the figure is about.
        subjects: Node = Outgoing(Describes);
    }
}
