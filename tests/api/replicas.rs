//! Three replicas behind Debian's HAProxy, run with `deploy/haproxy.cfg`: under load through
//! it, one replica is killed with SIGKILL and another reloaded with new data; no request
//! fails, and every answer reads one whole generation.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::helpers::{free_port, serve_with, terminate, wait_with_timeout, wic_gql, KillOnDrop};
use crate::overload::{connect, receive, send_body, Answer};
use crate::reload::{data_hash, reload, write_seed, NAME, QUERY, RENAMED};

const HAPROXY: &str = "/usr/sbin/haproxy";
/// Keep-alive clients driving load through HAProxy.
const CLIENTS: usize = 6;
/// How long any one wait of this test may last before it fails: generous, for a loaded
/// machine; no assertion depends on how fast anything is.
const PATIENCE: Duration = Duration::from_secs(60);

/// Polls `done` until it holds; fails the test, naming `what`, after [`PATIENCE`].
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < PATIENCE,
            "waited {PATIENCE:?} for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One `wic-gql serve` with a database seeded from its own copy of `seed/`, which a reload
/// reads (`--reload-from`).
struct Replica {
    child: KillOnDrop,
    url: String,
    db: PathBuf,
    files: PathBuf,
    _dir: tempfile::TempDir,
}

impl Replica {
    fn start() -> Replica {
        let dir = tempfile::tempdir().unwrap();
        let (db, files) = (dir.path().join("wic-gql.db"), dir.path().join("seed"));
        std::fs::create_dir(&files).unwrap();
        write_seed(&files, false);
        let seeded = wic_gql()
            .arg("seed")
            .arg("--db")
            .arg(&db)
            .arg("--from")
            .arg(&files)
            .output()
            .unwrap();
        assert!(
            seeded.status.success(),
            "{}",
            String::from_utf8_lossy(&seeded.stderr)
        );
        let (child, url) = serve_with(&db, &["--reload-from", files.to_str().unwrap()]);
        Replica {
            child: KillOnDrop(child),
            url,
            db,
            files,
            _dir: dir,
        }
    }

    /// `host:port`, as HAProxy's `server` lines write it.
    fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }
}

/// HAProxy running `deploy/haproxy.cfg` with its addresses replaced by free loopback ports
/// and the replicas' addresses; killed on drop.
struct HaProxy {
    child: KillOnDrop,
    url: String,
    stats: String,
    dir: tempfile::TempDir,
}

impl HaProxy {
    fn start(replicas: &[&Replica; 3]) -> HaProxy {
        assert!(
            Path::new(HAPROXY).is_file(),
            "{HAPROXY} is needed for this test (it runs deploy/haproxy.cfg): \
             apt-get install -y haproxy"
        );
        let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/haproxy.cfg");
        let mut config = std::fs::read_to_string(&template).unwrap();
        let (front, stats) = (
            format!("127.0.0.1:{}", free_port()),
            format!("127.0.0.1:{}", free_port()),
        );
        let replacements = [
            ("bind 127.0.0.1:8080".to_string(), format!("bind {front}")),
            ("bind 127.0.0.1:8404".to_string(), format!("bind {stats}")),
        ]
        .into_iter()
        .chain(replicas.iter().enumerate().map(|(i, replica)| {
            let name = format!("server replica{} ", i + 1);
            (
                format!("{name}127.0.0.1:{}", 8081 + i),
                format!("{name}{}", replica.address()),
            )
        }));
        for (from, to) in replacements {
            assert_eq!(
                config.matches(&from).count(),
                1,
                "deploy/haproxy.cfg must hold `{from}` once: the test replaces it"
            );
            config = config.replace(&from, &to);
        }
        let dir = tempfile::tempdir().unwrap();
        let (path, log) = (
            dir.path().join("haproxy.cfg"),
            dir.path().join("haproxy.log"),
        );
        std::fs::write(&path, config).unwrap();
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new(HAPROXY)
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap();
        let mut haproxy = HaProxy {
            child: KillOnDrop(child),
            url: format!("http://{front}"),
            stats,
            dir,
        };
        wait_until("HAProxy to see three replicas up", || {
            if let Some(status) = haproxy.child.0.try_wait().unwrap() {
                panic!("haproxy exited ({status}):\n{}", haproxy.log());
            }
            haproxy.try_servers().is_some_and(|servers| {
                servers.len() == 4 && servers.values().all(|s| s["status"] == "UP")
            })
        });
        haproxy
    }

