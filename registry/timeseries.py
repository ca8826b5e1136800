"""Time series: coded articles, enterprises or claims per period, per place or kind of business.

The one service the command (export_timeseries), the API (/api/v1/timeseries/) and the
comparison page (/compare/) all call. Every count is made by the database: one SQL query,
a UNION ALL of one GROUP BY per group (and per code band), so that places which overlap
("Pyongyang" and "Sadong", "North Hamgyong" and "Chongjin") each count everything inside
them, and an article naming enterprises in two compared places counts once in each.
Python only walks the few result groups to zero-fill the periods.

    query = parse_params({"regions": "Pyongyang,Chongjin", "activity": "production,investment",
                          "max_code": "3"})
    result = compute(query, user=request.user)
    result.periods, result.groups, result.values["Chongjin"], result.left_out["Chongjin"]
"""

import csv
import datetime
import io
import operator
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import ExtractMonth, ExtractQuarter, ExtractYear

from . import codebook
from .codebook import Grade, Tier
from .dates import BadDate, parse_partial_date, period_end
from .industries import IndustryLookupError, resolve_industry
from .models import Claim, Industry, Location, Precision, SourceKind, Status
from .places import PlaceLookupError, describe_error, resolve_place
from .querysets import in_industries, inside_places

METRICS = ("articles", "enterprises", "claims")
INTERVALS = ("year", "quarter", "month")
GROUP_BYS = ("region", "industry", "grade", "tier")
BANDS = (1, 2, 3, 4, 5)

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
}

_SUB_PERIOD = {
    "year": lambda: Value(0, output_field=IntegerField()),
    "quarter": lambda: ExtractQuarter("article__published"),
    "month": lambda: ExtractMonth("article__published"),
}


class ParameterError(ValueError):
    """A bad time-series parameter. `param` names it as the API spells it (`max_code`);
    the command shows it as its flag (`--max-code`)."""

    def __init__(self, param, message):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message

    @property
    def flag(self):
        return "--" + self.param.replace("_", "-")


@dataclass
class TimeSeriesQuery:
    """What to count, filtered how, grouped how. Build it with parse_params()."""

    metric: str = "articles"
    interval: str = "year"
    activities: list = field(default_factory=list)  # group names and slugs as given
    regions: list = field(default_factory=list)  # Location objects
    group_by: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None
    start_text: str = ""
    end_text: str = ""
    max_code: int | None = None
    source_kinds: list = field(default_factory=list)
    grades: list = field(default_factory=list)
    tiers: list = field(default_factory=list)
    industries: list = field(default_factory=list)  # Industry objects
    statuses: list = field(default_factory=list)
    bands: bool = False

    def parameters(self):
        """The parameters as text, the way the API and the command take them back."""
        params = {
            "metric": self.metric,
            "interval": self.interval,
            "activity": ",".join(self.activities),
            "regions": ",".join(place.slug for place in self.regions),
            "group_by": self.group_by,
            "start": self.start_text,
            "end": self.end_text,
            "max_code": "" if self.max_code is None else str(self.max_code),
            "source_kind": ",".join(self.source_kinds),
            "grade": ",".join(self.grades),
            "tier": ",".join(self.tiers),
            "industry": ",".join(industry.slug for industry in self.industries),
            "status": ",".join(self.statuses),
            "bands": "1" if self.bands else "",
        }
        return {key: value for key, value in params.items() if value}


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

    def rows(self):
        """Long format, one (period, group, value) per cell: groups outer, periods inner."""
        for group in self.groups:
            for period, value in zip(self.periods, self.values[group]):
                yield period, group, value

    def csv_rows(self):
        yield ("period", "group", "value")
        yield from self.rows()

    def to_csv(self):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(self.csv_rows())
        return out.getvalue()

    def to_json(self):
        return {
            "parameters": self.query.parameters(),
            "metric": self.query.metric,
            "interval": self.query.interval,
            "periods": self.periods,
            "groups": self.groups,
            "values": self.values,
            "left_out": self.left_out,
            "left_out_note": left_out_note(self.query),
        }

    def left_out_text(self):
        """One line for standard error or a page: how many articles were not placed."""
        counts = ", ".join(f"{group} {n}" for group, n in self.left_out.items())
        return f"left out (articles dated less precisely than a {self.query.interval}): {counts or 'none'}"


