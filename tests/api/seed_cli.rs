//! `wic-gql seed`, `serve` and `dump` run as the built binary: precise errors, atomicity,
//! idempotence, the lock held by a running server, and graceful shutdown.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use crate::helpers::{seed_dir, serve, terminate, wait_with_timeout, wic_gql};

/// A temporary folder holding a database seeded from the repository's `seed/`.
struct SeededDb {
    dir: tempfile::TempDir,
}

impl SeededDb {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = SeededDb { dir };
        let output = db.seed(&seed_dir());
        assert!(
            output.status.success(),
            "seed failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        db
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("wic-gql.db")
    }

    fn seed(&self, from: &Path) -> Output {
        wic_gql()
            .arg("seed")
            .arg("--db")
            .arg(self.path())
            .arg("--from")
            .arg(from)
            .output()
            .unwrap()
    }

    fn dump(&self) -> String {
        dump(&self.path())
    }
}

fn dump(db: &Path) -> String {
    let output = wic_gql().arg("dump").arg("--db").arg(db).output().unwrap();
    assert!(
        output.status.success(),
        "dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A copy of `seed/` with `edits` applied: `(file, text to find, replacement)`.
fn edited_seed(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(seed_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    for (file, find, replace) in edits {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            find.is_empty() || text.contains(find),
            "{find:?} is not in seed/{file}"
        );
        let edited = if find.is_empty() {
            format!("{text}{replace}")
        } else {
            text.replacen(find, replace, 1)
        };
        std::fs::write(path, edited).unwrap();
    }
    dir
}

/// `file:line:column` (1-based, columns in characters) of the first `needle` in `dir/file`.
fn at(dir: &Path, file: &str, needle: &str) -> String {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {file}"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    format!("{}/{file}:{line}:{column}", dir.display())
}

/// Seeds `edits` over a seeded database; asserts the exact problem lines, a failing exit
/// code, and that the database is exactly as it was.
fn assert_refused(edits: &[(&str, &str, &str)], expected: impl Fn(&Path) -> Vec<String>) {
    let db = SeededDb::new();
    let before = db.dump();
    let seed = edited_seed(edits);
    let output = db.seed(seed.path());
    assert_eq!(output.status.code(), Some(1), "a refused seed exits with 1");
    let expected = expected(seed.path());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        format!(
            "error: {} problem(s) in the seed data; nothing was written:\n{}\n",
            expected.len(),
            expected.join("\n")
        )
    );
    assert_eq!(
        db.dump(),
        before,
        "the previous data must survive a refused seed"
    );
}

#[test]
fn an_unknown_field_is_refused_where_it_is_written() {
    assert_refused(
        &[(
            "places.toml",
            "kind_basis = \"general_knowledge\"\ncite",
            "kind_basis = \"general_knowledge\"\npopulation = 3\ncite",
        )],
        |dir| {
            vec![format!(
            "{}: [[place]]: unknown field `population` (expected one of `id`, `name`, `aliases`, `cite`, `kind`, `kind_basis`)",
            at(dir, "places.toml", "population")
        )]
        },
    );
}

#[test]
fn a_missing_required_field_is_refused_at_its_block() {
    assert_refused(
        &[(
            "places.toml",
            "id = \"beijing\"\nname = \"Beijing\"\n",
            "id = \"beijing\"\n",
        )],
        |dir| {
            let text = std::fs::read_to_string(dir.join("places.toml")).unwrap();
            let header = text[..text.find("id = \"beijing\"").unwrap()]
                .rfind("[[place]]")
                .unwrap();
            let line = text[..header].matches('\n').count() + 1;
            vec![format!("{}/places.toml:{line}:1: [[place]]: missing field `name` (required in every [[place]])", dir.display())]
        },
    );
}

/// A document, event, place or topic says where its kind comes from, as an actor does: a
/// record without `kind_basis`, or with a value that is neither `text` nor
/// `general_knowledge`, is refused at its block.
#[test]
fn a_kind_without_its_basis_is_refused_at_its_block() {
    assert_refused(
        &[
            (
                "places.toml",
                "name = \"China\"\nkind = \"country\"\nkind_basis = \"general_knowledge\"\n",
                "name = \"China\"\nkind = \"country\"\n",
            ),
            (
                "documents.toml",
                "kind = \"agenda\"\nkind_basis = \"general_knowledge\"\n",
                "kind = \"agenda\"\n",
            ),
            (
                "events.toml",
                "kind = \"founding\"\nkind_basis = \"text\"\n",
                "kind = \"founding\"\nkind_basis = \"the text\"\n",
            ),
        ],
        |dir| {
            let header = |file: &str, id: &str, array: &str| {
                let text = std::fs::read_to_string(dir.join(file)).unwrap();
                let block = text[..text.find(id).unwrap()].rfind(array).unwrap();
                format!(
                    "{}/{file}:{}:1",
                    dir.display(),
                    text[..block].matches('\n').count() + 1
                )
            };
            vec![
                format!(
                    "{}: [[document]]: missing field `kind_basis` (required in every [[document]])",
                    header("documents.toml", "id = \"un-2030-sdgs\"", "[[document]]")
                ),
                format!(
                    "{}: [[event]]: unknown variant `the text` (expected `text` or `general_knowledge`)",
                    at(dir, "events.toml", "\"the text\"")
                ),
                format!(
                    "{}: [[place]]: missing field `kind_basis` (required in every [[place]])",
                    header("places.toml", "id = \"china\"", "[[place]]")
                ),
            ]
        },
    );
}

/// A name that is not the text's words is a description, and says so: without
/// `descriptive_name = true`, the founding (the text says the WIC "was established") and a
/// figure the text does not name are warned about, and `--strict` refuses them.
#[test]
fn a_name_not_in_the_text_must_say_it_is_descriptive() {
    let db = SeededDb::new();
    let seed = edited_seed(&[
        (
            "events.toml",
            "id = \"wic-founding-2022\"\nname = \"Establishment of the World Internet Conference as an international organization\"\ndescriptive_name = true\n",
            "id = \"wic-founding-2022\"\nname = \"Establishment of the World Internet Conference as an international organization\"\n",
        ),
        (
            "statistics.toml",
            "name = \"age range of the young netizens\"\ndescriptive_name = true\n",
            "name = \"age range of the young netizens\"\n",
        ),
    ]);
    let output = wic_gql()
        .args(["seed", "--strict", "--db"])
        .arg(db.path())
        .arg("--from")
        .arg(seed.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "a refused seed exits with 1");
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        format!(
            "error: 2 warning(s) in the seed data, refused by --strict; nothing was written:\n\
             {}: name \"Establishment of the World Internet Conference as an international organization\" of `wic-founding-2022` is not in the source (expected the text's words, or `descriptive_name = true` where the text gives it no name)\n\
             {}: name \"age range of the young netizens\" of `stat-young-netizens-age-range` is not in the source (expected the text's words, or `descriptive_name = true` where the text gives it no name)\n",
            at(seed.path(), "events.toml", "\"wic-founding-2022\""),
            at(seed.path(), "statistics.toml", "\"stat-young-netizens-age-range\""),
        )
    );
}

