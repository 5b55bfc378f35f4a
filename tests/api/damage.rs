//! A damaged database is detected and never served: `dump`, `verify` and `serve` each
//! exit with code 3 and say what is wrong, whether sled notices (truncated or flipped
//! bytes) or only the seed's checksum does (a value changed behind sled's back, a rollback
//! to an older generation, files lost).

use std::path::{Path, PathBuf};

use crate::helpers::{seed_dir, stderr, wic_gql, wic_gql_on as run};

/// A database seeded from `seed/`, and the data hash the seed printed.
fn seeded(dir: &Path) -> (PathBuf, String) {
    let db = dir.join("wic-gql.db");
    let output = run(&["seed", "--from", seed_dir().to_str().unwrap()], &db);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let hash = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("data hash"))
        .expect("the seed prints the data hash")
        .trim()
        .to_string();
    assert_eq!(hash.len(), 64, "{stdout}");
    (db, hash)
}

/// `dump`, `verify` and `serve` all refuse `db` with exit code 3 and a message naming it
/// damaged; none prints data or panics.
fn assert_refused_everywhere(db: &Path, case: &str) {
    for command in [&["dump"][..], &["verify"], &["serve", "--port", "0"]] {
        let output = run(command, db);
        let message = stderr(&output);
        assert_eq!(
            output.status.code(),
            Some(3),
            "{case}: {command:?}: {message}"
        );
        assert!(
            message.starts_with(&format!(
                "error: the database at {} is damaged: ",
                db.display()
            )),
            "{case}: {command:?}: {message}"
        );
        assert!(
            message.ends_with("; re-seed it with `wic-gql seed`\n"),
            "{case}: {message}"
        );
        assert!(!message.contains("panicked"), "{case}: {message}");
        assert!(output.stdout.is_empty(), "{case}: {command:?} printed data");
    }
}

/// The directory of the sled database that holds the current generation of `db`: after a
/// seed exits, the one directory in it.
pub fn sled_files(db: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(db)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    assert_eq!(
        dirs.len(),
        1,
        "one generation in {}: {dirs:?}",
        db.display()
    );
    dirs.into_iter().next().unwrap()
}

/// Copies the directory `from` into `to`, whole.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, target).unwrap();
        }
    }
}

/// A copy of the database directory `db`, damaged by `damage`.
fn damaged_copy(db: &Path, into: &Path, damage: impl FnOnce(&Path)) -> PathBuf {
    let copy = into.join("damaged.db");
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(db, &copy);
    damage(&copy);
    copy
}

#[test]
fn an_intact_database_verifies_with_the_hash_the_seed_printed() {
    let dir = tempfile::tempdir().unwrap();
    let (db, hash) = seeded(dir.path());
    let output = run(&["verify"], &db);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with(&format!("{} is intact: ", db.display()))
            && stdout.contains(&format!(" entries, data hash {hash} (")),
        "{stdout}"
    );
    // The hash depends on the data only: a second database seeded from the same files
    // (another directory, another sled layout) has the same one.
    let other = tempfile::tempdir().unwrap();
    assert_eq!(seeded(other.path()).1, hash);
}

#[test]
fn truncated_and_flipped_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = seeded(dir.path());
    let size = std::fs::metadata(sled_files(&db).join("db")).unwrap().len();
    for fraction in [0, 10, 50, 90, 99] {
        let copy = damaged_copy(&db, dir.path(), |copy| {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(sled_files(copy).join("db"))
                .unwrap();
            file.set_len(size * fraction / 100).unwrap();
        });
        assert_refused_everywhere(&copy, &format!("truncated to {fraction} %"));
    }
    for fraction in [1, 30, 60, 95] {
        let copy = damaged_copy(&db, dir.path(), |copy| {
            let path = sled_files(copy).join("db");
            let mut bytes = std::fs::read(&path).unwrap();
            let at = (size * fraction / 100) as usize;
            for byte in &mut bytes[at..at + 8] {
                *byte ^= 0x5a;
            }
            std::fs::write(&path, bytes).unwrap();
        });
        assert_refused_everywhere(&copy, &format!("8 bytes flipped at {fraction} %"));
    }
    // sled's files gone: sled would start afresh, and serve would seed the embedded data.
    let copy = damaged_copy(&db, dir.path(), |copy| {
        std::fs::remove_file(sled_files(copy).join("db")).unwrap()
    });
    assert_refused_everywhere(&copy, "sled's files removed");
    // The generation's whole directory gone, or the pointer to it cut short: the data
    // cannot be found, and the server must not start afresh either.
    let copy = damaged_copy(&db, dir.path(), |copy| {
        std::fs::remove_dir_all(sled_files(copy)).unwrap()
    });
    assert_refused_everywhere(&copy, "the generation's directory removed");
    let copy = damaged_copy(&db, dir.path(), |copy| {
        std::fs::remove_file(copy.join("current")).unwrap()
    });
    assert_refused_everywhere(&copy, "the pointer removed");
    for keep in [0, 1, 10] {
        let copy = damaged_copy(&db, dir.path(), |copy| {
            let pointer = copy.join("current");
            let bytes = std::fs::read(&pointer).unwrap();
            std::fs::write(&pointer, &bytes[..keep]).unwrap();
        });
        assert_refused_everywhere(&copy, &format!("the pointer cut to {keep} bytes"));
    }
}

#[test]
fn what_sled_cannot_see_the_checksum_does() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = seeded(dir.path());
    // A value changed behind sled's back (its own checksums are then right).
    {
        let sled = sled::open(sled_files(&db)).unwrap();
        let records = sled.open_tree("records").unwrap();
        let (key, mut value) = records.iter().next().unwrap().unwrap();
        let mut bytes = value.to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        value = bytes.into();
        records.insert(key, value).unwrap();
        sled.flush().unwrap();
    }
    let output = run(&["verify"], &db);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(" entries have checksum "),
        "{}",
        stderr(&output)
    );
    assert_refused_everywhere(&db, "a value changed");
}

