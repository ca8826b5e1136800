"""Entering history: the services that write attribute periods (history_save/delete), the one
reader of typed values (registry/enterprises/attribute_values.py), the import_history command, the
admin's timeline, the API's `history`, past names found, and releases carrying time."""

import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from registry.enterprises.attribute_values import AttributeValueError, parse_end, parse_start, resolve_value
from registry.importing.rows import ImportFailed
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


# ---- import_history ---------------------------------------------------------------------

HEADER = "enterprise,field,value,valid_from,valid_to,evidence,note\n"


def run_import(tmp_path, text, *args):
    path = tmp_path / "history.csv"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_history", str(path), *args, stdout=out, stderr=err)
    except CommandError as failed:
        return None, err.getvalue() + str(failed)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_every_field_and_a_second_run_adds_nothing(tmp_path, steel):
    unit = make_enterprise("Posan Test Iron Works", grade="2", kind="factory")
    article = make_article("Steel complex renamed", published=D(2005, 3, 1), claims=[(steel, "operation", 1)])
    text = HEADER + (
        f"Kangson Steel Test Complex,name,Kangson Steel Works,1990,2005-02,{article.pk},renamed in 2005\n"
        "Kangson Steel Test Complex,grade,1st grade,2005-03,2017,NK Yearbook 2017,\n"
        "Kangson Steel Test Complex,grade,special,2018,,NK Yearbook 2019,promoted\n"
        "Kangson Steel Test Complex,place,Nampho,2000,,Atlas,\n"
        "Posan Test Iron Works,parent,Kangson Steel Works,2010,,KCNA 2010-05-01,\n"
        "Kangson Steel Test Complex,industry,Iron and steel,1990,,Atlas,\n"
        "Kangson Steel Test Complex,kind,complex,2005,,Atlas,\n"
    )
    out, err = run_import(tmp_path, text, "--dry-run")
    assert out == "7 rows: would create 7 periods; matched 0 (dry run: nothing written)\n", err
    assert not AttributePeriod.objects.exists()
    out, err = run_import(tmp_path, text)
    assert out == "7 rows: created 7 periods; matched 0\n", err
    name = AttributePeriod.objects.get(attribute="name")
    assert (name.valid_from, name.valid_to, name.article, name.note) == (D(1990, 1, 1), D(2005, 2, 28), article, "renamed in 2005")
    grades = AttributePeriod.objects.filter(attribute="grade").order_by("valid_from")
    assert [(g.value, g.valid_from, g.valid_to, g.source) for g in grades] == [
        ("1", D(2005, 3, 1), D(2017, 12, 31), "NK Yearbook 2017"), ("special", D(2018, 1, 1), None, "NK Yearbook 2019")]
    assert AttributePeriod.objects.get(attribute="parent").parent == steel  # found by its past name
    steel.refresh_from_db()
    unit.refresh_from_db()
    assert (steel.grade, steel.location.slug, steel.industry.name, unit.parent_id) == ("special", "nampo", "Iron and steel", steel.pk)
    assert run_import(tmp_path, text)[0] == "7 rows: created 0 periods; matched 7\n"
    assert AttributePeriod.objects.count() == 7


def test_the_command_names_each_bad_row_and_column_and_writes_nothing(tmp_path, steel):
    text = HEADER + (
        "Kangson Steel Test Complex,grade,special,2018,,NK Yearbook 2019,\n"
        "Nowhere Works,grade,special,2018,,NK Yearbook 2019,\n"
        "Kangson Steel Test Complex,colour,red,2018,,x,\n"
        "Kangson Steel Test Complex,grade,9th,2018,,x,\n"
        "Kangson Steel Test Complex,place,Atlantis,2018,,x,\n"
        "Kangson Steel Test Complex,kind,mine,2018-13,,x,\n"
        "Kangson Steel Test Complex,kind,mine,2001,2002,999999,\n"
        "Kangson Steel Test Complex,grade,1,2015,2018-06,NK Yearbook 2017,\n"
        "Kangson Steel Test Complex,kind,mine,2001,2002,,\n"
    )
    out, err = run_import(tmp_path, text)
    assert out is None
    lines = err.splitlines()
    assert lines[0] == "line 3: enterprise: Nowhere Works — no enterprise is called 'Nowhere Works'"
    assert lines[1].startswith("line 4: field: colour — unknown field 'colour'")
    assert lines[2].startswith("line 5: value: 9th — unknown grade '9th'")
    assert lines[3].startswith("line 6: value: Atlantis — unknown place 'Atlantis'")
    assert lines[4] == "line 7: valid_from: 2018-13 — not a date: the month must be 01 to 12"
    assert lines[5] == "line 8: evidence: 999999 — no article #999999 in the registry"
    # An overlap with an earlier row of the same file.
    assert lines[6] == ("line 9: valid_from: 2015 — grade 1st grade (2015 – 2018-06) overlaps grade special (2018 – …); "
                        "periods of one attribute may not overlap (leave a gap for unknown).")
    assert lines[7].startswith("line 10: evidence:  — Give the evidence")
    assert lines[8] == "8 problem(s) found; nothing was imported"
    assert not AttributePeriod.objects.exists()
    steel.refresh_from_db()
    assert steel.grade == "1"


