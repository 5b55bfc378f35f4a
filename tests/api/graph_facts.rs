//! Exact facts of the source document, read back over HTTP.

use serde_json::json;

use crate::helpers::{pluck, spawn_app};

#[tokio::test]
async fn the_2017_conference_has_its_name_dates_theme_and_place_down_to_the_country() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ event(slug: "wic-2017") {
                name aliases kind startDate endDate year theme
                place { name kind parent { name kind parent { name kind parent { name } } } }
            } }"#,
        )
        .await;
    assert_eq!(
        data["event"],
        json!({
            "name": "Fourth World Internet Conference",
            "aliases": ["Wuzhen Summit", "the Conference"],
            "kind": "CONFERENCE",
            "startDate": "2017-12-03",
            "endDate": "2017-12-05",
            "year": 2017,
            "theme": "Developing Digital Economy for Openness and Shared Benefits—Building a Community of Common Future in Cyberspace",
            "place": {
                "name": "Wuzhen", "kind": "LOCALITY",
                "parent": { "name": "Zhejiang Province", "kind": "PROVINCE",
                    "parent": { "name": "China", "kind": "COUNTRY", "parent": null } }
            }
        })
    );
}

#[tokio::test]
async fn the_participant_and_country_figures_keep_their_qualifiers() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ event(slug: "wic-2017") { statistics { nodes { slug text value unit qualifier } } } }"#,
        )
        .await;
    assert_eq!(
        data["event"]["statistics"]["nodes"],
        json!([
            { "slug": "stat-participants-2017", "text": "more than 1500", "value": 1500.0, "unit": "participants", "qualifier": "MORE_THAN" },
            { "slug": "stat-countries-and-regions-2017", "text": "over 80 countries and regions", "value": 80.0, "unit": "countries and regions", "qualifier": "OVER" },
        ])
    );
}

#[tokio::test]
async fn vague_figures_stay_vague() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ statistic(slug: "stat-population-with-internet-access") { text value unit qualifier citations { section paragraph quote } } }"#)
        .await;
    assert_eq!(
        data["statistic"],
        json!({
            "text": "a half of the global population",
            "value": null,
            "unit": null,
            "qualifier": "HALF",
            "citations": [{ "section": "II", "paragraph": 2, "quote": "Today, a half of the global population enjoys access to the Internet" }]
        })
    );
    let data = app
        .data(r#"{ actor(slug: "many-countries") { name kind } }"#)
        .await;
    assert_eq!(
        data["actor"],
        json!({ "name": "many countries", "kind": "COUNTRY_GROUPING" })
    );
}

#[tokio::test]
async fn there_are_five_trends_with_their_numerals_and_statements() {
    let app = spawn_app().await;
    let data = app
        .data("{ trends { totalCount nodes { slug numeral ordinal statement paragraphs } } }")
        .await;
    let trends = &data["trends"];
    assert_eq!(trends["totalCount"], 5);
    assert_eq!(
        pluck(&trends["nodes"], "numeral"),
        ["I", "II", "III", "IV", "V"]
    );
    assert_eq!(
        pluck(&trends["nodes"], "slug"),
        ["trend-i", "trend-ii", "trend-iii", "trend-iv", "trend-v"]
    );
    assert_eq!(
        trends["nodes"][1]["statement"],
        "The world Internet penetration rate exceeds 50%, bridging the new digital divide will be a new avenue for action."
    );
    assert_eq!(
        trends["nodes"][4]["statement"],
        "International governance of the cyberspace has made much progress. Even more creative approaches are needed to promote the orderly development of cyberspace."
    );
    let paragraphs = trends["nodes"][4]["paragraphs"].as_array().unwrap();
    assert_eq!(
        paragraphs.len(),
        3,
        "trend V has three paragraphs after its heading"
    );
    assert!(paragraphs[2]
        .as_str()
        .unwrap()
        .starts_with("The revolution in ICT and innovation in employment of the Internet"));
    assert!(paragraphs[0]
        .as_str()
        .unwrap()
        .starts_with("The international community has proactively contributed"));
}

#[tokio::test]
async fn the_wic_organization_has_its_founding_day_headquarters_and_six_initiators() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ actor(slug: "wic") {
                name kind founded
                headquarters { name parent { name } }
                founders { totalCount edges { role node { slug name aliases } } }
                establishedBy { nodes { slug startDate } }
            } }"#,
        )
        .await;
    let wic = &data["actor"];
    assert_eq!(wic["name"], "World Internet Conference");
    assert_eq!(wic["kind"], "INTERNATIONAL_ORGANIZATION");
    assert_eq!(wic["founded"], "2022-07-12");
    assert_eq!(
        wic["headquarters"],
        json!({ "name": "Beijing", "parent": { "name": "China" } })
    );
    assert_eq!(wic["founders"]["totalCount"], 6);
    let founders: Vec<_> = wic["founders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .collect();
    let names: Vec<_> = founders
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Global System for Mobile Communication Association",
            "National Computer Network Emergency Response Technical Team/Coordination Center of China",
            "China Internet Network Information Center",
            "Alibaba Group",
            "Tencent",
            "Zhijiang Lab",
        ]
    );
    assert_eq!(founders[0]["aliases"], json!(["GSMA"]));
    for edge in wic["founders"]["edges"].as_array().unwrap() {
        assert_eq!(edge["role"], "jointly initiated");
    }
    assert_eq!(
        wic["establishedBy"]["nodes"],
        json!([{ "slug": "wic-founding-2022", "startDate": "2022-07-12" }])
    );
}

