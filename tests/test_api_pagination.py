"""Pages and counts: exact up to a cap, then "at least the cap" with count_exact false, and
paging that goes on past the cap without counting."""

import datetime

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from api import pagination
from registry.models import Article, Claim, Enterprise, Location, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def twelve_claims():
    chongjin, kcna = Location.objects.get(slug="chongjin"), Source.objects.get(short_name="KCNA")
    for i in range(12):
        e = Enterprise.objects.create(name=f"Factory {i}", grade="4", kind="factory", location=chongjin)
        a = Article.objects.create(source=kcna, published=datetime.date(2017, 1, 1) + datetime.timedelta(days=i), title=f"Report {i}", status="coded")
        Claim.objects.create(article=a, enterprise=e, activity="facility", code=2)


@pytest.fixture
def cap_of_5(monkeypatch):
    monkeypatch.setattr(pagination.CappedCountPaginator, "cap", 5)
    monkeypatch.setattr(settings, "REGISTRY_COUNT_BUDGET_MS", 0)  # capped counts only


def get(url, status=200):
    response = APIClient().get(url)
    assert response.status_code == status, response.content[:300]
    return response.json()


def test_a_count_within_the_cap_is_exact(twelve_claims):
    body = get("/api/v1/claims/?page_size=5")
    assert (body["count"], body["count_exact"]) == (12, True)
    assert len(body["results"]) == 5 and "page=2" in body["next"]
    assert get("/api/v1/claims/?page=3&page_size=5")["next"] is None


def test_beyond_the_cap_the_count_says_at_least_the_cap(twelve_claims, cap_of_5):
    body = get("/api/v1/claims/?page_size=4")
    assert (body["count"], body["count_exact"]) == (5, False)
    newest = Claim.objects.order_by("-article__published", "article_id", "id").values_list("id", flat=True)[:4]
    assert [r["id"] for r in body["results"]] == list(newest)
    assert "page=2" in body["next"] and body["previous"] is None


def test_paging_goes_on_past_the_cap_and_ends_where_the_rows_end(twelve_claims, cap_of_5):
    seen = []
    for page in (1, 2, 3):
        body = get(f"/api/v1/claims/?page_size=4&page={page}")
        seen += [r["id"] for r in body["results"]]
        assert body["count_exact"] is False
    assert body["next"] is None  # rows 9-12 are the last: the extra row fetched was not there
    assert len(seen) == len(set(seen)) == 12
    assert seen == list(Claim.objects.order_by("-article__published", "article_id", "id").values_list("id", flat=True))
    get("/api/v1/claims/?page_size=4&page=4", status=404)
    get("/api/v1/claims/?page_size=4&page=0", status=404)


