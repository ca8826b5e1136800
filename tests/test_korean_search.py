"""Korean search (issue 15): a query of two or more Hangul syllables finds headlines,
summaries and enterprise names that contain it inside a longer word, in the North's or the
South's spelling; English keeps whole-word search. The same assertions run on SQLite (FTS5)
and PostgreSQL (tsvector + GIN): the same result sets on both.

| article | headline (ko) | headline (en) | summary | claims |
| K1 | 김책제철련합기업소에서 산소분리기 설치 | | | KC |
| K2 | | Steel output rises | 김책제철련합기업소 로동계급이 계획을 넘쳐 수행 | |
| K3 | | Plan fulfilled | | KC (found by the enterprise's Hangul name) |
| K4 (restricted) | 김책제철련합기업소 비밀 | | | KC |
| K5 | 류경김치공장 준공 | | | RG |

KC: Kim Chaek Iron and Steel Complex, 김책제철련합기업소; RG: Ryugyong Kimchi Factory,
류경김치공장; NW: Nakwon Machine Complex, spelled the South's way: 낙원기계연합기업소.
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from registry import services
from registry.models import Article, Claim, Enterprise, EnterpriseAlias, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def k():
    rs = Source.objects.get(short_name="RS")
    kc = Enterprise.objects.create(name="Kim Chaek Iron and Steel Complex", hangul="김책제철련합기업소", grade="special", kind="complex")
    rg = Enterprise.objects.create(name="Ryugyong Kimchi Factory", hangul="류경김치공장", grade="local", kind="factory")
    nw = Enterprise.objects.create(name="Nakwon Machine Complex", hangul="낙원기계연합기업소", grade="1", kind="complex")

    def article(day, title="", title_ko="", summary="", **extra):
        return Article.objects.create(source=rs, published=datetime.date(2020, 1, day), title=title, title_ko=title_ko,
                                      summary=summary, status="coded", **extra)

    k1 = article(1, title_ko="김책제철련합기업소에서 산소분리기 설치")
    k2 = article(2, title="Steel output rises", summary="김책제철련합기업소 로동계급이 계획을 넘쳐 수행")
    k3 = article(3, title="Plan fulfilled")
    k4 = article(4, title_ko="김책제철련합기업소 비밀", disclosure="restricted")
    k5 = article(5, title_ko="류경김치공장 준공")
    for a, e in ((k1, kc), (k3, kc), (k4, kc), (k5, rg)):
        Claim.objects.create(article=a, enterprise=e, activity="production", code=2)
    return dict(k1=k1, k2=k2, k3=k3, k4=k4, k5=k5, kc=kc, rg=rg, nw=nw)


def found(path, text, **params):
    response = APIClient().get(f"/api/v1/{path}/", {"q": text, **params})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def ids(k, *names):
    return [k[n].pk for n in names]


# The table: each fragment, inside a longer word or across the particle, finds K1.
# The expected lists are in rank order: headline (K1), summary (K2), enterprise name (K3).
FRAGMENTS = [
    ("김책제철", ["k1", "k2", "k3"]),
    ("김책제철련합기업소", ["k1", "k2", "k3"]),  # without the particle 에서
    ("제철", ["k1", "k2", "k3"]),
    ("련합기업소", ["k1", "k2", "k3"]),
    ("연합기업소", ["k1", "k2", "k3"]),  # the South's spelling
    ("김책제철 연합기업소", ["k1", "k2", "k3"]),  # and its spacing
    ("분리기", ["k1"]),
    ("산소분리기", ["k1"]),
    ("산소분리기 설치", ["k1"]),
    ("노동계급", ["k2"]),  # the North prints 로동계급
    ("기업소에서", ["k1"]),
    ("제철소", []),  # the syllables must be adjacent: 제철 and 소 are not
    ("분리기 제철", ["k1"]),  # every term must match, in any order
]


@pytest.mark.parametrize("text,expected", FRAGMENTS)
def test_each_fragment_finds_the_articles_in_rank_order(k, text, expected):
    assert found("articles", text) == ids(k, *expected)


def test_restricted_articles_are_never_found(k):
    assert k["k4"].pk not in found("articles", "비밀")
    assert found("articles", "비밀") == []


@pytest.mark.parametrize("text,expected", [
    ("김책제철", ["kc"]), ("김책 제철", ["kc"]), ("김책제철연합", ["kc"]), ("련합기업소", ["kc", "nw"]),
    ("유경김치", ["rg"]),  # South's spelling finds the North's 류경
    ("락원기계", ["nw"]),  # North's spelling finds the South's 낙원
    ("Kim Chaek", ["kc"]),
])
def test_enterprises_in_either_spelling(k, text, expected):
    assert sorted(found("enterprises", text)) == sorted(ids(k, *expected))


def test_the_enterprise_autocomplete_finds_hangul_in_either_spelling(client, coder, k):
    def complete(term):
        response = client.get("/admin/autocomplete/", {"app_label": "registry", "model_name": "claim", "field_name": "enterprise", "term": term})
        assert response.status_code == 200
        return sorted(int(r["id"]) for r in response.json()["results"])

    assert complete("김책제철") == [k["kc"].pk]
    assert complete("김책제철연합기업소") == [k["kc"].pk]
    assert complete("유경") == [k["rg"].pk]
    assert complete("락원") == [k["nw"].pk]


def test_the_admin_finds_articles_by_a_fragment(client, coder, k):
    response = client.get("/admin/registry/article/", {"q": "제철"})
    assert response.status_code == 200
    listed = set(response.context["cl"].result_list.values_list("pk", flat=True))
    assert listed == set(ids(k, "k1", "k2", "k3", "k4"))  # coders see restricted articles


def test_claims_by_their_enterprise_or_their_articles_text(k):
    # KC's claims (K1, K3; K4's is restricted) by name; K2 has no claim.
    expected = sorted(Claim.objects.filter(article__in=[k["k1"], k["k3"]]).values_list("pk", flat=True))
    assert sorted(found("claims", "제철")) == expected
    assert found("claims", "산소분리기") == list(Claim.objects.filter(article=k["k1"]).values_list("pk", flat=True))


def test_english_keeps_whole_words_and_finds_the_enterprises_named(k):
    # "steel": K2's headline, and K1, K3 through Kim Chaek Iron and Steel Complex.
    assert found("articles", "steel") == ids(k, "k2", "k3", "k1")  # headline first, then newest
    # "ste": never K2's headline word "Steel" (an article's own words are whole words), but
    # K3 and K1 through their enterprise, as the enterprise search finds it (a name contains
    # the text: one search for enterprises and for the articles naming them), newest first.
    assert found("enterprises", "ste") == ids(k, "kc")
    assert found("articles", "ste") == ids(k, "k3", "k1")
    assert found("articles", "steel", ordering="published") == ids(k, "k1", "k2", "k3")


def test_the_search_follows_names_and_claims_as_they_change(k):
    assert found("articles", "김치공장") == ids(k, "k5")
    rg = k["rg"]
    rg.hangul = "류경김치가공공장"
    services.record_save(instance=rg, user=None)
    assert found("articles", "김치공장") == ids(k, "k5")  # still in K5's own headline
    assert found("articles", "김치가공") == ids(k, "k5")  # and by the new name
    services.record_save(instance=EnterpriseAlias(enterprise=rg, name="평양김치공장"), user=None)
    assert found("articles", "평양김치") == ids(k, "k5")
    services.claim_delete(claim=Claim.objects.get(article=k["k5"]), user=None)
    assert found("articles", "김치가공") == []
    # A merge: NW absorbs KC, so KC's articles name NW and are found by its name.
    assert found("articles", "낙원기계") == []
    services.enterprise_merge(keep=k["nw"], absorb=k["kc"])
    assert found("articles", "낙원기계") == ids(k, "k3", "k1")  # newest first among equals


def test_rebuild_search_restores_the_columns(k):
    Article.objects.update(search_head="", search_body="", search_names="")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO registry_article_fts(registry_article_fts) VALUES ('rebuild')")
    # Only through their enterprise (found by its own columns, not the articles'): K2's
    # summary and K1's headline are gone from the index.
    assert found("articles", "제철") == ids(k, "k3", "k1")
    assert found("articles", "산소분리기") == []
    call_command("rebuild_search", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
    assert found("articles", "제철") == ids(k, "k1", "k2", "k3")
    assert found("articles", "산소분리기") == ids(k, "k1")


def test_the_query_uses_the_index(k):
    query = Article.objects.search("제철").order_by().values("pk").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On a table this small the planner would rather walk any index with a filter:
            # leave it only bitmap scans, which the search condition can use through GIN alone.
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_indexscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_indexscan")
            assert "registry_article_fulltext" in plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "VIRTUAL TABLE INDEX" in plan


def test_the_compare_pages_place_menus_show_both_scripts(client):
    html = client.get("/compare/").content.decode()
    assert "Chongjin 청진, North Hamgyong" in html
    assert 'label="North Hamgyong 함경북도"' in html
    assert "Pyongyang 평양" in html


def test_sample_data_carries_hangul_names():
    from registry.services import claims_import

    with open("fixtures/sample_claims.csv", "rb") as handle:
        claims_import(data=handle.read())
    assert not Enterprise.objects.filter(hangul="").exists()
    assert Enterprise.objects.get(name="Kim Chaek Iron and Steel Complex").hangul == "김책제철련합기업소"
    assert Enterprise.objects.get(name="2.8 Vinalon Complex").hangul == "2.8비날론련합기업소"
    assert not Source.objects.filter(hangul="").exists()
    assert Source.objects.get(short_name="RS").hangul == "로동신문"
    # Found by Hangul through the claims' enterprises: every article naming Musan.
    musan = Enterprise.objects.get(hangul="무산광산련합기업소")
    expected = sorted(Article.objects.public().filter(claims__enterprise=musan).values_list("pk", flat=True).distinct())
    assert expected and sorted(found("articles", "무산광산")) == expected


def test_a_broad_query_comes_newest_first(k, monkeypatch):
    from registry.models import articles

    monkeypatch.setattr(articles, "RANKED_MATCHES", 2)  # 제철 matches three: too many to rank
    assert found("articles", "제철") == ids(k, "k3", "k2", "k1")
    assert found("articles", "분리기") == ids(k, "k1")
