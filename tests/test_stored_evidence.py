"""Stored public evidence (registry/stored/evidence.py): after every kind of write the columns on the
enterprise equal what the computed path gives an anonymous reader, anonymous readers and
viewers read them, and nobody who may see more gets them.

Public evidence of tests/api_data.build(), counted by hand:
E1: c1 (A1 2016-05-10 day), c4 (A2 2018-03 month) = 2 claims; c8 is on the restricted A4
(2020, year) and must never show: first 2016-05-10 day, last 2018-03-01 month.
E2: c3 (A2) = 1. Secret Works: only c5 on A4, so not listed.
"""

import datetime

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from registry.stored import evidence
from registry.importing.rows import HEADER
from registry.models import Article, Claim, Enterprise, Location
from registry.services import (
    article_restore, article_save, claim_delete, claim_save, claims_import, enterprise_merge, record_delete, record_save,
)
from registry.access.visibility import sees_public_view
from tests.api_data import user_with
from tests.stored_support import d, reviewer  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def stored(enterprise):
    e = Enterprise.objects.get(pk=enterprise.pk)
    return (
        e.public_claim_count,
        e.public_first_seen and e.public_first_seen.isoformat(), e.public_first_seen_precision,
        e.public_last_seen and e.public_last_seen.isoformat(), e.public_last_seen_precision,
        e.public_listed,
    )


def assert_consistent():
    assert evidence.differences() == []
    # Each claim's stored public date too (the time series', tests/test_stored_series.py).
    assert evidence.claim_differences() == []


def api_row(client, enterprise):
    rows = client.get("/api/v1/enterprises/?page_size=100").json()["results"]
    row = next((r for r in rows if r["id"] == enterprise.pk), None)
    return row and (row["claim_count"], row["first_seen"], row["first_seen_precision"], row["last_seen"], row["last_seen_precision"])


def test_built_data_is_stored_as_counted_by_hand(d):
    assert stored(d.e1) == (2, "2016-05-10", "day", "2018-03-01", "month", True)
    assert stored(d.e2) == (1, "2018-03-01", "month", "2018-03-01", "month", True)
    assert stored(d.secret) == (0, None, None, None, None, False)
    assert Enterprise.objects.get(pk=d.e1.pk).region.slug == "north-hamgyong"
    assert Enterprise.objects.get(pk=d.e4.pk).region.slug == "pyongyang"
    assert_consistent()


def test_anonymous_reads_the_stored_public_figures_and_nothing_restricted(d):
    assert api_row(APIClient(), d.e1) == (2, "2016-05-10", "day", "2018-03-01", "month")
    assert api_row(APIClient(), d.secret) is None


def test_who_may_see_more_gets_computed_figures(d, reviewer):
    assert not sees_public_view(reviewer)
    client = APIClient()
    client.force_login(reviewer)
    # c8 on the restricted A4 (2020, year) counts for a reviewer.
    assert api_row(client, d.e1) == (3, "2016-05-10", "day", "2020-01-01", "year")
    assert api_row(client, d.secret) == (1, "2020-01-01", "year", "2020-01-01", "year")


def test_a_viewer_reads_stored_figures_unless_they_coded_a_draft(d):
    viewer = user_with("vera", "view_enterprise")
    assert sees_public_view(viewer)
    client = APIClient()
    client.force_login(viewer)
    assert api_row(client, d.e1) == (2, "2016-05-10", "day", "2018-03-01", "month")
    draft = Article.objects.create(source=d.a1.source, published=datetime.date(2022, 4, 4), title="Draft", status="draft", coded_by=viewer)
    Claim.objects.create(article=draft, enterprise=d.e1, activity="production", code=2)
    viewer = type(viewer).objects.get(pk=viewer.pk)  # a new request, a new user object
    assert not sees_public_view(viewer)
    client.force_login(viewer)
    assert api_row(client, d.e1) == (3, "2016-05-10", "day", "2022-04-04", "day")  # their own draft
    assert api_row(APIClient(), d.e1) == (2, "2016-05-10", "day", "2018-03-01", "month")


