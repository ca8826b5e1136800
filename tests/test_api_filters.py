"""Each filter of the enterprise, article and claim lists, against hand-counted data
(tests/api_data.py), as an anonymous user."""

import pytest
from rest_framework.test import APIClient

from tests.api_data import build, ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def d():
    return build()


@pytest.fixture
def client():
    return APIClient()


def get(client, path, **params):
    response = client.get(f"/api/v1/{path}/", params)
    assert response.status_code == 200, response.content
    return response


def test_enterprise_filters(client, d):
    e = lambda *objs: sorted(o.pk for o in objs)  # noqa: E731
    cases = [
        ({"grade": "special,4"}, e(d.e1, d.e2)),
        ({"tier": "local"}, e(d.e2)),
        ({"tier": "unknown"}, e(d.e5)),
        ({"kind": "mine,complex"}, e(d.e1, d.e5)),
        # Metal includes its sub-industry Iron and steel; 24 is Metal's ISIC division.
        ({"industry": "metal"}, e(d.e1, d.e3)),
        ({"industry": "24"}, e(d.e1, d.e3)),
        ({"industry": "Iron and steel"}, e(d.e1)),
        ({"industry": "chemical,leather-and-bags"}, e(d.e2, d.e4)),
        # The province includes its cities; an enterprise on the province counts only there.
        ({"place": "North Hamgyong"}, e(d.e1, d.e2, d.e3, d.e5)),
        ({"place": "Chongjin"}, e(d.e1, d.e2, d.e3)),
        ({"place": "청진"}, e(d.e1, d.e2, d.e3)),
        ({"place": "Cheongjin,Pyongyang"}, e(d.e1, d.e2, d.e3, d.e4)),
        ({"seen_after": "2018"}, e(d.e1, d.e2, d.e4, d.e5)),
        ({"seen_before": "2016"}, e(d.e1, d.e3)),
        ({"seen_after": "2018-03", "seen_before": "2018-03"}, e(d.e1, d.e2)),
        ({"activity": "investment"}, e(d.e1, d.e3, d.e4)),
        ({"activity": "production,closure"}, e(d.e2, d.e5)),
        ({"max_code": "1"}, e(d.e3)),
        ({"source_kind": "insider"}, e(d.e4)),
        # The restricted article's claim on E1 is not counted for the public: E1 has 2.
        ({"min_claims": "2"}, e(d.e1)),
        ({"grade": "special", "place": "Pyongyang"}, []),
    ]
    for params, expected in cases:
        assert ids(get(client, "enterprises", **params)) == expected, params


def test_article_filters(client, d):
    a = lambda *objs: sorted(o.pk for o in objs)  # noqa: E731
    cases = [
        ({"source": "KCNA"}, a(d.a1)),
        ({"source": "rs,DNK"}, a(d.a2, d.a3, d.a5)),
        ({"source_kind": "insider"}, a(d.a3)),
        ({"published_after": "2018", "published_before": "2019"}, a(d.a2, d.a3)),
        ({"published_before": "2018-02-28"}, a(d.a1)),
        ({"status": "reviewed"}, a(d.a5)),
        ({"max_code": "2"}, a(d.a1, d.a3)),
        ({"activity": "production"}, a(d.a2, d.a5)),
        ({"enterprise": str(d.e4.pk)}, a(d.a3)),
        ({"place": "Chongjin"}, a(d.a1, d.a2)),
        ({"industry": "metal-ore-mining"}, a(d.a5)),
        ({"grade": "special"}, a(d.a1, d.a2)),
        # One claim must meet the claim-level filters together: A2's code-5 claim is on
        # the bag factory, its special-grade claim is code 3.
        ({"grade": "special", "max_code": "3"}, a(d.a1, d.a2)),
        ({"grade": "special", "activity": "production"}, []),
    ]
    for params, expected in cases:
        assert ids(get(client, "articles", **params)) == expected, params


def test_claim_filters(client, d):
    c = lambda *objs: sorted(o.pk for o in objs)  # noqa: E731
    cases = [
        ({}, c(d.c1, d.c2, d.c3, d.c4, d.c6, d.c7)),
        ({"activity": "investment", "max_code": "1"}, c(d.c2)),
        ({"code": "5"}, c(d.c3, d.c7)),
        ({"code": "1,2"}, c(d.c1, d.c2, d.c6)),
        ({"place": "North Hamgyong"}, c(d.c1, d.c2, d.c3, d.c4, d.c7)),
        ({"grade": "special"}, c(d.c1, d.c4)),
        ({"tier": "local"}, c(d.c3)),
        ({"kind": "mine"}, c(d.c7)),
        ({"industry": "metal"}, c(d.c1, d.c2, d.c4)),
        ({"published_after": "2019"}, c(d.c6, d.c7)),
        ({"source": "RS"}, c(d.c3, d.c4, d.c7)),
        ({"source_kind": "insider"}, c(d.c6)),
        ({"status": "reviewed"}, c(d.c7)),
        ({"enterprise": f"{d.e1.pk},{d.e2.pk}"}, c(d.c1, d.c3, d.c4)),
        ({"article": str(d.a1.pk)}, c(d.c1, d.c2)),
    ]
    for params, expected in cases:
        assert ids(get(client, "claims", **params)) == expected, params


