"""Stata downloads (format=dta): the claims list and the time series read back with
pandas.read_stata hold the CSV's columns and rows, typed, each variable labelled with its
column's description; a detail, the export command and the row limit too."""

import csv
import datetime
import io

import pandas
import pytest
from django.core.management import call_command
from django.test import Client

from infra import stata
from tests.admin_support import make_article, make_enterprise, make_user, place, source

pytestmark = pytest.mark.django_db

SERIES = "/api/v1/timeseries/?metric=articles&regions=pyongyang;chongjin&interval=year&start=2015&end=2017"


@pytest.fixture
def world():
    kim = make_user("coder", username="kim")
    steel = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"), hangul="김책제철련합기업소")
    sadong = make_enterprise("Sadong Machine Factory", location=place("pyongyang"), grade="2", kind="factory")
    make_article("Steel output up", coded_by=kim, published=datetime.date(2015, 3, 2), claims=[(steel, "production", 5)])
    make_article("A new line", coded_by=kim, published=datetime.date(2016, 7, 9), source=source("RS"),
                 title_ko="새 생산선", claims=[(steel, "facility", 2), (sadong, "modernization", 3)])
    return steel, sadong


def read(response):
    assert response.status_code == 200, response.content[:500]
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw


def csv_rows(client, url):
    return list(csv.reader(io.StringIO(read(client.get(url + "&format=csv")).decode("utf-8"))))


def cell(value):
    """A value read from Stata as the CSV writes it."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pandas.Timestamp):
        return value.date().isoformat()
    return str(value)


def test_the_claims_list_as_stata_is_the_csv_with_labels(world):
    client = Client()
    raw = read(client.get("/api/v1/claims/?ordering=id&format=dta"))
    frame = pandas.read_stata(io.BytesIO(raw))
    header, *rows = csv_rows(client, "/api/v1/claims/?ordering=id")
    assert list(frame.columns) == header
    assert [[cell(v) for v in row] for row in frame.itertuples(index=False)] == rows
    assert len(rows) == 3 and set(frame["code"]) == {5, 2, 3}
    # Typed: codes and ids are numbers, dates Stata dates, Hangul intact.
    assert frame["code"].dtype.kind in "iu" and frame["published"].dtype.kind == "M"
    assert "새 생산선" in set(frame["article_title_ko"])
    with pandas.io.stata.StataReader(io.BytesIO(raw)) as reader:
        labels = reader.variable_labels()
        assert reader.data_label == "claim"  # the download's file name
    assert labels["code"] == "Reliability code: 1 most to 5 least specific; see the codebook"
    assert labels["published"] == stata.DESCRIPTIONS["published"] and all(labels[c] for c in header)


def test_the_series_as_stata_is_the_csv_with_labels(world):
    client = Client()
    raw = read(client.get(SERIES + "&format=dta"))
    frame = pandas.read_stata(io.BytesIO(raw))
    header, *rows = csv_rows(client, SERIES)
    assert list(frame.columns) == header == ["period", "group", "value", "flag"]
    assert [[cell(v) for v in row] for row in frame.itertuples(index=False)] == rows
    # By hand: Pyongyang 0, 1, 0 (a new line, 2016); Chongjin 1, 1, 0.
    assert [(p, g, int(v)) for p, g, v, _f in frame.itertuples(index=False)] == [
        ("2015", "Pyongyang", 0), ("2016", "Pyongyang", 1), ("2017", "Pyongyang", 0),
        ("2015", "Chongjin", 1), ("2016", "Chongjin", 1), ("2017", "Chongjin", 0)]
    with pandas.io.stata.StataReader(io.BytesIO(raw)) as reader:
        labels = reader.variable_labels()
    assert labels == {name: stata.DESCRIPTIONS[name] for name in header}
    # The same question asked twice is the same file (no time stamp of the moment in it).
    assert read(client.get(SERIES + "&format=dta")) == raw


def test_a_wide_series_gets_valid_stata_names_and_keeps_its_own_as_labels(world):
    raw = read(Client().get(SERIES + "&bands=1&max_code=2&layout=wide&format=dta"))
    with pandas.io.stata.StataReader(io.BytesIO(raw)) as reader:
        labels = reader.variable_labels()
        frame = reader.read()
    assert list(frame.columns) == ["period", "pyongyang_1", "pyongyang_2", "chongjin_1", "chongjin_2", "flag"]
    assert labels["chongjin_2"] == "Chongjin ≤2"
    assert list(frame["chongjin_2"]) == [0, 1, 0]  # the facility of 2016, code 2


def test_a_detail_and_the_command(world, tmp_path):
    steel, _ = world
    frame = pandas.read_stata(io.BytesIO(read(Client().get(f"/api/v1/enterprises/{steel.pk}/?format=dta"))))
    assert list(frame["name"]) == ["Kim Chaek Iron and Steel Complex"]
    out = tmp_path / "series.dta"
    call_command("export_timeseries", "--regions", "pyongyang;chongjin", "--start", "2015", "--end", "2017",
                 "--format", "dta", "--output", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    assert pandas.read_stata(out)["value"].tolist() == [0, 1, 0, 1, 1, 0]


def test_past_the_row_limit_a_sentence_naming_the_format(world, monkeypatch):
    monkeypatch.setattr(stata, "DTA_MAX_ROWS", 2)
    response = Client().get("/api/v1/claims/?format=dta")
    assert response.status_code == 400
    assert "3 rows or more; a Stata download holds at most 2" in response.json()["errors"]["format"][0]


def test_without_pandas_a_sentence_not_a_500(world, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    response = Client().get(SERIES + "&format=dta")
    assert response.status_code == 400 and "format=dta needs pandas" in response.json()["errors"]["format"][0]
