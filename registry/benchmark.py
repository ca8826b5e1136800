"""The scale benchmark: figures, not assertions (machines here are shared and noisy).

`run()` prints, each as a median (and p95 where a target is about tails) over repeated runs:
the time series through the ORM against one hand-written GROUP BY; the list querysets the
API will serve; CSV export of claims (time and peak memory); import_claims on a generated
file; and the API endpoints and admin change lists that exist, through the test client.
Each figure is printed next to its target from issue 6.
"""

import csv
import math
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from .codebook import ACTIVITY_GROUPS
from .corpus import claims_csv, generate_corpus
from .models import Article, Claim, Enterprise, Location
from .services import claims_import

# "Articles on production or investment per year 2000–2025, Pyongyang vs Chongjin, codes 1–3."
TS_ACTIVITIES = sorted(str(a) for a in (*ACTIVITY_GROUPS["investment"], *ACTIVITY_GROUPS["production"]))
TS_PLACES = ("pyongyang", "chongjin")
TS_START, TS_END = date(2000, 1, 1), date(2025, 12, 31)
TS_MAX_CODE = 3

# The list endpoints of issue 6, as querysets, until the API serves them.
LIST_REGION, LIST_GRADES = "north-hamgyong", ["special", "1", "2", "3"]
LIST_START, LIST_END, LIST_MAX_CODE = date(2010, 1, 1), date(2014, 12, 31), 3
PAGE = 50

# Measured through django.test.Client when they exist; a 404 is reported and skipped.
# (label, url, needs a staff login, p95 target in seconds or None, median target or None)
ENDPOINTS = [
    ("API enterprises by region and grade", "/api/v1/enterprises/?region=north-hamgyong&grade=special", False, 0.150, None),
    ("API claims by date range and code", "/api/v1/claims/?start=2010-01-01&end=2014-12-31&max_code=3", False, 0.150, None),
    ("API articles by full-text search", "/api/v1/articles/?search=modernized", False, 0.150, None),
    ("admin change list: articles", "/admin/registry/article/", True, None, 0.500),
    ("admin change list: enterprises", "/admin/registry/enterprise/", True, None, 0.500),
]

EXPORT_COLUMNS = [
    "id", "article__published", "article__precision", "article__source__short_name", "article__title",
    "enterprise__name", "enterprise__location__slug", "activity", "code", "detail", "quantity", "unit",
]


