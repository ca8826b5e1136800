"""Fixed query counts on every list and detail endpoint, whatever the page size: nothing
is fetched per row (querysets.for_api joins and annotates, facets are one GROUP BY each, or
one for several). The one difference a page's size makes: a page with rows after it asks the
COUNT too, a page that comes back short tells it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from registry.models import Article, Claim, Enterprise, EnterpriseAlias, Location, Source
from tests.api_data import build, user_with

pytestmark = pytest.mark.django_db

# Anonymous, a page that holds the whole list: the page alone (a page that comes back with
# no row after it tells the count, api/pagination.py, so no COUNT is asked).
LISTS = {
    "enterprises": 1,
    "articles": 1,
    "claims": 1,
    "places": 1,
    "industries": 1,
    "sources": 1,
    # The facets read from the rows themselves in one GROUP BY while their values together
    # stay few (registry/vocabulary/facets.py GROUPS_AT_MOST): enterprises' grade and region together,
    # industry apart; articles' source and year together; claims' activity and code
    # together, grade and region together. One GROUP BY for each facet on the claims, plus
    # the label lookups of region, industry and source.
    "enterprises?facets=grade,region,industry,activity,code,year": 1 + (2 + 3) + 2,
    "articles?facets=source,year,region,activity": 1 + (1 + 2) + 2,
    "claims?facets=activity,code,grade,region": 1 + 2 + 1,
    # Resolving a place or an industry costs the same queries whatever it matches.
    "enterprises?place=Chongjin&industry=metal&activity=investment": 1 + 2 + 1,
    # A search: the ranking check counts the matches (capped at 1,000), the paginator's
    # count is that one query; before it, the enterprise search the articles are found by
    # too, as for claims?q= below.
    "articles?q=Kim": 2 + 3,
    # The enterprises so named (their ids), the place spellings the name may hold, and
    # the places of that name (whose enterprises it finds too).
    "claims?q=Factory": 1 + 3,
}
# The lists with more than 5 rows for the anonymous user: a page of 5 has rows after it,
# and the paginator asks the (capped) COUNT as well. The fixture's 30 new articles are
# drafts (no coder, not published): the public sees the 4 of api_data and their claims,
# but all 227 places, 68 industries and 8 sources.
MORE_THAN_FIVE = {"claims", "places", "industries", "sources", "claims?facets=activity,code,grade,region"}


@pytest.fixture
def d():
    d = build()
    # Enough rows that a page of 5 and a page of 50 differ.
    chongjin, kcna = Location.objects.get(slug="chongjin"), Source.objects.get(short_name="KCNA")
    for i in range(30):
        e = Enterprise.objects.create(name=f"Factory {i}", grade="4", kind="factory", location=chongjin, parent=d.e1)
        EnterpriseAlias.objects.create(enterprise=e, name=f"Alias {i}")
        a = Article.objects.create(source=kcna, published=datetime.date(2017, 1, 1) + datetime.timedelta(days=i), title=f"Report {i}")
        Claim.objects.create(article=a, enterprise=e, activity="facility", code=2)
        Claim.objects.create(article=a, enterprise=d.e1, activity="operation", code=3)
    return d


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(queries)


def with_size(url, size):
    return f"/api/v1/{url.replace('?', '/?', 1) if '?' in url else url + '/'}{'&' if '?' in url else '?'}page_size={size}"


def asks_count(client, url):
    """Does a page of 5 have rows after it? Then the paginator counts them, unless facets on
    the rows themselves told it how many there are (registry/vocabulary/facets.py compute_with_total: every
    facets= list here asks one)."""
    return client.get(with_size(url, 5)).json()["next"] is not None and "facets=" not in url


def test_list_counts_are_fixed_whatever_the_page_size(d):
    client = APIClient()
    measured = {url: (count(client, with_size(url, 5)), count(client, with_size(url, 500))) for url in LISTS}
    counted = MORE_THAN_FIVE - {"claims?facets=activity,code,grade,region"}  # the facets' sum is its count
    assert measured == {url: (n + (url in counted), n) for url, n in LISTS.items()}
    assert {url for url in LISTS if asks_count(client, url)} == counted


def test_detail_counts_are_fixed(d):
    client = APIClient()
    details = {
        # enterprise, aliases, visible units, periods (history), place's ancestors, evidence by activity and code
        f"/api/v1/enterprises/{d.e1.pk}/": 6,
        f"/api/v1/articles/{d.a1.pk}/": 2,  # article with source, its claims with enterprises
        f"/api/v1/claims/{d.c1.pk}/": 1,
        "/api/v1/places/chongjin/": 3,  # place, its names, its ancestors
        "/api/v1/industries/iron-and-steel/": 1,
        f"/api/v1/sources/{d.a1.source_id}/": 1,
    }
    assert {url: count(client, url) for url in details} == details


def test_signed_in_counts_do_not_grow_with_the_page_either(d):
    client = APIClient()
    client.force_login(user_with("researcher", "view_restricted"))
    for url in LISTS:
        small, large = count(client, with_size(url, 5)), count(client, with_size(url, 500))
        # The one query more: the COUNT, asked only when rows follow the page of 5.
        assert small == large + asks_count(client, url), url


def test_public_enterprise_lists_read_stored_evidence_not_the_claims(d):
    """Anonymous and viewer lists of enterprises (and their grade/region facets) read the
    stored public evidence (registry/stored/evidence.py): no query touches the claims table."""
    viewer = APIClient()
    viewer.force_login(user_with("vera", "view_enterprise"))
    for client in (APIClient(), viewer):
        for url in ("enterprises", "enterprises?facets=grade,region&ordering=-claim_count"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(with_size(url, 50)).status_code == 200
            assert not [q["sql"] for q in queries.captured_queries if "registry_claim" in q["sql"]], url
            assert count(client, with_size(url, 5)) == count(client, with_size(url, 50)) + asks_count(client, url)
