"""A coder working in Korean, in a real headless Chromium that asks for Korean
(Accept-Language: ko): an article entered with only a Korean headline, its enterprise found
in the autocomplete by 김책제철 (part of its Hangul name 김책제철련합기업소), saved, and
the article found again in the admin's search by 제철, a fragment inside the headline's
first word. Screenshot: korean-search-1366.png (tests/browser_support.screenshot_path)."""

import os

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from registry.models import Article

from .admin_support import PASSWORD, make_enterprise, make_user, place
from .browser_support import screenshot_path, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADLINE = "김책제철련합기업소에서 산소분리기 설치"


@pytest.fixture
def korean_browser():
    """Headless Chromium as the conftest's `browser`, but whose user prefers Korean."""
    chromium, driver_path = "/usr/bin/chromium", "/usr/bin/chromedriver"
    if not (os.path.exists(chromium) and os.path.exists(driver_path)):
        pytest.fail("browser tests need Debian's chromium and chromium-driver (.ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1366,900", "--lang=ko"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "ko,ko-KR"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def test_a_korean_headline_entered_and_found_by_a_fragment(live_reference, korean_browser):
    browser = korean_browser
    make_user("coder", username="coder")
    steel = make_enterprise("Kim Chaek Iron and Steel Complex", hangul="김책제철련합기업소", location=place("chongjin"))
    make_enterprise("Hwanghae Iron and Steel Complex", hangul="황해제철련합기업소", location=place("songnim"))
    wait = WebDriverWait(browser, 15)
    sign_in(browser, wait, live_reference.url, "coder", PASSWORD)
    assert browser.execute_script("return navigator.languages[0]").startswith("ko")

    browser.get(live_reference.url + "/admin/registry/article/add/")
    Select(browser.find_element(By.NAME, "source")).select_by_visible_text("Rodong Sinmun")
    browser.find_element(By.NAME, "published").send_keys("2019-04-15")
    browser.find_element(By.NAME, "title_ko").send_keys(HEADLINE)  # no English headline
    # 김책제철: a fragment of the Hangul name; Hwanghae's 황해제철… must not be offered.
    browser.find_element(By.CSS_SELECTOR, "#claims-0 .select2-selection").click()
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".select2-search__field"))).send_keys("김책제철")
    # select2 asks again on every keystroke: wait for the answer to the whole word.
    def offered(b):
        return [o.text for o in b.find_elements(By.CSS_SELECTOR, ".select2-results__option")]

    try:
        # The choice names the enterprise, its Hangul and its place (one name index, issue 26).
        wait.until(lambda b: [o.split(" · ")[0] for o in offered(b)] == ["Kim Chaek Iron and Steel Complex"])
    except TimeoutException:
        raise AssertionError(f"offered {offered(browser)}") from None
    browser.find_element(By.XPATH, "//li[contains(@class, 'select2-results__option') and contains(., 'Kim Chaek')]").click()
    Select(browser.find_element(By.NAME, "claims-0-activity")).select_by_value("facility")
    Select(browser.find_element(By.NAME, "claims-0-code")).select_by_value("2")
    browser.find_element(By.NAME, "_save").click()
    wait.until(ec.presence_of_element_located((By.ID, "changelist")))

    article = Article.objects.get(title_ko=HEADLINE)
    assert article.title == ""
    assert [(c.enterprise_id, c.activity, c.code) for c in article.claims.all()] == [(steel.pk, "facility", 2)]

    browser.get(live_reference.url + "/admin/registry/article/?q=제철")
    wait.until(ec.presence_of_element_located((By.ID, "result_list")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    browser.save_screenshot(screenshot_path("korean-search-1366.png"))
    assert len(rows) == 1 and HEADLINE in rows[0].text  # the headline falls back to the Korean one