def left_out_note(query):
    coarse = TOO_COARSE[query.interval]
    if not coarse:
        return "every article's date fits a year; none left out"
    return f"articles dated only to the {' or '.join(str(p) for p in coarse)} are in no {query.interval} and are counted here instead"


# --- parsing -------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _get(mapping, key):
    """A parameter as one string: repeated values (?regions=a&regions=b) are joined as a list."""
    if hasattr(mapping, "getlist"):
        values = [v for v in mapping.getlist(key) if v is not None and str(v).strip()]
    else:
        value = mapping.get(key)
        if value is None:
            values = []
        elif isinstance(value, (list, tuple)):
            values = [str(v) for v in value if str(v).strip()]
        else:
            values = [str(value)]
    separator = ";" if any(";" in v for v in values) else ","
    return separator.join(v.strip() for v in values)


def split_list(text):
    """LIST values are comma-separated; a list of places whose names carry a parent
    ("Sinpo, South Hamgyong") is separated by semicolons instead."""
    separator = ";" if ";" in text else ","
    return [item.strip() for item in text.split(separator) if item.strip()]


def _choice(mapping, key, choices, default):
    value = _get(mapping, key).strip().lower() or default
    if value not in choices:
        raise ParameterError(key, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _choices(mapping, key, choices):
    values = split_list(_get(mapping, key))
    for value in values:
        if value not in choices:
            raise ParameterError(key, f"{value!r} is not one of {', '.join(choices)}")
    return values


def parse_params(mapping):
    """A TimeSeriesQuery from text parameters (a QueryDict, a dict, the command's options).

    Keys: metric, activity, regions, group_by, interval, start, end, max_code,
    source_kind, grade, tier, industry, status, bands. Raises ParameterError naming the
    parameter: an unknown place lists the nearest candidates, a bad date says which end."""
    query = TimeSeriesQuery(
        metric=_choice(mapping, "metric", METRICS, "articles"),
        interval=_choice(mapping, "interval", INTERVALS, "year"),
    )
    activities = split_list(_get(mapping, "activity"))
    try:
        codebook.expand_activities(activities)
    except codebook.UnknownActivity as error:
        raise ParameterError("activity", str(error)) from None
    query.activities = [a.lower() for a in activities]

    regions, group_by = split_list(_get(mapping, "regions")), _get(mapping, "group_by").strip().lower()
    if regions and group_by:
        raise ParameterError("group_by", "give either regions or group_by, not both")
    if group_by and group_by not in GROUP_BYS:
        raise ParameterError("group_by", f"{group_by!r} is not one of {', '.join(GROUP_BYS)}")
    query.group_by = group_by
    for text in regions:
        try:
            place = resolve_place(text)
        except PlaceLookupError as error:
            raise ParameterError("regions", describe_error(error)) from None
        if place not in query.regions:
            query.regions.append(place)

    for key in ("start", "end"):
        text = _get(mapping, key).strip()
        if not text:
            continue
        try:
            value = parse_partial_date(text)[0] if key == "start" else period_end(text)
        except BadDate as error:
            raise ParameterError(key, f"{text!r} is {error}") from None
        setattr(query, key, value)
        setattr(query, f"{key}_text", text)
    if query.start and query.end and query.start > query.end:
        raise ParameterError("end", f"{query.end_text} is before the start {query.start_text}")

    max_code = _get(mapping, "max_code").strip()
    if max_code:
        if max_code not in {"1", "2", "3", "4", "5"}:
            raise ParameterError("max_code", f"{max_code!r} is not a code from 1 to 5")
        query.max_code = int(max_code)

    query.source_kinds = _choices(mapping, "source_kind", SourceKind.values)
    query.grades = _choices(mapping, "grade", Grade.values)
    query.tiers = _choices(mapping, "tier", Tier.values)
    query.statuses = _choices(mapping, "status", Status.values)
    industry_texts = split_list(_get(mapping, "industry"))
    if industry_texts:
        taxonomy = list(Industry.objects.select_related("parent"))
        for text in industry_texts:
            try:
                query.industries.append(resolve_industry(text, taxonomy))
            except IndustryLookupError as error:
                raise ParameterError("industry", str(error)) from None

    bands = _get(mapping, "bands").strip().lower()
    if bands not in _TRUE | _FALSE:
        raise ParameterError("bands", f"{bands!r} is not yes or no")
    query.bands = bands in _TRUE
    return query


# --- groups and periods ---------------------------------------------------------------------


def _short(label):
    return str(label).split(" (")[0]


def _groups(query):
    """(label, Q over claims) for each group the query compares."""
    if query.regions:
        names = [place.name for place in query.regions]
        return [
            # Two compared places of one name are told apart by their parent.
            (place.name if names.count(place.name) == 1 else str(place),
             inside_places([place], "enterprise__location__"))
            for place in query.regions
        ]
    if query.group_by == "region":
        regions = Location.objects.filter(level=1).order_by("iso_code", "name")
        return [(r.name, inside_places([r], "enterprise__location__")) for r in regions]
    if query.group_by == "industry":
        tops = Industry.objects.filter(parent=None).order_by("name")
        return [(i.name, in_industries([i], "enterprise__")) for i in tops]
    if query.group_by == "grade":
        return [(_short(label), Q(enterprise__grade=value)) for value, label in Grade.choices]
    if query.group_by == "tier":
        return [(_short(label), Q(enterprise__tier=value)) for value, label in Tier.choices]
    return [("all", Q())]


def period_key(date, interval):
    if interval == "year":
        return (date.year, 0)
    if interval == "quarter":
        return (date.year, (date.month - 1) // 3 + 1)
    return (date.year, date.month)


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
    registry.view_restricted permission count public articles only."""
    base = Claim.objects.visible_to(user).matching(
        activities=codebook.expand_activities(query.activities),
        max_code=None if query.bands else query.max_code,
        source_kinds=query.source_kinds,
        grades=query.grades,
        tiers=query.tiers,
        industries=query.industries,
        statuses=query.statuses,
        start=query.start,
        end=query.end,
    )
    groups = _groups(query)
    bands = [band for band in BANDS if band <= (query.max_code or 5)] if query.bands else [None]
    coarse = TOO_COARSE[query.interval]
    placed = Value(1, output_field=IntegerField())
    if coarse:
        placed = Case(When(article__precision__in=coarse, then=Value(0)), default=Value(1), output_field=IntegerField())

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
            selections.append((Q(reduce(operator.or_, (within for _label, within in groups))), band, key))
    else:
        selections = [(within, band, Value(index, output_field=IntegerField())) for index, (_label, within, band) in enumerate(series)]
    parts = []
    for within, band, key in selections:
        part = base.filter(within)
        if band is not None:
            part = part.filter(code__lte=band)
        parts.append(
            part.order_by()
            .values(
                series=key,
                year=ExtractYear("article__published"),
                sub=_SUB_PERIOD[query.interval](),
                placed=placed,
            )
            .annotate(value=_METRIC_AGGREGATE[query.metric]())
            # Counting articles, the left-out count is the value itself: a second
            # COUNT(DISTINCT) would sort every group's rows once more.
            .annotate(articles=F("value") if query.metric == "articles" else Count("article", distinct=True))
        )
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    counts = {}
    left_out = [0] * len(series)
    for row in combined:
        index = int(row["series"])
        if int(row["placed"]):
            key = (int(row["year"]), int(row["sub"]))
            counts[(index, key)] = counts.get((index, key), 0) + int(row["value"])
        else:
            left_out[index] += int(row["articles"])

    found = [key for _index, key in counts]
    first = period_key(query.start, query.interval) if query.start else min(found, default=None)
    last = period_key(query.end, query.interval) if query.end else max(found, default=None)
    keys = period_keys(first, last, query.interval) if first and last and first <= last else []

    labels = [label if band is None else f"{label} ≤{band}" for label, _within, band in series]
    return TimeSeries(
        query=query,
        periods=[period_label(key, query.interval) for key in keys],
        groups=labels,
        values={
            label: [counts.get((index, key), 0) for key in keys] for index, label in enumerate(labels)
        },
        left_out=dict(zip(labels, left_out)),
    )
