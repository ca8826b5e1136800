"""Every request is bounded, and a question past a bound is a 400 naming the limit, on
SQLite and PostgreSQL alike (run this file with DATABASE_URL too): values per list parameter,
search words and length, periods and groups of a series. Past the bounds, a 500 is JSON,
and the public pages are throttled like the API."""

import datetime

import pytest
from django.core.cache import cache, caches
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.test import APIClient

from registry.series import params as series_params
from registry import vocabulary
from registry.models import Article, Claim, Location, Source

from .timeseries_data import build

pytestmark = pytest.mark.django_db

SEARCHED = ["enterprises", "articles", "claims", "places"]


@pytest.fixture
def world():
    return build()


def get(path, params):
    return APIClient().get(path, params)


def rejected(response, parameter, limit):
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["errors"][parameter])
    assert str(limit) in message, message
    return message


def slugs(n):
    return list(Location.objects.order_by("path").values_list("slug", flat=True)[:n])


def test_a_list_parameter_takes_at_most_max_values(world):
    limit = vocabulary.MAX_VALUES
    assert get("/api/v1/places/", {"within": ",".join(slugs(limit))}).status_code == 200
    rejected(get("/api/v1/places/", {"within": ",".join(slugs(limit + 1))}), "within", limit)
    # Repeated parameters count too, and every list parameter is bounded the same way.
    repeated = "&".join(f"place={s}" for s in slugs(limit + 1))
    rejected(APIClient().get("/api/v1/claims/?" + repeated), "place", limit)
    rejected(get("/api/v1/enterprises/", {"grade": ",".join(["special"] * (limit + 1))}), "grade", limit)
    rejected(get("/api/v1/articles/", {"facets": ",".join(["year"] * (limit + 1))}), "facets", limit)
    # The case: a thousand places.
    rejected(get("/api/v1/places/", {"within": ",".join(slugs(213) * 5)}), "within", limit)


@pytest.mark.parametrize("resource", SEARCHED)
def test_q_takes_at_most_max_q_words_and_max_q_chars(world, resource):
    path = f"/api/v1/{resource}/"
    words = vocabulary.MAX_Q_WORDS
    assert get(path, {"q": " ".join("a" * words)}).status_code == 200
    rejected(get(path, {"q": " ".join("a" * (words + 1))}), "q", words)
    rejected(get(path, {"q": " ".join("a" * 500)}), "q", words)  # the 500 one-letter words
    chars = vocabulary.MAX_Q_CHARS
    assert get(path, {"q": "x" * chars}).status_code == 200
    rejected(get(path, {"q": "x" * (chars + 1)}), "q", chars)


def test_a_series_covers_at_most_max_periods(world):
    limit = series_params.MAX_PERIODS  # 600 months = 50 years
    url = "/api/v1/timeseries/"
    at = get(url, {"interval": "month", "start": "1975-01", "end": "2024-12"})
    assert at.status_code == 200 and len(at.json()["periods"]) == limit
    rejected(get(url, {"interval": "month", "start": "1975-01", "end": "2025-01"}), "interval", limit)
    # The case, on the page: 1900 to 9999 by month.
    page = APIClient().get("/compare/", {"interval": "month", "start": "1900", "end": "9999", "group_by": "region",
                                         "bands": "1", "metric": "claims"})
    assert page.status_code == 400 and str(limit) in page.content.decode()


def test_an_open_range_the_data_stretches_is_bounded_too(world):
    old = Article.objects.create(source=Source.objects.get(short_name="KCNA"), published=datetime.date(1900, 1, 1),
                                 precision="day", title="A mistyped year", status="coded")
    Claim.objects.create(article=old, enterprise=world["C"], activity="production", code=5)
    assert get("/api/v1/timeseries/", {"interval": "year"}).status_code == 200  # 119 years
    rejected(get("/api/v1/timeseries/", {"interval": "month"}), "start", series_params.MAX_PERIODS)
    with pytest.raises(CommandError, match="--start: .*at most 600 periods"):
        call_command("export_timeseries", "--interval", "month")


def test_a_series_compares_at_most_max_groups_bands_included(world):
    limit = series_params.MAX_GROUPS
    url = "/api/v1/timeseries/"
    places = slugs(limit + 1)
    at = get(url, {"regions": ";".join(places[:limit])})
    assert at.status_code == 200 and len(at.json()["groups"]) == limit
    rejected(get(url, {"regions": ";".join(places)}), "regions", limit)
    # Bands multiply: 6 places × 5 bands is 30, 7 × 5 is 35; 7 × 4 (codes 1–4) is 28.
    assert len(get(url, {"regions": ";".join(places[:6]), "bands": "1"}).json()["groups"]) == 30
    assert "35 groups" in rejected(get(url, {"regions": ";".join(places[:7]), "bands": "1"}), "bands", limit)
    assert get(url, {"regions": ";".join(places[:7]), "bands": "1", "max_code": "4"}).status_code == 200
    # The cases: every industry or region in bands, all 213 places in bands.
    rejected(get(url, {"group_by": "industry", "bands": "1", "format": "csv"}), "bands", limit)
    rejected(get(url, {"group_by": "region", "bands": "1"}), "bands", limit)
    rejected(get(url, {"regions": ";".join(slugs(213)), "bands": "1"}), "regions", limit)
    with pytest.raises(CommandError, match=f"--bands: 35 groups .*at most {limit}"):
        call_command("export_timeseries", "--regions", ";".join(places[:7]), "--bands")


@override_settings(DEBUG=False)
def test_a_server_error_under_the_api_is_json_with_debug_off(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("registry.series.timeseries.compute", broken)
    monkeypatch.setattr("registry.vocabulary.facets.compute", broken)
    monkeypatch.setattr("registry.vocabulary.facets.compute_with_total", broken)  # what the lists call (the facets tell their count)
    client = APIClient(raise_request_exception=False)
    for path, params in [("/api/v1/timeseries/", {}), ("/api/v1/timeseries/", {"format": "csv"}),
                         ("/api/v1/enterprises/", {"facets": "grade"})]:
        response = client.get(path, params)
        assert response.status_code == 500
        assert response["Content-Type"] == "application/json"
        assert "Server error" in response.json()["detail"]
        assert "a bug" not in response.content.decode()
    page = client.get("/compare/")
    assert page.status_code == 500 and "application/json" not in page["Content-Type"]


def test_the_public_pages_are_throttled_like_the_api(world):
    cache.clear()
    caches["throttles"].clear()
    with override_settings(API_ANON_THROTTLE_RATE="3/minute"):
        codes = [APIClient().get("/compare/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = APIClient().get(f"/enterprises/{world['C'].pk}/")
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    cache.clear()
    caches["throttles"].clear()
