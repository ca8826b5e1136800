"""The parameters of a time series: the query vocabulary's claim filters plus what to count,
how to group and over which periods, with the bounds that keep one answer small.

The API (/api/v1/timeseries/), the command (export_timeseries, one --flag per field) and the
page (/compare/) all read a series through SeriesQuestion, so a new parameter is one field
declared here.

    query = parse_params({"regions": "Pyongyang;Chongjin", "activity": "production,investment",
                          "max_code": "3"})
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from registry import vocabulary
from registry.method.codebook import Grade, Tier
from registry.models import Industry, Location, Source
from registry.method.codebook import Precision, SourceKind

METRICS = ("articles", "enterprises", "claims", "stories")
INTERVALS = ("year", "quarter", "month")
GROUP_BYS = ("region", "industry", "grade", "tier", "source", "source_kind")
BANDS = (1, 2, 3, 4, 5)
PERS = ("all",)

# Bounds of one series: every period is a row of the answer and every group (each code band
# of a banded series is one) a GROUP BY in one UNION ALL, which SQLite caps at 500.
MAX_PERIODS = 600
MAX_GROUPS = 30
PERIODS_PER_YEAR = {"year": 1, "quarter": 4, "month": 12}


class ParameterError(ValueError):
    """Bad series parameters: `errors` is {parameter: [message, …]} as the API spells them
    (`max_code`); `param` and `message` are the first. The command shows a parameter as its
    flag (`--max-code`)."""

    def __init__(self, errors, candidates=None):
        self.errors, self.candidates = errors, candidates or {}
        self.param, messages = next(iter(errors.items()))
        self.message = " ".join(messages)
        super().__init__("; ".join(f"{name}: {' '.join(m)}" for name, m in errors.items()))

    @staticmethod
    def flag_of(param):
        return "--" + param.replace("_", "-")

    @property
    def flag(self):
        return self.flag_of(self.param)

    def for_command(self):
        return "; ".join(f"{self.flag_of(name)}: {' '.join(m)}" for name, m in self.errors.items())


def period_key(date, interval):
    if interval == "year":
        return (date.year, 0)
    if interval == "quarter":
        return (date.year, (date.month - 1) // 3 + 1)
    return (date.year, date.month)


def period_count(first, last, interval):
    """How many periods run from the key `first` to the key `last`, both included."""
    per_year = PERIODS_PER_YEAR[interval]
    return (last[0] - first[0]) * per_year + (last[1] - first[1]) + 1


def too_many_periods(count, interval):
    return _("%(count)s %(interval)ss; a series covers at most %(limit)s periods: narrow start and end or use a longer interval") % {"count": f"{count:,}", "interval": interval, "limit": MAX_PERIODS}


class SeriesQuestion(vocabulary.Question):
    metric = vocabulary.OneOfField(METRICS, default="articles", help_text="what is counted; default articles")
    interval = vocabulary.OneOfField(INTERVALS, default="year", help_text="default year")
    activity = vocabulary.parameter("activity")
    regions = vocabulary.PlaceListField(
        max_values=MAX_GROUPS,
        help_text="places to compare, in any spelling; each counts everything inside it. " + vocabulary.LIST_HELP)
    group_by = vocabulary.OneOfField(
        GROUP_BYS, help_text="instead of regions: all first-level regions, top-level industries, grades, tiers, sources or kinds of source")
    start = vocabulary.parameter("start", help_text="YYYY, YYYY-MM or YYYY-MM-DD")
    end = vocabulary.parameter("end", help_text="YYYY, YYYY-MM or YYYY-MM-DD; a partial date means its last day")
    max_code = vocabulary.parameter("max_code", help_text="count codes 1 to N only")
    code = vocabulary.parameter("code")
    source_kind = vocabulary.parameter("source_kind")
    source = vocabulary.parameter("source")
    grade = vocabulary.parameter("grade")
    tier = vocabulary.parameter("tier")
    kind = vocabulary.parameter("kind")
    industry = vocabulary.parameter("industry")
    place = vocabulary.parameter("place", help_text="count only enterprises in these places (a filter; regions compares)")
    parent = vocabulary.parameter("parent")
    as_of = vocabulary.parameter("as_of")
    status = vocabulary.parameter("status")
    bands = vocabulary.YesNoField(help_text="each group at maximum code 1 to 5 side by side")
    per = vocabulary.OneOfField(PERS, help_text="all: each value as a share of all articles of the same sources in the period (registry/series/shares.py)")

    def clean(self):
        data = super().clean()
        if data.get("regions") and data.get("group_by"):
            self.add_error("group_by", _("give either regions or group_by, not both"))
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("%(end)s is before the start %(start)s") % {"end": self.fields["end"].text, "start": self.fields["start"].text})
        elif start and end and data.get("interval"):
            interval = data["interval"]
            count = period_count(period_key(start, interval), period_key(end, interval), interval)
            if count > MAX_PERIODS:
                self.add_error("interval", too_many_periods(count, interval))
        if not self.errors:
            groups = self.group_count(data)
            if groups > MAX_GROUPS:
                self.add_error("bands" if data.get("bands") else "group_by" if data.get("group_by") else "regions",
                               (_("%(count)s groups (with code bands); a series compares at most %(limit)s") if data.get("bands")
                                else _("%(count)s groups; a series compares at most %(limit)s")) % {"count": groups, "limit": MAX_GROUPS})
        return data

    @staticmethod
    def group_count(data):
        group_by = data.get("group_by")
        groups = len(data.get("regions") or []) or {
            "region": lambda: Location.objects.filter(level=1).count(),
            "industry": lambda: Industry.objects.filter(parent=None).count(),
            "grade": lambda: len(Grade.choices),
            "tier": lambda: len(Tier.choices),
            "source": lambda: Source.objects.count(),
            "source_kind": lambda: len(SourceKind.choices),
            "": lambda: 1,
        }[group_by or ""]()
        return groups * (len(bands_of(data.get("max_code"))) if data.get("bands") else 1)


def bands_of(max_code):
    return [band for band in BANDS if band <= (max_code or 5)]


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
    max_code: int | None = None
    bands: bool = False
    per: str = ""
    as_of: datetime.date | None = None  # None: each claim under what its enterprise was on its date
    selection: dict = field(default_factory=dict)  # the claim filters (vocabulary.select_claims)
    text: dict = field(default_factory=dict)  # the parameters as text

    def parameters(self):
        """The parameters as text, the way the API and the command take them back."""
        return dict(self.text)


def parse_params(mapping, *, also=()):
    """A TimeSeriesQuery from text parameters (a QueryDict, a dict, the command's options).
    `also` names parameters the caller reads itself (the API's `format`); any other
    parameter the series does not know is an error. Raises ParameterError naming every
    bad parameter: an unknown place lists the nearest candidates, a bad date says which end."""
    form = SeriesQuestion(mapping, also=also)
    problems = form.problems()
    if problems:
        raise ParameterError(problems, vocabulary.error_candidates(form))
    data = form.cleaned_data
    return TimeSeriesQuery(
        metric=data["metric"], interval=data["interval"], activities=data["activity"],
        regions=data["regions"], group_by=data["group_by"], start=data["start"], end=data["end"],
        max_code=data["max_code"], bands=data["bands"], per=data["per"], as_of=data["as_of"], selection=form.claim_selection(),
        text=form.as_text(),
    )


# --- the date window: one rule for every interval (registry/method/rules.py, "date-precision") --


def _month_end(date):
    after = datetime.date(date.year + (date.month == 12), date.month % 12 + 1, 1)
    return after - datetime.timedelta(days=1)


def date_window(start, end, date, precision, coarse=()):
    """(Q of the claims or articles in the window, Q of those left out of every period).

    An article is placed only if every day it may have been published (its day, month or
    year) lies inside [start, end] and inside one period of the interval: a month- or
    year-dated article that straddles `start` or `end` is left out, like one too coarse for
    the interval (`coarse`: precisions too coarse), and counted in left_out — never dropped
    without a word. `date` and `precision` name the columns (the stored first day)."""
    from django.db.models import Q

    window, straddles = Q(), Q()
    if start:
        # A year- or month-dated article whose year or month holds `start` is in the window
        # (left out below); a day-dated one before `start` is not.
        window &= Q(**{f"{date}__gte": datetime.date(start.year, 1, 1)})
        window &= Q(**{f"{date}__gte": start}) | Q(**{f"{precision}": Precision.YEAR}) | (
            Q(**{f"{precision}": Precision.MONTH}) & Q(**{f"{date}__gte": start.replace(day=1)}))
        straddles |= Q(**{f"{date}__lt": start})
    if end:
        window &= Q(**{f"{date}__lte": end})
        if end != datetime.date(end.year, 12, 31):
            straddles |= Q(**{precision: Precision.YEAR, f"{date}__gte": datetime.date(end.year, 1, 1)})
        if end != _month_end(end):
            straddles |= Q(**{precision: Precision.MONTH, f"{date}__gte": end.replace(day=1)})
    left_out = straddles
    if coarse:
        left_out |= Q(**{f"{precision}__in": list(coarse)})
    return window, left_out


def straddles_possible(start, end, coarse=()):
    """Whether anything can be left out of a series over [start, end]."""
    return bool(coarse) or bool(start and start != datetime.date(start.year, 1, 1)) or bool(
        end and end != datetime.date(end.year, 12, 31))
