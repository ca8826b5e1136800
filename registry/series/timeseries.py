"""Time series: coded articles, enterprises or claims per period, per place or kind of business.

The one service the command (export_timeseries), the API (/api/v1/timeseries/) and the
comparison page (/compare/) all call. Every count is made by the database: one SQL query,
a UNION ALL of one GROUP BY per group (and per code band), so that places which overlap
("Pyongyang" and "Sadong", "North Hamgyong" and "Chongjin") each count everything inside
them, and an article naming enterprises in two compared places counts once in each.
Python only walks the few result groups to zero-fill the periods.

    query = parse_params({"regions": "Pyongyang;Chongjin", "activity": "production,investment",
                          "max_code": "3"})
    result = compute(query, user=request.user)
    result.periods, result.groups, result.values["Chongjin"], result.left_out["Chongjin"]
"""

import operator
from dataclasses import dataclass
from functools import reduce

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, F, Func, IntegerField, Q, Value, When
from django.utils import translation
from django.db.models.functions import Coalesce, ExtractMonth, ExtractQuarter, ExtractYear

from infra import spreadsheets
from registry.method.codebook import TIER_GRADES, Grade, SourceKind, Tier
from registry.series.coverage import blank_uncovered, covered_shares, is_partial
from registry.series.shares import denominators, divide
from registry.models import Claim, Industry, Location, Precision, Source, history
from registry.series.params import (  # noqa: F401 (the service's parameters, re-exported for its callers)
    GROUP_BYS, INTERVALS, MAX_GROUPS, MAX_PERIODS, METRICS, ParameterError, SeriesQuestion, TimeSeriesQuery,
    bands_of, date_window, parse_params, period_count, period_key, straddles_possible, too_many_periods
)
from registry.vocabulary import select_claims

# Date precisions too coarse to be placed in a period of each interval: a year-only date
# says nothing about the quarter or month. Month precision fits a quarter and a month.
TOO_COARSE = {
    "year": (),
    "quarter": (Precision.YEAR,),
    "month": (Precision.YEAR,),
}

_METRIC_AGGREGATE = {
    "articles": lambda: Count("article", distinct=True),
    "enterprises": lambda: Count("enterprise", distinct=True),
    "claims": lambda: Count("id"),
    # Articles linked as one story count once; an article in no story is its own (its id
    # negated, so it never meets a story's id).
    "stories": lambda: Count(Coalesce("article__story_link__story_id", -F("article_id")), distinct=True),
}

# What a distinct metric counts, one row per unit (metric=claims counts rows).
_DISTINCT_UNIT = {
    "articles": lambda: F("article_id"),
    "enterprises": lambda: F("enterprise_id"),
    "stories": lambda: Coalesce("article__story_link__story_id", -F("article_id")),
}


def _count_units(units):
    """Rows (series, year, sub, placed, value, articles) from a query of distinct units per
    cell: one SQL query, COUNT(*) over the distinct rows. PostgreSQL can hash them, where
    COUNT(DISTINCT) in a GROUP BY sorts every matching claim (BENCHMARKS.md has the plans)."""
    try:
        # Compiled for the database it reads (a release's SQLite copy, not only the default).
        sql, params = units.query.get_compiler(using=units.db).as_sql()
    except EmptyResultSet:  # a condition nothing can meet: no rows, as the queryset would say
        return
    with connections[units.db].cursor() as cursor:
        cursor.execute(
            f"SELECT series, year, sub, placed, COUNT(*) FROM ({sql}) units GROUP BY series, year, sub, placed", params
        )
        for series, year, sub, placed, n in cursor.fetchall():
            yield {"series": series, "year": year, "sub": sub, "placed": placed, "value": n, "articles": n}


class DatePart(Func):
    """A date's year, quarter or month as an integer. PostgreSQL: date_part(...)::integer,
    since its EXTRACT returns numeric (PostgreSQL 14 on), slower to compute per claim and to
    hash among the distinct units: with it the regional monthly series' query took ~1.5x as
    long (BENCHMARKS.md). Elsewhere Django's Extract."""

    output_field = IntegerField()
    _EXTRACT = {"year": ExtractYear, "quarter": ExtractQuarter, "month": ExtractMonth}

    def __init__(self, expression, part):
        self.part = part
        super().__init__(self._EXTRACT[part](expression))  # what other databases compile

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        # `part` is one of the three keys of _EXTRACT, never a parameter.
        date = compiler.compile(self.get_source_expressions()[0].lhs)
        return f"date_part('{self.part}', {date[0]})::integer", date[1]