def test_the_command_refuses_a_wrong_header(tmp_path):
    out, err = run_import(tmp_path, "enterprise,attribute,value\nX,grade,1\n")
    assert out is None
    assert err.startswith("line 1: header: enterprise,attribute,value — missing field, valid_from, valid_to, evidence, note; unknown attribute")


def test_a_restricted_article_is_not_evidence_for_an_importer_who_may_not_see_it(steel):
    hidden = make_article("Restricted report", disclosure="restricted", claims=[(steel, "operation", 1)])
    viewer = make_user("viewer")
    with pytest.raises(ImportFailed) as failed:
        history_import(data=HEADER + f"Kangson Steel Test Complex,grade,special,2018,,{hidden.pk},\n", user=viewer)
    assert str(failed.value.errors[0]) == f"line 2: evidence: {hidden.pk} — no article #{hidden.pk} in the registry"


# ---- the admin: the timeline inline, the periods' add form, "record as history" ---------

def timeline_post(enterprise, rows=(), initial=0, **fields):
    """The enterprise change form as posted, with `rows` of its timeline (dicts)."""
    from .admin_support import management_form

    data = {
        "name": enterprise.name, "hangul": "", "grade": enterprise.grade, "kind": enterprise.kind, "integration": "",
        "parent": "", "location": enterprise.location_id or "", "industry": "", "products": "", "ministry": "",
        "notes": "", "opened_version": enterprise.version,
        **management_form("aliases"), **management_form("units"), **management_form("claims"),
        **management_form("periods", total=len(rows), initial=initial), **fields,
    }
    for i, row in enumerate(rows):
        for key in ("id", "attribute", "value", "valid_from", "valid_to", "article", "source", "note"):
            data[f"periods-{i}-{key}"] = row.get(key, "")
        data[f"periods-{i}-enterprise"] = enterprise.pk
    return data


def change_url(enterprise):
    from django.urls import reverse

    return reverse("admin:registry_enterprise_change", args=[enterprise.pk])


def test_a_coder_adds_periods_on_the_enterprise_page_by_typed_values(client, coder, steel):
    rows = [
        {"attribute": "grade", "value": "1st grade", "valid_from": "2015", "valid_to": "2018-06", "source": "NK Yearbook 2017"},
        {"attribute": "grade", "value": "special", "valid_from": "2018-07", "source": "NK Yearbook 2019"},
        {"attribute": "place", "value": "Cheongjin", "valid_from": "1990", "valid_to": "2001-03-15", "source": "Atlas"},
    ]
    response = client.post(change_url(steel), timeline_post(steel, rows))
    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"][1].formset.errors
    stored = AttributePeriod.objects.filter(enterprise=steel).order_by("attribute", "valid_from")
    assert [(p.attribute, p.value, p.location_id, p.valid_from, p.valid_to, p.valid_to_precision) for p in stored] == [
        ("grade", "1", None, D(2015, 1, 1), D(2018, 6, 30), "month"),
        ("grade", "special", None, D(2018, 7, 1), None, ""),
        ("place", "", place("chongjin").pk, D(1990, 1, 1), D(2001, 3, 15), "day"),
    ]
    steel.refresh_from_db()
    assert steel.grade == "special"  # the open period holds today's value
    assert stored[0].history.get().history_user == coder
    # The page shows each period as typed again: the value as text, the ends as precise as written.
    page = client.get(change_url(steel)).content.decode()
    assert 'value="2018-06"' in page and 'value="Chongjin, North Hamgyong"' in page and 'value="1"' in page