@dataclass
class Timing:
    runs: list

    @property
    def median(self):
        return statistics.median(self.runs)

    @property
    def p95(self):
        ordered = sorted(self.runs)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def timed(fn, repeats, warmup=1):
    """Run fn warmup + repeats times; return the timings of the repeats and fn's last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    return Timing(runs), result


def verdict(ok):
    return "ok" if ok else "MISSED"


def ms(seconds):
    return f"{seconds * 1000:,.1f} ms"


# --- 1. time series -------------------------------------------------------------------------

def timeseries_orm(places):
    """The time series through the ORM: {place slug: {year: distinct articles}}.

    The one function to switch to registry.timeseries when the service lands."""
    series = {}
    for place in places:
        rows = (
            Claim.objects.public()
            .matching(activities=TS_ACTIVITIES, max_code=TS_MAX_CODE, places=[place], start=TS_START, end=TS_END)
            .annotate(year=ExtractYear("article__published"))
            .values("year")
            .annotate(n=Count("article", distinct=True))
            .order_by("year")
        )
        series[place.slug] = {row["year"]: row["n"] for row in rows}
    return series


def timeseries_sql_text():
    year = (
        "EXTRACT(YEAR FROM a.published)::int" if connection.vendor == "postgresql"
        else "CAST(strftime('%%Y', a.published) AS INTEGER)"
    )
    activities = ", ".join(["%s"] * len(TS_ACTIVITIES))
    places = " UNION ALL ".join(["SELECT %s AS slug, %s AS prefix"] * len(TS_PLACES))
    return f"""
        SELECT g.slug, {year} AS year, COUNT(DISTINCT a.id)
        FROM registry_claim c
        JOIN registry_article a ON a.id = c.article_id
        JOIN registry_enterprise e ON e.id = c.enterprise_id
        JOIN registry_location l ON l.id = e.location_id
        JOIN ({places}) g ON l.path LIKE g.prefix || '%%'
        WHERE c.activity IN ({activities}) AND c.code <= %s AND a.disclosure = 'public'
          AND a.published BETWEEN %s AND %s
        GROUP BY g.slug, {year}
    """


def timeseries_sql(places):
    """The same series as one hand-written GROUP BY over both places."""
    params = [v for p in places for v in (p.slug, p.path)] + TS_ACTIVITIES + [TS_MAX_CODE, TS_START, TS_END]
    series = {p.slug: {} for p in places}
    with connection.cursor() as cursor:
        cursor.execute(timeseries_sql_text(), params)
        for slug, year, n in cursor.fetchall():
            series[slug][int(year)] = n
    return series


def bench_timeseries(out, repeats):
    places = [Location.objects.get(slug=s) for s in TS_PLACES]
    orm, orm_result = timed(lambda: timeseries_orm(places), repeats)
    sql, sql_result = timed(lambda: timeseries_sql(places), repeats)
    same = orm_result == sql_result
    ratio = orm.median / sql.median if sql.median else float("inf")
    totals = ", ".join(f"{slug} {sum(years.values()):,} articles" for slug, years in orm_result.items())
    out(f"1. time series, per year {TS_START.year}-{TS_END.year}, {' vs '.join(TS_PLACES)}, codes <= {TS_MAX_CODE} ({totals})")
    out(f"   ORM (Claim.objects.matching)         median {ms(orm.median):>12}   target < 1,000 ms  {verdict(orm.median < 1)}")
    out(f"   hand-written SQL GROUP BY            median {ms(sql.median):>12}")
    out(f"   ratio ORM / SQL                      {ratio:>19.2f}   target <= 1.5  {verdict(ratio <= 1.5)}")
    if not same:
        out("   WARNING: the ORM and the SQL disagree: " + repr((orm_result, sql_result))[:300])
    return {"orm": orm, "sql": sql, "ratio": ratio, "same": same}


# --- 2. list querysets (what the list endpoints will run) ------------------------------------

def enterprise_page():
    region = Location.objects.get(slug=LIST_REGION)
    qs = Enterprise.objects.in_place(region).filter(grade__in=LIST_GRADES).with_evidence().order_by("name", "id")
    return qs.count(), list(qs[:PAGE])


def claim_page():
    qs = (
        Claim.objects.public()
        .matching(start=LIST_START, end=LIST_END, max_code=LIST_MAX_CODE)
        .select_related("article__source", "enterprise")
        .order_by("-article__published", "-id")
    )
    return qs.count(), list(qs[:PAGE])


def bench_lists(out, repeats):
    out(f"2. list querysets, page of {PAGE} plus its count (the API endpoints will add serialization)")
    results = {}
    for label, fn in (
        (f"enterprises in {LIST_REGION}, grades {'/'.join(LIST_GRADES)}, with evidence", enterprise_page),
        (f"claims {LIST_START.year}-{LIST_END.year}, code <= {LIST_MAX_CODE}, newest first", claim_page),
    ):
        with CaptureQueriesContext(connection) as queries:
            fn()
        timing, (count, _) = timed(fn, repeats)
        out(f"   {label:<60} median {ms(timing.median):>10}  p95 {ms(timing.p95):>10}  "
            f"{len(queries.captured_queries)} queries, {count:,} rows   target p95 < 150 ms  {verdict(timing.p95 < 0.150)}")
        results[label] = timing
    return results


# --- 3. CSV export ---------------------------------------------------------------------------

class NullSink:
    def write(self, text):
        return len(text)


def export_claims(limit, sink):
    """Stream `limit` claims as CSV rows, the way the export will: values_list().iterator()."""
    writer = csv.writer(sink)
    writer.writerow(EXPORT_COLUMNS)
    n = 0
    rows = Claim.objects.order_by("id").values_list(*EXPORT_COLUMNS)[:limit]
    for row in rows.iterator(chunk_size=2000):
        writer.writerow(row)
        n += 1
    return n


def bench_export(out, sizes, repeats):
    out("3. CSV export of claims, values_list().iterator() to a null sink")
    peaks = {}
    for size in sizes:
        timing, n = timed(lambda: export_claims(size, NullSink()), repeats, warmup=0)
        # Memory is measured apart, so tracing does not slow the timed runs.
        tracemalloc.start()
        export_claims(size, NullSink())
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        peaks[size] = peak
        out(f"   {n:>9,} rows   median {timing.median:8.2f} s  ({n / timing.median:,.0f} rows/s)   peak Python memory {peak / 2**20:7.2f} MiB")
    if len(sizes) > 1:
        low, high = peaks[min(sizes)], peaks[max(sizes)]
        ratio = high / low if low else float("inf")
        out(f"   memory {max(sizes):,} / {min(sizes):,} rows: {ratio:.2f}x   target <= 1.2x  {verdict(ratio <= 1.2)}")
    return peaks


# --- 4. import -------------------------------------------------------------------------------

def bench_import(out, rows, repeats, seed):
    data = claims_csv(rows=rows, seed=seed)
    runs, counts = [], None
    for _ in range(repeats):
        # Rolled back, so the corpus stays as generated and each run imports the same rows.
        with transaction.atomic():
            started = time.perf_counter()
            plan = claims_import(data=data)
            runs.append(time.perf_counter() - started)
            counts = plan.counts()
            transaction.set_rollback(True)
    timing = Timing(runs)
    rate = rows / timing.median
    target = 5000 if connection.vendor == "postgresql" else None
    out(f"4. import_claims of a generated {rows:,}-row CSV ({counts['articles_created']:,} articles, "
        f"{counts['enterprises_created']:,} new and {counts['enterprises_matched']:,} matched enterprises; rolled back)")
    out(f"   median {timing.median:.2f} s = {rate:,.0f} rows/s" + (
        f"   target >= 5,000 rows/s  {verdict(rate >= target)}" if target else "   (target applies on PostgreSQL)"))
    return rate


# --- 5. endpoints through the test client ----------------------------------------------------

def bench_endpoints(out, repeats):
    out("5. API endpoints and admin change lists (django.test.Client)")
    results = {}
    with transaction.atomic():
        staff = get_user_model().objects.create_superuser("benchmark-admin", "", None)
        # Outside the test runner "testserver" is no allowed host; speak as the first one that is.
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*",) and not h.startswith(".")), "localhost")
        anonymous, admin = Client(HTTP_HOST=host), Client(HTTP_HOST=host)
        admin.force_login(staff)
        for label, url, needs_staff, p95_target, median_target in ENDPOINTS:
            client = admin if needs_staff else anonymous
            response = client.get(url)
            if response.status_code != 200:
                out(f"   {label:<40} skipped: {url} answers {response.status_code}")
                continue
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            timing, _ = timed(lambda: client.get(url), repeats, warmup=0)
            target = ""
            if p95_target:
                target = f"target p95 < {p95_target * 1000:.0f} ms  {verdict(timing.p95 < p95_target)}"
            elif median_target:
                target = f"target < {median_target * 1000:.0f} ms  {verdict(timing.median < median_target)}"
            out(f"   {label:<40} median {ms(timing.median):>10}  p95 {ms(timing.p95):>10}  "
                f"{len(queries.captured_queries)} queries   {target}")
            results[label] = (timing, len(queries.captured_queries))
        transaction.set_rollback(True)
    return results


# --- the whole run ---------------------------------------------------------------------------

def ensure_corpus(*, out, generate, enterprises, articles, seed):
    if not Location.objects.exists():
        call_command("load_reference", verbosity=0)
    if generate or not Article.objects.exists():
        out(f"generating the corpus: {enterprises:,} enterprises, {articles:,} articles, seed {seed}")
        report = generate_corpus(enterprises=enterprises, articles=articles, seed=seed, clear=True)
        out(f"   {report}")


def run(**options):
    """The whole benchmark. Runs with DEBUG off, as production does: with it on, Django keeps
    every query's SQL (bulk inserts included) in memory."""
    with override_settings(DEBUG=False):
        return _run(**options)


