"""Downloads: every list streams its whole filtered result (not one page) with the same
columns as the list's JSON rows, as CSV (`format=csv`, `bom=1` for Excel), Excel
(`format=xlsx`) or Stata (`format=dta`, written whole); the time series answers the same way. The tables are written by
infra/spreadsheets.py; the parameters are the vocabulary's (format, bom)."""

import io

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from rest_framework.renderers import BaseRenderer

from infra import spreadsheets
from registry import vocabulary

from .errors import BadQuery

CHUNK = 2000


def columns_of(serializer_class):
    """(column, ORM path) pairs from a flat list serializer: each field's `source`."""
    columns = []
    for name, field in serializer_class().fields.items():
        source = field.source or name
        columns.append((name, source.replace(".", "__")))
    return columns


class Downloads:
    """A view mixin: reads `format` and `bom` through the vocabulary once the request is let
    in (a bad value is a 400 naming it) and keeps them as `self.download`."""

    download = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        params = {name: request.query_params.get(name) for name in vocabulary.DOWNLOAD_PARAMETERS}
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is not None and renderer.format in vocabulary.DOWNLOAD_FORMATS:
            params["format"] = renderer.format  # chosen by ?format= or by the Accept header
        options, errors = vocabulary.download_options({k: v for k, v in params.items() if v is not None})
        if errors:
            raise BadQuery(errors)
        self.download = options

    def is_table(self):
        return self.download is not None and self.download["format"] in vocabulary.DOWNLOAD_FORMATS


def table_response(header, rows, *, filename, download, inline=False, count=None, stream=True, about=None, labels=None):
    """A download of the table in the format asked for, streamed (or, `stream=False` for a
    table known to be small, whole). `count(limit)` (the rows there will be, bounded) is asked
    first for an Excel or Stata download, which has a row limit: past it the answer is a 400,
    not a truncated sheet. `labels`: a Stata file's variable labels."""
    format = download["format"]
    limit = spreadsheets.max_rows(format)
    if limit is not None and count is not None:
        n = count(limit + 1)
        if n > limit:
            raise BadQuery({"format": [str(spreadsheets.too_many_rows(n, format))]})
    chunks = spreadsheets.chunks(header, rows, format=format, bom=download["bom"], sheet=filename, about=about, labels=labels)
    content_type = spreadsheets.CONTENT_TYPES[format]
    if format == "dta":
        # Written whole anyway (infra/stata.py): written here, so that a failure is an
        # answer saying so rather than a download cut short.
        try:
            chunks = [b"".join(chunks)]
        except ImportError:
            raise BadQuery({"format": [str(_("format=dta needs pandas, which this server does not have; use format=csv"))]}) from None
        stream = False
    if stream:
        response = StreamingHttpResponse(chunks, content_type=content_type)
    else:
        response = HttpResponse(b"".join(chunks), content_type=content_type)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}.{format}"'
    return response


def stream_table(queryset, serializer_class, filename, download):
    """A list's whole filtered result as a table: rows straight from the database cursor."""
    columns = columns_of(serializer_class)
    rows = queryset.values_list(*[path for _, path in columns]).iterator(chunk_size=CHUNK)
    fields = serializer_class().fields
    # A Stata file's variable labels: the field's description, else its label.
    labels = {name: str(field.help_text or "") for name, field in fields.items() if field.help_text}
    return table_response(
        [name for name, _ in columns], rows, filename=filename, download=download,
        count=lambda limit: queryset.order_by()[:limit].count(), labels=labels,
    )


def _one_table(data):
    """What else reaches a download renderer (a single object) as a one-row table."""
    rows = data if isinstance(data, list) else [data]
    header = list(rows[0].keys()) if rows and isinstance(rows[0], dict) else ["value"]
    table = []
    for row in rows:
        values = [row.get(k) for k in header] if isinstance(row, dict) else [row]
        table.append([repr(v) if isinstance(v, (dict, list)) else v for v in values])
    return header, table


class _TableRenderer(BaseRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        view = (renderer_context or {}).get("view")
        bom = bool(getattr(view, "download", None) and view.download["bom"])
        header, rows = _one_table(data)
        out = io.BytesIO()
        for chunk in spreadsheets.chunks(header, rows, format=self.format, bom=bom, sheet="data"):
            out.write(chunk)
        return out.getvalue()


class CSVRenderer(_TableRenderer):
    """Selected by `?format=csv`. Lists stream (see views); this renders what else reaches
    it — a single object — as a one-row table."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class DTARenderer(_TableRenderer):
    """Selected by `?format=dta`; as CSVRenderer, a Stata file of one row (infra/stata.py)."""

    media_type = spreadsheets.CONTENT_TYPES["dta"]
    format = "dta"
    charset = None
    render_style = "binary"


class XLSXRenderer(_TableRenderer):
    """Selected by `?format=xlsx`; as CSVRenderer, a workbook of one sheet."""

    media_type = spreadsheets.CONTENT_TYPES["xlsx"]
    format = "xlsx"
    charset = None
    render_style = "binary"