def test_claim_added(d, reviewer):
    claim_save(claim=Claim(article=d.a5, enterprise=d.e1, activity="construction", code=1), user=reviewer)
    assert stored(d.e1) == (3, "2016-05-10", "day", "2021-02-02", "day", True)
    assert_consistent()


def test_claim_moved_to_another_enterprise(d, reviewer):
    claim = Claim.objects.get(pk=d.c4.pk)
    claim.enterprise = d.e2
    claim_save(claim=claim, user=reviewer)
    assert stored(d.e1) == (1, "2016-05-10", "day", "2016-05-10", "day", True)
    assert stored(d.e2) == (2, "2018-03-01", "month", "2018-03-01", "month", True)  # c3 and c4, both on A2
    assert_consistent()


def test_claim_deleted(d, reviewer):
    claim_delete(claim=Claim.objects.get(pk=d.c1.pk), user=reviewer)
    assert stored(d.e1) == (1, "2018-03-01", "month", "2018-03-01", "month", True)
    assert_consistent()


def test_article_made_restricted_and_public_again(d, reviewer):
    a2 = Article.objects.get(pk=d.a2.pk)
    a2.disclosure = "restricted"
    article_save(article=a2, user=reviewer)
    assert stored(d.e1) == (1, "2016-05-10", "day", "2016-05-10", "day", True)
    assert stored(d.e2) == (0, None, None, None, None, False)  # known only from restricted A2 now
    assert api_row(APIClient(), d.e2) is None
    assert_consistent()
    a4 = Article.objects.get(pk=d.a4.pk)
    a4.disclosure = "public"
    article_save(article=a4, user=reviewer)
    assert stored(d.e1) == (2, "2016-05-10", "day", "2020-01-01", "year", True)
    assert stored(d.secret) == (1, "2020-01-01", "year", "2020-01-01", "year", True)
    assert_consistent()


def test_draft_coded(d, reviewer):
    draft = Article.objects.create(source=d.a1.source, published=datetime.date(2015, 1, 1), precision="year", title="Early", status="draft")
    claim_save(claim=Claim(article=draft, enterprise=d.e1, activity="production", code=3), user=reviewer)
    assert stored(d.e1)[0] == 2  # a draft is not public
    assert_consistent()
    draft = Article.objects.get(pk=draft.pk)
    draft.status = "coded"
    article_save(article=draft, user=reviewer)
    assert stored(d.e1) == (3, "2015-01-01", "year", "2018-03-01", "month", True)
    assert_consistent()


def test_article_redated_and_deleted(d, reviewer):
    a1 = Article.objects.get(pk=d.a1.pk)
    a1.published, a1.precision = datetime.date(2019, 1, 1), "year"
    article_save(article=a1, user=reviewer)
    assert stored(d.e1) == (2, "2018-03-01", "month", "2019-01-01", "year", True)
    assert_consistent()
    record_delete(instance=Article.objects.get(pk=d.a1.pk), user=reviewer)
    assert stored(d.e1) == (1, "2018-03-01", "month", "2018-03-01", "month", True)
    assert stored(d.e3) == (0, None, None, None, None, True)  # no claims left at all: listed
    assert_consistent()


def test_merge(d, reviewer):
    enterprise_merge(keep=d.e2, absorb=d.e1, user=reviewer)
    # E2's c3 and E1's c1, c4 (public) and c8 (restricted).
    assert stored(d.e2) == (3, "2016-05-10", "day", "2018-03-01", "month", True)
    assert_consistent()


def test_restore(d, reviewer):
    a2 = Article.objects.get(pk=d.a2.pk)
    a2.title = "Retitled"
    article_save(article=a2, user=reviewer)  # the version with claims c3 and c4 is the first
    claim_delete(claim=Claim.objects.get(pk=d.c4.pk), user=reviewer)
    assert stored(d.e1)[0] == 1
    first = Article.history.filter(id=d.a2.pk).order_by("history_id").first()
    restored = first.instance
    restored.version = Article.objects.get(pk=d.a2.pk).version
    article_restore(article=restored, history_id=first.history_id, user=reviewer)
    assert stored(d.e1) == (2, "2016-05-10", "day", "2018-03-01", "month", True)
    assert_consistent()


