"""The claims' stored public dates (registry/stored/evidence.py, CLAIM_COLUMNS) and the time series
that read them (ClaimQuerySet.for_series): after every kind of write the stored columns equal
the article's, the public's series from them equal the series joined to the articles, and
whoever may see more than the public is counted from the articles they may see.

Data of tests/api_data.build(), by hand: c1 on A1 (public, coded, 2016-05-10 day) stores
2016-05-10/day; c8 and c5 on A4 (restricted, 2020) store nothing.
(The write paths themselves are walked by tests/test_stored_evidence.py, whose consistency
check compares these columns too.)
"""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser

from registry.stored import evidence
from registry.series import timeseries
from registry.importing.rows import HEADER
from registry.models import Article, Claim
from registry.models.claims import ClaimQuerySet, SeriesColumns
from registry.services import article_save, claim_delete, claim_save, claims_import, enterprise_merge, record_delete
from tests.api_data import user_with
from tests.stored_support import d, reviewer  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

SERIES = [
    {"metric": "articles", "interval": "year"},
    {"metric": "articles", "interval": "month", "group_by": "region"},
    {"metric": "enterprises", "interval": "year", "group_by": "tier"},
    {"metric": "claims", "interval": "year", "group_by": "grade"},
    {"metric": "articles", "interval": "quarter", "group_by": "industry"},
    {"metric": "enterprises", "interval": "quarter"},
    {"metric": "claims", "interval": "month", "max_code": "3", "bands": "1"},
    {"metric": "stories", "interval": "year", "start": "2016", "end": "2021"},
    {"metric": "articles", "interval": "year", "regions": "Chongjin,Pyongyang"},
]


def stored(claim):
    c = Claim.objects.get(pk=claim.pk)
    return c.public_published and c.public_published.isoformat(), c.public_precision


def joined(claims, user):
    return SeriesColumns(claims.visible_to(user), "article__published", "article__precision")


def answers(user=None):
    found = []
    for params in SERIES:
        result = timeseries.compute(timeseries.parse_params(params), user=user or AnonymousUser())
        found.append((result.periods, result.values, result.left_out))
    return found


def assert_series_as_joined():
    """Stored columns as the articles give them, and every series as the join counts it."""
    assert evidence.claim_differences() == []
    from_stored = answers()
    with mock.patch.object(ClaimQuerySet, "for_series", joined):
        assert from_stored == answers()


def test_built_data_is_stored_as_counted_by_hand(d):
    assert stored(d.c1) == ("2016-05-10", "day")
    assert stored(d.c4) == ("2018-03-01", "month")
    assert stored(d.c8) == (None, None) and stored(d.c5) == (None, None)  # restricted A4
    assert_series_as_joined()


def test_the_public_reads_the_stored_dates_and_others_the_articles(d, reviewer):
    stored = ("public_published", "public_precision")
    assert Claim.objects.for_series(AnonymousUser())[1:] == stored
    assert Claim.objects.for_series(user_with("vera", "view_enterprise"))[1:] == stored
    assert Claim.objects.for_series(reviewer)[1:] == ("article__published", "article__precision")
    # A reviewer counts restricted A4 (2020): the stored public dates would leave it out.
    result = timeseries.compute(timeseries.parse_params({"metric": "claims", "start": "2020", "end": "2020"}), user=reviewer)
    public = timeseries.compute(timeseries.parse_params({"metric": "claims", "start": "2020", "end": "2020"}), user=AnonymousUser())
    assert result.values["all"][0] > public.values["all"][0]


def test_a_coder_with_a_draft_counts_it(d):
    coder = user_with("cora", "view_enterprise")
    draft = Article.objects.create(source=d.a1.source, published=datetime.date(2022, 4, 4), title="Draft", status="draft", coded_by=coder)
    Claim.objects.create(article=draft, enterprise=d.e1, activity="production", code=2)
    coder = type(coder).objects.get(pk=coder.pk)
    params = timeseries.parse_params({"metric": "articles", "start": "2022", "end": "2022"})
    assert timeseries.compute(params, user=coder).values["all"] == [1]
    assert timeseries.compute(params, user=AnonymousUser()).values["all"] == [0]
    assert_series_as_joined()


def test_after_every_kind_of_write(d, reviewer):
    claim_save(claim=Claim(article=d.a5, enterprise=d.e1, activity="construction", code=1), user=reviewer)
    assert_series_as_joined()
    moved = Claim.objects.get(pk=d.c4.pk)
    moved.article = d.a1
    claim_save(claim=moved, user=reviewer)
    assert stored(d.c4) == ("2016-05-10", "day")
    assert_series_as_joined()
    claim_delete(claim=Claim.objects.get(pk=d.c1.pk), user=reviewer)
    assert_series_as_joined()
    a2 = Article.objects.get(pk=d.a2.pk)
    a2.disclosure = "restricted"
    article_save(article=a2, user=reviewer)
    assert stored(d.c3) == (None, None)
    assert_series_as_joined()
    a4 = Article.objects.get(pk=d.a4.pk)
    a4.disclosure = "public"
    article_save(article=a4, user=reviewer)
    assert stored(d.c8) == ("2020-01-01", "year")
    assert_series_as_joined()
    a4 = Article.objects.get(pk=d.a4.pk)
    a4.published, a4.precision = datetime.date(2019, 7, 1), "month"
    article_save(article=a4, user=reviewer)  # redated
    assert stored(d.c8) == ("2019-07-01", "month")
    assert_series_as_joined()
    draft = Article.objects.create(source=d.a1.source, published=datetime.date(2015, 1, 1), precision="year", title="Early", status="draft")
    claim_save(claim=Claim(article=draft, enterprise=d.e2, activity="production", code=3), user=reviewer)
    assert_series_as_joined()
    draft = Article.objects.get(pk=draft.pk)
    draft.status = "coded"
    article_save(article=draft, user=reviewer)  # draft coded
    assert_series_as_joined()
    enterprise_merge(keep=d.e2, absorb=d.e1, user=reviewer)
    assert_series_as_joined()
    record_delete(instance=Article.objects.get(pk=d.a5.pk), user=reviewer)
    assert_series_as_joined()


def test_import(d):
    data = ",".join(HEADER) + "\n" + (
        "KCNA,2023-05,Steel complex busy,,Kim Chaek Iron and Steel Complex,,,,,production,3,,,\n"
        "KCNA,2014,An early mention,,Brand New Works,4,factory,,Chongjin,production,4,,,\n"
    )
    claims_import(data=data)
    new = Claim.objects.get(article__title="Steel complex busy")
    assert stored(new) == ("2023-05-01", "month")
    assert_series_as_joined()


def test_rebuild_repairs(d):
    Claim.objects.filter(pk=d.c1.pk).update(public_published=None)
    Claim.objects.filter(pk=d.c8.pk).update(public_published=datetime.date(2020, 1, 1), public_precision="year")
    assert {(pk, column) for pk, column, _s, _c in evidence.claim_differences()} == {
        (d.c1.pk, "public_published"), (d.c8.pk, "public_published"), (d.c8.pk, "public_precision")}
    evidence.rebuild()
    assert stored(d.c1) == ("2016-05-10", "day") and stored(d.c8) == (None, None)
    assert_series_as_joined()
