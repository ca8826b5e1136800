"""load_reference: places, industries and sources from fixtures/, idempotent."""

import io

import pytest
from django.core.management import call_command

from registry.models import Industry, Location, LocationName, Source

pytestmark = pytest.mark.django_db

FIRST_LEVEL = {
    "KP-01": "Pyongyang", "KP-02": "South Pyongan", "KP-03": "North Pyongan", "KP-04": "Chagang",
    "KP-05": "South Hwanghae", "KP-06": "North Hwanghae", "KP-07": "Kangwon", "KP-08": "South Hamgyong",
    "KP-09": "North Hamgyong", "KP-10": "Ryanggang", "KP-13": "Rason", "KP-14": "Nampo", "KP-15": "Kaesong",
}


def test_the_thirteen_first_level_divisions_carry_iso_codes_and_bare_names():
    top = dict(Location.objects.filter(level=1).values_list("iso_code", "name"))
    assert top == FIRST_LEVEL
    assert Location.objects.get(iso_code="KP-01").kind == "directly_governed_city"
    assert Location.objects.get(iso_code="KP-09").kind == "province"


def test_cities_counties_and_districts_hang_under_their_parents():
    chongjin = Location.objects.get(slug="chongjin")
    assert (chongjin.parent.name, chongjin.kind, chongjin.hangul, chongjin.name_rr) == (
        "North Hamgyong", "city", "청진시", "Cheongjin",
    )
    assert chongjin.path == "/north-hamgyong/chongjin/"
    assert Location.objects.get(name="Sadong").parent.name == "Pyongyang"
    assert Location.objects.get(name="Musan").kind == "county"
    assert Location.objects.filter(level=2).count() > 190
    assert not Location.objects.filter(level=2, parent__isnull=True).exists()


def test_load_reference_twice_changes_nothing():
    counts = (Location.objects.count(), LocationName.objects.count(), Industry.objects.count(), Source.objects.count())
    history = Location.history.count() + Industry.history.count() + Source.history.count()
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    assert " 0 created, 0 updated" in out.getvalue()
    assert "places: 0 created, 0 updated" in out.getvalue()
    assert (Location.objects.count(), LocationName.objects.count(), Industry.objects.count(), Source.objects.count()) == counts
    assert Location.history.count() + Industry.history.count() + Source.history.count() == history


def test_load_reference_restores_what_was_changed():
    Source.objects.filter(short_name="KCNA").update(kind="academic")
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    assert "sources: 0 created, 1 updated" in out.getvalue()
    assert Source.objects.get(short_name="KCNA").kind == "state_media"


def test_the_required_sources_and_a_two_level_industry_taxonomy_are_there():
    names = set(Source.objects.values_list("name", flat=True))
    for name in ("Rodong Sinmun", "Korean Central News Agency", "Minju Joson", "Daily NK", "Radio Free Asia", "38 North", "USGS Minerals Yearbook"):
        assert name in names
    steel = Industry.objects.get(slug="iron-and-steel")
    assert (steel.parent.name, steel.isic_codes) == ("Metal", ["24"])
    assert not Industry.objects.filter(parent__parent__isnull=False).exists()
