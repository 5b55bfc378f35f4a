//! The graph says exactly what the source says: who does what, in the text's words, and
//! the links that let a reader go from one wording of a concept to the others.

use serde_json::{json, Value};

use crate::helpers::{pluck, spawn_app};

fn slugs(connection: &Value) -> Vec<&str> {
    pluck(&connection["nodes"], "slug")
}

#[tokio::test]
async fn the_organizing_committee_and_its_report_project_the_trends_not_the_event() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                event(slug: "wic-2017") {
                    trends { totalCount }
                    organizers { nodes { slug projects { nodes { numeral } } } }
                }
                source { trends { nodes { numeral } } }
                trend(slug: "trend-iii") {
                    events { totalCount }
                    projectedBy { nodes { slug } }
                    projectedIn { nodes { slug } }
                }
            }"#,
        )
        .await;
    assert_eq!(data["event"]["trends"]["totalCount"], 0);
    let organizers = &data["event"]["organizers"]["nodes"];
    assert_eq!(pluck(organizers, "slug"), ["organizing-committee"]);
    assert_eq!(
        pluck(&organizers[0]["projects"]["nodes"], "numeral"),
        ["I", "II", "III", "IV", "V"]
    );
    assert_eq!(
        pluck(&data["source"]["trends"]["nodes"], "numeral"),
        ["I", "II", "III", "IV", "V"]
    );
    assert_eq!(
        data["trend"],
        json!({
            "events": { "totalCount": 0 },
            "projectedBy": { "nodes": [{ "slug": "organizing-committee" }] },
            "projectedIn": { "nodes": [{ "slug": "wic-2017-trends-report" }] },
        })
    );
}

#[tokio::test]
async fn the_four_technologies_are_going_to_shape_a_platform_they_underlie_only_the_ict_infrastructure(
) {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                ai: topic(slug: "artificial-intelligence") {
                    underlies { nodes { slug } }
                    willShapePlatformFor { edges { role node { slug } } }
                }
                quantum: topic(slug: "quantum-computing") {
                    underlying { totalCount }
                    platformShapedBy { totalCount }
                    exemplifies { nodes { slug } }
                }
                cutting: topic(slug: "cutting-edge-technologies") { platformShapedBy { nodes { slug } } }
            }"#,
        )
        .await;
    assert_eq!(slugs(&data["ai"]["underlies"]), ["ict-infrastructure"]);
    assert_eq!(
        data["ai"]["willShapePlatformFor"]["edges"],
        json!([{ "role": "are going to shape a platform for cutting-edge technologies", "node": { "slug": "cutting-edge-technologies" } }])
    );
    assert_eq!(
        data["quantum"],
        json!({
            "underlying": { "totalCount": 0 },
            "platformShapedBy": { "totalCount": 0 },
            "exemplifies": { "nodes": [{ "slug": "cutting-edge-technologies" }] },
        })
    );
    assert_eq!(
        slugs(&data["cutting"]["platformShapedBy"]),
        [
            "artificial-intelligence",
            "big-data",
            "cloud-computing",
            "internet-of-things"
        ]
    );
}

#[tokio::test]
async fn participants_are_people_and_the_countries_are_a_figure() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                event(slug: "wic-2017") { participants { nodes { slug } } }
                countries: actor(slug: "countries-and-regions") { slug }
                figure: statistic(slug: "stat-countries-and-regions-2017") { text subjects { nodes { slug } } }
            }"#,
        )
        .await;
    assert_eq!(
        slugs(&data["event"]["participants"]),
        [
            "government-representatives",
            "international-organizations-officials",
            "prominent-internet-entrepreneurs",
            "scholars-and-experts"
        ]
    );
    assert_eq!(data["countries"], Value::Null);
    assert_eq!(
        data["figure"],
        json!({ "text": "over 80 countries and regions", "subjects": { "nodes": [{ "slug": "wic-2017" }] } })
    );
}

