"""One search for enterprises: a place's name in any spelling finds the enterprises in it,
as place= does (q=함흥 found none while place=함흥 found them), beside names, aliases and
romanization variants; the public list's q is the same search."""

import pytest
from rest_framework.test import APIClient

from registry.models import Enterprise, Location

pytestmark = pytest.mark.django_db


def found(text):
    response = APIClient().get("/api/v1/enterprises/", {"q": text})
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


@pytest.fixture
def places():
    hamhung = Location.objects.get(hangul__startswith="함흥", level=2)
    inside = Location.objects.filter(path__startswith=hamhung.path).exclude(pk=hamhung.pk).first() or hamhung
    chongjin = Location.objects.get(slug="chongjin")
    Enterprise.objects.create(name="Hungnam Fertilizer Complex", hangul="흥남비료련합기업소", location=inside, grade="special")
    Enterprise.objects.create(name="February 8 Vinalon Complex", hangul="2.8비날론련합기업소", location=hamhung, grade="special")
    Enterprise.objects.create(name="Kim Chaek Iron and Steel Complex", hangul="김책제철련합기업소", location=chongjin, grade="special")
    return hamhung


@pytest.mark.parametrize("text", ["함흥", "Hamhung", "함흥시"])
def test_a_place_name_finds_the_enterprises_in_it(places, text):
    assert found(text) == ["February 8 Vinalon Complex", "Hungnam Fertilizer Complex"]
    # The same enterprises as place= (the vocabulary's place lookup).
    by_place = APIClient().get("/api/v1/enterprises/", {"place": places.slug}).json()["results"]
    assert found(text) == sorted(row["name"] for row in by_place)


@pytest.mark.parametrize("text, name", [("Kimchaek", "Kim Chaek Iron and Steel Complex"), ("비날론", "February 8 Vinalon Complex"),
                                        ("김책", "Kim Chaek Iron and Steel Complex")])
def test_names_in_any_spelling(places, text, name):
    assert found(text) == [name]


def test_the_public_list_searches_the_same_way(client, places):
    html = client.get("/enterprises/", {"q": "함흥"}).content.decode()
    assert "Hungnam Fertilizer Complex" in html and "February 8 Vinalon Complex" in html
    assert "Kim Chaek Iron and Steel Complex" not in html.split('id="enterprises"')[1]
