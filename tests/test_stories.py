"""Stories: articles reporting one event count once with metric=stories; likely reprints are
suggested. Hand-counted from timeseries_data plus a Rodong Sinmun reprint of a1."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from registry.models import Article, Claim, Source, Story, StoryMember
from registry.reprints import reprint_suggestions
from registry.timeseries import compute, parse_params

from .admin_support import PASSWORD, make_user
from .timeseries_data import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    d = build()
    rs = Source.objects.get(short_name="RS")

    def article(title, date, source=rs, claims=(("S", "construction"),), **extra):
        a = Article.objects.create(source=source, published=datetime.date.fromisoformat(date), title=title, status="coded", **extra)
        for who, activity in claims:
            Claim.objects.create(article=a, enterprise=d[who], activity=activity, code=2)
        return a

    d["reprint"] = article("Machine factory is built", "2015-03-11")  # a1 is "Machine factory built", 2015-03-10
    d["late"] = article("Machine factory built", "2015-03-14")  # 4 days after a1
    d["other_unit"] = article("Machine factory built", "2015-03-10", claims=(("S", "production"),))
    d["unlike"] = article("Coal output soars in the north", "2015-03-09")
    d["same_source"] = article("Machine factory built anew", "2015-03-10", source=d["a1"].source)
    d["hidden"] = article("Machine factory built", "2015-03-12", disclosure="restricted")
    return d


def stories(**params):
    return compute(parse_params({"metric": "stories", **params}))


def test_two_linked_articles_count_once(world):
    params = {"regions": "Pyongyang", "activity": "construction", "start": "2015", "end": "2015"}
    # Public construction articles on S in 2015: a1, reprint, late, unlike, same_source (hidden is restricted).
    assert compute(parse_params({"metric": "articles", **params})).values == {"Pyongyang": [5]}
    assert stories(**params).values == {"Pyongyang": [5]}  # none linked yet: each its own story
    story = Story.objects.create(title="Sadong machine factory completed")
    StoryMember.objects.create(story=story, article=world["a1"])
    StoryMember.objects.create(story=story, article=world["reprint"])
    assert stories(**params).values == {"Pyongyang": [4]}
    assert compute(parse_params({"metric": "articles", **params})).values == {"Pyongyang": [5]}


def test_a_story_counts_once_in_each_period_it_reaches(world):
    story = Story.objects.create(title="x")
    StoryMember.objects.create(story=story, article=world["a1"])  # 2015
    StoryMember.objects.create(story=story, article=world["a3"])  # 2016
    result = stories(regions="Pyongyang", start="2015", end="2016")
    # Pyongyang (S) 2015: a1, reprint, late, other_unit, unlike, same_source -> 6 stories; 2016: a3.
    assert result.values == {"Pyongyang": [6, 1]}


def test_reprints_are_other_sources_within_three_days_same_unit_similar_headline(world):
    found = reprint_suggestions(articles=[world["a1"]], user=AnonymousUser())
    assert found == [world["reprint"]]


def test_a_restricted_reprint_is_suggested_only_to_who_may_see_it(world):
    reviewer = make_user("reviewer")
    found = reprint_suggestions(articles=[world["a1"]], user=reviewer)
    assert set(found) == {world["reprint"], world["hidden"]}
    assert world["hidden"] not in reprint_suggestions(articles=[world["a1"]], user=make_user("viewer"))


def test_the_story_page_suggests_reprints_to_link(client, world):
    make_user("coder")
    story = Story.objects.create(title="Sadong machine factory completed")
    StoryMember.objects.create(story=story, article=world["a1"])
    client.login(username="coder", password=PASSWORD)
    page = client.get(f"/admin/registry/story/{story.pk}/change/").content.decode()
    assert f"/admin/registry/article/{world['reprint'].pk}/change/" in page
    assert f"/admin/registry/article/{world['late'].pk}/change/" not in page


HEADER = "source,published,title,summary,enterprise,grade,kind,industry,location,activity,code,detail,quantity,unit"


def test_the_import_links_articles_of_one_story_and_counts_them_once(world):
    from registry.importing import ImportFailed
    from registry.services import claims_import

    rows = [
        "KCNA,2019-05-02,Kumsong tractor plant completes new line,,Kumsong Tractor Factory,,factory,,Nampo,construction,2,,,,Kumsong line",
        "RS,2019-05-03,금성뜨락또르공장 새 생산라인 준공,,Kumsong Tractor Factory,,factory,,Nampo,construction,2,,,,Kumsong line",
        "KCNA,2019-06-01,Other news,,Kumsong Tractor Factory,,factory,,Nampo,production,3,,,,",
    ]
    claims_import(data=HEADER + ",story\n" + "\n".join(rows) + "\n", accept_new=["Kumsong Tractor Factory"])
    story = Story.objects.get(title="Kumsong line")
    assert sorted(story.members.values_list("article__source__short_name", flat=True)) == ["KCNA", "RS"]
    assert stories(start="2019", end="2019").values == {"all": [2]}  # the linked two, and "Other news"
    assert compute(parse_params({"start": "2019", "end": "2019"})).values == {"all": [3]}
    clash = HEADER + ",story\n" + rows[0] + "\n" + rows[0].replace("Kumsong line", "Another") + "\n"
    with pytest.raises(ImportFailed, match="story"):
        claims_import(data=clash)
    # The plain header still imports.
    claims_import(data=HEADER + "\n" + rows[2].rsplit(",", 1)[0] + "\n")
