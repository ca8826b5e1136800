"""History that stays true: every count reads what the enterprise was on the claim's date
(models/history.py), the copies that let the series read it without a join are kept by the
database (registry/stored/copies.py) whatever the kind of write, and as_of=DATE|today reads one
day's values instead.

The world, counted by hand below. Enterprise E, "Hamhung Test Steel Works" (today: special
grade, in Hamhung, a unit of complex C), has periods:

| attribute | value | from | to |
| grade | 1st | … | 2018-06 (ends 2018-06-30) |
| grade | special | 2018-07 (2018-07-01) | … |
| place | Chongjin | … | 2019-03 (2019-03-31) |
| place | Hamhung | 2019-04 | … |
| parent | none | … | 2019 (2019-12-31) |
| parent | C | 2020 | … |

F, "Pyongyang Control Factory", 2nd grade in Sadong (Pyongyang), has none. Every article
is KCNA, public and coded, with one claim of E (and F where named):

| article | date (precision) | counted on | E's grade, place, parent then | F |
| A1 | 2017-05-10 (day) | 2017-05-10 | 1st, Chongjin, none | F |
| A2 | 2018 (year) | 2018-01-01 | 1st, Chongjin, none | |
| A3 | 2018-09 (month) | 2018-09-01 | special, Chongjin, none | |
| A4 | 2019-02-15 (day) | 2019-02-15 | special, Chongjin, none | |
| A7 | 2019 (year) | 2019-01-01 | special, Chongjin, none | |
| A5 | 2019-06 (month) | 2019-06-01 | special, Hamhung, none | F |
| A8 | 2020 (year) | 2020-01-01 | special, Hamhung, C | |
| A6 | 2020-03-03 (day) | 2020-03-03 | special, Hamhung, C | |
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from registry.stored import evidence
from registry.series import timeseries
from registry.models import Article, AttributePeriod, Claim, Enterprise, Industry, Location, Source
from registry.services import article_restore, article_save, claim_delete, claim_save, enterprise_merge, record_save
from tests.api_data import user_with

pytestmark = pytest.mark.django_db

D = datetime.date


def place(slug):
    return Location.objects.get(slug=slug)


@pytest.fixture
def w():
    kcna = Source.objects.get(short_name="KCNA")
    steel = Industry.objects.get(slug="iron-and-steel")
    c = Enterprise.objects.create(name="Test Steel Complex", grade="special", kind="complex", location=place("hamhung"), industry=steel)
    e = Enterprise.objects.create(
        name="Hamhung Test Steel Works", grade="special", kind="factory", location=place("hamhung"), industry=steel, parent=c,
    )
    f = Enterprise.objects.create(name="Pyongyang Control Factory", grade="2", kind="factory", location=place("sadong"), industry=steel)
    periods = [
        dict(attribute="grade", value="1", valid_to=D(2018, 6, 30), valid_to_precision="month"),
        dict(attribute="grade", value="special", valid_from=D(2018, 7, 1), valid_from_precision="month"),
        dict(attribute="place", location=place("chongjin"), valid_to=D(2019, 3, 31), valid_to_precision="month"),
        dict(attribute="place", location=place("hamhung"), valid_from=D(2019, 4, 1), valid_from_precision="month"),
        dict(attribute="parent", parent=None, valid_to=D(2019, 12, 31), valid_to_precision="year"),
        dict(attribute="parent", parent=c, valid_from=D(2020, 1, 1), valid_from_precision="year", source="Yearbook 2021"),
    ]
    for period in periods:
        AttributePeriod.objects.create(enterprise=e, **period)
    articles = {}
    for name, day, precision, with_f in [
        ("A1", D(2017, 5, 10), "day", True), ("A2", D(2018, 1, 1), "year", False), ("A3", D(2018, 9, 1), "month", False),
        ("A4", D(2019, 2, 15), "day", False), ("A7", D(2019, 1, 1), "year", False), ("A5", D(2019, 6, 1), "month", True),
        ("A8", D(2020, 1, 1), "year", False), ("A6", D(2020, 3, 3), "day", False),
    ]:
        article = Article.objects.create(source=kcna, published=day, precision=precision, title=f"{name} report", status="coded")
        Claim.objects.create(article=article, enterprise=e, activity="production", code=3)
        if with_f:
            Claim.objects.create(article=article, enterprise=f, activity="production", code=3)
        articles[name] = article
    return type("World", (), {"c": c, "e": e, "f": f, "articles": articles, "kcna": kcna})


def series(params, user=None):
    result = timeseries.compute(timeseries.parse_params({"metric": "claims", **params}), user=user or AnonymousUser())
    return result


def values(params, user=None):
    result = series(params, user)
    return {group: dict(zip(result.periods, row)) for group, row in result.values.items() if any(row)}


def consistent():
    assert evidence.claim_differences() == []
    assert evidence.differences() == []


YEARS = {"start": "2017", "end": "2020"}


def test_rule_dated_attributes(w):
    """The method's rule (dated-attributes): each claim under the grade its enterprise had on
    the claim's date, a year- or month-dated article on the first day of its period."""
    # A2 (2018, read as 2018-01-01) counts under 1st grade though E became special in
    # 2018-07; A3 (2018-09) under special.
    assert values({"group_by": "grade", **YEARS}) == {
        "special": {"2017": 0, "2018": 1, "2019": 3, "2020": 2},
        "1st grade": {"2017": 1, "2018": 1, "2019": 0, "2020": 0},
        "2nd grade": {"2017": 1, "2018": 0, "2019": 1, "2020": 0},
    }
    # as_of=today: every claim under today's grade, the behaviour before dated attributes.
    assert values({"group_by": "grade", "as_of": "today", **YEARS}) == {
        "special": {"2017": 1, "2018": 2, "2019": 3, "2020": 2},
        "2nd grade": {"2017": 1, "2018": 0, "2019": 1, "2020": 0},
    }


