"""Entering history: the services that write attribute periods (history_save/delete), the one
reader of typed values (registry/attribute_values.py), the import_history command, the
admin's timeline, the API's `history`, past names found, and releases carrying time."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from registry.attribute_values import AttributeValueError, parse_end, parse_start, resolve_value
from registry.importing import ImportFailed
from registry.models import Attribute, AttributePeriod, Enterprise, Industry, Location
from registry.services import history_delete, history_import, history_save

from .admin_support import make_article, make_enterprise, make_user, place

pytestmark = pytest.mark.django_db

D = datetime.date


def period(enterprise, attribute, start=None, end=None, *, source="Yearbook 2019", **columns):
    """An unsaved period from partial dates as a coder types them."""
    valid_from, from_precision = parse_start(start)
    valid_to, to_precision = parse_end(end)
    return AttributePeriod(
        enterprise=enterprise, attribute=attribute, valid_from=valid_from, valid_from_precision=from_precision,
        valid_to=valid_to, valid_to_precision=to_precision, source=source, **columns,
    )


@pytest.fixture
def steel():
    return make_enterprise("Kangson Steel Test Complex", grade="1", location=place("pyongyang"))


# ---- services ---------------------------------------------------------------------------

def test_it_stores_partial_ends_as_their_first_and_last_days(steel):
    saved = history_save(period=period(steel, "grade", "2015", "2018-06", value="1"), user=None)
    saved.refresh_from_db()
    assert (saved.valid_from, saved.valid_from_precision) == (D(2015, 1, 1), "year")
    assert (saved.valid_to, saved.valid_to_precision) == (D(2018, 6, 30), "month")
    assert saved.period_label() == "2015 – 2018-06"


def test_it_refuses_an_overlap_naming_both_periods(steel):
    history_save(period=period(steel, "grade", "2015", "2018-06", value="1"), user=None)
    with pytest.raises(ValidationError) as raised:
        history_save(period=period(steel, "grade", "2018", None, value="special"), user=None)
    assert raised.value.message_dict["valid_from"] == [
        "grade special (2018 – …) overlaps grade 1st grade (2015 – 2018-06); periods of one attribute may not overlap (leave a gap for unknown)."
    ]
    assert AttributePeriod.objects.filter(enterprise=steel).count() == 1
    steel.refresh_from_db()
    assert steel.grade == "1"  # nothing written


def test_adjacent_periods_and_other_attributes_do_not_overlap(steel):
    history_save(period=period(steel, "grade", "2015", "2018-06", value="1"), user=None)
    history_save(period=period(steel, "grade", "2018-07", None, value="special"), user=None)
    history_save(period=period(steel, "kind", "2015", None, value="complex"), user=None)
    assert AttributePeriod.objects.filter(enterprise=steel).count() == 3


def test_changing_a_period_does_not_overlap_itself(steel):
    saved = history_save(period=period(steel, "grade", "2015", "2017", value="1"), user=None)
    saved.valid_to = D(2018, 12, 31)
    history_save(period=saved, user=None)
    assert AttributePeriod.objects.get().valid_to == D(2018, 12, 31)


def test_a_period_covering_today_is_written_to_the_enterprise(steel):
    history_save(period=period(steel, "grade", "2018-07", None, value="special"), user=None)
    steel.refresh_from_db()
    assert steel.grade == "special"
    chongjin = place("chongjin")
    history_save(period=period(steel, "place", "2019", None, location=chongjin), user=None)
    steel.refresh_from_db()
    assert steel.location_id == chongjin.pk


def test_a_past_period_leaves_the_enterprise_as_it_is(steel):
    history_save(period=period(steel, "grade", "2001", "2010", value="3"), user=None)
    history_save(period=period(steel, "name", "1990", "2004", value="Kangson Steel Works"), user=None)
    steel.refresh_from_db()
    assert (steel.grade, steel.name) == ("1", "Kangson Steel Test Complex")


def test_a_name_period_carries_its_name_key(steel):
    saved = history_save(period=period(steel, "name", "1990", "2004", value="  Kangson Steel Works "), user=None)
    assert (saved.value, saved.name_key) == ("Kangson Steel Works", "kangsonsteelworks")


@pytest.mark.parametrize("attribute, columns, field, words", [
    ("grade", {"value": "9"}, "value", "not a grade"),
    ("kind", {"value": "bakery"}, "value", "not a kind"),
    ("name", {"value": " "}, "value", "needs the name"),
    ("place", {}, "value", "needs the place"),
])
def test_it_refuses_a_value_that_does_not_fit(steel, attribute, columns, field, words):
    with pytest.raises(ValidationError) as raised:
        history_save(period=period(steel, attribute, "2001", "2002", **columns), user=None)
    assert words in raised.value.message_dict[field][0]
    assert not AttributePeriod.objects.exists()


def test_it_refuses_a_complex_as_its_own_parent_and_an_end_before_the_start(steel):
    with pytest.raises(ValidationError) as raised:
        history_save(period=period(steel, "parent", "2001", "2002", parent=steel), user=None)
    assert "not its own parent" in raised.value.message_dict["value"][0]
    wrong = period(steel, "grade", "2005", None, value="1")
    wrong.valid_to = D(2004, 12, 31)
    with pytest.raises(ValidationError) as raised:
        history_save(period=wrong, user=None)
    assert "ends (2004-12-31) before it starts (2005-01-01)" in raised.value.message_dict["valid_to"][0]


def test_it_asks_for_evidence(steel):
    with pytest.raises(ValidationError) as raised:
        history_save(period=period(steel, "grade", "2001", "2002", value="1", source=""), user=None)
    assert "evidence" in raised.value.message_dict["article"][0]


def test_delete_removes_the_period_and_names_the_user_in_its_history(steel):
    user = make_user("coder")
    saved = history_save(period=period(steel, "grade", "2001", "2002", value="1"), user=user)
    history_delete(period=saved, user=user)
    assert not AttributePeriod.objects.exists()
    assert AttributePeriod.history.filter(history_type="-").get().history_user == user


# ---- the one reader of typed values ----------------------------------------------------

@pytest.mark.parametrize("text, value", [("special", "special"), ("1st grade", "1"), ("1", "1"), ("4th", "4"), ("Local industrial factory", "local")])
def test_it_reads_a_grade_by_slug_or_label(text, value):
    assert resolve_value("grade", text) == {"value": value}


def test_it_reads_places_industries_kinds_and_parents_in_any_spelling(steel):
    assert resolve_value("place", "Cheongjin")["location"] == place("chongjin")
    assert resolve_value("place", "청진시")["location"] == place("chongjin")
    assert resolve_value("industry", "24")["industry"] == Industry.objects.get(name="Metal")
    assert resolve_value("kind", "Power station") == {"value": "power_station"}
    unit = make_enterprise("Posan Test Iron Works", grade="2", kind="factory")
    assert resolve_value("parent", "kangson steel test complex", enterprise=unit) == {"parent": steel}
    assert resolve_value("parent", "none", enterprise=unit) == {"parent": None}


def test_it_reads_a_parent_by_a_past_name(steel):
    history_save(period=period(steel, "name", "1990", "2004", value="Kangson Old Works"), user=None)
    unit = make_enterprise("Posan Test Iron Works", grade="2", kind="factory")
    assert resolve_value("parent", "Kangson Old Works", enterprise=unit) == {"parent": steel}


@pytest.mark.parametrize("attribute, text, words", [
    ("grade", "8th", "unknown grade"),
    ("place", "Atlantis", "unknown place"),
    ("industry", "04", "not an ISIC Rev.4 division"),
    ("parent", "No Such Complex", "no enterprise is called"),
    ("colour", "red", "unknown field"),
])
def test_it_names_what_it_cannot_read(attribute, text, words):
    with pytest.raises(AttributeValueError, match=words):
        resolve_value(attribute, text)
