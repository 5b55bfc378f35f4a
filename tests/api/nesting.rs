//! Nested queries across the graph in both directions, global ids and lookups.

use serde_json::{json, Value};

use crate::helpers::{pluck, spawn_app, spawn_unlimited_app};

#[tokio::test]
async fn event_to_organizer_to_trends_to_actors_to_trends_back_to_the_organizer() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ event(slug: "wic-2017") { organizers { nodes { slug projects { nodes { numeral
                actors(first: 1) { nodes { slug trends { nodes { numeral projectedBy { nodes { slug } } } } } }
            } } } } } }"#,
        )
        .await;
    let organizer = &data["event"]["organizers"]["nodes"][0];
    assert_eq!(organizer["slug"], "organizing-committee");
    let trends = organizer["projects"]["nodes"].as_array().unwrap();
    assert_eq!(trends.len(), 5);
    let first_actor = &trends[0]["actors"]["nodes"][0];
    assert_eq!(first_actor["slug"], "un");
    assert_eq!(
        first_actor["trends"]["nodes"],
        json!([{ "numeral": "I", "projectedBy": { "nodes": [{ "slug": "organizing-committee" }] } }])
    );
    assert_eq!(trends[3]["numeral"], "IV");
    assert_eq!(trends[3]["actors"]["nodes"][0]["slug"], "governments");
}

#[tokio::test]
async fn an_actor_lists_every_trend_it_appears_in_with_its_role() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ actor(slug: "governments") { trends { edges { role node { numeral } } } } }"#)
        .await;
    let edges = data["actor"]["trends"]["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    for edge in edges {
        assert!(
            edge["role"].is_string(),
            "every actor edge has the role the text gives: {edge}"
        );
    }
    let numerals: Vec<_> = edges
        .iter()
        .map(|e| e["node"]["numeral"].as_str().unwrap())
        .collect();
    assert!(numerals.contains(&"IV"), "{numerals:?}");
}

#[tokio::test]
async fn event_to_place_to_events_held_there() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ event(slug: "wic-2017") { place { slug events { nodes { slug } } } } }"#)
        .await;
    assert_eq!(
        data["event"]["place"],
        json!({ "slug": "wuzhen", "events": { "nodes": [{ "slug": "wic-2017" }] } })
    );
}

#[tokio::test]
async fn trend_to_technologies_to_trends() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ topic(slug: "quantum-computing") { name kind trends { nodes { numeral topics(first: 500) { totalCount } } } } }"#)
        .await;
    let topic = &data["topic"];
    assert_eq!(topic["name"], "quantum computing");
    assert_eq!(topic["kind"], "TECHNOLOGY");
    let numerals = pluck(&topic["trends"]["nodes"], "numeral");
    assert!(numerals.contains(&"V"), "{numerals:?}");
    for trend in topic["trends"]["nodes"].as_array().unwrap() {
        assert!(trend["topics"]["totalCount"].as_u64().unwrap() > 1);
    }
}

#[tokio::test]
async fn every_kind_of_record_returns_its_citations() {
    let app = spawn_app().await;
    let data = app.data("{ records(first: 500) { totalCount nodes { __typename slug citations { section paragraph quote } } } }").await;
    let records = data["records"]["nodes"].as_array().unwrap();
    assert_eq!(
        data["records"]["totalCount"].as_u64().unwrap() as usize,
        records.len()
    );
    for record in records {
        assert!(
            !record["citations"].as_array().unwrap().is_empty(),
            "no citation: {record}"
        );
    }
    let types: std::collections::BTreeSet<_> = records
        .iter()
        .map(|r| r["__typename"].as_str().unwrap())
        .collect();
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        [
            "Actor",
            "Document",
            "Event",
            "Place",
            "Statistic",
            "Topic",
            "Trend"
        ]
    );
}

