"""export_timeseries: the service's numbers as long CSV or JSON, bad input named by its flag."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from registry.series.timeseries import compute, parse_params

from .timeseries_data import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build()


def export(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("export_timeseries", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_writes_long_csv_zero_filled_with_left_out_counts_on_stderr(world):
    out, err = export(
        "--metric", "articles", "--activity", "production,investment", "--regions", "Pyongyang,Chongjin",
        "--interval", "year", "--start", "2014", "--end", "2018", "--max-code", "3", "--format", "csv",
    )
    assert out.splitlines() == [
        "period,group,value,flag",
        "2014,Pyongyang,0,", "2015,Pyongyang,1,", "2016,Pyongyang,1,", "2017,Pyongyang,0,", "2018,Pyongyang,0,",
        "2014,Chongjin,0,", "2015,Chongjin,1,", "2016,Chongjin,0,", "2017,Chongjin,0,", "2018,Chongjin,1,",
    ]
    assert "Pyongyang 0, Chongjin 0" in err


def test_a_quarterly_export_reports_the_year_only_article_on_stderr(world):
    out, err = export("--regions", "Pyongyang;North Hamgyong", "--interval", "quarter")
    assert "2015-Q1,Pyongyang,1," in out.splitlines()
    assert "2015-Q3,North Hamgyong,1," in out.splitlines()
    assert "left out (articles dated less precisely than a quarter): Pyongyang 1, North Hamgyong 1" in err


def test_json_has_the_same_numbers_as_the_service(world, tmp_path):
    args = {"regions": "Pyongyang;Chongjin;North Hamgyong", "activity": "investment,production", "bands": "1"}
    expected = compute(parse_params(args)).to_json()
    target = tmp_path / "series.json"
    out, err = export("--regions", args["regions"], "--activity", args["activity"], "--bands",
                      "--format", "json", "--output", str(target))
    assert out == "" and err.startswith("data: live data, last change ")
    data = json.loads(target.read_text(encoding="utf-8"))
    assert set(data.pop("data_version")["counts"]) == {"articles", "enterprises", "claims"}
    assert data == expected
    assert data["values"]["Chongjin ≤4"] == [1, 0, 0, 2]


def test_group_by_grade_tier_industry_and_filters(world):
    out, _ = export("--group-by", "tier", "--source-kind", "state_media", "--status", "coded")
    # a6 (insider, reviewed) is gone: central is C's a1, a2, a4 and S's a1, a3.
    assert [line for line in out.splitlines() if ",central," in line] == [
        "2015,central,2,", "2016,central,1,", "2017,central,0,", "2018,central,1,",
    ]
    out, _ = export("--grade", "special,local", "--tier", "local", "--industry", "Coal mining", "--regions", "North Hamgyong")
    assert out.splitlines()[1:] == ["2016,North Hamgyong,1,", "2017,North Hamgyong,0,", "2018,North Hamgyong,1,"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--regions", "Chongjni"], "--regions: unknown place 'Chongjni'; did you mean: Chongjin"),
        (["--start", "2015-13"], "--start: '2015-13' is not a date"),
        (["--end", "soon"], "--end: 'soon' is not a date"),
        (["--max-code", "0"], "--max-code: '0' is not a code from 1 to 5"),
        (["--activity", "smelting"], "--activity: unknown activity or group 'smelting'"),
        (["--industry", "knitting"], "--industry: unknown industry 'knitting'"),
        (["--group-by", "region", "--regions", "Chongjin"], "--group-by: give either regions or group_by"),
        (["--output", "/nonexistent/dir/x.csv"], "--output: cannot write /nonexistent/dir/x.csv"),
    ],
)
def test_bad_input_is_a_clear_command_error(args, message):
    with pytest.raises(CommandError) as raised:
        export(*args)
    assert str(raised.value).startswith(message)


def test_restricted_articles_count_only_for_a_user_allowed_to_see_them(world):
    from django.contrib.auth.models import Permission, User

    researcher = User.objects.create(username="researcher")
    researcher.user_permissions.add(Permission.objects.get(codename="view_restricted"))
    User.objects.create(username="visitor")
    args = ("--regions", "Pyongyang", "--start", "2018", "--end", "2018", "--activity", "facility")
    # a5 (2018, S facility 2, Sadong in Pyongyang) is the only such article, and it is restricted.
    assert export(*args)[0].splitlines()[1:] == ["2018,Pyongyang,0,"]
    assert export(*args, "--user", "visitor")[0].splitlines()[1:] == ["2018,Pyongyang,0,"]
    assert export(*args, "--user", "researcher")[0].splitlines()[1:] == ["2018,Pyongyang,1,"]
    with pytest.raises(CommandError, match="--user: no user named 'nobody'"):
        export(*args, "--user", "nobody")
