#!/usr/bin/env python3
"""The cost of metrics and traces on the request path: Q1's throughput and the server's CPU
time per request with both off, with metrics on, and with traces on, measured in pairs.

Each measurement runs two release servers at once, as bench/run.py starts wic-gql (one
worker, production mode), both pinned to the same core, each loaded by its own wrk on the
other core: `off` beside one of `off again` (the control: what two identical servers
differ by), `on` (`--metrics-address`; production serves /metrics only there) and `otlp`
(`--otlp-endpoint` to a collector in this script that reads each request whole, answers
200 and discards it, as fast as a socket allows: a collector that reads slowly makes the
server's sends slower too, and Python's `http.server` did, costing the traced server 1.4 %
of its share of the core, bench/results/optimizations.md, "Traces, encoded by the
exporter"). The
kernel shares the core evenly between two busy processes, so the pair's throughput ratio is
the inverse ratio of their CPU per request, measured over the same seconds: what the
machine's neighbours do to both at once cancels out. Run one after the other, two
identical servers on this virtual machine differed by up to 40 % from one run to the next
(bench/results/optimizations.md, "Metrics and traces, measured in pairs").

Every round starts each pair afresh (a process keeps its memory layout and its luck for as
long as it runs), in a rotated order, with the two servers' places (which wrk starts
first) swapped every other round; each pair is warmed for a second, then measures Q1 as
bench/run.py sends it (no operation name) and with `operationName` (the label path).
Prints every measurement and the medians of the per-pair ratios against `off`.

    bench/overhead.py                      # 10 rounds of 5 s
    bench/overhead.py --rounds 3 --seconds 5
"""

import argparse
import json
import os
import socket
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
    parser.add_argument("--connections", type=int, default=8, help="per server")
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
    collector = Discard()
    otlp = f"http://127.0.0.1:{collector.address[1]}"
    configs = {"off": [], "off again": [], "on": ["--metrics-address", "127.0.0.1:0"],
               "otlp": ["--otlp-endpoint", otlp]}
    compared = [name for name in configs if name != "off"]
    servers = []
    try:
        for name in configs:
            db = os.path.join(work, f"{name}.db")
            subprocess.run([binary, "seed", "--db", db], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        # Per (query, configuration): each pair's throughput and CPU-per-request ratio
        # against the `off` server beside it, and the configuration's own numbers.
        ratios = {(q, name): [] for q in bodies for name in compared}
        cpu_ratios = {(q, name): [] for q in bodies for name in compared}
        rates = {(q, name): [] for q in bodies for name in configs}
        for round_number in range(args.rounds):
            shift = round_number % len(compared)
            for name in compared[shift:] + compared[:shift]:
                pair = ["off", name] if round_number % 2 == 0 else [name, "off"]
                started = {}
                for side in pair:
                    db = os.path.join(work, f"{side}.db")
                    started[side] = Server(
                        side, [binary, "serve", "--port", "0", "--workers", "1", "--mode", "production",
                               "--db", db, "--max-concurrent", "100000", *configs[side]],
                        server_cpu, env={"RUST_LOG": "warn"})
                    servers.append(started[side])
                try:
                    for side, server in started.items():
                        for body in bodies.values():
                            status, answer = post(server.url, body)
                            if status != 200 or "errors" in json.loads(answer):
                                sys.exit(f"{side} answered {body!r} wrongly: {answer[:300]!r}")
                    for body in bodies.values():
                        together(started, pair, body, 1, args.connections, load_cpu, work)  # warm up
                    for q, body in bodies.items():
                        measured = together(started, pair, body, args.seconds, args.connections, load_cpu, work)
                        off, on = measured["off"], measured[name]
                        ratios[(q, name)].append(on["rps"] / off["rps"])
                        cpu_ratios[(q, name)].append(on["us"] / off["us"])
                        for side in pair:
                            rates[(q, side)].append(measured[side]["rps"])
                        log(f"round {round_number + 1} {q} {name}/off: {on['rps']:.0f}/{off['rps']:.0f} req/s "
                            f"({on['rps'] / off['rps']:.3f}), CPU {on['us']:.1f}/{off['us']:.1f} us a request")
                finally:
                    for server in started.values():
                        server.stop()
                        servers.remove(server)
        print(f"{args.rounds} rounds of {args.seconds} s, {args.connections} connections a server, "
              "two fresh servers at a time sharing one core")
        for q in bodies:
            for name in configs:
                print(f"{q} {name}: median {statistics.median(rates[(q, name)]):.0f} req/s (half a core) "
                      f"{[round(x) for x in rates[(q, name)]]}")
            for name in compared:
                print(f"{q}: {name}/off, median of the pairs' ratios: throughput "
                      f"{statistics.median(ratios[(q, name)]):.3f} {[round(x, 3) for x in ratios[(q, name)]]}, "
                      f"CPU per request {statistics.median(cpu_ratios[(q, name)]):.3f}")
        print(f"the collector received {Discard.bytes} bytes of spans in {Discard.posts} requests")
    finally:
        for server in servers:
            server.stop()
        collector.shutdown()


def together(started, pair, body, seconds, connections, load_cpu, work):
    """Loads the servers of `pair` at once, each with its own wrk (started in `pair`'s
    order); each one's requests/s and CPU microseconds per request."""
    before = {side: started[side].cpu_seconds() for side in pair}
    results = {}

    def load(side):
        folder = os.path.join(work, side)
        os.makedirs(folder, exist_ok=True)
        results[side] = wrk(started[side].url, [body], seconds, connections, load_cpu, folder)

    threads = [threading.Thread(target=load, args=(side,)) for side in pair]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for side in pair:
        spent = started[side].cpu_seconds() - before[side]
        results[side]["us"] = spent / max(1, results[side]["requests"]) * 1e6
    return results


class Discard:
    """An OTLP/HTTP collector that counts what it receives and keeps nothing: one request a
    connection (the server sends `Connection: close`), read into one buffer a few
    megabytes at a time."""
    posts = 0
    bytes = 0

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = self.listener.getsockname()
        self.buffer = bytearray(4 << 20)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                self.receive(connection)

    def receive(self, connection):
        # Read and counted, not decoded: this process shares the machine with the server and
        # wrk; tests/api/traces.rs checks what the spans say.
        head, total, need = b"", 0, None
        while need is None or total < need:
            n = connection.recv_into(self.buffer)
            if n == 0:
                return
            total += n
            if need is None:
                head += bytes(self.buffer[:n])
                end = head.find(b"\r\n\r\n")
                if end >= 0:
                    lines = head[:end].decode("latin-1").split("\r\n")[1:]
                    length = next(int(line.split(":", 1)[1]) for line in lines
                                  if line.lower().startswith("content-length:"))
                    need = end + 4 + length
                    Discard.bytes += length
                    head = b""
        Discard.posts += 1
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                           b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")

    def shutdown(self):
        self.listener.close()


if __name__ == "__main__":
    main()
