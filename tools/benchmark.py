"""The scale benchmark: figures, not assertions (machines here are shared and noisy).

`run()` measures the real paths a researcher or a coder meets, each as a median (and p95
for the endpoints) over repeated runs, and prints each figure next to its target from
issue 6:

1. the time series through registry.series.timeseries (parse_params + compute, as the API calls
   it, anonymously) against one hand-written GROUP BY; and all regions monthly; then the
   same series plain, with coverage and with shares (per=all) side by side; then (1c) the
   headline, regions monthly and the load test's two series from the claims' stored public
   dates against the join to the articles they replaced, alternating;
2. the API list endpoints through the whole URL stack (django.test.Client, in-process);
3. the API's CSV export of ~100k and of all claims, each size in a fresh process, for time
   and peak memory;
4. import_claims (registry.services.claims_import) on a generated file, committed, then undone;
5. the admin change lists, as a signed-in superuser;
6. the enterprise list's evidence from the stored columns against the per-row subqueries
   it replaced, alternating in one run (issue 18).

Everything runs with DEBUG off, as production does.

The measurements: tools/bench_series.py (1), tools/bench_http.py (2, 3, 5) and
tools/bench_writes.py (4, 6); this module runs them, tunes the database and explains."""

from tools.bench_http import ADMIN_PAGES, ENDPOINTS, EXPORTS, PAGE, bench_admin, bench_endpoints, bench_export
from tools.bench_series import (
    TS_LOAD, TS_PARAMS, TS_REGIONS_MONTHLY, bench_coverage_shares, bench_history, bench_stored_series,
    bench_timeseries, timeseries_service
)
from tools.bench_writes import bench_import, bench_stored_evidence

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings

from registry.models import Article, Claim, Enterprise, Location
from .corpus import generate_corpus
from .measuring import MEASURED_SETTINGS, capture, get_ok, new_client




# --- the whole run ---------------------------------------------------------------------------

def ensure_corpus(*, out, generate, enterprises, articles, seed):
    if not Location.objects.exists():
        call_command("load_reference", verbosity=0)
    if generate or not Article.objects.exists():
        out(f"generating the corpus: {enterprises:,} enterprises, {articles:,} articles, seed {seed}")
        report = generate_corpus(enterprises=enterprises, articles=articles, seed=seed, clear=True)
        out(f"   {report}")


# The PostgreSQL settings DEPLOY.md recommends for this workload ("PostgreSQL settings"),
# set on the benchmark's database so every connection (the export children's too) has them.
# shared_buffers is the server's (a restart): DEPLOY.md gives it, the benchmark cannot set it.
PG_SETTINGS = {
    # Sorts and hashes of a few hundred thousand rows (the monthly series' COUNT DISTINCT,
    # the search's id sets) in memory instead of on disk; per sort node, per connection.
    "work_mem": "64MB",
    # JIT compiled the big plans for ~75 ms each and never earned it back (settings.py also
    # turns it off for the app's connections).
    "jit": "off",
}


def tune_database(out=print):
    """ALTER DATABASE ... SET the workload's settings (new connections), and SET them on
    this one. PostgreSQL only."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        name = connection.ops.quote_name(cursor.fetchone()[0])
        for setting, value in PG_SETTINGS.items():  # constants above, not input
            cursor.execute(f"ALTER DATABASE {name} SET {setting} = '{value}'")
            cursor.execute(f"SET {setting} = '{value}'")
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
        # The import's ~500 MB of WAL a run: at the default 1GB a checkpoint every ~25 s, and
        # the runs after one pay its full-page writes (DEPLOY.md, PostgreSQL settings).
        cursor.execute("SHOW max_wal_size")
        wal = cursor.fetchone()[0]
    out(
        "PostgreSQL: " + ", ".join(f"{k} {v}" for k, v in PG_SETTINGS.items())
        + f", shared_buffers {buffers}, max_wal_size {wal} (the server's)"
    )


def run(**options):
    """The whole benchmark. Runs with DEBUG off, as production does (with it on, Django keeps
    every query's SQL in memory), and without the anonymous rate limit."""
    with override_settings(**MEASURED_SETTINGS):
        if not connection.in_atomic_block:  # a test's run leaves the test database alone
            tune_database(out=options.get("out", print))
        return _run(**options)


def _run(*, out=print, repeats=7, exports=EXPORTS, export_repeats=3, import_rows=50_000, import_repeats=3,
         generate=False, enterprises=20_000, articles=500_000, seed=1, sections="123456"):
    ensure_corpus(out=out, generate=generate, enterprises=enterprises, articles=articles, seed=seed)
    out(
        f"corpus: {Enterprise.objects.count():,} enterprises, {Article.objects.count():,} articles, "
        f"{Claim.objects.count():,} claims on {connection.vendor}; {repeats} timed runs each after a warm-up"
    )
    results = {}
    if "1" in sections:
        results["timeseries"] = bench_timeseries(out, repeats)
    if "1" in sections or "c" in sections:  # c: only 1b, the series plain vs coverage vs shares
        results["coverage_shares"] = bench_coverage_shares(out, repeats)
    if "1" in sections or "s" in sections:  # s: only 1c, stored vs joined series
        results["stored_series"] = bench_stored_series(out, repeats)
    if "2" in sections:
        results["endpoints"] = bench_endpoints(out, repeats)
    if "3" in sections:
        results["export"] = bench_export(out, exports, export_repeats)
    if "4" in sections:
        results["import"] = bench_import(out, import_rows, import_repeats, seed)
    if "5" in sections:
        results["admin"] = bench_admin(out, repeats)
    if "6" in sections:
        results["stored_evidence"] = bench_stored_evidence(out, repeats)
    if "h" in sections:
        results["history"] = bench_history(out, repeats)
    return results


def explain(out=print):
    """EXPLAIN (ANALYZE, BUFFERS) of the time-series query and of each endpoint's slowest
    query, as the real code paths send them (PostgreSQL)."""

    def plan(title, sql):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            out(f"== {title}\n" + "\n".join(row[0] for row in cursor.fetchall()) + "\n")

    def slowest(queries):
        return max(queries.captured_queries, key=lambda q: float(q["time"]))["sql"]

    tune_database(out=out)
    with override_settings(**MEASURED_SETTINGS), transaction.atomic():
        with capture() as queries:
            timeseries_service(TS_PARAMS)
        plan("(a) time series through the service", slowest(queries))
        with capture() as queries:
            timeseries_service(TS_REGIONS_MONTHLY)
        plan("(b) regions monthly through the service", slowest(queries))
        for label, params in TS_LOAD:
            with capture() as queries:
                timeseries_service(params)
            plan(f"(c) {label} through the service", slowest(queries))
        client = new_client()
        for label, url in ENDPOINTS:
            with capture() as queries:
                get_ok(client, f"{url}&page_size={PAGE}")
            for query in queries.captured_queries:
                out(f"-- {float(query['time']) * 1000:8.1f} ms  {query['sql'][:150]}")
            plan(f"(api) {label}: slowest query", slowest(queries))
        staff = get_user_model().objects.create_superuser("benchmark-admin", "", None)
        client.force_login(staff)
        for label, url in ADMIN_PAGES:
            with capture() as queries:
                get_ok(client, url)
            for query in queries.captured_queries:
                out(f"-- {float(query['time']) * 1000:8.1f} ms  {query['sql'][:150]}")
            plan(f"(admin) {label}: slowest query", slowest(queries))
        transaction.set_rollback(True)
