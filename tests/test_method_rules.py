"""The counting rules (registry/method/rules.py): each rule's worked example computed through
the series service (registry/series/timeseries.compute) on tests/timeseries_data.py's world, its
numbers counted by hand in the rule's example; and the list itself held to its promise: every
rule names a test that exists, and /method/ and /api/v1/method/ tell exactly these rules.

World (public unless said): a1 KCNA 2015-03-10 day (S construction 1; C production 5);
a2 KCNA 2015-08 month (C facility 2); a3 KCNA 2016 year (S production 3; H production 3);
a4 KCNA 2018-11-20 (C modernization 3; H operation 2); a5 KCNA 2018-05-02 restricted
(S facility 2); a6 DNK 2018-06-15 (C production 4); a7 KCNA 2018-07-01 draft (C production 1).
S Sadong (Pyongyang), C Chongjin (North Hamgyong), H North Hamgyong (province only)."""

import ast
import datetime
import html as html_module
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import translation

from registry.method import rules as method_rules
from registry.releases import provenance
from registry.models import Article, Coverage, Source, Story, StoryMember
from registry.series.timeseries import compute, parse_params

from .timeseries_data import build

pytestmark = pytest.mark.django_db
D = datetime.date
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world():
    return build()


def series(user=None, **params):
    return compute(parse_params(params), user=user)


def read(short_name, start, end):
    Coverage.objects.create(source=Source.objects.get(short_name=short_name), start=D.fromisoformat(start), end=D.fromisoformat(end))


# --- the list holds its promise ----------------------------------------------------------------


def test_every_rule_has_an_id_two_sentences_an_example_and_a_test_that_exists():
    ids = [rule.id for rule in method_rules.RULES]
    assert len(ids) == len(set(ids))
    for rule in method_rules.RULES:
        assert re.fullmatch(r"[a-z][a-z-]+", rule.id), rule.id
        assert rule.en.strip() and rule.ko.strip() and rule.example.strip(), rule.id
        assert re.search(r"[\uac00-\ud7a3]", rule.ko), f"{rule.id}: the Korean sentence has no Hangul"
        path, _, name = rule.test.partition("::")
        assert path.startswith("tests/test_") and path.endswith(".py") and name.startswith("test_"), rule.test
        file = ROOT / path
        if not file.exists():
            # A rule whose test comes with another branch's merge (pending_branch): its name
            # is checked, its file is required once the branch is merged (then the check below
            # runs). Any other rule's file must be here.
            assert rule.pending_branch, f"{rule.id}: {path} does not exist"
            continue
        functions = {n.name for n in ast.walk(ast.parse(file.read_text())) if isinstance(n, ast.FunctionDef)}
        assert name in functions, f"{rule.id}: no {name} in {path}"


