//! No N+1: store round trips grow with a query's depth, not with the records it returns.

use serde_json::Value;

use crate::helpers::{spawn_unlimited_app, TestApp};

/// Runs `query` and returns (store round trips it made, records it returned).
async fn measure(app: &TestApp, query: &str) -> (u64, usize) {
    let before = app.graph.round_trips();
    let data = app.data(query).await;
    (app.graph.round_trips() - before, count_slugs(&data))
}

/// [`measure`] on a fresh server, whose cache of decoded records is empty: a record or
/// edge list read once is served from that cache afterwards, without a round trip.
///
/// A cold request is first tried by the planned executor (`api::plan`), which reads the
/// top list (its stored length and its chunk: [`PLAN_ATTEMPT`] round trips) before it
/// finds the next level cold and leaves the request to async-graphql's executor, which
/// reads them again. Its records are in the cache by then.
async fn measure_cold(query: &str) -> (u64, usize) {
    measure(&spawn_unlimited_app().await, query).await
}

/// The round trips of a cold request's abandoned planned attempt (see [`measure_cold`]).
const PLAN_ATTEMPT: u64 = 2;

fn count_slugs(value: &Value) -> usize {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| usize::from(k == "slug") + count_slugs(v))
            .sum(),
        Value::Array(items) => items.iter().map(count_slugs).sum(),
        _ => 0,
    }
}

/// The same depth-5 shape over one trend and over all five.
fn trends_query(first: u32) -> String {
    format!(
        "{{ trends(first: {first}) {{ nodes {{ slug
            actors {{ nodes {{ slug
              trends {{ nodes {{ slug
                projectedBy {{ nodes {{ slug
                  topics(first: 500) {{ nodes {{ slug }} }}
                }} }}
              }} }}
            }} }}
        }} }} }}"
    )
}

#[tokio::test]
async fn round_trips_depend_on_depth_not_on_the_number_of_records() {
    let (small_trips, small_records) = measure_cold(&trends_query(1)).await;
    let (large_trips, large_records) = measure_cold(&trends_query(5)).await;
    assert!(
        large_records > 2 * small_records,
        "{large_records} vs {small_records} records"
    );
    assert_eq!(
        large_trips, small_trips,
        "round trips must not grow with the records returned"
    );
    // The top list (its stored length, its chunk, a multi-get of its records), then per
    // level one edge scan and one multi-get of records, less what was read before and comes from the cache: the
    // trends of level 3 (read by the top list), and the trends' incoming edges, which
    // give both their actors (level 2) and those who project them (level 4).
    assert_eq!(
        large_trips,
        PLAN_ATTEMPT + 3 + 2 * 4 - 2,
        "round trips of a depth-5 query"
    );
}

#[tokio::test]
async fn sibling_records_share_one_load_per_level() {
    let (trips, records) =
        measure_cold("{ actors(first: 500) { nodes { slug trends { nodes { slug } } } } }").await;
    assert!(records > 40, "{records}");
    assert_eq!(
        trips,
        PLAN_ATTEMPT + 3 + 2,
        "round trips for 33 actors and their trends"
    );
}

#[tokio::test]
async fn hundreds_of_siblings_of_mixed_types_still_batch_per_level() {
    let query = "{ records(kinds: [TREND, ACTOR, TOPIC], first: 500) { nodes { slug
        ... on Actor { trends { nodes { slug topics(first: 500) { nodes { slug } } } } }
        ... on Topic { trends { nodes { slug actors { nodes { slug } } } } }
        ... on Trend { projectedBy { nodes { slug topics(first: 500) { nodes { slug } } } } }
    } } }";
    let (trips, records) = measure_cold(query).await;
    assert!(records > 600, "{records}");
    // The top list reads the stored lengths of its three kinds, their chunks and their
    // records, one round trip each; then per level at most one edge scan per direction
    // (both occur at each level here) and one multi-get: 3 + 2 × (2 + 1) = 9. Two of those reads were made before and come
    // from the cache: the records of level 1 (trends, and the actors who act in or
    // project them, all read by the top list) and the trends' incoming edges (read at
    // level 1 for `projectedBy`, again at level 2 for `actors`).
    assert_eq!(
        trips,
        PLAN_ATTEMPT + 3 + 2 * (2 + 1) - 2,
        "round trips for a depth-3 query over {records} records"
    );
}

/// Once read, records and edge lists come from the shared cache: the same nested query
/// again makes no round trip below its top list.
#[tokio::test]
async fn a_warm_query_reads_only_its_top_list() {
    let app = spawn_unlimited_app().await;
    let query = trends_query(5);
    let (cold, records) = measure(&app, &query).await;
    let (warm, same_records) = measure(&app, &query).await;
    assert_eq!(same_records, records);
    assert_eq!(
        (cold, warm),
        (PLAN_ATTEMPT + 9, 2),
        "the top list is its stored length, its chunk and a multi-get; warm, its chunk and a cache hit"
    );
}

/// A top-level page reads the records on the page, not the whole list: after a cold
/// `actors(first: 2)` in seed order and by name, with their totals, an actor on neither
/// page has not been read (it is not in the cache of decoded records).
#[tokio::test]
async fn a_top_level_page_reads_only_its_own_records() {
    let app = spawn_unlimited_app().await;
    let data = app
        .data(
            "{ stats { records { kind count } }
               actors(first: 2) { totalCount nodes { slug } }
               byName: actors(first: 2, orderBy: { field: NAME }) { totalCount nodes { slug } } }",
        )
        .await;
    let actors = data["stats"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "actor")
        .unwrap()["count"]
        .as_u64()
        .unwrap();
    assert!(actors > 10, "{data}");
    assert_eq!(data["actors"]["totalCount"], actors);
    assert_eq!(data["byName"]["totalCount"], actors);
    let on_pages = [&data["actors"]["nodes"], &data["byName"]["nodes"]]
        .into_iter()
        .flat_map(|nodes| nodes.as_array().unwrap())
        .map(|n| n["slug"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(on_pages.len(), 4, "{data}");
    assert!(!on_pages.contains(&"tencent"), "{data}");
    assert!(app.graph.cached_record("tencent").is_none());
}