def test_the_timeline_refuses_an_overlap_with_a_stored_period_and_between_its_rows(client, coder, steel):
    history_save(period=period(steel, "grade", "2015", "2018-06", value="1"), user=None)
    rows = [{"attribute": "grade", "value": "special", "valid_from": "2018", "source": "NK Yearbook 2019"}]
    response = client.post(change_url(steel), timeline_post(steel, [{"id": AttributePeriod.objects.get().pk, "attribute": "grade", "value": "1",
                                                                     "valid_from": "2015", "valid_to": "2018-06", "source": "Yearbook 2019"}, *rows], initial=1))
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][1].formset
    assert formset.forms[1].errors["valid_from"] == [
        "grade special (2018 – …) overlaps grade 1st grade (2015 – 2018-06); periods of one attribute may not overlap (leave a gap for unknown)."]
    two = [{"attribute": "kind", "value": "mine", "valid_from": "2001", "valid_to": "2005", "source": "x"},
           {"attribute": "kind", "value": "factory", "valid_from": "2004", "source": "x"}]
    response = client.post(change_url(steel), timeline_post(steel, two))
    formset = response.context["inline_admin_formsets"][1].formset
    assert formset.non_form_errors() == [
        "kind mine (2001 – 2005) overlaps kind factory (2004 – …); periods of one attribute may not overlap (leave a gap for unknown)."]
    assert AttributePeriod.objects.count() == 1


def test_the_timeline_names_a_value_it_cannot_read(client, coder, steel):
    rows = [{"attribute": "place", "value": "Atlantis", "valid_from": "2001", "source": "x"}]
    response = client.post(change_url(steel), timeline_post(steel, rows))
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][1].formset.forms[0].errors["value"][0].startswith("unknown place 'Atlantis'")
    assert not AttributePeriod.objects.exists()


def test_a_viewer_sees_the_timeline_but_cannot_change_it(client, steel):
    history_save(period=period(steel, "grade", "2015", "2018-06", value="1"), user=None)
    client.force_login(make_user("viewer"))
    page = client.get(change_url(steel)).content.decode()
    assert "grade = 1st grade (2015 – 2018-06)" in page
    assert 'name="periods-0-value"' not in page
    response = client.post(change_url(steel), timeline_post(steel))
    assert response.status_code == 403


def test_record_as_history_opens_the_add_form_prefilled(client, coder, steel):
    from django.urls import reverse

    article = make_article("Complex promoted", published=D(2018, 7, 1), precision="month", claims=[(steel, "operation", 1)])
    page = client.get(reverse("admin:registry_article_change", args=[article.pk])).content.decode()
    url = reverse("admin:registry_attributeperiod_add") + f"?enterprise={steel.pk}&amp;article={article.pk}&amp;valid_from=2018-07"
    assert url in page
    form = client.get(url.replace("&amp;", "&")).context["adminform"].form
    assert (form.initial["enterprise"], form.initial["article"], form.initial["valid_from"]) == (str(steel.pk), str(article.pk), "2018-07")
    response = client.post(url.replace("&amp;", "&"), {
        "enterprise": steel.pk, "attribute": "grade", "value": "special", "valid_from": "2018-07", "valid_to": "", "article": article.pk,
        "source": "", "note": "promoted",
    })
    assert response.status_code == 302
    saved = AttributePeriod.objects.get()
    assert (saved.value, saved.article, saved.valid_from, saved.valid_from_precision) == ("special", article, D(2018, 7, 1), "month")
    steel.refresh_from_db()
    assert steel.grade == "special"


def test_a_viewer_gets_no_record_as_history_link(client, steel):
    from django.urls import reverse

    article = make_article("Complex promoted", claims=[(steel, "operation", 1)])
    client.force_login(make_user("viewer"))
    assert "record as history" not in client.get(reverse("admin:registry_article_change", args=[article.pk])).content.decode()


