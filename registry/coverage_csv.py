"""Coverage from CSV: `source,start,end,extent,note` (extent complete or partial; a partial
range needs a note). Parsed whole before anything is written; every bad row is named."""

import csv
import datetime
import io

from .importing import ImportFailed
from .models import Coverage, Extent
from .models import Source

HEADER = ["source", "start", "end", "extent", "note"]
MAX_ROWS = 10_000  # a range per row: years of a daily paper are a few dozen rows


def _date(text, line, column, errors):
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        errors.append(f"line {line}: {column}: {text!r} is not a date (YYYY-MM-DD)")
        return None


def parse_coverage_csv(data, *, user=None):
    """Unsaved Coverage rows from CSV text or bytes; raises ImportFailed listing every bad row."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFailed(["the file is not UTF-8 text"]) from None
    reader = csv.reader(io.StringIO(data))
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:3] != HEADER[:3] or any(h not in HEADER for h in header):
        raise ImportFailed([f"line 1: the header must be {','.join(HEADER)} (extent and note optional); got {','.join(header)}"])
    sources = {}
    for source in Source.objects.all():
        sources[source.short_name.lower()] = sources[source.name.lower()] = source
    rows, errors = [], []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFailed([f"more than {MAX_ROWS:,} rows; split the file"])
        if len(values) != len(header):
            errors.append(f"line {line}: {len(values)} columns, the header has {len(header)}")
            continue
        row = dict(zip(header, (v.strip() for v in values)))
        source = sources.get(row["source"].lower())
        if source is None:
            errors.append(f"line {line}: source: no source named {row['source']!r}")
        start, end = _date(row["start"], line, "start", errors), _date(row["end"], line, "end", errors)
        extent = (row.get("extent") or Extent.COMPLETE).lower()
        if extent not in Extent.values:
            errors.append(f"line {line}: extent: {extent!r} is not one of {', '.join(Extent.values)}")
        elif extent == Extent.PARTIAL and not row.get("note"):
            errors.append(f"line {line}: note: a partial range needs a note saying what was read")
        if start and end and end < start:
            errors.append(f"line {line}: end: {end} is before the start {start}")
        rows.append(Coverage(source=source, start=start, end=end, extent=extent, note=row.get("note", ""), read_by=user))
    if errors:
        raise ImportFailed(errors)
    return rows