    /// What HAProxy wrote on stdout and stderr (its access log and its alerts).
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("haproxy.log")).unwrap_or_default()
    }

    /// The rows of backend `wic-gql` in the stats CSV, by server (`BACKEND` for the
    /// whole backend), each a map from column name to value.
    fn servers(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.try_servers().expect("HAProxy's stats page answers")
    }

    fn try_servers(&self) -> Option<BTreeMap<String, BTreeMap<String, String>>> {
        let mut stream = TcpStream::connect(&self.stats).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .ok()?;
        stream
            .write_all(b"GET /stats;csv HTTP/1.0\r\nHost: test\r\n\r\n")
            .ok()?;
        let mut text = String::new();
        stream.read_to_string(&mut text).ok()?;
        let (_, body) = text.split_once("\r\n\r\n")?;
        let csv = dechunk(body)?;
        let mut lines = csv.lines();
        let columns: Vec<&str> = lines.next()?.trim_start_matches("# ").split(',').collect();
        Some(
            lines
                .filter(|line| !line.is_empty())
                .map(|line| -> BTreeMap<String, String> {
                    columns
                        .iter()
                        .zip(line.split(','))
                        .map(|(c, v)| (c.to_string(), v.to_string()))
                        .collect()
                })
                .filter(|row| row["pxname"] == "wic-gql")
                .map(|row| (row["svname"].clone(), row))
                .collect(),
        )
    }
}

/// The body of a chunked response (`Transfer-Encoding: chunked`, as HAProxy's stats page
/// always answers).
fn dechunk(mut body: &str) -> Option<String> {
    let mut text = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n")?;
        let size = usize::from_str_radix(size.trim(), 16).ok()?;
        if size == 0 {
            return Some(text);
        }
        text.push_str(rest.get(..size)?);
        body = rest.get(size..)?.strip_prefix("\r\n")?;
    }
}

/// One request a client sent through HAProxy: when its answer came, and the answer or why
/// there was none.
struct Outcome {
    at: Instant,
    answer: Result<Answer, String>,
}

/// Sends [`QUERY`] through `url` on one keep-alive connection until `stop`, opening a new
/// connection after an error or a `Connection: close`; counts answers in `answered`.
fn client(url: &str, stop: &AtomicBool, answered: &AtomicUsize) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let mut connection: Option<BufReader<TcpStream>> = None;
    while !stop.load(Ordering::Relaxed) {
        let answer = (|| {
            let reader = match &mut connection {
                Some(reader) => reader,
                None => connection.insert(BufReader::new(connect(url)?)),
            };
            send_body(reader.get_mut(), QUERY)?;
            receive(reader)
        })();
        let close = answer
            .as_ref()
            .map_or(true, |a| a.header("connection") == Some("close"));
        if close {
            connection = None;
        }
        answered.fetch_add(1, Ordering::Relaxed);
        outcomes.push(Outcome {
            at: Instant::now(),
            answer: answer.map_err(|e| e.to_string()),
        });
    }
    outcomes
}

