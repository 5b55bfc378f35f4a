#!/usr/bin/env python3
"""The cost of metrics and traces on the request path: Q1's throughput with both off, with
metrics on, and with traces on, in one interleaved run.

Starts two release servers over one seeded database copy each, as bench/run.py starts
wic-gql (one worker, production mode, pinned to one core, wrk on the other): `off` without
metrics, `on` with `--metrics-address` (production serves /metrics only there) and `otlp`
with `--otlp-endpoint` to a collector in this script that answers 200 and discards. Each
round measures Q1 on each, in turn (off, on, otlp, off, ...), as sent by bench/run.py (no
operation name) and with `operationName` (the label path). Prints the requests/s and the
server's CPU time per request of every measurement, the medians and on/off: on a shared
machine the CPU time per request is the steadier of the two.

    bench/overhead.py                      # 5 rounds of 10 s
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
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
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
    servers = {}
    try:
        for name, extra in [("off", []), ("on", ["--metrics-address", "127.0.0.1:0"]),
                            ("otlp", ["--otlp-endpoint", otlp])]:
            db = os.path.join(work, f"{name}.db")
            subprocess.run([binary, "seed", "--db", db], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            servers[name] = Server(name, [binary, "serve", "--port", "0", "--workers", "1", "--mode", "production",
                                          "--db", db, "--max-concurrent", "100000", *extra],
                                   server_cpu, env={"RUST_LOG": "warn"})
        for name, server in servers.items():
            for body in bodies.values():
                status, answer = post(server.url, body)
                if status != 200 or "errors" in json.loads(answer):
                    sys.exit(f"{name} answered {body!r} wrongly: {answer[:300]!r}")
            for body in bodies.values():
                wrk(server.url, [body], 1, args.connections, load_cpu, work)  # warm up
        results = {(q, name): [] for q in bodies for name in servers}
        cpu = {(q, name): [] for q in bodies for name in servers}
        for round_number in range(args.rounds):
            for q, body in bodies.items():
                for name, server in servers.items():
                    before = server.cpu_seconds()
                    measured = wrk(server.url, [body], args.seconds, args.connections, load_cpu, work)
                    us = (server.cpu_seconds() - before) / max(1, measured["requests"]) * 1e6
                    results[(q, name)].append(measured["rps"])
                    cpu[(q, name)].append(us)
                    log(f"round {round_number + 1} {q} metrics {name}: {measured['rps']:.0f} req/s {us:.1f} us CPU")
        print(f"{args.rounds} rounds of {args.seconds} s, {args.connections} connections, interleaved off/on")
        for q in bodies:
            for on_name in ("on", "otlp"):
                off, on = (statistics.median(results[(q, n)]) for n in ("off", on_name))
                print(f"{q}: off {off:.0f} req/s {[round(x) for x in results[(q, 'off')]]}, "
                      f"{on_name} {on:.0f} req/s {[round(x) for x in results[(q, on_name)]]}, "
                      f"{on_name}/off {on / off:.3f}")
                off, on = (statistics.median(cpu[(q, n)]) for n in ("off", on_name))
                print(f"{q}: CPU per request off {off:.1f} us {[round(x, 1) for x in cpu[(q, 'off')]]}, "
                      f"{on_name} {on:.1f} us {[round(x, 1) for x in cpu[(q, on_name)]]}, "
                      f"{on_name}/off {on / off:.3f}")
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