#[test]
fn a_duplicate_id_is_refused_with_both_places() {
    assert_refused(
        &[("topics.toml", "", "\n[[topic]]\nid = \"blockchain\"\nname = \"blockchain\"\nkind = \"technology\"\nkind_basis = \"text\"\ncite = [{ section = \"V\", paragraph = 4, quote = \"blockchain\" }]\n")],
        |dir| {
            let text = std::fs::read_to_string(dir.join("topics.toml")).unwrap();
            let first = text.find("id = \"blockchain\"").unwrap();
            let second = text.rfind("id = \"blockchain\"").unwrap();
            let position = |offset: usize| format!("{}/topics.toml:{}:6", dir.display(), text[..offset].matches('\n').count() + 1);
            vec![format!(
                "{}: duplicate id `blockchain` (expected unique ids; first defined at {})",
                position(second),
                position(first)
            )]
        },
    );
}

#[test]
fn a_dangling_reference_is_refused() {
    assert_refused(
        &[(
            "relations-organization.toml",
            "from = \"gsma\"",
            "from = \"gsmaa\"",
        )],
        |dir| {
            vec![format!(
                "{}: `from` refers to unknown id `gsmaa` (expected the id of a record)",
                at(dir, "relations-organization.toml", "\"gsmaa\"")
            )]
        },
    );
}

