//! The database directory holds one sled database per generation: re-seeds and reloads
//! give the replaced generation's space back, and the older layout (one sled database in
//! the directory itself) is refused with a clear error until a seed replaces it.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::helpers::{
    seed_dir, serve_with, stderr, terminate, wait_with_timeout, wic_gql_on, KillOnDrop,
};
use crate::reload::{data_hash, reload, wait_for, write_seed};

/// The bytes of every file under `dir`. A running server deletes a replaced generation
/// on a thread of its own, so a file or directory may go while it is walked: it counts
/// nothing.
pub fn size_of(dir: &Path) -> u64 {
    let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if gone(&e) => return 0,
        Err(e) => panic!("{}: {e}", dir.display()),
    };
    entries
        .map(|entry| {
            let entry = entry.unwrap();
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => size_of(&entry.path()),
                Ok(meta) => meta.len(),
                Err(e) if gone(&e) => 0,
                Err(e) => panic!("{}: {e}", entry.path().display()),
            }
        })
        .sum()
}

fn seed(db: &Path, synthetic: &str) -> Output {
    let seed = seed_dir();
    let from = seed.to_str().unwrap();
    wic_gql_on(&["seed", "--synthetic", synthetic, "--from", from], db)
}

#[test]
fn re_seeding_keeps_the_size_of_one_seed() {
    let dir = tempfile::tempdir().unwrap();
    // Two inputs, each seeded fresh into a directory of its own.
    let inputs = ["5000", "1000"];
    let fresh: Vec<u64> = inputs
        .iter()
        .map(|synthetic| {
            let db = dir.path().join(format!("fresh-{synthetic}.db"));
            let output = seed(&db, synthetic);
            assert!(output.status.success(), "{}", stderr(&output));
            size_of(&db)
        })
        .collect();
    let bound = fresh.iter().max().unwrap() * 3 / 2;
    let db = dir.path().join("wic-gql.db");
    let mut sizes = Vec::new();
    for round in 0..12 {
        let output = seed(&db, inputs[round % 2]);
        assert!(output.status.success(), "{}", stderr(&output));
        sizes.push(size_of(&db));
    }
    eprintln!("fresh seeds {fresh:?}, twelve re-seeds of one directory {sizes:?}");
    assert!(
        sizes.iter().all(|&size| size <= bound),
        "a re-seed kept the space of what it replaced: {sizes:?}, fresh seeds {fresh:?}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        3,
        "something was left beside the database"
    );
}

#[test]
fn reloading_a_server_keeps_the_size_of_one_seed() {
    let dir = tempfile::tempdir().unwrap();
    let (db, files) = (dir.path().join("wic-gql.db"), dir.path().join("seed"));
    std::fs::create_dir(&files).unwrap();
    // Each input seeded fresh by the CLI.
    let mut fresh = Vec::new();
    for renamed in [false, true] {
        write_seed(&files, renamed);
        let db = dir.path().join(format!("fresh-{renamed}.db"));
        let output = wic_gql_on(&["seed", "--from", files.to_str().unwrap()], &db);
        assert!(output.status.success(), "{}", stderr(&output));
        fresh.push((size_of(&db), data_hash_of(&output)));
    }
    let bound = fresh.iter().map(|(size, _)| size).max().unwrap() * 3 / 2;

    write_seed(&files, false);
    let (child, url) = serve_with(&db, &["--reload-from", files.to_str().unwrap()]);
    let mut child = KillOnDrop(child);
    assert_eq!(data_hash(&url), fresh[0].1);
    let mut sizes = Vec::new();
    for round in 1..=12 {
        let renamed = round % 2 == 1;
        write_seed(&files, renamed);
        reload(&db);
        wait_for(&url, &fresh[usize::from(renamed)].1);
        // The replaced generation goes once no request reads it; none is running here.
        let started = Instant::now();
        while size_of(&db) > bound && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        sizes.push(size_of(&db));
    }
    eprintln!("fresh seeds {fresh:?}, twelve reloads of one server {sizes:?}");
    assert!(
        sizes.iter().all(|&size| size <= bound),
        "a reload kept the space of what it replaced: {sizes:?}, fresh seeds {fresh:?}"
    );
    terminate(&child.0);
    assert!(wait_with_timeout(&mut child.0, Duration::from_secs(30)).success());
    assert!(
        size_of(&db) <= bound,
        "{} after the server stopped",
        size_of(&db)
    );
}

/// The data hash a seed printed.
fn data_hash_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.trim().strip_prefix("data hash"))
        .expect("the seed prints the data hash")
        .trim()
        .to_string()
}

#[test]
fn the_older_layout_is_refused_until_a_seed_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    // What an older wic-gql left: one sled database in the directory itself.
    {
        let sled = sled::open(&db).unwrap();
        sled.open_tree("g1/records")
            .unwrap()
            .insert("a", "1")
            .unwrap();
        sled.flush().unwrap();
    }
    std::thread::sleep(Duration::from_millis(100));
    for command in [&["dump"][..], &["verify"], &["serve", "--port", "0"]] {
        let output = wic_gql_on(command, &db);
        assert_eq!(output.status.code(), Some(1), "{command:?}");
        assert_eq!(
            stderr(&output),
            format!(
                "error: the database at {0} was written by an older wic-gql (one sled \
                 database, not a directory per generation); re-seed it with `wic-gql seed \
                 --db {0}` (the seed replaces it)\n",
                db.display()
            ),
            "{command:?}"
        );
        assert!(output.stdout.is_empty());
    }
    let output = seed(&db, "0");
    assert!(output.status.success(), "{}", stderr(&output));
    let mut names: Vec<String> = std::fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["current", "g1", "wic-gql.lock"]);
    let verified = wic_gql_on(&["verify"], &db);
    assert!(verified.status.success(), "{}", stderr(&verified));
}
