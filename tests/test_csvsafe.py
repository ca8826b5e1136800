"""CSV exports: a cell a spreadsheet would run as a formula is made inert."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from infra.csvsafe import inert, inert_row


@pytest.mark.parametrize(
    "cell, expected",
    [
        ('=HYPERLINK("http://evil.example","click")', '\'=HYPERLINK("http://evil.example","click")'),
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("-3 t", "'-3 t"),
        ("-1,000", "'-1,000"),
        ("--3", "'--3"),
        ("- 3.5", "'- 3.5"),
        # Plain numbers stay numbers.
        ("-3.5", "-3.5"),
        ("+2", "+2"),
        ("-0.0001", "-0.0001"),
        ("-.5", "-.5"),
        ("-1e6", "-1e6"),
        ("-1E-3", "-1E-3"),
        # Ordinary text is untouched, including a formula character later in the cell.
        ("Kim Chaek Iron and Steel Complex", "Kim Chaek Iron and Steel Complex"),
        ("output up 10% = 1.2 Mt", "output up 10% = 1.2 Mt"),
        ("'=already quoted", "'=already quoted"),
        ("", ""),
        ("청진", "청진"),
    ],
)
def test_it_makes_formula_cells_inert_and_leaves_numbers_alone(cell, expected):
    assert inert(cell) == expected


def test_values_that_are_not_text_pass_through():
    day = datetime.date(2019, 4, 15)
    assert inert_row([None, -3, Decimal("-3.5"), day, 2.5]) == [None, -3, Decimal("-3.5"), day, 2.5]


def test_a_row_round_trips_through_csv_as_text():
    out = io.StringIO()
    csv.writer(out).writerow(inert_row(["=1+1", "-3.5", "a,b", '@x"y']))
    assert out.getvalue() == '\'=1+1,-3.5,"a,b","\'@x""y"\r\n'
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "-3.5", "a,b", "'@x\"y"]
