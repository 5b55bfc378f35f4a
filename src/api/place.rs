//! The `Place` type: towns, provinces and countries.

use super::node::record_object;
use super::types::{KindBasis, PlaceKind};
use super::{Actor, Event};

record_object! {
    /// A place: a town or city, a province, a country.
    Place(Place, PlaceDetails) {
        /// The administrative level.
        fn kind(&self) -> PlaceKind {
            self.details().kind.into()
        }

        /// Whether `kind` is what the source says, or general knowledge.
        fn kind_basis(&self) -> KindBasis {
            self.details().kind_basis.into()
        }
    }
    related {
        /// The larger place this one lies in.
        parent: Place = Outgoing(PartOf);
    }
    resolvers {}
    connections {
        /// The places that lie in this one.
        children: Place = Incoming(PartOf);
        /// The events held here.
        events: Event = Incoming(HeldIn);
        /// The organizations headquartered here.
        headquartered_actors: Actor = Incoming(HeadquarteredIn);
    }
}
