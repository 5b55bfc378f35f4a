//! Full-text search over the stored index.

use crate::helpers::spawn_app;

#[tokio::test]
async fn search_ranks_typed_hits_with_snippets() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ search(query: "quantum computing", first: 3) { score matchedTerms field snippet node { __typename slug } } }"#)
        .await;
    let hits = data["search"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert_eq!(hits[0]["node"]["slug"], "quantum-computing");
    assert_eq!(hits[0]["node"]["__typename"], "Topic");
    assert_eq!(hits[0]["matchedTerms"], 2);
    assert_eq!(hits[0]["field"], "name");
    assert!(hits[0]["snippet"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("quantum"));
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(hits.len() <= 3);
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1])
            || hits
                .windows(2)
                .all(|w| w[0]["matchedTerms"].as_u64() >= w[1]["matchedTerms"].as_u64())
    );
}

#[tokio::test]
async fn search_finds_aliases_and_prefixes_and_filters_kinds() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                alias: search(query: "OECD", first: 1) { field node { slug } }
                prefix: search(query: "blockch", first: 1) { node { slug } }
                actorsOnly: search(query: "Wuzhen", kinds: [PLACE]) { node { __typename slug } }
                nothing: search(query: "zzzzqqq") { score }
            }"#,
        )
        .await;
    assert_eq!(data["alias"][0]["node"]["slug"], "oecd");
    assert_eq!(data["alias"][0]["field"], "alias");
    assert_eq!(data["prefix"][0]["node"]["slug"], "blockchain");
    assert_eq!(data["actorsOnly"][0]["node"]["slug"], "wuzhen");
    assert!(data["actorsOnly"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["node"]["__typename"] == "Place"));
    assert_eq!(data["nothing"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn search_refuses_too_many_hits() {
    let app = spawn_app().await;
    let errors = app
        .errors(r#"{ search(query: "internet", first: 101) { score } }"#)
        .await;
    assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(errors[0]["message"], "`first` is 101; expected 0 to 100");
}