@pytest.mark.parametrize("capped", [False, True])
def test_a_page_number_of_any_size_is_a_404_not_a_server_error(twelve_claims, monkeypatch, capped):
    # Schemathesis sent page=65742278947149793198080: an OFFSET past 64 bits, a 500 from
    # SQLite ("datatype mismatch") and PostgreSQL ("bigint out of range") alike.
    if capped:
        monkeypatch.setattr(pagination.CappedCountPaginator, "cap", 5)
        monkeypatch.setattr(settings, "REGISTRY_COUNT_BUDGET_MS", 0)  # capped counts only
    for page in ("65742278947149793198080", str(10**7 // 4 + 2)):
        body = get(f"/api/v1/claims/?page_size=4&page={page}", status=404)
        assert body["detail"] == "Invalid page."
    assert get("/api/v1/releases/?page=65742278947149793198080", status=404)


def test_a_filter_that_matches_few_rows_is_counted_exactly_again(twelve_claims, cap_of_5):
    body = get("/api/v1/claims/?published_after=2017-01-10")
    assert (body["count"], body["count_exact"]) == (3, True)


def test_capped_lists_still_cost_the_same_queries_for_any_page_size(twelve_claims, cap_of_5, django_assert_num_queries):
    client = APIClient()
    for size in (2, 4):
        with django_assert_num_queries(2):  # capped count, page (+1 row)
            response = client.get(f"/api/v1/claims/?page_size={size}&page=2")
        assert response.status_code == 200
        body = response.json()
        assert (body["count"], body["count_exact"], len(body["results"])) == (5, False, size)


def test_the_schema_documents_the_cap():
    schema = APIClient().get("/api/schema/?format=json").json()
    page = schema["components"]["schemas"]["PaginatedClaimList"]
    assert page["properties"]["count_exact"]["type"] == "boolean"
    assert "10,000" in page["properties"]["count"]["description"]
    assert "count_exact" in page["required"]


def test_a_short_page_tells_the_count_without_asking_it(twelve_claims, django_assert_num_queries):
    """The page is read first, one row beyond it: when no row follows, the count is the rows
    before it and on it (12 = 10 + 2), and no COUNT is asked; a page with rows after it
    still counts them (two queries), and a page past the end is still a 404."""
    with django_assert_num_queries(1):
        body = get("/api/v1/claims/?page=3&page_size=5")
    assert (body["count"], body["count_exact"], body["next"], len(body["results"])) == (12, True, None, 2)
    assert "page=2" in body["previous"]
    with django_assert_num_queries(1):  # exactly full, nothing after it
        assert get("/api/v1/claims/?page_size=12")["count"] == 12
    with django_assert_num_queries(2):
        body = get("/api/v1/claims/?page=2&page_size=5")
    assert (body["count"], body["count_exact"], len(body["results"])) == (12, True, 5)
    get("/api/v1/claims/?page=4&page_size=5", status=404)


def test_read_first_or_counted_first_the_page_is_the_same(twelve_claims):
    from django.contrib.auth.models import AnonymousUser

    rows = Claim.objects.for_api(AnonymousUser())
    for number in (1, 2, 3):
        counted, read = pagination.CappedCountPaginator(rows, 5), pagination.CappedCountPaginator(rows, 5)
        assert counted.count == 12
        counted_page, read_page = counted.page(number), read.page(number)
        assert [c.pk for c in read_page] == [c.pk for c in counted_page]
        assert (read.count, read.count_exact, read.num_pages) == (12, True, 3)
        assert (read_page.has_next(), read_page.has_previous()) == (counted_page.has_next(), counted_page.has_previous())


def test_a_short_page_past_the_cap_says_at_least_the_cap(twelve_claims, cap_of_5, django_assert_num_queries):
    with django_assert_num_queries(1):
        body = get("/api/v1/claims/?page=3&page_size=5")
    assert (body["count"], body["count_exact"], body["next"], len(body["results"])) == (5, False, None, 2)


def test_a_short_page_counts_only_what_the_user_may_see(twelve_claims):
    """Two more claims in a restricted article: not in the public's count, short page or
    counted; in the count of a researcher who may see restricted material."""
    from tests.api_data import user_with

    kcna, e = Source.objects.get(short_name="KCNA"), Enterprise.objects.get(name="Factory 0")
    secret = Article.objects.create(source=kcna, published=datetime.date(2020, 1, 1), title="Secret", status="coded", disclosure="restricted")
    for activity in ("production", "construction"):
        Claim.objects.create(article=secret, enterprise=e, activity=activity, code=2)
    assert get("/api/v1/claims/?page=3&page_size=5")["count"] == 12  # short: told by the page
    assert get("/api/v1/claims/?page_size=5")["count"] == 12  # full: counted
    researcher = APIClient()
    researcher.force_login(user_with("researcher", "view_restricted"))
    assert researcher.get("/api/v1/claims/?page=3&page_size=5").json()["count"] == 14
    assert researcher.get("/api/v1/claims/?page_size=5").json()["count"] == 14


@pytest.mark.parametrize("cap", [5, 10_000])
def test_facets_on_the_rows_tell_the_count_the_count_would_give(twelve_claims, monkeypatch, cap, django_assert_num_queries):
    """Facets grouped over the list's own rows sum to its count: no COUNT is asked, and the
    count (capped or not) is the one asked without facets."""
    monkeypatch.setattr(pagination.CappedCountPaginator, "cap", cap)
    monkeypatch.setattr(settings, "REGISTRY_COUNT_BUDGET_MS", 0)  # capped counts only
    plain = get("/api/v1/claims/?page_size=5")
    with django_assert_num_queries(3):  # code and region in one GROUP BY, the page, the region labels
        faceted = get("/api/v1/claims/?page_size=5&facets=code,region")
    assert (faceted["count"], faceted["count_exact"]) == (plain["count"], plain["count_exact"])
    assert faceted["next"] == plain["next"].replace("?", "?facets=code%2Cregion&")
    assert (faceted["count"], faceted["count_exact"]) == ((5, False) if cap == 5 else (12, True))
    assert faceted["results"] == plain["results"]


# --- exact counts within a time budget (issue 28) ---------------------------------------------


def test_past_the_cap_a_list_is_counted_exactly_within_the_budget(twelve_claims, monkeypatch):
    monkeypatch.setattr(pagination.CappedCountPaginator, "cap", 5)  # the budget on (200 ms by default)
    body = get("/api/v1/claims/?page_size=5")
    assert (body["count"], body["count_exact"]) == (12, True)
    assert get("/api/v1/claims/?page=3&page_size=5")["next"] is None
    get("/api/v1/claims/?page=4&page_size=5", status=404)  # past the end, known from the count
    # Facets grouped the rows: their sum is the exact count too.
    faceted = get("/api/v1/claims/?page_size=5&facets=code")
    assert (faceted["count"], faceted["count_exact"]) == (12, True)


def test_past_the_budget_the_count_is_the_capped_lower_bound(twelve_claims, monkeypatch):
    from infra import paging

    monkeypatch.setattr(pagination.CappedCountPaginator, "cap", 5)
    monkeypatch.setattr(paging, "within_budget", lambda compute, using="default", budget_ms=None: None)  # too slow
    body = get("/api/v1/claims/?page_size=5")
    assert (body["count"], body["count_exact"]) == (5, False)


SLOW = {
    "postgresql": "SELECT pg_sleep(3)",
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM (SELECT x FROM c LIMIT 300000000)",
}


def test_within_budget_stops_a_slow_statement_and_leaves_the_connection_as_it_was():
    import time

    from django.db import connection

    from infra.paging import within_budget

    def run(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def timeout():
        return run("SHOW statement_timeout") if connection.vendor == "postgresql" else None

    before = timeout()
    started = time.monotonic()
    assert within_budget(lambda: run(SLOW[connection.vendor]), budget_ms=50) is None
    assert time.monotonic() - started < 2.5  # stopped near the budget, not run to its end
    # Inside the test's transaction: still usable, its time-out as before; a fast one answers.
    assert timeout() == before
    assert within_budget(lambda: run("SELECT 41 + 1"), budget_ms=50) == 42
    assert timeout() == before
    assert within_budget(lambda: run("SELECT 1"), budget_ms=0) is None  # 0: no exact counts
