"""Enterprises in the admin: the duplicate guard, the list, and merging two into one."""

import datetime

import pytest
from django.urls import reverse

from registry.models import Claim, Enterprise, EnterpriseAlias, Industry
from registry.services import MergeConflict, enterprise_merge

from .admin_support import make_article, make_enterprise, make_user, management_form, place
from .test_admin_articles import changelist_queries

pytestmark = pytest.mark.django_db

ADD = reverse("admin:registry_enterprise_add")
CHANGELIST = reverse("admin:registry_enterprise_changelist")


def enterprise_post(name, **fields):
    return {
        "name": name, "hangul": "", "grade": "special", "kind": "complex", "integration": "",
        "parent": "", "location": place("chongjin").pk, "industry": "", "products": "", "ministry": "",
        "notes": "", **management_form("aliases"), **management_form("periods"), **management_form("units"), **management_form("claims"),
        **fields,
    }


def test_the_warning_does_not_name_an_enterprise_known_only_from_another_coders_draft(client, coder):
    # Another coder's draft is theirs alone: the enterprise it alone names does not exist for
    # this coder, not even as a duplicate candidate (visible_to).
    other = make_user("coder", username="other-coder")
    hidden = make_enterprise("Kim Chaek Iron and Steel Complex")
    make_article("Work in progress", claims=[(hidden, "production", 3)], status="draft", coded_by=other)
    response = client.post(ADD, enterprise_post("Kim Chaek Iron & Steel Complex"))
    assert response.status_code == 302  # saved: no warning
    assert "Kim Chaek Iron and Steel Complex" not in client.get(response["Location"]).content.decode()