_SUB_PERIOD = {
    "year": lambda date: Value(0, output_field=IntegerField()),
    "quarter": lambda date: DatePart(date, "quarter"),
    "month": lambda date: DatePart(date, "month"),
}


@dataclass
class TimeSeries:
    """The answer: `values[group]` runs along `periods`; `left_out[group]` counts the
    articles whose date is too coarse for the interval (a year-only date in a quarterly
    series), which are in no period."""

    query: TimeSeriesQuery
    periods: list
    groups: list
    values: dict
    left_out: dict
    coverage: list | None = None  # each period's covered share (registry/series/coverage.py); None: none recorded
    coverage_note: str = ""
    denominators: list | None = None  # per=all: each period's total of the metric (registry/series/shares.py)
    attributes: str = ""  # which rule read what each claim's enterprise was (models/history.py)
    read: list | None = None  # per period: "complete", "partly", "not recorded"; None: no coverage
    partial: list | None = None  # per period: True where start or end cuts it short
    coverage_sources: dict | None = None  # {"recorded": [...], "unknown": [...]}

    def flags(self):
        """Per period, what a reader must know beside its value: "partial period" (start or
        end cuts it short) and "read: partly" / "read: not recorded" (coverage); "" if none."""
        read = self.read or [None] * len(self.periods)
        partial = self.partial or [False] * len(self.periods)
        return [
            "; ".join([*(["partial period"] if cut else []), *([f"read: {r}"] if r and r != "complete" else [])])
            for cut, r in zip(partial, read)
        ]

    def rows(self):
        """Long format, one (period, group, value, flag) per cell: groups outer, periods inner."""
        flags = self.flags()
        for group in self.groups:
            for period, value, flag in zip(self.periods, self.values[group], flags):
                yield period, group, value, flag

    def table(self):
        """The long table, header first; an empty period's value is None (an empty cell;
        coverage_text() gives the shares); `flag` marks partial and partly-read periods."""
        return [("period", "group", "value", "flag"), *self.rows()]

    def to_csv(self, *, bom=False):
        header, *rows = self.table()
        return spreadsheets.to_csv(header, rows, bom=bom)

    def to_json(self):
        return {
            "parameters": self.query.parameters(),
            "metric": self.query.metric,
            "interval": self.query.interval,
            "periods": self.periods,
            "groups": self.groups,
            "values": self.values,
            "flags": self.flags(),
            "partial": self.partial,
            "left_out": self.left_out,
            "left_out_note": left_out_note(self.query),
            "coverage": self.coverage,
            "coverage_note": self.coverage_note,
            "coverage_sources": self.coverage_sources,
            "read": self.read,
            "per": self.query.per or None,
            "denominators": self.denominators,
            "as_of": self.query.as_of.isoformat() if self.query.as_of else None,
            "attributes": self.attributes,
        }

    def coverage_text(self):
        """One line for standard error or a header: each period's covered share, or why none."""
        if self.coverage is None:
            return self.coverage_note
        return "coverage: " + ", ".join(f"{p}={share:g}" for p, share in zip(self.periods, self.coverage))

    def left_out_text(self):
        """One line for standard error or a page: how many articles were not placed."""
        counts = ", ".join(f"{group} {n}" for group, n in self.left_out.items())
        why = f"articles dated less precisely than a {self.query.interval}"
        if straddles_possible(self.query.start, self.query.end):
            why += ", or to a month or year running past start or end"
        return f"left out ({why}): {counts or 'none'}"


def left_out_note(query):
    coarse = TOO_COARSE[query.interval]
    parts = []
    if coarse:
        parts.append(f"articles dated only to the {' or '.join(str(p) for p in coarse)} are in no {query.interval}")
    if straddles_possible(query.start, query.end):
        parts.append("articles dated only to a month or year that runs past start or end may lie outside the range")
    if not parts:
        return "every article's date fits one period inside the range; none left out"
    return "; ".join(parts) + (
        ": they are counted here instead, in no period (use a longer interval, or start and end on whole years, to place them)")


# --- groups and periods ---------------------------------------------------------------------


def _short(label):
    """A grade's or tier's group name in a series: English whatever the request's language,
    since it is a column of the CSV and a key of the JSON ("special", "1st grade")."""
    with translation.override("en"):
        return str(label).split(" (")[0]