def test_place_industry_and_source_filters(client, d):
    slugs = lambda r: sorted(row["slug"] for row in r.json()["results"])  # noqa: E731
    # Chongjin and its seven districts (guyok)
    assert slugs(get(client, "places", within="Chongjin", page_size=500)) == [
        "chongam", "chongjin", "pohang", "puyun", "ranam", "sinam", "songpyong", "sunam",
    ]
    assert all(row["path"].startswith("/north-hamgyong/chongjin/") for row in get(client, "places", within="Chongjin").json()["results"])
    assert {row["level"] for row in get(client, "places", level=1).json()["results"]} == {1}
    assert slugs(get(client, "places", q="Cheongjin")) == ["chongjin"]
    assert slugs(get(client, "industries", top_level="true", page_size=500)) == [
        "agriculture", "arts-and-recreation", "chemical", "construction", "construction-materials", "education",
        "finance", "fisheries", "health", "hotels-and-catering", "information", "light-industry", "machine-building",
        "metal", "mining", "other-services", "power", "professional-services", "public-administration", "real-estate",
        "support-services", "trade", "transport", "water-and-waste",
    ]
    assert [row["short_name"] for row in get(client, "sources", kind="insider").json()["results"]] == ["DNK", "RFA"]


def test_ordering(client, d):
    rows = get(client, "enterprises", ordering="-claim_count,name").json()["results"]
    assert [r["name"] for r in rows][:2] == ["Kim Chaek Iron and Steel Complex", "Chongjin Bag Factory"]
    rows = get(client, "articles", ordering="published").json()["results"]
    assert [r["id"] for r in rows] == [d.a1.pk, d.a2.pk, d.a3.pk, d.a5.pk]
    rows = get(client, "claims", ordering="-code,id").json()["results"]
    assert [r["id"] for r in rows][:2] == [d.c3.pk, d.c7.pk]


def test_bad_values_are_400s_that_name_the_parameter(client, d):
    response = client.get("/api/v1/enterprises/", {"place": "Chongjn"})
    assert response.status_code == 400
    body = response.json()
    assert "place" in body["errors"]
    assert "chongjin" in [c["slug"] for c in body["candidates"]["place"]]
    assert "Chongjin, North Hamgyong" in body["detail"]

    response = client.get("/api/v1/articles/", {"published_after": "2019-02-30"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["published_after"]
    assert "February 2019 has 28 days" in response.json()["detail"]

    for path, params, name in [
        ("enterprises", {"grade": "8th"}, "grade"),
        ("enterprises", {"activity": "farming"}, "activity"),
        ("enterprises", {"industry": "toys"}, "industry"),
        ("claims", {"max_code": "7"}, "max_code"),
        ("articles", {"source": "Pravda"}, "source"),
        ("claims", {"enterprise": "x1"}, "enterprise"),
        ("enterprises", {"ordering": "notes"}, "ordering"),
        ("enterprises", {"facets": "colour"}, "facets"),
    ]:
        response = client.get(f"/api/v1/{path}/", params)
        assert response.status_code == 400, params
        assert response["Content-Type"] == "application/json"
        assert name in response.json()["errors"], response.json()


def test_errors_are_json_even_when_csv_was_asked_for(client, d):
    response = client.get("/api/v1/enterprises/", {"place": "Nowhere-on-earth", "format": "csv"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "place" in response.json()["errors"]


def test_a_place_written_with_its_parent_is_one_value(client, d):
    # "Chongjin, North Hamgyong" holds a comma but names one place.
    assert ids(get(client, "enterprises", place="Chongjin, North Hamgyong")) == sorted([d.e1.pk, d.e2.pk, d.e3.pk])


def test_an_address_no_route_matches_is_a_json_404(client):
    # A newline in the path too (schemathesis found an HTML 404 for /api/v1/releases/%0A/download/).
    for url in ["/api/v1/articles/1/x/", "/api/v1/nothing/", "/api/v2/", "/api/v1/releases/%0A%C2%9F/download/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "/api/docs/" in response.json()["detail"]
    assert client.patch("/api/v1/articles/1/x/", {}).json()["detail"].startswith("No such address")