def test_the_dated_attributes_rule_says_exactly_what_the_history_branch_computes():
    rule = method_rules.BY_ID["dated-attributes"]
    assert rule.en == (
        "A claim is counted under the grade, place, parent complex and industry its enterprise had on the claim's "
        "date: the article's date, or, for an article dated only to a month or a year, the first day of that month "
        "or year. With as_of=DATE every claim is counted under the values valid on that one day instead.")
    assert rule.ko == (
        "주장은 그 날짜(기사의 날짜, 월이나 연도까지만 알려진 기사는 그 달이나 그 해의 첫날)에 기업이 가졌던 등급, 위치, 소속 "
        "련합기업소, 업종으로 셉니다. as_of=날짜를 주면 모든 주장을 그 하루에 유효했던 값으로 셉니다.")
    assert rule.test == "tests/test_history.py::test_rule_dated_attributes"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_method_page_states_every_rule_and_no_other(client, language):
    html = client.get("/method/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'lang="{language}"' in html
    section = html.split('id="rules"', 1)[1].split("</dl>", 1)[0]
    # The sentences as a reader reads them (a Korean sentence's parameters are marked as code).
    text = html_module.unescape(re.sub(r"<[^>]+>", "", section))
    for rule in method_rules.RULES:
        sentence = rule.ko if language == "ko" else rule.en
        assert f'id="rule-{rule.id}"' in section
        assert sentence in text, rule.id
    # Every sentence in the section is a rule's: nothing stated beside the list.
    assert section.count('class="rule-sentence"') == len(method_rules.RULES)


def test_the_two_false_sentences_are_gone(client):
    html = client.get("/method/").content.decode()
    assert "counts in that month's or year's first day" not in html
    assert "Periods with nothing reported are shown as zero" not in html


def test_the_api_method_document_is_the_list(client):
    data = client.get("/api/v1/method/").json()
    assert [r["id"] for r in data["rules"]] == [r.id for r in method_rules.RULES]
    assert data["rules"][0] == {
        "id": "metric", "en": method_rules.RULES[0].en, "ko": method_rules.RULES[0].ko,
        "example": method_rules.RULES[0].example, "test": method_rules.RULES[0].test}
    assert {"scheme": "code", "value": "1", "label": "1 established fact"}.items() <= next(
        row for row in data["codebook"] if row["scheme"] == "code").items()


# --- each rule's worked example ----------------------------------------------------------------


def test_rule_metric(world):
    params = dict(regions="North Hamgyong", source="KCNA", start="2018", end="2018")
    assert series(**params).values == {"North Hamgyong": [1]}  # a4, two claims
    assert series(metric="claims", **params).values == {"North Hamgyong": [2]}
    assert series(metric="enterprises", **params).values == {"North Hamgyong": [2]}


def test_rule_containment(world):
    assert series(regions="Pyongyang", start="2015", end="2015").values == {"Pyongyang": [1]}  # a1, S in Sadong
    assert series(regions="Chongjin;North Hamgyong", start="2016", end="2016").values == {
        "Chongjin": [0], "North Hamgyong": [1]}  # a3: H is placed only in the province


def test_rule_codes_threshold(world):
    assert series(regions="Chongjin", start="2015", end="2015").values == {"Chongjin": [2]}
    assert series(regions="Chongjin", start="2015", end="2015", max_code="3").values == {"Chongjin": [1]}
    banded = series(regions="Chongjin", start="2015", end="2015", bands="yes").values
    assert banded == {"Chongjin ≤1": [0], "Chongjin ≤2": [1], "Chongjin ≤3": [1], "Chongjin ≤4": [1], "Chongjin ≤5": [2]}


def test_rule_public_view(world):
    assert series(regions="Pyongyang", start="2018", end="2018", activity="facility").values == {"Pyongyang": [0]}


def test_rule_signed_in_view(world):
    researcher = User.objects.create(username="researcher")
    researcher.user_permissions.add(Permission.objects.get(codename="view_restricted"))
    researcher = User.objects.get(pk=researcher.pk)
    params = dict(regions="Pyongyang", start="2018", end="2018", activity="facility")
    assert series(researcher, **params).values == {"Pyongyang": [1]}  # a5, restricted
    # The answer says whose view it is; the public's says public.
    assert provenance.live(researcher)["view"] == provenance.SIGNED_IN_VIEW
    assert "not reproducible from a release" in provenance.text(provenance.live(researcher))
    assert provenance.live(None)["view"] == provenance.PUBLIC_VIEW


def test_rule_date_precision(world):
    assert series(source="KCNA", start="2016", end="2016").values == {"all": [1]}
    quarterly = series(source="KCNA", start="2016", end="2016", interval="quarter")
    assert (quarterly.values, quarterly.left_out) == ({"all": [0, 0, 0, 0]}, {"all": 1})
    cut = series(source="KCNA", start="2016-03-15", end="2016")
    assert (cut.values, cut.left_out) == ({"all": [0]}, {"all": 1})


def test_rule_partial_periods(world):
    read("KCNA", "2016-01-01", "2016-06-30")
    result = series(source="KCNA", start="2016-06", end="2016")
    assert result.partial == [True] and result.coverage == [round(30 / 214, 4)] == [0.1402]
    assert result.flags() == ["partial period; read: partly"]
    assert result.to_csv().splitlines()[1].endswith(",partial period; read: partly")


def test_rule_zero_filled(world):
    assert series(regions="Pyongyang", start="2013", end="2016").values == {"Pyongyang": [0, 0, 1, 1]}


def test_rule_coverage_share(world):
    read("KCNA", "2015-01-01", "2015-12-31")
    result = series(start="2015", end="2015")
    assert result.coverage == [0.5]
    assert result.coverage_sources == {"recorded": ["KCNA"], "unknown": ["DNK"]}


def test_rule_coverage_never_hides(world):
    read("KCNA", "2015-01-01", "2015-12-31")
    result = series(source="KCNA")
    assert result.values == {"all": [2, 1, None, 1]}
    assert result.flags() == ["", "read: not recorded", "read: not recorded", "read: not recorded"]
    # Without any coverage recorded: every period counted, zeros included, and said.
    Coverage.objects.all().delete()
    result = series(source="KCNA")
    assert result.values == {"all": [2, 1, 0, 1]} and result.coverage is None and "no coverage recorded" in result.coverage_note


def _one_story_and_a_claimless_article(world):
    story = Story.objects.create(title="Machine factory built")
    StoryMember.objects.create(story=story, article=world["a1"])
    StoryMember.objects.create(story=story, article=world["a2"])
    Article.objects.create(source=world["a1"].source, published=D(2015, 5, 5), title="No claims", status="coded")


def test_rule_share_denominator(world):
    _one_story_and_a_claimless_article(world)
    params = dict(source="KCNA", start="2015", end="2015", per="all")
    assert series(metric="stories", **params).values == {"all": [0.5]}
    assert series(metric="articles", **params).values == {"all": [0.6667]}


def test_rule_stories(world):
    story = Story.objects.create(title="Machine factory built")
    StoryMember.objects.create(story=story, article=world["a1"])
    StoryMember.objects.create(story=story, article=world["a2"])
    assert series(source="KCNA", start="2015", end="2015").values == {"all": [2]}
    assert series(source="KCNA", start="2015", end="2015", metric="stories").values == {"all": [1]}