#[test]
fn three_replicas_behind_haproxy_lose_no_request_through_a_kill_and_a_reload() {
    let replicas = [Replica::start(), Replica::start(), Replica::start()];
    let hashes: Vec<String> = replicas.iter().map(|r| data_hash(&r.url)).collect();
    assert_eq!(hashes[0], hashes[1], "replicas of one seed differ");
    assert_eq!(hashes[0], hashes[2], "replicas of one seed differ");
    let original = hashes[0].clone();
    let [killed, reloaded, kept] = replicas;
    let haproxy = HaProxy::start(&[&killed, &reloaded, &kept]);

    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (url, stop, answered) = (haproxy.url.clone(), stop.clone(), answered.clone());
            std::thread::spawn(move || client(&url, &stop, &answered))
        })
        .collect();
    // Waits for `n` more requests to have been answered (or to have failed).
    let progress = |n: usize| {
        let target = answered.load(Ordering::Relaxed) + n;
        wait_until("the clients to progress", || {
            answered.load(Ordering::Relaxed) >= target
        });
    };

    // Load on three replicas; then one dies with no warning, and HAProxy learns it only from
    // failed requests (retried elsewhere) until its health checks take the replica out.
    progress(300);
    let mut killed = killed;
    killed.child.0.kill().unwrap();
    killed.child.0.wait().unwrap();
    wait_until("HAProxy to mark the killed replica down", || {
        haproxy.servers()["replica1"]["status"] == "DOWN"
    });
    progress(300);

    // New data on one of the two survivors.
    write_seed(&reloaded.files, true);
    let reload_sent = Instant::now();
    reload(&reloaded.db);
    wait_until("the reload to land", || {
        data_hash(&reloaded.url) != original
    });
    let renamed = data_hash(&reloaded.url);
    assert_eq!(data_hash(&kept.url), original);
    progress(600);

    stop.store(true, Ordering::Relaxed);
    let outcomes: Vec<Outcome> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let servers = haproxy.servers();

    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match &o.answer {
            Ok(a) if a.status == 200 => None,
            Ok(a) => Some(format!("status {}: {}", a.status, a.body)),
            Err(e) => Some(e.clone()),
        })
        .collect();
    let mut by_generation = BTreeMap::from([(NAME, 0), (RENAMED, 0)]);
    for outcome in &outcomes {
        let Ok(answer) = &outcome.answer else {
            continue;
        };
        if answer.status != 200 {
            continue;
        }
        let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        let (first, again) = (
            &body["data"]["event"]["name"],
            &body["data"]["again"]["name"],
        );
        assert_eq!(first, again, "one answer, two generations: {body}");
        let hash = answer.header("x-data-hash").unwrap();
        let name = if hash == original {
            NAME
        } else if hash == renamed {
            assert!(
                outcome.at > reload_sent,
                "an answer of the new generation before the reload"
            );
            RENAMED
        } else {
            panic!("an answer of neither generation: X-Data-Hash {hash}")
        };
        assert_eq!(first, name, "the name does not match the data hash {hash}");
        *by_generation.get_mut(name).unwrap() += 1;
    }
    let column = |server: &str, name: &str| -> u64 { servers[server][name].parse().unwrap_or(0) };
    eprintln!(
        "{} requests through HAProxy, {} failed; answers by generation: {by_generation:?}; \
         answered by replica1 (killed) {}, replica2 (reloaded) {}, replica3 {}; \
         HAProxy retried {} and redispatched {}",
        outcomes.len(),
        failed.len(),
        column("replica1", "hrsp_2xx"),
        column("replica2", "hrsp_2xx"),
        column("replica3", "hrsp_2xx"),
        column("BACKEND", "wretr"),
        column("BACKEND", "wredis"),
    );

    assert!(
        failed.is_empty(),
        "{} requests failed through HAProxy: {failed:#?}\nits log, less requests answered 200:\n{}",
        failed.len(),
        haproxy
            .log()
            .lines()
            .filter(|line| !line.contains(" 200 "))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        by_generation[NAME] > 0 && by_generation[RENAMED] > 0,
        "{by_generation:?}"
    );
    // The new generation came only from the reloaded replica (and only after the reload,
    // checked answer by answer above).
    assert!(column("replica2", "hrsp_2xx") >= by_generation[RENAMED]);
    // The kill was felt: requests went to the dead replica before HAProxy took it out, and
    // the retry policy sent them elsewhere.
    assert!(
        column("BACKEND", "wredis") > 0,
        "no request reached the killed replica: the test did not exercise failover"
    );
    let statuses: Vec<&str> = ["replica1", "replica2", "replica3"]
        .iter()
        .map(|s| servers[*s]["status"].as_str())
        .collect();
    assert_eq!(statuses, ["DOWN", "UP", "UP"]);

    // HAProxy first: its idle connections would hold each replica's drain for the
    // keep-alive timeout. Both replicas stop at once.
    drop(haproxy);
    let mut survivors = [reloaded, kept];
    for replica in &survivors {
        terminate(&replica.child.0);
    }
    for replica in &mut survivors {
        assert!(wait_with_timeout(&mut replica.child.0, PATIENCE).success());
    }
}
