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
"""

import json
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import quote
import tracemalloc
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import OuterRef
from django.test.utils import override_settings

from registry.stored import evidence
from registry.series import timeseries
from registry.method.codebook import ACTIVITY_GROUPS
from registry.models import Article, AttributePeriod, Claim, Enterprise, Location, Story, StoryMember
from registry.services import claims_import

from .corpus import claims_csv, generate_corpus
from registry.access.visibility import known_through, published_statuses

from .measuring import Timing, capture, get_ok, ms, new_client, timed, verdict

# As production runs, minus the anonymous rate limit and the answers cache: every request
# does its work (a stored answer costs one primary-key read and would measure nothing).
MEASURED_SETTINGS = {"DEBUG": False, "API_ANON_THROTTLE_RATE": None, "REGISTRY_CACHE_SECONDS": 0}

# 1. "Articles on production or investment per year 2000–2025, Pyongyang vs Chongjin, codes 1–3."
TS_PARAMS = {
    "metric": "articles", "regions": "Pyongyang,Chongjin", "activity": "production,investment",
    "max_code": "3", "start": "2000", "end": "2025",
}
TS_REGIONS_MONTHLY = {
    "metric": "articles", "group_by": "region", "interval": "month", "activity": "production,investment",
    "max_code": "3", "start": "2000", "end": "2025",
}
TS_PLACES = ("pyongyang", "chongjin")
TS_ACTIVITIES = sorted(str(a) for a in (*ACTIVITY_GROUPS["investment"], *ACTIVITY_GROUPS["production"]))

# The load test's two series (scripts/loadtest.py), as parameters of the service.
TS_LOAD = [
    ("load: enterprises by tier, yearly, CSV", {"metric": "enterprises", "group_by": "tier", "interval": "year"}),
    ("load: articles, Pyongyang vs Chongjin, codes 1-3", {"metric": "articles", "regions": "Pyongyang,Chongjin", "interval": "year", "max_code": "3"}),
]

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


# --- 1. time series -------------------------------------------------------------------------

def timeseries_service(params):
    """The series as the API computes it for an anonymous researcher."""
    return timeseries.compute(timeseries.parse_params(params), user=AnonymousUser())


def timeseries_sql_text():
    year = (
        "EXTRACT(YEAR FROM a.published)::int" if connection.vendor == "postgresql"
        else "CAST(strftime('%%Y', a.published) AS INTEGER)"
    )
    activities = ", ".join(["%s"] * len(TS_ACTIVITIES))
    places = " UNION ALL ".join(["SELECT %s AS slug, %s AS prefix"] * len(TS_PLACES))
    published = ", ".join(f"'{status}'" for status in published_statuses())  # from settings, not input
    # Public, published articles only: what the service counts for an anonymous user, each
    # claim in the place its enterprise was in on the claim's date (its stored copy).
    return f"""
        SELECT g.slug, {year} AS year, COUNT(DISTINCT a.id)
        FROM registry_claim c
        JOIN registry_article a ON a.id = c.article_id
        JOIN registry_location l ON l.id = c.enterprise_place_id
        JOIN ({places}) g ON l.path LIKE g.prefix || '%%'
        WHERE c.activity IN ({activities}) AND c.code <= %s AND a.disclosure = 'public'
          AND a.status IN ({published}) AND a.published BETWEEN %s AND %s
        GROUP BY g.slug, {year}
    """


def _sql_params(places):
    start, end = date_range()
    return [v for p in places for v in (p.slug, p.path)] + TS_ACTIVITIES + [int(TS_PARAMS["max_code"]), start, end]


def date_range():
    query = timeseries.parse_params({"start": TS_PARAMS["start"], "end": TS_PARAMS["end"]})
    return query.start, query.end


def timeseries_sql(places):
    """The same series as one hand-written GROUP BY over both places: {name: [per year]}."""
    start, end = date_range()
    years = list(range(start.year, end.year + 1))
    found = {p.slug: {} for p in places}
    with connection.cursor() as cursor:
        cursor.execute(timeseries_sql_text(), _sql_params(places))
        for slug, year, n in cursor.fetchall():
            found[slug][int(year)] = n
    return {p.name: [found[p.slug].get(y, 0) for y in years] for p in places}


def plain_series(params):
    """The series as it was before coverage: the coverage step answers "none recorded"
    without asking the database, as on a registry with no coverage rows."""
    from registry.series import coverage

    with mock.patch.object(timeseries, "covered_shares", lambda query, keys, **kw: coverage.CoverageAnswer(None, coverage.NO_COVERAGE)):
        return timeseries_service(params)


# The same question three ways, measured in one alternating run (plain, coverage, shares, then
# the next repeat in a rotated order), so that load on the shared machine falls on all three.
def shares_counted(params):
    """per=all as the first request after a write asks it: the public's denominators are
    kept per data version (registry/series/shares.py), so forget them first."""
    from registry.stored import dataversion

    dataversion._remembered.clear()
    return timeseries_service({**params, "per": "all"})


TS_VARIANTS = [
    ("plain (coverage step off)", lambda params: plain_series(params)),
    ("with coverage", lambda params: timeseries_service(params)),
    ("with coverage and per=all", lambda params: timeseries_service({**params, "per": "all"})),
    ("per=all, after a write", shares_counted),
]


def bench_coverage_shares(out, repeats, params=TS_PARAMS):
    """Plain vs coverage vs shares: medians, their ratios, and the queries each sends (with
    code bands too: the count stays one query however many bands)."""
    runs = {label: [] for label, _ in TS_VARIANTS}
    results, queries = {}, {}
    for label, fn in TS_VARIANTS:  # warm-up, and the query counts
        fn(params)
        with capture() as captured:
            results[label] = fn(params)
        with capture() as banded:
            fn({**params, "bands": "1"})
        queries[label] = (len(captured), len(banded))
    for repeat in range(repeats):
        shift = repeat % len(TS_VARIANTS)
        for label, fn in TS_VARIANTS[shift:] + TS_VARIANTS[:shift]:
            started = time.perf_counter()
            fn(params)
            runs[label].append(time.perf_counter() - started)
    timings = {label: Timing(r) for label, r in runs.items()}
    plain = timings[TS_VARIANTS[0][0]].median
    covered = results[TS_VARIANTS[1][0]]
    unread = sum(1 for share in (covered.coverage or []) if share == 0)
    out(f"1b. the same series plain, with coverage, with coverage and shares: one alternating run of {repeats}; "
        f"queries without / with code bands ({len(bands_of_params(params))} bands)")
    ratios = {}
    for label, _ in TS_VARIANTS:
        timing = timings[label]
        ratios[label] = timing.median / plain if plain else float("inf")
        n, banded = queries[label]
        out(f"   {label:<28} median {ms(timing.median):>10}  p95 {ms(timing.p95):>10}  ratio {ratios[label]:5.2f}  "
            f"queries {n} / {banded}" + ("" if label == TS_VARIANTS[0][0] else f"   target <= 1.5  {verdict(ratios[label] <= 1.5)}"))
    out(f"   coverage: {len(covered.periods)} periods, {unread} unread (no value); {covered.coverage_note}")
    return {"timings": timings, "ratios": ratios, "queries": queries}


def bands_of_params(params):
    return timeseries.bands_of(int(params["max_code"]) if params.get("max_code") else None)


def bench_timeseries(out, repeats):
    places = [Location.objects.get(slug=s) for s in TS_PLACES]
    service, result = timed(lambda: timeseries_service(TS_PARAMS), repeats)
    sql, sql_values = timed(lambda: timeseries_sql(places), repeats)
    same = result.values == sql_values
    ratio = service.median / sql.median if sql.median else float("inf")
    totals = ", ".join(f"{group} {sum(values):,} articles" for group, values in result.values.items())
    out(f"1. time series: articles on production or investment per year 2000-2025, Pyongyang vs Chongjin, "
        f"codes 1-3, anonymous ({totals})")
    out(f"   service (registry.series.timeseries)        median {ms(service.median):>12}   target < 1,000 ms  {verdict(service.median < 1)}")
    out(f"   hand-written SQL GROUP BY            median {ms(sql.median):>12}")
    out(f"   ratio service / SQL                  {ratio:>19.2f}   target <= 1.5  {verdict(ratio <= 1.5)}")
    if not same:
        out("   WARNING: the service and the SQL disagree: " + repr((result.values, sql_values))[:300])
    monthly, monthly_result = timed(lambda: timeseries_service(TS_REGIONS_MONTHLY), repeats)
    out(f"   --group-by region, monthly ({len(monthly_result.groups)} regions x {len(monthly_result.periods)} months)"
        f"  median {ms(monthly.median):>12}   target < 1,000 ms  {verdict(monthly.median < 1)}")
    return {"service": service, "sql": sql, "ratio": ratio, "same": same, "monthly": monthly}


def computed_series(params):
    """The series as an anonymous user got it before the claims stored their public dates
    (and as a reviewer or coder still gets it): visible_to and a join to the articles."""
    from registry.models.claims import ClaimQuerySet, SeriesColumns

    def joined(claims, user):
        return SeriesColumns(claims.visible_to(user), "article__published", "article__precision")

    with mock.patch.object(ClaimQuerySet, "for_series", joined):
        return timeseries_service(params)


def before_series(params):
    """The series as main computed it before this round: joined to the articles, and one
    GROUP BY with COUNT(DISTINCT) (no distinct units first)."""
    with mock.patch.object(timeseries, "_DISTINCT_UNIT", {}):
        return computed_series(params)


STORED_VS_COMPUTED = [
    ("headline (1)", TS_PARAMS),
    ("regions monthly (1)", TS_REGIONS_MONTHLY),
    *TS_LOAD,
]


def bench_stored_series(out, repeats):
    """Each series three ways, rotating in one run (the load falls on all), answers compared:
    from the claims' stored public dates (this round), joined to the articles instead
    (distinct units first), and as before this round (joined, COUNT(DISTINCT)); the CSV
    written each time, as the API answers it."""
    out(f"1c. series: stored public dates vs joined to the articles vs before this round (rotating, {repeats} runs)")
    found = {}
    for label, params in STORED_VS_COMPUTED:
        runs = {"stored": [], "computed": [], "before": []}
        answers = {}
        order = [("stored", timeseries_service), ("computed", computed_series), ("before", before_series)]
        for repeat in range(repeats + 1):  # the first of each is a warm-up
            shift = repeat % len(order)
            for name, fn in order[shift:] + order[:shift]:
                started = time.perf_counter()
                result = fn(params)
                result.to_csv()
                if repeat:
                    runs[name].append(time.perf_counter() - started)
                answers[name] = (result.periods, result.values, result.left_out)
        stored, computed, before = Timing(runs["stored"]), Timing(runs["computed"]), Timing(runs["before"])
        same = answers["stored"] == answers["computed"] == answers["before"]
        out(f"   {label:<50} stored {ms(stored.median):>10}  joined {ms(computed.median):>10}  "
            f"before {ms(before.median):>10}  stored/before {stored.median / before.median:5.2f}"
            + ("" if same else "   WARNING: the answers disagree"))
        found[label] = {"stored": stored, "computed": computed, "before": before, "same": same}
    return found


# --- h. dated attributes (issue 24) ---------------------------------------------------------

HISTORY_SERIES = [
    ("articles by grade, yearly", {"metric": "articles", "group_by": "grade", "interval": "year", "start": "2000", "end": "2025"}, "grade"),
    ("articles by region, monthly", {"metric": "articles", "group_by": "region", "interval": "month", "start": "2000", "end": "2025"}, "region"),
]


def _dated_sql(kind, dated_join):
    """Hand SQL for the public's articles per group and period: on the claims' stored dated
    copies (what the service reads), or with the dated join done at query time (claims to
    their enterprises and attribute periods on the claim's date, as models/history.py says).
    Rows (group, year, month or 0, articles)."""
    year = "date_part('year', c.public_published)::integer AS y"
    sub = "0 AS s" if kind == "grade" else "date_part('month', c.public_published)::integer AS s"
    where = "c.public_published IS NOT NULL AND c.public_published BETWEEN '2000-01-01' AND '2025-12-31'"
    if kind != "grade":
        where += " AND c.public_precision <> 'year'"  # a year-only date is in no month
    if not dated_join:
        group = "c.enterprise_grade" if kind == "grade" else "c.enterprise_region"
        return (f"SELECT g, y, s, COUNT(*) FROM (SELECT DISTINCT {group} AS g, {year}, {sub}, c.article_id "
                f"FROM registry_claim c WHERE {where} AND {group} IS NOT NULL) u GROUP BY 1, 2, 3")
    attribute, column, plain, unknown = (
        ("grade", "p.value", "e.grade", "'unknown'") if kind == "grade" else ("place", "p.location_id", "e.location_id", "NULL")
    )
    value = f"COALESCE({column}, CASE WHEN h.enterprise_id IS NOT NULL THEN {unknown} ELSE {plain} END)"
    # The region of the place then: its path's first step.
    group, to_region = (value, "") if kind == "grade" else (
        "r.id",
        f"JOIN registry_location l ON l.id = {value} JOIN registry_location r ON r.level = 1 AND substr(l.path, 1, length(r.path)) = r.path ",
    )
    units = (
        f"SELECT DISTINCT {group} AS g, {year}, {sub}, c.article_id FROM registry_claim c "
        "JOIN registry_enterprise e ON e.id = c.enterprise_id "
        f"LEFT JOIN registry_attributeperiod p ON p.enterprise_id = c.enterprise_id AND p.attribute = '{attribute}' "
        "AND (p.valid_from IS NULL OR p.valid_from <= c.public_published) AND (p.valid_to IS NULL OR p.valid_to >= c.public_published) "
        f"LEFT JOIN (SELECT DISTINCT enterprise_id FROM registry_attributeperiod WHERE attribute = '{attribute}') h "
        f"ON h.enterprise_id = c.enterprise_id {to_region}WHERE {where}"
    )
    return f"SELECT g, y, s, COUNT(*) FROM ({units}) u WHERE g IS NOT NULL GROUP BY 1, 2, 3"


def _run_sql(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def bench_history(out, repeats):
    """The public's series by grade and by region on the claims' stored dated copies (the
    service, CSV written), against hand SQL on the same stored columns, hand SQL doing the
    dated join at query time, and the service with as_of=today (the enterprises joined),
    rotating in one run; totals compared."""
    periods = Claim.objects.values("enterprise").distinct().count()
    changed = AttributePeriod.objects.values("enterprise", "attribute").distinct()
    out(f"h. dated attributes: {changed.filter(attribute='grade').count():,} enterprises with a grade change, "
        f"{changed.filter(attribute='place').count():,} with a place change, of {periods:,} with claims ({repeats} runs, rotating)")
    found = {}
    for label, params, kind in HISTORY_SERIES:
        order = [
            ("service", lambda: timeseries_service(params).to_csv()),
            ("sql_stored", lambda: _run_sql(_dated_sql(kind, False))),
            ("sql_dated_join", lambda: _run_sql(_dated_sql(kind, True))),
            ("as_of_today", lambda: timeseries_service({**params, "as_of": "today"}).to_csv()),
        ]
        runs = {name: [] for name, _ in order}
        for repeat in range(repeats + 1):
            shift = repeat % len(order)
            for name, fn in order[shift:] + order[:shift]:
                started = time.perf_counter()
                fn()
                if repeat:
                    runs[name].append(time.perf_counter() - started)
        t = {name: Timing(values).median for name, values in runs.items()}
        service = timeseries_service(params)
        total = sum(v for row in service.values.values() for v in row if v)
        stored_total = sum(n for *_k, n in _run_sql(_dated_sql(kind, False)))
        joined_total = sum(n for *_k, n in _run_sql(_dated_sql(kind, True)))
        out(f"   {label:<30} service {ms(t['service']):>9}  SQL stored {ms(t['sql_stored']):>9}  SQL dated join "
            f"{ms(t['sql_dated_join']):>9}  as_of=today {ms(t['as_of_today']):>9}  service/dated join "
            f"{t['service'] / t['sql_dated_join']:4.2f}  service/SQL stored {t['service'] / t['sql_stored']:4.2f}  "
            f"totals {total:,}/{stored_total:,}/{joined_total:,}")
        found[label] = {**t, "same_totals": total == stored_total == joined_total}
    return found


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


# --- 4. import -------------------------------------------------------------------------------

# What an import writes: new rows of these models (and their history), undone after each run.
IMPORT_WRITES = (Claim, StoryMember, Story, Article, Enterprise)


def _import_marks():
    """Each written table's highest id (main and history), and the enterprises' stored
    evidence (the only columns of existing rows the generated file changes)."""
    from django.db.models import Max

    marks = {}
    for model in IMPORT_WRITES:
        for table in (model, model.history.model) if hasattr(model, "history") else (model,):
            pk = table._meta.pk.name
            marks[table] = table.objects.aggregate(top=Max(pk))["top"] or 0
    stored = list(Enterprise.objects.order_by().values_list("pk", *evidence.COLUMNS, "public_listed"))
    return marks, stored


def _undo_import(marks, stored):
    """Delete what the import wrote (rows above the marks), so the next run imports into the
    same corpus; the enterprises' stored evidence must come back with it. Raw DELETEs: the foreign
    keys are deferred, and Django's cascade collector would read every row first."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table, top in marks.items():
            pk = table._meta.pk.column
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table._meta.db_table)} WHERE {pk} > %s", [top])
        # The copy triggers recount the enterprises whose claims went (registry/stored/copies.py).
        now = set(Enterprise.objects.order_by().values_list("pk", *evidence.COLUMNS, "public_listed"))
        if any(row not in now for row in stored):
            raise AssertionError("the enterprises' stored evidence did not come back with the import undone")
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Autovacuum is off on the benchmark server: without this each run leaves ~150k
        # dead rows (and bloated indexes) for the next one to wade through.
        with connection.cursor() as cursor:
            for table in marks:
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table._meta.db_table)}")
            cursor.execute("VACUUM (ANALYZE) registry_enterprise")