def _run(*, out=print, repeats=5, export_sizes=(100_000, 1_000_000), import_rows=50_000, import_repeats=3,
         generate=False, enterprises=20_000, articles=500_000, seed=1, sections="12345"):
    ensure_corpus(out=out, generate=generate, enterprises=enterprises, articles=articles, seed=seed)
    out(
        f"corpus: {Enterprise.objects.count():,} enterprises, {Article.objects.count():,} articles, "
        f"{Claim.objects.count():,} claims on {connection.vendor}; {repeats} timed runs each"
    )
    results = {}
    if "1" in sections:
        results["timeseries"] = bench_timeseries(out, repeats)
    if "2" in sections:
        results["lists"] = bench_lists(out, repeats)
    if "3" in sections:
        results["export"] = bench_export(out, sorted(export_sizes), max(1, min(repeats, 3)))
    if "4" in sections:
        results["import"] = bench_import(out, import_rows, import_repeats, seed)
    if "5" in sections:
        results["endpoints"] = bench_endpoints(out, repeats)
    return results


def explain(out=print):
    """EXPLAIN ANALYZE of the queries the indexes are for (PostgreSQL)."""
    places = [Location.objects.get(slug=s) for s in TS_PLACES]
    region = Location.objects.get(slug=LIST_REGION)

    def plan(title, sql, params):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            out(f"== {title}\n" + "\n".join(row[0] for row in cursor.fetchall()) + "\n")

    for place in places:
        qs = (
            Claim.objects.public()
            .matching(activities=TS_ACTIVITIES, max_code=TS_MAX_CODE, places=[place], start=TS_START, end=TS_END)
            .annotate(year=ExtractYear("article__published")).values("year")
            .annotate(n=Count("article", distinct=True)).order_by("year")
        )
        plan(f"(a) time series, ORM, {place.slug}", *qs.query.sql_with_params())
    params = [v for p in places for v in (p.slug, p.path)] + TS_ACTIVITIES + [TS_MAX_CODE, TS_START, TS_END]
    plan("(a) time series, hand-written SQL, both places", timeseries_sql_text(), params)
    ent = Enterprise.objects.in_place(region).filter(grade__in=LIST_GRADES).with_evidence().order_by("name", "id")
    plan("(b) enterprise page", *ent[:PAGE].query.sql_with_params())
    claims = (
        Claim.objects.public().matching(start=LIST_START, end=LIST_END, max_code=LIST_MAX_CODE)
        .select_related("article__source", "enterprise").order_by("-article__published", "-id")
    )
    plan("(c) claim page", *claims[:PAGE].query.sql_with_params())
    count_sql, count_params = _count_sql(claims)
    plan("(c) claim count", count_sql, count_params)
    count_sql, count_params = _count_sql(Enterprise.objects.in_place(region).filter(grade__in=LIST_GRADES))
    plan("(b) enterprise count", count_sql, count_params)


def _count_sql(qs):
    """SQL the planner treats like the paginator's qs.count()."""
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({sql}) page_count", params
