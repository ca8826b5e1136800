"""A CSV read into rows, and the errors that name them: the claims import's format (HEADER),
the reader every CSV door shares (`parse_csv`: UTF-8, a bound on size and rows, every bad
row named by line and column) and the words an error uses for a value (`describe_value`).
Below claims.py and matching.py, which both read it."""

import csv
import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from registry.method.codebook import Activity, Grade
from registry.models import EnterpriseKind


HEADER = [
    "source", "published", "title", "summary", "enterprise", "grade", "kind", "industry",
    "location", "activity", "code", "detail", "quantity", "unit",
]
# Optional columns after those, in any order: `story`, a story's title (the rows' articles
# that name one story are linked as one event: reprints, registry/models/method.py Story,
# created if new); `title_ko`, the Korean headline; `hangul`, the enterprise's Hangul name
# as the press writes it (given to a new enterprise).
OPTIONAL = ["story", "title_ko", "hangul"]
# The import's short spellings of the grade column.
GRADE_VALUES = {g.value: g.value for g in Grade} | {"": Grade.UNKNOWN.value}
ACTIVITIES = frozenset(Activity.values)
KINDS = frozenset(EnterpriseKind.values)
# Keeps SQLite under its limit of host parameters in one statement.
CHUNK = 500
# The largest file the import reads (settings.MAX_IMPORT_BYTES, DJANGO_MAX_IMPORT_BYTES in the
# environment). 20 MB is some 80,000 rows; a larger file is split, or a mistake.
MAX_IMPORT_BYTES = 20 * 1024 * 1024
# Control characters have no place in a cell, and PostgreSQL refuses NUL in text outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    value: str
    message: str

    def __str__(self):
        shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        return _("line %(line)s: %(field)s: %(value)s — %(message)s") % {"line": self.line, "field": self.field, "value": shown, "message": self.message}


class ImportFailed(Exception):
    """The file cannot go in. `errors` lists every bad row; nothing was written."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def parse_claims_csv(data):
    """Split CSV text or bytes into (line number, row dict) pairs, checking the header and
    the shape of every row. Line numbers count physical lines, the header being line 1."""
    return parse_csv(data, HEADER, OPTIONAL)


def parse_csv(data, expected, optional=()):
    """parse_claims_csv for any import of this shape (import_history's too): the columns
    `expected` first, in order, then any of `optional`, each at most once (blank when absent)."""
    limit = getattr(settings, "MAX_IMPORT_BYTES", MAX_IMPORT_BYTES)
    # Checked before anything is decoded or parsed; a str is measured as the UTF-8 it came as.
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise ImportFailed([RowError(1, "file", "", _("the file is %(size)s bytes; the limit is %(limit)s: split it into smaller files") % {"size": f"{size:,}", "limit": f"{limit:,}"})])
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportFailed([RowError(line, "file", "", _("not UTF-8 text: save the CSV as UTF-8"))]) from None
    data = data.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(data, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFailed([RowError(1, "header", "", _("not CSV: %(error)s") % {"error": exc})]) from None
    if not header or not any(h.strip() for h in header):
        raise ImportFailed([RowError(1, "header", "", _("the file is empty; the first line must be: %(header)s") % {"header": ",".join(expected)})])
    header = [h.strip().lower() for h in header]
    extra = header[len(expected):]
    columns = header
    if header[: len(expected)] != expected or len(set(extra)) != len(extra) or not set(extra) <= set(optional):
        missing = [h for h in expected if h not in header]
        unknown = [h for h in header if h not in [*expected, *optional]]
        problems = []
        if len(set(extra)) != len(extra):
            problems.append(_("a column twice"))
        if missing:
            problems.append(_("missing %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            problems.append(_("unknown %(columns)s") % {"columns": ", ".join(unknown)})
        if not problems:
            problems.append(_("columns out of order"))
        raise ImportFailed(
            [RowError(1, "header", ",".join(header), _("%(problems)s; expected: %(header)s, then optionally %(optional)s") % {
                "problems": "; ".join(problems), "header": ",".join(expected), "optional": ", ".join(optional) or "-"})]
        )
    rows, errors = [], []
    # Each cell is searched for control characters only if the file holds one at all.
    controls = _CONTROL.search(data) is not None
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(line, "row", "", _("not valid CSV: %(error)s") % {"error": exc}))
            break
        if any(v.strip() for v in values):
            if len(values) != len(columns):
                errors.append(RowError(line, "row", "", _("%(count)s fields where the header has %(expected)s") % {"count": len(values), "expected": len(columns)}))
            else:
                row = dict.fromkeys(optional, "") | dict(zip(columns, (v.strip() for v in values)))
                for column, value in row.items() if controls else ():
                    if bad := _CONTROL.search(value):
                        errors.append(RowError(line, column, value, _("a control character (U+%(code)04X) in the text") % {"code": ord(bad.group())}))
                rows.append((line, row))
        line = reader.line_num + 1
    if errors:
        raise ImportFailed(errors)
    return rows


def describe_value(column, value):
    if value is None or value == "":
        return _("unknown") if column == "grade" else _("none")
    return str(value)
