"""Downloads a script can read and a person can open: column names and JSON keys that never
move with the language, labels in the language asked for (labels=ko|en), a wide layout, and
an Excel workbook that says where its numbers came from."""

import csv
import io

import pytest
from openpyxl import load_workbook

from .timeseries_data import build

pytestmark = pytest.mark.django_db

SERIES = "/api/v1/timeseries/?regions=pyongyang;chongjin&activity=production,investment&max_code=3"
KO, EN = {"HTTP_ACCEPT_LANGUAGE": "ko"}, {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world():
    return build()


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def rows(response):
    assert response.status_code == 200, body(response)[:300]
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


@pytest.mark.parametrize("url", [
    "/map/?format=csv",
    "/map/?start=2015&end=2016&start2=2017&format=csv",
    SERIES + "&format=csv",
    SERIES + "&format=csv&layout=wide",
    SERIES + "&format=csv&labels=ko",
    "/api/v1/timeseries/?group_by=grade&format=csv",
    "/api/v1/enterprises/?format=csv",
    "/api/v1/articles/?format=csv",
])
def test_headers_are_the_same_in_korean_and_english(client, world, url):
    assert rows(client.get(url, **KO))[0] == rows(client.get(url, **EN))[0]


def test_the_map_columns_are_machine_names(client, world):
    assert rows(client.get("/map/?format=csv", **KO))[0] == ["slug", "name", "hangul", "parent", "parent_hangul", "enterprises_all"]
    header = rows(client.get("/map/?measure=articles&start=2015&end=2016&start2=2017&format=csv", **KO))[0]
    assert header[5:] == ["articles_2015_2016", "articles_2017_"]


def test_json_keys_and_groups_are_the_same_in_korean_and_english(client, world):
    ko, en = client.get(SERIES, **KO).json(), client.get(SERIES, **EN).json()
    assert list(ko) == list(en) and ko["groups"] == en["groups"] == ["Pyongyang", "Chongjin"]
    assert ko["group_names"] == en["group_names"] == [
        {"group": "Pyongyang", "slug": "pyongyang", "name": "Pyongyang", "hangul": "평양"},
        {"group": "Chongjin", "slug": "chongjin", "name": "Chongjin", "hangul": "청진"},
    ]


def test_labels_ko_adds_hangul_group_names_beside_the_machine_names(client, world):
    header, *body = rows(client.get(SERIES + "&format=csv&labels=ko"))
    assert header == ["period", "group", "value", "group_slug", "group_name", "group_hangul", "group_label"]
    assert body[0] == ["2015", "Pyongyang", "1", "pyongyang", "Pyongyang", "평양", "평양"]
    assert {row[6] for row in body} == {"평양", "청진"}
    en = rows(client.get(SERIES + "&format=csv&labels=en"))
    assert {row[6] for row in en[1:]} == {"Pyongyang", "Chongjin"}


def test_grade_groups_carry_their_korean_label(client, world):
    names = client.get("/api/v1/timeseries/?group_by=grade").json()["group_names"]
    special = names[0]
    assert special["group"] == special["name"] == "special" and special["slug"] == "special"
    assert special["hangul"] and special["hangul"] != "special"


def test_a_bad_labels_or_layout_is_a_400_naming_it(client, world):
    response = client.get(SERIES + "&format=csv&labels=fr")
    assert response.status_code == 400 and "labels" in response.json()["errors"]
    response = client.get(SERIES + "&format=csv&layout=diagonal")
    assert response.status_code == 400 and "layout" in response.json()["errors"]


def test_the_wide_layout_is_the_long_one_pivoted(client, world):
    long = rows(client.get(SERIES + "&format=csv"))
    wide = rows(client.get(SERIES + "&format=csv&layout=wide"))
    assert wide[0] == ["period", "Pyongyang", "Chongjin"]
    pivot = {}
    for period, group, value in long[1:]:
        pivot.setdefault(period, {})[group] = value
    assert {row[0]: dict(zip(wide[0][1:], row[1:])) for row in wide[1:]} == pivot
    # Hand-counted (tests/test_compare_page.py): Pyongyang 1,1,0,0; Chongjin 1,0,0,1.
    assert wide[1:] == [["2015", "1", "1"], ["2016", "1", "0"], ["2017", "0", "0"], ["2018", "0", "1"]]


def test_the_xlsx_has_numbers_a_frozen_header_and_a_sheet_naming_its_data_version(client, world):
    response = client.get(SERIES + "&format=xlsx&layout=wide")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    data, about = book.worksheets
    assert data.freeze_panes == "A2"
    values = [[c.value for c in row] for row in data.iter_rows()]
    assert values[0] == ["period", "Pyongyang", "Chongjin"]
    assert values[1] == [2015, 1, 1]  # the year a number, not text
    facts = {row[0].value: row[1].value for row in about.iter_rows(min_row=2)}
    assert facts["data_version"] == response["X-Data-Version"]
    assert facts["codebook_version"] == response["X-Codebook-Version"]
    assert facts["coverage"] == response["X-Coverage"]
    assert "cite" in facts and "timeseries" in facts["source"]


def test_the_pages_csv_links_carry_the_byte_order_mark(client, world):
    html = client.get("/compare/").content.decode()
    assert "format=csv&amp;bom=1" in html
    html = client.get("/map/").content.decode()
    assert "format=csv&amp;bom=1" in html
    assert client.get("/map/?format=csv&bom=1").content.startswith("\ufeff".encode())
    assert body(client.get("/api/v1/enterprises/?format=csv&bom=1")).startswith("\ufeff".encode())
