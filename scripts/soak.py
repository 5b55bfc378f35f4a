#!/usr/bin/env python3
"""A bounded soak of wic-gql: a steady mix of valid, abusive and malformed requests.

The abusive part of the mix includes the attacks of issue 15: a fragment fan-out, large
unused variables, a flood of distinct persisted queries, bodies that never arrive, and
every ten seconds 300 idle connections held open. With --reload-every, the server also
reloads its seed files that often (alternating two versions of them) while it answers,
and the database directory's size is sampled beside the memory: each reload replaces
a generation, whose space must be given back.

Starts the server (release build by default) on a free loopback port over a fresh
database, drives it for --seconds at --rate requests/s from --workers threads, then
reports: unexpected answers (must be zero), refusals by extensions.code, latency
percentiles per kind of request, and the server's resident memory sampled over time
(growth once warm must be nil).

    cargo build --release && scripts/soak.py --seconds 300 --rate 200

Only the Python standard library is used.
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (name, weight, method, body or query string, content type, expected (status, code or None))
VALID = [
    ("q1-event", 30, "POST", {"query": '{ event(slug: "wic-2017") { name startDate endDate } }'}, (200, None)),
    ("q2-depth4", 20, "POST", {"query": '{ event(slug: "wic-2017") { trends { nodes { numeral actors { nodes { slug trends { nodes { numeral } } } } } } } }'}, (200, None)),
    ("q4-search", 10, "POST", {"query": '{ search(query: "digital economy", first: 5) { score node { slug } } }'}, (200, None)),
    ("get-query", 10, "GET", "query=%7B%20trends%20%7B%20totalCount%20%7D%20%7D", (200, None)),
]
ABUSIVE = [
    ("aliases", 3, "POST", {"query": "{ " + " ".join(f"a{i}: __typename" for i in range(100)) + " }"}, (400, "ALIAS_LIMIT")),
    ("directives", 3, "POST", {"query": "{ __typename " + "@include(if: true) " * 100 + "}"}, (400, "DIRECTIVE_LIMIT")),
    ("duplication", 3, "POST", {"query": "{ " + "__typename " * 500 + "}"}, (400, "ROOT_FIELD_LIMIT")),
    ("depth", 3, "POST", {"query": '{ trend(slug: "trend-i") { ' + "actors { nodes { trends { nodes { " * 5 + "slug " + "} } } } " * 5 + "} }"}, (400, "DEPTH_LIMIT")),
    ("cost", 3, "POST", {"query": "{ records(first: 500) { nodes { ... on Trend { topics(first: 500) { nodes { slug } } } } } }"}, (400, "COMPLEXITY_LIMIT")),
    ("batch", 3, "POST", [{"query": "{ __typename }"}, {"query": "{ __typename }"}], (400, "BATCHING_NOT_ALLOWED")),
    ("mutation-get", 3, "GET", "query=mutation%20%7B%20__typename%20%7D", (405, "METHOD_NOT_ALLOWED")),
    ("oversized", 2, "POST", {"query": "{ " + "__typename " * 10000 + "}"}, (413, "PAYLOAD_TOO_LARGE")),
    # The attacks of issue 15: each once cost minutes or memory without bound.
    ("fragment-fanout", 3, "POST", {"query": "{ ...F25 } fragment F0 on Query { __typename } "
                                    + " ".join(f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 26))},
     (400, "ROOT_FIELD_LIMIT")),
    ("unused-variables", 3, "POST", lambda rng: {"query": "{ __typename }",
                                                 "variables": {"unused": [rng.random() for _ in range(2500)]}},
     (200, None)),
    ("apq-flood", 3, "POST", lambda rng: apq(f"{{ __typename t{rng.getrandbits(64)}: __typename }}"), (200, None)),
    ("stalled-body", 1, "STALL", None, (408, "BODY_TIMEOUT")),
]
MALFORMED = [
    ("bad-json", 2, "POST", b'{"query": ', (400, "BAD_REQUEST")),
    ("bad-utf8", 2, "POST", b'{\xff\xfe}', (400, "BAD_REQUEST")),
    ("text-plain", 2, "POST-TEXT", {"query": "{ __typename }"}, (415, "UNSUPPORTED_MEDIA_TYPE")),
    ("syntax", 2, "POST", {"query": "{ trends { "}, (400, "GRAPHQL_PARSE_FAILED")),
    ("var-type", 2, "POST", {"query": "query($n: Int) { trends(first: $n) { totalCount } }", "variables": {"n": "x"}}, (400, "GRAPHQL_VALIDATION_FAILED")),
]
MIX = [(*case, "valid") for case in VALID] + [(*case, "abusive") for case in ABUSIVE] + [(*case, "malformed") for case in MALFORMED]


def apq(query):
    """An automatic persisted query sent with its text: registered, then answered."""
    digest = hashlib.sha256(query.encode()).hexdigest()
    return {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}


def stalled(conn):
    """Headers announcing a body that never comes: the server cuts it off (BODY_TIMEOUT)."""
    conn.putrequest("POST", "/graphql")
    conn.putheader("content-type", "application/json")
    conn.putheader("accept", "application/graphql-response+json")
    conn.putheader("content-length", "60000")
    conn.endheaders()


def encode(body, rng=random):
    if callable(body):
        body = body(rng)
    if isinstance(body, bytes):
        return body
    return json.dumps(body).encode()


def one_request(conn, case, rng=random):
    name, _, method, body, expected, _ = case
    headers = {"accept": "application/graphql-response+json"}
    if method == "STALL":
        stalled(conn)
    elif method == "GET":
        conn.request("GET", "/graphql?" + body, headers=headers)
    else:
        headers["content-type"] = "text/plain" if method == "POST-TEXT" else "application/json"
        conn.request("POST", "/graphql", body=encode(body, rng), headers=headers)
    response = conn.getresponse()
    data = response.read()
    status = response.status
    try:
        payload = json.loads(data)
    except ValueError:
        return status, None, f"not JSON: {data[:80]!r}"
    errors = payload.get("errors") if isinstance(payload, dict) else None
    code = errors[0].get("extensions", {}).get("code") if errors else None
    problem = None
    if (status, code) != expected:
        problem = f"expected {expected}, got ({status}, {code})"
    elif expected[1] is None and ("data" not in payload or errors):
        problem = f"expected data without errors, got {data[:120]!r}"
    return status, code, problem


def write_seed(files, renamed):
    """The repository's seed files into `files`, the event renamed when `renamed`: two
    versions of the data, each with a data hash of its own."""
    os.makedirs(files, exist_ok=True)
    source = os.path.join(ROOT, "seed")
    for name in os.listdir(source):
        path = os.path.join(source, name)
        if os.path.isfile(path):
            with open(path) as f:
                text = f.read()
            if renamed:
                text = text.replace("Fourth World Internet Conference", "The Fourth World Internet Conference")
            with open(os.path.join(files, name), "w") as f:
                f.write(text)


def dir_kib(path):
    total = 0
    for folder, _, names in os.walk(path):
        for name in names:
            try:
                total += os.path.getsize(os.path.join(folder, name))
            except OSError:
                pass
    return total // 1024


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        match = re.search(r"VmRSS:\s+(\d+) kB", status.read())
    return int(match.group(1)) if match else 0


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "wic-gql"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=200, help="requests per second, all workers together")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sample-every", type=float, default=5, help="seconds between memory samples")
    parser.add_argument("--json", help="also write the report as JSON to this file")
    parser.add_argument("--reload-every", type=float, default=0, help="seconds between reloads (SIGHUP); 0: none")
    args = parser.parse_args()

    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} is missing: run `cargo build --release` first")
    workdir = tempfile.mkdtemp(prefix="wic-gql-soak-")
    files = os.path.join(workdir, "seed")
    write_seed(files, renamed=False)
    server = subprocess.Popen(
        [args.binary, "serve", "--port", "0", "--workers", "1", "--db", os.path.join(workdir, "db"),
         "--reload-from", files],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "RUST_LOG": "warn"},
    )
    try:
        url = server.stdout.readline().rsplit(" on ", 1)[1].strip()
        host, port = url.removeprefix("http://").split(":")
        threading.Thread(target=lambda: server.stdout.read(), daemon=True).start()
        report = drive(host, int(port), server.pid, args, workdir)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    print_report(report)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)
    sys.exit(1 if report["unexpected"] or report["reloads"].get("not landed") else 0)


def drive(host, port, pid, args, workdir):
    rng = random.Random(2017)
    weights = [case[1] for case in MIX]
    interval = args.workers / args.rate
    deadline = time.monotonic() + args.seconds
    lock = threading.Lock()
    latencies = defaultdict(list)
    refusals = Counter()
    unexpected = []
    sent = Counter()

    def worker(seed):
        local = random.Random(seed)
        conn = http.client.HTTPConnection(host, port, timeout=30)
        next_at = time.monotonic()
        while time.monotonic() < deadline:
            case = local.choices(MIX, weights)[0]
            started = time.perf_counter()
            try:
                status, code, problem = one_request(conn, case, local)
                if case[2] == "STALL":
                    # The server closes a connection whose body timed out.
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=30)
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                status, code, problem = None, None, f"connection error: {error}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                sent[case[0]] += 1
                latencies[case[0]].append(elapsed)
                if code and case[5] != "valid":
                    refusals[code] += 1
                if problem:
                    unexpected.append(f"{case[0]}: {problem}")
            next_at += interval
            time.sleep(max(0, next_at - time.monotonic()))

    flooded = Counter()

    def flood():
        """Every ten seconds, 300 connections that send nothing, held for three."""
        while time.monotonic() < deadline - 5:
            idle = []
            for _ in range(300):
                try:
                    idle.append(socket.create_connection((host, port), timeout=5))
                except OSError:
                    flooded["refused"] += 1
            flooded["opened"] += len(idle)
            time.sleep(3)
            for s in idle:
                s.close()
            time.sleep(7)

    reloads = Counter()

    def data_hash():
        conn = http.client.HTTPConnection(host, port, timeout=10)
        try:
            conn.request("GET", "/health")
            return json.loads(conn.getresponse().read()).get("dataHash")
        finally:
            conn.close()

    def reload():
        """Every --reload-every seconds, the other version of the seed files, and SIGHUP;
        a reload has landed once /health reports another data hash."""
        renamed = False
        while time.monotonic() < deadline - args.reload_every:
            time.sleep(args.reload_every)
            renamed = not renamed
            before = data_hash()
            write_seed(os.path.join(workdir, "seed"), renamed)
            os.kill(pid, signal.SIGHUP)
            reloads["sent"] += 1
            waited = time.monotonic()
            while data_hash() == before and time.monotonic() - waited < 15:
                time.sleep(0.1)
            reloads["landed" if data_hash() != before else "not landed"] += 1

    threads = [threading.Thread(target=worker, args=(rng.random(),)) for _ in range(args.workers)]
    threads.append(threading.Thread(target=flood))
    if args.reload_every > 0:
        threads.append(threading.Thread(target=reload))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    memory, disk = [], []
    db = os.path.join(workdir, "db")

    def sample():
        at = round(time.monotonic() - started, 1)
        memory.append((at, rss_kib(pid)))
        disk.append((at, dir_kib(db)))

    while any(t.is_alive() for t in threads):
        sample()
        time.sleep(args.sample_every)
    for thread in threads:
        thread.join()
    sample()
    warm = [kib for t, kib in memory if t >= min(30, args.seconds / 3)]
    total = sum(sent.values())
    return {
        "seconds": round(time.monotonic() - started, 1),
        "requests": total,
        "rate": round(total / max(1e-9, time.monotonic() - started), 1),
        "unexpected": unexpected[:50],
        "unexpected_count": len(unexpected),
        "refusals": dict(sorted(refusals.items())),
        "latency_ms": {
            name: {"n": len(v), "p50": round(percentile(v, 0.5), 2), "p99": round(percentile(v, 0.99), 2), "max": round(max(v), 2)}
            for name, v in sorted(latencies.items())
        },
        "idle_connections_flooded": dict(flooded),
        "rss_kib": memory,
        "rss_growth_when_warm_kib": (warm[-1] - warm[0]) if len(warm) > 1 else 0,
        "reloads": dict(reloads),
        "db_kib": disk,
    }


def print_report(report):
    print(f"{report['requests']} requests in {report['seconds']} s ({report['rate']}/s)")
    print(f"unexpected answers: {report['unexpected_count']}")
    for line in report["unexpected"][:10]:
        print(f"  {line}")
    print("refusals by code:")
    for code, count in report["refusals"].items():
        print(f"  {code:<28} {count}")
    print("latency (ms):        n      p50      p99      max")
    for name, stats in report["latency_ms"].items():
        print(f"  {name:<14} {stats['n']:>6} {stats['p50']:>8} {stats['p99']:>8} {stats['max']:>8}")
    print(f"idle connections flooded: {report['idle_connections_flooded']}")
    samples = report["rss_kib"]
    print("server RSS (KiB) over time: " + ", ".join(f"{t}s={kib}" for t, kib in samples))
    print(f"RSS growth once warm: {report['rss_growth_when_warm_kib']} KiB")
    rss = [kib for _, kib in samples]
    print(f"RSS first/last/max: {rss[0]}/{rss[-1]}/{max(rss)} KiB")
    if report["reloads"]:
        disk = [kib for _, kib in report["db_kib"]]
        print(f"reloads (SIGHUP, landed when /health showed the new data hash): {report['reloads']}")
        print("database directory (KiB) over time: " + ", ".join(f"{t}s={kib}" for t, kib in report["db_kib"]))
        print(f"database directory first/last/max: {disk[0]}/{disk[-1]}/{max(disk)} KiB")


if __name__ == "__main__":
    main()
