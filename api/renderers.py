"""CSV: every list streams its whole filtered result (not one page) with the same columns
as the list's JSON rows, for spreadsheets, R and pandas."""

import csv
import datetime
from decimal import Decimal

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from registry import csvsafe

CHUNK = 2000
LINES_PER_CHUNK = 200


def inert(value):
    """The cell as text; text a spreadsheet would run as a formula gets a leading '
    (registry.csvsafe: a published headline such as "=HYPERLINK(...)" must stay text)."""
    if type(value) is str:  # most cells: checked first, the export calls this per cell
        return csvsafe.inert(value)
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return csvsafe.inert(str(value))


class _Echo:
    def write(self, value):
        return value


def columns_of(serializer_class):
    """(column, ORM path) pairs from a flat list serializer: each field's `source`."""
    columns = []
    for name, field in serializer_class().fields.items():
        source = field.source or name
        columns.append((name, source.replace(".", "__")))
    return columns


def stream_csv(queryset, serializer_class, filename):
    columns = columns_of(serializer_class)
    rows = queryset.values_list(*[path for _, path in columns]).iterator(chunk_size=CHUNK)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow([name for name, _ in columns])
        # Lines go out in batches: one response chunk per row cost as much as the row.
        batch = []
        for row in rows:
            batch.append(writer.writerow([inert(value) for value in row]))
            if len(batch) == LINES_PER_CHUNK:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


class CSVRenderer(BaseRenderer):
    """Selected by `?format=csv`. Lists stream (see views); this renders what else reaches
    it — a single object — as a one-row table."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        out = _Echo()
        writer = csv.writer(out)
        header = list(rows[0].keys()) if rows and isinstance(rows[0], dict) else ["value"]
        lines = [writer.writerow(header)]
        for row in rows:
            values = [row.get(k) for k in header] if isinstance(row, dict) else [row]
            lines.append(writer.writerow([inert(v) if not isinstance(v, (dict, list)) else inert(repr(v)) for v in values]))
        return "".join(lines).encode("utf-8")
