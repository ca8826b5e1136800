"""`q=`: enterprise names and aliases in any spelling, article headlines and summaries by
whole words — PostgreSQL full-text search or SQLite word matching, same results."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from registry.models import Article
from registry.models.querying import ARTICLE_TSVECTOR
from tests.api_data import build, ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def d():
    return build()


def q(path, text):
    response = APIClient().get(f"/api/v1/{path}/", {"q": text})
    assert response.status_code == 200
    return ids(response)


def test_enterprise_names_and_aliases_in_any_spelling(d):
    assert q("enterprises", "Kim Chaek") == sorted([d.e1.pk, d.e3.pk])
    assert q("enterprises", "kimchaek iron") == [d.e1.pk]
    assert q("enterprises", "김책제철") == [d.e1.pk]  # a Hangul alias
    assert q("enterprises", "Songjin") == [d.e1.pk]  # a former name
    assert q("enterprises", "Cosmetics") == [d.e4.pk]


def test_article_headlines_and_summaries_by_whole_words(d):
    assert q("articles", "oxygen furnace") == [d.a1.pk]
    assert q("articles", "FURNACE Oxygen") == [d.a1.pk]  # any order, any case
    assert q("articles", "fulfilled") == [d.a2.pk]  # in the summary only
    assert q("articles", "oxygen cosmetics") == []  # every word must appear
    assert q("articles", "oxyg") == []  # whole words, on both databases


def test_articles_also_found_by_the_enterprises_they_name(d):
    assert q("articles", "Bag Factory") == [d.a2.pk]
    assert q("claims", "Cosmetics") == [d.c6.pk]
    assert q("claims", "oxygen") == sorted([d.c1.pk, d.c2.pk])


def test_search_never_reaches_restricted_articles(d):
    assert q("articles", "RESTRICTED-TITLE-MARKER") == []
    assert q("articles", "furnace") == [d.a1.pk]  # A4's summary holds "furnace" too
    assert q("enterprises", "SECRET-ENTERPRISE-MARKER") == []


def test_search_uses_the_same_expression_as_the_postgresql_index():
    # Since migration 0010 the index is on the stored, generated search_vector column.
    from registry.articles import search

    assert f"registry_article_fulltext ON registry_article USING gin ({ARTICLE_TSVECTOR})" in " ".join(search.PG_CREATE)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text index")
def test_postgresql_search_can_use_the_gin_index(d):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = Article.objects.search("oxygen").values("pk").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "registry_article_fulltext" in plan


def test_a_place_spelled_another_way_finds_the_enterprise_named_after_it(d):
    # "Cheongjin" is Revised Romanization of Chongjin; the stored name uses McCune–Reischauer.
    from registry.models import Enterprise

    bag = Enterprise.objects.create(name="Chongjin Bag Factory", grade="local", kind="factory")
    assert bag.pk in q("enterprises", "Cheongjin Bag")
    assert bag.pk in q("enterprises", "청진 bag factory")


@pytest.mark.parametrize("inline", [2000, 1])
def test_articles_found_by_headline_or_by_an_enterprise_they_name(d, inline, monkeypatch):
    """The same answer whether the named enterprises go into the SQL as ids or, when there
    are many, as a subquery (registry.vocabulary.filters.NAMED_IDS_INLINE)."""
    from registry.vocabulary import filters

    monkeypatch.setattr(filters, "NAMED_IDS_INLINE", inline)
    # "Kim Chaek": E1 (claims in A1, A2; A4 is restricted) and E3 (A1), and A1's headline.
    assert q("articles", "Kim Chaek") == sorted([d.a1.pk, d.a2.pk])
    # "Cosmetics": E4 in A3; "oxygen": A1 by its headline. Each article once.
    assert q("articles", "Cosmetics") == [d.a3.pk]
    assert q("articles", "oxygen") == [d.a1.pk]


def test_a_search_counts_exactly_up_to_the_matches_it_ranks(d, monkeypatch):
    """A searched list is counted up to RANKED_MATCHES ("1,000+"), not COUNT_CAP: past it,
    `count` is the cap and count_exact false; the rows still page on to the end, newest
    first, the same on both databases."""
    from registry.models import articles

    client = APIClient()
    body = client.get("/api/v1/claims/", {"q": "Kim Chaek"}).json()
    # E1's visible claims c1, c4 and E3's c2; A1's headline adds nothing new (c1, c2).
    assert (body["count"], body["count_exact"]) == (3, True)
    monkeypatch.setattr(articles, "RANKED_MATCHES", 2)
    body = client.get("/api/v1/claims/", {"q": "Kim Chaek", "page_size": 2}).json()
    assert (body["count"], body["count_exact"]) == (2, False)
    # Newest article first: A2 (2018-03: c4), then A1 (2016-05-10: c1, c2).
    assert [r["id"] for r in body["results"]] == [d.c4.pk, d.c1.pk] and body["next"]
    assert [r["id"] for r in client.get(body["next"]).json()["results"]] == [d.c2.pk]
    # Articles A1 (headline, so ranked first) and A2 (E1 named): two, counted exactly.
    assert ids_in_order(client.get("/api/v1/articles/", {"q": "Kim Chaek"})) == [d.a1.pk, d.a2.pk]
    monkeypatch.setattr(articles, "RANKED_MATCHES", 1)  # now too many to rank: newest first
    body = client.get("/api/v1/articles/", {"q": "Kim Chaek", "page_size": 1}).json()
    assert (body["count"], body["count_exact"]) == (1, False)
    assert [r["id"] for r in body["results"]] == [d.a2.pk]
    assert [r["id"] for r in client.get(body["next"]).json()["results"]] == [d.a1.pk]


@pytest.mark.parametrize("ranked_matches", [1000, 1])
def test_an_article_search_costs_one_count_and_one_page(d, ranked_matches, monkeypatch, django_assert_num_queries):
    """The ranking check (how many match, up to RANKED_MATCHES) is the paginator's count of
    the same rows: asked once. Narrow (ranked) or broad (newest first), two queries after the
    enterprise search's three (the place names in the text, the place so named, the ids of
    the enterprises so named: EnterpriseQuerySet.search, as enterprises?q= asks them)."""
    from registry.models import articles

    monkeypatch.setattr(articles, "RANKED_MATCHES", ranked_matches)
    with django_assert_num_queries(3 + 2):
        body = APIClient().get("/api/v1/articles/", {"q": "Kim Chaek"}).json()
    assert sorted(r["id"] for r in body["results"]) == sorted([d.a1.pk, d.a2.pk])
    # An ordering asked for: nothing ranked, and the page alone: it comes back short (two
    # rows), which tells the count (api/pagination.py).
    with django_assert_num_queries(3 + 1):
        response = APIClient().get("/api/v1/articles/", {"q": "Kim Chaek", "ordering": "title"})
    assert [r["id"] for r in response.json()["results"]] == [r.pk for r in sorted([d.a1, d.a2], key=lambda a: a.title)]


def ids_in_order(response):
    body = response.json()
    assert body["count_exact"] is True
    return [r["id"] for r in body["results"]]