#[test]
fn a_rollback_to_an_older_generation_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = seeded(dir.path());
    let first = damaged_copy(&db, dir.path(), |_| {});
    let older = dir.path().join("older.db");
    std::fs::rename(&first, &older).unwrap();
    // A second seed of other data; then sled's files go back to the first seed's.
    let edited = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(seed_dir()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace(
            "Fourth World Internet Conference",
            "The Fourth World Internet Conference",
        );
        std::fs::write(edited.path().join(path.file_name().unwrap()), text).unwrap();
    }
    let output = run(&["seed", "--from", edited.path().to_str().unwrap()], &db);
    assert!(output.status.success(), "{}", stderr(&output));
    for name in ["db", "conf"] {
        std::fs::copy(sled_files(&older).join(name), sled_files(&db).join(name)).unwrap();
    }
    let output = run(&["verify"], &db);
    assert!(
        stderr(&output).contains("it holds a generation with checksum "),
        "{}",
        stderr(&output)
    );
    assert_refused_everywhere(&db, "rolled back");
    // A seed repairs it.
    let output = run(&["seed", "--from", seed_dir().to_str().unwrap()], &db);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(run(&["verify"], &db).status.success());
}

/// The hash `verify` reports for `db`, which must be intact.
fn verified_hash(db: &Path, case: &str) -> String {
    let output = run(&["verify"], db);
    assert!(output.status.success(), "{case}: {}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let hash = stdout.split("data hash ").nth(1).expect("a hash");
    hash.split_whitespace().next().unwrap().to_string()
}

#[test]
fn sigkill_during_a_seed_leaves_the_old_or_the_new_generation_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (db, real) = seeded(dir.path());
    // What a seed with synthetic records writes, measured on a database of its own.
    let grown_db = dir.path().join("grown.db");
    let seed = seed_dir();
    let seed = seed.to_str().unwrap();
    let grow = ["seed", "--synthetic", "20000", "--from", seed];
    assert!(run(&grow, &grown_db).status.success());
    let grown = verified_hash(&grown_db, "the grown seed");
    let shrink = ["seed", "--from", seed];
    // How long each takes, whole, over the other's data.
    let timed = |args: &[&str]| {
        let started = std::time::Instant::now();
        assert!(run(args, &db).status.success());
        started.elapsed()
    };
    let (grow_time, shrink_time) = (timed(&grow), timed(&shrink));
    // Kill a seed at moments spread over the time a whole one took, alternately growing
    // and shrinking the database.
    let mut current = real.clone();
    let mut flipped = 0;
    for (round, percent) in [10, 50, 90, 97, 100, 103, 110, 125, 150, 200]
        .into_iter()
        .enumerate()
    {
        let (args, target, took) = if current == real {
            (&grow[..], &grown, grow_time)
        } else {
            (&shrink[..], &real, shrink_time)
        };
        let mut child = wic_gql()
            .args(args)
            .arg("--db")
            .arg(&db)
            .env("RUST_LOG", "off")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let delay = took * percent / 100;
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let case = format!("round {round}, killed after {delay:?} ({percent} %)");
        let after = verified_hash(&db, &case);
        assert!(
            after == current || &after == target,
            "{case}: a third state {after}"
        );
        let state = if after == real { "real" } else { "grown" };
        eprintln!("{case}: the {state} generation");
        flipped += usize::from(after != current);
        current = after;
    }
    assert!(
        flipped > 0,
        "no seed finished: the kills never came late enough"
    );
}

#[test]
fn a_seed_that_runs_out_of_space_leaves_the_old_database_whole_and_nothing_beside_it() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let (db, real) = seeded(dir.path());
    let dumped = run(&["dump"], &db).stdout;
    let generation = sled_files(&db);
    let size = crate::layout::size_of(&db);
    let seed = seed_dir();
    let mut command = wic_gql();
    command
        .args([
            "seed",
            "--synthetic",
            "50000",
            "--from",
            seed.to_str().unwrap(),
        ])
        .arg("--db")
        .arg(&db)
        .env("RUST_LOG", "off");
    // A file size limit (RLIMIT_FSIZE) of 4 MiB stands in for a full disk, without root or
    // a mount: sled's writes past it fail (EFBIG, where a full disk gives ENOSPC), along
    // the same path. SIGXFSZ, which would kill the process instead, is ignored (an ignored
    // signal stays ignored across exec).
    // SAFETY: between fork and exec the closure only calls async-signal-safe functions.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 4 << 20,
                rlim_max: 4 << 20,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().unwrap();
    let message = stderr(&output);
    eprintln!("the seed past the limit: {:?}: {message}", output.status);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.starts_with(&format!(
            "error: input/output error in the database at {}: ",
            db.display()
        )) && message.to_lowercase().contains("file too large"),
        "{message}"
    );
    assert!(
        !message.contains("panicked") && !message.contains("backtrace"),
        "{message}"
    );
    // What the failed seed wrote is gone as it exits, before any other open.
    assert_eq!(
        sled_files(&db),
        generation,
        "the failed generation was left"
    );
    assert!(
        crate::layout::size_of(&db) <= size + (1 << 20),
        "the failed seed left {} bytes more",
        crate::layout::size_of(&db) - size
    );
    assert_eq!(verified_hash(&db, "after the failed seed"), real);
    assert!(run(&["dump"], &db).stdout == dumped, "the data changed");
    assert_eq!(sled_files(&db), generation);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "the failed seed's files were left beside the database"
    );
}
