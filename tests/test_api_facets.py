"""`facets=`: counts per value over the filtered list, beside the results."""

import pytest
from rest_framework.test import APIClient

from tests.api_data import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def d():
    return build()


def facets(path, **params):
    response = APIClient().get(f"/api/v1/{path}/", params)
    assert response.status_code == 200, response.content
    return {name: {row["value"]: row["count"] for row in rows} for name, rows in response.json()["facets"].items()}


def test_enterprise_facets_count_the_filtered_enterprises(d):
    found = facets("enterprises", place="North Hamgyong", facets="grade,tier,region,industry,activity,code,year")
    # E1 special, E2 4th, E3 3rd, E5 unknown (the secret ones are hidden).
    assert found["grade"] == {"special": 1, "4": 1, "3": 1, "unknown": 1}
    assert found["tier"] == {"central": 2, "local": 1, "unknown": 1}
    assert found["region"] == {"north-hamgyong": 4}
    assert found["industry"] == {"iron-and-steel": 1, "metal": 1, "leather-and-bags": 1, "metal-ore-mining": 1}
    # Enterprises with at least one visible claim of each kind: E1 facility+operation,
    # E3 construction, E2 production, E5 production; A4's technology claim is restricted.
    assert found["activity"] == {"facility": 1, "operation": 1, "construction": 1, "production": 2}
    assert found["code"] == {1: 1, 2: 1, 3: 1, 5: 2}
    assert found["year"] == {2016: 2, 2018: 2, 2021: 1}


def test_article_facets(d):
    found = facets("articles", facets="source,source_kind,status,year,region,grade,activity")
    assert found["source"] == {"KCNA": 1, "RS": 2, "DNK": 1}
    assert found["source_kind"] == {"state_media": 3, "insider": 1}
    assert found["status"] == {"coded": 3, "reviewed": 1}
    assert found["year"] == {2016: 1, 2018: 1, 2019: 1, 2021: 1}
    # A1 and A2 each name two North Hamgyong enterprises: counted once each.
    assert found["region"] == {"north-hamgyong": 3, "pyongyang": 1}
    assert found["grade"] == {"special": 2, "3": 1, "4": 1, "2": 1, "unknown": 1}
    assert found["activity"] == {"facility": 1, "construction": 1, "production": 2, "operation": 1, "modernization": 1}


def test_claim_facets_follow_the_filter(d):
    found = facets("claims", max_code="2", facets="activity,code,region,industry")
    assert found["activity"] == {"facility": 1, "construction": 1, "modernization": 1}
    assert found["code"] == {1: 1, 2: 2}
    assert found["region"] == {"north-hamgyong": 2, "pyongyang": 1}
    assert found["industry"] == {"iron-and-steel": 1, "metal": 1, "chemical": 1}


def test_facet_rows_carry_labels_and_come_most_common_first(d):
    response = APIClient().get("/api/v1/articles/", {"facets": "source"})
    rows = response.json()["facets"]["source"]
    assert rows[0] == {"value": "RS", "label": "Rodong Sinmun", "count": 2}
    assert list(response.json()) == ["count", "count_exact", "next", "previous", "facets", "results"]


def test_no_facets_key_unless_asked(d):
    assert "facets" not in APIClient().get("/api/v1/enterprises/").json()
