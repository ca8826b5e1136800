#!/usr/bin/env python
"""Drive the API on loopback with concurrent clients for a fixed time, then report
throughput, latency percentiles and errors.

    python scripts/loadtest.py --gunicorn                 # start gunicorn, 50 clients, 60 s
    python scripts/loadtest.py --base-url http://127.0.0.1:8000 --clients 10 --seconds 5

Bounded by design: loopback addresses only, at most 200 clients and 600 seconds, and every
client stops at the deadline. With --gunicorn it starts gunicorn on a free loopback port
(production settings, the database from DATABASE_URL) and stops it afterwards. Exits 1 if
any request failed (a status other than 2xx, or no answer).
"""

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

# The request mix: (weight, path). List, filter, search, time series and CSV, as researchers
# use the API. Edit to taste; --url replaces the whole mix.
URLS = [
    (4, "/api/v1/enterprises/"),
    (3, "/api/v1/enterprises/?grade=special&place=North%20Hamgyong"),
    (3, "/api/v1/articles/?q=steel"),
    (2, "/api/v1/articles/?q=fertilizer&source=KCNA&published_after=2010"),
    (4, "/api/v1/claims/?activity=investment&max_code=3&published_after=2015-01-01&published_before=2016-12-31"),
    (3, "/api/v1/timeseries/?metric=articles&regions=Pyongyang,Chongjin&interval=year&max_code=3"),
    (1, "/api/v1/timeseries/?metric=enterprises&group_by=tier&interval=year&format=csv"),
    # CSV on a bounded filter: a whole-table export (all production claims: 60 MB, 12 s) is
    # a download, not a request to load-test.
    (1, "/api/v1/claims/?format=csv&activity=investment&max_code=2&place=Chongjin&published_after=2015-01-01"),
    (1, "/api/v1/enterprises/?format=csv&place=Chongjin&grade=special"),
]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_CLIENTS, MAX_SECONDS = 200, 600
ROOT = Path(__file__).resolve().parent.parent


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)  # path -> seconds, successful requests only
        self.errors = Counter()  # "path: status" -> count
        self.bytes = 0

    def record(self, path, seconds, status, size):
        with self.lock:
            if 200 <= status < 300:
                self.latencies[path].append(seconds)
                self.bytes += size
            else:
                self.errors[f"{path}: {status or 'no answer'}"] += 1


def client(host, port, mix, deadline, stats, seed):
    rng = random.Random(seed)
    paths = [path for weight, path in mix for _ in range(weight)]
    conn = None
    while time.monotonic() < deadline:
        path = rng.choice(paths)
        if conn is None:
            conn = http.client.HTTPConnection(host, port, timeout=30)
        start = time.monotonic()
        try:
            conn.request("GET", path, headers={"Accept": "application/json, text/csv;q=0.9"})
            response = conn.getresponse()
            body = response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            status, body = 0, b""
            conn.close()
            conn = None
        stats.record(path, time.monotonic() - start, status, len(body))
    if conn is not None:
        conn.close()


def run_load(base_url, mix, clients, seconds):
    parts = urlsplit(base_url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise SystemExit(f"--base-url must be http:// on a loopback address ({', '.join(sorted(LOOPBACK))}), not {base_url}")
    stats = Stats()
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(target=client, args=(parts.hostname, parts.port or 80, mix, deadline, stats, n), daemon=True)
        for n in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    elapsed = time.monotonic() - started
    return summarise(stats, elapsed, clients)


def summarise(stats, elapsed, clients):
    every = sorted(x for values in stats.latencies.values() for x in values)
    ok, errors = len(every), sum(stats.errors.values())
    ms = lambda s: round(s * 1000, 1)  # noqa: E731
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": ok + errors,
        "ok": ok,
        "errors": errors,
        "throughput_rps": round((ok + errors) / elapsed, 1) if elapsed else 0.0,
        "latency_ms": {f"p{p}": ms(percentile(every, p)) for p in (50, 90, 95, 99)} | {"max": ms(every[-1] if every else 0)},
        "megabytes": round(stats.bytes / 1e6, 1),
        "by_url": {
            path: {"ok": len(v), "p50_ms": ms(percentile(sorted(v), 50)), "p95_ms": ms(percentile(sorted(v), 95))}
            for path, v in sorted(stats.latencies.items())
        },
        "error_detail": dict(stats.errors.most_common()),
    }


def print_report(r):
    lat = r["latency_ms"]
    print(f"{r['clients']} clients, {r['seconds']} s: {r['requests']:,} requests, {r['throughput_rps']:,} req/s, {r['megabytes']} MB")
    print(f"latency ms: p50 {lat['p50']}  p90 {lat['p90']}  p95 {lat['p95']}  p99 {lat['p99']}  max {lat['max']}")
    print(f"errors: {r['errors']}")
    for what, count in r["error_detail"].items():
        print(f"  {count:>6}  {what}")
    print("by url (ok, p50 ms, p95 ms):")
    for path, s in r["by_url"].items():
        print(f"  {s['ok']:>7}  {s['p50_ms']:>8}  {s['p95_ms']:>8}  {path}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(workers):
    """gunicorn with production settings on a free loopback port; returns (process, url)."""
    port = free_port()
    env = dict(os.environ)
    env.setdefault("DJANGO_DEBUG", "0")
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    # Plain HTTP on loopback: no redirect to https, which would make every answer a 301.
    env.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    env.setdefault("DJANGO_STATIC_ROOT", tempfile.mkdtemp(prefix="loadtest-static-"))
    # The load measures capacity; the anonymous throttle would turn most answers into 429s.
    env.setdefault("API_ANON_THROTTLE_RATE", "100000000/minute")
    # Persistent connections, as in production (DEPLOY.md): a new PostgreSQL connection per
    # request costs a backend fork and Django's connection set-up.
    env.setdefault("DJANGO_CONN_MAX_AGE", "60")
    # The answers cache (when REGISTRY_CACHE_SECONDS > 0) starts empty: files of its own, not
    # those a previous run left (Redis, with REDIS_URL, keeps them REGISTRY_CACHE_SECONDS).
    env.setdefault("REGISTRY_CACHE_DIR", tempfile.mkdtemp(prefix="loadtest-answers-"))
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESS_LOG="")
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    bindir = Path(sys.executable).parent
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    proc = subprocess.Popen([str(bindir / "gunicorn"), "--config", "config/gunicorn.py", "config.wsgi"], cwd=ROOT, env=env)
    for _ in range(150):
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.terminate()
        raise SystemExit("gunicorn did not start within 30 s")
    return proc, f"http://127.0.0.1:{port}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--url", action="append", help="a path to request (repeatable); replaces the built-in mix")
    parser.add_argument("--gunicorn", action="store_true", help="start gunicorn on a free loopback port and stop it after")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: GUNICORN_WORKERS or 2 per CPU + 1)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be 1 to {MAX_CLIENTS}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be above 0 and at most {MAX_SECONDS}")
    mix = [(1, path) for path in args.url] if args.url else URLS

    server = None
    base_url = args.base_url
    if args.gunicorn:
        server, base_url = start_gunicorn(args.workers)
    try:
        report = run_load(base_url, mix, args.clients, args.seconds)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