def bench_import(out, rows, repeats, seed):
    """The whole import as `manage.py import_claims` runs it: read, check, write and COMMIT
    (where PostgreSQL runs the deferred foreign-key checks and data-version triggers), then
    what it wrote is deleted again, untimed. Each run starts with the data version moved, so
    the duplicate guard's name index is built cold, as in a fresh `import_claims` process."""
    data = claims_csv(rows=rows, seed=seed)
    runs, counts = [], None
    for _ in range(repeats):
        marks, stored = _import_marks()
        try:
            started = time.perf_counter()
            plan = claims_import(data=data)  # its own transaction: committed outside a test's
            runs.append(time.perf_counter() - started)
        finally:
            _undo_import(marks, stored)
        counts = plan.counts()
        # The undo knows only new rows and the enterprises' evidence: a file that touched
        # existing articles (their search columns, versions, statuses) could not be undone.
        assert counts["articles_matched"] == counts["claims_matched"] == 0 and not plan.refined_enterprises, counts
    timing = Timing(runs)
    rate = rows / timing.median
    target = 5000 if connection.vendor == "postgresql" else None
    out(f"4. import_claims of a generated {rows:,}-row CSV ({counts['articles_created']:,} articles, "
        f"{counts['enterprises_created']:,} new and {counts['enterprises_matched']:,} matched enterprises; "
        "committed, then deleted untimed)")
    out(f"   median {timing.median:.2f} s = {rate:,.0f} rows/s  (runs " + ", ".join(f"{t:.2f}" for t in runs) + " s)" + (
        f"   target >= 5,000 rows/s  {verdict(rate >= target)}" if target else "   (target applies on PostgreSQL)"))
    return rate


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


