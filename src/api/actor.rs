//! The `Actor` type: organizations, governments, companies, agencies and groups of people.

use super::node::record_object;
use super::types::{ActorKind, Date, KindBasis};
use super::{Document, Event, Place, Statistic, Topic, Trend};

record_object! {
    /// An actor: an international organization, a government, a company, an agency, a
    /// grouping of countries, or a group of people.
    Actor(Actor, ActorDetails) {
        /// What sort of actor.
        fn kind(&self) -> ActorKind {
            self.details().kind.into()
        }

        /// Whether `kind` is what the source says, or general knowledge.
        fn kind_basis(&self) -> KindBasis {
            self.details().kind_basis.into()
        }

        /// The day the organization was established, where the source gives it.
        fn founded(&self) -> Option<Date> {
            self.details().founded.map(Date)
        }
    }
    related {
        /// Where the organization is headquartered.
        headquarters: Place = Outgoing(HeadquarteredIn);
    }
    resolvers {}
    connections {
        /// The trends the actor appears in, each edge with its role there.
        trends: Trend = Outgoing(ActsIn);
        /// The trends the actor projects.
        projects: Trend = Outgoing(Projects);
        /// The earlier documents the actor builds on.
        builds_on: Document = Outgoing(BuildsOn);
        /// The events the actor took part in or organized.
        events: Event = Outgoing(ParticipatesIn, Organizes);
        /// The initiators that jointly founded this organization.
        founders: Actor = Incoming(Initiated);
        /// The organizations this actor initiated.
        organizations_founded: Actor = Outgoing(Initiated);
        /// The events that established this organization.
        established_by: Event = Incoming(Establishes);
        /// Larger groups this group belongs to.
        part_of: Actor = Outgoing(PartOf);
        /// Smaller groups within this group.
        subgroups: Actor = Incoming(PartOf);
        /// The topics the actor acts on, each edge with what it does, in the text's words.
        topics: Topic = Outgoing(ActsOn);
        /// The documents the actor developed.
        documents_developed: Document = Outgoing(Developed);
        /// The conferences that were editions of this organization's conference.
        editions: Event = Incoming(EditionOf);
        /// The figures the source gives about this actor.
        statistics: Statistic = Incoming(Describes);
    }
}