#[tokio::test]
async fn the_2017_report_reports_on_2017_and_the_note_after_it_on_2022() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                source {
                    reportsOn { nodes { slug } }
                    appendices { nodes { slug name kind year nameIsDescriptive isSource reportsOn { nodes { slug } } } }
                }
                event(slug: "wic-founding-2022") { reportedIn { nodes { slug } } }
            }"#,
        )
        .await;
    assert_eq!(slugs(&data["source"]["reportsOn"]), ["wic-2017"]);
    assert_eq!(
        data["source"]["appendices"]["nodes"],
        json!([{
            "slug": "wic-organization-note",
            "name": "note on the establishment of the World Internet Conference as an international organization",
            "kind": "NOTE",
            "year": null,
            "nameIsDescriptive": true,
            "isSource": false,
            "reportsOn": { "nodes": [{ "slug": "wic-founding-2022" }] },
        }])
    );
    assert_eq!(
        slugs(&data["event"]["reportedIn"]),
        ["wic-organization-note"]
    );
}

#[tokio::test]
async fn every_role_is_a_verb_phrase_with_the_texts_modal() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ actors(first: 100) { nodes { slug
                trends { edges { role } }
                topics { edges { role } }
            } } }"#,
        )
        .await;
    let mut roles = Vec::new();
    for actor in data["actors"]["nodes"].as_array().unwrap() {
        for connection in ["trends", "topics"] {
            for edge in actor[connection]["edges"].as_array().unwrap() {
                roles.push((
                    actor["slug"].as_str().unwrap(),
                    edge["role"].as_str().unwrap(),
                ));
            }
        }
    }
    assert_eq!(roles.len(), 24);
    for (slug, role) in &roles {
        let first = role.split(' ').next().unwrap().to_lowercase();
        assert!(
            !["the", "a", "an", "with", "of", "in"].contains(&first.as_str()),
            "{slug}: {role}"
        );
    }
    let role_of = |slug: &str| -> Vec<&str> {
        roles
            .iter()
            .filter(|(s, _)| *s == slug)
            .map(|(_, r)| *r)
            .collect()
    };
    assert_eq!(
        role_of("global-community"),
        [
            "should enable the global community to bridge the digital divide and attain the UN 2030 SDGs",
            "should enable the global community to bridge the digital divide",
        ]
    );
    assert_eq!(
        role_of("academia"),
        ["will continue to contribute to the process of countering cyber threats in their respective capacity"]
    );
    assert!(role_of("young-netizens").is_empty());
    assert!(role_of("mobile-internet-users").is_empty());
    let data = app
        .data(r#"{ offenders: actor(slug: "offenders") { slug } parties: actor(slug: "all-interested-parties") { slug } }"#)
        .await;
    assert_eq!(data, json!({ "offenders": null, "parties": null }));
}

#[tokio::test]
async fn each_body_developed_its_own_action_plans_and_many_countries_their_strategies() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                oecd: actor(slug: "oecd") { documentsDeveloped { edges { role node { slug name aliases kind nameIsDescriptive } } } }
                countries: actor(slug: "many-countries") { documentsDeveloped { edges { role node { slug nameIsDescriptive } } } }
                plans: documents(kind: PLAN) { nodes { slug developedBy { nodes { slug } } } }
                law: document(slug: "law-and-regulations") { slug }
            }"#,
        )
        .await;
    assert_eq!(
        data["oecd"]["documentsDeveloped"]["edges"],
        json!([{ "role": "developed their action plans", "node": {
            "slug": "oecd-action-plans",
            "name": "action plans of the Organization for Economic Co-operation and Development",
            "aliases": ["action plans"],
            "kind": "PLAN",
            "nameIsDescriptive": true,
        } }])
    );
    assert_eq!(
        data["countries"]["documentsDeveloped"]["edges"],
        json!([{ "role": "have formulated their national strategies", "node": { "slug": "national-strategies", "nameIsDescriptive": false } }])
    );
    let plans = data["plans"]["nodes"].as_array().unwrap();
    assert_eq!(plans.len(), 7);
    for plan in plans {
        let developer = slugs(&plan["developedBy"])[0];
        assert_eq!(plan["slug"], format!("{developer}-action-plans"));
    }
    assert_eq!(data["law"], Value::Null);
}

