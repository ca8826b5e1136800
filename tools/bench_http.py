"""The scale benchmark through HTTP (tools/benchmark.py, parts 2, 3 and 5): the API's lists,
the CSV exports in a fresh process each (time and peak memory), the admin's change lists."""

import json
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import quote
import tracemalloc

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import override_settings

from registry.models import Location
from .measuring import MEASURED_SETTINGS, capture, get_ok, ms, new_client, timed, verdict


# 2. The list endpoints of issue 6, a page of 50, anonymous.
PAGE = 50
ENDPOINTS = [
    ("enterprises by region and grade", "/api/v1/enterprises/?place=north-hamgyong&grade=special,1,2,3"),
    ("claims by date range and code", "/api/v1/claims/?published_after=2010-01-01&published_before=2014-12-31&max_code=3"),
    ("articles by full-text search", "/api/v1/articles/?q=oxygen+furnace"),
    # A broad word that also names ~600 enterprises: their claims' articles are listed too.
    ("articles by search, broad word", "/api/v1/articles/?q=steel"),
    # Issue 18's rare word, and issue 15's two-syllable Hangul query (found inside words:
    # 청진제철련합기업소…), both through the article search index (registry/articles/search.py).
    ("articles by search, rare word", "/api/v1/articles/?q=chorwon"),
    ("articles by Korean search, 2 syllables", "/api/v1/articles/?q=" + quote("제철")),
    ("claims by search, broad word", "/api/v1/claims/?q=steel"),
]
ENDPOINT_P95_TARGET = 0.150

# 3. CSV exports through the API: ~100k claims (three years) and every claim the public sees.
EXPORTS = [
    ("~100k claims", "/api/v1/claims/?format=csv&published_after=2009-01-01&published_before=2012-03-31"),
    ("all claims", "/api/v1/claims/?format=csv"),
]
EXPORT_MEMORY_RATIO_TARGET = 1.2

# 5. Admin change lists, as a superuser.
ADMIN_PAGES = [
    ("articles", "/admin/registry/article/"),
    ("enterprises", "/admin/registry/enterprise/"),
    ("articles, searched", "/admin/registry/article/?q=oxygen+furnace"),
    ("enterprises, searched", "/admin/registry/enterprise/?q=chongjin"),
]
ADMIN_TARGET = 0.300  # issue 18


# --- 2. API list endpoints ------------------------------------------------------------------

def bench_endpoints(out, repeats):
    out(f"2. API list endpoints, page of {PAGE}, anonymous, through the URL stack (django.test.Client)")
    client, results = new_client(), {}
    for label, url in ENDPOINTS:
        url = f"{url}&page_size={PAGE}"
        get_ok(client, url)
        with capture() as queries:
            body = get_ok(client, url).json()
        n_queries = len(queries)  # now: later requests empty the log it reads
        timing, _ = timed(lambda: get_ok(client, url), repeats, warmup=0)
        count = f"{body['count']:,}{'' if body.get('count_exact', True) else '+'} rows"
        out(f"   {label:<34} median {ms(timing.median):>10}  p95 {ms(timing.p95):>10}  "
            f"{n_queries} queries, {count:<12}  target p95 < 150 ms  {verdict(timing.p95 < ENDPOINT_P95_TARGET)}")
        results[label] = (timing, n_queries)
    return results


# --- 3. CSV export --------------------------------------------------------------------------

def _status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _rss_kib():
    return _status_kib("VmRSS")


def _peak_rss_kib():
    """This process' own peak resident memory. Not getrusage's ru_maxrss: Linux carries it
    over fork and exec, so a child started by the benchmark reported the parent's 220 MiB
    whatever it exported. VmHWM belongs to the address space, which exec replaces."""
    return _status_kib("VmHWM")


def export_once(url):
    """Consume one streamed CSV export: (rows, seconds, bytes)."""
    client = new_client()
    started = time.perf_counter()
    response = get_ok(client, url)
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    # No response.close(): the test client closes a streamed response once it is consumed,
    # and a second close would close the database connection (and break a test's transaction).
    return lines - 1, time.perf_counter() - started, size


