//! Connections under pressure, spoken to as raw HTTP/1.1 over TCP: the cap on open
//! connections answers 503 at once rather than leaving clients in the backlog, and a stop
//! signal answers every request sent before it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::helpers::{serve, spawn_app_with, terminate, wait_with_timeout};

const QUERY: &str =
    r#"{"query":"{ event(slug: \"wic-2017\") { name topics { nodes { name } } } }"}"#;

/// One HTTP response, as read off the wire.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Connects to the `http://host:port` of `url`.
pub fn connect(url: &str) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(url.trim_start_matches("http://"))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    Ok(stream)
}

/// POSTs [`QUERY`] on `stream`.
fn send(stream: &mut TcpStream) -> std::io::Result<()> {
    send_body(stream, QUERY)
}

/// POSTs the JSON `body` on `stream`.
pub fn send_body(stream: &mut TcpStream, body: &str) -> std::io::Result<()> {
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())
}

/// Reads one response (with a `Content-Length`) from `reader`.
pub fn receive(reader: &mut BufReader<TcpStream>) -> std::io::Result<Answer> {
    let broken =
        |what: &str| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, what.to_string());
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(broken("closed before a status line"));
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| broken("no status"))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(broken("closed inside the headers"));
        }
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| broken("no content-length"))?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// One request on a fresh connection, kept open: the connection and its answer.
fn open_and_ask(url: &str) -> (BufReader<TcpStream>, Answer) {
    let mut stream = connect(url).unwrap();
    send(&mut stream).unwrap();
    let mut reader = BufReader::new(stream);
    let answer = receive(&mut reader).unwrap();
    (reader, answer)
}

fn assert_refused(answer: &Answer) {
    assert_eq!(answer.status, 503, "{answer:?}");
    assert_eq!(answer.header("retry-after"), Some("1"), "{answer:?}");
    assert_eq!(answer.header("connection"), Some("close"), "{answer:?}");
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "OVERLOADED");
    assert_eq!(
        body["errors"][0]["message"],
        "the server has 4 connections open already (its limit); retry shortly"
    );
    assert!(body.get("data").is_none());
}