def test_the_admin_import_page_takes_a_history_file(client, coder, steel):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    url = reverse("admin:registry_article_import")
    text = HEADER + "Kangson Steel Test Complex,grade,special,2018,,NK Yearbook 2019,\n"
    response = client.post(url, {"kind": "history", "file": SimpleUploadedFile("h.csv", text.encode(), content_type="text/csv")})
    assert response.context["history_counts"] == {"rows": 1, "created": 1, "matched": 0}
    assert not AttributePeriod.objects.exists()
    response = client.post(url, {"confirm": "1", "sha256": response.context["sha256"]})
    assert response.status_code == 302
    assert AttributePeriod.objects.get().value == "special"
    bad = HEADER + "Kangson Steel Test Complex,grade,9th,2018,,x,\n"
    response = client.post(url, {"kind": "history", "file": SimpleUploadedFile("h.csv", bad.encode(), content_type="text/csv")})
    assert [(e.line, e.field) for e in response.context["errors"]] == [(2, "value")]


# ---- the API: the enterprise detail's history ------------------------------------------

def test_the_api_lists_history_resting_on_evidence_the_user_may_see():
    from rest_framework.test import APIClient

    from tests.api_data import build, user_with

    d = build()
    AttributePeriod.objects.create(enterprise=d.e1, attribute="grade", value="1", valid_to=D(2009, 12, 31), valid_to_precision="year", article=d.a1)
    AttributePeriod.objects.create(enterprise=d.e1, attribute="name", value="RESTRICTED-NAME-MARKER Works", valid_to=D(1999, 12, 31), article=d.a4)
    AttributePeriod.objects.create(enterprise=d.e1, attribute="place", location=place("sadong"), valid_to=D(1980, 12, 31), source="Atlas 1980")
    # A parent period naming an enterprise known only from restricted material.
    AttributePeriod.objects.create(enterprise=d.e3, attribute="parent", parent=d.secret, valid_to=D(2001, 12, 31), source="x")
    url = f"/api/v1/enterprises/{d.e1.pk}/"
    anonymous = APIClient().get(url).json()["history"]
    assert anonymous == [
        {"attribute": "grade", "value": "1", "value_label": "1st grade", "valid_from": None, "valid_from_precision": "",
         "valid_to": "2009-12-31", "valid_to_precision": "year", "evidence_article": d.a1.pk, "source": "", "note": ""},
        {"attribute": "place", "value": "sadong", "value_label": str(place("sadong")), "valid_from": None, "valid_from_precision": "",
         "valid_to": "1980-12-31", "valid_to_precision": "", "evidence_article": None, "source": "Atlas 1980", "note": ""},
    ]
    assert "RESTRICTED-NAME-MARKER" not in APIClient().get(url, {"format": "csv"}).content.decode()
    assert APIClient().get(f"/api/v1/enterprises/{d.e3.pk}/").json()["history"] == []
    insider = APIClient()
    insider.force_authenticate(user_with("rita", "view_restricted", "view_article", "view_enterprise"))
    assert [p["attribute"] for p in insider.get(url).json()["history"]] == ["grade", "name", "place"]
    assert insider.get(f"/api/v1/enterprises/{d.e3.pk}/").json()["history"][0]["value"] == d.secret.pk


# ---- names in time: search, the duplicate guard, the import, the public page ------------

def test_search_finds_an_enterprise_by_a_past_name(steel):
    history_save(period=period(steel, "name", "1990", "2004", value="Kangson Steel Works"), user=None)
    assert list(Enterprise.objects.search("Kangson Steel Works")) == [steel]
    assert list(Enterprise.objects.search("kangson-steel")) == [steel]
    assert list(Enterprise.objects.search("Posan")) == []


def test_the_api_search_finds_a_past_name(steel):
    from rest_framework.test import APIClient

    make_article("Steel", claims=[(steel, "operation", 1)])
    history_save(period=period(steel, "name", "1990", "2004", value="Kangson Steel Works"), user=None)
    found = APIClient().get("/api/v1/enterprises/", {"q": "Kangson Steel Works"}).json()["results"]
    assert [e["id"] for e in found] == [steel.pk]


def test_the_duplicate_guard_knows_past_names(steel):
    from registry.enterprises.duplicates import similar_enterprises

    history_save(period=period(steel, "name", "1990", "2004", value="Kangson Steel Works"), user=None)
    [candidate] = similar_enterprises("Kangson Steel Works")
    assert (candidate.enterprise_id, candidate.matched) == (steel.pk, "Kangson Steel Works")