def test_import(d):
    data = ",".join(HEADER) + "\n" + (
        "KCNA,2023-05,Steel complex busy,,Kim Chaek Iron and Steel Complex,,,,,production,3,,,\n"
        "KCNA,2014,An early mention,,Kim Chaek Iron and Steel Complex,,,,,construction,2,,,\n"
        "KCNA,2014,An early mention,,Brand New Works,4,factory,,Chongjin,production,4,,,\n"
    )
    claims_import(data=data)
    assert stored(d.e1) == (4, "2014-01-01", "year", "2023-05-01", "month", True)
    new = Enterprise.objects.get(name="Brand New Works")
    assert stored(new) == (1, "2014-01-01", "year", "2014-01-01", "year", True)
    assert new.region.slug == "north-hamgyong"
    assert_consistent()


def test_import_naming_one_enterprise_by_its_name_and_its_alias(d):
    # Two names of the file, one enterprise stored: both rows' claims are counted on it, and
    # the new enterprise of the same file is written with its evidence (no update after).
    from registry.models import EnterpriseAlias

    EnterpriseAlias.objects.create(enterprise=d.e1, name="Kimchaek Steel Works")
    before = stored(d.e1)[0]
    data = ",".join(HEADER) + "\n" + (
        "KCNA,2009-03-02,Two names,,Kim Chaek Iron and Steel Complex,,,,,production,3,,,\n"
        "KCNA,2031,Two names again,,Kimchaek Steel Works,,,,,construction,2,,,\n"
        "KCNA,2031,Two names again,,Another New Works,4,factory,,Chongjin,production,4,,,\n"
    )
    claims_import(data=data)
    assert stored(d.e1)[0] == before + 2
    assert stored(d.e1)[3:5] == ("2031-01-01", "year")
    assert stored(Enterprise.objects.get(name="Another New Works")) == (1, "2031-01-01", "year", "2031-01-01", "year", True)
    assert_consistent()


def test_a_tie_on_the_date_goes_to_the_more_precise(d, reviewer):
    # A year-precise 2016 and a day-precise 2016-01-01: the first sighting is the day.
    a = Article.objects.create(source=d.a1.source, published=datetime.date(2016, 1, 1), precision="year", title="Year", status="coded")
    b = Article.objects.create(source=d.a1.source, published=datetime.date(2016, 1, 1), precision="day", title="Day", status="coded")
    for article in (a, b):
        claim_save(claim=Claim(article=article, enterprise=d.e4, activity="production", code=3), user=reviewer)
    assert stored(d.e4)[:3] == (3, "2016-01-01", "day")
    assert_consistent()


def test_region_follows_the_place(d, reviewer):
    e = Enterprise.objects.get(pk=d.e2.pk)
    e.location = Location.objects.get(slug="sadong")
    record_save(instance=e, user=reviewer)
    assert Enterprise.objects.get(pk=d.e2.pk).region.slug == "pyongyang"
    assert_consistent()


def test_rebuild_command_repairs_and_check_reports(d):
    Enterprise.objects.filter(pk=d.e1.pk).update(public_claim_count=99, public_listed=False, region=None)
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_evidence", "--check")
    call_command("rebuild_evidence")
    assert stored(d.e1) == (2, "2016-05-10", "day", "2018-03-01", "month", True)
    assert_consistent()
    call_command("rebuild_evidence", "--check")


def test_region_facet_reads_the_stored_region(d):
    facets = APIClient().get("/api/v1/enterprises/?facets=region").json()["facets"]["region"]
    # Public: E1, E2, E3, E5 in North Hamgyong (Chongjin, Musan area); E4 in Pyongyang.
    assert {f["value"]: f["count"] for f in facets} == {"north-hamgyong": 4, "pyongyang": 1}