#[test]
fn a_malformed_date_is_refused() {
    assert_refused(
        &[(
            "events.toml",
            "start = 2022-07-12",
            "start = \"2022-07-32\"",
        )],
        |dir| {
            vec![format!(
            "{}: malformed date \"2022-07-32\" in `start` (expected a calendar date YYYY-MM-DD, like 2017-12-03)",
            at(dir, "events.toml", "\"2022-07-32\"")
        )]
        },
    );
}

#[test]
fn a_quote_that_is_not_in_the_source_is_refused() {
    let quote = "Building on the Wuzhen Initiative 2016";
    assert_refused(
        &[(
            "documents.toml",
            "quote = \"Building on the Wuzhen Initiative 2015\"",
            &format!("quote = \"{quote}\""),
        )],
        |dir| {
            vec![format!(
            "{}: quote \"{quote}\" is not in section `intro` paragraph 2 (expected a verbatim excerpt of that paragraph; it occurs nowhere in the source)",
            at(dir, "documents.toml", &format!("\"{quote}\""))
        )]
        },
    );
}

#[test]
fn a_toml_syntax_error_is_refused() {
    assert_refused(
        &[("zz-broken.toml", "", "[[actor]]\nid = \"x\"\nname = \n")],
        |dir| {
            vec![format!(
                "{}/zz-broken.toml:3:8: invalid TOML: invalid string (expected `\"`, `'`)",
                dir.display()
            )]
        },
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let db = SeededDb::new();
    let before = db.dump();
    let seed = edited_seed(&[
        (
            "relations-organization.toml",
            "from = \"gsma\"",
            "from = \"gsmaa\"",
        ),
        (
            "events.toml",
            "start = 2022-07-12",
            "start = \"2022-07-32\"",
        ),
        (
            "places.toml",
            "kind_basis = \"general_knowledge\"\ncite",
            "kind_basis = \"general_knowledge\"\npopulation = 3\ncite",
        ),
    ]);
    let output = db.seed(seed.path());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: 3 problem(s) in the seed data; nothing was written:\n"),
        "{stderr}"
    );
    for needle in ["`gsmaa`", "\"2022-07-32\"", "`population`"] {
        assert!(
            stderr.contains(needle),
            "{needle} not reported in:\n{stderr}"
        );
    }
    assert_eq!(db.dump(), before);
}

#[test]
fn seeding_twice_gives_identical_contents() {
    // Of the kinds: 14 in seed order, 16 by name, 8 date headers and 11 non-empty date
    // segments. Of the 23 sorts of record the seed holds (6 of document, 2 of event, 9 of
    // actor, 3 of place, 3 of topic): a header and a chunk in seed and name order, a date
    // header, and 24 non-empty date segments.
    const LISTS: usize = 14 + 16 + 8 + 11 + 23 * (2 + 2 + 1) + 24;
    let db = SeededDb::new();
    let first = db.dump();
    // Every table is there: 139 records (each with its edge lists), the stored lists (a
    // header and one chunk per non-empty segment: seed order for each of the 7 kinds and
    // each sort; name and date order for each kind, each sort and for all of them, date in
    // a dated and an undated segment), and postings.
    let tables: Vec<&str> = first
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(tables.iter().filter(|t| **t == "records").count(), 139);
    assert_eq!(tables.iter().filter(|t| **t == "lists").count(), LISTS);
    assert!(tables.iter().filter(|t| **t == "search").count() > 50);
    assert_eq!(
        tables.len(),
        139 + LISTS + tables.iter().filter(|t| **t == "search").count()
    );
    let output = db.seed(&seed_dir());
    assert!(output.status.success());
    assert_eq!(db.dump(), first);
}

#[test]
fn a_successful_seed_replaces_the_database_whole() {
    let db = SeededDb::new();
    let original = db.dump();
    let extra = edited_seed(&[(
        "places.toml",
        "",
        "\n[[place]]\nid = \"hangzhou-test\"\nname = \"Extra\"\nkind = \"locality\"\nkind_basis = \"general_knowledge\"\ncite = [{ section = \"intro\", paragraph = 1, quote = \"Wuzhen\" }]\n",
    )]);
    let output = db.seed(extra.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("    place          5\n"), "{stdout}");
    assert_ne!(db.dump(), original);
    assert!(db.seed(&seed_dir()).status.success());
    assert_eq!(
        db.dump(),
        original,
        "no record of the earlier seed survives"
    );
}

