//! The conformance suite (`tools/conformance/`): the live server's answers to hand-written
//! and generated documents, compared with graphql-js's over the same schema and data.

use std::path::{Path, PathBuf};

use crate::helpers::{npm_ci, seed_dir, spawn_app, wic_gql};

/// The generated corpus of `cargo test`: a fixed seed, so a failure reproduces with
/// `node run.mjs ... --seed 1 --only gen-1-I`; `--seed`/`--count` run longer ones.
const SEED: u32 = 1;
const GENERATED: u32 = 1000;

/// `wic-gql export` of a database seeded from `seed/`, the data `spawn_app` serves (it
/// seeds from the same files, compiled in). The server holds its own database's lock, so
/// the export reads a second one.
fn export(dir: &Path) -> PathBuf {
    let db = dir.join("export.db");
    let seeded = wic_gql()
        .arg("seed")
        .arg("--db")
        .arg(&db)
        .arg("--from")
        .arg(seed_dir())
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "seed failed: {}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let exported = wic_gql()
        .arg("export")
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        exported.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let path = dir.join("export.json");
    std::fs::write(&path, exported.stdout).unwrap();
    path
}

/// Every document of both corpora gets graphql-js's answer (status, `data` byte for byte,
/// error paths, a code on every error), except the deviations `deviations.json` lists.
#[tokio::test]
async fn every_answer_matches_graphql_js() {
    let app = spawn_app().await;
    let dir = tokio::task::spawn_blocking(|| npm_ci("tools/conformance"))
        .await
        .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let scratch_path = scratch.path().to_path_buf();
    let data = tokio::task::spawn_blocking(move || export(&scratch_path))
        .await
        .unwrap();
    let output = tokio::process::Command::new("node")
        .arg("run.mjs")
        .arg("--url")
        .arg(format!("{}/graphql", app.address))
        .arg("--data")
        .arg(&data)
        .arg("--seed")
        .arg(SEED.to_string())
        .arg("--count")
        .arg(GENERATED.to_string())
        .current_dir(&dir)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "undocumented disagreements with graphql-js:\n{stdout}\n{stderr}"
    );
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.ends_with(" passed, 0 failed"), "{stdout}\n{stderr}");
    // How much of the corpus the planned executor answered (`api::plan`); the rest ran
    // through async-graphql's executor. A regression in coverage shows here.
    let (planned, fallback) = (app.engine.planned(), app.engine.fallback());
    println!(
        "{last}; executed by the plan: {planned}, by async-graphql: {fallback} \
         (not planned: {}, planned but abandoned: {})",
        app.engine.not_planned(),
        app.engine.abandoned()
    );
    assert!(
        planned > 0,
        "the planned executor answered none of the corpus"
    );
}
