"""The time-series service: counts per period and group, hand-computed from timeseries_data."""

import pytest
from django.contrib.auth.models import Permission, User

from registry.series.timeseries import ParameterError, compute, parse_params

from .timeseries_data import build

pytestmark = pytest.mark.django_db

INVEST_OR_PRODUCE = {"activity": "investment,production"}
THREE_PLACES = {"regions": "Pyongyang;Chongjin;North Hamgyong"}


@pytest.fixture
def world():
    return build()


def series(user=None, **params):
    return compute(parse_params(params), user=user)


def test_it_counts_a_district_in_its_city_and_a_city_in_its_province(world):
    result = series(**THREE_PLACES, **INVEST_OR_PRODUCE)
    assert result.periods == ["2015", "2016", "2017", "2018"]
    assert result.groups == ["Pyongyang", "Chongjin", "North Hamgyong"]
    # Pyongyang: a1 (S in Sadong), a3 (S). Chongjin: a1, a2, a4, a6. North Hamgyong: C's and H's.
    assert result.values == {
        "Pyongyang": [1, 1, 0, 0],
        "Chongjin": [2, 0, 0, 2],
        "North Hamgyong": [2, 1, 0, 2],
    }


def test_an_enterprise_on_the_province_counts_for_the_province_only(world):
    # a3 names S (Sadong) and H (the province only): Chongjin never sees it.
    result = series(regions="Chongjin;North Hamgyong", start="2016", end="2016")
    assert result.values == {"Chongjin": [0], "North Hamgyong": [1]}


def test_an_article_naming_two_compared_places_counts_once_in_each(world):
    # a1 names S (Pyongyang) and C (Chongjin); a4 names C and H, both in North Hamgyong: once.
    result = series(regions="Sadong;Chongjin;North Hamgyong", start="2015-03", end="2015-03", interval="month")
    assert result.values == {"Sadong": [1], "Chongjin": [1], "North Hamgyong": [1]}
    result = series(regions="North Hamgyong", start="2018-11", end="2018-11", interval="month")
    assert result.values == {"North Hamgyong": [1]}


def test_the_code_threshold_drops_less_specific_claims(world):
    result = series(**THREE_PLACES, **INVEST_OR_PRODUCE, max_code="3")
    # Gone: a1's C production (5) and a6's C production (4).
    assert result.values == {
        "Pyongyang": [1, 1, 0, 0],
        "Chongjin": [1, 0, 0, 1],
        "North Hamgyong": [1, 1, 0, 1],
    }


def test_bands_show_each_group_at_every_code_threshold(world):
    result = series(regions="Chongjin", bands="1", **INVEST_OR_PRODUCE)
    assert result.groups == ["Chongjin ≤1", "Chongjin ≤2", "Chongjin ≤3", "Chongjin ≤4", "Chongjin ≤5"]
    assert result.values == {
        "Chongjin ≤1": [0, 0, 0, 0],
        "Chongjin ≤2": [1, 0, 0, 0],  # a2 facility 2
        "Chongjin ≤3": [1, 0, 0, 1],  # + a4 modernization 3
        "Chongjin ≤4": [1, 0, 0, 2],  # + a6 production 4
        "Chongjin ≤5": [2, 0, 0, 2],  # + a1 production 5
    }
    capped = series(regions="Chongjin", bands="yes", max_code="2", **INVEST_OR_PRODUCE)
    assert capped.groups == ["Chongjin ≤1", "Chongjin ≤2"]


def test_a_year_only_date_is_left_out_of_a_quarterly_series_and_reported(world):
    result = series(regions="Pyongyang;North Hamgyong", interval="quarter")
    assert result.periods[0] == "2015-Q1" and result.periods[-1] == "2018-Q4"
    assert len(result.periods) == 16
    # a3 (2016, year only) names S and H: left out of both; a2 (2015-08, month) fits Q3.
    assert result.left_out == {"Pyongyang": 1, "North Hamgyong": 1}
    nonzero = {g: {p: v for p, v in zip(result.periods, vals) if v} for g, vals in result.values.items()}
    assert nonzero == {
        "Pyongyang": {"2015-Q1": 1},
        "North Hamgyong": {"2015-Q1": 1, "2015-Q3": 1, "2018-Q2": 1, "2018-Q4": 1},
    }
    assert series(regions="Pyongyang").left_out == {"Pyongyang": 0}


