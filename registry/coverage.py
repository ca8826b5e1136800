"""Coverage in a time series: which periods of the sources in scope were read.

A period's covered share is the mean, over the sources in scope that have any coverage
recorded, of the share of the period's days recorded as read (completely or partly; a
partial reading's note says what was skipped). Overlapping ranges of one source count once.
Where a period's share is 0, nobody read it and its count is unknown: the series gives no
value (null in JSON, empty in CSV, a gap in the chart), not 0. Where none of the sources in
scope has coverage recorded, the series is as before (every period counted, zeros included)
and says so. Sources in scope: those the `source` and `source_kind` parameters name, else all.

    shares, note = covered_shares(query, keys)
"""

import bisect
import datetime

from .models import Coverage
from .models import Source

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


def covered_shares(query, keys):
    """([share 0-1 per period] or None, a note)."""
    if not keys:
        return None, NO_COVERAGE
    # One query: every coverage range of the sources in scope (ranges, not days: a few dozen
    # per source), whether or not it touches the series.
    rows = list(Coverage.objects.filter(source__in=sources_in_scope(query.selection)).values_list("source_id", "start", "end"))
    tracked_count = len({source for source, _start, _end in rows})
    if not tracked_count:
        return None, NO_COVERAGE
    by_source = {}
    for source, start, end in rows:
        by_source.setdefault(source, []).append((start, end))
    # Each source's ranges merged once (not once per period: 312 months x 8 sources re-sorted
    # them, a fifth of the regional monthly series), and their ends for a binary search.
    merged = [_merged(ranges) for ranges in by_source.values()]
    ends = [[b for _a, b in ranges] for ranges in merged]
    shares = []
    for key in keys:
        start, end = period_bounds(key, query.interval)
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
        shares.append(round(read / (days * tracked_count), 4))
    return shares, (
        f"coverage recorded for {tracked_count} source(s) in scope; a period with covered share 0 "
        "was not read and has no value (not 0)")


def blank_uncovered(values, shares):
    """The values with each unread period (share 0) as None."""
    if shares is None:
        return values
    return {group: [None if share == 0 else v for v, share in zip(row, shares)] for group, row in values.items()}
