//! Keyset cursors: paging by cursor visits every item once, in order, both ways, on every
//! kind of list; a cursor of another list, ordering, parent or generation of the data, or
//! one tampered with, is refused with `INVALID_CURSOR` and the reason.

use std::io::BufReader;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::{serve_with, spawn_app, terminate, wait_with_timeout, KillOnDrop, TestApp};
use crate::overload::{connect, receive, send_body};
use crate::reload::{data_hash, reload, write_seed};

/// Lists of every kind the server reads: a stored list (in each order), a stored list
/// filtered by a record condition (scanned), a text filter (sorted in memory, as a nested
/// connection that reads every related record is: the seed has none of more than one
/// item), nested connections cut from the edge list. Each is
/// `(path to the connection, the field with its arguments, written around the paging)`.
const LISTS: &[(&[&str], &str)] = &[
    (&["records"], "records(PAGING)"),
    (&["records"], "records(orderBy: {field: NAME}, PAGING)"),
    (
        &["records"],
        "records(orderBy: {field: DATE, direction: DESC}, PAGING)",
    ),
    (
        &["records"],
        "records(kinds: [TOPIC, ACTOR], orderBy: {field: NAME}, PAGING)",
    ),
    (
        &["actors"],
        "actors(kind: INTERNATIONAL_ORGANIZATION, PAGING)",
    ),
    (
        &["records"],
        r#"records(filter: {from: "2000-01-01"}, orderBy: {field: DATE, direction: DESC}, PAGING)"#,
    ),
    (
        &["records"],
        r#"records(filter: {text: "internet"}, PAGING)"#,
    ),
    (
        &["event", "participants"],
        r#"event(slug: "wic-2017") { participants(PAGING)"#,
    ),
    (
        &["event", "relations"],
        r#"event(slug: "wic-2017") { relations(direction: INCOMING, types: [ORGANIZES, PARTICIPATES_IN], PAGING)"#,
    ),
];

/// The query of one page of `field` with `paging`, selecting the page info and the edges.
fn page_query(field: &str, paging: &str) -> String {
    let closing = "}".repeat(field.matches('{').count() - field.matches('}').count());
    let field = field.replace("PAGING", paging);
    let variables = if paging.contains("$cursor") {
        "($cursor: String)"
    } else {
        ""
    };
    format!(
        "query{variables} {{ {field} {{ pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ ... on Node {{ slug }} }} }} }} {closing} }}"
    )
}

/// The connection at `path` in `data`.
fn at<'a>(data: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(data, |v, key| &v[key])
}

fn slugs(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["slug"].as_str().unwrap().to_string())
        .collect()
}

async fn page(app: &TestApp, field: &str, paging: &str, cursor: &Value) -> Value {
    app.data_with(&page_query(field, paging), json!({ "cursor": cursor }))
        .await
}

