"""/map/: a measure per county, city and district, drawn as SVG, as a table and as CSV.
Expectations hand-counted from tests/api_data.build()."""

import csv
import io
import json
import re

import pytest
from rest_framework.test import APIClient

from registry.series import maps
from tests.api_data import build, user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def d():
    return build()


def table(client, query=""):
    response = client.get("/map/?" + query + ("&" if query else "") + "format=csv")
    assert response.status_code == 200, response.content[:300]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    return rows[0], {row[0]: [int(v) for v in row[5:]] for row in rows[1:]}


@pytest.mark.parametrize("measure, chongjin, sadong", [
    ("enterprises", 3, 1),  # E1, E2, E3 in Chongjin; E4 in Sadong; E5 is on the province
    ("articles", 2, 1),  # A1 and A2; A3
    ("claims", 4, 1),  # C1–C4; C6
])
def test_each_unit_counts_what_the_visitor_may_see(client, d, measure, chongjin, sadong):
    header, values = table(client, f"measure={measure}")
    assert header[:4] == ["slug", "name", "hangul", "parent"]
    assert values["chongjin"] == [chongjin] and values["sadong"] == [sadong]
    assert sum(v[0] for slug, v in values.items() if slug not in ("chongjin", "sadong")) == 0


def test_restricted_material_counts_only_for_those_who_may_see_it(client, d):
    client.force_login(user_with("analyst", "view_restricted"))
    # + the two secret enterprises and A4 (C5, C8, C9), all in Chongjin.
    assert table(client, "measure=enterprises")[1]["chongjin"] == [5]
    assert table(client, "measure=articles")[1]["chongjin"] == [3]
    assert table(client, "measure=claims")[1]["chongjin"] == [7]


def test_activity_codes_and_two_periods(client, d):
    # Investment: C1 facility (E1), C2 construction (E3); C6 modernization (E4).
    assert table(client, "activity=investment")[1]["chongjin"] == [2]
    assert table(client, "max_code=1")[1]["chongjin"] == [1]  # C2 only
    header, values = table(client, "measure=articles&start=2015&end=2017&start2=2018&end2=2021")
    assert header[5:] == ["articles_2015_2017", "articles_2018_2021"]
    assert values["chongjin"] == [1, 1] and values["sadong"] == [0, 1]


def test_the_numbers_equal_the_time_series_apis(client, d):
    for measure in ("articles", "claims"):
        series = APIClient().get(f"/api/v1/timeseries/?metric={measure}&regions=chongjin&start=2015&end=2022").json()
        assert table(client, f"measure={measure}&start=2015&end=2022")[1]["chongjin"] == [sum(series["values"]["Chongjin"])]


def test_the_svg_links_every_unit_to_its_place_and_names_it_in_both_scripts(client, d):
    html = client.get("/map/?measure=enterprises").content.decode()
    units = json.loads(maps.DATA.read_text())["units"]
    assert len(units) == 197
    links = re.findall(r'<a href="/places/([a-z0-9-]+)/" aria-label="[^"]*" data-slug="\1" data-where="main">', html)
    assert len(links) == 197
    # Pyongyang's districts again in the inset.
    assert 'data-slug="sadong" data-where="inset"' in html
    assert "<title>Chongjin 청진시, North Hamgyong: 3 enterprises</title>" in html
    assert "© OpenStreetMap contributors" in html
    # E5 sits on North Hamgyong itself: reported beside the map, not in a county.
    assert "North Hamgyong 1" in html.split('id="elsewhere"', 1)[1]


def test_two_maps_share_one_scale(client, d):
    html = client.get("/map/?measure=articles&start=2015&end=2017&start2=2018&end2=2021").content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
    assert 'id="map-2"' in html


@pytest.mark.parametrize("query, name", [("measure=profit", "measure"), ("start=never", "start"), ("colour=red", "colour"), ("format=xml", "format")])
def test_a_bad_parameter_is_a_400_naming_it(client, d, query, name):
    response = client.get("/map/?" + query)
    assert response.status_code == 400 and f'id="error-{name}"' in response.content.decode()


def test_the_shapes_file_is_what_the_script_writes():
    data = json.loads(maps.DATA.read_text())
    assert data["attribution"].startswith("Map data © OpenStreetMap contributors, ODbL")
    assert all(len(ring) >= 4 for unit in data["units"] for ring in unit["rings"])


def test_the_query_count_is_fixed(client, d, django_assert_num_queries):
    client.get("/map/")
    # the units, then one GROUP BY per period
    with django_assert_num_queries(3):
        assert client.get("/map/?start=2015&end=2017&start2=2018&end2=2021").status_code == 200


def test_the_legend_counts_in_whole_numbers():
    from registry.series.maps import breaks

    # A count read back as 3.0 (a database's numeric) must not print "3.0" on the legend.
    assert breaks([3.0, 12.0]) == [3, 6, 9, 12, 15] and all(type(b) is int for b in breaks([3.0, 12.0]))