def test_a_monthly_series_places_a_month_precise_date_and_zero_fills_the_range(world):
    result = series(regions="Chongjin", interval="month", start="2015", end="2015")
    assert result.periods == [f"2015-{m:02d}" for m in range(1, 13)]
    assert result.values["Chongjin"] == [0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert result.left_out == {"Chongjin": 0}


def test_every_period_of_the_range_appears_for_every_group_even_without_data(world):
    result = series(regions="Pyongyang,Kaesong", start="2013", end="2016")
    assert result.periods == ["2013", "2014", "2015", "2016"]
    assert result.values == {"Pyongyang": [0, 0, 1, 1], "Kaesong": [0, 0, 0, 0]}
    assert list(result.rows())[:2] == [("2013", "Pyongyang", 0, ""), ("2014", "Pyongyang", 0, "")]


def test_a_partial_end_means_the_end_of_that_month(world):
    # end=2018-06 keeps a6 (2018-06-15), drops a4 (2018-11-20).
    result = series(regions="Chongjin", start="2018", end="2018-06", interval="month")
    assert result.periods == [f"2018-{m:02d}" for m in range(1, 7)]
    assert result.values["Chongjin"] == [0, 0, 0, 0, 0, 1]


def test_enterprises_and_claims_metrics(world):
    enterprises = series(metric="enterprises", regions="North Hamgyong")
    claims = series(metric="claims", regions="North Hamgyong")
    # 2015: C twice; 2016: H; 2018: C (a4, a6) and H (a4).
    assert enterprises.values == {"North Hamgyong": [1, 1, 0, 2]}
    assert claims.values == {"North Hamgyong": [2, 1, 0, 3]}


def test_anonymous_users_count_public_articles_only(world):
    anonymous = series(regions="Pyongyang", start="2018", end="2018")
    assert anonymous.values == {"Pyongyang": [0]}
    reader = User.objects.create_user("reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_restricted"))
    reader = User.objects.get(pk=reader.pk)
    assert series(user=reader, regions="Pyongyang", start="2018", end="2018").values == {"Pyongyang": [1]}
    plain = User.objects.create_user("plain")
    assert series(user=plain, regions="Pyongyang", start="2018", end="2018").values == {"Pyongyang": [0]}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"source_kind": "state_media"}, [2, 1, 0, 1]),  # a6 (insider) gone
        ({"status": "coded"}, [2, 1, 0, 1]),  # a6 (reviewed) gone
        ({"grade": "local"}, [0, 1, 0, 1]),  # H only: a3, a4
        ({"tier": "central"}, [2, 0, 0, 2]),  # C only here
        ({"industry": "metal"}, [2, 0, 0, 2]),  # Metal takes in Iron and steel: C
        ({"industry": "05"}, [0, 1, 0, 1]),  # ISIC 05: Coal mining: H
        ({"activity": "other"}, [0, 0, 0, 1]),  # a4 H operation; the range follows the data
    ],
)
def test_filters(world, params, expected):
    result = series(regions="North Hamgyong", start="2015", end="2018", **params)
    assert result.values == {"North Hamgyong": expected}


def test_group_by_region_uses_all_first_level_regions(world, django_assert_num_queries):
    query = parse_params({"group_by": "region"})
    with django_assert_num_queries(3):  # the regions, one UNION of GROUP BYs, the coverage ranges
        result = compute(query)
    assert len(result.groups) == 13 and result.groups[0] == "Pyongyang"
    assert result.values["Pyongyang"] == [1, 1, 0, 0]
    assert result.values["North Hamgyong"] == [2, 1, 0, 2]  # a1+a2, a3, a4+a6
    assert result.values["Kaesong"] == [0, 0, 0, 0]


def test_group_by_industry_grade_and_tier(world):
    industry = series(group_by="industry")
    assert industry.values["Metal"] == [2, 0, 0, 2]
    assert industry.values["Mining"] == [0, 1, 0, 1]
    assert industry.values["Machine building"] == [1, 1, 0, 0]
    grade = series(group_by="grade")
    assert grade.groups[:2] == ["special", "1st grade"]
    assert grade.values["3rd grade"] == [1, 1, 0, 0]
    assert grade.values["local industrial factory"] == [0, 1, 0, 1]
    assert series(group_by="tier").values == {"central": [2, 1, 0, 2], "local": [0, 1, 0, 1], "unknown": [0, 0, 0, 0]}


def test_one_query_whatever_the_number_of_places_and_bands(world, django_assert_num_queries):
    query = parse_params({"regions": "Pyongyang;Chongjin;North Hamgyong;Sadong", "bands": "1"})
    with django_assert_num_queries(2):  # one UNION of GROUP BYs, the coverage ranges
        result = compute(query)
    assert len(result.groups) == 20


def test_without_groups_it_counts_everything_as_one_series(world):
    assert series().values == {"all": [2, 1, 0, 2]}


