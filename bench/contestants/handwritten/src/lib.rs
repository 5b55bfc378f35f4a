//! F1's answers as a library, so that `benches/layer.rs` can time them in-process beside
//! wic-gql's GraphQL execution of the same queries; `main.rs` serves them over HTTP.

pub mod answers;