#[tokio::test]
async fn a_depth_seven_query_over_the_whole_graph_answers_without_error() {
    let app = spawn_unlimited_app().await;
    let data = app
        .data(
            r#"{ events { nodes { slug
              organizers { nodes {
                trends: projects { nodes { numeral
                  actors { nodes { slug
                    trends { nodes { numeral
                      topics(first: 500) { nodes { slug
                        trends { nodes { numeral } }
                      } }
                    } }
                  } }
                } }
              } }
            } } }"#,
        )
        .await;
    let events = data["events"]["nodes"].as_array().unwrap();
    assert_eq!(
        pluck(&data["events"]["nodes"], "slug"),
        ["wic-2017", "wic-founding-2022"]
    );
    let innermost = &events[0]["organizers"]["nodes"][0]["trends"]["nodes"][0]["actors"]["nodes"]
        [0]["trends"]["nodes"][0]["topics"]["nodes"][0]["trends"]["nodes"];
    assert!(!innermost.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn node_and_nodes_resolve_opaque_global_ids() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ trend(slug: "trend-iii") { id } actor(slug: "oecd") { id } }"#)
        .await;
    let (trend_id, actor_id) = (data["trend"]["id"].clone(), data["actor"]["id"].clone());
    let node = app
        .data_with(
            "query($id: ID!) { node(id: $id) { __typename slug ... on Trend { numeral } } }",
            json!({ "id": trend_id }),
        )
        .await;
    assert_eq!(
        node["node"],
        json!({ "__typename": "Trend", "slug": "trend-iii", "numeral": "III" })
    );
    let nodes = app
        .data_with(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename slug } }",
            json!({ "ids": [actor_id, trend_id] }),
        )
        .await;
    assert_eq!(
        nodes["nodes"],
        json!([{ "__typename": "Actor", "slug": "oecd" }, { "__typename": "Trend", "slug": "trend-iii" }])
    );
}

#[tokio::test]
async fn a_malformed_global_id_is_a_graphql_error_with_a_code() {
    let app = spawn_app().await;
    let errors = app.errors(r#"{ node(id: "not-an-id") { slug } }"#).await;
    assert_eq!(errors[0]["extensions"]["code"], "INVALID_ID");
    assert_eq!(errors[0]["path"], json!(["node"]));
    assert!(
        errors[0]["message"].as_str().unwrap().contains("not-an-id"),
        "{errors:?}"
    );
    // A nullable field with an error is null, as the specification says; siblings answer.
    let response = app
        .post(
            r#"{ node(id: "not-an-id") { slug } trends { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        response["data"],
        json!({ "node": null, "trends": { "totalCount": 5 } })
    );
}

#[tokio::test]
async fn lookups_by_slug_return_null_for_unknown_or_other_kinds() {
    let app = spawn_app().await;
    let data = app.data(r#"{ event(slug: "no-such-event") { slug } wrongKind: event(slug: "oecd") { slug } record(slug: "oecd") { __typename } }"#).await;
    assert_eq!(
        data,
        json!({ "event": null, "wrongKind": null, "record": { "__typename": "Actor" } })
    );
}

/// Follows `relations` outgoing then incoming: every edge is visible from both ends.
#[tokio::test]
async fn every_relation_is_visible_from_both_ends() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ actor(slug: "alibaba-group") { out: relations { edges { relation node { slug } } } } actor2: actor(slug: "wic") { in: relations(direction: INCOMING, types: [INITIATED]) { totalCount nodes { slug } } } }"#)
        .await;
    let out: Vec<Value> = data["actor"]["out"]["edges"].as_array().unwrap().clone();
    assert!(
        out.contains(&json!({ "relation": "INITIATED", "node": { "slug": "wic" } })),
        "{out:?}"
    );
    assert_eq!(data["actor2"]["in"]["totalCount"], 6);
    assert!(pluck(&data["actor2"]["in"]["nodes"], "slug").contains(&"alibaba-group"));
}