/// Documents, events, places and topics say where their kind comes from, as actors do:
/// "Zhejiang Province" and "their action plans" say it; the text never says China is a
/// country, that it "projects trends" in a report, or that the SDGs are an agenda.
#[tokio::test]
async fn every_kind_says_whether_the_text_gives_it() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                source { kind kindBasis }
                sdgs: document(slug: "un-2030-sdgs") { kind kindBasis }
                plans: document(slug: "oecd-action-plans") { kind kindBasis }
                initiative: document(slug: "wuzhen-initiative-2015") { kind kindBasis }
                china: place(slug: "china") { kind kindBasis }
                wuzhen: place(slug: "wuzhen") { kind kindBasis }
                zhejiang: place(slug: "zhejiang") { kind kindBasis }
                conference: event(slug: "wic-2017") { kind kindBasis }
                founding: event(slug: "wic-founding-2022") { kind kindBasis }
                ict: topic(slug: "ict") { kind kindBasis }
                blockchain: topic(slug: "blockchain") { kind kindBasis }
                ai: topic(slug: "artificial-intelligence") { kind kindBasis }
            }"#,
        )
        .await;
    let kind = |key: &str| (data[key]["kind"].clone(), data[key]["kindBasis"].clone());
    for (key, expected_kind, expected_basis) in [
        ("source", "REPORT", "GENERAL_KNOWLEDGE"),
        ("sdgs", "AGENDA", "GENERAL_KNOWLEDGE"),
        ("plans", "PLAN", "TEXT"),
        ("initiative", "INITIATIVE", "TEXT"),
        ("china", "COUNTRY", "GENERAL_KNOWLEDGE"),
        ("wuzhen", "LOCALITY", "GENERAL_KNOWLEDGE"),
        ("zhejiang", "PROVINCE", "TEXT"),
        ("conference", "CONFERENCE", "TEXT"),
        ("founding", "FOUNDING", "TEXT"),
        ("ict", "TECHNOLOGY", "GENERAL_KNOWLEDGE"),
        ("blockchain", "TECHNOLOGY", "TEXT"),
        ("ai", "SUBJECT", "TEXT"),
    ] {
        assert_eq!(
            kind(key),
            (json!(expected_kind), json!(expected_basis)),
            "{key}"
        );
    }
}

/// Events and figures say when their name is a description: the text says the WIC "was
/// established", and counts "more than 1500" without naming what it counts; it names "The
/// Fourth World Internet Conference" and "The world Internet penetration rate".
#[tokio::test]
async fn event_and_statistic_names_say_when_they_are_descriptions() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                events { nodes { slug name nameIsDescriptive } }
                statistics { nodes { slug nameIsDescriptive } }
            }"#,
        )
        .await;
    assert_eq!(
        data["events"]["nodes"],
        json!([
            { "slug": "wic-2017", "name": "Fourth World Internet Conference", "nameIsDescriptive": false },
            {
                "slug": "wic-founding-2022",
                "name": "Establishment of the World Internet Conference as an international organization",
                "nameIsDescriptive": true
            },
        ])
    );
    assert_eq!(
        data["statistics"]["nodes"],
        json!([
            { "slug": "stat-participants-2017", "nameIsDescriptive": true },
            { "slug": "stat-countries-and-regions-2017", "nameIsDescriptive": true },
            { "slug": "stat-internet-penetration-rate", "nameIsDescriptive": false },
            { "slug": "stat-population-with-internet-access", "nameIsDescriptive": true },
            { "slug": "stat-young-netizens", "nameIsDescriptive": false },
            { "slug": "stat-young-netizens-age-range", "nameIsDescriptive": true },
            { "slug": "stat-households-internet-enabled-services", "nameIsDescriptive": true },
        ])
    );
}

