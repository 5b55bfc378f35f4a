//! Every citation served, of every record and every edge, quotes the source verbatim.

use serde_json::Value;

use crate::helpers::{seed_dir, spawn_unlimited_app};

#[tokio::test]
async fn every_quote_occurs_verbatim_in_its_paragraph_of_the_source() {
    let source = std::fs::read_to_string(seed_dir().join("source.txt")).unwrap();
    let app = spawn_unlimited_app().await;
    let relations: String = ["Event", "Trend", "Actor", "Place", "Document", "Topic", "Statistic"]
        .iter()
        .map(|t| format!("... on {t} {{ out: relations(first: 500) {{ edges {{ citations {{ section paragraph quote }} }} }} }}"))
        .collect();
    let query = format!(
        "{{ source {{ sections {{ id paragraphs }} }} records(first: 500) {{ nodes {{ citations {{ section paragraph quote }} {relations} }} }} }}"
    );
    let data = app.data(&query).await;
    let sections: std::collections::HashMap<&str, &Vec<Value>> = data["source"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap(),
                s["paragraphs"].as_array().unwrap(),
            )
        })
        .collect();
    let mut checked = 0;
    for record in data["records"]["nodes"].as_array().unwrap() {
        let edge_citations = record["out"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| e["citations"].as_array().unwrap());
        for citation in record["citations"]
            .as_array()
            .unwrap()
            .iter()
            .chain(edge_citations)
        {
            let quote = citation["quote"].as_str().unwrap();
            let section = sections[citation["section"].as_str().unwrap()];
            let paragraph = section[citation["paragraph"].as_u64().unwrap() as usize - 1]
                .as_str()
                .unwrap();
            assert!(paragraph.contains(quote), "{quote:?} is not in {citation}");
            assert!(
                source.contains(paragraph),
                "paragraph not verbatim in seed/source.txt"
            );
            checked += 1;
        }
    }
    assert!(checked > 139 + 203, "{checked} citations checked");
}