def _groups(query, attributes):
    """([(label, Q over claims)] for each group the query compares, Q of a claim in any of
    them). `attributes`: where what the claim's enterprise was is read (models/history.py:
    on the claim's date, the claims' stored copies; or on the day as_of names). The groups
    of a group_by are one column's values: "in any" is one IN list, which PostgreSQL
    hashes, where an OR of 13 equalities is tried one by one per claim."""
    if query.regions:
        names = [place.name for place in query.regions]
        groups = [
            # Two compared places of one name are told apart by their parent.
            (place.name if names.count(place.name) == 1 else str(place), attributes.place_in([place]))
            for place in query.regions
        ]
        return groups, Q(reduce(operator.or_, (within for _label, within in groups)))
    if query.group_by == "region":
        # The claim's stored first-level region (registry/stored/evidence.py): an integer equality
        # the planner estimates well, where 13 path prefixes (LIKE '/x/%') were guessed at 3
        # places of 213 and sent the sort of 300k rows to disk.
        regions = list(Location.objects.filter(level=1).order_by("iso_code", "name"))
        return [(r.name, attributes.region_is(r)) for r in regions], attributes.regions_in(regions)
    if query.group_by == "industry":
        tops = Industry.objects.filter(parent=None).order_by("name")
        groups = [(i.name, attributes.industry_in([i])) for i in tops]
        return groups, Q(reduce(operator.or_, (within for _label, within in groups)))
    if query.group_by == "grade":
        return [(_short(label), attributes.grade_in([value])) for value, label in Grade.choices], attributes.grade_in(Grade.values)
    if query.group_by == "tier":
        # A tier is its grades' (codebook.TIER_GRADES; Enterprise.tier is generated from
        # the grade): the claims store the grade.
        return [
            (_short(label), attributes.grade_in(TIER_GRADES[value])) for value, label in Tier.choices
        ], attributes.grade_in(Grade.values)
    if query.group_by == "source":
        sources = list(Source.objects.order_by("short_name", "pk"))
        return [(s.short_name, Q(article__source=s.pk)) for s in sources], Q(article__source__in=[s.pk for s in sources])
    if query.group_by == "source_kind":
        return [(value, Q(article__source__kind=value)) for value in SourceKind.values], Q(article__source__kind__in=SourceKind.values)
    return [("all", Q())], Q()


def period_label(key, interval):
    year, sub = key
    if interval == "year":
        return f"{year}"
    if interval == "quarter":
        return f"{year}-Q{sub}"
    return f"{year}-{sub:02d}"


def period_keys(first, last, interval):
    """Every period from first to last, inclusive."""
    per_year = {"year": 1, "quarter": 4, "month": 12}[interval]
    keys = []
    year, sub = first
    while (year, sub) <= last:
        keys.append((year, sub))
        if per_year == 1:
            year += 1
        else:
            sub += 1
            if sub > per_year:
                year, sub = year + 1, 1
    return keys


# --- the query ------------------------------------------------------------------------------