def test_a_past_name_resting_on_a_restricted_article_is_not_named_to_a_viewer(steel):
    from registry.enterprises.duplicates import similar_enterprises

    make_article("Public", claims=[(steel, "operation", 1)])
    hidden = make_article("Restricted", disclosure="restricted", claims=[(steel, "operation", 2)])
    history_save(period=period(steel, "name", "1990", "2004", value="Kangson Secret Works", article=hidden, source=""), user=None)
    assert similar_enterprises("Kangson Secret Works", user=make_user("viewer")) == []
    assert [c.enterprise_id for c in similar_enterprises("Kangson Secret Works", user=make_user("admin"))] == [steel.pk]


def test_import_claims_matches_an_enterprise_by_a_past_name(steel):
    from registry.services import claims_import

    history_save(period=period(steel, "name", "1990", "2004", value="Kangson Steel Works"), user=None)
    text = ("source,published,title,summary,enterprise,grade,kind,industry,location,activity,code,detail,quantity,unit\n"
            "KCNA,1998-05-01,Steel works fulfils plan,,Kangson Steel Works,,,,,production,5,,,\n")
    plan = claims_import(data=text)
    assert plan.counts()["enterprises_matched"] == 1
    assert Enterprise.objects.count() == 1
    assert steel.claims.get().article.title == "Steel works fulfils plan"


def test_the_public_page_shows_the_timeline_and_the_name_then(client, steel):
    article = make_article("Steel works fulfils plan", published=D(1998, 5, 1), claims=[(steel, "production", 5)])
    history_save(period=period(steel, "name", "1990", "2004", value="Kangson Steel Works", article=article, source=""), user=None)
    hidden = make_article("Restricted", disclosure="restricted", claims=[(steel, "operation", 2)])
    history_save(period=period(steel, "grade", "2001", "2004", value="3", article=hidden, source=""), user=None)
    page = client.get(f"/enterprises/{steel.pk}/").content.decode()
    assert 'id="history"' in page and "1990 – 2004" in page
    assert "then named Kangson Steel Works" in page
    assert "3rd grade" not in page  # resting on a restricted article


# ---- the sample data --------------------------------------------------------------------

