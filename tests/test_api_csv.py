"""`format=csv` on every list: the whole filtered result, the same columns and values as
the JSON rows, formulas made inert for spreadsheets."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from registry.models import Article, Source
from tests.api_data import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def d():
    return build()


def csv_rows(response):
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def as_cell(value):
    return "" if value is None else str(value)


@pytest.mark.parametrize(
    "path, params",
    [
        ("enterprises", {"place": "North Hamgyong"}),
        ("enterprises", {}),
        ("articles", {"published_after": "2016"}),
        ("claims", {"activity": "investment,production"}),
        ("places", {"within": "Chongjin"}),
        ("industries", {}),
        ("sources", {}),
    ],
)
def test_csv_equals_json_for_the_same_filter(d, path, params):
    client = APIClient()
    json_rows = client.get(f"/api/v1/{path}/", {**params, "page_size": 500}).json()["results"]
    header, *rows = csv_rows(client.get(f"/api/v1/{path}/", {**params, "format": "csv"}))
    assert json_rows, "the filter must select something"
    assert header == list(json_rows[0])
    assert rows == [[as_cell(row[column]) for column in header] for row in json_rows]


def test_csv_is_the_whole_result_not_one_page(d):
    client = APIClient()
    header, *rows = csv_rows(client.get("/api/v1/claims/", {"format": "csv", "page_size": 2, "page": 2}))
    assert len(rows) == 6  # every claim the public may see, not page 2 of 2-row pages
    assert header[:3] == ["id", "article", "published"]


def test_cells_that_a_spreadsheet_would_run_are_made_inert(d):
    source = Source.objects.get(short_name="KCNA")
    Article.objects.create(source=source, published="2022-01-01", title="=HYPERLINK(\"http://x\")", summary="+1 -2 @SUM(A1)", status="coded")
    header, *rows = csv_rows(APIClient().get("/api/v1/articles/", {"format": "csv", "published_after": "2022"}))
    row = dict(zip(header, rows[0]))
    assert row["title"] == "'=HYPERLINK(\"http://x\")"
    assert row["summary"] == "'+1 -2 @SUM(A1)"
    assert row["claim_count"] == "0"  # numbers stay numbers
