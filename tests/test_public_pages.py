"""The public face: home, the enterprise list, an enterprise's page, a place, the method.
Numbers are hand-counted from tests/api_data.build() and compared with the API's."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from registry.method import codebook
from registry.models import Enterprise, Release
from tests.api_data import build, user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def d():
    return build()


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def figure(html, label):
    match = re.search(rf"<dt>{label}</dt><dd>(.*?)</dd>", html)
    assert match, label
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def names_listed(html):
    table = html.split('id="enterprises"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/enterprises/\d+/">([^<]+)</a>', table)


# ---- home -------------------------------------------------------------------------------

def test_home_counts_only_what_the_visitor_may_see(client, d):
    html = page(client, "/")
    # E1–E5 (the two secret ones are known only from the restricted A4); A1, A2, A3, A5;
    # C1–C4, C6, C7; KCNA, RS and DNK; 2016–2021; no release yet.
    assert figure(html, "Enterprises") == "5"
    assert figure(html, "Published articles") == "4"
    assert figure(html, "Claims") == "6"
    assert figure(html, "Sources") == "3"
    assert figure(html, "Years covered") == "2016–2021"
    assert figure(html, "Latest release") == "none yet"
    assert "RESTRICTED-TITLE-MARKER" not in html
    latest = html.split('id="latest"', 1)[1]
    assert latest.index("Mine resumes output") < latest.index("Oxygen furnace built")


def test_home_counts_restricted_material_for_those_who_may_see_it(client, d):
    client.force_login(user_with("analyst", "view_restricted"))
    html = page(client, "/")
    assert (figure(html, "Enterprises"), figure(html, "Published articles"), figure(html, "Claims")) == ("7", "5", "9")


def test_home_names_the_latest_release_and_every_door(client, d):
    import datetime

    from django.utils import timezone

    Release.objects.create(name="2026.1", created_at=timezone.now() - datetime.timedelta(days=1), codebook_version="1",
                           checksum="a" * 64, zip_sha256="b" * 64, zip_size=1)
    Release.objects.create(name="2026.2", created_at=timezone.now(), codebook_version="1", checksum="c" * 64, zip_sha256="d" * 64, zip_size=1)
    html = page(client, "/")
    assert figure(html, "Latest release") == "2026.2"
    for href in ('href="/enterprises/"', 'href="/compare/"', 'href="/method/"', 'href="/api/v1/"', 'href="/api/v1/releases/"'):
        assert href in html


# ---- the enterprise list ------------------------------------------------------------------

def test_the_list_shows_what_the_api_lists_for_the_same_filters(client, d):
    for query in ("", "q=김책", "q=kimchaek", "place=chongjin&grade=special,3", "activity=investment&max_code=2",
                  "seen_after=2018", "industry=metal", "tier=local", "kind=mine"):
        api = APIClient().get("/api/v1/enterprises/?" + query).json()["results"]
        html = page(client, "/enterprises/?" + query)
        assert sorted(names_listed(html)) == sorted(row["name"] for row in api), query


def test_the_form_shows_the_question_asked(client, d):
    html = page(client, "/enterprises/?grade=special&kind=mine&activity=investment&max_code=2&seen_after=2016&q=kim")
    for selected in ('<option value="special" selected>', '<option value="mine" selected>', '<option value="investment" selected>',
                     '<option value="2" selected>'):
        assert selected in html
    assert re.search(r'name="seen_after"[^>]* value="2016"', html) and re.search(r'name="q"[^>]* value="kim"', html)


def test_search_finds_any_spelling_and_hangul(client, d):
    assert names_listed(page(client, "/enterprises/?q=김책제철")) == ["Kim Chaek Iron and Steel Complex"]
    # A place's name, in any spelling, also finds the enterprises in it (as place= does).
    in_chongjin = names_listed(page(client, "/enterprises/?place=chongjin"))
    assert "Chongjin Bag Factory" in in_chongjin
    assert names_listed(page(client, "/enterprises/?q=Cheongjin")) == in_chongjin
    assert names_listed(page(client, "/enterprises/?q=SECRET")) == []


def test_sorting_by_claims_and_last_seen(client, d):
    # Visible claims: E1 2 (C1, C4), the rest 1 each; ties by id, as on the API.
    names = names_listed(page(client, "/enterprises/?ordering=-claim_count"))
    assert names[0] == "Kim Chaek Iron and Steel Complex"
    # Last seen: E5 2021 (A5), E4 2019, E1 and E2 2018 (E1 created first), E3 2016.
    assert names_listed(page(client, "/enterprises/?ordering=-last_seen")) == [
        "Musan Area Mine", "Pyongyang Cosmetics Factory", "Kim Chaek Iron and Steel Complex", "Chongjin Bag Factory", "Kim Chaek Coke Plant",
    ]


def test_facet_counts_are_the_apis(client, d):
    html = page(client, "/enterprises/?place=north-hamgyong")
    aside = html.split('id="facets"', 1)[1].split("</aside>", 1)[0]
    api = APIClient().get("/api/v1/enterprises/?place=north-hamgyong&facets=grade,activity").json()["facets"]
    for name in ("grade", "activity"):
        block = aside.split(f"<h2>{name}</h2>", 1)[1].split("</ul>", 1)[0]
        shown = dict(re.findall(r"<span>([^<]+)</span> <span class=\"count\">(\d+)</span>", block))
        assert shown == {row["label"]: str(row["count"]) for row in api[name]}


def test_the_csv_and_api_links_carry_the_same_filters(client, d):
    html = page(client, "/enterprises/?grade=special&place=chongjin&page=1")
    # Ready for Excel: the byte-order mark (tests/test_machine_names.py).
    assert 'href="/api/v1/enterprises/?grade=special&amp;place=chongjin&amp;format=csv&amp;bom=1" id="csv-link"' in html
    assert 'href="/api/v1/enterprises/?grade=special&amp;place=chongjin" id="api-link"' in html
    assert 'href="/api/v1/enterprises/?grade=special&amp;place=chongjin&amp;format=xlsx" id="xlsx-link"' in html


def test_pages_of_fifty(client, d):
    place = d.e1.location
    Enterprise.objects.bulk_create([Enterprise(name=f"Works {i:03}", location=place, grade="4") for i in range(60)])
    first = page(client, "/enterprises/?place=chongjin")
    assert len(names_listed(first)) == 50 and "page 1 of 2" in first
    second = page(client, "/enterprises/?place=chongjin&page=2")
    assert len(names_listed(second)) == 63 - 50  # E1, E2, E3 and the 60
    assert set(names_listed(first)).isdisjoint(names_listed(second))
    page(client, "/enterprises/?page=9", status=404)


def test_the_list_query_count_does_not_grow_with_the_rows(client, d):
    place = d.e1.location
    Enterprise.objects.bulk_create([Enterprise(name=f"Works {i:03}", location=place, grade="4") for i in range(60)])
    client.get("/enterprises/")  # warm caches (content types, sites)
    with CaptureQueriesContext(connection) as queries:
        page(client, "/enterprises/?activity=investment&place=chongjin")
    # the place (its spelling, then the place), count, page rows, the 5 facets on the
    # enterprises in 2 GROUP BYs (grade, tier and kind together; region and industry:
    # registry/vocabulary/facets.GROUPS_AT_MOST), 2 on the claims, 2 facet label lookups (region,
    # industry): whatever the number of rows.
    assert len(queries) == 10, [q["sql"][:120] for q in queries]


@pytest.mark.parametrize("query, name", [("grade=golden", "grade"), ("colour=red", "colour"), ("max_code=9", "max_code"), ("place=atlantis", "place")])
def test_a_bad_parameter_is_a_400_naming_it(client, d, query, name):
    html = page(client, "/enterprises/?" + query, status=400)
    assert f'id="error-{name}"' in html and "<form" in html  # the form kept, the error beside it


# ---- an enterprise's page -----------------------------------------------------------------

def test_an_enterprise_page_links_its_place_units_and_cites_itself(client, d):
    html = page(client, f"/enterprises/{d.e1.pk}/")
    assert '<a href="/places/north-hamgyong/">North Hamgyong</a> › <a href="/places/chongjin/">Chongjin</a>' in html
    units = html.split('id="units"', 1)[1].split("</dd>", 1)[0]
    assert f'href="/enterprises/{d.e3.pk}/"' in units
    assert "SECRET" not in html  # the two units known only from the restricted article
    cite = html.split('id="cite"', 1)[1].split("</p>", 1)[0]
    assert f"http://testserver/enterprises/{d.e1.pk}/" in cite and "accessed" in cite
    # The evidence timeline: A1 (facility, code 2, "Oxygen furnace") and A2, with their sources.
    assert "Oxygen furnace" in html and "Chongjin bag factory fulfils plan" in html and "RESTRICTED" not in html


# ---- places -------------------------------------------------------------------------------

def test_a_place_shows_its_names_units_enterprises_and_series(client, d):
    html = page(client, "/places/north-hamgyong/")
    assert "함경북도" in html or "함북" in html
    assert 'href="/places/chongjin/"' in html.split('id="children"', 1)[1]
    listed = html.split('id="enterprises"', 1)[1].split("</ul>", 1)[0]
    # Everything inside: E1, E2, E3 in Chongjin and E5 on the province; not the secret ones.
    assert len(re.findall(r"<li>", listed)) == 4 and "SECRET" not in listed
    assert "4 enterprises" in html
    assert 'href="/compare/?regions=north-hamgyong&amp;metric=articles&amp;interval=year"' in html
    page(client, "/places/atlantis/", status=404)


def test_a_place_lists_its_spellings(client, d):
    html = page(client, "/places/chongjin/")
    spellings = html.split('id="spellings"', 1)[1].split("</dd>", 1)[0]
    assert "청진" in spellings


# ---- the method ---------------------------------------------------------------------------

def test_the_method_is_the_codebook(client):
    html = page(client, "/method/")
    for value, label in codebook.Code.choices:
        assert label.split(" ", 1)[1] in html
    for activity in codebook.Activity.values:
        assert f'<td><code lang="en">{activity}</code></td>' in html  # the value one types, marked English
    for group in codebook.ACTIVITY_GROUPS:
        assert f"<td>{group}</td>" in html
    for value, label in codebook.Grade.choices:
        assert str(label) in html  # a lazy translation: English here
    assert "completely reliable" in html and f"version {codebook.CODEBOOK_VERSION}" in html


@pytest.mark.parametrize("url", ["/", "/method/", "/places/chongjin/"])
def test_pages_without_parameters_refuse_one(client, d, url):
    assert client.get(url + "?x=1").status_code == 400