def test_the_sample_history_loads_on_the_sample_claims_and_a_second_run_adds_nothing(tmp_path):
    from rest_framework.test import APIClient

    for name in ("sample_claims.csv", "sample_reprint.csv", "starter_claims.csv"):  # make setup's order
        call_command("import_claims", "--keep-existing", f"fixtures/{name}", stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_history", "fixtures/sample_history.csv", stdout=out)
    assert out.getvalue() == "5 rows: created 5 periods; matched 0\n"
    out = io.StringIO()
    call_command("import_history", "fixtures/sample_history.csv", stdout=out)
    assert out.getvalue() == "5 rows: created 0 periods; matched 5\n"
    chollima, posan = Enterprise.objects.get(name="Chollima Steel Complex"), Enterprise.objects.get(name="Posan Iron Works")
    assert posan.parent == chollima  # the open period holds today's value
    assert list(Enterprise.objects.search("Kangson Steel Works")) == [chollima]
    # The units of the Chollima complex in 2020: Posan's two claims (sample 2020-12-08, starter
    # 2020-09) count under its parent on their dates (attested from 2012) and as of today, but
    # not as of 2010 (unknown then).
    params = {"parent": chollima.pk, "metric": "claims", "interval": "year", "start": "2020", "end": "2020"}
    values = lambda extra: APIClient().get("/api/v1/timeseries/", {**params, **extra}).json()["values"]  # noqa: E731
    assert values({}) == {"all": [2]}
    assert values({"as_of": "today"}) == {"all": [2]}
    assert values({"as_of": "2010-01-01"}) == {"all": [0]}
    # A grade change: the Rakwon Machine Complex, 1st grade in 2004 and special from 2014-02
    # (today's grade, from the open period), unknown between. Its starter claims are dated
    # 2008-11, 2009-02, 2010-01 and 2010-06 (two), then 2018-07: special on their dates only
    # in 2018; as of today all six are special.
    rakwon = Enterprise.objects.get(name="Rakwon Machine Complex")
    assert rakwon.grade == "special"
    params = {"grade": "special", "metric": "claims", "interval": "year", "start": "2008", "end": "2018"}
    dated, today = values({}), values({"as_of": "today"})
    assert [t - d for t, d in zip(today["all"], dated["all"])] == [1, 1, 3] + [0] * 8
    params["grade"] = "unknown"
    assert [d - t for d, t in zip(values({})["all"], values({"as_of": "today"})["all"])] == [1, 1, 3] + [0] * 8


# ---- releases carry time ----------------------------------------------------------------

def test_a_release_carries_public_periods_and_counts_by_them_as_live_data_does(settings, tmp_path):
    import csv

    from frictionless import Package

    from registry.releases import data as release_data, files as release_files
    from registry.models import Release
    from registry.series.timeseries import compute, parse_params

    from . import timeseries_data

    settings.RELEASES_DIR = tmp_path / "releases"
    world = timeseries_data.build()
    s, c = world["S"], world["C"]
    history_save(period=period(s, "grade", None, "2015", value="1", source="Yearbook 2016"), user=None)
    history_save(period=period(s, "grade", "2016", None, value="3", source="Yearbook 2017"), user=None)
    # Resting on a restricted article: not public, not in the release.
    history_save(period=period(c, "kind", None, "2010", value="factory", article=world["a5"], source="", note="KIND-MARKER"), user=None)
    call_command("make_release", "2026.h", stdout=io.StringIO(), stderr=io.StringIO())
    release = Release.objects.get(name="2026.h")
    root = release_files.release_path(release.name)
    with open(root / "data/attribute_periods.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["enterprise_id"], r["attribute"], r["value"], r["valid_from"], r["valid_to"], r["valid_to_precision"], r["source"]) for r in rows] == [
        (str(s.pk), "grade", "1", "", "2015-12-31", "year", "Yearbook 2016"),
        (str(s.pk), "grade", "3", "2016-01-01", "", "", "Yearbook 2017"),
    ]
    assert "KIND-MARKER" not in (root / "data/attribute_periods.csv").read_text(encoding="utf-8")
    package = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    [resource] = [r for r in package["resources"] if r["name"] == "attribute_periods"]
    assert {f["name"] for f in resource["schema"]["fields"]} >= {"enterprise_id", "attribute", "valid_from", "valid_to", "article_id", "source"}
    assert Package(str(root / "datapackage.json")).validate().valid

    def series(params, frozen=False):
        if frozen:
            with release_data.reading(release):
                return compute(parse_params(params)).to_json()
        return compute(parse_params(params)).to_json()

    params = {"group_by": "grade", "metric": "claims", "interval": "year", "start": "2015", "end": "2018"}
    live, frozen = series(params), series(params, frozen=True)
    assert frozen["values"] == live["values"]
    # Sadong's 2015 claim (a1) under the 1st grade it had then; as of today under the 3rd.
    first, third = live["values"]["1st grade"], live["values"]["3rd grade"]
    assert (first, third) == ([1, 0, 0, 0], [0, 1, 0, 0])
    today = series({**params, "as_of": "today"}, frozen=True)["values"]
    assert (today["1st grade"], today["3rd grade"]) == ([0, 0, 0, 0], [1, 1, 0, 0])


# ---- a merge keeps the periods ------------------------------------------------------------

def test_a_merge_moves_the_absorbed_periods_and_the_parents_that_name_it(steel):
    from registry.services import MergeConflict, enterprise_merge

    twin = make_enterprise("Kangson Steel Twin", grade="1")
    unit = make_enterprise("Posan Test Iron Works", grade="2", kind="factory")
    history_save(period=period(twin, "name", "1945", "1956", value="Kangson Steel Works"), user=None)
    history_save(period=period(unit, "parent", "2012", "2015", parent=twin), user=None)
    enterprise_merge(keep=steel, absorb=twin)
    assert list(AttributePeriod.objects.filter(enterprise=steel).values_list("attribute", "value")) == [("name", "Kangson Steel Works")]
    assert AttributePeriod.objects.get(enterprise=unit).parent == steel
    # An overlap between the two enterprises' periods is refused, and nothing changes.
    other = make_enterprise("Kangson Steel Third", grade="1")
    history_save(period=period(other, "grade", "2015", "2018", value="1"), user=None)
    history_save(period=period(steel, "grade", "2017", None, value="special"), user=None)
    with pytest.raises(MergeConflict, match=r"grade 1st grade \(2015 – 2018\) overlaps grade special \(2017 – …\)"):
        enterprise_merge(keep=steel, absorb=other)
    assert Enterprise.objects.filter(pk=other.pk).exists()
    assert AttributePeriod.objects.get(enterprise=other).value == "1"
