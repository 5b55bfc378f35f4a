//! The typed clients in `examples/`, generated from `schema.graphql` and the operations in
//! `examples/operations/`, run against the real server: the Rust one (`graphql_client`) with
//! `cargo run`, the TypeScript one (graphql-codegen) with npm. Each prints one line per
//! record, so the checks below are exact lines of their output.
//!
//! Both run on a blocking thread so that the server keeps serving on the test's runtime.
//! The first run compiles the Rust client (or installs the npm packages) and takes longer;
//! the time of each step is printed (`cargo test --test api clients -- --nocapture`).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::helpers::{npm_ci, spawn_app};

/// Lines both clients must print, in this order, for the seed data.
const EXPECTED: &[&str] = &[
    "event wic-2017: Fourth World Internet Conference (2017-12-03 to 2017-12-05) in Wuzhen, Zhejiang Province, China",
    "organizer organizing-committee: Organizing Committee of the Conference",
    "trends: 5",
    "trend I: Digital transformation of the global economy has begun; the digital economy is poised to form a new engine of economic growth.",
    "  actors: 8",
    "  actor un [INTERNATIONAL_ORGANIZATION] United Nations: paid close attention to the advancement of digital economy and developed their action plans",
    "  actor many-countries [COUNTRY_GROUPING] many countries: have formulated their national strategies in order to seize the historical opportunity",
    "trend II: The world Internet penetration rate exceeds 50%, bridging the new digital divide will be a new avenue for action.",
    "  actor global-community [STAKEHOLDER_GROUP] global community: should enable the global community to bridge the digital divide and attain the UN 2030 SDGs",
    "trend III: The Internet promotes the richness of culture, its formats and outreach, and the outcomes of cultural exchange online will be more fruitful.",
    "trend IV: Governments are poised to contribute more actively to the global effort to tackle cyber security risks.",
    "  actor governments [GOVERNMENT] governments: are poised to play a leading role in promoting the security of cyberspace",
    "trend V: International governance of the cyberspace has made much progress. Even more creative approaches are needed to promote the orderly development of cyberspace.",
    "organization wic: World Internet Conference [INTERNATIONAL_ORGANIZATION] founded 2022-07-12 headquartered in Beijing",
    "founders: 6",
    "founder gsma [INDUSTRY_ASSOCIATION] Global System for Mobile Communication Association (GSMA): jointly initiated; founded wic",
    "founder cncert [AGENCY] National Computer Network Emergency Response Technical Team/Coordination Center of China (CNCERT): jointly initiated; founded wic",
    "founder cnnic [AGENCY] China Internet Network Information Center (CNNIC): jointly initiated; founded wic",
    "founder alibaba-group [COMPANY] Alibaba Group: jointly initiated; founded wic",
    "founder tencent [COMPANY] Tencent: jointly initiated; founded wic",
    "founder zhijiang-lab [RESEARCH_INSTITUTE] Zhijiang Lab: jointly initiated; founded wic",
];

/// Runs `command` to completion, failing the test (with its output) unless it succeeds;
/// its stdout. `hint` says how to install the program if it cannot be started.
fn run(step: &str, command: &mut Command, hint: &str) -> String {
    let started = Instant::now();
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{step}: cannot run {command:?} ({e}): {hint}"));
    eprintln!("{step}: {:.1} s", started.elapsed().as_secs_f64());
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{step} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Every line of [`EXPECTED`] is a line of `stdout`, in that order.
fn assert_expected_lines(client: &str, stdout: &str) {
    let mut lines = stdout.lines();
    for expected in EXPECTED {
        assert!(
            lines.any(|line| line == *expected),
            "{client}: no line (in order) {expected:?} in its output:\n{stdout}"
        );
    }
}

#[tokio::test]
async fn the_rust_client_generated_from_the_schema_runs_both_operations() {
    let app = spawn_app().await;
    let address = app.address.clone();
    let stdout = tokio::task::spawn_blocking(move || {
        // `cargo test` has finished building when tests run, so this `cargo run` can take the
        // build directory lock; the first time, it compiles the client and its dependencies.
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        run(
            "cargo run -p wic-gql-rust-client",
            Command::new(cargo)
                .args(["run", "--quiet", "-p", "wic-gql-rust-client", "--"])
                .arg(&address)
                .current_dir(env!("CARGO_MANIFEST_DIR")),
            "install Rust with rustup",
        )
    })
    .await
    .unwrap();
    assert_expected_lines("examples/rust-client", &stdout);
}

#[tokio::test]
async fn the_typescript_client_generated_from_the_schema_typechecks_and_runs_both_operations() {
    let app = spawn_app().await;
    let address = app.address.clone();
    let stdout = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let dir = npm_ci("examples/ts-client");
        eprintln!(
            "npm ci (if needed): {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let npm = |args: &[&str]| {
            let mut command = Command::new("npm");
            command.args(args).current_dir(&dir);
            command
        };
        let hint = "npm is needed for this test: apt-get install -y nodejs npm";
        run("npm run generate", &mut npm(&["run", "generate"]), hint);
        assert!(
            Path::new(&dir).join("src/generated/graphql.ts").is_file(),
            "npm run generate wrote no src/generated/graphql.ts"
        );
        run("npm run typecheck", &mut npm(&["run", "typecheck"]), hint);
        run("npm start", &mut npm(&["start", "--", &address]), hint)
    })
    .await
    .unwrap();
    assert_expected_lines("examples/ts-client", &stdout);
}
