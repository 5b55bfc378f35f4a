//! `schema.graphql` is the published contract: it must equal the SDL the code generates.

use std::path::Path;

/// Rewrites `schema.graphql` when it drifted, then fails so the diff gets reviewed.
#[test]
fn schema_graphql_equals_the_generated_sdl() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let generated = wic_gql::api::sdl();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        std::fs::write(&path, &generated).unwrap();
        panic!("schema.graphql was out of date and has been rewritten; review and commit the diff");
    }
}

#[test]
fn the_schema_command_prints_the_same_sdl() {
    let output = crate::helpers::wic_gql().arg("schema").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        wic_gql::api::sdl()
    );
}

#[test]
fn every_type_and_field_has_a_description() {
    let sdl = wic_gql::api::sdl();
    let mut previous = "";
    for line in sdl.lines() {
        let trimmed = line.trim();
        let declares = trimmed.starts_with("type ")
            || trimmed.starts_with("enum ")
            || trimmed.starts_with("input ")
            || trimmed.starts_with("interface ")
            || trimmed.starts_with("scalar ")
            || (line.starts_with('\t') && !line.starts_with("\t\t") && trimmed.contains(':'));
        // async-graphql generates `*Connection` and `*Edge` types without a type description
        // (it offers no hook for one); their fields are still checked.
        let generated = trimmed.starts_with("type ")
            && (trimmed.ends_with("Connection {") || trimmed.ends_with("Edge {"));
        if declares && !trimmed.starts_with(')') && !generated && previous != "schema {" {
            assert_eq!(previous, "\"\"\"", "no description above `{trimmed}`");
        }
        previous = trimmed;
    }
}

/// A second printer: graphql-js prints the live server's introspection and the committed
/// file, and the two must agree (`tools/schema-check/print-live.mjs`). This catches what
/// the first printer would hide, such as a directive the live schema has and the SDL drops.
#[tokio::test]
async fn graphql_js_prints_the_live_schema_as_the_committed_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tools = crate::helpers::npm_ci("tools/schema-check");
    let app = crate::helpers::spawn_app().await;
    let output = tokio::process::Command::new("node")
        .arg(tools.join("print-live.mjs"))
        .arg(format!("{}/graphql", app.address))
        .arg(root.join("schema.graphql"))
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let (live, committed) = stdout.split_once("\n----\n").unwrap_or((&stdout, ""));
    assert!(
        output.status.success(),
        "graphql-js prints the live schema differently from schema.graphql:\n{}\nlive:\n{live}\ncommitted:\n{committed}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(live.contains("scalar Date @specifiedBy(url: "), "{live}");
}
