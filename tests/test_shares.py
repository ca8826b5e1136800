"""Shares (per=all): each value over all articles of the same sources in the period,
hand-computed from timeseries_data. Public articles per year, all sources: 2015 a1, a2
(2); 2016 a3 (1); 2017 none; 2018 a4, a6 (2). a5 is restricted, a7 a draft."""

import re
import io

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command

from registry.models import Coverage, Source
from registry.series.timeseries import ParameterError, compute, parse_params

from .timeseries_data import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build()


def shares(user=None, **params):
    return compute(parse_params({"per": "all", **params}), user=user)


def test_each_value_over_all_articles_of_the_period(world):
    result = shares(regions="Pyongyang;Chongjin", activity="production")
    assert result.denominators == [2, 1, 0, 2]
    # Chongjin production: a1 (2015), a6 (2018); Pyongyang production: a3 (2016).
    # 2017 has no articles at all: no share, not 0.
    assert result.values == {"Pyongyang": [0.0, 1.0, None, 0.0], "Chongjin": [0.5, 0.0, None, 0.5]}
    assert result.to_json()["per"] == "all"


def test_the_denominator_keeps_the_source_and_drops_every_other_filter(world):
    # KCNA only: 2015 a1, a2; 2016 a3; 2018 a4 (a6 is DNK's).
    result = shares(source="KCNA", regions="Chongjin", activity="production", start="2015", end="2018")
    assert result.denominators == [2, 1, 0, 1]
    assert result.values == {"Chongjin": [0.5, 0.0, None, 0.0]}


def test_a_quarterly_denominator_leaves_out_year_only_dates(world):
    # a3 is dated to the year only: in no quarter, in no denominator. 2015: a1 Q1, a2 Q3.
    result = shares(interval="quarter", start="2015", end="2016")
    assert result.denominators == [1, 0, 1, 0, 0, 0, 0, 0]
    assert result.values["all"] == [1.0, None, 1.0, None, None, None, None, None]


def test_restricted_and_draft_articles_count_in_the_denominator_only_for_who_sees_them(world):
    reviewer = User.objects.create_user("r")
    reviewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_restricted", "review_article"]))
    reviewer = User.objects.get(pk=reviewer.pk)
    # 2018 for a reviewer: a4, a5 (restricted), a6 and the draft a7; Chongjin production: a6, a7.
    result = shares(reviewer, regions="Chongjin", activity="production", start="2018", end="2018")
    assert result.denominators == [4]
    assert result.values == {"Chongjin": [0.5]}
    assert shares(regions="Chongjin", activity="production", start="2018", end="2018").denominators == [2]


def test_only_an_unread_period_without_articles_has_no_share(world):
    Coverage.objects.create(source=Source.objects.get(short_name="KCNA"), start="2015-01-01", end="2015-12-31")
    result = shares(source="KCNA")
    # 2016 (a3) and 2018 (a4) were not recorded as read but hold KCNA's articles: kept and
    # flagged; 2017 holds none and nobody read it: no share.
    assert result.values == {"all": [1.0, 1.0, None, 1.0]}
    assert result.flags() == ["", "read: not recorded", "read: not recorded", "read: not recorded"]


def test_one_more_query_for_the_denominators(world, django_assert_num_queries):
    query = parse_params({"per": "all", "regions": "Chongjin", "bands": "1"})
    with django_assert_num_queries(3):  # the UNION of GROUP BYs, the coverage, the denominators
        result = compute(query)
    # Chongjin, every activity: 2015 a1 (code 5), a2 (code 2); 2018 a4 (code 3), a6 (code 4);
    # over all articles of the year: 2, 1, 0, 2.
    assert result.denominators == [2, 1, 0, 2]
    assert result.values == {
        "Chongjin ≤1": [0.0, 0.0, None, 0.0],
        "Chongjin ≤2": [0.5, 0.0, None, 0.0],
        "Chongjin ≤3": [0.5, 0.0, None, 0.5],
        "Chongjin ≤4": [0.5, 0.0, None, 1.0],
        "Chongjin ≤5": [1.0, 0.0, None, 1.0],
    }


def test_api_and_command_take_per_and_refuse_another_word(client, world):
    data = client.get("/api/v1/timeseries/", {"regions": "Chongjin", "activity": "production", "per": "all"}).json()
    assert data["values"] == {"Chongjin": [0.5, 0.0, None, 0.5]} and data["denominators"] == [2, 1, 0, 2]
    response = client.get("/api/v1/timeseries/", {"per": "some"})
    assert response.status_code == 400 and "per" in response.json()["errors"]
    out = io.StringIO()
    call_command("export_timeseries", "--regions", "Chongjin", "--activity", "production", "--per", "all", stdout=out, stderr=io.StringIO())
    assert out.getvalue().splitlines()[1:5] == ["2015,Chongjin,0.5,", "2016,Chongjin,0.0,", "2017,Chongjin,,", "2018,Chongjin,0.5,"]
    with pytest.raises(ParameterError):
        parse_params({"per": "enterprise"})


def test_compare_page_offers_shares_and_draws_percent(client, world):
    page = client.get("/compare/", {"regions": "chongjin", "activity": "production", "per": "all"}).content.decode()
    assert re.search(r'name="per"[^>]*value="all" checked', page)
    assert "50%" in page and "share of all articles" in page


@pytest.mark.django_db(transaction=True)
def test_the_publics_denominators_are_kept_until_the_data_changes(django_assert_num_queries):
    # Outside a transaction, as an anonymous request runs: the public's denominators are
    # counted once per data version; a committed write moves the version and they are counted again.
    call_command("load_reference", verbosity=0)  # a transactional test starts from an empty database
    world = build()
    params = {"regions": "Chongjin", "activity": "production", "start": "2015", "end": "2018"}
    assert shares(**params).denominators == [2, 1, 0, 2]
    query = parse_params({"per": "all", **params})
    with django_assert_num_queries(3):  # the data version, the UNION of GROUP BYs, the coverage
        assert compute(query).denominators == [2, 1, 0, 2]

    world["a7"].status = "coded"  # the draft is published: 2018 gains an article
    world["a7"].save()
    result = shares(**params)
    assert result.denominators == [2, 1, 0, 3]
    assert result.values == {"Chongjin": [0.5, 0.0, None, round(2 / 3, 4)]}

    # Who may see more is never given the public's kept figures, nor changes them.
    reviewer = User.objects.create_user("r")
    reviewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_restricted"]))
    reviewer = User.objects.get(pk=reviewer.pk)
    assert shares(reviewer, **params).denominators == [2, 1, 0, 4]  # a5, restricted, too
    assert shares(**params).denominators == [2, 1, 0, 3]