#[test]
fn the_seed_summary_gives_counts_by_kind_edges_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let output = wic_gql()
        .arg("seed")
        .arg("--db")
        .arg(&db)
        .arg("--from")
        .arg(seed_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("seeded {} from {}", db.display(), seed_dir().display())
    );
    assert_eq!(
        lines[1..11],
        [
            "  records        139",
            "    document      13",
            "    event          2",
            "    trend          5",
            "    actor         33",
            "    place          4",
            "    topic         75",
            "    statistic      7",
            "  edges          203",
            "  warnings         0",
        ]
    );
    assert!(
        lines[11].starts_with("  time ") && lines[11].ends_with(" ms"),
        "{stdout}"
    );
}

#[test]
fn a_dry_run_validates_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let output = wic_gql()
        .arg("seed")
        .arg("--dry-run")
        .arg("--db")
        .arg(&db)
        .arg("--from")
        .arg(seed_dir())
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .contains("is valid (dry run, nothing written)"));
    assert!(!db.exists());
}

#[test]
fn strict_refuses_a_seed_with_editorial_warnings_and_the_data_survives() {
    let db = SeededDb::new();
    let before = db.dump();
    // A second wording of a topic, related to nothing.
    let seed = edited_seed(&[(
        "topics.toml",
        "",
        "\n[[topic]]\nid = \"digital-economies\"\nname = \"the digital economies\"\nkind = \"subject\"\nkind_basis = \"text\"\ncite = [{ section = \"intro\", paragraph = 1, quote = \"digital economy\" }]\n",
    )]);
    let text = std::fs::read_to_string(seed.path().join("topics.toml")).unwrap();
    let first_line = text[..text.find("id = \"digital-economy\"").unwrap()]
        .matches('\n')
        .count()
        + 1;
    let at_new = at(seed.path(), "topics.toml", "\"digital-economies\"");
    let expected = [
        format!(
            "{at_new}: name \"the digital economies\" differs from the name \"digital economy\" of `digital-economy` ({}/topics.toml:{first_line}) only by stop words or a plural (expected one record per concept: merge them, keeping both quotes as citations)",
            seed.path().display()
        ),
        format!(
            "{at_new}: name \"the digital economies\" of `digital-economies` is not in the source (expected the text's words)"
        ),
        format!(
            "{at_new}: record `digital-economies` has no relation (expected at least one relation; or no record, and the quote of a relation carries it)"
        ),
    ];

    let output = wic_gql()
        .args(["seed", "--strict", "--db"])
        .arg(db.path())
        .arg("--from")
        .arg(seed.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "a refused seed exits with 1");
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        format!(
            "error: 3 warning(s) in the seed data, refused by --strict; nothing was written:\n{}\n",
            expected.join("\n")
        )
    );
    assert_eq!(db.dump(), before, "the previous data must survive --strict");

    // Without --strict the same seed is written, and the warnings go to stderr.
    let output = db.seed(seed.path());
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        format!(
            "warning: {}\nwarning: {}\nwarning: {}\n",
            expected[0], expected[1], expected[2]
        )
    );
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .contains("  warnings         3\n"));
}

