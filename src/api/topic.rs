//! The `Topic` type: technologies, services and subjects the source names.

use super::node::record_object;
use super::types::TopicKind;
use super::{Event, Statistic, Trend};

record_object! {
    /// A technology, an Internet-enabled service, or a subject of discussion.
    Topic(Topic, TopicDetails) {
        /// Technology, service or subject.
        async fn kind(&self) -> TopicKind {
            self.details().kind.into()
        }
    }
    connections {
        /// The trends that name this topic.
        trends: Trend = Incoming(Names);
        /// The events that discussed this topic.
        events: Event = Incoming(Discusses);
        /// The topics this one is an example of.
        exemplifies: Topic = Outgoing(Exemplifies);
        /// The examples the source gives of this topic.
        examples: Topic = Incoming(Exemplifies);
        /// The technologies this one underlies.
        underlies: Topic = Outgoing(Underlies);
        /// The technologies that underlie this one.
        underlying: Topic = Incoming(Underlies);
        /// The figures the source gives about this topic.
        statistics: Statistic = Incoming(Describes);
    }
}
