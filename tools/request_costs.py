#!/usr/bin/env python
"""What each request of the load test's mix costs alone: wall time, CPU in the Django
process and in its PostgreSQL backend (the same machine's cores), and the queries sent; then
the throughput the mix would allow on the machine's cores (cores / weighted mean CPU).

    DATABASE_URL=postgres://... .venv/bin/python tools/request_costs.py [--repeats 5] [--queries]
    ... tools/request_costs.py --profile /api/v1/enterprises/      # cProfile of one URL

In process (Django's test client), with the settings gunicorn runs with (DEBUG off, answers
cache off unless REGISTRY_CACHE_SECONDS says otherwise, persistent connection). Less noisy
than the load test on a shared machine: CPU time is what a request costs whoever else runs.
The backend's CPU is read from /proc (PostgreSQL on this machine only; 10 ms ticks, so
averaged over the repeats)."""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "request-costs-not-a-secret-" + "x" * 30)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("API_ANON_THROTTLE_RATE", "100000000/minute")
os.environ.setdefault("DJANGO_CONN_MAX_AGE", "60")
os.environ.setdefault("REGISTRY_CACHE_SECONDS", "0")


def backend_ticks(connection):
    """CPU ticks (user + system) of this connection's PostgreSQL backend so far, or None."""
    if connection.vendor != "postgresql":
        return None
    if not hasattr(connection, "_costs_pid"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            connection._costs_pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{connection._costs_pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--queries", action="store_true", help="print each URL's SQL")
    parser.add_argument("--profile", metavar="URL", help="cProfile this URL (repeats times) instead")
    parser.add_argument("--url", action="append", help="measure these paths instead of the mix")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from loadtest import URLS
    from tools.measuring import new_client

    client = new_client()
    accept = {"HTTP_ACCEPT": "application/json, text/csv;q=0.9"}

    def get(url):
        response = client.get(url, **accept)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {body[:300]!r}")
        return body

    if args.profile:
        get(args.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeats):
            get(args.profile)
        profiler.disable()
        stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        return 0

    mix = [(1, u) for u in args.url] if args.url else URLS
    tick = os.sysconf("SC_CLK_TCK")
    rows = []
    for weight, url in mix:
        get(url)  # warm: connection, imports, the per-process memos
        walls, cpus, dbs = [], [], []
        for _ in range(args.repeats):
            ticks = backend_ticks(connection)
            cpu, wall = time.process_time(), time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                body = get(url)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            after = backend_ticks(connection)
            if ticks is not None and after is not None:
                dbs.append((after - ticks) / tick)
        db = statistics.mean(dbs) if dbs else 0.0
        rows.append((weight, url, statistics.median(walls), statistics.mean(cpus), db, len(queries), len(body)))
        if args.queries:
            print(f"\n{url}")
            for q in queries.captured_queries:
                print(f"  {q['time']}s  {q['sql'][:400]}")
    print(f"{'w':>2} {'wall ms':>8} {'app CPU':>8} {'db CPU':>7} {'total':>7} {'q':>3} {'bytes':>8}  url")
    for weight, url, wall, cpu, db, n, size in rows:
        print(f"{weight:>2} {wall * 1000:>8.0f} {cpu * 1000:>8.0f} {db * 1000:>7.0f} {(cpu + db) * 1000:>7.0f} {n:>3} {size:>8}  {url}")
    weights = sum(r[0] for r in rows)
    mean_cpu = sum(r[0] * (r[3] + r[4]) for r in rows) / weights
    mean_app = sum(r[0] * r[3] for r in rows) / weights
    mean_wall = sum(r[0] * r[2] for r in rows) / weights
    cores = os.cpu_count()
    print(
        f"weighted mean: wall {mean_wall * 1000:.0f} ms, CPU {mean_cpu * 1000:.0f} ms "
        f"(app {mean_app * 1000:.0f} ms); {cores} cores allow {cores / mean_cpu:.1f} req/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
