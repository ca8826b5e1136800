"""Tables as Stata files (`format=dta`): the same header and rows as the CSV, written by
pandas' DataFrame.to_stata (format 118: UTF-8, so Hangul is intact), with a variable label
per column from its description (DESCRIPTIONS; else the caller's labels; else the column's
own name) and the table's name as the data label.

Each column is typed from its values, as a researcher would declare it: whole numbers stay
whole (float where some are missing, Stata's `.`), numbers are doubles, true/false are 0/1,
dates are Stata dates (%td), a timestamp with a time zone is ISO 8601 text, everything else
text (strL past Stata's 2,045 bytes). A column name Stata cannot take ("Chongjin ≤3" in a
wide series) becomes a valid one (chongjin_3) and keeps its own name as its label.

Unlike CSV the file cannot be streamed: pandas writes it whole, so a download holds at most
DTA_MAX_ROWS rows (a 400 past it, as for Excel)."""

import datetime
import io
import re
from decimal import Decimal

DTA_MAX_ROWS = 200_000
CONTENT_TYPE = "application/x-stata-dta"
LABEL_LENGTH = 80  # Stata's limit for a variable or data label
STRING_BYTES = 2045  # longer text is a strL

# The columns' descriptions: the claims list (/api/v1/claims/) and the time series.
DESCRIPTIONS = {
    "id": "Row id in the registry",
    "article": "Article id",
    "published": "Article's date (first day of its month or year if less precise)",
    "precision": "How precisely the article is dated: day, month or year",
    "source": "Source (short name)",
    "article_title": "Article's headline",
    "article_title_ko": "Article's headline in Korean",
    "enterprise": "Enterprise id",
    "enterprise_name": "Enterprise's name",
    "grade": "Enterprise's grade (special, 1-6, unknown); see the codebook",
    "location": "Enterprise's place (slug)",
    "industry": "Enterprise's industry (slug)",
    "activity": "What the article says the enterprise did; see the codebook",
    "code": "Reliability code: 1 most to 5 least specific; see the codebook",
    "detail": "What was reported, in the coder's words",
    "quantity": "A reported quantity",
    "unit": "The quantity's unit",
    "period": "Period: year 2015, quarter 2015-Q1 or month 2015-01",
    "group": "Group compared: a place, region, industry, grade or tier (<=N: code band)",
    "value": "Count, or share with per=all; missing: a period not read",
    "flag": "partial period; read: partly / not recorded",
    "group_slug": "Group's machine name",
    "group_name": "Group's name",
    "group_hangul": "Group's name in Hangul",
    "group_label": "Group's label in the language asked for",
}


def _stata_name(name, taken):
    """A valid, unique Stata variable name for a column name."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower() or "v"
    if not re.match(r"[A-Za-z_]", base):
        base = "v_" + base
    base = base[:32]
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base[:32 - len(str(n)) - 1]}_{n}"
    taken.add(candidate)
    return candidate


def _label(text):
    text = " ".join(str(text).split())
    return text if len(text) <= LABEL_LENGTH else text[:LABEL_LENGTH - 1] + "…"


def _column(values):
    """(values for pandas, kind): kind "date" for Stata dates, "text" for strings."""
    import numpy

    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return [numpy.nan if v is None else int(v) for v in values], "number"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        if len(present) == len(values) and all(-2_147_483_647 < v < 2_147_483_620 for v in present):
            return values, "integer"
        return [numpy.nan if v is None else float(v) for v in values], "number"
    if present and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in present):
        return [numpy.nan if v is None else float(v) for v in values], "number"
    if present and all(isinstance(v, datetime.date) and not isinstance(v, datetime.datetime) for v in present):
        return [None if v is None else datetime.datetime(v.year, v.month, v.day) for v in values], "date"
    text = []
    for v in values:
        if v is None:
            text.append("")
        elif isinstance(v, datetime.datetime):
            text.append(v.isoformat())
        elif isinstance(v, bool):
            text.append("true" if v else "false")
        else:
            text.append(str(v))
    return text, "text"


def dta_bytes(header, rows, *, labels=None, title="data"):
    """The table as the bytes of a Stata .dta file (format 118)."""
    import pandas

    rows = [tuple(row) for row in rows]
    labels = labels or {}
    taken, names, variable_labels, columns, dates, long_text = set(), [], {}, {}, {}, []
    for j, name in enumerate(header):
        stata = _stata_name(str(name), taken)
        names.append(stata)
        values, kind = _column([row[j] for row in rows])
        if kind == "date":
            columns[stata] = pandas.to_datetime(pandas.Series(values, dtype="object"))
            dates[stata] = "td"
        elif kind == "text":
            columns[stata] = pandas.Series(values, dtype="object")
            if any(len(v.encode("utf-8")) > STRING_BYTES for v in values):
                long_text.append(stata)
        else:
            columns[stata] = pandas.Series(values, dtype="int64" if kind == "integer" else "float64")
        described = labels.get(name) or DESCRIPTIONS.get(name) or ""
        if stata != name:
            described = f"{name}: {described}" if described else str(name)
        variable_labels[stata] = _label(described or name)
    frame = pandas.DataFrame(columns, columns=names)
    out = io.BytesIO()
    frame.to_stata(
        out, write_index=False, version=118, convert_dates=dates or None,
        variable_labels=variable_labels, data_label=_label(title), convert_strl=long_text or None,
        # The moment the file was written would make two downloads of the same data differ.
        time_stamp=datetime.datetime(2000, 1, 1),
    )
    return out.getvalue()


def dta_chunks(header, rows, *, labels=None, title="data", size=1 << 16):
    data = dta_bytes(header, rows, labels=labels, title=title)
    for start in range(0, len(data), size):
        yield data[start:start + size]
