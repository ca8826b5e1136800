"""One question, five doors: the API's lists (and their facets), /api/v1/timeseries/,
export_timeseries, /compare/ and the admin filters read the same parameters the same way and
answer with the same rows. Hand-counted against tests/timeseries_data.py."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from .timeseries_data import build

pytestmark = pytest.mark.django_db

YEARS = ["2015", "2016", "2017", "2018"]

# Each question in the vocabulary's words, its dates as each door spells them, and what a
# signed-in lead counts per year (claims, articles, enterprises). None: equality only.
QUESTIONS = [
    # North Hamgyong, investment or production, codes 1–3, coded articles: C facility 2 (a2,
    # 2015), H production 3 (a3, 2016), C modernization 3 (a4, 2018); C production 5 is out.
    ({"place": "North Hamgyong", "activity": "investment,production", "max_code": "3", "status": "coded"},
     ("2015", "2018"), {"claims": [1, 1, 0, 1], "articles": [1, 1, 0, 1], "enterprises": [1, 1, 0, 1]}),
    # Special grade (C) in "Chongjin, North Hamgyong" (a place written with its parent),
    # codes 1–3: a2 facility 2 (2015), a4 modernization 3 and the draft a7 production 1
    # (2018; the lead, an admin, counts drafts).
    ({"place": "Chongjin, North Hamgyong", "grade": "special", "max_code": "3"},
     ("2015", "2018"), {"claims": [1, 0, 0, 2], "articles": [1, 0, 0, 2], "enterprises": [1, 0, 0, 1]}),
    # Codes 2 and 3 in Pyongyang or Chongjin (';' separates), KCNA: a2 C 2, a3 S 3, a4 C 3, a5 S 2.
    ({"place": "Pyongyang; Chongjin", "code": "2,3", "source": "KCNA"},
     ("2015", "2018"), {"claims": [1, 1, 0, 2], "articles": [1, 1, 0, 2], "enterprises": [1, 1, 0, 2]}),
    ({"industry": "Metal", "source_kind": "insider"}, ("2015", "2018"), None),
    ({"tier": "local", "activity": "other"}, ("2016", "2018"), None),
]

LISTS = {"claims": ("published_after", "published_before"), "articles": ("published_after", "published_before"),
         "enterprises": ("seen_after", "seen_before")}
# Parameters each list lacks (the question is not asked there).
NOT_ON = {"articles": {"tier", "code", "source"}, "enterprises": {"code", "source"}}


@pytest.fixture
def lead(client):
    world = build()
    user = User.objects.create_superuser("lead", "lead@example.org", "x")
    client.force_login(user)
    return world


def api(client, path, params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response


def series(client, params, metric, **extra):
    return api(client, "/api/v1/timeseries/", {**params, "metric": metric, **extra})


@pytest.mark.parametrize("question, dates, expected", QUESTIONS)
def test_the_same_question_gets_the_same_rows_through_every_door(client, lead, question, dates, expected):
    start, end = dates
    for metric, (after, before) in LISTS.items():
        if NOT_ON.get(metric, set()) & set(question):
            continue
        answer = series(client, {**question, "start": start, "end": end}, metric).json()
        assert answer["groups"] == ["all"]
        values = answer["values"]["all"]
        if expected:
            assert values == expected[metric], (metric, question)
        listed = api(client, f"/api/v1/{metric}/", {**question, after: start, before: end, "facets": "year"}).json()
        by_year = {str(row["value"])[:4]: row["count"] for row in listed["facets"]["year"]}
        # The year facet counts what the series counts in each year; the list's total is the
        # series' total, except for enterprises (one is seen in several years).
        assert [by_year.get(year, 0) for year in answer["periods"]] == values, (metric, question)
        if metric != "enterprises":
            assert listed["count"] == sum(values), (metric, question)

        # The command's CSV is the API's, byte for byte.
        api_csv = series(client, {**question, "start": start, "end": end}, metric, format="csv").content.decode()
        out = io.StringIO()
        flags = [arg for name, value in question.items() for arg in ("--" + name.replace("_", "-"), value)]
        call_command("export_timeseries", *flags, "--start", start, "--end", end, "--metric", metric,
                     "--user", "lead", stdout=out, stderr=io.StringIO())
        assert out.getvalue() == api_csv

        # The page draws the same numbers.
        page = client.get("/compare/", {**question, "start": start, "end": end, "metric": metric})
        assert page.status_code == 200, page.content
        assert _page_table(page.content.decode()) == dict(zip(answer["periods"], values))


def _page_table(html):
    body = re.search(r'<table id="series-table">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', body, re.S)
    return {period: int(re.search(r"<td>(\d+)</td>", cells).group(1)) for period, cells in rows}


def test_the_admin_filters_read_places_the_way_the_api_does(client, lead):
    # The claim admin's region filter and the API's place filter: the same claims.
    for region, codes in [("north-hamgyong", "3"), ("pyongyang", "2"), ("chongjin", "5")]:
        admin = client.get("/admin/registry/claim/", {"region": region, "code__exact": codes})
        assert admin.status_code == 200
        listed = api(client, "/api/v1/claims/", {"place": region, "code": codes}).json()
        totals = series(client, {"place": region, "code": codes}, "claims").json()["values"]["all"]
        assert admin.context["cl"].result_count == listed["count"] == sum(totals) > 0
    # A place the vocabulary cannot read is the admin's invalid-filter answer, not every row.
    assert client.get("/admin/registry/claim/", {"region": "atlantis"}).url.endswith("?e=1")
    metal = client.get("/admin/registry/enterprise/", {"industry": "metal"})
    assert {e.name for e in metal.context["cl"].result_list} == {"Chongjin Steel Works"}


# --- the list syntax --------------------------------------------------------------------------


def test_a_place_written_with_its_parent_is_one_place_and_a_semicolon_separates(client, lead):
    one = series(client, {"regions": "Chongjin, North Hamgyong"}, "claims").json()
    assert one["groups"] == ["Chongjin"]
    two = series(client, {"regions": "Chongjin; North Hamgyong"}, "claims").json()
    assert two["groups"] == ["Chongjin", "North Hamgyong"]
    repeated = client.get("/api/v1/timeseries/?regions=Chongjin&regions=North+Hamgyong").json()
    assert repeated["groups"] == ["Chongjin", "North Hamgyong"]
    # The lists read it the same way: C alone is in Chongjin; H sits on the province.
    assert api(client, "/api/v1/enterprises/", {"place": "Chongjin, North Hamgyong"}).json()["count"] == 1
    assert api(client, "/api/v1/enterprises/", {"place": "Chongjin; North Hamgyong"}).json()["count"] == 2


# --- misspelt parameters ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/api/v1/enterprises/", "/api/v1/articles/", "/api/v1/claims/", "/api/v1/places/",
    "/api/v1/industries/", "/api/v1/sources/", "/api/v1/timeseries/",
])
def test_a_misspelt_parameter_is_a_400_naming_it_and_the_accepted_ones(path):
    response = APIClient().get(path, {"plac": "Chongjin", "format": "json"})
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == ["plac"]
    assert "unknown parameter; accepted here: " in body["errors"]["plac"][0]
    assert "format" in body["errors"]["plac"][0]
    assert "plac" in body["detail"]


def test_a_misspelt_parameter_on_a_detail_address_is_a_400_too(lead):
    response = APIClient().get(f"/api/v1/enterprises/{lead['C'].pk}/", {"plac": "x"})
    assert response.status_code == 400 and "plac" in response.json()["errors"]


def test_a_misspelt_parameter_on_the_pages_is_a_400(client, lead):
    page = client.get("/compare/", {"regoins": "Chongjin"})
    assert page.status_code == 400
    # Named by itself (an unknown parameter has no label), beside the form (issue 27's errors).
    assert "regoins</a>: unknown parameter; accepted here: " in page.content.decode()
    assert "regions" in page.content.decode()
    page = client.get(f"/enterprises/{lead['C'].pk}/", {"tab": "claims"})
    assert page.status_code == 400 and "tab: unknown parameter" in page.content.decode()


@pytest.mark.parametrize("args, message", [
    (["--regoins", "Chongjin"], "unrecognized arguments: --regoins Chongjin"),
    (["--max-cod", "3"], "unrecognized arguments: --max-cod 3"),  # no abbreviations
])
def test_a_misspelt_option_of_the_command_is_an_error(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_timeseries", *args, stdout=io.StringIO())


# --- facets under claim filters ---------------------------------------------------------------


def test_facets_count_only_the_claims_the_filters_select(client, lead):
    # The case: Chongjin's enterprises with an investment claim coded 1–3. C has
    # facility 2 (a2) and modernization 3 (a4); its production 5 and 4 must not be counted.
    body = api(client, "/api/v1/enterprises/", {
        "place": "North Hamgyong", "activity": "investment", "max_code": "3", "facets": "activity,code,year,grade",
    }).json()
    found = {name: {str(r["value"]): r["count"] for r in rows} for name, rows in body["facets"].items()}
    assert body["count"] == 1
    assert found["activity"] == {"facility": 1, "modernization": 1}
    assert found["code"] == {"2": 1, "3": 1}
    assert found["year"] == {"2015": 1, "2018": 1}
    assert found["grade"] == {"special": 1}
    # Articles about North Hamgyong production coded 1–4: a3 (H production 3), a6 (C production
    # 4, insider) and the draft a7 (C production 1, seen by the lead, an admin); a1's code 5 is out.
    articles = api(client, "/api/v1/articles/", {
        "place": "North Hamgyong", "activity": "production", "max_code": "4", "facets": "code,activity",
    }).json()
    codes = {str(r["value"]): r["count"] for r in articles["facets"]["code"]}
    assert articles["count"] == 3 and codes == {"1": 1, "3": 1, "4": 1}
    assert [r["value"] for r in articles["facets"]["activity"]] == ["production"]
