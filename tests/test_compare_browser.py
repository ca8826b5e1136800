"""/compare/ in real headless Chromium: change a place, the chart and the table follow."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from .timeseries_data import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def read_table(browser):
    rows = browser.find_elements(By.CSS_SELECTOR, "#series-table tbody tr")
    return {
        # The values; the last cell is the period's flag (partial, partly read), not a count.
        row.find_element(By.TAG_NAME, "th").text: [int(td.text) for td in row.find_elements(By.CSS_SELECTOR, "td:not(.flag)")]
        for row in rows
    }


def series_names(browser):
    return [g.get_attribute("data-group") for g in browser.find_elements(By.CSS_SELECTOR, "#chart g.series")]


def test_changing_a_place_redraws_the_chart_and_the_table(live_reference, browser):
    build()
    browser.get(live_reference.url + "/compare/")
    wait = WebDriverWait(browser, 10)
    wait.until(EC.presence_of_element_located((By.ID, "series-table")))
    assert series_names(browser) == ["Pyongyang", "Chongjin"]
    assert read_table(browser) == {"2015": [1, 1], "2016": [1, 0], "2017": [0, 0], "2018": [0, 1]}

    old_table = browser.find_element(By.ID, "series-table")
    place = browser.find_elements(By.CSS_SELECTOR, "select.place")[1]
    Select(place).select_by_value("north-hamgyong")
    # A change no longer submits (WCAG 3.2.2): the page and the focus stay where they were.
    place.send_keys(Keys.ARROW_DOWN)
    place.send_keys(Keys.ARROW_UP)
    assert old_table.is_displayed()
    assert browser.switch_to.active_element == place
    browser.find_element(By.CSS_SELECTOR, "#compare-form button[type=submit]").click()
    wait.until(EC.staleness_of(old_table))
    wait.until(EC.presence_of_element_located((By.ID, "series-table")))

    assert series_names(browser) == ["Pyongyang", "North Hamgyong"]
    assert "North Hamgyong" in browser.find_element(By.ID, "title").text
    # North Hamgyong adds the province-only mine H (a3, 2016) to Chongjin's a2 and a4.
    assert read_table(browser) == {"2015": [1, 1], "2016": [1, 1], "2017": [0, 0], "2018": [0, 1]}
    assert "regions=pyongyang%3Bnorth-hamgyong" in browser.find_element(By.ID, "csv-link").get_attribute("href")
    browser.save_screenshot("artifacts/compare.png")
