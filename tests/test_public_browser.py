"""The public face in real headless Chromium at 1,366 px: home, the enterprise list and an
enterprise's page, the map (a period and an activity, two periods side by side) and compare
as small multiples. The map test clicks a county and lands on its place page.

Screenshots go to artifacts/ (kept by CI); with SAVE_SCREENSHOTS=1 also to docs/screenshots/,
which the README shows, so an ordinary test run leaves the tree clean."""

import datetime
import os
import shutil
from pathlib import Path

import pytest
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from registry.models import Article, Claim, Enterprise, Location, Source
from tests.api_data import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def shoot(browser, name, height=1000):
    browser.set_window_size(1366, height)
    Path("artifacts").mkdir(exist_ok=True)
    path = Path("artifacts") / f"{name}-1366.png"
    browser.save_screenshot(str(path))
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)


def spread():
    """More public evidence over a few dozen counties, deterministic, so the map has shades."""
    d = build()
    sources = list(Source.objects.order_by("pk")[:3])
    places = list(Location.objects.filter(level=2).order_by("path")[::5])
    for n, place in enumerate(places):
        enterprise = Enterprise.objects.create(name=f"{place.name} Works No. {n + 1}", location=place, grade=("3", "4", "local")[n % 3])
        for k in range(1 + n % 4):
            article = Article.objects.create(
                source=sources[k % 3], published=datetime.date(2014 + (n + 3 * k) % 8, 1 + k, 1), status="coded",
                title=f"Works in {place.name} reported, item {k + 1}",
            )
            Claim.objects.create(article=article, enterprise=enterprise, activity=("construction", "production", "modernization")[k % 3], code=1 + (n + k) % 5)
    return d


def test_home_list_and_enterprise_page(live_reference, browser):
    d = spread()
    wait = WebDriverWait(browser, 10)
    browser.get(live_reference.url + "/")
    wait.until(EC.presence_of_element_located((By.ID, "figures")))
    assert "Enterprises" in browser.find_element(By.ID, "figures").text
    shoot(browser, "home", 1000)

    browser.find_element(By.LINK_TEXT, "Browse enterprises").click()
    wait.until(EC.presence_of_element_located((By.ID, "enterprises")))
    search = browser.find_element(By.NAME, "q")
    search.send_keys("김책")
    browser.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
    wait.until(EC.url_contains("q="))
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#enterprises tbody td:first-child a")]
    assert names == ["Kim Chaek Coke Plant", "Kim Chaek Iron and Steel Complex"] or "Kim Chaek Iron and Steel Complex" in names
    browser.get(live_reference.url + "/enterprises/?ordering=-claim_count")
    shoot(browser, "public-enterprise-list", 1100)

    browser.get(live_reference.url + f"/enterprises/{d.e1.pk}/")
    wait.until(EC.presence_of_element_located((By.ID, "cite")))
    assert "North Hamgyong" in browser.find_element(By.ID, "place").text
    shoot(browser, "enterprise-page", 1100)


def test_the_map_clicks_through_to_a_county(live_reference, browser):
    spread()
    wait = WebDriverWait(browser, 10)
    browser.get(live_reference.url + "/map/?measure=articles&start=2014&end=2017&start2=2018&end2=2021&activity=investment")
    wait.until(EC.presence_of_element_located((By.ID, "map-2")))
    shoot(browser, "map", 1000)
    # The table shows the CSV's numbers.
    csv_rows = Client().get("/map/?measure=articles&start=2014&end=2017&start2=2018&end2=2021&activity=investment&format=csv")
    chongjin = next(line.split(",") for line in csv_rows.content.decode().splitlines() if line.startswith("chongjin,"))
    row = browser.find_element(By.XPATH, "//table[@id='map-table']//tr[th/a[text()='Chongjin']]")
    assert [td.text for td in row.find_elements(By.TAG_NAME, "td")][1:] == chongjin[5:]
    assert int(chongjin[5]) >= 1  # a1's oxygen furnace (facility, 2016) at least
    link = browser.find_element(By.CSS_SELECTOR, '#map-1 a[data-slug="chongjin"][data-where="main"] path')
    link.click()
    wait.until(EC.url_contains("/places/chongjin/"))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Chongjin")


def test_compare_as_small_multiples(live_reference, browser):
    spread()
    wait = WebDriverWait(browser, 10)
    browser.get(live_reference.url + "/compare/?group_by=region&bands=1&max_code=2&metric=claims&start=2014&end=2021")
    wait.until(EC.presence_of_element_located((By.ID, "panels")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.panel")) == 13
    shoot(browser, "compare-small-multiples", 1300)