def export_child(url):
    """Run in a fresh process (`benchmark --export-child URL`): one export, with the process'
    resident memory before and at its peak, as JSON on stdout."""
    with override_settings(**MEASURED_SETTINGS):
        Location.objects.exists()  # connect, load the apps' code
        before = _rss_kib()
        rows, seconds, size = export_once(url)
        peak = _peak_rss_kib()
    return {"rows": rows, "seconds": seconds, "bytes": size, "rss_before_kib": before, "rss_peak_kib": peak}


def _export_in_fresh_process(url):
    """A new interpreter (exec, not a forked copy of this one) that does nothing but connect
    and export: its peak memory is the export's alone."""
    manage = os.path.join(settings.BASE_DIR, "manage.py")
    done = subprocess.run(
        [sys.executable, manage, "benchmark", "--export-child", url],
        capture_output=True, text=True, check=True, env=os.environ.copy(), close_fds=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _export_in_this_process(url):
    # Inside a test's transaction a fresh process would not see the data: measure here,
    # with tracemalloc (Python allocations) standing in for the peak resident memory.
    tracemalloc.start()
    try:
        rows, seconds, size = export_once(url)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"rows": rows, "seconds": seconds, "bytes": size, "rss_before_kib": 0, "rss_peak_kib": peak // 1024}


def bench_export(out, exports, repeats):
    fresh = not connection.in_atomic_block
    how = "each run in a fresh process, peak RSS" if fresh else "in this process (a test), peak traced Python memory"
    out(f"3. CSV export through the API (?format=csv, streamed, anonymous), {how}")
    measure = _export_in_fresh_process if fresh else _export_in_this_process
    peaks = {}
    for label, url in exports:
        runs = [measure(url) for _ in range(repeats)]
        seconds = statistics.median(r["seconds"] for r in runs)
        rows = runs[-1]["rows"]
        peak = max(r["rss_peak_kib"] for r in runs)
        growth = max(r["rss_peak_kib"] - r["rss_before_kib"] for r in runs)
        peaks[label] = (rows, peak)
        out(f"   {label:<14} {rows:>10,} rows  median {seconds:7.2f} s ({rows / seconds:,.0f} rows/s, "
            f"{runs[-1]['bytes'] / 2**20:,.0f} MiB)   peak memory {peak / 1024:7.1f} MiB"
            + (f" ({growth / 1024:+.1f} MiB over the process before the export)" if fresh else ""))
    if len(exports) > 1:
        (small_rows, small), (large_rows, large) = peaks[exports[0][0]], peaks[exports[-1][0]]
        ratio = large / small if small else float("inf")
        out(f"   memory {large_rows:,} / {small_rows:,} rows: {ratio:.2f}x   "
            f"target <= {EXPORT_MEMORY_RATIO_TARGET}x  {verdict(ratio <= EXPORT_MEMORY_RATIO_TARGET)}")
    return peaks


# --- 5. admin change lists -------------------------------------------------------------------

def bench_admin(out, repeats):
    out("5. admin change lists, signed in as a superuser (django.test.Client)")
    results = {}
    with transaction.atomic():
        staff = get_user_model().objects.create_superuser("benchmark-admin", "", None)
        client = new_client()
        client.force_login(staff)
        for label, url in ADMIN_PAGES:
            get_ok(client, url)
            with capture() as queries:
                get_ok(client, url)
            n_queries = len(queries)
            timing, _ = timed(lambda: get_ok(client, url), repeats, warmup=0)
            out(f"   {label:<24} median {ms(timing.median):>10}  p95 {ms(timing.p95):>10}  "
                f"{n_queries} queries   target < {ADMIN_TARGET * 1000:.0f} ms  {verdict(timing.median < ADMIN_TARGET)}")
            results[label] = (timing, n_queries)
        transaction.set_rollback(True)
    return results
