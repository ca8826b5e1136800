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


# One search for articles too (the sample data, fixtures/sample_claims.csv): an article is
# found by its own words or by the enterprises its claims name, as the enterprise search
# finds them. Expectations read off the CSV by hand: the enterprises in each place (column
# "location"), then every row naming one of them, plus rows whose headline or summary has
# the word.
HAMHUNG = ["2.8 Vinalon Complex", "Hungnam Fertilizer Complex", "Ryongsong Machine Complex"]
CHONGJIN = ["Chongjin Bag Factory", "Chongjin Chemical Fibre Complex", "Chongjin Fishery Station", "Chongjin Shipyard",
            "Chongjin Textile Mill", "Kim Chaek Iron and Steel Complex"]
KIM_CHAEK_ARTICLES = [  # every article with a claim about the Kim Chaek Iron and Steel Complex
    ("2015-01-01", "The Mineral Industry of North Korea"),
    ("2015-01-14", "Kim Chaek Iron and Steel Complex Increases Steel Output"),
    ("2016-09-20", "Metal Industry Overfulfils Plans During 200-Day Campaign"),
    ("2016-10-01", "Power Shortages Idle Furnaces at Kim Chaek Steel Complex"),
    ("2017-11-23", "Kim Chaek Iron and Steel Complex Upgrades Oxygen Converter"),
    ("2018-06-28", "Satellite Imagery Shows New Construction at Kim Chaek Iron and Steel Complex"),
    ("2019-01-01", "The Mineral Industry of North Korea"),
    ("2019-01-23", "Kim Chaek Iron and Steel Complex Pushes Construction of Oxygen-Thermal Furnace"),
    ("2020-10-20", "Kim Chaek Iron and Steel Complex Starts Oxygen-Thermal Furnace"),
    ("2021-01-20", "Metal and Chemical Industries Set Goals Under New Five-Year Plan"),
    ("2021-03-16", "Kim Chaek Iron and Steel Complex Increases Juche Iron Output"),
]
# The Vinalon Complex's own article, and the five-year plan article that names it (its claim,
# and "vinalon" in its summary).
VINALON_ARTICLES = [
    ("2017-05-16", "2.8 Vinalon Complex Increases Vinalon Fibre Production"),
    ("2021-01-20", "Metal and Chemical Industries Set Goals Under New Five-Year Plan"),
]
EXPECTED = {
    # Hamhung's three enterprises (Hungnam is a district of Hamhung) and their articles; no
    # headline or summary has the Hangul 함흥.
    "함흥": (HAMHUNG, sorted([
        ("2016-04-09", "Ryongsong Machine Complex Produces Large Compressors"),
        ("2017-05-16", "2.8 Vinalon Complex Increases Vinalon Fibre Production"),
        ("2020-08-11", "Hungnam Fertilizer Complex Increases Nitrogen Fertilizer Output"),
        ("2021-01-20", "Metal and Chemical Industries Set Goals Under New Five-Year Plan"),
    ])),
    # One enterprise: its name's key holds "kimchaek" (no enterprise lies in Kimchaek city).
    "Kimchaek": (["Kim Chaek Iron and Steel Complex"], KIM_CHAEK_ARTICLES),
    # The Revised Romanization of Chongjin: the six enterprises in Chongjin and the 25
    # articles with a claim about one of them (the Kim Chaek complex's eleven among them).
    "Cheongjin": (CHONGJIN, sorted(KIM_CHAEK_ARTICLES + [
        ("2015-03-05", "Light Industry Factories Boost Production of Consumer Goods"),
        ("2015-08-11", "Chongjin Fishery Station Steps Up Fishing"),
        ("2016-07-26", "Bag Factories Speed Up Production of Schoolbags for New School Year"),
        ("2017-03-22", "Chongjin Shipyard Launches New Fishing Vessels"),
        ("2017-08-08", "Light Industry Factories in Pyongyang and Chongjin Increase Output of Consumer Goods"),
        ("2018-09-13", "Chongjin Textile Mill Renovates Weaving Workshop"),
        ("2018-11-06", "Factories Increase Production of Daily Necessities"),
        ("2019-05-21", "Power Shortages Halt Production at Chongjin Textile Mill"),
        ("2019-08-27", "Chongjin Bag Factory Modernized"),
        ("2020-03-01", "Chongjin Fishery Station Halts Operations Amid Border Closure"),
        ("2020-07-28", "Chongjin Shipyard Modernizes Hull Workshop"),
        ("2021-06-15", "Chongjin Shipyard Builds Fishing Boats for Coastal Fisheries"),
        ("2021-08-31", "Chongjin Chemical Fibre Complex Renovates Staple Fibre Workshop"),
        ("2021-12-14", "Light Industry Factories Fulfil Yearly Plans"),
    ])),
    "비날론": (["2.8 Vinalon Complex"], VINALON_ARTICLES),  # its Hangul name 2.8비날론련합기업소
    "vinylon": (["2.8 Vinalon Complex"], VINALON_ARTICLES),  # the other English spelling
    "비닐론": (["2.8 Vinalon Complex"], VINALON_ARTICLES),  # the South's
}


@pytest.fixture
def sample():
    from registry.services import claims_import

    with open("fixtures/sample_claims.csv", "rb") as handle:
        claims_import(data=handle.read())


def articles_found(text, client=None, **params):
    response = (client or APIClient()).get("/api/v1/articles/", {"q": text, "page_size": 500, **params})
    assert response.status_code == 200, response.content
    return sorted((row["published"], row["title"]) for row in response.json()["results"])


@pytest.mark.parametrize("text", list(EXPECTED))
def test_one_search_finds_enterprises_and_their_articles(sample, text):
    enterprises, articles = EXPECTED[text]
    assert found(text) == enterprises
    assert articles_found(text) == articles
    # Sorted by date instead of ranked: the same rows.
    assert articles_found(text, ordering="published") == articles


def test_the_articles_own_words_in_another_spelling(sample):
    # "Vinylon fibre": every word must match, vinylon as any of its spellings; the Vinalon
    # Complex's own article has "Vinalon Fibre" in its headline, the five-year plan article
    # "vinalon" but not "fibre".
    assert articles_found("vinylon fibre") == VINALON_ARTICLES[:1]
    assert found("Vinylon Complex") == ["2.8 Vinalon Complex"]


def test_a_headline_hit_ranks_before_a_name_hit(sample):
    # Ranked (no ordering): the article with Vinalon in its headline first, the one found
    # through its summary next.
    response = APIClient().get("/api/v1/articles/", {"q": "vinylon"}).json()
    assert [row["title"] for row in response["results"]] == [VINALON_ARTICLES[0][1], VINALON_ARTICLES[1][1]]


def test_the_admin_article_search_is_the_same_search(sample, client):
    from tests.admin_support import make_user

    client.force_login(make_user("coder"))
    for text in ("Kimchaek", "Cheongjin", "vinylon"):
        html = client.get("/admin/registry/article/", {"q": text}).content.decode()
        titles = {title for _, title in EXPECTED[text][1]}
        assert all(title in html for title in titles), text
    html = client.get("/admin/registry/article/", {"q": "Kimchaek"}).content.decode()
    assert "Chongjin Shipyard Launches New Fishing Vessels" not in html
