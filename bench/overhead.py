#!/usr/bin/env python3
"""The cost of metrics and traces on the request path: Q1's throughput and the server's CPU
time per request with both off, with metrics on, and with traces on, in one interleaved run.

Starts release servers as bench/run.py starts wic-gql (one worker, production mode, pinned
to one core, wrk on the other), each over its own copy of the seeded database: `off`
without metrics, `off again` the same (the control: what two identical servers differ
by), `on` with `--metrics-address` (production serves /metrics only there) and `otlp` with
`--otlp-endpoint` to a collector in this script that answers 200 and discards.

Every round starts each server afresh, in a rotated order, warms it for a second, and
measures Q1 as bench/run.py sends it (no operation name) and with `operationName` (the
label path). A process keeps its own memory layout and its own luck for as long as it
runs, so a run that measured one process per configuration could not tell a configuration
from the process it ran in; a fresh process per round turns that into noise the median
absorbs, and the control says how much is left. Prints every measurement, and the medians
of the per-round ratios against `off` in the same round, the control's among them.

    bench/overhead.py                      # 10 rounds of 5 s
    bench/overhead.py --rounds 3 --seconds 5
"""

import argparse
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import BENCH, RELEASE, ROOT, Server, log, post, wrk  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "wic-gql"], cwd=ROOT, check=True)
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu, load_cpu = (cpus[-1], cpus[0]) if len(cpus) > 1 else (0, 0)
    # The collector (this process's threads) shares the load generator's core, never the
    # server's: the server's own cost is what is measured.
    os.sched_setaffinity(0, {load_cpu})
    binary = os.path.join(RELEASE, "wic-gql")
    query = open(os.path.join(BENCH, "queries", "q1.graphql")).read()
    bodies = {
        "Q1": json.dumps({"query": query}).encode(),
        "Q1 named": json.dumps({"query": "query Q1 " + query, "operationName": "Q1"}).encode(),
    }
    work = tempfile.mkdtemp(prefix="wic-gql-overhead-")
    collector = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Discard)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    otlp = f"http://127.0.0.1:{collector.server_address[1]}"
    configs = {"off": [], "off again": [], "on": ["--metrics-address", "127.0.0.1:0"],
               "otlp": ["--otlp-endpoint", otlp]}
    servers = {}
    try:
        for name in configs:
            db = os.path.join(work, f"{name}.db")
            subprocess.run([binary, "seed", "--db", db], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        results = {(q, name): [] for q in bodies for name in configs}
        cpu = {(q, name): [] for q in bodies for name in configs}
        names = list(configs)
        for round_number in range(args.rounds):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                db = os.path.join(work, f"{name}.db")
                server = servers[name] = Server(
                    name, [binary, "serve", "--port", "0", "--workers", "1", "--mode", "production",
                           "--db", db, "--max-concurrent", "100000", *configs[name]],
                    server_cpu, env={"RUST_LOG": "warn"})
                try:
                    for body in bodies.values():
                        status, answer = post(server.url, body)
                        if status != 200 or "errors" in json.loads(answer):
                            sys.exit(f"{name} answered {body!r} wrongly: {answer[:300]!r}")
                        wrk(server.url, [body], 1, args.connections, load_cpu, work)  # warm up
                    for q, body in bodies.items():
                        before = server.cpu_seconds()
                        measured = wrk(server.url, [body], args.seconds, args.connections, load_cpu, work)
                        us = (server.cpu_seconds() - before) / max(1, measured["requests"]) * 1e6
                        results[(q, name)].append(measured["rps"])
                        cpu[(q, name)].append(us)
                        log(f"round {round_number + 1} {q} {name}: {measured['rps']:.0f} req/s {us:.1f} us CPU")
                finally:
                    server.stop()
                    del servers[name]
        print(f"{args.rounds} rounds of {args.seconds} s, {args.connections} connections, "
              "a fresh server per configuration and round")
        for q in bodies:
            for name in configs:
                print(f"{q} {name}: {statistics.median(results[(q, name)]):.0f} req/s "
                      f"{[round(x) for x in results[(q, name)]]}, CPU per request "
                      f"{statistics.median(cpu[(q, name)]):.1f} us {[round(x, 1) for x in cpu[(q, name)]]}")
            for name in ("off again", "on", "otlp"):
                ratios = [on / off for on, off in zip(results[(q, name)], results[(q, "off")])]
                cpu_ratios = [on / off for on, off in zip(cpu[(q, name)], cpu[(q, "off")])]
                print(f"{q}: {name}/off, median of the rounds' ratios: throughput "
                      f"{statistics.median(ratios):.3f}, CPU per request {statistics.median(cpu_ratios):.3f}")
        print(f"the collector received {Discard.bytes} bytes of spans in {Discard.posts} requests")
    finally:
        for server in servers.values():
            server.stop()
        collector.shutdown()


class Discard(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP collector that counts what it receives and keeps nothing."""
    posts = 0
    bytes = 0

    def do_POST(self):
        # Read and counted, not decoded: this process shares the machine with the server and
        # wrk; tests/api/traces.rs checks what the spans say.
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Discard.posts += 1
        Discard.bytes += len(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    main()