def test_an_empty_answer_has_no_periods(world):
    result = series(regions="Kaesong")
    assert result.periods == [] and result.values == {"Kaesong": []} and result.left_out == {"Kaesong": 0}


def test_results_export_as_long_csv_and_json(world):
    result = series(regions="Pyongyang,Chongjin", max_code="3", **INVEST_OR_PRODUCE)
    assert result.to_csv().splitlines()[:3] == ["period,group,value,flag", "2015,Pyongyang,1,", "2016,Pyongyang,1,"]
    data = result.to_json()
    assert data["periods"] == ["2015", "2016", "2017", "2018"]
    assert data["values"]["Chongjin"] == [1, 0, 0, 1]
    assert data["left_out"] == {"Pyongyang": 0, "Chongjin": 0}
    assert data["parameters"] == {
        "metric": "articles", "interval": "year", "activity": "investment,production",
        "regions": "pyongyang;chongjin", "max_code": "3",
    }


@pytest.mark.parametrize(
    "params, param, words",
    [
        ({"regions": "Chongjni"}, "regions", "did you mean: Chongjin"),
        ({"start": "2015-13"}, "start", "month must be"),
        ({"end": "yesterday"}, "end", "not a date"),
        ({"start": "2018", "end": "2015"}, "end", "before the start"),
        ({"max_code": "6"}, "max_code", "1 to 5"),
        ({"metric": "tons"}, "metric", "articles, enterprises, claims"),
        ({"interval": "week"}, "interval", "year, quarter, month"),
        ({"activity": "smelting"}, "activity", "unknown activity"),
        ({"group_by": "colour"}, "group_by", "region, industry, grade, tier"),
        ({"group_by": "region", "regions": "Chongjin"}, "group_by", "not both"),
        ({"grade": "8"}, "grade", "not one of"),
        ({"industry": "knitting"}, "industry", "unknown industry"),
        ({"bands": "maybe"}, "bands", "yes or no"),
    ],
)
def test_bad_parameters_are_named(params, param, words):
    with pytest.raises(ParameterError) as raised:
        parse_params(params)
    assert raised.value.param == param
    assert words in str(raised.value)


def test_places_carrying_a_parent_are_separated_by_semicolons():
    query = parse_params({"regions": "Chongjin, North Hamgyong; Sadong"})
    assert [p.slug for p in query.regions] == ["chongjin", "sadong"]


def test_group_by_with_bands_and_a_left_out_year_only_article(world, django_assert_num_queries):
    # Public articles only. Central tier: a1 (2015-Q1: S code 1, C code 5), a2 (2015-08,
    # month precision, fits Q3: C code 2). a1 counts once in each band, however many claims.
    with django_assert_num_queries(2):  # one UNION of GROUP BYs, the coverage ranges
        result = compute(parse_params({"group_by": "tier", "bands": "1", "interval": "quarter", "start": "2015", "end": "2015"}))
    assert result.periods == ["2015-Q1", "2015-Q2", "2015-Q3", "2015-Q4"]
    assert result.values["central ≤1"] == [1, 0, 0, 0]
    for band in (2, 3, 4, 5):
        assert result.values[f"central ≤{band}"] == [1, 0, 1, 0]
        assert result.values[f"local ≤{band}"] == [0, 0, 0, 0]
    # a3 is dated only "2016": in no quarter, reported per group and band (its claims are
    # S production 3 for central and H production 3 for local).
    result = compute(parse_params({"group_by": "tier", "bands": "1", "interval": "quarter", "start": "2016", "end": "2016"}))
    assert result.left_out == {
        "central ≤1": 0, "central ≤2": 0, "central ≤3": 1, "central ≤4": 1, "central ≤5": 1,
        "local ≤1": 0, "local ≤2": 0, "local ≤3": 1, "local ≤4": 1, "local ≤5": 1,
        "unknown ≤1": 0, "unknown ≤2": 0, "unknown ≤3": 0, "unknown ≤4": 0, "unknown ≤5": 0,
    }
    assert all(v == [0, 0, 0, 0] for v in result.values.values())


def test_group_by_source_and_source_kind(world):
    # Public: KCNA a1, a2 (2015), a3 (2016), a4 (2018); DNK (insider) a6 (2018).
    result = series(group_by="source", start="2015", end="2018")
    assert result.values["KCNA"] == [2, 1, 0, 1] and result.values["DNK"] == [0, 0, 0, 1]
    assert all(sum(v) == 0 for g, v in result.values.items() if g not in ("KCNA", "DNK"))
    kinds = series(group_by="source_kind", start="2015", end="2018").values
    assert kinds["state_media"] == [2, 1, 0, 1] and kinds["insider"] == [0, 0, 0, 1] and kinds["academic"] == [0, 0, 0, 0]