def test_by_grade_in_quarters_and_months_leaves_out_the_coarser_dates(w):
    quarterly = series({"group_by": "grade", "interval": "quarter", "start": "2017", "end": "2020"})
    got = {g: {p: v for p, v in zip(quarterly.periods, row) if v} for g, row in quarterly.values.items()}
    assert got["special"] == {"2018-Q3": 1, "2019-Q1": 1, "2019-Q2": 1, "2020-Q1": 1}
    assert got["1st grade"] == {"2017-Q2": 1}
    assert got["2nd grade"] == {"2017-Q2": 1, "2019-Q2": 1}
    # A2 (1st grade then), A7 and A8 (special then) are dated to a year only.
    assert quarterly.left_out["1st grade"] == 1 and quarterly.left_out["special"] == 2
    monthly = series({"group_by": "grade", "interval": "month", "start": "2017", "end": "2020"})
    got = {g: {p: v for p, v in zip(monthly.periods, row) if v} for g, row in monthly.values.items()}
    assert got["special"] == {"2018-09": 1, "2019-02": 1, "2019-06": 1, "2020-03": 1}
    assert got["1st grade"] == {"2017-05": 1}
    assert monthly.left_out["special"] == 2


def test_by_region_and_compared_places(w):
    by_region = values({"group_by": "region", **YEARS})
    assert by_region == {
        "North Hamgyong": {"2017": 1, "2018": 2, "2019": 2, "2020": 0},
        "South Hamgyong": {"2017": 0, "2018": 0, "2019": 1, "2020": 2},
        "Pyongyang": {"2017": 1, "2018": 0, "2019": 1, "2020": 0},
    }
    compared = values({"regions": "Chongjin;Hamhung", **YEARS})
    assert compared == {"Chongjin": {"2017": 1, "2018": 2, "2019": 2, "2020": 0}, "Hamhung": {"2017": 0, "2018": 0, "2019": 1, "2020": 2}}
    # Monthly: A4 (2019-02-15) still in Chongjin, A5 (2019-06) in Hamhung.
    monthly = values({"regions": "Chongjin;Hamhung", "interval": "month", "start": "2019-01", "end": "2019-06"})
    assert monthly["Chongjin"]["2019-02"] == 1 and monthly["Hamhung"]["2019-06"] == 1
    assert "Hamhung" not in values({"regions": "Hamhung", "start": "2017", "end": "2018"})
    # as_of=today: everything of E in Hamhung.
    assert values({"regions": "Chongjin;Hamhung", "as_of": "today", **YEARS}) == {"Hamhung": {"2017": 1, "2018": 2, "2019": 3, "2020": 2}}
    # And as of one day in the past (a place period covering it): everything in Chongjin.
    assert values({"regions": "Chongjin;Hamhung", "as_of": "2018-05-01", **YEARS}) == {"Chongjin": {"2017": 1, "2018": 2, "2019": 3, "2020": 2}}
    assert values({"group_by": "region", "as_of": "2018-05-01", **YEARS})["North Hamgyong"] == {"2017": 1, "2018": 2, "2019": 3, "2020": 2}