def test_a_near_duplicate_is_warned_about_before_saving(client, coder):
    # Recorded elsewhere: "Save anyway" may add a second of the name in another place.
    existing = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("pyongyang"))
    response = client.post(ADD, enterprise_post("Kim Chaek Iron & Steel Complex"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Possible duplicate of: Kim Chaek Iron and Steel Complex (#%d, 100%% alike)" % existing.pk in page
    assert Enterprise.objects.count() == 1

    response = client.post(ADD, enterprise_post("Kim Chaek Iron & Steel Complex", save_anyway="on"))
    assert response.status_code == 302
    assert Enterprise.objects.count() == 2


def test_a_distinct_name_saves_without_a_warning(client, coder):
    make_enterprise("Kim Chaek Iron and Steel Complex")
    response = client.post(ADD, enterprise_post("Chongjin Bag Factory", kind="factory", grade="local"))
    assert response.status_code == 302


def test_an_alias_spelt_another_way_is_caught(client, coder):
    musan = make_enterprise("Musan Mining Complex")
    EnterpriseAlias.objects.create(enterprise=musan, name="Musan Mine")
    # (the alias itself, unplaced, is refused outright: tests/test_name_index.py)
    response = client.post(ADD, enterprise_post("Musan Mines", location=""))
    [error] = response.context["adminform"].form.non_field_errors()
    # folded "musanmines" / "musanmine": rapidfuzz ratio 2*9/19 = 94.7
    assert error.startswith("Possible duplicate of: Musan Mining Complex (#%d, as 'Musan Mine', 95%% alike)" % musan.pk)


def test_editing_other_fields_does_not_warn(client, coder):
    make_enterprise("Kim Chaek Iron and Steel Complex")
    twin = make_enterprise("Kim Chaek Iron & Steel Complex")
    url = reverse("admin:registry_enterprise_change", args=[twin.pk])
    response = client.post(url, enterprise_post(twin.name, products="steel", opened_version=twin.version))
    assert response.status_code == 302


def test_the_list_shows_region_evidence_and_filters(client, coder):
    steel = Industry.objects.get(slug="iron-and-steel")
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"), industry=steel)
    bag = make_enterprise("Pyongyang Bag Factory", grade="local", kind="factory", location=place("pyongyang"))
    make_article("First", published=datetime.date(2015, 3, 1), claims=[(kim_chaek, "production", 5)])
    make_article("Last", published=datetime.date(2019, 4, 15), claims=[(kim_chaek, "facility", 2)])

    cl = client.get(CHANGELIST).context["cl"]
    row = next(e for e in cl.result_list if e.pk == kim_chaek.pk)
    assert (row.claim_count, row.first_seen, row.last_seen) == (2, datetime.date(2015, 3, 1), datetime.date(2019, 4, 15))
    assert row.region_name == "North Hamgyong"
    assert next(e for e in cl.result_list if e.pk == bag.pk).region_name == "Pyongyang"

    def names(query):
        return [e.name for e in client.get(CHANGELIST + query).context["cl"].result_list]

    assert names("?region=north-hamgyong") == [kim_chaek.name]
    assert names("?tier=local") == [bag.name]
    assert names("?grade__exact=special") == [kim_chaek.name]
    assert names(f"?industry={steel.parent.slug}") == [kim_chaek.name]  # a top-level industry includes its branches
    # A place's name finds what lies in it (one search everywhere, tests/test_one_search.py).
    assert names("?q=Cheongjin") == [kim_chaek.name]
    assert names("?q=kim+chaek+iron+%26+steel") == [kim_chaek.name]


@pytest.mark.parametrize("rows", [5, 50])
def test_the_enterprise_list_costs_the_same_for_5_and_50_rows(client, coder, rows):
    industry = Industry.objects.filter(parent__isnull=False).first()
    source_article = make_article("Roundup")
    for i in range(rows):
        e = make_enterprise(f"Factory {i}", location=place("chongjin"), industry=industry)
        Claim.objects.create(article=source_article, enterprise=e, activity="production", code=5)
    # session, user, user's and group permissions, the region and industry filters'
    # choices, count, page (region joined in it), the page's evidence (claims, first/last
    # seen: one grouped query over the page's rows, EnterpriseQuerySet.evidence_of_page).
    assert changelist_queries(client, rows, CHANGELIST) == 9
    # A search adds one: the place names in the search term; the region filter two: its
    # value read as a place by the query vocabulary (the name lookup, the place).
    assert changelist_queries(client, rows, CHANGELIST + "?region=north-hamgyong&q=factory") == 13  # 12, and the search's place lookup


def test_the_change_page_shows_aliases_units_and_claims_newest_first(client, coder):
    complex_ = make_enterprise("Kim Chaek Iron and Steel Complex")
    EnterpriseAlias.objects.create(enterprise=complex_, name="Kimchaek Steel Works")
    make_enterprise("Kim Chaek Oxygen Plant", parent=complex_, kind="factory")
    make_article("Older report", published=datetime.date(2015, 1, 1), claims=[(complex_, "production", 5)])
    make_article("Newer report", published=datetime.date(2020, 1, 1), claims=[(complex_, "facility", 2)])
    page = client.get(reverse("admin:registry_enterprise_change", args=[complex_.pk])).content.decode()
    assert "Kimchaek Steel Works" in page and "Kim Chaek Oxygen Plant" in page
    assert page.index("Newer report") < page.index("Older report")


def test_a_merge_keeps_every_claim(client):
    client.force_login(make_user("reviewer"))
    keep = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
    absorb = make_enterprise("Kimchaek Steel Works", hangul="김책제철연합기업소", products="steel")
    EnterpriseAlias.objects.create(enterprise=absorb, name="Songjin Steel Works")
    unit = make_enterprise("Oxygen Plant", parent=absorb, kind="factory")
    make_article("Both", claims=[(keep, "production", 5), (absorb, "facility", 2)])
    make_article("Same claim twice", claims=[(keep, "production", 5), (absorb, "production", 5)])
    make_article("Absorbed only", claims=[(absorb, "technology", 4), (absorb, "operation", 3)])
    claims_before = {(c.article.title, c.activity, c.code) for c in Claim.objects.select_related("article")}
    assert len(claims_before) == 5  # the twin of "Same claim twice" counts once

    ids = {"_selected_action": [keep.pk, absorb.pk], "action": "merge_enterprises"}
    confirm_page = client.post(CHANGELIST, ids)
    assert confirm_page.status_code == 200 and b"Pick the enterprise to keep" in confirm_page.content
    response = client.post(CHANGELIST, {**ids, "keep": keep.pk, "confirm": "yes"})
    assert response.status_code == 302

    assert not Enterprise.objects.filter(pk=absorb.pk).exists()
    keep.refresh_from_db()
    assert {(c.article.title, c.activity, c.code) for c in keep.claims.select_related("article")} == claims_before
    assert sorted(keep.aliases.values_list("name", flat=True)) == ["Kimchaek Steel Works", "Songjin Steel Works"]
    assert (keep.hangul, keep.products, keep.location.slug) == ("김책제철연합기업소", "steel", "chongjin")
    unit.refresh_from_db()
    assert unit.parent == keep
    # The history tells the story.
    deleted = Enterprise.history.get(id=absorb.pk, history_type="-")
    assert "merge: Kimchaek Steel Works" in deleted.history_change_reason
    assert deleted.history_user.username == "reviewer"
    moved = Claim.history.filter(enterprise_id=keep.pk, history_type="~")
    assert moved.count() == 3


def test_a_merge_with_differently_coded_twin_claims_changes_nothing():
    keep = make_enterprise("Kim Chaek Iron and Steel Complex")
    absorb = make_enterprise("Kimchaek Steel Works")
    make_article("Conflict", claims=[(keep, "production", 5), (absorb, "production", 3)])
    with pytest.raises(MergeConflict, match="production coded 5"):
        enterprise_merge(keep=keep, absorb=absorb, user=None)
    assert Enterprise.objects.filter(pk=absorb.pk).exists()
    assert absorb.claims.count() == 1


def test_a_coder_cannot_merge(client, coder):
    a, b = make_enterprise("A Works"), make_enterprise("B Works")
    response = client.post(CHANGELIST, {"_selected_action": [a.pk, b.pk], "action": "merge_enterprises", "keep": a.pk, "confirm": "yes"})
    assert Enterprise.objects.filter(pk=b.pk).exists()
    assert response.status_code in (200, 302)


def test_the_warning_offers_use_this_enterprise_first_and_save_anyway_beside_it(client, coder):
    existing = make_enterprise("Musan Mining Complex", location=place("musan"))
    response = client.post(ADD, enterprise_post("Musan Mine", location=place("musan").pk))
    page = response.content.decode()
    use = page.index('name="_use_existing" value="%d"' % existing.pk)
    assert use < page.index('name="save_anyway"') < page.index('name="_save"')  # Enter takes the first
    assert "autofocus" in page[use - 120 : use + 120]
    assert Enterprise.objects.count() == 1

    response = client.post(ADD, enterprise_post("Musan Mine", _use_existing=str(existing.pk)))
    assert response.status_code == 302 and response.url == reverse("admin:registry_enterprise_change", args=[existing.pk])
    assert Enterprise.objects.count() == 1

    response = client.post(ADD, enterprise_post("Musan Mine", save_anyway="on"))
    assert response.status_code == 302 and Enterprise.objects.count() == 2


def test_use_this_enterprise_in_a_popup_picks_it_in_the_opener(client, coder):
    existing = make_enterprise("Chongjin Bag Factory", location=place("chongjin"))
    response = client.post(ADD + "?_popup=1", enterprise_post("Chongjin Bag Works", _popup="1", _use_existing=str(existing.pk)))
    assert response.status_code == 200
    assert response.context["popup_response_data"] == '{"value": "%d", "obj": "Chongjin Bag Factory"}' % existing.pk
    assert Enterprise.objects.count() == 1


def evidence(row):
    return (row.claim_count, row.first_seen, row.first_seen_precision, row.last_seen, row.last_seen_precision)


@pytest.mark.parametrize("role", ["coder", "admin"])
def test_the_pages_evidence_is_the_annotated_evidence(client, role):
    """The list computes the evidence for its page's rows (EnterpriseQuerySet.evidence_of_page)
    unless sorted by it; either way the values of with_evidence: the claims the user may see,
    a tie on the first date won by the more precise one. Another coder's draft counts for the
    superuser only."""
    user = make_user(role)
    client.force_login(user)
    other = make_user("coder", username="other")
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
    bag = make_enterprise("Chongjin Bag Factory", kind="factory", location=place("chongjin"))
    make_enterprise("Musan Mine", kind="mine")  # no claims
    make_article("Year only", published=datetime.date(2015, 1, 1), precision="year", claims=[(kim_chaek, "production", 5)])
    make_article("That day", published=datetime.date(2015, 1, 1), claims=[(kim_chaek, "facility", 2)])
    make_article("A month", published=datetime.date(2019, 4, 1), precision="month", claims=[(kim_chaek, "operation", 3), (bag, "production", 4)])
    make_article("Draft", published=datetime.date(2021, 6, 9), status="draft", coded_by=other, claims=[(kim_chaek, "production", 4)])

    expected = {
        "coder": (3, datetime.date(2015, 1, 1), "day", datetime.date(2019, 4, 1), "month"),
        "admin": (4, datetime.date(2015, 1, 1), "day", datetime.date(2021, 6, 9), "day"),
    }[role]
    annotated = {e.pk: evidence(e) for e in Enterprise.objects.visible_to(user).with_evidence(user)}
    assert annotated[kim_chaek.pk] == expected
    for query in ("", "?o=7", "?o=-8.1", "?q=chongjin"):  # shown; sorted by claims, by last seen; searched
        cl = client.get(CHANGELIST + query).context["cl"]
        assert {e.pk: evidence(e) for e in cl.result_list} == {pk: v for pk, v in annotated.items() if pk in {e.pk for e in cl.result_list}}, query
    claims_column = 6 + (role == "admin")  # the admin's columns begin with the action checkbox
    rows = client.get(CHANGELIST + f"?o=-{claims_column}").context["cl"].result_list
    assert [e.name for e in rows] == ["Kim Chaek Iron and Steel Complex", "Chongjin Bag Factory", "Musan Mine"]
    assert evidence(rows[2]) == (0, None, None, None, None)
