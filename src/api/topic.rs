//! The `Topic` type: technologies, services and subjects the source names.

use super::node::record_object;
use super::types::{KindBasis, TopicKind};
use super::{Actor, Event, Statistic, Trend};

record_object! {
    /// A technology, an Internet-enabled service, or a subject of discussion.
    Topic(Topic, TopicDetails) {
        /// Technology, service or subject.
        fn kind(&self) -> TopicKind {
            self.details().kind.into()
        }

        /// Whether `kind` is what the source says, or general knowledge.
        fn kind_basis(&self) -> KindBasis {
            self.details().kind_basis.into()
        }
    }
    related {}
    resolvers {
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
        /// The technologies this one is going to shape a platform for.
        will_shape_platform_for: Topic = Outgoing(WillShapePlatformFor);
        /// The technologies going to shape a platform for this one.
        platform_shaped_by: Topic = Incoming(WillShapePlatformFor);
        /// What this topic has triggered.
        triggered: Topic = Outgoing(Triggered);
        /// What triggered this topic.
        triggered_by: Topic = Incoming(Triggered);
        /// What this topic pushed forward.
        pushed_forward: Topic = Outgoing(PushedForward);
        /// What pushed this topic forward.
        pushed_forward_by: Topic = Incoming(PushedForward);
        /// The causes the source gives for this topic.
        due_to: Topic = Outgoing(DueTo);
        /// The topics this one is a cause of.
        causes: Topic = Incoming(DueTo);
        /// What this topic is defined in terms of.
        in_terms_of: Topic = Outgoing(InTermsOf);
        /// The topics defined in terms of this one.
        defines: Topic = Incoming(InTermsOf);
        /// The broader topics this one is a form, part, change or aspect of.
        broader: Topic = Outgoing(NarrowerThan);
        /// The narrower topics: forms, parts, changes or aspects of this one.
        narrower: Topic = Incoming(NarrowerThan);
        /// The actors acting on this topic, each edge with what they do.
        actors: Actor = Incoming(ActsOn);
        /// The figures the source gives about this topic.
        statistics: Statistic = Incoming(Describes);
    }
}
