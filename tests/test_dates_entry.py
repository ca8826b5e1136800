"""Dates as coders write them: 2016-10-05, 2016-10 or 2016 in the admin, ISO everywhere, and
first/last seen with their precision in the API, the admin list and the public page."""

import datetime

import pytest
from django.urls import reverse

from registry.models import Article

from .admin_support import make_article, make_enterprise, place
from .test_admin_articles import ADD, article_post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed, stored, precision",
    [("2016-10-05", "2016-10-05", "day"), ("2016-10", "2016-10-01", "month"), ("2016", "2016-01-01", "year"), (" 2016-1 ", "2016-01-01", "month")],
)
def test_the_admin_takes_a_day_a_month_or_a_year_and_sets_the_precision(client, coder, typed, stored, precision):
    # precision as posted is ignored: what the coder typed decides
    response = client.post(ADD, article_post(published=typed, precision="day"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert (article.published.isoformat(), article.precision) == (stored, precision)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("10/05/2016", "not a date: use YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2016-10-05, 2016-10 or 2016)"),
        ("2016-13", "not a date: the month must be 01 to 12 (e.g. 2016-10-05, 2016-10 or 2016)"),
        ("2021-02-30", "not a date: February 2021 has 28 days"),
    ],
)
def test_a_bad_date_says_what_to_type(client, coder, typed, message):
    response = client.post(ADD, article_post(published=typed))
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["published"]
    assert error.startswith(message)
    assert not Article.objects.exists()


def test_the_change_and_revert_forms_show_iso_dates_as_precise_as_known(client, coder):
    day = make_article("Day", published=datetime.date(2023, 5, 10))
    month = make_article("Month", published=datetime.date(2016, 10, 1), precision="month")
    page = client.get(reverse("admin:registry_article_change", args=[day.pk])).content.decode()
    assert 'name="published" value="2023-05-10"' in page and "10/05/2023" not in page
    page = client.get(reverse("admin:registry_article_change", args=[month.pk])).content.decode()
    assert 'name="published" value="2016-10"' in page
    record = day.history.first()
    revert = reverse("admin:registry_article_simple_history", args=[day.pk, record.history_id])
    page = client.get(revert).content.decode()
    assert 'name="published" value="2023-05-10"' in page
    # the history list's dates too
    page = client.get(reverse("admin:registry_article_history", args=[day.pk])).content.decode()
    assert f"{record.history_date:%Y-%m-%d %H:%M}" in page


def _seen_data():
    mine = make_enterprise("Musan Mining Complex", location=place("musan"))
    make_article("Yearbook", published=datetime.date(2015, 1, 1), precision="year", claims=[(mine, "production", 5)])
    make_article("Same day, later", published=datetime.date(2015, 3, 5), claims=[(mine, "operation", 4)])
    make_article("Last", published=datetime.date(2020, 9, 1), precision="month", claims=[(mine, "closure", 3)])
    return mine


def test_first_and_last_seen_carry_their_precision_in_the_api(client):
    mine = _seen_data()
    row = client.get("/api/v1/enterprises/", {"q": "Musan"}).json()["results"][0]
    assert (row["first_seen"], row["first_seen_precision"]) == ("2015-01-01", "year")
    assert (row["last_seen"], row["last_seen_precision"]) == ("2020-09-01", "month")
    evidence = client.get(f"/api/v1/enterprises/{mine.pk}/").json()["evidence"]
    assert (evidence["first_seen_precision"], evidence["last_seen_precision"]) == ("year", "month")


def test_first_and_last_seen_show_as_precise_as_known_in_the_admin_list_and_the_page(client, coder):
    mine = _seen_data()
    page = client.get(reverse("admin:registry_enterprise_changelist")).content.decode()
    assert '<td class="field-first_seen">2015</td>' in page
    assert '<td class="field-last_seen">2020-09</td>' in page
    page = client.get(reverse("enterprise", args=[mine.pk])).content.decode()
    assert 'from <span class="date">2015</span> to <span class="date">2020-09</span>' in page
