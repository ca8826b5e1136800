"""Tables as downloads: CSV (plain UTF-8, or with a byte-order mark for Excel) and Excel
(.xlsx). Every table download goes through here: the API's lists, the time series over HTTP
and export_timeseries. A table is a header and an iterable of rows (tuples of Python values);
both writers consume the rows as they come, so memory stays flat whatever the size.

- **CSV** is UTF-8, no byte-order mark, for pandas and R. `bom=True` puts the UTF-8 mark
  (EF BB BF) first: Excel on Windows then reads the file as UTF-8, and Hangul arrives intact
  instead of as mojibake. Text a spreadsheet would run as a formula is made inert (csvsafe).
- **xlsx** is written with openpyxl's write-only workbook: each row goes to a temporary file
  on disk as it is read, then the zipped workbook is sent in chunks. Cells are typed: numbers
  are numbers, true/false are booleans, an empty value an empty cell, and **dates are real
  Excel dates** shown as YYYY-MM-DD (sortable and filterable; read back they are dates, the
  JSON's ISO text is the same day). A timestamp with a time zone (a record's created_at) is
  ISO 8601 text, since Excel has no time zones. Text stays text: a string cell is never a
  formula, so no apostrophe is needed; characters XML cannot carry (control characters) are
  dropped.
"""

import csv
import datetime
import tempfile
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from infra import csvsafe, stata

FORMATS = ("csv", "xlsx", "dta")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "dta": stata.CONTENT_TYPE,
}
BOM = "\ufeff"
LINES_PER_CHUNK = 200  # CSV lines per response chunk: one chunk per row cost as much as the row
FILE_CHUNK = 1 << 16
# An Excel sheet holds 1,048,576 rows, but writing a cell costs openpyxl (pure Python) about
# 35 µs on this machine: 50,000 rows of 12 columns took 21 s (the same CSV 0.7 s). The cap
# keeps one request well inside a worker's 60 s; CSV has no such limit.
XLSX_MAX_ROWS = 50_000


class TooManyRows(ValueError):
    pass


def too_many_rows(count, format="xlsx"):
    if format == "dta":
        return _("%(count)s rows or more; a Stata download holds at most %(max)s: narrow the filters or use format=csv") % {
            "count": f"{count:,}", "max": f"{stata.DTA_MAX_ROWS:,}"}
    return _("%(count)s rows or more; an Excel download holds at most %(max)s: narrow the filters or use format=csv") % {
        "count": f"{count:,}", "max": f"{XLSX_MAX_ROWS:,}"}


def max_rows(format):
    """The most rows a download in `format` holds; None: no limit (CSV streams)."""
    return {"xlsx": XLSX_MAX_ROWS, "dta": stata.DTA_MAX_ROWS}.get(format)


def csv_cell(value):
    """A value as CSV text: None empty, dates ISO, booleans true/false, formulas inert."""
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


def csv_chunks(header, rows, *, bom=False):
    """The table as CSV text, in chunks of LINES_PER_CHUNK lines."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    yield (BOM if bom else "") + writer.writerow([str(name) for name in header])
    batch = []
    for row in rows:
        batch.append(writer.writerow([csv_cell(value) for value in row]))
        if len(batch) == LINES_PER_CHUNK:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def to_csv(header, rows, *, bom=False):
    return "".join(csv_chunks(header, rows, bom=bom))


def _xlsx_cells(sheet):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell(value):
        if type(value) is str:
            if ILLEGAL_CHARACTERS_RE.search(value):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):
                # openpyxl takes a string starting with = for a formula: force text.
                text = WriteOnlyCell(sheet, value)
                text.data_type = "s"
                return text
            return value
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value.isoformat()
        return value

    return cell


def xlsx_chunks(header, rows, *, sheet="data", about=None):
    """The table as an .xlsx workbook, in chunks of bytes: the header frozen, the columns as
    wide as their names, and with `about` ([(key, text)]: what the table answers, its data
    version, coverage, codebook, how to cite) a second sheet "about", so a saved file keeps
    where it came from. Refuses (TooManyRows) past XLSX_MAX_ROWS rows, before anything is
    sent: check with the row count first where an error can still be an answer
    (api/renderers.py does)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=str(sheet)[:31])
    worksheet.freeze_panes = "A2"
    for index, name in enumerate(header, 1):
        worksheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(name)) + 2))
    cell = _xlsx_cells(worksheet)
    worksheet.append([str(name) for name in header])
    for count, row in enumerate(rows, 1):
        if count > XLSX_MAX_ROWS:
            raise TooManyRows(too_many_rows(count))
        worksheet.append([cell(value) for value in row])
    if about:
        described = workbook.create_sheet(title="about")
        described.column_dimensions["A"].width = 18
        described.column_dimensions["B"].width = 100
        described.append(["key", "value"])
        for key, text in about:
            described.append([cell(str(key)), cell(str(text))])
    with tempfile.TemporaryFile() as out:
        workbook.save(out)
        out.seek(0)
        while chunk := out.read(FILE_CHUNK):
            yield chunk


def chunks(header, rows, *, format, bom=False, sheet="data", about=None, labels=None):
    """The table in `format` ("csv", "xlsx" or "dta"), as chunks of bytes; `about` is the
    xlsx's second sheet (a CSV has no room for it: the API sends it in headers); `labels`
    the Stata file's variable labels beyond infra/stata.py's DESCRIPTIONS."""
    if format == "dta":
        yield from stata.dta_chunks(header, rows, labels=labels, title=sheet)
        return
    if format == "xlsx":
        yield from xlsx_chunks(header, rows, sheet=sheet, about=about)
        return
    for text in csv_chunks(header, rows, bom=bom):
        yield text.encode("utf-8")