#[test]
fn a_relation_must_rest_on_quotes_that_name_both_ends_and_a_role_on_the_texts_verb() {
    // Each block breaks one rule of seed/README.md, "Modelling rules", but one, whose
    // `implicit` says why its quote does not name an end.
    let seed = edited_seed(&[(
        "editorial.toml",
        "",
        r#"
[[relation]]
from = "artificial-intelligence"
type = "underlies"
to = "quantum-computing"
cite = [{ section = "V", paragraph = 4, quote = "Underlying the new generation of the ICT infrastructure are artificial intelligence" }]

[[relation]]
from = "cloud-computing"
type = "underlies"
to = "blockchain"
implicit = "a reason, so no warning"
cite = [{ section = "V", paragraph = 4, quote = "big data, cloud computing and the Internet of things" }]

[[relation]]
from = "big-data"
type = "underlies"
to = "blockchain"
implicit = " "
cite = [{ section = "V", paragraph = 4, quote = "artificial intelligence, big data, cloud computing" }]

[[relation]]
from = "internet-of-things"
type = "underlies"
to = "blockchain"
implicit = "not needed"
cite = [{ section = "V", paragraph = 4, quote = "the Internet of things, which are going to shape a platform for cutting-edge technologies including virtual/augmented reality, quantum computing, blockchain" }]

[[relation]]
from = "international-community"
type = "acts_on"
to = "ict"
role = "should take more effective measures"
cite = [{ section = "V", paragraph = 3, quote = "the international community should invest further efforts in the inclusive development of the Internet worldwide through the advancement of ICT" }]

[[relation]]
from = "young-netizens"
type = "acts_in"
to = "trend-ii"
role = "the proportion of the young (aged 15 to 24) netizens reached over 70%"
cite = [{ section = "II", paragraph = 2, quote = "the proportion of the young (aged 15 to 24) netizens reached over 70%" }]
"#,
    )]);
    let dir = seed.path();
    let header = |n: usize| {
        let text = std::fs::read_to_string(dir.join("editorial.toml")).unwrap();
        let offset = text.match_indices("[[relation]]").nth(n).unwrap().0;
        let line = text[..offset].matches('\n').count() + 1;
        format!("{}/editorial.toml:{line}:1", dir.display())
    };
    let expected = [
        format!(
            "{}: no quote of `artificial-intelligence` underlies `quantum-computing` names `quantum-computing` (\"quantum computing\") (expected a quote with a form of its name or an alias, or `implicit = \"<reason>\"`)",
            at(dir, "editorial.toml", "[{ section = \"V\", paragraph = 4, quote = \"Underlying")
        ),
        format!(
            "{}: `implicit` is empty (expected the reason the quotes do not name both ends)",
            at(dir, "editorial.toml", "\" \"")
        ),
        format!(
            "{}: `implicit` is set, but the quotes name both `internet-of-things` and `blockchain` (expected `implicit` only where a quote does not name an end)",
            at(dir, "editorial.toml", "\"not needed\"")
        ),
        format!(
            "{}: role \"should take more effective measures\" of `international-community` acts_on `ict` is not part of any of its quotes (expected the text's words from a cited quote)",
            header(4)
        ),
        format!(
            "{}: role \"the proportion of the young (aged 15 to 24) netizens reached over 70%\" of `young-netizens` acts_in `trend-ii` starts with \"the\", not a verb (expected a verb phrase: what the text says the actor does)",
            header(5)
        ),
    ];

    let output = wic_gql()
        .args(["seed", "--dry-run", "--strict", "--from"])
        .arg(dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "--strict refuses warnings");
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        format!(
            "error: 5 warning(s) in the seed data, refused by --strict; nothing was written:\n{}\n",
            expected.join("\n")
        )
    );

    // Without --strict they are warnings, one a line, and the seed is valid.
    let output = wic_gql()
        .args(["seed", "--dry-run", "--from"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(output.status.success());
    let warnings: Vec<String> = expected.iter().map(|w| format!("warning: {w}\n")).collect();
    assert_eq!(String::from_utf8(output.stderr).unwrap(), warnings.concat());
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .contains("  warnings         5\n"));
}

#[test]
fn the_repositorys_seed_has_no_editorial_warnings() {
    let output = wic_gql()
        .args(["seed", "--dry-run", "--strict", "--from"])
        .arg(seed_dir())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8(output.stderr).unwrap(), "");
}

#[test]
fn serve_seeds_an_empty_database_answers_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let (mut child, url) = serve(&db);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    // The database is held by the server: a seed gets a clear error at once, not a hang.
    let started = Instant::now();
    let output = wic_gql()
        .arg("seed")
        .arg("--db")
        .arg(&db)
        .arg("--from")
        .arg(seed_dir())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        format!(
            "error: the database at {} is in use by another process (is `wic-gql serve` running?); stop it and try again\n",
            db.display()
        )
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    let health: serde_json::Value = get_json(&format!("{url}/health"));
    assert_eq!(health["status"], "ok");
    assert_eq!(health["records"]["trend"], 5);

    terminate(&child);
    // An idle server stops in milliseconds. Under 8 s, not 30: a pinned view of the
    // served generation once outlived the store, and the stop then waited the whole 10 s
    // `RELEASE_WAIT` for a lock the process held itself.
    let status = wait_with_timeout(&mut child, Duration::from_secs(8));
    assert!(status.success(), "graceful stop exits 0, got {status}");

    // The lock is released and the embedded seed equals a seed of the repository's files.
    assert_eq!(dump(&db), SeededDb::new().dump());
}

/// A GET returning JSON, from a synchronous test.
fn get_json(url: &str) -> serde_json::Value {
    let url = url.to_string();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() })
    })
    .join()
    .unwrap()
}

