"""The claims' stored copies of their enterprise's region and grade (registry/stored/evidence.py,
ENTERPRISE_COLUMNS) and the public's series by region, grade and tier that read them
(ClaimQuerySet.for_series): after every kind of write the stored columns equal the
enterprise's, the public's series from them equal the series joined to the enterprises, and
whoever may see more than the public is counted from the enterprises' own columns.

Data of tests/api_data.build(), by hand. Regions: Chongjin and "north-hamgyong" lie in North
Hamgyong (E1 special, E2 4th grade, E3 3rd, E5 unknown, Secret Works 1st, the secret unit
5th); Sadong in Pyongyang (E4 2nd grade). Public articles: A1 (2016-05-10: E1, E3), A2
(2018-03, month: E2, E1), A3 (2019-07-01: E4), A5 (2021-02-02: E5); A4 (2020, year) is
restricted (Secret Works, E1, the secret unit).
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.stored import evidence
from registry.series import timeseries
from registry.importing.rows import HEADER
from registry.models import Article, Claim, Enterprise, Location
from registry.services import (
    article_save, claim_delete, claim_save, claims_import, enterprise_merge, record_delete, record_save,
)
from tests.api_data import user_with
from tests.stored_support import d, reviewer  # noqa: F401 (fixtures)
from tests.test_stored_series import assert_series_as_joined

pytestmark = pytest.mark.django_db

MONTHLY = {"metric": "articles", "interval": "month", "group_by": "region"}
YEARLY = {"metric": "articles", "interval": "year", "group_by": "region"}
TIERS = {"metric": "enterprises", "interval": "year", "group_by": "tier"}


def region(slug):
    return Location.objects.get(slug=slug).pk


def stored(claim):
    c = Claim.objects.get(pk=claim.pk)
    return c.enterprise_region, c.enterprise_grade


def series(params, user=None):
    result = timeseries.compute(timeseries.parse_params(params), user=user or AnonymousUser())
    # Only the periods with a count, per group: {group: {period: value}}.
    return {group: {p: v for p, v in zip(result.periods, values) if v} for group, values in result.values.items() if any(values)}


def assert_consistent():
    """Stored == computed for every claim and enterprise, and every series (region, grade
    and tier among them) as the join counts it."""
    assert evidence.claim_differences() == []
    assert evidence.differences() == []
    assert_series_as_joined()


def test_every_claim_stores_its_enterprises_region_and_grade(d):
    north, pyongyang = region("north-hamgyong"), region("pyongyang")
    assert stored(d.c1) == (north, "special")
    assert stored(d.c3) == (north, "4")
    assert stored(d.c6) == (pyongyang, "2")
    assert stored(d.c7) == (north, "unknown")
    # On the restricted A4 too: they follow the enterprise, not the article.
    assert stored(d.c5) == (north, "1")
    assert series(MONTHLY) == {
        "Pyongyang": {"2019-07": 1},
        "North Hamgyong": {"2016-05": 1, "2018-03": 1, "2021-02": 1},
    }
    assert_consistent()


def series_sql(params, user):
    with CaptureQueriesContext(connection) as captured:
        series(params, user)
    return [q["sql"] for q in captured.captured_queries if "registry_claim" in q["sql"]]


@pytest.mark.parametrize("params", [MONTHLY, TIERS, {"metric": "claims", "interval": "year", "group_by": "grade"}])
def test_the_publics_series_by_region_grade_or_tier_join_no_enterprise(d, reviewer, params):
    [public] = series_sql(params, AnonymousUser())
    assert "registry_enterprise" not in public and "registry_article" not in public
    # Whoever sees more joins the articles (what they may see), never the enterprises: what
    # an enterprise was on the claim's date is the claim's stored copy for everyone.
    [computed] = series_sql(params, reviewer)
    assert "registry_enterprise" not in computed and "registry_article" in computed
    # as_of=today reads the enterprises as they are now: the join.
    [today] = series_sql({**params, "as_of": "today"}, AnonymousUser())
    assert "registry_enterprise" in today


def test_who_may_see_more_is_counted_from_the_enterprises(d, reviewer):
    assert Claim.objects.for_series(reviewer)[1:] == ("article__published", "article__precision")
    # The reviewer counts the restricted A4 (2020) in North Hamgyong; the public does not.
    assert series(YEARLY, reviewer)["North Hamgyong"] == {"2016": 1, "2018": 1, "2020": 1, "2021": 1}
    assert series(YEARLY)["North Hamgyong"] == {"2016": 1, "2018": 1, "2021": 1}
    # A coder sees their own draft: counted from the enterprise, in its region.
    coder = user_with("cora", "view_enterprise")
    draft = Article.objects.create(source=d.a1.source, published=datetime.date(2022, 4, 4), title="Draft", status="draft", coded_by=coder)
    Claim.objects.create(article=draft, enterprise=d.e4, activity="production", code=2)
    coder = type(coder).objects.get(pk=coder.pk)
    assert series(YEARLY, coder)["Pyongyang"] == {"2019": 1, "2022": 1}
    assert series(YEARLY)["Pyongyang"] == {"2019": 1}
    assert_consistent()


def test_enterprise_moved_to_another_region(d, reviewer):
    e4 = Enterprise.objects.get(pk=d.e4.pk)
    e4.location = Location.objects.get(slug="chongjin")
    record_save(instance=e4, user=reviewer)
    assert stored(d.c6) == (region("north-hamgyong"), "2")
    # A3 (2019-07) now counts in North Hamgyong; Pyongyang has nothing left.
    assert series(MONTHLY) == {"North Hamgyong": {"2016-05": 1, "2018-03": 1, "2019-07": 1, "2021-02": 1}}
    assert_consistent()
    e4 = Enterprise.objects.get(pk=d.e4.pk)
    e4.location = None  # no place known: no region
    record_save(instance=e4, user=reviewer)
    assert stored(d.c6) == (None, "2")
    assert_consistent()


def test_enterprise_regraded(d, reviewer):
    e2 = Enterprise.objects.get(pk=d.e2.pk)
    e2.grade = "2"  # local (4th grade) to central
    record_save(instance=e2, user=reviewer)
    assert stored(d.c3) == (region("north-hamgyong"), "2")
    # Enterprises per tier: 2018 had E1 (central) and E2, now central too.
    assert series(TIERS)["central"]["2018"] == 2
    assert "local" not in series(TIERS)
    assert_consistent()


def test_an_edit_that_moves_nothing_leaves_the_claims_as_they_were(d, reviewer):
    # The enterprise trigger recomputes its claims only when a copied field changed
    # (registry/stored/copies.py): an edit of its products leaves the claims' copies as they were.
    e2 = Enterprise.objects.get(pk=d.e2.pk)
    e2.grade = "3"
    record_save(instance=e2, user=reviewer)
    assert stored(d.c3) == (region("north-hamgyong"), "3")
    e2 = Enterprise.objects.get(pk=d.e2.pk)
    e2.products = "bags and cases"
    record_save(instance=e2, user=reviewer)
    assert stored(d.c3) == (region("north-hamgyong"), "3")
    assert_consistent()


def test_claims_added_changed_and_deleted(d, reviewer):
    new = claim_save(claim=Claim(article=d.a3, enterprise=d.e2, activity="construction", code=1), user=reviewer)
    assert stored(new) == (region("north-hamgyong"), "4")
    # A3 (2019-07) names E4 (Pyongyang) and now E2 (North Hamgyong): once in each.
    assert series(MONTHLY)["North Hamgyong"]["2019-07"] == 1 and series(MONTHLY)["Pyongyang"]["2019-07"] == 1
    assert_consistent()
    moved = Claim.objects.get(pk=d.c6.pk)
    moved.enterprise = d.e5  # to another enterprise, in another region
    claim_save(claim=moved, user=reviewer)
    assert stored(d.c6) == (region("north-hamgyong"), "unknown")
    assert "Pyongyang" not in series(MONTHLY)
    assert_consistent()
    claim_delete(claim=Claim.objects.get(pk=new.pk), user=reviewer)
    assert_consistent()


def test_merge_moves_the_claims_to_the_kept_region(d, reviewer):
    enterprise_merge(keep=d.e4, absorb=d.e2, user=reviewer)
    assert stored(d.c3) == (region("pyongyang"), "2")  # E2's claim now E4's
    assert series(MONTHLY)["Pyongyang"] == {"2018-03": 1, "2019-07": 1}
    assert_consistent()


def test_merge_into_an_enterprise_of_no_place_gives_it_and_its_claims_one(d, reviewer):
    nowhere = Enterprise.objects.create(name="Placeless Works", grade="unknown", kind="factory")
    own = Claim.objects.create(article=d.a5, enterprise=nowhere, activity="operation", code=2)
    assert stored(own) == (None, "unknown")
    # The kept enterprise takes the absorbed one's place (its blank filled): every claim of
    # it, its own and the moved, lies in Pyongyang now; the blank grade is filled too.
    enterprise_merge(keep=nowhere, absorb=d.e4, user=reviewer)
    assert stored(own) == (region("pyongyang"), "2")
    assert stored(d.c6) == (region("pyongyang"), "2")
    assert_consistent()


def test_article_restricted_and_draft_coded(d, reviewer):
    a3 = Article.objects.get(pk=d.a3.pk)
    a3.disclosure = "restricted"
    article_save(article=a3, user=reviewer)
    assert stored(d.c6) == (region("pyongyang"), "2")  # kept: only its date leaves the public
    assert "Pyongyang" not in series(MONTHLY)
    assert_consistent()
    draft = Article.objects.create(source=d.a1.source, published=datetime.date(2015, 1, 1), precision="month", title="Early", status="draft")
    claim_save(claim=Claim(article=draft, enterprise=d.e4, activity="production", code=3), user=reviewer)
    assert "Pyongyang" not in series(MONTHLY)
    draft = Article.objects.get(pk=draft.pk)
    draft.status = "coded"
    article_save(article=draft, user=reviewer)
    assert series(MONTHLY)["Pyongyang"] == {"2015-01": 1}
    assert_consistent()
    record_delete(instance=Article.objects.get(pk=draft.pk), user=reviewer)
    assert_consistent()


def test_import_stores_the_region_and_a_refined_place_moves_older_claims(d):
    placeless = Enterprise.objects.create(name="Placeless Works", grade="5", kind="factory")
    older = Claim.objects.create(article=d.a1, enterprise=placeless, activity="operation", code=2)
    data = ",".join(HEADER) + "\n" + (
        "KCNA,2023-05,Steel complex busy,,Kim Chaek Iron and Steel Complex,,,,,production,3,,,\n"
        "KCNA,2014,An early mention,,Brand New Works,4,factory,,Sadong,production,4,,,\n"
        "KCNA,2014-06,Placeless found,,Placeless Works,,,,Chongjin,production,2,,,\n"
    )
    claims_import(data=data)
    assert stored(Claim.objects.get(article__title="Steel complex busy")) == (region("north-hamgyong"), "special")
    assert stored(Claim.objects.get(article__title="An early mention")) == (region("pyongyang"), "4")
    # The file gives Placeless Works its place: the new claim and the older one follow.
    assert stored(Claim.objects.get(article__title="Placeless found")) == (region("north-hamgyong"), "5")
    assert stored(older) == (region("north-hamgyong"), "5")
    assert_consistent()


def test_rebuild_repairs_and_check_reports(d):
    Claim.objects.filter(pk=d.c1.pk).update(enterprise_region=region("pyongyang"))
    Claim.objects.filter(pk=d.c6.pk).update(enterprise_region=None, enterprise_grade="7")
    # A raw write of an enterprise's place: its region and its claims' copies go stale.
    Enterprise.objects.filter(pk=d.e5.pk).update(location=Location.objects.get(slug="sadong"))
    assert {(pk, column) for pk, column, _s, _c in evidence.claim_differences()} == {
        (d.c1.pk, "enterprise_region"), (d.c6.pk, "enterprise_region"), (d.c6.pk, "enterprise_grade")}
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_evidence", "--check")
    call_command("rebuild_evidence")
    assert stored(d.c1) == (region("north-hamgyong"), "special")
    assert stored(d.c6) == (region("pyongyang"), "2")
    assert stored(d.c7) == (region("pyongyang"), "unknown")  # E5 moved by the raw write
    assert_consistent()
    call_command("rebuild_evidence", "--check")


def test_a_place_moved_in_the_tree_moves_the_places_enterprises_and_claims_inside_it(d, reviewer):
    """A place given another parent (the admin's Location form): the places inside it take
    their new paths, the enterprises inside it and their claims the new first-level region."""
    chongjin = Location.objects.get(slug="chongjin")
    inside = list(Location.objects.filter(path__startswith=chongjin.path).exclude(pk=chongjin.pk).values_list("slug", flat=True))
    chongjin.parent = Location.objects.get(slug="pyongyang")
    record_save(instance=chongjin, user=reviewer)
    assert stored(d.c3) == (region("pyongyang"), "4")  # E2, Chongjin
    assert stored(d.c7) == (region("north-hamgyong"), "unknown")  # E5 sits on the province itself
    for slug in inside:
        assert Location.objects.get(slug=slug).path.startswith("/pyongyang/chongjin/"), slug
    assert_consistent()
    assert series(YEARLY)["Pyongyang"] == {"2016": 1, "2018": 1, "2019": 1}
