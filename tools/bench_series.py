"""The scale benchmark's time series (tools/benchmark.py, part 1): the service against a
hand-written GROUP BY, plain, with coverage and with shares, the stored public dates against
the join they replaced, and the series of dated attributes."""

import time
from unittest import mock

from django.contrib.auth.models import AnonymousUser
from django.db import connection

from registry.series import timeseries
from registry.method.codebook import ACTIVITY_GROUPS
from registry.models import AttributePeriod, Claim, Location
from registry.access.visibility import published_statuses
from .measuring import Timing, capture, ms, timed, verdict


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
