"""Coverage: a period nobody read has no value (not 0), each period's covered share,
hand-computed from timeseries_data (KCNA public articles: a1, a2 in 2015, a3 in 2016, a4 in
2018; a5 restricted, a7 a draft) and the coverage ranges each test records."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from registry.series.coverage import NO_COVERAGE, period_bounds
from registry.importing.rows import ImportFailed
from registry.models import Coverage, Source
from registry.services import coverage_import
from registry.series.timeseries import compute, parse_params

from .admin_support import PASSWORD, make_user
from .timeseries_data import build

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def world():
    return build()


def read(short_name, start, end, extent="complete", note=""):
    return Coverage.objects.create(
        source=Source.objects.get(short_name=short_name), start=D.fromisoformat(start), end=D.fromisoformat(end),
        extent=extent, note=note)


def series(**params):
    return compute(parse_params(params))


def test_without_coverage_every_period_counts_and_the_answer_says_none_was_recorded(world):
    result = series(source="KCNA")
    assert result.values == {"all": [2, 1, 0, 1]}
    assert result.coverage is None
    assert result.coverage_note == NO_COVERAGE
    assert result.to_json()["coverage"] is None


def test_a_covered_year_has_its_value_and_an_unread_year_without_articles_has_none(world):
    read("KCNA", "2015-01-01", "2015-12-31")
    # 2018: January to June, partly, and an overlapping range that must count once:
    # 31+28+31+30+31+30 = 181 of 365 days.
    read("KCNA", "2018-01-01", "2018-06-30", extent="partial", note="pages 1-4 only")
    read("KCNA", "2018-03-01", "2018-04-30")
    result = series(source="KCNA")
    assert result.periods == ["2015", "2016", "2017", "2018"]
    # 2016 holds a3 though nobody recorded reading 2016: its value, flagged, never blanked;
    # 2017 holds no article and was not read: unknown, not 0.
    assert result.values == {"all": [2, 1, None, 1]}
    assert result.coverage == [1.0, 0.0, 0.0, round(181 / 365, 4)]
    assert result.read == ["complete", "not recorded", "not recorded", "partly"]
    assert result.to_csv().splitlines() == [
        "period,group,value,flag", "2015,all,2,", "2016,all,1,read: not recorded", "2017,all,,read: not recorded",
        "2018,all,1,read: partly"]
    assert result.coverage_text() == "coverage: 2015=1, 2016=0, 2017=0, 2018=0.4959"
    assert result.coverage_sources == {"recorded": ["KCNA"], "unknown": []}


def test_the_share_is_the_mean_over_the_sources_in_scope(world):
    read("KCNA", "2015-01-01", "2015-12-31")
    read("DNK", "2015-07-01", "2015-12-31")  # 184 days
    result = series(start="2015", end="2015")
    assert result.coverage == [round((365 + 184) / (2 * 365), 4)]  # 0.7521
    # Only KCNA in scope: DNK's coverage does not count.
    assert series(source="KCNA", start="2015", end="2015").coverage == [1.0]
    assert series(source="DNK", start="2015", end="2015").coverage == [round(184 / 365, 4)]


# --- the methodologist's cases (issue 25), hand-computed ------------------------------------


def test_a_source_without_coverage_is_unknown_and_keeps_a_covered_year_below_one(world):
    # KCNA read all of 2015; DNK (a6, 2018) has no coverage at all: unknown, counted as not
    # read. Before, 2015 read 1.0 "covered" over KCNA alone while the series held DNK.
    read("KCNA", "2015-01-01", "2015-12-31")
    result = series()
    assert result.coverage == [0.5, 0.0, 0.0, 0.0]  # 2015: (365 + 0) / (2 x 365)
    assert result.coverage_sources == {"recorded": ["KCNA"], "unknown": ["DNK"]}
    assert "over 2 source(s) in scope" in result.coverage_note and "unknown, counted as not read) for DNK" in result.coverage_note
    # 2016 a3; 2018 a4 and a6: never blanked; 2017 nothing and unread.
    assert result.values == {"all": [2, 1, None, 2]}
    assert result.flags() == ["read: partly", "read: not recorded", "read: not recorded", "read: not recorded"]
    assert result.to_json()["read"] == ["partly", "not recorded", "not recorded", "not recorded"]


def test_a_period_whose_tracked_sources_were_unread_keeps_another_sources_article(world):
    read("KCNA", "2015-01-01", "2015-12-31")
    read("DNK", "2015-01-01", "2015-12-31")
    # 2018: both sources tracked, neither read; a4 (KCNA) and a6 (DNK) are in it.
    result = series(start="2018", end="2018", source="DNK")
    assert (result.values, result.flags()) == ({"all": [1]}, ["read: not recorded"])
    # A filter nothing in the period meets: 0, not blank, since the period holds articles.
    result = series(start="2016", end="2017", source="KCNA", activity="facility")
    assert result.values == {"all": [0, None]}  # 2016 holds a3 (production); 2017 nothing


def test_a_partial_first_period_is_flagged_with_its_true_covered_share(world):
    # KCNA read January to June 2016; the series asks from June: 2016 is June 1 - Dec 31,
    # 214 days, of which June's 30 were read.
    read("KCNA", "2016-01-01", "2016-06-30")
    result = series(source="KCNA", start="2016-06", end="2016")
    assert result.periods == ["2016"] and result.partial == [True]
    assert result.coverage == [round(30 / 214, 4)]  # 0.1402, not 182/366
    # a3 is dated only to 2016: it may be before June, so it is left out, and said to be.
    assert result.values == {"all": [0]} and result.left_out == {"all": 1}
    assert result.to_csv().splitlines()[1] == "2016,all,0,partial period; read: partly"
    assert result.to_json()["flags"] == ["partial period; read: partly"]


def test_a_mid_month_start_reports_the_year_dated_article_in_left_out(world):
    # Before, a3 (2016, year) fell silently out of start=2016-03-15 with left_out 0.
    result = series(source="KCNA", start="2016-03-15", end="2016")
    assert (result.values, result.left_out, result.partial) == ({"all": [0]}, {"all": 1}, [True])
    assert "running past start or end" in result.left_out_text()
    # At the other end: a2 (2015-08, month) may be after August 15; a1 (March 10) counts.
    result = series(source="KCNA", start="2015", end="2015-08-15")
    assert (result.values, result.left_out, result.partial) == ({"all": [1]}, {"all": 1}, [True])
    # Whole periods cut nothing: a3 counts again.
    assert series(source="KCNA", start="2016", end="2016").values == {"all": [1]}
    assert series(source="KCNA", start="2016", end="2016").partial == [False]


def test_stories_per_all_are_divided_by_stories(world):
    from registry.models import Article, Story, StoryMember

    both = Story.objects.create(title="Machine factory built")
    StoryMember.objects.create(story=both, article=world["a1"])
    StoryMember.objects.create(story=both, article=world["a2"])
    Article.objects.create(source=world["a1"].source, published=D(2015, 5, 5), title="No claims", status="coded")
    # 2015, KCNA: 3 articles (a1, a2 one story; the claimless one its own): 2 stories.
    # Counted: the one story of a1 and a2. Stories per stories: 1/2, not 1/3.
    result = series(source="KCNA", start="2015", end="2015", metric="stories", per="all")
    assert (result.values, result.denominators) == ({"all": [0.5]}, [2])
    result = series(source="KCNA", start="2015", end="2015", metric="articles", per="all")
    assert (result.values, result.denominators) == ({"all": [round(2 / 3, 4)]}, [3])


def test_a_source_without_coverage_leaves_its_series_as_before(world):
    read("KCNA", "2015-01-01", "2015-12-31")
    result = series(source="DNK")
    assert result.coverage is None and result.values == {"all": [1]}  # a6, 2018


def test_quarterly_shares_count_days(world):
    read("KCNA", "2015-02-01", "2015-02-28")
    result = series(source="KCNA", interval="quarter", start="2015", end="2015")
    assert result.coverage == [round(28 / 90, 4), 0.0, 0.0, 0.0]
    # a1 (2015-03-10) is in the read quarter; a2 (August) in an unread one, kept and flagged.
    assert result.values == {"all": [1, None, 1, None]}


def test_period_bounds():
    assert period_bounds((2016, 1), "quarter") == (D(2016, 1, 1), D(2016, 3, 31))
    assert period_bounds((2016, 12), "month") == (D(2016, 12, 1), D(2016, 12, 31))
    assert period_bounds((2016, 2), "month") == (D(2016, 2, 1), D(2016, 2, 29))
    assert period_bounds((2016, 0), "year") == (D(2016, 1, 1), D(2016, 12, 31))


def test_api_json_is_null_csv_empty_and_the_shares_in_a_header(client, world):
    read("KCNA", "2015-01-01", "2015-12-31")
    data = client.get("/api/v1/timeseries/", {"source": "KCNA"}).json()
    assert data["values"] == {"all": [2, 1, None, 1]}
    assert data["coverage"] == [1.0, 0.0, 0.0, 0.0]
    response = client.get("/api/v1/timeseries/", {"source": "KCNA", "format": "csv"})
    assert response.content.decode().splitlines()[1:4] == ["2015,all,2,", "2016,all,1,read: not recorded", "2017,all,,read: not recorded"]
    assert response["X-Coverage"] == "coverage: 2015=1, 2016=0, 2017=0, 2018=0"


def test_command_prints_the_shares_on_stderr(world):
    read("KCNA", "2015-01-01", "2015-12-31")
    out, err = io.StringIO(), io.StringIO()
    call_command("export_timeseries", "--source", "KCNA", stdout=out, stderr=err)
    assert out.getvalue().splitlines()[1:4] == ["2015,all,2,", "2016,all,1,read: not recorded", "2017,all,,read: not recorded"]
    assert "coverage: 2015=1, 2016=0" in err.getvalue()


def test_compare_page_shows_an_unread_period_as_a_dash_and_a_gap(client, world):
    read("KCNA", "2015-01-01", "2015-12-31")
    page = client.get("/compare/", {"source": "KCNA"}).content.decode()
    assert "<td>—</td>" in page and 'id="coverage-note"' in page


# --- records -------------------------------------------------------------------------------


def test_the_database_refuses_an_end_before_the_start_and_a_partial_range_without_a_note(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        read("KCNA", "2015-12-31", "2015-01-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        read("KCNA", "2015-01-01", "2015-12-31", extent="partial")
    with pytest.raises(IntegrityError), transaction.atomic():
        read("KCNA", "2015-01-01", "2015-12-31", extent="mostly")


def test_csv_import_adds_ranges_once_and_names_every_bad_row(world):
    good = "source,start,end,extent,note\nKCNA,2015-01-01,2015-12-31,complete,\nRodong Sinmun,2016-01-01,2016-06-30,partial,p.1 only\n"
    assert coverage_import(data=good) == 2
    assert coverage_import(data=good) == 0  # re-importing adds nothing
    bad = ("source,start,end,extent,note\nKCNA,2017-01-01,2017-12-31,complete,\nNope,2015-01-01,2015-12-31,,\n"
           "KCNA,2015-13-01,2015-12-31,,\nKCNA,2015-02-01,2015-01-01,partial,\n")
    with pytest.raises(ImportFailed) as failed:
        coverage_import(data=bad)
    assert failed.value.errors == [
        "line 3: source: no source named 'Nope'",
        "line 4: start: '2015-13-01' is not a date (YYYY-MM-DD)",
        "line 5: note: a partial range needs a note saying what was read",
        "line 5: end: 2015-01-01 is before the start 2015-02-01",
    ]
    assert Coverage.objects.count() == 2  # the good 2017 row of the bad file was not written
    with pytest.raises(ImportFailed, match="header"):
        coverage_import(data="source,from,to\n")


def test_import_coverage_command(tmp_path, world):
    path = tmp_path / "coverage.csv"
    path.write_text("source,start,end\nKCNA,2015-01-01,2015-12-31\n")
    out = io.StringIO()
    call_command("import_coverage", str(path), stdout=out)
    assert out.getvalue().strip() == "1 coverage range(s) added"
    path.write_text("source,start,end\nKCNA,2015-01-01,x\n")
    with pytest.raises(CommandError, match="line 2: end"):
        call_command("import_coverage", str(path))


def test_a_coder_records_a_range_in_the_admin_and_a_viewer_may_not(client, world):
    coder = make_user("coder")
    make_user("viewer")
    kcna = Source.objects.get(short_name="KCNA")
    form = {"source": kcna.pk, "start": "2015-01-01", "end": "2015-12-31", "extent": "partial", "note": "", "read_by": coder.pk}
    client.login(username="coder", password=PASSWORD)
    response = client.post("/admin/registry/coverage/add/", form)
    assert response.status_code == 200 and "say what was read or skipped" in response.content.decode()
    response = client.post("/admin/registry/coverage/add/", {**form, "note": "pages 1-2"})
    assert response.status_code == 302
    row = Coverage.objects.get()
    assert (row.start, row.end, row.read_by) == (D(2015, 1, 1), D(2015, 12, 31), coder)
    assert row.history.get().history_user == coder
    client.logout()
    client.login(username="viewer", password=PASSWORD)
    assert client.get("/admin/registry/coverage/").status_code == 200
    assert client.post("/admin/registry/coverage/add/", {**form, "note": "x"}).status_code == 403
