//! The `Event` type: the 2017 conference and the 2022 founding of the WIC organization.

use chrono::Datelike;

use super::node::record_object;
use super::types::{Date, EventKind, KindBasis};
use super::{Actor, Document, Place, Statistic, Topic, Trend};

record_object! {
    /// An event: a conference, or the founding of an organization.
    Event(Event, EventDetails) {
        /// Conference or founding.
        fn kind(&self) -> EventKind {
            self.details().kind.into()
        }

        /// Whether `kind` is what the source says, or general knowledge.
        fn kind_basis(&self) -> KindBasis {
            self.details().kind_basis.into()
        }

        /// Whether `name` is a description, because the source names the event in no
        /// words of its own.
        fn name_is_descriptive(&self) -> bool {
            self.details().descriptive_name
        }

        /// The first day.
        fn start_date(&self) -> Date {
            Date(self.details().start)
        }

        /// The last day, for events of several days.
        fn end_date(&self) -> Option<Date> {
            self.details().end.map(Date)
        }

        /// The year of the first day.
        fn year(&self) -> i32 {
            self.details().start.year()
        }

        /// The theme, in the source's words.
        fn theme(&self) -> Option<&str> {
            self.details().theme.as_deref()
        }
    }
    related {
        /// Where the event was held.
        place: Place = Outgoing(HeldIn);
    }
    resolvers {}
    connections {
        /// The trends projected at the event.
        trends: Trend = Outgoing(Projects);
        /// The topics discussed at the event.
        topics: Topic = Outgoing(Discusses);
        /// The earlier outcome documents the event builds on.
        builds_on: Document = Outgoing(BuildsOn);
        /// The groups of people who took part.
        participants: Actor = Incoming(ParticipatesIn);
        /// Who organized the event.
        organizers: Actor = Incoming(Organizes);
        /// The organizations the event established.
        establishes: Actor = Outgoing(Establishes);
        /// The conference, now an organization, this event is an edition of.
        edition_of: Actor = Outgoing(EditionOf);
        /// The figures the source gives about the event.
        statistics: Statistic = Incoming(Describes);
        /// The documents that report on the event.
        reported_in: Document = Incoming(ReportsOn);
    }
}
