#!/usr/bin/env python3
"""The HTTP benchmark: wic-gql side by side with the HTTP floor and its alternatives.

Builds and starts each contestant on loopback, pins servers to one core and the load
generator (wrk) to the other, checks every contestant's answer to every query before timing
it, then runs the contestants interleaved (A B C ... A B C ...) for several rounds and
reports, per contestant and query, requests/s, p50/p99 latency, server CPU time per request
and the ratios the targets name. Results go to bench/results/ as Markdown, JSON and an SVG
chart.

A query with a `qN.variables.json` beside it (Q5) is sent with a different variable set on
every request: wrk cycles through the sets (a Lua `request` function), and every
contestant's answer to every set is checked first.

    bench/run.py            # the full run (several minutes), then the scale curve (bench/scale.py)
    bench/run.py --quick    # a few seconds per measurement: CI runs this so it never rots

Contestants:
  F0            bench/contestants/floor: actix-web returning precomputed bytes
  F1            bench/contestants/handwritten: actix-web + sled + serde_json, no GraphQL
  wic-gql       this repository's server, release build, production mode
  apollo        bench/contestants/apollo: @apollo/server over the same schema and data
  postgraphile  bench/contestants/postgraphile: PostGraphile over PostgreSQL, same data

Needs: cargo, wrk (apt-get install -y wrk), taskset, Node.js + npm (Apollo, PostGraphile),
PostgreSQL (apt-get install -y postgresql). A contestant whose prerequisites are missing is
reported as skipped, with the install command.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
# Where cargo puts release binaries (CARGO_TARGET_DIR when set, as cargo reads it).
RELEASE = os.path.join(os.path.abspath(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")), "release")
QUERIES = ["q0", "q1", "q2", "q3", "q4", "q5", "q6"]
QUERY_NAMES = {
    "q0": "Q0 { __typename }",
    "q1": "Q1 event by slug",
    "q2": "Q2 depth 4",
    "q3": "Q3 large page",
    "q4": "Q4 search",
    "q5": "Q5 Q2 with variables",
    "q6": "Q6 search, fragments",
}
CONTESTANTS = ["F0", "F1", "wic-gql", "apollo", "postgraphile"]
TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(command, **kwargs):
    log("$ " + " ".join(command))
    return subprocess.run(command, check=True, **kwargs)


def post(url, body, timeout=60):
    request = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


class Server:
    """A contestant's process, pinned to `cpu`, ready once it printed its URL."""

    def __init__(self, name, command, cpu, env=None, cwd=None, extra_pids=None):
        self.name = name
        full = ["taskset", "-c", str(cpu)] + command
        log(f"starting {name}: {' '.join(command)}")
        self.process = subprocess.Popen(
            full, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True,
        )
        self.url = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"{name} exited before it was ready")
            match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if match:
                self.url = match.group(1) + "/graphql"
                break
        if self.url is None:
            raise RuntimeError(f"{name} did not print its URL")
        self.extra_pids = extra_pids or (lambda: [])

    def pids(self):
        """The server's processes: its own tree, plus any it depends on (PostgreSQL)."""
        pids = {self.process.pid}
        for _ in range(3):
            for pid in list(pids):
                try:
                    children = open(f"/proc/{pid}/task/{pid}/children").read().split()
                except OSError:
                    children = []
                pids.update(int(c) for c in children)
        pids.update(self.extra_pids())
        return pids

    def cpu_seconds(self):
        total = 0
        for pid in self.pids():
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return total / TICKS

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)


def lua_string(data):
    """`data` (bytes) as a Lua string literal: printable ASCII as is (`"` and `\\` escaped),
    every other byte as a decimal escape."""
    def escape(byte):
        if byte in b'"\\':
            return "\\" + chr(byte)
        return chr(byte) if 32 <= byte < 127 else f"\\{byte:03d}"
    return '"' + "".join(escape(b) for b in data) + '"'