#[tokio::test]
async fn a_connection_past_the_cap_is_answered_503_at_once_and_closed() {
    let app = spawn_app_with(|s| s.http_limits.max_connections = 4).await;
    let url = app.address.clone();
    tokio::task::spawn_blocking(move || {
        let mut open: Vec<_> = (0..4).map(|_| open_and_ask(&url)).collect();
        assert!(open.iter().all(|(_, a)| a.status == 200), "{open:?}");

        let (mut fifth, answer) = open_and_ask(&url);
        assert_refused(&answer);
        let mut rest = Vec::new();
        assert_eq!(
            fifth.read_to_end(&mut rest).unwrap(),
            0,
            "closed after the 503"
        );

        // The four keep serving on their connections.
        for (reader, _) in &mut open {
            send(reader.get_mut()).unwrap();
            assert_eq!(receive(reader).unwrap().status, 200);
        }
        // Closing one frees its place (the server notices the close a moment later).
        drop(open.pop());
        let started = Instant::now();
        loop {
            let (_, answer) = open_and_ask(&url);
            if answer.status == 200 {
                break;
            }
            assert_refused(&answer);
            assert!(started.elapsed() < Duration::from_secs(5), "no place freed");
            std::thread::sleep(Duration::from_millis(20));
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn hundreds_of_clients_get_an_answer_each_never_a_reset() {
    const CLIENTS: usize = 300;
    let app = spawn_app_with(|s| s.http_limits.max_connections = 100).await;
    let url = app.address.clone();
    let outcomes = tokio::task::spawn_blocking(move || {
        let connected = Arc::new(Barrier::new(CLIENTS));
        let answered = Arc::new(Barrier::new(CLIENTS));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (url, connected, answered) = (url.clone(), connected.clone(), answered.clone());
                std::thread::spawn(move || {
                    let stream = connect(&url);
                    connected.wait();
                    let outcome = stream.and_then(|mut stream| {
                        send(&mut stream)?;
                        receive(&mut BufReader::new(stream.try_clone()?)).map(|a| (a, stream))
                    });
                    // Every connection stays open until all have their answer.
                    answered.wait();
                    outcome.map(|(answer, _stream)| answer)
                })
            })
            .collect();
        clients
            .into_iter()
            .map(|c| c.join().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let ok = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(a) if a.status == 200))
        .count();
    let refused: Vec<_> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok().filter(|a| a.status == 503))
        .collect();
    let failed: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    eprintln!(
        "{CLIENTS} clients: {ok} answered 200, {} refused 503, {} failed",
        refused.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(ok + refused.len(), CLIENTS);
    assert!(ok >= 100, "{ok} answered");
    assert!(!refused.is_empty());
    for answer in refused {
        assert_eq!(answer.header("retry-after"), Some("1"));
    }
}

/// What became of one request sent during the stop test.
struct Sent {
    at: Instant,
    answered: bool,
}

#[test]
fn sigterm_answers_every_request_sent_before_it() {
    const CLIENTS: usize = 32;
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = serve(&dir.path().join("wic-gql.db"));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut sent = Vec::new();
                let Ok(stream) = connect(&url) else {
                    return sent;
                };
                let mut reader = BufReader::new(stream);
                loop {
                    if send(reader.get_mut()).is_err() {
                        return sent;
                    }
                    let at = Instant::now();
                    match receive(&mut reader) {
                        Ok(answer) => {
                            assert_eq!(answer.status, 200, "{answer:?}");
                            sent.push(Sent { at, answered: true });
                            if answer.header("connection") == Some("close") {
                                return sent;
                            }
                        }
                        Err(_) => {
                            sent.push(Sent {
                                at,
                                answered: false,
                            });
                            return sent;
                        }
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let signalled = Instant::now();
    terminate(&child);
    let status = wait_with_timeout(&mut child, Duration::from_secs(30));
    assert!(status.success(), "a drained stop exits 0, got {status}");
    let sent: Vec<Sent> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let before = sent.iter().filter(|s| s.at < signalled).count();
    let lost = sent
        .iter()
        .filter(|s| s.at < signalled && !s.answered)
        .count();
    let after = sent.len() - before;
    eprintln!("{before} requests sent before SIGTERM, {lost} of them lost; {after} sent after");
    assert!(before > CLIENTS, "the load ran ({before} requests)");
    assert_eq!(lost, 0, "requests sent before the signal went unanswered");
}

/// The server's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn flooding_the_caches_keeps_memory_within_their_budgets() {
    const BUDGET: u64 = 4 * 1024 * 1024;
    const DOCUMENTS: usize = 150;
    const PERSISTED: usize = 1000;
    let dir = tempfile::tempdir().unwrap();
    let budget = BUDGET.to_string();
    let (mut child, url) = crate::helpers::serve_with(
        &dir.path().join("wic-gql.db"),
        &[
            "--document-cache-bytes",
            &budget,
            "--apq-cache-bytes",
            &budget,
        ],
    );
    let client = reqwest::Client::new();
    // Distinct documents (a comment numbers them) of 1 900 fields each, near the field
    // limit: each is parsed, validated and cached (two syntax trees of several hundred KB;
    // `@skip` spares their execution). And distinct persisted queries of 50 KB each.
    let document = |i: usize| {
        let fields = "name ".repeat(1_900);
        format!(
            "# {i:06}\n{{ __typename event(slug: \"wic-2017\") @skip(if: true) {{ {fields}}} }}"
        )
    };
    let persisted = |i: usize| format!("# {i:06} {}\n{{ __typename }}", "x".repeat(50_000));
    let post = |body: serde_json::Value| {
        let client = client.clone();
        let url = format!("{url}/graphql");
        async move {
            let response = client.post(url).json(&body).send().await.unwrap();
            assert_eq!(response.status(), 200);
        }
    };
    for i in 0..20 {
        post(serde_json::json!({ "query": document(i) })).await;
    }
    let before = rss_kib(child.id());
    for i in 0..DOCUMENTS {
        post(serde_json::json!({ "query": document(i) })).await;
    }
    for i in 0..PERSISTED {
        let query = persisted(i);
        let hash = wic_gql::hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(query.as_bytes()));
        post(serde_json::json!({
            "query": query,
            "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } },
        }))
        .await;
    }
    let after = rss_kib(child.id());
    let health: serde_json::Value = client
        .get(format!("{url}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    eprintln!(
        "RSS {before} KiB → {after} KiB after {DOCUMENTS} distinct documents and \
         {PERSISTED} persisted queries; caches: {}",
        health["caches"]
    );
    for cache in ["documents", "persistedQueries"] {
        let figures = &health["caches"][cache];
        assert_eq!(figures["budgetBytes"], BUDGET, "{cache}: {figures}");
        assert!(
            figures["bytes"].as_u64().unwrap() <= BUDGET,
            "{cache}: {figures}"
        );
        assert!(
            figures["entries"].as_u64().unwrap() > 0,
            "{cache}: {figures}"
        );
    }
    // Within both budgets and a fixed margin (allocator slack, buffers).
    let margin = 48 * 1024;
    assert!(
        after <= before + 2 * BUDGET / 1024 + margin,
        "RSS grew from {before} to {after} KiB"
    );
}