#[tokio::test]
async fn paging_by_cursor_visits_every_item_once_in_order_both_ways() {
    let app = spawn_app().await;
    for (path, field) in LISTS {
        let whole = page(&app, field, "first: 500", &Value::Null).await;
        let all = slugs(at(&whole, path));
        assert!(all.len() >= 4, "{field}: too short a list to page: {all:?}");

        // Forward: `first` and `after` the last page's `endCursor`.
        let mut seen = Vec::new();
        let mut cursor = Value::Null;
        for pages in 1.. {
            assert!(pages <= all.len(), "{field}: paging forward never ends");
            let paging = if cursor.is_null() {
                "first: 3"
            } else {
                "first: 3, after: $cursor"
            };
            let data = page(&app, field, paging, &cursor).await;
            let conn = at(&data, path);
            let edges = conn["edges"].as_array().unwrap();
            assert_eq!(
                conn["pageInfo"]["startCursor"], edges[0]["cursor"],
                "{field}"
            );
            assert_eq!(
                conn["pageInfo"]["endCursor"],
                edges[edges.len() - 1]["cursor"]
            );
            assert_eq!(conn["pageInfo"]["hasPreviousPage"], pages > 1, "{field}");
            seen.extend(slugs(conn));
            cursor = conn["pageInfo"]["endCursor"].clone();
            if conn["pageInfo"]["hasNextPage"] == false {
                break;
            }
        }
        assert_eq!(seen, all, "{field}: forward");

        // Backward: `last` and `before` the last page's `startCursor`.
        let mut seen: Vec<String> = Vec::new();
        let mut cursor = Value::Null;
        for pages in 1.. {
            assert!(pages <= all.len(), "{field}: paging backward never ends");
            let paging = if cursor.is_null() {
                "last: 3"
            } else {
                "last: 3, before: $cursor"
            };
            let data = page(&app, field, paging, &cursor).await;
            let conn = at(&data, path);
            assert_eq!(conn["pageInfo"]["hasNextPage"], pages > 1, "{field}");
            let mut page = slugs(conn);
            page.append(&mut seen);
            seen = page;
            cursor = conn["pageInfo"]["startCursor"].clone();
            if conn["pageInfo"]["hasPreviousPage"] == false {
                break;
            }
        }
        assert_eq!(seen, all, "{field}: backward");
    }
    // One list spelled out: the trends, two by two.
    let first = app
        .data("{ trends(first: 2) { pageInfo { endCursor } nodes { slug } } }")
        .await;
    let second = app
        .data_with(
            "query($c: String) { trends(first: 2, after: $c) { nodes { slug } } }",
            json!({ "c": first["trends"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        second["trends"]["nodes"],
        json!([{ "slug": "trend-iii" }, { "slug": "trend-iv" }])
    );
}

/// The `endCursor` of the first page of `field` (one item past the start, so that a
/// position other than 0 is named).
async fn cursor_of(app: &TestApp, path: &[&str], field: &str) -> Value {
    let data = page(app, field, "first: 2", &Value::Null).await;
    at(&data, path)["pageInfo"]["endCursor"].clone()
}

/// Asks for the page of `field` after `cursor`: the status and the first error, which must
/// be the only one.
async fn refused(app: &TestApp, field: &str, cursor: &Value) -> Value {
    let (status, body) = app
        .post_status(
            &page_query(field, "first: 2, after: $cursor"),
            json!({ "cursor": cursor }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {body}"));
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["extensions"]["code"], "INVALID_CURSOR", "{body}");
    errors[0].clone()
}

fn message(error: &Value) -> &str {
    error["message"].as_str().unwrap()
}

#[tokio::test]
async fn a_cursor_of_another_list_ordering_or_parent_is_refused_with_the_reason() {
    let app = spawn_app().await;
    let by_name = cursor_of(
        &app,
        &["records"],
        "records(orderBy: {field: NAME}, PAGING)",
    )
    .await;
    // The same records in another order: refused, not read as a position in this one.
    let error = refused(&app, "records(PAGING)", &by_name).await;
    assert_eq!(
        message(&error),
        "`after` is a cursor of another list or ordering: pass a cursor of this connection, with the same arguments"
    );
    assert_eq!(error["path"], json!(["records"]));
    let error = refused(
        &app,
        "records(orderBy: {field: NAME, direction: DESC}, PAGING)",
        &by_name,
    )
    .await;
    assert!(
        message(&error).contains("another list or ordering"),
        "{error}"
    );
    // The same ordering spelled with its defaults is the same list.
    page(
        &app,
        "records(orderBy: {field: NAME, direction: ASC}, PAGING)",
        "first: 1, after: $cursor",
        &by_name,
    )
    .await;

    // Another list.
    let actors = cursor_of(&app, &["actors"], "actors(PAGING)").await;
    let error = refused(&app, "trends(PAGING)", &actors).await;
    assert!(
        message(&error).contains("another list or ordering"),
        "{error}"
    );
    let error = refused(&app, "actors(kind: COMPANY, PAGING)", &actors).await;
    assert!(
        message(&error).contains("another list or ordering"),
        "{error}"
    );

    // The same field of another parent.
    let participants = cursor_of(
        &app,
        &["event", "participants"],
        r#"event(slug: "wic-2017") { participants(PAGING)"#,
    )
    .await;
    let error = refused(
        &app,
        r#"event(slug: "wic-founding-2022") { participants(PAGING)"#,
        &participants,
    )
    .await;
    assert!(
        message(&error).contains("another list or ordering"),
        "{error}"
    );
    assert_eq!(error["path"], json!(["event", "participants"]));
    let error = refused(
        &app,
        r#"event(slug: "wic-2017") { organizers(PAGING)"#,
        &participants,
    )
    .await;
    assert!(
        message(&error).contains("another list or ordering"),
        "{error}"
    );

    // A connection that reads every related record (projectors are of several types).
    let projected = r#"trend(slug: "trend-i") { projectedBy(PAGING)"#;
    let only = cursor_of(&app, &["trend", "projectedBy"], projected).await;
    let data = page(&app, projected, "first: 2, after: $cursor", &only).await;
    assert_eq!(data["trend"]["projectedBy"]["edges"], json!([]));
    assert_eq!(
        data["trend"]["projectedBy"]["pageInfo"]["hasPreviousPage"],
        true
    );
    let error = refused(
        &app,
        r#"trend(slug: "trend-ii") { projectedBy(PAGING)"#,
        &only,
    )
    .await;
    assert!(
        message(&error).contains("another list or ordering"),
        "{error}"
    );
}

/// `cursor` decoded, changed by `change`, encoded again.
fn tampered(cursor: &Value, change: impl FnOnce(&mut Vec<u8>)) -> Value {
    let mut bytes = URL_SAFE_NO_PAD.decode(cursor.as_str().unwrap()).unwrap();
    change(&mut bytes);
    json!(URL_SAFE_NO_PAD.encode(bytes))
}

#[tokio::test]
async fn a_tampered_or_malformed_cursor_is_refused_with_the_reason() {
    let app = spawn_app().await;
    let trends = cursor_of(&app, &["trends"], "trends(PAGING)").await;
    let bytes = URL_SAFE_NO_PAD.decode(trends.as_str().unwrap()).unwrap();
    // The documented layout: version 1, list, data, position 1, slug.
    assert_eq!(bytes[0], 1);
    assert_eq!(bytes[17..21], [0, 0, 0, 1]);
    assert_eq!(&bytes[21..], b"trend-ii");

    // Another item at the cursor's position, or a position past the end.
    let other_slug = tampered(&trends, |b| {
        b.truncate(21);
        b.extend_from_slice(b"trend-iv");
    });
    let error = refused(&app, "trends(PAGING)", &other_slug).await;
    assert_eq!(
        message(&error),
        "`after` names `trend-iv` at position 1, which this list does not hold there"
    );
    let past_end = tampered(&trends, |b| b[17..21].copy_from_slice(&[0, 0, 0, 40]));
    let error = refused(&app, "trends(PAGING)", &past_end).await;
    assert!(message(&error).contains("at position 40"), "{error}");

    // Another generation of the data, and another format.
    let other_data = tampered(&trends, |b| b[9] ^= 1);
    let error = refused(&app, "trends(PAGING)", &other_data).await;
    assert!(
        message(&error).contains("another version of the data"),
        "{error}"
    );
    let other_version = tampered(&trends, |b| b[0] = 2);
    let error = refused(&app, "trends(PAGING)", &other_version).await;
    assert!(message(&error).contains("format version 2"), "{error}");

    // Malformed: an offset cursor of the earlier format, padding, a slug that is none.
    for bad in [
        json!("MA"),
        json!(format!("{}==", trends.as_str().unwrap())),
        json!(""),
        tampered(&trends, |b| b.push(b'!')),
    ] {
        let error = refused(&app, "trends(PAGING)", &bad).await;
        assert_eq!(
            message(&error),
            "`after` is not a cursor of this connection: pass a `cursor` or `pageInfo` cursor returned by this API",
            "{bad}"
        );
    }
    // `before` is named as such.
    let (_, body) = app
        .post_status(r#"{ trends(before: "MA") { totalCount } }"#, json!({}))
        .await;
    assert!(
        message(&body["errors"][0]).starts_with("`before` is not a cursor"),
        "{body}"
    );
}

/// POSTs `query` with `variables` to the server at `url`: the answer's JSON.
fn post(url: &str, query: &str, variables: Value) -> Value {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let mut reader = BufReader::new(connect(url).unwrap());
    send_body(reader.get_mut(), &body).unwrap();
    serde_json::from_str(&receive(&mut reader).unwrap().body).unwrap()
}

#[test]
fn a_cursor_from_before_a_reload_with_other_data_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (db, files) = (dir.path().join("wic-gql.db"), dir.path().join("seed"));
    std::fs::create_dir(&files).unwrap();
    write_seed(&files, false);
    let (child, url) = serve_with(&db, &["--reload-from", files.to_str().unwrap()]);
    let mut child = KillOnDrop(child);
    let query = "query($c: String) { trends(first: 2, after: $c) { pageInfo { endCursor } nodes { slug } } }";
    let first = post(&url, query, Value::Null);
    let cursor = first["data"]["trends"]["pageInfo"]["endCursor"].clone();
    let next = post(&url, query, json!({ "c": cursor }));
    assert_eq!(
        next["data"]["trends"]["nodes"],
        json!([{ "slug": "trend-iii" }, { "slug": "trend-iv" }])
    );

    // Other data: the trends are where they were, but the cursor is of another generation.
    let original = data_hash(&url);
    write_seed(&files, true);
    reload(&db);
    let started = std::time::Instant::now();
    while data_hash(&url) == original {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the reload never landed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let refused = post(&url, query, json!({ "c": cursor }));
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
        "{refused}"
    );
    assert_eq!(
        refused["errors"][0]["message"],
        "`after` is a cursor from another version of the data (it changed since the cursor was issued): fetch the first page again"
    );
    // The first page again gives a cursor that works.
    let again = post(&url, query, Value::Null);
    let fresh = again["data"]["trends"]["pageInfo"]["endCursor"].clone();
    assert_ne!(fresh, cursor);
    let next = post(&url, query, json!({ "c": fresh }));
    assert_eq!(
        next["data"]["trends"]["nodes"],
        json!([{ "slug": "trend-iii" }, { "slug": "trend-iv" }])
    );

    terminate(&child.0);
    assert!(wait_with_timeout(&mut child.0, Duration::from_secs(30)).success());
}
