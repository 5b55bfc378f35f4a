#!/usr/bin/env python3
"""Overload and shutdown, measured from outside: what clients see.

overload: --clients keep-alive clients (or, with --fresh, a new connection each time) send a near-limit query in a loop for --seconds;
    counts answers by status and code, and attempts that ended in a reset, a closed
    connection or a timeout instead of an answer.
sigterm: --clients keep-alive clients send in a loop; after --seconds the server gets
    SIGTERM; counts requests fully sent before the signal that got no answer.

    cargo build --release
    scripts/overload.py overload --clients 700 --seconds 10
    scripts/overload.py sigterm --clients 64 --seconds 3

Starts the server (--binary, release by default) on a free port over a fresh database.
Only the Python standard library is used.
"""

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUERY = json.dumps({"query": "{ records(first: 500) { nodes { slug name } } }"}).encode()
REQUEST = (
    b"POST /graphql HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(QUERY), QUERY)
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, extra):
    folder = tempfile.mkdtemp(prefix="wic-overload-")
    port = free_port()
    server = subprocess.Popen(
        [binary, "serve", "--port", str(port), "--db", os.path.join(folder, "db"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    server.stdout.readline()
    return server, port, folder


async def receive(reader):
    """Reads one answer: (status, code, whether the server closes)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    code = None
    if status != 200:
        try:
            code = json.loads(body)["errors"][0]["extensions"]["code"]
        except (ValueError, KeyError, IndexError):
            code = "?"
    return status, code, headers.get("connection") == "close"


FAILURES = (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError, OSError)


async def client(port, until, counts, sent_log, timeout, fresh=False):
    """Sends in a loop on one keep-alive connection (a new one after a close or failure);
    logs (when the request was fully sent, whether it was answered)."""
    reader = writer = None
    while time.monotonic() < until():
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), timeout)
            writer.write(REQUEST)
            await writer.drain()
        except FAILURES as e:
            counts["not sent: " + type(e).__name__] += 1
            writer = None
            await asyncio.sleep(0.05)
            continue
        sent = time.monotonic()
        try:
            status, code, close = await asyncio.wait_for(receive(reader), timeout)
            counts[(status, code)] += 1
            sent_log.append((sent, True))
            if close or fresh:
                writer.close()
                writer = None
        except FAILURES as e:
            counts["no answer: " + type(e).__name__] += 1
            sent_log.append((sent, False))
            writer.close()
            writer = None
            await asyncio.sleep(0.05)


async def overload(args):
    server, port, folder = start(args.binary, args.server_args)
    counts = Counter()
    end = time.monotonic() + args.seconds
    await asyncio.gather(*(client(port, lambda: end, counts, [], 10, args.fresh)
                           for _ in range(args.clients)))
    server.send_signal(signal.SIGTERM)
    server.wait(60)
    shutil.rmtree(folder)
    total = sum(counts.values())
    print(f"overload: {args.clients} clients, {args.seconds} s, {total} attempts")
    for key, n in counts.most_common():
        print(f"  {key}: {n} ({100 * n / total:.1f} %)")


async def sigterm(args):
    server, port, folder = start(args.binary, args.server_args)
    counts = Counter()
    logs = [[] for _ in range(args.clients)]
    stop = [float("inf")]
    tasks = [asyncio.create_task(client(port, lambda: stop[0], counts, log, 30)) for log in logs]
    await asyncio.sleep(args.seconds)
    signalled = time.monotonic()
    server.send_signal(signal.SIGTERM)
    stop[0] = signalled
    await asyncio.get_running_loop().run_in_executor(None, server.wait, 60)
    await asyncio.gather(*tasks)
    shutil.rmtree(folder)
    sent = [ok for log in logs for (at, ok) in log if at < signalled]
    lost = sum(1 for ok in sent if not ok)
    print(f"sigterm: {args.clients} clients; {len(sent)} requests sent before the signal, "
          f"{lost} of them unanswered; exit code {server.returncode}")
    print(f"  all attempts: {dict(counts)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["overload", "sigterm"])
    parser.add_argument("--clients", type=int, default=700)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--fresh", action="store_true",
                        help="a new connection for every request (no keep-alive)")
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/wic-gql"))
    parser.add_argument("--serve-args", dest="server_args", default="", type=str.split,
                        help="more arguments for `wic-gql serve`, in one string")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(overload(args) if args.mode == "overload" else sigterm(args))


if __name__ == "__main__":
    sys.exit(main())