def test_by_parent(w):
    # Units of C: E only from 2020 (A8 read as 2020-01-01, A6).
    assert values({"parent": str(w.c.pk), **YEARS}) == {"all": {"2017": 0, "2018": 0, "2019": 0, "2020": 2}}
    assert values({"parent": str(w.c.pk), "as_of": "today", **YEARS}) == {"all": {"2017": 1, "2018": 2, "2019": 3, "2020": 2}}
    quarterly = series({"parent": str(w.c.pk), "interval": "quarter", "start": "2020", "end": "2020"})
    assert quarterly.values["all"] == [1, 0, 0, 0] and quarterly.left_out["all"] == 1


def test_as_of_today_equals_the_enterprises_as_they_are(w):
    """With as_of=today every series is what it was before dated attributes: the periods
    deleted, the dated series equals the as_of=today one, for every grouping."""
    groupings = [{"group_by": "grade"}, {"group_by": "tier"}, {"group_by": "region"}, {"group_by": "industry"},
                 {"regions": "Chongjin;Hamhung;Pyongyang"}, {"parent": str(w.c.pk)}]
    today = [series({**g, **YEARS, "as_of": "today"}).values for g in groupings]
    AttributePeriod.objects.all().delete()
    consistent()
    assert [series({**g, **YEARS}).values for g in groupings] == today


def test_the_answer_says_which_rule_it_used(w):
    assert series(YEARS).to_json()["attributes"] == "each claim counted under what its enterprise was on the claim's date"
    answer = series({**YEARS, "as_of": "2019-05-01"}).to_json()
    assert answer["as_of"] == "2019-05-01" and "2019-05-01" in answer["attributes"]


def test_a_gap_is_unknown_not_todays_value(w):
    # Grade periods end 2018-06 and start again 2019: a claim of 2018-09 has no grade then.
    AttributePeriod.objects.filter(enterprise=w.e, attribute="grade", value="special").update(valid_from=D(2019, 1, 1))
    assert Claim.objects.get(article=w.articles["A3"]).enterprise_grade == "unknown"
    consistent()


def test_an_unknown_as_of_is_a_clear_error(w):
    with pytest.raises(timeseries.ParameterError) as error:
        timeseries.parse_params({"as_of": "yesterday"})
    assert error.value.param == "as_of" and "today" in error.value.message


def test_the_api_and_the_command_take_as_of(w, client, capsys):
    answer = client.get("/api/v1/timeseries/", {"group_by": "grade", "metric": "claims", "as_of": "today", **YEARS}).json()
    assert answer["values"]["special"] == [1, 2, 3, 2] and answer["as_of"] == datetime.date.today().isoformat()
    dated = client.get("/api/v1/timeseries/", {"group_by": "grade", "metric": "claims", **YEARS}).json()
    assert dated["values"]["special"] == [0, 1, 3, 2] and dated["as_of"] is None
    call_command("export_timeseries", "--group-by", "grade", "--metric", "claims", "--start", "2017", "--end", "2020", "--as-of", "today")
    out = capsys.readouterr().out
    assert "2018,special,2" in out
    page = client.get("/map/", {"as_of": "2018-05-01", "format": "csv"})
    assert page.status_code == 200


# --- every kind of write keeps the copies ---------------------------------------------------


