"""Nothing restricted reaches the public: every route of the schema, every object, every
format and every facet, walked as an anonymous user (and as a signed-in user without
`registry.view_restricted`), against data holding restricted articles full of MARKERs."""

import pytest
from rest_framework.test import APIClient

from registry.vocabulary import facets
from registry.models import Article, Claim, Enterprise, Industry, Location, Release, Source
from tests.api_data import MARKERS, build, user_with

pytestmark = pytest.mark.django_db

MODELS = {
    "enterprises": (Enterprise, "id"), "articles": (Article, "id"), "claims": (Claim, "id"),
    "places": (Location, "slug"), "industries": (Industry, "slug"), "sources": (Source, "id"),
    # Release files are checked for the markers in test_releases.py.
    "releases": (Release, "name"),
}


def body(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def walk(client):
    """(url, params, response) for every GET the API offers."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert schema["paths"], "the schema lists the routes"
    for url in ["/api/v1/", "/api/schema/", "/api/docs/"]:
        yield url, {}, client.get(url)
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        resource = path.split("/")[3]
        if resource == "method":  # the counting rules: public text, no row of the registry
            yield path, {}, client.get(path)
            continue
        if resource == "timeseries":
            for params in (
                {}, {"format": "csv"}, {"group_by": "region"}, {"group_by": "industry", "metric": "enterprises"},
                {"regions": "Chongjin,Pyongyang", "bands": "1", "format": "csv"}, {"interval": "month", "metric": "claims"},
            ):
                yield path, params, client.get(path, params)
            continue
        model, lookup = MODELS[resource]
        if "{" not in path:
            variants = [{}, {"format": "csv"}, {"format": "api"}, {"page_size": 500}]
            if "q" in {p["name"] for p in operations["get"]["parameters"]}:  # not every list searches
                variants += [{"q": "MARKER"}, {"q": "furnace"}]
            variants += [{"facets": name} for name in facets.available(model)]
            variants += [{"facets": ",".join(facets.available(model)), "format": "api"}] if facets.available(model) else []
            for params in variants:
                yield path, params, client.get(path, params)
        else:
            objects = model.objects.all()
            if model is Location:
                objects = objects.filter(slug__in=["chongjin", "sadong", "north-hamgyong"])
            for value in objects.values_list(lookup, flat=True):
                url = path.replace("{" + lookup + "}", str(value))
                for params in ({}, {"format": "csv"}, {"format": "api"}):
                    yield url, params, client.get(url, params)


@pytest.mark.parametrize("who", ["anonymous", "coder without view_restricted"])
def test_no_restricted_value_in_any_response(who):
    d = build()
    client = APIClient()
    if who != "anonymous":
        client.force_login(user_with("coder", "add_article", "change_article", "add_claim", "change_claim"))
    seen = 0
    for url, params, response in walk(client):
        seen += 1
        assert response.status_code in (200, 404), (url, params, response.status_code)
        text = body(response)
        for marker in MARKERS:
            assert marker not in text, (url, params, marker)
    assert seen > 200
    # The restricted article, its claims and the enterprises known only from it are 404s.
    for url in [f"/api/v1/articles/{d.a4.pk}/", f"/api/v1/claims/{d.c5.pk}/", f"/api/v1/claims/{d.c8.pk}/",
                f"/api/v1/enterprises/{d.secret.pk}/", f"/api/v1/enterprises/{d.secret_unit.pk}/"]:
        assert client.get(url).status_code == 404, url


def test_restricted_dates_do_not_show_through_evidence():
    d = build()
    row = APIClient().get(f"/api/v1/enterprises/{d.e1.pk}/").json()
    # A4 (2020, technology) is restricted: E1's public evidence ends with A2 (2018-03).
    assert (row["claim_count"], row["first_seen"], row["last_seen"]) == (2, "2016-05-10", "2018-03-01")
    assert {(r["activity"], r["code"]) for r in row["evidence"]["by_activity_and_code"]} == {("facility", 2), ("operation", 3)}
    assert [u["name"] for u in row["units"]] == ["Kim Chaek Coke Plant"]
    assert "notes" not in row


def test_a_user_with_the_permission_sees_restricted_material():
    # The walk above could not pass by showing nothing: the same routes do show these.
    d = build()
    client = APIClient()
    client.force_login(user_with("researcher", "view_restricted"))
    assert "RESTRICTED-TITLE-MARKER" in body(client.get(f"/api/v1/articles/{d.a4.pk}/"))
    assert "FULLTEXT-MARKER one" in body(client.get(f"/api/v1/articles/{d.a1.pk}/"))
    assert "ENTERPRISE-NOTE-MARKER" in body(client.get(f"/api/v1/enterprises/{d.e1.pk}/"))
    assert "SECRET-ENTERPRISE-MARKER" in body(client.get("/api/v1/enterprises/", {"format": "csv"}))
    assert "RESTRICTED-DETAIL-MARKER" in body(client.get("/api/v1/claims/", {"format": "csv"}))
    row = client.get(f"/api/v1/enterprises/{d.e1.pk}/").json()
    assert (row["claim_count"], row["last_seen"]) == (3, "2020-01-01")
    assert sorted(u["name"] for u in row["units"]) == ["Kim Chaek Coke Plant", "SECRET-ENTERPRISE-MARKER Works", "SECRETUNITMARKER Shop"]
