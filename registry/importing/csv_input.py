"""The small CSV doors' shared reading (coverage, agreement samples): UTF-8 text (a BOM is
fine), a header of known columns with the required ones first, a bound on the rows, sources
by short or full name. The claims import has its own, larger reader (rows.py's parse_csv)."""

import csv
import io

from registry.importing.rows import ImportFailed
from registry.models import Source


def csv_rows(data, header, *, required, optional, max_rows, errors):
    """Yield (line, {column: stripped value}) for each non-blank row of `data` (text or
    bytes). `header`: the columns in order, the first `required` of them required;
    `optional` says which may be left out, for the error. A row with the wrong number of
    columns is named in `errors` and skipped; more than `max_rows` rows, a bad header or
    text that is not UTF-8 raise ImportFailed."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFailed(["the file is not UTF-8 text"]) from None
    reader = csv.reader(io.StringIO(data))
    given = [h.strip().lower() for h in next(reader, [])]
    if given[:required] != header[:required] or any(h not in header for h in given):
        raise ImportFailed([f"line 1: the header must be {','.join(header)} ({optional} optional); got {','.join(given)}"])
    count = 0
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        count += 1
        if count > max_rows:
            raise ImportFailed([f"more than {max_rows:,} rows; split the file"])
        if len(values) != len(given):
            errors.append(f"line {line}: {len(values)} columns, the header has {len(given)}")
            continue
        yield line, dict(zip(given, (v.strip() for v in values)))


def sources_by_name():
    """{short or full name, lower case: Source}."""
    sources = {}
    for source in Source.objects.all():
        sources[source.short_name.lower()] = sources[source.name.lower()] = source
    return sources
