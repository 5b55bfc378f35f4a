//! The `Place` type: towns, provinces and countries.

use async_graphql::Context;

use super::connection::{related_one, Env};
use super::error::ApiResult;
use super::node::record_object;
use super::types::PlaceKind;
use super::{Actor, Event};
use crate::graph::{Direction, Relation};

record_object! {
    /// A place: a town or city, a province, a country.
    Place(Place, PlaceDetails) {
        /// The administrative level.
        fn kind(&self) -> PlaceKind {
            self.details().kind.into()
        }
    }
    resolvers {
        /// The larger place this one lies in.
        async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Place>> {
            related_one(&Env::of(ctx), &self.0, Direction::Outgoing, Relation::PartOf).await
        }
    }
    connections {
        /// The places that lie in this one.
        children: Place = Incoming(PartOf);
        /// The events held here.
        events: Event = Incoming(HeldIn);
        /// The organizations headquartered here.
        headquartered_actors: Actor = Incoming(HeadquarteredIn);
    }
}
