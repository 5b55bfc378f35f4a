//! Reload without downtime: `wic-gql reload` makes the running server serve new seed
//! files; under load through ten reloads, no request fails and none sees two generations.

use std::io::BufReader;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::helpers::{seed_dir, serve_with, terminate, wait_with_timeout, wic_gql, KillOnDrop};
use crate::overload::{connect, receive, send_body};

pub const NAME: &str = "Fourth World Internet Conference";
pub const RENAMED: &str = "The Fourth World Internet Conference";
/// The event's name read twice, through two paths: one generation gives the same twice.
pub const QUERY: &str = r#"{"query":"{ event(slug: \"wic-2017\") { name } trend(slug: \"trend-i\") { citations { quote } } again: event(slug: \"wic-2017\") { name } }"}"#;

/// Writes `seed/` into `dir`, with the event renamed when `renamed`.
pub fn write_seed(dir: &Path, renamed: bool) {
    for entry in std::fs::read_dir(seed_dir()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = if renamed {
            text.replace(NAME, RENAMED)
        } else {
            text
        };
        std::fs::write(dir.join(path.file_name().unwrap()), text).unwrap();
    }
}

/// The `dataHash` that `url`'s `/health` reports.
pub fn data_hash(url: &str) -> String {
    let url = url.to_string();
    let health: serde_json::Value = std::thread::spawn(move || {
        let mut stream = connect(&url).unwrap();
        use std::io::Write;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        let answer = receive(&mut BufReader::new(stream)).unwrap();
        serde_json::from_str(&answer.body).unwrap()
    })
    .join()
    .unwrap();
    health["dataHash"].as_str().unwrap().to_string()
}

/// `wic-gql reload --db DB`, which must succeed.
pub fn reload(db: &Path) {
    let output = wic_gql()
        .arg("reload")
        .arg("--db")
        .arg(db)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Waits until the server serves `hash`.
pub fn wait_for(url: &str, hash: &str) {
    let started = Instant::now();
    while data_hash(url) != hash {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the reload never landed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ten_reloads_under_load_lose_nothing_and_never_mix_generations() {
    let dir = tempfile::tempdir().unwrap();
    let (db, files) = (dir.path().join("wic-gql.db"), dir.path().join("seed"));
    std::fs::create_dir(&files).unwrap();
    write_seed(&files, false);
    let (child, url) = serve_with(&db, &["--reload-from", files.to_str().unwrap()]);
    // Killed if an assertion fails first, so that no server outlives the test.
    let mut child = KillOnDrop(child);
    let original = data_hash(&url);

    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (url, stop) = (url.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut answers = Vec::new();
                let mut reader = BufReader::new(connect(&url).unwrap());
                while !stop.load(Ordering::Relaxed) {
                    send_body(reader.get_mut(), QUERY).unwrap();
                    answers.push(receive(&mut reader).unwrap());
                }
                answers
            })
        })
        .collect();

    let mut renamed_hash = None;
    for round in 0..10 {
        let renamed = round % 2 == 0;
        write_seed(&files, renamed);
        reload(&db);
        if renamed && renamed_hash.is_none() {
            let started = Instant::now();
            while data_hash(&url) == original {
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "no reload landed"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            renamed_hash = Some(data_hash(&url));
        }
        let expected = if renamed {
            renamed_hash.as_ref().unwrap()
        } else {
            &original
        };
        wait_for(&url, expected);
        std::thread::sleep(Duration::from_millis(100));
    }
    let renamed_hash = renamed_hash.unwrap();

    // Invalid files: refused, and the server keeps serving what it served.
    std::fs::write(files.join("events.toml"), "[[event]\nslug = ").unwrap();
    reload(&db);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(data_hash(&url), original);

    stop.store(true, Ordering::Relaxed);
    let answers: Vec<_> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let mut by_hash = std::collections::BTreeMap::new();
    for answer in &answers {
        assert_eq!(answer.status, 200, "{answer:?}");
        let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        let (first, second) = (
            &body["data"]["event"]["name"],
            &body["data"]["again"]["name"],
        );
        assert_eq!(first, second, "one answer, two generations: {body}");
        let hash = answer.header("x-data-hash").unwrap().to_string();
        let expected = if hash == original { NAME } else { RENAMED };
        assert!(hash == original || hash == renamed_hash, "{hash}");
        assert_eq!(
            first, expected,
            "the name does not match the data hash {hash}"
        );
        *by_hash.entry(hash).or_insert(0) += 1;
    }
    eprintln!(
        "{} answers through 10 reloads, by data hash: {by_hash:?}",
        answers.len()
    );
    assert_eq!(by_hash.len(), 2, "{by_hash:?}");

    terminate(&child.0);
    assert!(wait_with_timeout(&mut child.0, Duration::from_secs(30)).success());
    assert!(
        !db.join("wic-gql.pid").exists(),
        "the pid file outlived the server"
    );
}