#[test]
fn export_prints_every_record_and_edge_as_json() {
    let db = SeededDb::new();
    let output = wic_gql()
        .arg("export")
        .arg("--db")
        .arg(db.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let export: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(export["records"].as_array().unwrap().len(), 139);
    assert_eq!(export["edges"].as_array().unwrap().len(), 203);
    let wic = export["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["slug"] == "wic")
        .unwrap();
    assert_eq!(wic["details"]["Actor"]["founded"], "2022-07-12");
}

/// A POST of a GraphQL query returning the JSON answer, from a synchronous test.
fn post_query(url: &str, query: &str) -> serde_json::Value {
    let (url, body) = (url.to_string(), serde_json::json!({ "query": query }));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = reqwest::Client::new();
            let response = client.post(url).json(&body).send().await.unwrap();
            response.json().await.unwrap()
        })
    })
    .join()
    .unwrap()
}

#[test]
fn a_synthetic_seed_grows_the_graph_in_whole_clusters_beside_the_real_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("synthetic.db");
    let output = wic_gql()
        .args(["seed", "--synthetic", "1000", "--from"])
        .arg(seed_dir())
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    // 139 real records and 18 clusters of 50; 203 real edges and 18 clusters of 96 (two
    // of them links to real trends) less the first cluster's 3 links to a previous one.
    assert!(stdout.contains("and synthetic records"), "{stdout}");
    assert!(stdout.contains("  records       1039\n"), "{stdout}");
    assert!(stdout.contains("    event         20\n"), "{stdout}");
    assert!(stdout.contains("  edges         1928\n"), "{stdout}");
    assert!(stdout.contains(" records/s\n"), "{stdout}");

    let (mut child, url) = serve(&db);
    let answer = post_query(
        &format!("{url}/graphql"),
        r#"{ real: event(slug: "wic-2017") { trends { totalCount } }
             made: event(slug: "synthetic-conference-17") {
               name startDate citations { quote }
               trends(first: 1) { totalCount edges { node { slug actors { totalCount } } } } }
             events { totalCount } }"#,
    );
    assert_eq!(
        answer,
        serde_json::json!({ "data": {
            // The real conference projects nothing: its Organizing Committee does.
            "real": { "trends": { "totalCount": 0 } },
            "made": {
                "name": "Synthetic conference 17",
                "startDate": "2018-01-18",
                "citations": [],
                "trends": { "totalCount": 5, "edges": [
                    { "node": { "slug": "synthetic-trend-17-0", "actors": { "totalCount": 5 } } }
                ] }
            },
            "events": { "totalCount": 20 }
        } })
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn serve_refuses_data_of_another_format_until_it_is_reseeded() {
    use wic_gql::storage::{Batch, SledStore, Store};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    {
        // A database as the previous build wrote it: its values carry format version 2.
        let store = SledStore::open(&db).unwrap();
        store
            .replace_all(
                Batch::default(),
                vec![(b"seed_summary".to_vec(), vec![2, 0])],
            )
            .unwrap();
    }
    let output = wic_gql()
        .args(["serve", "--port", "0", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "stored data has format version 2, this build reads version {}; re-seed the database with `wic-gql seed`",
            wic_gql::storage::codec::FORMAT_VERSION
        )),
        "{stderr}"
    );
    let seeded = wic_gql()
        .args(["seed", "--db"])
        .arg(&db)
        .arg("--from")
        .arg(seed_dir())
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    assert_eq!(dump(&db), SeededDb::new().dump());
}

/// Malformed HTTP is answered with 400 and, by default, not logged: actix-http reports each
/// one at ERROR, which would let any client flood the server's log.
#[test]
fn malformed_http_does_not_flood_the_log() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let log_path = dir.path().join("stderr.log");
    let mut child = wic_gql()
        .args(["serve", "--port", "0", "--workers", "1", "--db"])
        .arg(&db)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    let address = first
        .rsplit(" on ")
        .next()
        .unwrap()
        .trim_start_matches("http://")
        .to_string();
    for garbage in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    ] {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(garbage).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    }
    terminate(&child);
    wait_with_timeout(&mut child, Duration::from_secs(30));
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("INFO"), "the log is on: {log}");
    assert!(!log.contains("ERROR"), "{log}");
    // A log that goes to a file (or a journal) has no terminal colour codes in it.
    assert!(!log.contains('\u{1b}'), "escape codes in the log: {log:?}");
}
