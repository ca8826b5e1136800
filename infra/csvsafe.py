"""CSV cells a spreadsheet will not execute.

Researchers open exports in Excel or LibreOffice, which run a cell that begins with =, +, -
or @ as a formula (and tab or carriage return can hide such a start). A headline like
`=HYPERLINK("http://evil", "click")` copied from a hostile page must arrive as text. The
OWASP remedy: prefix such a cell with an apostrophe, which the spreadsheet shows as text and
hides.

Decision: a cell that is nothing but a plain decimal number ("-3.5", "+2", "-1e6") is left
alone. A number cannot call anything, and quantities and time-series values must stay numbers
for R, pandas and the spreadsheet alike. Anything else with a risky first character is
prefixed, even if it looks harmless ("-3 t", "+ new line"): the rule stays simple to check.
"""

import re

_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def inert(value):
    """The cell as a spreadsheet should see it: text starting a formula gets a leading "'".
    Values that are not text (numbers, dates, None) are returned as they are."""
    if not isinstance(value, str) or not value.startswith(_RISKY_START):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def inert_row(row):
    """One exported row (a values_list tuple) with every cell made inert."""
    return [inert(value) for value in row]
