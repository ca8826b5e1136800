"""The one place lookup: every spelling a coder meets finds the same row."""

import pytest

from registry.places.lookup import PlaceLookupError, describe_error, resolve_place

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text",
    [
        "Chongjin",  # canonical
        "Ch'ŏngjin",  # McCune–Reischauer with diacritics
        "Ch’ŏngjin",  # typographic apostrophe
        "Cheongjin",  # Revised Romanization
        "청진",  # Hangul
        "청진시",  # Hangul with suffix
        "chongjin",  # slug
        "CHONG-JIN",  # case and hyphen
        "Chongjin City",
        "Chongjin-si",
        "Chongjin si",
        "Cheongjin-si",
        "Chongjin, North Hamgyong",
        "Chongjin, North Hamgyong Province",
        "Chongjin, 함경북도",
    ],
)
def test_every_spelling_of_chongjin_finds_it(text):
    assert resolve_place(text).slug == "chongjin"


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Musan County", "musan"),
        ("Musan-gun", "musan"),
        ("무산군", "musan"),
        ("Sadong District", "sadong"),
        ("Sadong-guyok", "sadong"),
        ("Sadong-guyŏk", "sadong"),
        ("사동구역", "sadong"),
        ("Songjin", "kimchaek"),  # an alias: Kimchaek's former name
        ("Nampho", "nampo"),  # North Korea's own romanization
        ("Nampo City", "nampo"),
        ("Sinpho", "sinpo"),
        ("Jangjin County", "changjin"),
        ("South Phyongan Province", "south-pyongan"),
        ("South Pyongan", "south-pyongan"),
        ("평안남도", "south-pyongan"),
        ("Pyongyang", "pyongyang"),
        ("Pyongyang Municipality", "pyongyang"),
        ("KP-09", "north-hamgyong"),
        ("North Hamgyong Province", "north-hamgyong"),
        ("Hamhŭng", "hamhung"),
        ("Hamheung", "hamhung"),
        ("Eunsan", "unsan-south-pyongan"),  # Revised Romanization tells the two Unsans apart
        ("Unsan, North Pyongan", "unsan-north-pyongan"),
        ("Unsan County, South Pyongan", "unsan-south-pyongan"),
    ],
)
def test_the_lookup_accepts_suffixes_aliases_and_romanizations(text, slug):
    assert resolve_place(text).slug == slug


def test_a_name_shared_by_two_places_is_ambiguous_and_names_both():
    with pytest.raises(PlaceLookupError) as error:
        resolve_place("Unsan")
    assert "ambiguous" in str(error.value)
    assert {c.slug for c in error.value.candidates} == {"unsan-north-pyongan", "unsan-south-pyongan"}
    assert "'Unsan, North Pyongan'" in str(error.value) and "'Unsan, South Pyongan'" in str(error.value)


def test_an_unknown_name_is_an_error_that_lists_the_nearest_candidates():
    with pytest.raises(PlaceLookupError) as error:
        resolve_place("Chongjn")
    assert "unknown place 'Chongjn'" in str(error.value)
    assert "chongjin" in [c.slug for c in error.value.candidates]
    assert "did you mean: Chongjin, North Hamgyong" in describe_error(error.value)


@pytest.mark.parametrize("text", ["", "   ", "Atlantis", "Chongjin, Ryanggang", "Chongjin, Nowhere"])
def test_unknown_or_contradictory_names_are_errors(text):
    with pytest.raises(PlaceLookupError):
        resolve_place(text)


def test_a_place_knows_its_ancestors_and_region():
    sadong = resolve_place("Sadong")
    assert [a.name for a in sadong.ancestors()] == ["Pyongyang"]
    assert sadong.region().iso_code == "KP-01"
    assert str(resolve_place("Chongjin")) == "Chongjin, North Hamgyong"


@pytest.mark.parametrize(
    "text, slug, parent",
    [
        ("Hungnam", "hungnam", "hamhung"),
        ("Hŭngnam-guyŏk", "hungnam", "hamhung"),
        ("흥남구역", "hungnam", "hamhung"),
        ("Hungnam, Hamhung", "hungnam", "hamhung"),
        ("Hungnam, South Hamgyong", "hungnam", "hamhung"),
        ("Songpyong District", "songpyong", "chongjin"),
        ("Songp'yŏng-guyŏk", "songpyong", "chongjin"),
        ("Ranam, Chongjin", "ranam", "chongjin"),
        ("Chongam-guyok", "chongam", "chongjin"),
        ("Pallyong", "tonghungsan", "hamhung"),  # its name until 1977
    ],
)
def test_the_districts_of_chongjin_and_hamhung_are_found_inside_their_city(text, slug, parent):
    place = resolve_place(text)
    assert (place.slug, place.parent.slug, place.level) == (slug, parent, 3)
    assert place.path == f"/{place.parent.parent.slug}/{parent}/{slug}/"
