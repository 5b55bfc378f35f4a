//! The playground in a real browser: `tests/browser/playground.mjs` drives headless Chromium
//! against the server, which must serve every file the page loads.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::{npm_ci, spawn_app};

#[tokio::test]
async fn the_playground_runs_queries_in_a_browser_with_nothing_from_elsewhere() {
    let chromium =
        std::env::var_os("CHROMIUM").map_or_else(|| "/usr/bin/chromium".into(), PathBuf::from);
    assert!(
        chromium.is_file(),
        "Chromium is not at {}: install it: apt-get update && apt-get install -y chromium \
         (or set CHROMIUM to a Chromium or Chrome binary)",
        chromium.display()
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let screenshot = root.join("target/test-artifacts/playground.png");
    let app = spawn_app().await;
    let address = app.address.clone();

    // The server runs on this runtime; the browser waits on a blocking thread.
    let output = tokio::task::spawn_blocking(move || {
        let dir = npm_ci("tests/browser");
        Command::new("node")
            .arg(dir.join("playground.mjs"))
            .arg(&address)
            .arg(&screenshot)
            .env("CHROMIUM", &chromium)
            .output()
            .unwrap_or_else(|e| {
                panic!("node is needed for this test ({e}): apt-get install -y nodejs npm")
            })
    })
    .await
    .unwrap();

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "tests/browser/playground.mjs failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    println!("{stdout}");
}
