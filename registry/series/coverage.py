"""Coverage in a time series: which periods of the sources in scope were read
(registry/method/rules.py, rules "coverage-share" and "coverage-never-hides").

Sources in scope: those the `source` and `source_kind` parameters name, else all, that have
coverage recorded or a public article. A period's covered share is the mean, over every
source in scope, of the share of the period's days (of its days inside `start`..`end`: a
partial period's share is over the days asked) recorded as read (completely or partly; a
partial reading's note says what was skipped). A source in scope with no coverage recorded at
all is *unknown* and counts as not read: its articles never make a period look fully read.
Overlapping ranges of one source count once. Each period says how it was read: "complete"
(share 1), "partly" (between), "not recorded" (0). A period with coded articles is never
blanked: it keeps its value and its flag. Only a period with no article of the sources in
scope and no reading has no value (null in JSON, empty in CSV, a gap in the chart), not 0.
Where none of the sources in scope has coverage recorded, the series is as before (every
period counted, zeros included) and says so.

    answer = covered_shares(query, keys, user=user)
    answer.shares, answer.note, answer.recorded, answer.unknown
"""

import bisect
import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from registry.models import Article, Source

NO_COVERAGE = "no coverage recorded for these sources: a 0 may mean a period nobody has read"


def period_bounds(key, interval):
    """The first and last day of the period `key` ((year, sub) as timeseries keys it)."""
    year, sub = key
    if interval == "year":
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    months = 3 if interval == "quarter" else 1
    first_month = (sub - 1) * months + 1
    start = datetime.date(year, first_month, 1)
    after = datetime.date(year + (first_month + months > 12), (first_month + months - 1) % 12 + 1, 1)
    return start, after - datetime.timedelta(days=1)


def clipped_bounds(key, interval, start=None, end=None):
    """The period's first and last day inside `start`..`end` (the days a series asked for)."""
    first, last = period_bounds(key, interval)
    return max(first, start) if start else first, min(last, end) if end else last


def is_partial(key, interval, start=None, end=None):
    """Whether `start` or `end` cuts the period short."""
    return clipped_bounds(key, interval, start, end) != period_bounds(key, interval)


def sources_in_scope(selection):
    sources = Source.objects.all()
    if selection.get("sources"):
        sources = sources.filter(pk__in=[getattr(s, "pk", s) for s in selection["sources"]])
    if selection.get("source_kinds"):
        sources = sources.filter(kind__in=selection["source_kinds"])
    return sources


def _merged(ranges):
    """Sorted (start, end) day ranges with overlapping or touching ones joined."""
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + datetime.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass
class CoverageAnswer:
    shares: list | None  # per period, 0-1; None: no coverage recorded for any source in scope
    note: str
    recorded: list = field(default_factory=list)  # short names of the sources with coverage
    unknown: list = field(default_factory=list)  # sources in scope with none recorded

    def read(self):
        """Per period: "complete", "partly" or "not recorded" (None without coverage)."""
        if self.shares is None:
            return None
        return [READ_COMPLETE if s >= 1 else READ_PARTLY if s > 0 else READ_NOT_RECORDED for s in self.shares]


READ_COMPLETE, READ_PARTLY, READ_NOT_RECORDED = "complete", "partly", "not recorded"


def covered_shares(query, keys, *, user=None):
    """A CoverageAnswer: each period's covered share over the sources in scope, and which."""
    if not keys:
        return CoverageAnswer(None, NO_COVERAGE)
    # One query: every source in scope with its coverage ranges (ranges, not days: a few
    # dozen per source; a source without any, one row of nulls) and whether it has an
    # article the user may see.
    articles = Article.objects.visible_to(user).filter(source=OuterRef("pk"))
    rows = list(
        sources_in_scope(query.selection).annotate(has_articles=Exists(articles))
        .order_by("short_name", "pk").values_list("pk", "short_name", "has_articles", "coverage__start", "coverage__end")
    )
    names, by_source = {}, {}
    for source, name, has_articles, start, end in rows:
        if start is not None:
            by_source.setdefault(source, []).append((start, end))
            names[source] = name
        elif has_articles:
            names.setdefault(source, name)
    if not by_source:
        return CoverageAnswer(None, NO_COVERAGE)
    recorded = sorted({names[s] for s in by_source})
    unknown = sorted({names[s] for s in names if s not in by_source})
    in_scope = len(names)
    # Each source's ranges merged once (not once per period: 312 months x 8 sources re-sorted
    # them, a fifth of the regional monthly series), and their ends for a binary search.
    merged = [_merged(ranges) for ranges in by_source.values()]
    ends = [[b for _a, b in ranges] for ranges in merged]
    shares = []
    for key in keys:
        start, end = clipped_bounds(key, query.interval, query.start, query.end)
        days = (end - start).days + 1
        read = 0
        for ranges, range_ends in zip(merged, ends):
            # The first range ending on or after the period's start, then on while they begin
            # before its end (merged ranges are sorted and apart).
            i = bisect.bisect_left(range_ends, start)
            while i < len(ranges) and ranges[i][0] <= end:
                a, b = ranges[i]
                read += (min(b, end) - max(a, start)).days + 1
                i += 1
        shares.append(round(read / (days * in_scope), 4))
    note = f"covered share over {in_scope} source(s) in scope: coverage recorded for {', '.join(recorded)}"
    if unknown:
        note += f"; none recorded (unknown, counted as not read) for {', '.join(unknown)}"
    note += "; a period read partly or not recorded keeps its value when it holds articles, and is empty only when it holds none"
    return CoverageAnswer(shares, note, recorded, unknown)


def blank_uncovered(values, shares, articles):
    """The values with each period nobody recorded reading (share 0) *and* holding no article
    of the sources in scope (`articles`: per period) as None."""
    if shares is None:
        return values
    empty = [share == 0 and not n for share, n in zip(shares, articles)]
    return {group: [None if e else v for v, e in zip(row, empty)] for group, row in values.items()}
