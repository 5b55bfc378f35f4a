//! Integration tests: the real server on a free loopback port, spoken to over HTTP.
//!
//! Compiled as one binary (one link, shared helpers). Set `TEST_LOG=1` to see server logs.

mod abuse;
mod browser;
mod citations;
mod clients;
mod conformance;
mod connections;
mod cursors;
mod damage;
mod editorial_facts;
mod federation;
mod graph_facts;
mod graphql_http;
mod helpers;
mod http;
mod layout;
mod metrics;
mod nesting;
mod overload;
mod planner;
mod reload;
mod replicas;
mod round_trips;
mod schema_file;
mod search;
mod seed_cli;
mod traces;
