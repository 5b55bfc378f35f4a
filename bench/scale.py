#!/usr/bin/env python3
"""The scale curve: what each kind of query costs as the graph grows.

For each size N, seeds a fresh database with `wic-gql seed --synthetic N` (the real seed
data plus synthetic clusters linked to the real trends, see src/seed/synthetic.rs), then
reports the seed rate (records/s), the database size on disk, and for every query below
its cold latency (the first answer of a fresh server; the median over several fresh starts)
and its warm latency (wrk, one connection), then the server's memory (RSS) after all of
them, and the ratio of the largest size to the smallest for each.

The queries: Q1 and Q2 from the real graph (Q2 now crosses synthetic actors, so its answer
grows with the graph: its pages of 100 actors fill up; Q2 with pages of 3 answers the same
at every size), a lookup of
a random synthetic slug, the first page of every top-level list, a page deep in `actors`
by cursor, `orderBy: NAME`, `totalCount`, a sort of actor with its count, a year's events
with their count, a text filter on a word every synthetic topic holds (its first page, and its
count), a list of two kinds by name (its first page and count, and its last page) and by
date, and search for a frequent and for a rare term.
Every answer is checked to be a 200 without errors; Q1's and the paged Q2's must be the same
at every size. Each query's answer size is reported beside its ratios.

Cold is a fresh process, not a cold disk: the OS page cache is dropped only with
`--drop-caches` (root, and it slows everything else on the machine).

    bench/scale.py                          # 1k, 10k, 100k, 1M records
    bench/scale.py --sizes 1000,10000 --seconds 1
    bench/run.py                            # runs this too, after the contestants

Each size is seeded three times afresh (once with --quick), and the median seed reported.

Results go to bench/results/scale.md, .json and .svg (scale-quick.* with --quick).
"""

import argparse
import base64
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import BENCH, RELEASE, ROOT, Server, log, post, run, same_json, wrk  # noqa: E402

SIZES = [1_000, 10_000, 100_000, 1_000_000]
# Fresh server starts per size whose first answers give the cold latency (their median).
COLD_STARTS = 3
# The records of seed/: only where the synthetic ones start, to pick the lookup's cluster
# and the deep page's offset.
REAL_RECORDS = 139
# The actors of seed/: where the synthetic ones start in `actors`, for the deep page's cursor.
REAL_ACTORS = 33
# Records per synthetic cluster, and synthetic actors per cluster (src/seed/synthetic.rs).
CLUSTER_RECORDS, CLUSTER_ACTORS = 50, 18
# Why a query's cost grows with the graph, where its work is not bounded by the page: said
# under the targets whenever its ratio misses 1.5 (README, "Performance").
GROWS = {
    "q2": "its answer grows: the real trends' default pages of 100 actors fill with synthetic "
          "ones (see the answer bytes); with pages of 3, the same answer at every size, it is flat.",
    "text-count": "it counts every match: the slugs of a word's postings (a million at 1M records) "
                  "among the list's, no record read; a count of n matches cannot cost less than n "
                  "without a stored count per word and list.",
}

LISTS = ["records", "events", "trends", "actors", "places", "documents", "topics", "statistics"]


def cursor(field, position, slug, data_hash):
    """The cursor the API issues for the item `slug` at `position` of the top-level list
    `field` in seed order, over the data `data_hash` (README, "Cursors")."""
    name = json.dumps([field, None, None, None, None, None, None, "POSITION", "ASC"], separators=(",", ":"))
    raw = (bytes([1]) + hashlib.sha256(name.encode()).digest()[:8] + bytes.fromhex(data_hash[:16])
           + position.to_bytes(4, "big") + slug.encode())
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def deep_actor(position):
    """The slug at `position` of `actors` in seed order: the real actors, then each
    cluster's synthetic actors in turn (src/seed/synthetic.rs)."""
    synthetic = position - REAL_ACTORS
    return f"synthetic-actor-{synthetic // CLUSTER_ACTORS}-{synthetic % CLUSTER_ACTORS}"