# --- 6. stored vs computed evidence, side by side ---------------------------------------------

def _evidence_page(stored):
    """Issue 18's enterprise list (North Hamgyong, grades special-3, first page of 50 by
    name, with its count) for an anonymous reader: from the stored public evidence (what
    for_api does now), or computed per row from the public claims (what it did before)."""
    place = Location.objects.get(slug="north-hamgyong")
    rows = Enterprise.objects.in_place(place).filter(grade__in=["special", "1", "2", "3"])
    if stored:
        rows = rows.visible_to(AnonymousUser()).with_evidence(AnonymousUser())
    else:
        claims = Claim.objects.filter(enterprise=OuterRef("pk"))
        rows = rows.filter(known_through(claims, None)).annotate(**Claim.objects.public().evidence(OuterRef("pk")))
    page = list(rows.order_by("name", "id").values("pk", "claim_count", "first_seen", "last_seen")[:PAGE])
    return rows.count(), page


def bench_stored_evidence(out, repeats):
    out("6. enterprise list evidence, stored columns vs per-row subqueries (the same page, alternating)")
    stored_runs, computed_runs, same = [], [], True
    for _ in range(repeats + 1):
        for stored, runs in ((True, stored_runs), (False, computed_runs)):
            started = time.perf_counter()
            result = _evidence_page(stored)
            runs.append(time.perf_counter() - started)
            if stored:
                stored_result = result
            else:
                same = same and result == stored_result
    stored_timing, computed_timing = Timing(stored_runs[1:]), Timing(computed_runs[1:])
    ratio = stored_timing.median / computed_timing.median
    out(f"   stored (public_* columns)            median {ms(stored_timing.median):>10}")
    out(f"   computed (correlated subqueries)     median {ms(computed_timing.median):>10}   ratio {ratio:.2f}"
        + ("" if same else "   WARNING: the two disagree"))
    return {"stored": stored_timing, "computed": computed_timing, "same": same}


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