#[tokio::test]
async fn kinds_say_whether_the_text_gives_them_and_like_things_have_like_kinds() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                wic: actor(slug: "wic") { kind kindBasis }
                wef: actor(slug: "wef") { kind kindBasis }
                gsma: actor(slug: "gsma") { kind kindBasis }
                governments: actor(slug: "governments") { kind kindBasis }
                economy: topic(slug: "digital-economy") { examples { nodes { slug kind } } }
            }"#,
        )
        .await;
    assert_eq!(
        data["wic"],
        json!({ "kind": "INTERNATIONAL_ORGANIZATION", "kindBasis": "TEXT" })
    );
    assert_eq!(
        data["wef"],
        json!({ "kind": "INTERNATIONAL_ORGANIZATION", "kindBasis": "GENERAL_KNOWLEDGE" })
    );
    assert_eq!(
        data["gsma"],
        json!({ "kind": "INDUSTRY_ASSOCIATION", "kindBasis": "GENERAL_KNOWLEDGE" })
    );
    assert_eq!(
        data["governments"],
        json!({ "kind": "GOVERNMENT", "kindBasis": "TEXT" })
    );
    assert_eq!(
        data["economy"]["examples"]["nodes"],
        json!([
            { "slug": "e-commerce", "kind": "SUBJECT" },
            { "slug": "sharing-economy", "kind": "SUBJECT" },
            { "slug": "digital-inclusive-finance", "kind": "SUBJECT" },
            { "slug": "industrial-internet", "kind": "SUBJECT" },
        ])
    );
}

#[tokio::test]
async fn the_theme_is_the_events_and_both_its_halves_are_discussed_topics() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ event(slug: "wic-2017") { topics { edges { role node { slug } } } } }"#)
        .await;
    assert_eq!(
        data["event"]["topics"]["edges"],
        json!([
            { "role": null, "node": { "slug": "digital-economy" } },
            { "role": null, "node": { "slug": "cutting-edge-technologies" } },
            { "role": null, "node": { "slug": "interplay-internet-society" } },
            { "role": null, "node": { "slug": "governance" } },
            { "role": null, "node": { "slug": "exchanges-and-cooperation" } },
            { "role": null, "node": { "slug": "community-of-common-future-in-cyberspace" } },
            { "role": "to promote common approaches to and share practices in the governance of cyberspace", "node": { "slug": "governance-of-cyberspace" } },
        ])
    );
}

#[tokio::test]
async fn what_the_digital_economy_triggered_and_what_the_divides_are_due_to() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                economy: topic(slug: "digital-economy") { triggered { nodes { slug } } pushedForward { nodes { slug } } }
                traditional: topic(slug: "traditional-digital-divide") { dueTo { nodes { name } } broader { nodes { slug } } }
                new: topic(slug: "new-digital-divide") { inTermsOf { nodes { name } } broader { nodes { slug } } }
            }"#,
        )
        .await;
    assert_eq!(
        slugs(&data["economy"]["triggered"]),
        [
            "transformation-of-demand",
            "optimization-of-resources",
            "re-engineering-of-business-processes"
        ]
    );
    assert_eq!(
        slugs(&data["economy"]["pushedForward"]),
        ["convergence-of-industries"]
    );
    assert_eq!(
        pluck(&data["traditional"]["dueTo"]["nodes"], "name"),
        [
            "imbalanced development of regions, urban and rural areas",
            "differences in gender, age, and income"
        ]
    );
    assert_eq!(
        pluck(&data["new"]["inTermsOf"]["nodes"], "name"),
        ["Internet literacy", "digital skills"]
    );
    for divide in ["traditional", "new"] {
        assert_eq!(slugs(&data[divide]["broader"]), ["digital-divide"]);
    }
}

#[tokio::test]
async fn the_closing_paragraph_credits_all_parties_and_states_the_duty() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                parties: actor(slug: "all-parties-of-the-global-society") { topics { edges { role citations { quote } node { slug } } } }
                committee: actor(slug: "organizing-committee") { topics { edges { role node { slug } } } }
            }"#,
        )
        .await;
    assert_eq!(
        data["parties"]["topics"]["edges"],
        json!([{
            "role": "have spared no effort to promote the evolution of the governance of the cyberspace and have made meaningful attempts and explorations",
            "citations": [
                { "quote": "all parties of the global society have spared no effort to promote the evolution of the governance of the cyberspace and have made meaningful attempts and explorations" },
                { "quote": "Although the mission is complicated, considerable progress has already been achieved." },
            ],
            "node": { "slug": "governance-of-cyberspace" },
        }])
    );
    assert_eq!(
        data["committee"]["topics"]["edges"],
        json!([{
            "role": "is our duty to look ahead and shoulder the responsibility for building a community of common future in cyberspace",
            "node": { "slug": "community-of-common-future-in-cyberspace" },
        }])
    );
}

