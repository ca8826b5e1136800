"""The OpenAPI 3 schema validates and describes the API; the docs are served locally."""

import re

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_validates(schema):
    validate_schema(schema)  # raises on an invalid OpenAPI document
    assert schema["openapi"].startswith("3.")


def test_every_resource_has_a_list_and_a_detail(schema):
    paths = set(schema["paths"])
    for resource, lookup in [("enterprises", "id"), ("articles", "id"), ("claims", "id"), ("places", "slug"), ("industries", "slug"), ("sources", "id")]:
        assert f"/api/v1/{resource}/" in paths
        assert f"/api/v1/{resource}/{{{lookup}}}/" in paths
    assert "post" in schema["paths"]["/api/v1/articles/"]
    assert "patch" in schema["paths"]["/api/v1/claims/{id}/"]
    assert "post" not in schema["paths"]["/api/v1/enterprises/"]


def test_filters_facets_and_formats_are_documented(schema):
    params = {p["name"]: p for p in schema["paths"]["/api/v1/enterprises/"]["get"]["parameters"]}
    for name in ["grade", "tier", "kind", "industry", "place", "seen_after", "seen_before", "activity", "min_claims", "q", "ordering", "facets", "format", "page", "page_size"]:
        assert name in params, name
    assert sorted(params["format"]["schema"]["enum"]) == ["csv", "dta", "json", "xlsx"]
    assert params["bom"]["schema"]["type"] == "boolean"
    assert "candidates" in params["place"]["description"]
    ok = schema["paths"]["/api/v1/enterprises/"]["get"]["responses"]["200"]["content"]
    assert ok["text/csv"]["schema"]["type"] == "string"
    assert "400" in schema["paths"]["/api/v1/enterprises/"]["get"]["responses"]


def test_docs_load_nothing_from_a_cdn():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"""(src|href)=["']https?://""", html), "assets must be served locally"