def compute(query, *, user=None):
    """Count the query's metric per group and period. One SQL query (a UNION ALL of
    GROUP BYs).

    `user` decides what is counted: anonymous users and users without the
    registry.view_restricted permission count public articles only. Whoever sees what the
    public sees is counted from the claims' stored public dates (ClaimQuerySet.for_series:
    one index, no join to the articles); everyone else from the articles they may see."""
    selection = dict(query.selection)
    if query.bands:
        selection.pop("max_code", None)  # each band applies its own
    # The date window is date_window's (one rule for every interval), not select_claims'.
    selection.pop("start", None), selection.pop("end", None)
    claims, date, precision = Claim.objects.for_series(user)
    attributes = history.attributes(query.as_of)
    claims = attributes.prepare(claims)
    coarse = TOO_COARSE[query.interval]
    window, outside = date_window(query.start, query.end, date, precision, coarse)
    base = select_claims(claims, selection, dated=date, attributes=attributes).filter(window)
    groups, in_any = _groups(query, attributes)
    bands = bands_of(query.max_code) if query.bands else [None]
    can_leave_out = straddles_possible(query.start, query.end, coarse)
    placed = Value(1, output_field=IntegerField())
    if can_leave_out:
        placed = Case(When(outside, then=Value(0)), default=Value(1), output_field=IntegerField())

    series = [(label, within, band) for label, within in groups for band in bands]
    # Compared places may overlap (Pyongyang and Sadong): one GROUP BY per place, UNION ALL.
    # Groups of a group_by never do (a claim is in one region, industry, grade, tier): one
    # GROUP BY per band, the group a CASE over the claim's enterprise, reads the claims once.
    if query.group_by:
        selections = []
        for position, band in enumerate(bands):
            key = Case(
                *[When(within, then=Value(g * len(bands) + position)) for g, (_label, within) in enumerate(groups)],
                output_field=IntegerField(),
            )
            selections.append((in_any, band, key))
    else:
        selections = [(within, band, Value(index, output_field=IntegerField())) for index, (_label, within, band) in enumerate(series)]
    # Distinct units first, counted after (below), where only one distinct count is asked:
    # articles (their left-out count is the value itself), or any distinct unit when nothing
    # can be left out (yearly). Otherwise one GROUP BY with COUNT(DISTINCT).
    unit = _DISTINCT_UNIT.get(query.metric)
    distinct_first = unit is not None and (query.metric == "articles" or not can_leave_out)
    parts = []
    for within, band, key in selections:
        part = base.filter(within)
        if band is not None:
            part = part.filter(code__lte=band)
        cells = dict(series=key, year=DatePart(date, "year"), sub=_SUB_PERIOD[query.interval](date), placed=placed)
        if distinct_first:
            parts.append(part.order_by().values(**cells, counted=unit()).distinct())
            continue
        parts.append(
            part.order_by()
            .values(**cells)
            .annotate(value=_METRIC_AGGREGATE[query.metric]())
            # Counting articles, the left-out count is the value itself: a second
            # COUNT(DISTINCT) would sort every group's rows once more.
            .annotate(articles=F("value") if query.metric == "articles" else Count("article", distinct=True))
        )
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    counts = {}
    left_out = [0] * len(series)
    for row in (_count_units(combined) if distinct_first else combined):
        index = int(row["series"])
        if int(row["placed"]):
            key = (int(row["year"]), int(row["sub"]))
            counts[(index, key)] = counts.get((index, key), 0) + int(row["value"])
        else:
            left_out[index] += int(row["articles"])

    found = [key for _index, key in counts]
    first = period_key(query.start, query.interval) if query.start else min(found, default=None)
    last = period_key(query.end, query.interval) if query.end else max(found, default=None)
    if first and last and period_count(first, last, query.interval) > MAX_PERIODS:
        # An open range the data stretches (a mistyped year 1900): refused before zero-filling.
        count = period_count(first, last, query.interval)
        raise ParameterError({"start" if not query.start else "end": [too_many_periods(count, query.interval)]})
    keys = period_keys(first, last, query.interval) if first and last and first <= last else []

    answer = covered_shares(query, keys, user=user)
    shares = answer.shares
    labels = [label if band is None else f"{label} ≤{band}" for label, _within, band in series]
    values = {label: [counts.get((index, key), 0) for key in keys] for index, label in enumerate(labels)}
    totals = denominators(query, keys, user=user, coarse=coarse) if query.per else None
    if shares is not None:
        # A period nobody recorded reading is empty only if it holds no article of the
        # sources in scope (registry/series/coverage.py): one more count, only when such a period
        # has nothing counted; the articles of a per=all series' denominators when they are.
        articles = [1] * len(keys)
        unread_and_empty = [i for i, share in enumerate(shares) if share == 0 and not any(row[i] for row in values.values())]
        if unread_and_empty:
            held = totals if query.per == "all" and query.metric == "articles" else denominators(
                query, keys, user=user, coarse=coarse, metric="articles")
            articles = [held.get(key, 0) for key in keys]
        values = blank_uncovered(values, shares, articles)
    return TimeSeries(
        query=query,
        periods=[period_label(key, query.interval) for key in keys],
        groups=labels,
        values=divide(values, keys, totals) if query.per else values,
        left_out=dict(zip(labels, left_out)),
        coverage=shares,
        coverage_note=answer.note,
        denominators=[totals.get(key, 0) for key in keys] if query.per else None,
        read=answer.read(),
        partial=[is_partial(key, query.interval, query.start, query.end) for key in keys],
        coverage_sources={"recorded": answer.recorded, "unknown": answer.unknown} if shares is not None else None,
        attributes=attributes.describe(),
    )
