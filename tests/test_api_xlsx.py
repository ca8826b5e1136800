"""Spreadsheets: `format=xlsx` on every list and on the time series (the same columns and rows
as the JSON, typed: numbers, booleans, real dates), and `bom=1` on CSV for Excel."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from rest_framework.test import APIClient

from infra import spreadsheets
from registry.models import Article, Claim, Source
from tests.api_data import MARKERS, build

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def d():
    return build()


def sheet_rows(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == XLSX
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
    # A time series has a second sheet, "about" (tests/test_machine_names.py); a list one.
    assert [w.title for w in book.worksheets][1:] in ([], ["about"])
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    # Reading drops a row's trailing empty cells: give them back.
    return [row + [None] * (len(rows[0]) - len(row)) for row in rows]


def as_json(value, like):
    """A cell read back from Excel, spelt as the JSON spells the value `like`."""
    if value is None and like == "":  # an empty text is an empty cell, as in CSV
        return ""
    if isinstance(value, datetime.datetime):  # Excel dates come back as midnight datetimes
        return value.date().isoformat()
    if isinstance(like, str) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value)) == Decimal(like) and like  # a decimal quantity: the JSON's text, if equal
    return value


@pytest.mark.parametrize(
    "path, params",
    [
        ("enterprises", {"place": "North Hamgyong"}),
        ("articles", {}),
        ("claims", {"activity": "investment,production"}),
        ("places", {"within": "Chongjin"}),
        ("industries", {}),
        ("sources", {}),
    ],
)
def test_an_xlsx_list_equals_the_json_rows(d, path, params):
    client = APIClient()
    json_rows = client.get(f"/api/v1/{path}/", {**params, "page_size": 500}).json()["results"]
    header, *rows = sheet_rows(client.get(f"/api/v1/{path}/", {**params, "format": "xlsx"}))
    assert json_rows, "the filter must select something"
    assert header == list(json_rows[0])
    assert [[as_json(cell, row[c]) for cell, c in zip(cells, header)] for cells, row in zip(rows, json_rows)] == [
        [row[c] for c in header] for row in json_rows
    ]
    assert len(rows) == len(json_rows)


def test_xlsx_cells_are_typed_dates_are_real_dates_and_text_is_never_a_formula(d):
    source = Source.objects.get(short_name="KCNA")
    article = Article.objects.create(
        source=source, published="2022-01-03", title='=HYPERLINK("http://x")', title_ko="김책제철련합기업소에서 산소분리기 설치",
        summary="bell\x07 rings", status="coded",
    )
    Claim.objects.create(article=article, enterprise=d.e1, activity="production", code=5, quantity=Decimal("1200.5"), unit="t")
    header, *rows = sheet_rows(APIClient().get("/api/v1/articles/", {"format": "xlsx", "published_after": "2022"}))
    row = dict(zip(header, rows[0]))
    assert row["published"] == datetime.datetime(2022, 1, 3)  # a date cell, not text
    assert row["title"] == '=HYPERLINK("http://x")'  # kept as text: no apostrophe, no formula
    assert row["title_ko"] == "김책제철련합기업소에서 산소분리기 설치"
    assert row["summary"] == "bell rings"  # a control character XML cannot carry is dropped
    assert row["claim_count"] == 1 and row["id"] == article.pk
    raw = b"".join(APIClient().get("/api/v1/articles/", {"format": "xlsx", "published_after": "2022"}).streaming_content)
    cell = openpyxl.load_workbook(io.BytesIO(raw)).worksheets[0].cell(row=2, column=header.index("title") + 1)
    assert cell.data_type == "s"
    claims = sheet_rows(APIClient().get("/api/v1/claims/", {"format": "xlsx", "article": article.pk}))
    assert dict(zip(claims[0], claims[1]))["quantity"] == 1200.5


def test_the_time_series_as_xlsx_equals_its_json(d):
    client = APIClient()
    params = {"regions": "Chongjin;North Hamgyong", "start": "2015", "end": "2021", "max_code": "3"}
    answer = client.get("/api/v1/timeseries/", params).json()
    header, *rows = sheet_rows(client.get("/api/v1/timeseries/", {**params, "format": "xlsx"}))
    assert header == ["period", "group", "value", "flag"]
    # A year is a number in Excel, "2016" in the JSON.
    expected = [[int(p), g, v, f or None] for g in answer["groups"] for p, v, f in zip(answer["periods"], answer["values"][g], answer["flags"])]
    assert rows == expected
    # Chongjin, codes 1-3, public: A1 (2016: c1, c2) and A2 (2018: c4); A4 is restricted.
    assert [r[2] for r in rows if r[1] == "Chongjin"] == [0, 1, 0, 1, 0, 0, 0]


def test_an_unread_period_is_an_empty_cell_in_xlsx(d):
    from registry.models import Coverage

    Coverage.objects.create(source=Source.objects.get(short_name="KCNA"), start=datetime.date(2016, 1, 1), end=datetime.date(2016, 12, 31))
    rows = sheet_rows(APIClient().get("/api/v1/timeseries/", {"source": "KCNA", "start": "2015", "end": "2017", "format": "xlsx"}))
    assert rows[1:] == [[2015, "all", None, "read: not recorded"], [2016, "all", 1, None], [2017, "all", None, "read: not recorded"]]


def test_bom_puts_the_utf8_mark_first_and_only_when_asked(d):
    client = APIClient()
    for url in ("/api/v1/enterprises/", "/api/v1/timeseries/"):
        plain = client.get(url, {"format": "csv"})
        marked = client.get(url, {"format": "csv", "bom": "1"})
        plain_bytes = b"".join(plain.streaming_content) if plain.streaming else plain.content
        marked_bytes = b"".join(marked.streaming_content) if marked.streaming else marked.content
        assert not plain_bytes.startswith(b"\xef\xbb\xbf")
        assert marked_bytes.startswith(b"\xef\xbb\xbf")
        assert marked_bytes[3:] == plain_bytes  # the mark and nothing else
    # Hangul arrives intact after the mark (an alias of E1 is 김책제철연합기업소).
    response = client.get("/api/v1/places/", {"format": "csv", "bom": "1", "within": "Chongjin"})
    assert "청진" in b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize("params, name", [
    ({"format": "csv", "bom": "2"}, "bom"),
    ({"format": "csv", "bom": "maybe"}, "bom"),
    ({"format": "xlsx", "bom": "1"}, "bom"),
    ({"bom": "1"}, "bom"),
])
def test_a_bad_bom_is_a_400_naming_it(d, params, name):
    for url in ("/api/v1/claims/", "/api/v1/timeseries/"):
        response = APIClient().get(url, params)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        assert name in response.json()["errors"]


def test_restricted_material_never_reaches_an_anonymous_xlsx(d):
    client = APIClient()
    for url in ("/api/v1/enterprises/", "/api/v1/articles/", "/api/v1/claims/", f"/api/v1/articles/{d.a1.pk}/"):
        text = repr(sheet_rows(client.get(url, {"format": "xlsx"})))
        assert not [m for m in MARKERS if m in text], url
    header = sheet_rows(client.get("/api/v1/articles/", {"format": "xlsx"}))[0]
    assert not {"full_text", "notes", "text_sha256", "coded_by"} & set(header)


def test_past_the_row_limit_xlsx_is_a_400_not_a_truncated_sheet(d, monkeypatch):
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 3)
    response = APIClient().get("/api/v1/claims/", {"format": "xlsx"})
    assert response.status_code == 400
    assert "format" in response.json()["errors"] and "format=csv" in response.json()["detail"]
    assert APIClient().get("/api/v1/claims/", {"format": "xlsx", "article": d.a1.pk}).status_code == 200


def test_the_schema_documents_xlsx_and_bom():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/claims/", "/api/v1/timeseries/"):
        params = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert "xlsx" in params["format"]["schema"]["enum"]
        assert "byte-order mark" in params["bom"]["description"]


def test_export_timeseries_writes_xlsx_and_csv_with_a_bom(d, tmp_path):
    from django.core.management import CommandError, call_command

    def export(*args):
        call_command("export_timeseries", "--regions", "Chongjin", "--start", "2015", "--end", "2021", *args,
                     stdout=io.StringIO(), stderr=io.StringIO())

    export("--format", "xlsx", "--output", str(tmp_path / "series.xlsx"))
    book = openpyxl.load_workbook(tmp_path / "series.xlsx", read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    answer = APIClient().get("/api/v1/timeseries/", {"regions": "Chongjin", "start": "2015", "end": "2021"}).json()
    assert rows == [["period", "group", "value", "flag"], *([p, "Chongjin", v, f or None] for p, v, f in zip(answer["periods"], answer["values"]["Chongjin"], answer["flags"]))]
    export("--bom", "--output", str(tmp_path / "series.csv"))
    raw = (tmp_path / "series.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfperiod,group,value,flag\n")
    with pytest.raises(CommandError, match="--bom: bom=1 applies to format=csv only"):
        export("--bom", "--format", "json")
    with pytest.raises(CommandError, match="--format xlsx: give --output"):
        export("--format", "xlsx")