def wrk_script(bodies):
    """The wrk script that POSTs `bodies`: one fixed request, or a different one on every
    request, cycling through them in order (each formatted once, in `init`)."""
    if len(bodies) == 1:
        return ('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = {lua_string(bodies[0])}\n")
    return "\n".join([
        "local bodies = {",
        *[f"  {lua_string(body)}," for body in bodies],
        "}",
        "local requests, last = {}, 0",
        "function init(args)",
        "  for i, body in ipairs(bodies) do",
        '    requests[i] = wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)',
        "  end",
        "end",
        "function request()",
        "  last = last % #requests + 1",
        "  return requests[last]",
        "end",
        "",
    ])


def wrk(url, bodies, seconds, connections, cpu, workdir):
    script = os.path.join(workdir, "post.lua")
    with open(script, "w") as f:
        f.write(wrk_script(bodies))
    output = subprocess.run(
        ["taskset", "-c", str(cpu), "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "-s", script, url],
        check=True, capture_output=True, text=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)

    def latency(percent):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency(50),
        "p99_ms": latency(99),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(x) for x in socket_errors.groups()) if socket_errors else 0,
    }


def request_bodies(query_file, variables_file):
    """The request bodies of one query: `{"query": ...}`, or one body per variable set of
    `variables_file` (a JSON list of objects) when it exists."""
    query = open(query_file).read()
    if not os.path.exists(variables_file):
        return [json.dumps({"query": query}).encode()]
    return [json.dumps({"query": query, "variables": v}).encode() for v in json.load(open(variables_file))]


