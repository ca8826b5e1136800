"""The article form: an article and its claims entered in one go, as a coder does all day."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.admin.articles import ArticleAdmin
from registry.models import Article, Enterprise, EnterpriseAlias

from .admin_support import make_article, make_enterprise, make_user, management_form, place, source

pytestmark = pytest.mark.django_db

ADD = reverse("admin:registry_article_add")
CHANGELIST = reverse("admin:registry_article_changelist")


@pytest.fixture
def kim_chaek():
    return make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))


@pytest.fixture
def musan():
    return make_enterprise("Musan Mining Complex", kind="mine")


def article_post(claims=(), **fields):
    data = {
        "source": source().pk, "published": "2019-04-15", "precision": "day", "page": "2",
        "title": "Oxygen furnace completed", "title_ko": "", "summary": "A furnace was completed.",
        "full_text": "", "notes": "", "url": "", "follow_up_of": "", "disclosure": "public", "status": "coded",
        **management_form("claims", total=len(claims)),
    }
    for i, claim in enumerate(claims):
        for field in ("enterprise", "activity", "code", "detail", "quantity", "unit"):
            data[f"claims-{i}-{field}"] = claim.get(field, "")
    data.update(fields)
    return data


def test_a_coder_saves_an_article_with_two_claims(client, coder, kim_chaek, musan):
    response = client.post(ADD, article_post([
        {"enterprise": kim_chaek.pk, "activity": "facility", "code": "2", "detail": "new oxygen furnace"},
        {"enterprise": musan.pk, "activity": "production", "code": "5", "quantity": "5000000", "unit": "t"},
    ]))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    article = Article.objects.get(title="Oxygen furnace completed")
    assert (article.status, article.coded_by, article.reviewed_by) == ("coded", coder, None)
    claims = {(c.enterprise.name, c.activity, c.code, c.quantity) for c in article.claims.all()}
    assert claims == {
        ("Kim Chaek Iron and Steel Complex", "facility", 2, None),
        ("Musan Mining Complex", "production", 5, 5000000),
    }
    # Every row carries its author in the history.
    assert article.history.get().history_user == coder
    assert {c.history.get().history_user for c in article.claims.all()} == {coder}


def test_a_code_out_of_range_is_refused_with_a_message(client, coder, kim_chaek):
    response = client.post(ADD, article_post([{"enterprise": kim_chaek.pk, "activity": "facility", "code": "7"}]))
    assert response.status_code == 200
    assert "The reliability code is a number from 1 to 5 (7 is not)." in response.content.decode()
    assert not Article.objects.exists()


def test_a_draft_belongs_to_whoever_started_it(client, coder):
    # Its coder is who may see a draft besides reviewers and admins (visibility.visible_articles).
    client.post(ADD, article_post(status="draft"))
    article = Article.objects.get()
    assert (article.status, article.coded_by) == ("draft", coder)
    data = article_post(status="coded", opened_version=article.version)
    response = client.post(reverse("admin:registry_article_change", args=[article.pk]), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.coded_by) == ("coded", coder)


def test_save_and_add_another_keeps_source_and_date(client, coder):
    response = client.post(ADD, article_post(published="2019-04", _addanother="1"))
    assert response.status_code == 302
    assert response.url.startswith(ADD + "?")
    form = client.get(response.url).context["adminform"].form
    assert form.initial["source"] == str(source().pk)
    assert (form.initial["published"], form.initial["precision"]) == ("2019-04-01", "month")
    assert 'name="published" value="2019-04"' in client.get(response.url).content.decode()
    assert "title" not in form.initial


def test_the_code_choice_shows_the_codebook_and_the_suggestion(client, coder):
    page = client.get(ADD).content.decode()
    assert "1 established fact" in page and "5 production claim" in page
    assert "data-suggested-codes" in page and '&quot;production&quot;: 5' in page
    assert "registry/claim_codes.js" in page


def autocomplete(client, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "registry", "model_name": "claim", "field_name": "enterprise", "term": term},
    )
    assert response.status_code == 200
    names = dict(Enterprise.objects.values_list("pk", "name"))
    return sorted(names[int(r["id"])] for r in response.json()["results"])


def test_the_enterprise_autocomplete_finds_any_spelling(client, coder, kim_chaek, musan):
    kim_chaek.hangul = "김책제철연합기업소"
    kim_chaek.save()
    bag = make_enterprise("Chongjin Bag Factory", kind="factory", grade="local")
    EnterpriseAlias.objects.create(enterprise=musan, name="Musan Mine")
    assert autocomplete(client, "kim chaek iron & steel") == [kim_chaek.name]
    assert autocomplete(client, "Kimchaek") == [kim_chaek.name]
    assert autocomplete(client, "김책") == [kim_chaek.name]
    assert autocomplete(client, "musan mine") == [musan.name]  # the alias
    # Revised Romanization and Hangul of the place, through the place's names.
    assert autocomplete(client, "Cheongjin Bag") == [bag.name]
    assert autocomplete(client, "청진 bag factory") == [bag.name]
    # The place's name alone also finds what lies in it (the one search: q=함흥 finds Hamhung's).
    assert set(autocomplete(client, "Ch'ŏngjin")) == {bag.name, kim_chaek.name}


def test_a_viewer_sees_no_restricted_article_or_field(client):
    make_article("Public report")
    make_article("Internal report", disclosure="restricted", full_text="secret text")
    client.force_login(make_user("viewer"))
    page = client.get(CHANGELIST).content.decode()
    assert "Public report" in page and "Internal report" not in page
    public = Article.objects.get(title="Public report")
    form_page = client.get(reverse("admin:registry_article_change", args=[public.pk])).content.decode()
    assert "full_text" not in form_page
    assert client.post(ADD, article_post()).status_code == 403


def changelist_queries(client, rows, url=CHANGELIST):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows
    return len(queries)


@pytest.mark.parametrize("rows", [5, 50])
def test_the_article_list_costs_the_same_for_5_and_50_rows(client, coder, kim_chaek, rows):
    for i in range(rows):
        make_article(f"Report {i}", published=datetime.date(2019, 1, 1) + datetime.timedelta(days=i),
                     coded_by=coder, claims=[(kim_chaek, "production", 5)])
    # session, user, user's and group permissions, the filters' choices (coders, sources),
    # count (on PostgreSQL: the estimate with the count as fallback, one statement), page,
    # the date hierarchy's first/last date and its dates, the inbox's count (uncoded drafts).
    assert changelist_queries(client, rows) == 11
    # Searched: the same, and the enterprise search's two place lookups (the place names in
    # the text, the place so named: EnterpriseQuerySet.search, whose enterprises find their
    # articles). How many match up to RANKED_MATCHES (narrow or broad: the plan) is asked of
    # the rows listed (the blind-coding condition counted with the search), and that one
    # query is the paginator's capped count (infra/paging.py).
    assert changelist_queries(client, rows, CHANGELIST + "?status__exact=coded&q=Report") == 11 + 2


def test_the_list_filters_by_status_coder_and_source(client, coder, kim_chaek):
    other = make_user("coder", username="other")
    make_article("Mine", coded_by=coder, status="coded")
    make_article("Theirs", coded_by=other, status="reviewed", source=source("RS"))

    def titles(query):
        return sorted(a.title for a in client.get(CHANGELIST + query).context["cl"].result_list)

    assert titles(f"?coded_by__id__exact={coder.pk}") == ["Mine"]
    assert titles("?status__exact=reviewed") == ["Theirs"]
    assert titles(f"?source__id__exact={source('RS').pk}") == ["Theirs"]
    assert titles("?published__year=2019") == ["Mine", "Theirs"]


def test_the_list_search_matches_words_and_their_beginnings_or_an_address(client, coder):
    make_article("Oxygen furnace completed at Kim Chaek", summary="A new oxygen furnace.")
    make_article("Workers of Musan hold meeting", summary="Miners of the Musan Mine met.", url="https://kcna.kp/a/1")
    make_article("Oxygenated water plant", summary="")

    def titles(term):
        response = client.get(CHANGELIST, {"q": term})
        return sorted(a.title for a in response.context["cl"].result_list)

    assert titles("oxygen furnace") == ["Oxygen furnace completed at Kim Chaek"]
    assert titles("Oxyg") == ["Oxygen furnace completed at Kim Chaek", "Oxygenated water plant"]
    assert titles("miners") == ["Workers of Musan hold meeting"]  # the summary counts
    assert titles("urnace") == []  # words, not any substring: the index serves word beginnings
    assert titles("https://kcna.kp/a/1") == ["Workers of Musan hold meeting"]


def test_the_list_counts_exactly_when_filtered_or_small(monkeypatch):
    from registry.admin import common

    for i in range(7):
        make_article(f"Report {i}", status="coded" if i < 3 else "draft")
    assert common.ChangeListPaginator(Article.objects.all(), 5).count == 7
    assert common.ChangeListPaginator(Article.objects.filter(status="coded"), 5).count == 3
    if connection.vendor == "postgresql":
        # Above the threshold an unfiltered list takes the planner's estimate instead.
        monkeypatch.setattr(common, "ESTIMATE_ABOVE", -2)
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = 'registry_article'::regclass")
            estimate = cursor.fetchone()[0]
        assert common.ChangeListPaginator(Article.objects.all(), 5).count == estimate
        assert common.ChangeListPaginator(Article.objects.filter(status="coded"), 5).count == 3


def test_a_missing_enterprise_is_created_in_a_popup_with_the_same_checks(client, coder, kim_chaek):
    from .test_admin_enterprises import enterprise_post

    page = client.get(ADD).content.decode()
    assert 'id="add_id_claims-0-enterprise"' in page  # the "+" beside the autocomplete
    popup = reverse("admin:registry_enterprise_add") + "?_to_field=id&_popup=1"
    refused = client.post(popup, {**enterprise_post("Kimchaek Iron & Steel Works"), "_popup": "1"})
    # the same name after folding, the existing one placed nowhere: refused outright
    assert "already recorded in the same place (or with no place): Kim Chaek Iron and Steel Complex" in refused.content.decode()
    refused = client.post(popup, {**enterprise_post("Kim Chaek Iron and Steel Complx"), "_popup": "1"})
    assert "Possible duplicate of: Kim Chaek Iron and Steel Complex" in refused.content.decode()
    created = client.post(popup, {**enterprise_post("Chongjin Bag Factory", kind="factory"), "_popup": "1"})
    assert created.status_code == 200
    assert "popup_response" in created.templates[0].name
    assert Enterprise.objects.filter(name="Chongjin Bag Factory").exists()


def test_the_date_hierarchy_years_come_from_the_index_and_match_distinct_years(client, coder):
    rows = ((2003, 3, "coded"), (2003, 9, "coded"), (2010, 6, "draft"), (2017, 6, "reviewed"))
    for year, month, status in rows:
        make_article(f"Report {year}-{month}", published=datetime.date(year, month, 1), coded_by=coder, status=status)
    distinct = sorted({d.year for d in Article.objects.values_list("published", flat=True)})
    assert [d.year for d in Article.objects.years_from_index().dates("published", "year")] == distinct == [2003, 2010, 2017]
    # What the public may see: the draft's year is not offered.
    public = Article.objects.years_from_index().public()
    assert [d.year for d in public.dates("published", "year", order="DESC")] == [2017, 2003]
    client.force_login(coder)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(CHANGELIST).content.decode()
    assert all(f"published__year={y}" in page for y in (2003, 2010, 2017))
    assert not any("DISTINCT" in q["sql"] and "registry_article" in q["sql"] for q in queries.captured_queries)
    # Searched, Django's DISTINCT over the matches gives the same years.
    page = client.get(CHANGELIST + "?q=Report").content.decode()
    assert all(f"published__year={y}" in page for y in (2003, 2010, 2017))


def test_a_broad_search_lists_the_same_rows_newest_first_with_the_same_years(client, coder, monkeypatch):
    """Past RANKED_MATCHES matches the list is planned differently on PostgreSQL (a walk of
    the date index, VectorMatch) and its years come from per-year probes: the same rows, in
    the same order, and the same years as a narrow search gives."""
    from registry.models import articles

    for year, month in ((2003, 3), (2003, 9), (2010, 6), (2017, 6)):
        make_article(f"Steel report {year}-{month}", published=datetime.date(year, month, 1), coded_by=coder)
    make_article("Cement report", published=datetime.date(2012, 1, 1), coded_by=coder)
    client.force_login(coder)

    def listed():
        response = client.get(CHANGELIST, {"q": "steel"})
        page = response.content.decode()
        return [a.title for a in response.context["cl"].result_list], [y for y in range(2000, 2020) if f"published__year={y}" in page]

    narrow = listed()
    assert narrow == (["Steel report 2017-6", "Steel report 2010-6", "Steel report 2003-9", "Steel report 2003-3"], [2003, 2010, 2017])
    monkeypatch.setattr(articles, "RANKED_MATCHES", 2)
    with CaptureQueriesContext(connection) as queries:
        assert listed() == narrow
    if connection.vendor == "postgresql":
        sql = [q["sql"] for q in queries.captured_queries if "search_vector" in q["sql"]]
        assert any("ts_match_vq" in q and "LIMIT" in q for q in sql)  # the page, walking the dates
        assert any(q.startswith("SELECT COUNT(*)") and "ts_match_vq" not in q for q in sql)  # counts: the index


def test_a_list_is_counted_up_to_the_cap_and_says_so(client, coder, monkeypatch):
    """The admin counts as the API does (infra/paging.py): exactly up to the cap, beyond
    it the cap shown as "4+"; paging goes on past it. Another coder's drafts, which this
    coder may not see, are never counted."""
    from registry.admin import common

    other = make_user("coder", username="other")
    for i in range(6):
        make_article(f"Report {i}", published=datetime.date(2019, 1, 1) + datetime.timedelta(days=i))
    for i in range(3):
        make_article(f"Draft {i}", status="draft", coded_by=other)
    monkeypatch.setattr(common.ChangeListPaginator, "cap", 10)
    monkeypatch.setattr(settings, "REGISTRY_COUNT_BUDGET_MS", 0)  # capped counts only
    page = client.get(CHANGELIST + "?status__exact=coded")
    assert page.context["cl"].result_count == 6 and "6 articles" in page.content.decode()
    page = client.get(CHANGELIST, {"q": "report"})
    assert "6 results" in page.content.decode()

    monkeypatch.setattr(common.ChangeListPaginator, "cap", 4)
    monkeypatch.setattr(settings, "REGISTRY_COUNT_BUDGET_MS", 0)  # capped counts only
    monkeypatch.setattr(ArticleAdmin, "list_per_page", 2)
    page = client.get(CHANGELIST + "?status__exact=coded")
    cl = page.context["cl"]
    assert (cl.result_count, cl.paginator.count_exact, str(cl.result_count)) == (4, False, "4+")
    assert "4+ articles" in page.content.decode()
    assert "4+ results" in client.get(CHANGELIST, {"q": "report"}).content.decode()
    # Past the cap: page 3 holds the two oldest, newest first.
    last = client.get(CHANGELIST + "?status__exact=coded&p=3").context["cl"].result_list
    assert [a.title for a in last] == ["Report 1", "Report 0"]
