"""Coverage from CSV: `source,start,end,extent,note` (extent complete or partial; a partial
range needs a note). Parsed whole before anything is written; every bad row is named."""

import datetime

from registry.importing.csv_input import csv_rows, sources_by_name
from registry.importing.rows import ImportFailed
from registry.models import Coverage, Extent

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
    sources = sources_by_name()
    rows, errors = [], []
    for line, row in csv_rows(data, HEADER, required=3, optional="extent and note", max_rows=MAX_ROWS, errors=errors):
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