def queries(records, real_records, data_hash):
    """Name → (description, document) for a graph of `records` records whose data hash is
    `data_hash`."""
    read = lambda q: open(os.path.join(BENCH, "queries", f"{q}.graphql")).read()
    clusters = max(1, (records - real_records) // CLUSTER_RECORDS)
    picker = random.Random(records)
    lookup = f"synthetic-actor-{picker.randrange(clusters)}-{picker.randrange(CLUSTER_ACTORS)}"
    deep = (records - real_records) * CLUSTER_ACTORS // CLUSTER_RECORDS // 2
    found = {
        "q1": ("Q1 event by slug", read("q1")),
        "q2": ("Q2 depth 4 from the real graph", read("q2")),
        # Q2 with pages small enough that the answer is the same at every size: what the
        # depth costs as the graph grows, apart from what the answer holds.
        "q2-pages": ("Q2 with pages of 3 (the same answer at every size)",
                     read("q2").replace("actors {", "actors(first: 3) {").replace("trends {", "trends(first: 3) {")),
        "lookup": ("random synthetic slug", f'{{ actor(slug: "{lookup}") {{ slug name trends {{ totalCount }} }} }}'),
    }
    for name in LISTS:
        found[f"list-{name}"] = (f"`{name}` first page", f"{{ {name}(first: 10) {{ nodes {{ slug }} }} }}")
    found["deep"] = ("`actors` page half-way down, by cursor",
                     f'{{ actors(first: 10, after: "{cursor("actors", deep, deep_actor(deep), data_hash)}") '
                     '{ nodes { slug } pageInfo { hasNextPage } } }')
    found["by-name"] = ("`topics` orderBy NAME", "{ topics(first: 10, orderBy: { field: NAME }) { nodes { slug name } } }")
    found["total"] = ("`totalCount` of actors and records",
                      "{ actors(first: 1) { totalCount } records(first: 1) { totalCount } }")
    found["sort"] = ("`actors(kind: COMPANY)` page and `totalCount` (a sort's stored list)",
                     "{ actors(kind: COMPANY, first: 10) { totalCount nodes { slug } } }")
    found["dated"] = ("`events(filter: { year: 2017 })` page and `totalCount` (the date index)",
                      "{ events(filter: { year: 2017 }, first: 10) { totalCount nodes { slug } } }")
    found["text"] = ('`topics(filter: { text: "synthetic" })` first page (a word in every synthetic topic)',
                     '{ topics(filter: { text: "synthetic" }, first: 5) { nodes { slug } } }')
    found["text-count"] = ('`topics(filter: { text: "synthetic" })` `totalCount` (counted from the postings: grows with the matches)',
                           '{ topics(filter: { text: "synthetic" }, first: 1) { totalCount } }')
    kinds = "records(kinds: [ACTOR, TOPIC], orderBy: { field: NAME }"
    found["kinds-count"] = ("`records(kinds: [ACTOR, TOPIC])` by NAME, first page and `totalCount` (the all-kinds header's counts)",
                            f"{{ {kinds}, first: 10) {{ totalCount nodes {{ slug }} }} }}")
    found["kinds-last"] = ("`records(kinds: [ACTOR, TOPIC])` by NAME, last page (its chunk found by the header's counts)",
                           f"{{ {kinds}, last: 3) {{ nodes {{ slug }} }} }}")
    found["kinds-date"] = ("`records(kinds: [TOPIC, STATISTIC])` by DATE, first page (few dated: found by the header's counts)",
                           "{ records(kinds: [TOPIC, STATISTIC], orderBy: { field: DATE }, first: 10) { nodes { slug } } }")
    found["search-frequent"] = ('search "synthetic" (every synthetic record)', '{ search(query: "synthetic", first: 5) { score node { slug } } }')
    found["search-rare"] = ('search "digital divide"', '{ search(query: "digital divide", first: 5) { score node { slug } } }')
    return found


def disk_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def memory_kib(pid):
    status = open(f"/proc/{pid}/status").read()
    field = lambda name: int(re.search(rf"^{name}:\s+(\d+) kB", status, re.M).group(1))
    return field("VmRSS"), field("VmHWM")


def drop_caches():
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def measure(sizes, seconds, server_cpu, load_cpu, work, cold_disk, seeds):
    binary = os.path.join(RELEASE, "wic-gql")
    expected = {}
    rows = []
    for size in sizes:
        db = os.path.join(work, f"scale-{size}.db")
        # Seeded `seeds` times afresh, the median kept: one seed is one draw of this
        # machine's neighbours, which move it by a quarter; every seed must write the same data.
        runs, hashes = [], set()
        for _ in range(seeds):
            shutil.rmtree(db, ignore_errors=True)
            started = time.monotonic()
            output = subprocess.run([binary, "seed", "--db", db, "--synthetic", str(size)], cwd=ROOT, check=True,
                                    capture_output=True, text=True).stdout
            wall = time.monotonic() - started
            records = int(re.search(r"records\s+(\d+)", output).group(1))
            edges = int(re.search(r"edges\s+(\d+)", output).group(1))
            runs.append((int(re.search(r"time\s+(\d+) ms", output).group(1)), wall))
            hashes.add(re.search(r"data hash\s+([0-9a-f]{64})", output).group(1))
        if len(hashes) != 1:
            sys.exit(f"seeding {size} records gave different data hashes: {sorted(hashes)}")
        data_hash = hashes.pop()
        seed_ms, wall = sorted(runs)[len(runs) // 2]
        row = {"size": size, "records": records, "edges": edges, "seed_s": round(seed_ms / 1000, 2),
               "seed_wall_s": round(wall, 2), "seed_records_per_s": round(records / max(seed_ms / 1000, 1e-3)),
               "seed_runs_records_per_s": [round(records / max(ms / 1000, 1e-3)) for ms, _ in runs],
               "disk_mib": round(disk_bytes(db) / 2**20, 1), "queries": {}}
        log(f"seeded {records} records, {edges} edges in {[ms for ms, _ in runs]} ms, {row['disk_mib']} MiB on disk")
        set_ = queries(records, REAL_RECORDS, data_hash)
        bodies = {q: json.dumps({"query": text}).encode() for q, (_, text) in set_.items()}
        row["names"] = {q: name for q, (name, _) in set_.items()}
        start = lambda: Server(f"wic-gql@{size}", [binary, "serve", "--port", "0", "--workers", "1", "--mode",
                                                   "production", "--db", db, "--max-complexity", "100000000"],
                               server_cpu, env={"RUST_LOG": "warn"})

        sizes_of = {}

        def answer(server, q):
            """Q's answer, checked, and the time it took in ms."""
            began = time.monotonic()
            status, body = post(server.url, bodies[q])
            took = (time.monotonic() - began) * 1000
            parsed = json.loads(body)
            if status != 200 or "errors" in parsed:
                raise SystemExit(f"{q} at {size} records failed (status {status}): {body[:300]!r}")
            sizes_of.setdefault(q, len(body))
            if q in ("q1", "q2-pages"):
                if q in expected and not same_json(parsed, expected[q]):
                    raise SystemExit(f"{q} at {size} records answered differently than at {sizes[0]}")
                expected.setdefault(q, parsed)
            return took

        # Cold: the first answer of a fresh server, from the store, each query on its own
        # fresh start so that none is served from another's cache; the median of several.
        cold = {q: [] for q in bodies}
        for _ in range(COLD_STARTS):
            for q in bodies:
                if cold_disk:
                    drop_caches()
                server = start()
                try:
                    post(server.url, b'{"query":"{ __typename }"}')  # the connection and the schema, not the store
                    cold[q].append(round(answer(server, q), 2))
                finally:
                    server.stop()
        server = start()
        try:
            row["rss_start_kib"] = memory_kib(server.process.pid)[0]
            for q in bodies:
                answer(server, q)
                warm = wrk(server.url, [bodies[q]], seconds, 1, load_cpu, work)
                cold_ms = statistics.median(cold[q])
                row["queries"][q] = {"cold_ms": cold_ms, "cold_samples_ms": cold[q], "bytes": sizes_of[q],
                                     "p50_ms": warm["p50_ms"],
                                     "p99_ms": warm["p99_ms"], "rps": warm["rps"], "non_2xx": warm["non_2xx"]}
                log(f"{size}: {q} cold {cold_ms:.2f} ms, warm p50 {warm['p50_ms']:.3f} ms p99 {warm['p99_ms']:.3f} ms")
            row["rss_kib"], row["rss_peak_kib"] = memory_kib(server.process.pid)
        finally:
            server.stop()
        shutil.rmtree(db, ignore_errors=True)
        rows.append(row)
    return rows


def ratios(rows):
    """Each query's last-size latency over its first-size latency, warm and cold."""
    first, last = rows[0], rows[-1]
    return {q: {kind: round(last["queries"][q][kind] / max(first["queries"][q][kind], 1e-6), 2)
                for kind in ("p50_ms", "cold_ms")} for q in first["queries"]}


def targets(rows):
    first, last = rows[0], rows[-1]
    checks = []
    for q, r in ratios(rows).items():
        checks.append({"label": f"{first['names'][q]}: warm p50 at {last['records']} records within 1.5x of "
                                f"{first['records']}", "value": r["p50_ms"], "target": "<= 1.5",
                       "met": r["p50_ms"] <= 1.5})
    rate = min(r["seed_records_per_s"] for r in rows if r["size"] >= 100_000) if last["size"] >= 100_000 else None
    if rate is not None:
        checks.append({"label": "seeding at least 100k records/s (100k records and up)", "value": rate,
                       "target": ">= 100000", "met": rate >= 100_000})
    checks.append({"label": f"server RSS at {last['records']} records under 1 GiB", "value": last["rss_peak_kib"],
                   "target": "< 1048576 KiB", "met": last["rss_peak_kib"] < 1_048_576})
    return checks


def write(report, out, suffix):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, f"scale{suffix}.json"), "w") as f:
        json.dump(report, f, indent=2)
    rows = report["rows"]
    cold = "a fresh process and a dropped page cache" if report["cold_disk"] else \
        "a fresh process (the OS page cache was not dropped)"
    lines = [f"# Scale curve ({report['mode']})", "",
             f"{report['date']}; server pinned to CPU {report['server_cpu']}, wrk to CPU {report['load_generator_cpu']}, "
             f"one connection, {report['seconds']} s per query. Cold = the first request of {cold}, each query on its "
             f"own start, the median of {COLD_STARTS}; warm = wrk's percentiles on one more start, after which RSS is "
             "read. Every answer checked to be a 200 without errors; Q1's and the paged Q2's equal at every size.", "",
             (f"Seeding: the median of {report['seeds']} fresh seeds at each size, every seed's rate beside it."
              if report["seeds"] > 1 else "Seeding: one fresh seed at each size."), "",
             "| Records | Edges | Seed s | Seed records/s | Seeds, records/s | Disk MiB | RSS start KiB | RSS after KiB | RSS peak KiB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        each = ", ".join(str(x) for x in r.get("seed_runs_records_per_s", [r["seed_records_per_s"]]))
        lines.append(f"| {r['records']} | {r['edges']} | {r['seed_s']} | {r['seed_records_per_s']} | {each} | "
                     f"{r['disk_mib']} | {r['rss_start_kib']} | {r['rss_kib']} | {r['rss_peak_kib']} |")
    sizes = " | ".join(f"{r['records']}" for r in rows)
    lines += ["", f"Warm p50 ms (cold ms) by records, and the ratio of {rows[-1]['records']} to {rows[0]['records']}:", "",
              f"| Query | {sizes} | ratio warm | ratio cold | answer bytes, {rows[0]['records']} → {rows[-1]['records']} |",
              "|---|" + "---:|" * len(rows) + "---:|---:|---:|"]
    for q, r in ratios(rows).items():
        cells = " | ".join(f"{row['queries'][q]['p50_ms']:.3f} ({row['queries'][q]['cold_ms']})" for row in rows)
        answer = f"{rows[0]['queries'][q]['bytes']} → {rows[-1]['queries'][q]['bytes']}"
        lines.append(f"| {rows[0]['names'][q]} | {cells} | {r['p50_ms']} | {r['cold_ms']} | {answer} |")
    lines += ["", "| Target | Value | Target | Met |", "|---|---:|---|---|"]
    for c in report["targets"]:
        lines.append(f"| {c['label']} | {c['value']} | {c['target']} | {'yes' if c['met'] else '**no**'} |")
    missed = [q for q, r in report["ratios"].items() if r["p50_ms"] > 1.5]
    if missed:
        lines += ["", "Why the ratios over 1.5 grow:", ""]
        lines += [f"- {rows[0]['names'][q]}: {GROWS.get(q, 'not a known growth: measure it beside the build before, on the same data (a regression, or the machine).')}" for q in missed]
    lines += ["", f"![scale curve](scale{suffix}.svg)", ""]
    with open(os.path.join(out, f"scale{suffix}.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(out, f"scale{suffix}.svg"), "w") as f:
        f.write(svg(report))
    log(f"wrote {out}/scale{suffix}.md, .json and .svg")
    print("\n".join(lines))


def svg(report):
    """Warm p50 latency per query against the number of records, both axes log scale."""
    import math
    rows = report["rows"]
    names = list(rows[0]["queries"])
    palette = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
               "#bab0ac"]
    width, height, left, bottom, top = 760, 420, 70, 50, 40
    xs = [math.log10(r["records"]) for r in rows]
    values = [max(r["queries"][q]["p50_ms"], 1e-3) for r in rows for q in names]
    lo, hi = math.log10(min(values)) - 0.2, math.log10(max(values)) + 0.2
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    px = lambda x: left + (width - left - 240) * (x - x0) / (x1 - x0)
    py = lambda v: height - bottom - (height - bottom - top) * (math.log10(max(v, 1e-3)) - lo) / (hi - lo)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="10">',
             f'<text x="{left}" y="20" font-size="13">Warm p50 latency (ms, log) by records (log), {report["mode"]} run</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 230}" y2="{height - bottom}" stroke="#333"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#333"/>']
    for r, x in zip(rows, xs):
        parts.append(f'<text x="{px(x):.1f}" y="{height - bottom + 16}" text-anchor="middle">{r["records"]}</text>')
    for exponent in range(math.floor(lo), math.ceil(hi) + 1):
        if lo <= exponent <= hi:
            parts.append(f'<text x="{left - 6}" y="{py(10 ** exponent) + 4:.1f}" text-anchor="end">{10 ** exponent:g}</text>')
    for i, q in enumerate(names):
        color = palette[i % len(palette)]
        points = " ".join(f"{px(x):.1f},{py(r['queries'][q]['p50_ms']):.1f}" for r, x in zip(rows, xs))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        parts.append(f'<text x="{width - 220}" y="{top + 14 * i:.1f}" fill="{color}">{rows[0]["names"][q]}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def scale_curve(sizes, seconds, mode, out, server_cpu, load_cpu, cold_disk=False, seeds=1):
    work = tempfile.mkdtemp(prefix="wic-gql-scale-")
    try:
        rows = measure(sizes, seconds, server_cpu, load_cpu, work, cold_disk, seeds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {"mode": mode, "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "seconds": seconds,
              "server_cpu": server_cpu, "load_generator_cpu": load_cpu, "cold_disk": cold_disk, "seeds": seeds,
              "rows": rows,
              "targets": targets(rows), "ratios": ratios(rows)}
    write(report, out, "-quick" if mode == "quick" else "")
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1k and 10k records, 1 s per query (CI)")
    parser.add_argument("--sizes", help="comma-separated record counts (default 1000,10000,100000,1000000)")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(BENCH, "results"))
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--drop-caches", action="store_true",
                        help="drop the OS page cache before every cold start (root; slows the whole machine)")
    parser.add_argument("--seeds", type=int, help="fresh seeds at each size, the median reported (default 3; 1 with --quick)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([1_000, 10_000] if args.quick else SIZES)
    seconds = 1 if args.quick else args.seconds
    if not args.no_build:
        run(["cargo", "build", "--release", "--quiet", "-p", "wic-gql"], cwd=ROOT)
    cpus = sorted(os.sched_getaffinity(0))
    seeds = args.seeds or (1 if args.quick else 3)
    scale_curve(sizes, seconds, "quick" if args.quick else "full", args.out, cpus[-1], cpus[0], args.drop_caches, seeds)


if __name__ == "__main__":
    main()
