"""The industry taxonomy: every ISIC Rev.4 division resolves, and how."""

import csv
from pathlib import Path

import pytest

from registry.places.industries import ISIC_DIVISIONS, IndustryLookupError, resolve_industry
from registry.models import Industry

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "industries.csv"


def test_isic_rev4_has_88_divisions_and_the_fixture_carries_every_one():
    assert len(ISIC_DIVISIONS) == 88
    assert {"01", "02", "03", "05", "09", "10", "33", "35", "39", "41", "43", "45", "99"} <= ISIC_DIVISIONS
    assert not {"00", "04", "34", "40", "44", "48", "54", "57", "67", "76", "83", "89"} & ISIC_DIVISIONS
    with open(FIXTURE, encoding="utf-8") as handle:
        carried = {c.strip() for row in csv.DictReader(handle) for c in row["isic"].split(",")}
    assert carried == ISIC_DIVISIONS


def test_a_sub_industry_carries_only_divisions_of_its_parent():
    for industry in Industry.objects.filter(parent__isnull=False).select_related("parent"):
        assert set(industry.isic_codes) <= set(industry.parent.isic_codes), industry


@pytest.mark.parametrize("division", sorted(ISIC_DIVISIONS))
def test_every_division_resolves_to_one_industry(division):
    industry = resolve_industry(division)
    assert division in industry.isic_codes


@pytest.mark.parametrize(
    "text, slug",
    [
        ("01", "agriculture"),  # crop and livestock farms share it: their parent
        ("1", "agriculture"),
        ("02", "forestry"),  # one sub-industry alone
        ("03", "fisheries"),  # fishing and aquaculture share it
        ("24", "metal"),
        ("07", "metal-ore-mining"),
        ("06", "mining"),  # no sub-industry: the top level
        ("42", "civil-engineering"),
        ("45", "trade"),
        ("Greenhouse", None),
    ],
)
def test_a_division_resolves_to_the_one_node_or_the_common_parent(text, slug):
    if slug is None:
        with pytest.raises(IndustryLookupError, match="unknown industry"):
            resolve_industry(text)
    else:
        assert resolve_industry(text).slug == slug


def test_a_division_that_is_not_isic_or_carried_twice_is_an_error_naming_the_choices():
    with pytest.raises(IndustryLookupError, match="04 is not an ISIC Rev.4 division"):
        resolve_industry("04")
    taxonomy = list(Industry.objects.select_related("parent"))
    doubled = [*taxonomy, Industry(pk=10**6, name="Greenhouses", slug="greenhouses", isic="01")]
    with pytest.raises(IndustryLookupError, match="ISIC division 01 is carried by 'Agriculture and forestry' or 'Greenhouses'"):
        resolve_industry("01", doubled)