#[tokio::test]
async fn one_wording_of_a_concept_leads_to_the_others() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                governance: topic(slug: "governance") { narrower { nodes { slug } } }
                economy: topic(slug: "digital-economy") { narrower { nodes { slug } } }
                security: topic(slug: "cyber-security") { aliases narrower { nodes { slug } } }
                merged: topic(slug: "security-of-cyberspace") { slug }
                ict: topic(slug: "ict") { narrower { nodes { slug } } }
                internet: topic(slug: "internet") { narrower { nodes { slug } } }
                users: actor(slug: "internet-users") { subgroups { nodes { slug } } }
                organizations: actor(slug: "international-organizations") { subgroups { nodes { slug } } }
                parties: actor(slug: "international-community") { topics { nodes { slug actors { nodes { slug } } } } }
            }"#,
        )
        .await;
    assert_eq!(
        slugs(&data["governance"]["narrower"]),
        [
            "governance-of-cyberspace",
            "rules-norms-and-principles-of-internet-governance"
        ]
    );
    assert_eq!(
        slugs(&data["economy"]["narrower"]),
        ["transformation-of-digital-economy"]
    );
    assert_eq!(
        data["security"]["aliases"],
        json!(["security of cyberspace"])
    );
    assert_eq!(
        slugs(&data["security"]["narrower"]),
        ["cyber-security-technologies", "cyber-security-industry"]
    );
    assert_eq!(data["merged"], Value::Null);
    assert_eq!(
        slugs(&data["ict"]["narrower"]),
        ["revolution-in-ict", "ict-infrastructure"]
    );
    assert_eq!(
        slugs(&data["internet"]["narrower"]),
        ["mobile-internet", "next-generation-internet"]
    );
    assert_eq!(
        slugs(&data["users"]["subgroups"]),
        ["mobile-internet-users", "young-netizens"]
    );
    assert_eq!(slugs(&data["organizations"]["subgroups"]), ["wic"]);
    // The "everyone"-like groups the text keeps apart meet at what they act on.
    assert_eq!(
        data["parties"]["topics"]["nodes"],
        json!([{ "slug": "governance-of-cyberspace", "actors": { "nodes": [
            { "slug": "international-community" },
            { "slug": "all-parties-of-the-global-society" },
        ] } }])
    );
}

#[tokio::test]
async fn wic_finds_the_organization_first_then_the_conference_it_held_in_2017() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                search(query: "WIC", first: 2) { field node { __typename slug } }
                event(slug: "wic-2017") { editionOf { nodes { slug } } }
                actor(slug: "wic") { aliases editions { nodes { slug } } }
            }"#,
        )
        .await;
    assert_eq!(
        data["search"],
        json!([
            { "field": "alias", "node": { "__typename": "Actor", "slug": "wic" } },
            { "field": "quote", "node": { "__typename": "Event", "slug": "wic-2017" } },
        ])
    );
    assert_eq!(slugs(&data["event"]["editionOf"]), ["wic"]);
    assert_eq!(data["actor"]["aliases"], json!(["WIC"]));
    assert_eq!(slugs(&data["actor"]["editions"]), ["wic-2017"]);
}

#[tokio::test]
async fn topics_are_things_not_sentence_pieces() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                topics(first: 500) { totalCount nodes { name } }
                fragment: topic(slug: "development-and-security-in-cyberspace") { slug }
                norms: topic(slug: "norms-and-principles") { name exemplifies { nodes { slug } } }
            }"#,
        )
        .await;
    assert_eq!(data["topics"]["totalCount"], 75);
    let longest = pluck(&data["topics"]["nodes"], "name")
        .into_iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap();
    assert_eq!(
        longest, 56,
        "imbalanced development of regions, urban and rural areas"
    );
    assert_eq!(data["fragment"], Value::Null);
    assert_eq!(
        data["norms"],
        json!({ "name": "norms and principles", "exemplifies": { "nodes": [{ "slug": "governance-of-cyberspace" }] } })
    );
}
