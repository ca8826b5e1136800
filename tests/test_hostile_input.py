"""Hostile input: whatever text reaches the place lookup, the date parser or the import, the
answer is a result or a clear error of the one kind the caller handles, never a crash.

Property tests (hypothesis) with modest example counts so the suite stays fast; the
strategies mix real names and dates with junk, because pure noise rarely gets past the
first check."""

import csv
import datetime
import io
import os

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registry.method.dates import BadDate, parse_partial_date, period_end
from registry.importing.claims import plan_import
from registry.importing.rows import HEADER, ImportFailed, parse_claims_csv
from registry.models import Article, Claim, Enterprise, EnterpriseAlias, Location
from registry.places.lookup import PlaceLookupError, describe_error, resolve_place

pytestmark = pytest.mark.django_db

# The test database holds the reference data for the whole session; every example runs in
# the one test's transaction, which is fine because none of them may write anything.
# 200 examples each in the whole suite (CI); `make test-fast` asks for fewer (HYPOTHESIS_EXAMPLES).
PROPERTY = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES") or 200), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

PLACE_WORDS = [
    "Chongjin", "Ch'ŏngjin", "Cheongjin", "청진", "청진시", "Pyongyang", "Sadong", "Musan",
    "Sinpo", "South Hamgyong", "North Hamgyong", "Nampho", "Jangjin", "Kangso",
    "City", "-si", "County", "-gun", "District", "-guyok", "Province", "-do", "구역", "도",
]
JUNK = [
    "", " ", ",", ",,", "'", '"', "%", "_", "\\", "\x00", "\t", "\r\n", "\u200b", "\ufeff",
    "🏭", "ﬁ", "Ⅻ", "İ", "ß", "\u0301", "=cmd|' /C calc'!A0", "'; DROP TABLE registry_location; --",
    "a" * 300, "청" * 100,
]
fragments = st.sampled_from(PLACE_WORDS + JUNK) | st.text(max_size=30)
place_texts = st.lists(fragments, max_size=6).map(" ".join) | st.lists(fragments, max_size=4).map(",".join)


@PROPERTY
@given(text=place_texts | st.text())
@example(text="\x00")
@example(text="Chongjin, \x00")
@example(text="," * 50)
@example(text="Sinpo, South Hamgyong, North Korea")
def test_the_place_lookup_answers_a_place_or_a_clear_error(text):
    try:
        place = resolve_place(text)
    except PlaceLookupError as exc:
        assert str(exc).strip()
        assert describe_error(exc).strip()
        assert all(isinstance(c, Location) for c in exc.candidates)
    else:
        assert isinstance(place, Location)


date_like = st.builds(
    lambda parts, sep: sep.join(parts),
    st.lists(st.text(alphabet="0123456789", max_size=6) | st.sampled_from(["-", "+", " ", "٢", "１", "\n", "x"]), max_size=4),
    st.sampled_from(["-", "/", ".", "", " "]),
)


@PROPERTY
@given(text=st.text() | date_like)
@example(text="2019-02-30")
@example(text="2019-13")
@example(text="0000")
@example(text="2019\n")
@example(text="２０１９")
@example(text="١٩٩٩-٠١-٠١")
@example(text="99999-01-01")
def test_the_date_parser_answers_a_date_or_bad_date(text):
    try:
        start, precision = parse_partial_date(text)
    except BadDate as exc:
        assert str(exc).startswith("not a date")
    else:
        assert isinstance(start, datetime.date) and start.year >= 1900
        assert precision in {"day", "month", "year"}
        assert start <= period_end(text)


@PROPERTY
@given(day=st.dates(min_value=datetime.date(1900, 1, 1)))
def test_valid_dates_round_trip_at_every_precision(day):
    assert parse_partial_date(day.isoformat()) == (day, "day")
    assert parse_partial_date(f"{day.year:04d}-{day.month:02d}") == (day.replace(day=1), "month")
    assert parse_partial_date(f" {day.year} ") == (datetime.date(day.year, 1, 1), "year")


# --- the import parser -----------------------------------------------------------------

CELLS = {
    "source": ["Rodong Sinmun", "KCNA", "USGS", "rodong sinmun", "Pravda"],
    "published": ["2019-04-15", "2019-06", "2018", "2019-02-30", "1899", "15/04/2019"],
    "title": ["Oxygen furnace completed", "Light industry roundup", "=HYPERLINK(\"http://x\")"],
    "summary": ["A new furnace.", "", "line one\nline two"],
    "enterprise": ["Kim Chaek Iron and Steel Complex", "Ryugyong Kimchi Factory", "Chongjin Bag Factory"],
    "grade": ["special", "1", "3", "local", "", "8", "first"],
    "kind": ["complex", "factory", "mine", "", "bakery"],
    "industry": ["24", "15", "Food processing", "", "99", "Steel?"],
    "location": ["Chongjin", "Sadong District", "Musan County", "", "Atlantis", "Sinpo, Nowhere"],
    "activity": ["facility", "production", "closure", "", "PRODUCTION", "baking"],
    "code": ["1", "2", "5", "0", "6", "3.0", "", "٣"],
    "detail": ["new oxygen furnace", "", "-3"],
    "quantity": ["", "120000", "1,000", "-3.5", "NaN", "Infinity", "1e400", "0.00001", "12 t"],
    "unit": ["", "t", "t/year"],
}
cell_text = st.text(max_size=20)


