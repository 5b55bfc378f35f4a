//! A typed client for wic-gql: `graphql_client` generates the request and response types
//! of each operation in `examples/operations/` from the published `schema.graphql`, so a
//! field that the schema drops or retypes breaks this program's build, not its run.
//!
//! Usage: `cargo run -p wic-gql-rust-client -- [SERVER_URL]` (default
//! `http://127.0.0.1:8080`; `/graphql` is appended unless the URL already ends with it).
//! Exits non-zero on any HTTP or GraphQL error.

use std::error::Error;
use std::process::ExitCode;

use graphql_client::{GraphQLQuery, Response};

// The derive reads `schema.graphql` but only tells Cargo about the operation files: this
// makes a change to the schema alone rebuild (and re-check) the client too.
const _SCHEMA: &str = include_str!("../../../schema.graphql");

/// The custom scalar `Date`: an ISO 8601 calendar date, `YYYY-MM-DD`.
type Date = String;

/// `examples/operations/EventTrendsActors.graphql`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "../operations/EventTrendsActors.graphql",
    response_derives = "Debug",
    skip_serializing_none
)]
pub struct EventTrendsActors;

/// `examples/operations/FoundersOfWic.graphql`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../../schema.graphql",
    query_path = "../operations/FoundersOfWic.graphql",
    response_derives = "Debug",
    skip_serializing_none
)]
pub struct FoundersOfWic;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Posts one operation and returns its `data`, or an error for an HTTP failure, any
/// GraphQL error, or a missing `data`.
fn run<Q: GraphQLQuery>(
    client: &reqwest::blocking::Client,
    endpoint: &str,
    variables: Q::Variables,
) -> Result<Q::ResponseData> {
    let body = Q::build_query(variables);
    let response = client.post(endpoint).json(&body).send()?;
    let status = response.status();
    let response: Response<Q::ResponseData> = response.json().map_err(|e| {
        format!(
            "{}: HTTP {status}, not a GraphQL response: {e}",
            body.operation_name
        )
    })?;
    if let Some(errors) = response.errors.filter(|errors| !errors.is_empty()) {
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        return Err(format!(
            "{}: GraphQL errors: {}",
            body.operation_name,
            messages.join("; ")
        )
        .into());
    }
    response
        .data
        .ok_or_else(|| format!("{}: HTTP {status}, no data", body.operation_name).into())
}

/// The schema name of an enum value, also for a value newer than this client.
fn name_of<T: std::fmt::Debug>(value: &T) -> String {
    let debug = format!("{value:?}");
    match debug.strip_prefix("Other(\"") {
        Some(rest) => rest.trim_end_matches("\")").to_string(),
        None => debug,
    }
}

fn event_trends_actors(client: &reqwest::blocking::Client, endpoint: &str) -> Result<()> {
    use event_trends_actors::*;
    let data = run::<EventTrendsActors>(
        client,
        endpoint,
        Variables {
            slug: "wic-2017".into(),
            trends: Some(10),
            // `None` is left out of the request, so the operation's default applies.
            actors: None,
        },
    )?;
    let event = data.event.ok_or("EventTrendsActors: no event `wic-2017`")?;
    // The place, its parent and its grandparent (locality, province, country).
    let mut places = Vec::new();
    if let Some(place) = &event.place {
        places.push(place.name.as_str());
        if let Some(parent) = &place.parent {
            places.push(parent.name.as_str());
            places.extend(parent.parent.as_ref().map(|p| p.name.as_str()));
        }
    }
    println!(
        "event {}: {} ({} to {}) in {}",
        event.slug,
        event.name,
        event.start_date,
        event.end_date.as_deref().unwrap_or("?"),
        places.join(", ")
    );
    for organizer in &event.organizers.nodes {
        println!("organizer {}: {}", organizer.slug, organizer.name);
        println!("trends: {}", organizer.projects.total_count);
        for trend in &organizer.projects.nodes {
            println!("trend {}: {}", trend.numeral, trend.statement);
            println!("  actors: {}", trend.actors.total_count);
            for edge in &trend.actors.edges {
                println!(
                    "  actor {} [{}] {}: {}",
                    edge.node.slug,
                    name_of(&edge.node.kind),
                    edge.node.name,
                    edge.role.as_deref().unwrap_or("-")
                );
            }
        }
    }
    Ok(())
}

fn founders_of_wic(client: &reqwest::blocking::Client, endpoint: &str) -> Result<()> {
    use founders_of_wic::*;
    let data = run::<FoundersOfWic>(
        client,
        endpoint,
        Variables {
            slug: "wic".into(),
            // `None` is left out of the request, so the operation's default applies.
            founders: None,
        },
    )?;
    let actor = data.actor.ok_or("FoundersOfWic: no actor `wic`")?;
    println!(
        "organization {}: {} [{}] founded {} headquartered in {}",
        actor.slug,
        actor.name,
        name_of(&actor.kind),
        actor.founded.as_deref().unwrap_or("?"),
        actor.headquarters.as_ref().map_or("?", |p| p.name.as_str())
    );
    println!("founders: {}", actor.founders.total_count);
    for edge in &actor.founders.edges {
        let founder = &edge.node;
        let founded: Vec<&str> = founder
            .organizations_founded
            .nodes
            .iter()
            .map(|o| o.slug.as_str())
            .collect();
        let aliases = if founder.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({})", founder.aliases.join(", "))
        };
        println!(
            "founder {} [{}] {}{aliases}: {}; founded {}",
            founder.slug,
            name_of(&founder.kind),
            founder.name,
            edge.role.as_deref().unwrap_or("-"),
            founded.join(", ")
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let base = base.trim_end_matches('/');
    let endpoint = if base.ends_with("/graphql") {
        base.to_string()
    } else {
        format!("{base}/graphql")
    };
    let client = reqwest::blocking::Client::new();
    let result =
        event_trends_actors(&client, &endpoint).and_then(|()| founders_of_wic(&client, &endpoint));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wic-gql-rust-client: {e}");
            ExitCode::FAILURE
        }
    }
}
