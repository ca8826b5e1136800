"""/compare/ and /enterprises/<id>/: the chart, the table and the evidence, public data only."""

import re

import pytest
from django.contrib.auth.models import Permission, User

from registry.series import charts
from registry.series.timeseries import compute, parse_params

from .timeseries_data import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build()


def table(html):
    """The comparison table as {period: [values...]}, read back from the page."""
    body = re.search(r'<table id="series-table">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", body, re.S)
    return {period: [int(v) for v in re.findall(r"<td>(\d+)</td>", cells)] for period, cells in rows}


def test_it_opens_on_pyongyang_against_chongjin_production_or_investment_codes_1_to_3(client, world):
    response = client.get("/compare/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Articles on production or investment per year, Pyongyang vs Chongjin, codes 1–3" in html
    assert '<option value="pyongyang" selected>' in html and '<option value="chongjin" selected>' in html
    # Hand-counted in timeseries_data: Pyongyang a1, a3; Chongjin a2 (facility 2), a4 (modernization 3).
    assert table(html) == {"2015": [1, 1], "2016": [1, 0], "2017": [0, 0], "2018": [0, 1]}
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert re.findall(r'<g class="series" data-group="([^"]+)"', html) == ["Pyongyang", "Chongjin"]
    assert 'href="/api/v1/timeseries/?metric=articles&amp;interval=year&amp;activity=production%2Cinvestment&amp;regions=pyongyang%3Bchongjin&amp;max_code=3&amp;format=csv&amp;bom=1&amp;labels=en"' in html
    assert 'id="xlsx-link" href="/api/v1/timeseries/?metric=articles&amp;interval=year&amp;activity=production%2Cinvestment&amp;regions=pyongyang%3Bchongjin&amp;max_code=3&amp;format=xlsx&amp;labels=en"' in html


def test_the_links_give_the_same_numbers_as_the_table(client, world):
    html = client.get("/compare/").content.decode()
    json_url = re.search(r'id="json-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    data = client.get(json_url).json()
    assert data["values"] == {"Pyongyang": [1, 1, 0, 0], "Chongjin": [1, 0, 0, 1]}


def test_choosing_other_places_and_bands_redraws(client, world):
    html = client.get("/compare/?regions=sadong&regions=north-hamgyong&activity=investment&activity=production&metric=articles&interval=year&max_code=&bands=1").content.decode()
    groups = re.findall(r'<g class="series" data-group="([^"]+)"', html)
    assert groups == [f"Sadong ≤{b}" for b in range(1, 6)] + [f"North Hamgyong ≤{b}" for b in range(1, 6)]
    rows = table(html)
    assert rows["2015"] == [1, 1, 1, 1, 1, 0, 1, 1, 1, 2]  # a1 S construction 1; a2 C facility 2, a1 C production 5
    assert rows["2018"] == [0, 0, 0, 0, 0, 0, 0, 1, 2, 2]  # a4 C modernization 3, a6 C production 4


def test_a_quarterly_comparison_shows_what_was_left_out(client, world):
    html = client.get("/compare/?regions=pyongyang&interval=quarter").content.decode()
    assert "left out (articles dated less precisely than a quarter): Pyongyang 1" in html


def test_group_by_replaces_the_places(client, world):
    html = client.get("/compare/?regions=pyongyang&group_by=tier&metric=claims").content.decode()
    assert re.findall(r'<g class="series" data-group="([^"]+)"', html) == ["central", "local", "unknown"]


def test_a_bad_choice_is_shown_not_raised(client, world):
    response = client.get("/compare/?regions=pyongyang&start=2015-13")
    assert response.status_code == 400
    html = response.content.decode()
    # Named by the field's label beside the form it came from, the field marked invalid.
    assert '<li id="error-start"><a href="#field-start">From</a>: &#x27;2015-13&#x27; is not a date' in html
    assert 'name="start" id="field-start" aria-invalid="true" aria-describedby="error-start"' in html


def test_page_query_count_does_not_grow_with_bands(client, world, django_assert_num_queries):
    # place options, 2 × resolve a place (name, row), one UNION of GROUP BYs; the data's
    # stamp: the public's last change and counts, one read of the version row where the
    # triggers keep them (registry/stored/dataversion.py); the coverage ranges of the sources in
    # scope; the top-level industries for the industry control.
    with django_assert_num_queries(9):
        response = client.get("/compare/")
    assert response.status_code == 200
    assert table(response.content.decode()) == {"2015": [1, 1], "2016": [1, 0], "2017": [0, 0], "2018": [0, 1]}
    with django_assert_num_queries(9):
        response = client.get("/compare/?regions=pyongyang&regions=chongjin&bands=1&interval=month")
    assert response.status_code == 200
    # Months from the first article that fits to the last: 2015-03 to 2018-11, 10 + 24 + 11.
    rows = table(response.content.decode())
    assert len(rows) == 45 and len(rows["2015-03"]) == 10
    # Pyongyang ≤1…≤5, then Chongjin ≤1…≤5: a1 S construction 1 and C production 5; a2 C
    # facility 2; a6 C production 4; a4 C modernization 3; a3 is year-dated, left out.
    assert rows["2015-03"] == [1, 1, 1, 1, 1, 0, 0, 0, 0, 1]
    assert rows["2015-08"] == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
    assert rows["2018-06"] == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    assert rows["2018-11"] == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
    assert sum(map(sum, rows.values())) == 5 + 1 + 4 + 2 + 3


def test_enterprise_page_shows_a_timeline_and_public_articles_only(client, world):
    response = client.get(f"/enterprises/{world['S'].pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Machine factory built" in html and "Yearbook of output" in html
    assert "Secret new line" not in html  # a5 is restricted
    assert "Full text of" not in html
    # Claims of S per year: 2015 code 1, 2016 code 3; 2017 is shown empty.
    assert re.findall(r"<title>(\d{4}: \d+ claim\(s\) at code \d)</title>", html) == [
        "2015: 1 claim(s) at code 1", "2016: 1 claim(s) at code 3",
    ]
    assert ">2017</text>" not in html  # the strip runs from first to last year only: 2015, 2016
    reader = User.objects.create_user("reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_restricted"))
    client.force_login(reader)
    html = client.get(f"/enterprises/{world['S'].pk}/").content.decode()
    assert "Secret new line" in html and ">2017</text>" in html and "Full text of" not in html


def test_enterprise_page_queries_do_not_grow_with_articles(client, world, django_assert_num_queries):
    # enterprise (with place, industry, parent), counts by year and code, articles, their
    # claims, its visible units, the latest release (for the citation), its attribute periods
    # (the timeline)
    with django_assert_num_queries(7):
        response = client.get(f"/enterprises/{world['H'].pk}/")
    assert listed_codes(response) == [3, 2]  # a3 (2016) production 3, a4 (2018-11) operation 2
    with django_assert_num_queries(7):
        response = client.get(f"/enterprises/{world['C'].pk}/")
    # a1 production 5, a2 facility 2, a6 (2018-06) production 4, a4 (2018-11) modernization 3;
    # a7 is a draft.
    assert listed_codes(response) == [5, 2, 4, 3]


def listed_codes(response):
    """The codes of the claims under each listed article, in the page's order."""
    assert response.status_code == 200
    listing = re.search(r'<ol class="articles">(.*?)</ol>', response.content.decode(), re.S).group(1)
    return [int(code) for code in re.findall(r'<span class="code code-\d">(\d)</span>', listing)]


def test_the_chart_escapes_names_and_tells_series_apart_in_print(world):
    result = compute(parse_params({"regions": "Pyongyang;Chongjin;North Hamgyong"}))
    result.groups[0] = "<Pyongyang & co>"
    result.values["<Pyongyang & co>"] = result.values.pop("Pyongyang")
    svg = charts.line_chart(result)
    assert "&lt;Pyongyang &amp; co&gt;" in svg and "<Pyongyang" not in svg
    lines = re.findall(r"<polyline [^>]*/>", svg)
    colours = [re.search(r'stroke="(#[0-9A-F]{6})"', line).group(1) for line in lines]
    dashes = [(re.search(r'stroke-dasharray="([^"]*)"', line) or [None, ""])[1] for line in lines]
    assert len(set(colours)) == 3 and len(set(dashes)) == 3


def test_bands_keep_one_colour_per_place_and_one_dash_per_band(world):
    result = compute(parse_params({"regions": "Pyongyang,Chongjin", "bands": "1"}))
    styles = charts.series_styles(result)
    assert len({colour for colour, _ in styles[:5]}) == 1 and styles[0][0] != styles[5][0]
    assert [dash for _, dash in styles[:5]] == [dash for _, dash in styles[5:]]
    assert len({dash for _, dash in styles[:5]}) == 5


def test_nice_ticks():
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(2) == [0, 1, 2]
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(230) == [0, 50, 100, 150, 200, 250]


def test_many_groups_are_drawn_as_small_multiples_on_shared_axes(client, world):
    html = client.get("/compare/?group_by=region&bands=1&max_code=2&metric=claims&start=2014&end=2019").content.decode()
    assert 'id="panels"' in html and 'id="chart"' not in html
    captions = re.findall(r'<figure class="panel"><figcaption>([^<]+)</figcaption>', html)
    assert len(captions) == 13 and captions[0] == "Pyongyang"  # every first-level unit, one panel each
    # Shared axes: every panel has the same y ticks.
    ticks = {tuple(re.findall(r'text-anchor="end" fill="#444">(\d+)<', panel)) for panel in html.split('<figure class="panel">')[1:]}
    assert len(ticks) == 1
    # The bands' legend once, the widest band solid; the table one row per group.
    legend = html.split('id="band-legend"', 1)[1].split("</ul>", 1)[0]
    assert "codes ≤1" in legend and "codes ≤2" in legend and legend.count("stroke-dasharray") == 1
    assert '<table id="series-table" class="by-group">' in html
    assert "<th scope=\"row\">Pyongyang ≤1</th>" in html


def test_the_controls_carry_the_whole_question(client, world):
    url = "/compare/?regions=chongjin&industry=metal&grade=special&source_kind=state_media&code=1&code=2&metric=claims"
    html = client.get(url).content.decode()
    assert '<option value="metal" selected>' in html
    assert '<option value="special" selected>' in html
    assert 'name="source_kind" value="state_media" checked' in html
    assert 'name="code" value="1" checked' in html and 'name="code" value="2" checked' in html
    assert 'name="code" value="3" checked' not in html
    # The same question through the API gives the page's numbers.
    api = client.get("/api/v1/timeseries/?regions=chongjin&industry=metal&grade=special&source_kind=state_media&code=1,2&metric=claims").json()
    assert sum(sum(v) for v in table(html).values()) == sum(api["values"]["Chongjin"])


def test_the_axis_counts_in_whole_numbers(client, world):
    html = client.get("/compare/").content.decode()
    svg = html.split('id="chart"', 1)[1].split("</svg>", 1)[0]
    labels = re.findall(r'text-anchor="end" fill="#333">([^<]+)</text>', svg)
    assert labels and all(label.isdigit() for label in labels), labels  # "1", never "1.0"