@st.composite
def claims_csv(draw):
    """CSV text in the import's shape, its cells mostly plausible, sometimes junk."""
    header = list(HEADER)
    if draw(st.integers(0, 9)) == 0:
        header = draw(st.permutations(HEADER)) if draw(st.booleans()) else header[: draw(st.integers(0, len(HEADER)))]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    for _ in range(draw(st.integers(0, 5))):
        row = [draw(st.sampled_from(CELLS[column]) | cell_text) for column in HEADER]
        if draw(st.integers(0, 9)) == 0:
            row = row[: draw(st.integers(0, len(row) + 2))] + [draw(cell_text)] * draw(st.integers(0, 2))
        writer.writerow(row)
    text = out.getvalue()
    if draw(st.integers(0, 9)) == 0:  # damage the file itself: a stray quote, a cut, junk
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(['"', "\x00", "\r", "\ufeff", ",,,", "\n\n"]) | cell_text) + text[cut:]
    return text


def _table_sizes():
    return [m.objects.count() for m in (Article, Claim, Enterprise, EnterpriseAlias, Location)]


def _check_import(data):
    before = _table_sizes()
    try:
        plan = plan_import(parse_claims_csv(data))
    except ImportFailed as failed:
        assert failed.errors
        for error in failed.errors:
            assert error.line >= 1
            assert error.field in set(HEADER) | {"file", "header", "row"}
            assert error.message.strip()
            assert str(error).startswith(f"line {error.line}: {error.field}:")
    else:
        counts = plan.counts()
        assert counts["rows"] == len(parse_claims_csv(data))
        assert counts["claims_created"] + counts["claims_matched"] <= counts["rows"]
    assert _table_sizes() == before


VALID_ROW = "Rodong Sinmun,2019-04-15,Furnace,,Kim Chaek Iron and Steel Complex,,,,Chongjin,facility,2,,,"


@PROPERTY
@given(data=claims_csv())
@example(data=",".join(HEADER) + "\n" + VALID_ROW.replace("Furnace", "Furnace\x00") + "\n")
@example(data=",".join(HEADER) + "\n" + VALID_ROW.replace("Chongjin", "Chong\x00jin") + "\n")
@example(data=",".join(HEADER) + "\n" + VALID_ROW.replace("Kim Chaek", "Kim\x00Chaek") + "\n")
def test_the_import_answers_a_plan_or_errors_naming_line_and_field(data):
    _check_import(data)


@PROPERTY
@given(data=st.binary(max_size=400) | claims_csv().map(lambda t: t.encode("utf-8")) | claims_csv().map(lambda t: t.encode("utf-16")))
@example(data=b"")
@example(data=b"\xff\xfe\x00")
@example(data=b"\xef\xbb\xbf" + ",".join(HEADER).encode() + b"\n")
@example(data=",".join(HEADER).encode() + b"\n" + b'"unterminated' * 3)
@example(data=",".join(HEADER).encode() + b"\nx" + b"y" * 200_000 + b"\n")
def test_the_import_answers_arbitrary_bytes_with_a_clear_error(data):
    _check_import(data)


def test_a_nul_byte_in_a_cell_is_named_not_sent_to_the_database():
    data = ",".join(HEADER) + "\nRodong Sinmun,2019-04-15,Furnace\x00,,Kim Chaek Iron and Steel Complex,,,,,facility,2,,,\n"
    with pytest.raises(ImportFailed) as failed:
        parse_claims_csv(data)
    assert [str(e) for e in failed.value.errors] == ["line 2: title: Furnace\x00 — a control character (U+0000) in the text"]


@override_settings(MAX_IMPORT_BYTES=1000)
def test_an_oversized_file_is_refused_before_it_is_parsed():
    row = "Rodong Sinmun,2019-04-15,Furnace,,Kim Chaek Iron and Steel Complex,,,,,facility,2,,,\n"
    data = (",".join(HEADER) + "\n" + row * 20).encode()
    assert len(data) > 1000
    with pytest.raises(ImportFailed) as failed:
        parse_claims_csv(data)
    assert [str(e) for e in failed.value.errors] == [
        f"line 1: file:  — the file is {len(data):,} bytes; the limit is 1,000: split it into smaller files"
    ]
    # One row under the limit goes through to the row checks.
    assert len(parse_claims_csv(data[:200].rsplit(b"\n", 1)[0] + b"\n")) == 1
    # Text is measured as UTF-8: 400 Hangul syllables are 1,200 bytes.
    with pytest.raises(ImportFailed, match="1,2"):
        parse_claims_csv("청" * 400)
