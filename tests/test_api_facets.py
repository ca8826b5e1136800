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


def test_facets_on_the_rows_grouped_straight_equal_the_guarded_ones(d, monkeypatch):
    """The list's own facets group its filtered query directly when the query repeats no
    row (registry/vocabulary/facets.repeats_rows); the answer is the one the `pk IN (ids)` guard gives,
    for the public and for a researcher who sees restricted material."""
    from django.contrib.auth.models import AnonymousUser

    from registry.vocabulary import facets as module
    from registry.models import Enterprise
    from tests.api_data import user_with

    researcher = APIClient()
    researcher.force_login(user_with("researcher", "view_restricted"))
    assert not module.repeats_rows(Enterprise.objects.for_api(AnonymousUser()).filter(grade__in=["special", "4"]))
    urls = [
        ("enterprises", {"facets": "grade,tier,kind,region,industry"}),
        ("enterprises", {"place": "Chongjin", "facets": "grade,region,industry,activity"}),
        ("articles", {"facets": "source,source_kind,status,disclosure,year,region"}),
        ("claims", {"max_code": "3", "facets": "activity,code,grade,tier,region,industry,year,source,status"}),
    ]

    def answers(client):
        return [client.get(f"/api/v1/{path}/", params).json()["facets"] for path, params in urls]

    straight = {"anonymous": answers(APIClient()), "researcher": answers(researcher)}
    monkeypatch.setattr(module, "repeats_rows", lambda queryset: True)
    assert straight == {"anonymous": answers(APIClient()), "researcher": answers(researcher)}
    # By hand: the public sees E1-E5, one grade each; the researcher also the two
    # enterprises known only from the restricted A4 (grades 1 and 5).
    public, restricted = straight["anonymous"][0]["grade"], straight["researcher"][0]["grade"]
    assert {r["value"]: r["count"] for r in public} == {"special": 1, "4": 1, "3": 1, "2": 1, "unknown": 1}
    assert {r["value"]: r["count"] for r in restricted} == {"special": 1, "4": 1, "3": 1, "2": 1, "unknown": 1, "1": 1, "5": 1}


def test_a_filter_joined_to_many_claims_still_counts_each_enterprise_once(d):
    """A queryset filtered across the claims (a join: E1 once per claim) is counted through
    the guard, each enterprise once."""
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Count

    from registry.vocabulary import facets as module
    from registry.models import Enterprise

    joined = Enterprise.objects.visible_to(AnonymousUser()).filter(claims__code__lte=5)
    assert module.repeats_rows(joined)
    # The join repeats E1 for c1, c4 and c8: grouped as it is, "special" would count 3.
    assert dict(joined.values_list("grade").annotate(n=Count("pk")))["special"] == 3
    found = module.compute(Enterprise, joined, ["grade", "region"], AnonymousUser())
    assert {r["value"]: r["count"] for r in found["grade"]} == {"special": 1, "4": 1, "3": 1, "2": 1, "unknown": 1}
    # E1, E2, E3 in Chongjin and E5 in North Hamgyong; E4 in Pyongyang's Sadong.
    assert {r["value"]: r["count"] for r in found["region"]} == {"north-hamgyong": 4, "pyongyang": 1}
