"""Stories: articles reporting one event count once with metric=stories; likely reprints are
suggested. Hand-counted from timeseries_data plus a Rodong Sinmun reprint of a1."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from registry.models import Article, Claim, Source, Story, StoryMember
from registry.method.reprints import reprint_suggestions
from registry.series.timeseries import compute, parse_params

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
    from registry.importing.rows import ImportFailed
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


# --- the article admin: suggestions on save and on the page, one click to link --------------

def article_post(**fields):
    from .admin_support import management_form

    return {
        "source": Source.objects.get(short_name="RS").pk, "published": "2015-03-11", "precision": "day", "page": "",
        "title": "Machine factory is completed", "title_ko": "", "summary": "", "full_text": "", "notes": "", "url": "",
        "follow_up_of": "", "disclosure": "public", "status": "coded", **management_form("claims", total=1),
        "claims-0-enterprise": "", "claims-0-activity": "construction", "claims-0-code": "1", "claims-0-detail": "",
        "claims-0-quantity": "", "claims-0-unit": "", **fields,
    }


def link_url(article):
    return f"/admin/registry/article/{article.pk}/link-story/"


def test_saving_an_article_in_the_admin_suggests_its_reprints(client, world):
    make_user("coder")
    client.login(username="coder", password=PASSWORD)
    response = client.post("/admin/registry/article/add/", article_post(**{"claims-0-enterprise": world["S"].pk}), follow=True)
    assert response.status_code == 200
    saved = Article.objects.get(title="Machine factory is completed")
    shown = [str(m) for m in response.context["messages"]]
    # Other sources (KCNA) within 3 days on S's construction: a1 and same_source; RS's own are not.
    note = next(m for m in shown if "likely reprint" in m)
    assert note.startswith("2 likely reprint(s) in other sources (KCNA 2015-03-10, KCNA 2015-03-10)")
    assert f"/admin/registry/article/{saved.pk}/change/" in note
    # Nothing similar: no note.
    response = client.post("/admin/registry/article/add/", article_post(title="Coal output soars", **{"claims-0-enterprise": world["S"].pk}), follow=True)
    assert not [m for m in response.context["messages"] if "likely reprint" in str(m)]


def test_the_article_page_offers_one_click_links_only_to_who_may_link_and_only_visible_reprints(client, world):
    make_user("coder"), make_user("viewer")
    reviewer = make_user("reviewer")
    page = f"/admin/registry/article/{world['a1'].pk}/change/"
    client.login(username="coder", password=PASSWORD)
    html = client.get(page).content.decode()
    assert f'formaction="{link_url(world["a1"])}"' in html and f'name="reprint" value="{world["reprint"].pk}"' in html
    assert f"/admin/registry/article/{world['late'].pk}/change/" not in html  # 4 days: not a reprint
    assert f'name="reprint" value="{world["hidden"].pk}"' in html  # a coder sees restricted articles
    client.login(username="viewer", password=PASSWORD)
    html = client.get(page).content.decode()
    assert f"/admin/registry/article/{world['reprint'].pk}/change/" in html
    assert "formaction" not in html  # a viewer links nothing
    assert f"/admin/registry/article/{world['hidden'].pk}/change/" not in html  # nor sees the restricted one
    client.force_login(reviewer)
    assert f"/admin/registry/article/{world['hidden'].pk}/change/" in client.get(page).content.decode()


def test_one_click_links_the_reprint_as_one_story_through_the_service_with_history(client, world):
    coder = make_user("coder")
    client.login(username="coder", password=PASSWORD)
    params = {"regions": "Pyongyang", "activity": "construction", "start": "2015", "end": "2015"}
    assert stories(**params).values == {"Pyongyang": [5]}
    response = client.post(link_url(world["a1"]), {"reprint": world["reprint"].pk})
    assert response.status_code == 302 and response.url == f"/admin/registry/article/{world['a1'].pk}/change/"
    story = Story.objects.get()
    assert story.title == "Machine factory built"
    assert set(story.members.values_list("article_id", flat=True)) == {world["a1"].pk, world["reprint"].pk}
    assert stories(**params).values == {"Pyongyang": [4]}
    assert {h.history_user for h in StoryMember.history.all()} == {coder} and StoryMember.history.count() == 2
    assert Story.history.get().history_user == coder
    # Linked: no longer suggested on the page; another click joins the same story.
    html = client.get(f"/admin/registry/article/{world['a1'].pk}/change/").content.decode()
    assert f'name="reprint" value="{world["reprint"].pk}"' not in html
    client.post(link_url(world["reprint"]), {"reprint": world["same_source"].pk})
    assert Story.objects.count() == 1 and story.members.count() == 3


def test_linking_refuses_clearly_and_writes_nothing(client, world):
    make_user("viewer"), make_user("coder")
    client.login(username="viewer", password=PASSWORD)
    assert client.post(link_url(world["a1"]), {"reprint": world["reprint"].pk}).status_code == 403
    client.login(username="coder", password=PASSWORD)
    assert client.get(link_url(world["a1"])).status_code == 405
    for bad in ("", "x", "999999", world["a1"].pk):
        response = client.post(link_url(world["a1"]), {"reprint": bad})
        assert response.status_code in (400, 302), bad
    assert Story.objects.count() == 0 and StoryMember.objects.count() == 0
    # Two stories already: not merged by a click (the story page shows all of both).
    first, second = Story.objects.create(title="one"), Story.objects.create(title="two")
    StoryMember.objects.create(story=first, article=world["a1"])
    StoryMember.objects.create(story=second, article=world["reprint"])
    response = client.post(link_url(world["a1"]), {"reprint": world["reprint"].pk}, follow=True)
    assert any("merge them on a story's page" in str(m) for m in response.context["messages"])
    assert StoryMember.objects.get(article=world["reprint"]).story == second


def test_a_restricted_article_cannot_be_linked_by_who_may_not_see_it(client, world):
    from django.contrib.auth.models import Permission

    # A coder without view_restricted: the restricted reprint is a missing id to them.
    coder = make_user("coder")
    coder.groups.first().permissions.remove(Permission.objects.get(codename="view_restricted"))
    client.force_login(coder)
    hidden = client.post(link_url(world["a1"]), {"reprint": world["hidden"].pk})
    missing = client.post(link_url(world["a1"]), {"reprint": 999999})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.content.decode() == missing.content.decode()
    assert client.post(link_url(world["hidden"]), {"reprint": world["a1"].pk}).status_code == 404
    assert StoryMember.objects.count() == 0
