//! Relay connections: paging, filters, ordering and their errors.

use serde_json::json;

use crate::helpers::{pluck, spawn_app};

#[tokio::test]
async fn pages_forward_with_first_and_after_and_back_with_last_and_before() {
    let app = spawn_app().await;
    let first = app
        .data("{ trends(first: 2) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { numeral } } }")
        .await;
    let page = &first["trends"];
    assert_eq!(page["totalCount"], 5);
    assert_eq!(pluck(&page["nodes"], "numeral"), ["I", "II"]);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
    let after = page["pageInfo"]["endCursor"].clone();

    let second = app
        .data_with(
            "query($after: String) { trends(first: 2, after: $after) { pageInfo { hasNextPage hasPreviousPage endCursor } nodes { numeral } } }",
            json!({ "after": after }),
        )
        .await;
    assert_eq!(pluck(&second["trends"]["nodes"], "numeral"), ["III", "IV"]);
    assert_eq!(second["trends"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(second["trends"]["pageInfo"]["hasPreviousPage"], true);

    let last = app.data("{ trends(last: 2) { pageInfo { hasNextPage hasPreviousPage startCursor } nodes { numeral } } }").await;
    assert_eq!(pluck(&last["trends"]["nodes"], "numeral"), ["IV", "V"]);
    assert_eq!(last["trends"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(last["trends"]["pageInfo"]["hasPreviousPage"], true);
    let before = last["trends"]["pageInfo"]["startCursor"].clone();
    let earlier = app
        .data_with(
            "query($before: String) { trends(last: 1, before: $before) { nodes { numeral } } }",
            json!({ "before": before }),
        )
        .await;
    assert_eq!(pluck(&earlier["trends"]["nodes"], "numeral"), ["III"]);
}

#[tokio::test]
async fn nested_connections_page_too() {
    let app = spawn_app().await;
    let data = app.data(r#"{ actor(slug: "wic") { founders(first: 2) { totalCount pageInfo { hasNextPage } nodes { slug } } } }"#).await;
    assert_eq!(
        data["actor"]["founders"],
        json!({ "totalCount": 6, "pageInfo": { "hasNextPage": true }, "nodes": [{ "slug": "gsma" }, { "slug": "cncert" }] })
    );
}

#[tokio::test]
async fn filters_by_kind_year_date_range_and_text() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                companies: actors(kind: COMPANY) { nodes { slug } }
                in2022: events(filter: { year: 2022 }) { nodes { slug } }
                range: events(filter: { from: "2017-01-01", to: "2017-12-31" }) { nodes { slug } }
                docs2016: documents(filter: { year: 2016 }) { nodes { slug } }
                text: records(filter: { text: "Wuzhen" }, kinds: [DOCUMENT]) { nodes { slug } }
                technologies: topics(kind: TECHNOLOGY, filter: { text: "quantum" }) { nodes { slug } }
            }"#,
        )
        .await;
    assert_eq!(
        pluck(&data["companies"]["nodes"], "slug"),
        ["alibaba-group", "tencent"]
    );
    assert_eq!(
        pluck(&data["in2022"]["nodes"], "slug"),
        ["wic-founding-2022"]
    );
    assert_eq!(pluck(&data["range"]["nodes"], "slug"), ["wic-2017"]);
    assert_eq!(
        pluck(&data["docs2016"]["nodes"], "slug"),
        ["wuzhen-report-2016"]
    );
    assert_eq!(
        pluck(&data["text"]["nodes"], "slug"),
        [
            "wic-2017-trends-report",
            "wuzhen-initiative-2015",
            "wuzhen-report-2016"
        ]
    );
    // Blockchain's citation quotes "quantum computing, blockchain": quotes are searched too.
    assert_eq!(
        pluck(&data["technologies"]["nodes"], "slug"),
        ["quantum-computing", "blockchain"]
    );
}

#[tokio::test]
async fn orders_by_name_and_by_date() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                byName: places(orderBy: { field: NAME }) { nodes { name } }
                byDateDesc: events(orderBy: { field: DATE, direction: DESC }) { nodes { slug } }
            }"#,
        )
        .await;
    assert_eq!(
        pluck(&data["byName"]["nodes"], "name"),
        ["Beijing", "China", "Wuzhen", "Zhejiang Province"]
    );
    assert_eq!(
        pluck(&data["byDateDesc"]["nodes"], "slug"),
        ["wic-founding-2022", "wic-2017"]
    );
}

#[tokio::test]
async fn out_of_range_arguments_are_refused_with_a_code() {
    let app = spawn_app().await;
    let errors = app.errors("{ trends(first: 501) { totalCount } }").await;
    assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        errors[0]["message"],
        "`first` is 501, more than the 500 records a page may hold"
    );
    let errors = app
        .errors(r#"{ events(filter: { from: "2018-01-01", to: "2017-01-01" }) { totalCount } }"#)
        .await;
    assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        errors[0]["message"],
        "`from` 2018-01-01 is after `to` 2017-01-01"
    );
    let errors = app
        .errors(r#"{ events(filter: { from: "2017-13-01" }) { totalCount } }"#)
        .await;
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("2017-13-01"),
        "{errors:?}"
    );
}
