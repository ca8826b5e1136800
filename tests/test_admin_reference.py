"""Places and industries in the admin: browsed as trees, found by any of their names."""

import pytest
from django.urls import reverse

from registry.models import Industry, Location

from .admin_support import make_user

pytestmark = pytest.mark.django_db

PLACES = reverse("admin:registry_location_changelist")
INDUSTRIES = reverse("admin:registry_industry_changelist")


@pytest.fixture(autouse=True)
def viewer(client):
    client.force_login(make_user("viewer"))


def results(client, url):
    return list(client.get(url).context["cl"].result_list)


@pytest.mark.parametrize("term", ["Chongjin", "Cheongjin", "Ch'ŏngjin", "청진"])
def test_a_place_is_found_by_any_of_its_names(client, term):
    assert "chongjin" in [p.slug for p in results(client, f"{PLACES}?q={term}")]


def test_places_list_as_a_tree_and_filter_by_region_and_parent(client):
    within = results(client, f"{PLACES}?within=north-hamgyong")
    assert within[0].slug == "north-hamgyong"
    assert all(p.path.startswith("/north-hamgyong/") for p in within)
    assert [p.path for p in within] == sorted(p.path for p in within)  # each place before what it holds
    province = Location.objects.get(slug="north-hamgyong")
    children = results(client, f"{PLACES}?parent={province.pk}")
    assert children and {p.parent_id for p in children} == {province.pk}
    assert {p.level for p in results(client, f"{PLACES}?level__exact=1")} == {1}
    page = client.get(f"{PLACES}?within=north-hamgyong").content.decode()
    assert 'padding-left: 1.5em">Chongjin<' in page  # indented one level


def test_industries_list_each_branch_under_its_trunk(client):
    rows = results(client, INDUSTRIES)
    assert len(rows) == Industry.objects.count()
    metal = Industry.objects.get(slug="metal")
    position = [r.pk for r in rows].index(metal.pk)
    branches = set(metal.children.values_list("pk", flat=True))
    assert {r.pk for r in rows[position + 1 : position + 1 + len(branches)]} == branches
    only_metal = results(client, f"{INDUSTRIES}?top={metal.slug}")
    assert {r.pk for r in only_metal} == branches | {metal.pk}
    assert [r.slug for r in results(client, f"{INDUSTRIES}?q=steel")] == ["iron-and-steel"]
