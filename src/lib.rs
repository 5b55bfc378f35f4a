//! wic-gql: the World Internet Conference knowledge graph, stored in sled and served over GraphQL.
//!
//! The layers, each depending only on those before it:
//! [`storage`] (sled, keys, codecs) ← [`graph`] (records, relations, search) ←
//! [`seed`] (seed files → graph) ← [`api`] (the async-graphql schema) ←
//! [`http`] and [`startup`] (actix-web) ← [`cli`] (commands).

pub mod api;
pub mod cli;
pub mod config;
pub mod graph;
pub mod hex;
pub mod http;
pub mod seed;
pub mod startup;
pub mod storage;