def same_json(a, b):
    """JSON equality, with floats equal to 1e-9 relative (Node and Rust round `ln` apart)."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    return a == b


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 s per measurement, 1 round (CI)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", help="comma-separated contestants to run")
    parser.add_argument("--out", default=os.path.join(BENCH, "results"))
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--sizes", help="scale curve sizes in records (default 1000,10000,100000,1000000; "
                                        "1000,10000 with --quick)")
    parser.add_argument("--no-scale", action="store_true", help="skip the scale curve (bench/scale.py)")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rounds = 1, 1
    wanted = args.only.split(",") if args.only else CONTESTANTS
    for tool in ["wrk", "taskset"]:
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed: apt-get install -y {'wrk' if tool == 'wrk' else 'util-linux'}")
    cpus = os.sched_getaffinity(0)
    server_cpu, load_cpu = (sorted(cpus)[-1], sorted(cpus)[0]) if len(cpus) > 1 else (0, 0)

    if not args.no_build:
        run(["cargo", "build", "--release", "--quiet", "-p", "wic-gql", "-p", "wic-gql-bench-floor"], cwd=ROOT)
        if subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "wic-gql-bench-handwritten"], cwd=ROOT).returncode != 0:
            log("F1 (bench/contestants/handwritten) did not build: it is skipped")
    work = tempfile.mkdtemp(prefix="wic-gql-bench-")
    os.chmod(work, 0o755)  # PostgreSQL runs as its own user and must reach its cluster here
    servers = []
    skipped = {}
    try:
        binary = os.path.join(RELEASE, "wic-gql")
        for db in ["wic.db", "f1.db"]:
            run([binary, "seed", "--db", os.path.join(work, db)], cwd=ROOT, stdout=subprocess.DEVNULL)
        export = os.path.join(work, "wic.json")
        with open(export, "w") as out:
            run([binary, "export", "--db", os.path.join(work, "wic.db")], stdout=out)

        queries = os.path.join(BENCH, "queries")
        variables = {q: os.path.join(queries, f"{q}.variables.json") for q in QUERIES}
        bodies = {q: request_bodies(os.path.join(queries, f"{q}.graphql"), variables[q]) for q in QUERIES}
        started = {}

        def start(name):
            if name == "wic-gql":
                return Server(name, [binary, "serve", "--port", "0", "--workers", "1", "--mode", "production",
                                     "--db", os.path.join(work, "wic.db"), "--max-complexity", "100000000",
                                     "--max-concurrent", "100000"], server_cpu, env={"RUST_LOG": "warn"})
            if name == "F0":
                answers = os.path.join(work, "answers")
                os.makedirs(answers, exist_ok=True)
                for q in QUERIES:
                    for i, body in enumerate(bodies[q]):
                        _, expected = post(started["wic-gql"].url, body)
                        stem = q if len(bodies[q]) == 1 else f"{q}-{i:02d}"
                        open(os.path.join(answers, f"{stem}.request.json"), "wb").write(body)
                        open(os.path.join(answers, f"{stem}.response.json"), "wb").write(expected)
                return Server(name, [os.path.join(RELEASE, "wic-gql-bench-floor"), "--port", "0", "--answers", answers], server_cpu)
            if name == "F1":
                return Server(name, [os.path.join(RELEASE, "wic-gql-bench-handwritten"), "--port", "0",
                                     "--db", os.path.join(work, "f1.db")], server_cpu)
            if name == "apollo":
                here = os.path.join(BENCH, "contestants", "apollo")
                npm_ci(here)
                return Server(name, ["node", "server.mjs", "--port", str(free_port()), "--data", export], server_cpu,
                              env={"NODE_ENV": "production"}, cwd=here)
            if name == "postgraphile":
                here = os.path.join(BENCH, "contestants", "postgraphile")
                npm_ci(here)
                cluster = os.path.join(work, "pg")
                url = subprocess.run([os.path.join(here, "setup.sh"), cluster, str(free_port()), export],
                                     check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
                postgres = lambda: [int(p) for p in subprocess.run(["pgrep", "-f", cluster], capture_output=True, text=True).stdout.split()]
                for pid in postgres():
                    subprocess.run(["taskset", "-a", "-p", "-c", str(server_cpu), str(pid)], capture_output=True)
                server = Server(name, [os.path.join(here, "start.sh"), str(free_port()), url], server_cpu, cwd=here, extra_pids=postgres)
                server.cluster = cluster
                return server
            raise ValueError(name)

        # wic-gql first: its answers are what the others are checked against.
        order = ["wic-gql"] + [c for c in CONTESTANTS if c != "wic-gql"]
        expected = {}
        for name in order:
            if name not in wanted and not (name == "wic-gql" and "F0" in wanted):
                continue
            reason = missing_prerequisite(name)
            if reason:
                skipped[name] = reason
                log(f"skipping {name}: {reason}")
                continue
            try:
                server = start(name)
            except Exception as error:  # a contestant that cannot start is reported, not fatal
                skipped[name] = f"could not start: {error}"
                log(f"skipping {name}: {error}")
                continue
            started[name] = server
            servers.append(server)

        # Check every answer (to every variable set) before timing anything.
        requests = {}
        for name, server in started.items():
            for q in QUERIES:
                requests[(name, q)] = bodies[q]
                if name == "postgraphile":
                    own = os.path.join(BENCH, "contestants", "postgraphile", "queries", f"{q}.graphql")
                    requests[(name, q)] = request_bodies(own, variables[q])
                for i, body in enumerate(requests[(name, q)]):
                    status, answer = post(server.url, body)
                    if name == "wic-gql":
                        expected[(q, i)] = answer
                    ok = status == 200 and "errors" not in json.loads(answer)
                    if name in ("F0", "F1", "apollo"):
                        ok = ok and same_json(json.loads(answer), json.loads(expected[(q, i)]))
                    if not ok:
                        sent = json.loads(body)
                        which = f"{q} with variables {sent['variables']}" if "variables" in sent else q
                        raise SystemExit(f"{name} answered {which} wrongly (status {status}): {answer[:300]!r}")
            # PostGraphile answers in its own schema: its facts are compared by its check.
            if name == "postgraphile" and not facts_checked(server, started["wic-gql"]):
                raise SystemExit("postgraphile's answers differ from wic-gql's in their facts (check.mjs above)")
            count = sum(len(requests[(name, q)]) for q in QUERIES)
            log(f"{name}: all {count} answers to {len(QUERIES)} queries checked")

        results = {name: {q: [] for q in QUERIES} for name in started}
        for round_number in range(args.rounds):
            for q in QUERIES:
                for name, server in started.items():
                    for body in requests[(name, q)]:
                        post(server.url, body)  # warm this path
                    if round_number == 0:
                        wrk(server.url, requests[(name, q)], min(1, args.seconds), args.connections, load_cpu, work)
                    before = server.cpu_seconds()
                    measured = wrk(server.url, requests[(name, q)], args.seconds, args.connections, load_cpu, work)
                    measured["cpu_us_per_request"] = round((server.cpu_seconds() - before) / max(1, measured["requests"]) * 1e6, 1)
                    results[name][q].append(measured)
                    log(f"round {round_number + 1} {q} {name}: {measured['rps']:.0f} req/s p50 {measured['p50_ms']:.2f} ms")
        report = summarize(results, skipped, args, server_cpu, load_cpu)
        write(report, args.out)
        if not args.no_scale:
            from scale import SIZES, scale_curve
            sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else [1_000, 10_000] if args.quick else SIZES
            scale_curve(sizes, 1 if args.quick else 5, report["mode"], args.out, server_cpu, load_cpu,
                        seeds=1 if args.quick else 3)
    finally:
        for server in servers:
            server.stop()
            if getattr(server, "cluster", None):
                subprocess.run([os.path.join(BENCH, "contestants", "postgraphile", "stop.sh"), server.cluster], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def npm_ci(directory):
    if not os.path.isdir(os.path.join(directory, "node_modules")):
        run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=directory)


def missing_prerequisite(name):
    if name in ("F0", "F1"):
        binary = "wic-gql-bench-floor" if name == "F0" else "wic-gql-bench-handwritten"
        if not os.path.exists(os.path.join(RELEASE, binary)):
            return f"target/release/{binary} is missing: cargo build --release -p {binary}"
    if name in ("apollo", "postgraphile") and not shutil.which("node"):
        return "Node.js is missing: apt-get install -y nodejs npm"
    if name == "postgraphile":
        versions = os.listdir("/usr/lib/postgresql") if os.path.isdir("/usr/lib/postgresql") else []
        if not any(os.path.exists(f"/usr/lib/postgresql/{v}/bin/initdb") for v in versions):
            return "PostgreSQL is missing: apt-get install -y postgresql"
    return None


def facts_checked(server, wic):
    """PostGraphile answers in its own schema: its check.mjs compares the facts of Q0-Q6
    (Q5 for every variable set)."""
    here = os.path.join(BENCH, "contestants", "postgraphile")
    result = subprocess.run(["node", "check.mjs", server.url, wic.url], cwd=here, capture_output=True, text=True)
    log(result.stdout.strip())
    return result.returncode == 0


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def summarize(results, skipped, args, server_cpu, load_cpu):
    table = {}
    for name, per_query in results.items():
        table[name] = {}
        for q, runs in per_query.items():
            best = {key: median([r[key] for r in runs]) for key in ("rps", "p50_ms", "p99_ms", "cpu_us_per_request")}
            best["non_2xx"] = sum(r["non_2xx"] for r in runs)
            best["socket_errors"] = sum(r["socket_errors"] for r in runs)
            best["rounds"] = len(runs)
            table[name][q] = best
    ratios = []

    def ratio(q, a, b, target, label):
        if a in table and b in table:
            value = table[a][q]["rps"] / table[b][q]["rps"]
            ratios.append({"query": q, "ratio": f"{a} / {b}", "value": round(value, 3), "target": target,
                           "met": value >= target, "label": label})

    ratio("q1", "wic-gql", "F0", 0.6, "Q1 at least 0.6x the HTTP floor")
    for q in ("q2", "q3", "q5", "q6"):
        ratio(q, "wic-gql", "F1", 0.7, f"{q.upper()} at least 0.7x hand-written")
    for q in QUERIES:
        ratio(q, "wic-gql", "apollo", 10, f"{q.upper()} at least 10x Apollo Server")
        ratio(q, "wic-gql", "postgraphile", 10, f"{q.upper()} at least 10x PostGraphile")
    return {
        "mode": "quick" if args.quick else "full",
        "seconds_per_run": args.seconds, "rounds": args.rounds, "connections": args.connections,
        "server_cpu": server_cpu, "load_generator_cpu": load_cpu,
        "machine": f"{os.cpu_count()} cores, {platform_line()}",
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "results": table, "ratios": ratios, "skipped": skipped,
    }


def platform_line():
    try:
        model = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
    except (OSError, AttributeError):
        model = "unknown CPU"
    return model


def write(report, out):
    os.makedirs(out, exist_ok=True)
    suffix = "-quick" if report["mode"] == "quick" else ""
    with open(os.path.join(out, f"results{suffix}.json"), "w") as f:
        json.dump(report, f, indent=2)
    lines = [f"# Benchmark results ({report['mode']})", "",
             f"{report['date']} — {report['machine']}; servers pinned to CPU {report['server_cpu']}, wrk to CPU "
             f"{report['load_generator_cpu']}; {report['connections']} connections, {report['seconds_per_run']} s per run, "
             f"{report['rounds']} interleaved round(s), medians shown. Every answer was checked before timing.", "",
             "| Query | Contestant | req/s | p50 ms | p99 ms | server CPU µs/req | non-2xx | socket errors |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for q in QUERIES:
        for name, per_query in report["results"].items():
            r = per_query[q]
            lines.append(f"| {QUERY_NAMES[q]} | {name} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                         f"{r['cpu_us_per_request']} | {r['non_2xx']} | {r['socket_errors']} |")
    lines += ["", "## Ratios (requests/s, same run)", "", "| Target | Ratio | Value | Met |", "|---|---|---:|---|"]
    for r in report["ratios"]:
        lines.append(f"| {r['label']} | {r['ratio']} | {r['value']} | {'yes' if r['met'] else '**no**'} |")
    if report["skipped"]:
        lines += ["", "## Skipped", ""] + [f"- {name}: {reason}" for name, reason in report["skipped"].items()]
    lines += ["", f"![throughput](throughput{suffix}.svg)", ""]
    with open(os.path.join(out, f"results{suffix}.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(out, f"throughput{suffix}.svg"), "w") as f:
        f.write(svg_chart(report))
    log(f"wrote {out}/results{suffix}.md, .json and throughput{suffix}.svg")
    print("\n".join(lines))


def svg_chart(report):
    """Grouped horizontal bars: requests/s per query and contestant, log scale."""
    import math
    colors = {"F0": "#999999", "F1": "#4e79a7", "wic-gql": "#e15759", "apollo": "#59a14f", "postgraphile": "#b07aa1"}
    names = list(report["results"])
    rows = [(q, n, report["results"][n][q]["rps"]) for q in QUERIES for n in names]
    top = max([r[2] for r in rows] + [10])
    width, bar, gap, left = 760, 14, 10, 150
    height = 40 + len(QUERIES) * (len(names) * bar + gap) + 40
    scale = lambda v: (width - left - 80) * math.log10(max(v, 1)) / math.log10(top)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
             f'<text x="{left}" y="20" font-size="13">Requests per second (log scale), {report["mode"]} run</text>']
    y = 40
    for q in QUERIES:
        parts.append(f'<text x="4" y="{y + len(names) * bar / 2 + 4}">{QUERY_NAMES[q]}</text>')
        for n in names:
            rps = report["results"][n][q]["rps"]
            parts.append(f'<rect x="{left}" y="{y}" width="{scale(rps):.1f}" height="{bar - 2}" fill="{colors.get(n, "#333")}"/>')
            parts.append(f'<text x="{left + scale(rps) + 4:.1f}" y="{y + bar - 4}">{n} {rps:.0f}</text>')
            y += bar
        y += gap
    parts.append("</svg>")
    return "\n".join(parts)


if __name__ == "__main__":
    main()