def test_every_kind_of_write_keeps_the_copies(w):
    """Stored equal to computed after each kind of write, with no call to any rebuild."""
    reviewer = user_with("rita", "view_restricted", "review_article", "change_article", "add_claim", "change_claim", "delete_claim", "change_enterprise")
    consistent()
    a1, a3 = w.articles["A1"], w.articles["A3"]
    # queryset.update() of an article's status and disclosure (the bug: a draft's claims
    # stayed uncounted until rebuild_evidence).
    Article.objects.filter(pk=a3.pk).update(status="draft")
    assert Claim.objects.get(article=a3).public_published is None
    consistent()
    Article.objects.filter(pk=a3.pk).update(status="coded")
    assert Claim.objects.get(article=a3).public_published == D(2018, 9, 1)
    Article.objects.filter(pk=a1.pk).update(disclosure="restricted")
    assert Enterprise.objects.get(pk=w.f.pk).public_first_seen == D(2019, 6, 1)
    consistent()
    Article.objects.filter(pk=a1.pk).update(disclosure="public", published=D(2017, 5, 11))
    assert Enterprise.objects.get(pk=w.f.pk).public_first_seen == D(2017, 5, 11)
    consistent()
    # queryset.update() of an enterprise's grade and place (F has no periods: its plain
    # fields are its values on every date).
    Enterprise.objects.filter(pk=w.f.pk).update(grade="3", location=place("chongjin"))
    assert set(Claim.objects.filter(enterprise=w.f).values_list("enterprise_grade", "enterprise_region")) == {("3", place("north-hamgyong").pk)}
    assert Enterprise.objects.get(pk=w.f.pk).region_id == place("north-hamgyong").pk
    consistent()
    # save() through the services.
    article = Article.objects.get(pk=a3.pk)
    article.published = D(2018, 5, 1)
    article_save(article=article, user=reviewer)
    assert Claim.objects.get(article=a3).enterprise_grade == "1"  # before the promotion now
    consistent()
    # bulk_create of claims, and raw SQL.
    Claim.objects.bulk_create([Claim(article=w.articles["A4"], enterprise=w.f, activity="operation", code=3)])
    consistent()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_article SET status = 'draft' WHERE id = %s", [w.articles["A6"].pk])
        cursor.execute(
            "INSERT INTO registry_claim (article_id, enterprise_id, activity, code, detail, unit, created_at) "
            "VALUES (%s, %s, 'technology', 4, '', '', %s)", [w.articles["A8"].pk, w.f.pk, datetime.datetime(2026, 1, 1)],
        )
    consistent()
    # A migration's data step: the historical models, with none of the live models' code.
    apps = MigrationExecutor(connection).loader.project_state().apps
    apps.get_model("registry", "Article").objects.filter(pk=w.articles["A6"].pk).update(status="reviewed")
    apps.get_model("registry", "Enterprise").objects.filter(pk=w.f.pk).update(grade="local")
    consistent()
    # An attribute period added, changed, deleted.
    period = AttributePeriod.objects.create(enterprise=w.f, attribute="grade", value="1", valid_to=D(2018, 12, 31))
    consistent()
    AttributePeriod.objects.filter(pk=period.pk).update(valid_to=D(2019, 12, 31))
    assert Claim.objects.get(article=w.articles["A5"], enterprise=w.f).enterprise_grade == "1"
    consistent()
    period.delete()
    consistent()
    # A claim moved to another enterprise, a claim deleted, through the services.
    claim = Claim.objects.get(article=w.articles["A2"])
    claim.enterprise = w.f
    claim_save(claim=claim, user=reviewer)
    consistent()
    claim_delete(claim=Claim.objects.get(article=w.articles["A2"]), user=reviewer)
    consistent()
    # A place moved in the tree: Hamhung under North Hamgyong (its enterprises and claims follow).
    hamhung = place("hamhung")
    hamhung.parent = place("north-hamgyong")
    record_save(instance=hamhung, user=reviewer)
    assert Enterprise.objects.get(pk=w.e.pk).region_id == place("north-hamgyong").pk
    consistent()
    # A merge: F absorbed into the complex's unit E.
    enterprise_merge(keep=Enterprise.objects.get(pk=w.e.pk), absorb=Enterprise.objects.get(pk=w.f.pk), user=reviewer)
    consistent()


def test_a_restore_keeps_the_copies(w):
    reviewer = user_with("rita", "view_restricted", "review_article", "change_article", "add_claim", "change_claim", "delete_claim")
    article = Article.objects.get(pk=w.articles["A3"].pk)
    article.title = "A3 report, edited"
    article_save(article=article, user=reviewer)
    article = Article.objects.get(pk=w.articles["A3"].pk)
    article.status = "draft"
    article_save(article=article, user=reviewer)
    assert Claim.objects.get(article=article).public_published is None
    first = article.history.order_by("history_date").first()
    restored = first.instance
    restored.version = Article.objects.get(pk=article.pk).version
    article_restore(article=restored, history_id=first.history_id, user=reviewer)
    assert Claim.objects.get(article=article).public_published == D(2018, 9, 1)
    consistent()


def test_every_copy_trigger_is_installed():
    from registry.stored import copies

    names = copies.installed()
    expected = [n for n, *_ in (copies._postgresql_statements(connection) if connection.vendor == "postgresql" else copies._sqlite_statements(connection))]
    assert names == sorted(f"{copies.PREFIX}_{n}" for n in expected)


def test_rebuild_recomputes_every_copy_the_way_the_triggers_do(w):
    """rebuild_evidence (one joined pass) and the triggers (per row) give the same copies:
    every copy spoilt by a raw write to the derived columns, then rebuilt."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_claim SET public_published = NULL, enterprise_grade = 'local', enterprise_region = NULL, "
            "enterprise_place_id = NULL, enterprise_industry_id = NULL, enterprise_parent_id = NULL"
        )
        cursor.execute("UPDATE registry_enterprise SET public_claim_count = 99, public_listed = FALSE")
    assert evidence.claim_differences() and evidence.differences()
    call_command("rebuild_evidence")
    consistent()
    call_command("rebuild_evidence", "--check")