#[tokio::test]
async fn a_founder_lists_the_organizations_it_founded() {
    let app = spawn_app().await;
    let data = app.data(r#"{ actor(slug: "tencent") { kind organizationsFounded { edges { role node { slug founded } } } } }"#).await;
    assert_eq!(
        data["actor"],
        json!({ "kind": "COMPANY", "organizationsFounded": { "edges": [{ "role": "jointly initiated", "node": { "slug": "wic", "founded": "2022-07-12" } }] } })
    );
}

#[tokio::test]
async fn the_oecd_appears_in_trend_i_with_the_role_the_text_gives_it() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ actor(slug: "oecd") { name aliases trends { edges { role citations { section paragraph quote } node { numeral } } } } }"#)
        .await;
    assert_eq!(
        data["actor"],
        json!({
            "name": "Organization for Economic Co-operation and Development",
            "aliases": ["OECD"],
            "trends": { "edges": [{
                "role": "paid close attention to the advancement of digital economy and developed their action plans",
                "citations": [
                    { "section": "I", "paragraph": 2, "quote": "Organization for Economic Co-operation and Development (OECD)" },
                    { "section": "I", "paragraph": 2, "quote": "have all paid close attention to the advancement of digital economy and developed their action plans" },
                ],
                "node": { "numeral": "I" }
            }] }
        })
    );
}

#[tokio::test]
async fn the_penetration_rate_exceeds_fifty_percent_and_describes_trend_ii() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ statistic(slug: "stat-internet-penetration-rate") { text value unit qualifier subjects { nodes { slug } } } }"#)
        .await;
    let stat = &data["statistic"];
    assert_eq!(stat["text"], "exceeds 50%");
    assert_eq!(stat["value"], 50.0);
    assert_eq!(stat["unit"], "percent");
    assert_eq!(stat["qualifier"], "EXCEEDS");
    assert!(
        pluck(&stat["subjects"]["nodes"], "slug").contains(&"trend-ii"),
        "{stat}"
    );
}

#[tokio::test]
async fn the_committee_and_its_report_not_the_conference_build_on_the_earlier_outcome_documents() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ source { buildsOn { nodes { slug name year kind } } }
                 committee: actor(slug: "organizing-committee") { buildsOn { nodes { slug } } }
                 initiative: document(slug: "wuzhen-initiative-2015") { builtOnBy { nodes { __typename slug } } }
                 event(slug: "wic-2017") { buildsOn { totalCount } } }"#,
        )
        .await;
    assert_eq!(data["event"]["buildsOn"]["totalCount"], 0);
    assert_eq!(
        pluck(&data["committee"]["buildsOn"]["nodes"], "slug"),
        ["wuzhen-initiative-2015", "wuzhen-report-2016"]
    );
    assert_eq!(
        data["initiative"]["builtOnBy"]["nodes"],
        json!([
            { "__typename": "Document", "slug": "wic-2017-trends-report" },
            { "__typename": "Actor", "slug": "organizing-committee" },
        ])
    );
    assert_eq!(
        data["source"]["buildsOn"]["nodes"],
        json!([
            { "slug": "wuzhen-initiative-2015", "name": "Wuzhen Initiative 2015", "year": 2015, "kind": "INITIATIVE" },
            { "slug": "wuzhen-report-2016", "name": "Wuzhen Report on World Internet Development 2016", "year": 2016, "kind": "REPORT" },
        ])
    );
}

#[tokio::test]
async fn the_source_document_is_a_record_with_its_text() {
    let app = spawn_app().await;
    let data = app
        .data("{ source { slug isSource nameIsDescriptive text sections { id paragraphs } } }")
        .await;
    let source = &data["source"];
    assert_eq!(source["slug"], "wic-2017-trends-report");
    assert_eq!(source["isSource"], true);
    assert_eq!(source["nameIsDescriptive"], true);
    let text = std::fs::read_to_string(crate::helpers::seed_dir().join("source.txt")).unwrap();
    assert_eq!(source["text"], text.as_str());
    assert_eq!(
        pluck(&source["sections"], "id"),
        [
            "intro",
            "I",
            "II",
            "III",
            "IV",
            "V",
            "closing",
            "organization"
        ]
    );
}

#[tokio::test]
async fn trend_v_names_the_technologies_of_the_last_section() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ trend(slug: "trend-v") { topics(first: 500) { nodes { slug kind } } } }"#)
        .await;
    let of_kind = |kind: &str| -> Vec<&str> {
        data["trend"]["topics"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == kind)
            .map(|t| t["slug"].as_str().unwrap())
            .collect()
    };
    // "cutting-edge technologies including virtual/augmented reality, quantum computing,
    // blockchain, Advanced Manufacturing Technology": technologies in the text's words.
    let technologies = of_kind("TECHNOLOGY");
    for slug in [
        "cutting-edge-technologies",
        "virtual-augmented-reality",
        "quantum-computing",
        "blockchain",
        "advanced-manufacturing-technology",
    ] {
        assert!(
            technologies.contains(&slug),
            "{slug} missing from {technologies:?}"
        );
    }
    // "Underlying the new generation of the ICT infrastructure are artificial intelligence,
    // big data, cloud computing and the Internet of things": named, not called technologies.
    let subjects = of_kind("SUBJECT");
    for slug in [
        "artificial-intelligence",
        "big-data",
        "cloud-computing",
        "internet-of-things",
    ] {
        assert!(subjects.contains(&slug), "{slug} missing from {subjects:?}");
    }
}
