"""Keyboard-first entry in a real headless Chromium at 1,366 px: an article with two claims
entered without the mouse (the autocomplete opens as you type; Tab goes enterprise ->
activity -> code -> detail), and the article form and the lists fit the screen.
Screenshots go to artifacts/, or docs/screenshots/ with SAVE_SCREENSHOTS=1."""


import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from registry.models import Article

from .admin_support import PASSWORD, make_article, make_enterprise, make_user, place
from .browser_support import screenshot_path, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def active(browser):
    return browser.switch_to.active_element


def describe(element):
    return element.get_attribute("name") or element.get_attribute("class") or element.tag_name


def type_keys(browser, *keys):
    active(browser).send_keys(*keys)


def tab_to(browser, test, limit=8):
    """Press Tab until `test(active element)` holds; return how many Tabs it took."""
    for presses in range(1, limit + 1):
        type_keys(browser, Keys.TAB)
        if test(active(browser)):
            return presses
    raise AssertionError(f"not reached in {limit} Tabs; at {describe(active(browser))}")


def page_width(browser):
    return browser.execute_script("return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def enter_claim(browser, wait, row, typed, shown, activity, code, detail):
    selection = browser.find_element(By.CSS_SELECTOR, f"#claims-{row} .select2-selection")
    assert active(browser) == selection, describe(active(browser))
    type_keys(browser, typed)  # opens the autocomplete: no Enter, no click
    wait.until(ec.visibility_of_element_located(
        (By.XPATH, f"//li[contains(@class, 'select2-results__option--highlighted') and contains(., '{shown}')]")
    ))
    type_keys(browser, Keys.RETURN)
    wait.until(lambda b: shown in b.find_element(By.CSS_SELECTOR, f"#claims-{row} .select2-selection__rendered").text)
    assert tab_to(browser, lambda e: e.get_attribute("name") == f"claims-{row}-activity") == 1
    type_keys(browser, activity)
    assert tab_to(browser, lambda e: e.get_attribute("name") == f"claims-{row}-code") == 1
    type_keys(browser, code)
    assert tab_to(browser, lambda e: e.get_attribute("name") == f"claims-{row}-detail") == 1
    type_keys(browser, detail)


def test_an_article_with_two_claims_entered_without_the_mouse(live_reference, browser):
    make_user("coder", username="coder")
    steel = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
    mine = make_enterprise("Musan Mining Complex", kind="mine", location=place("musan"))
    wait = WebDriverWait(browser, 15)
    sign_in(browser, wait, live_reference.url, "coder", PASSWORD)
    browser.get(live_reference.url + "/admin/registry/article/add/")

    browser.find_element(By.NAME, "source").send_keys("KCNA")  # focus the first field, type
    tab_to(browser, lambda e: e.get_attribute("name") == "published")
    type_keys(browser, "2016-10")
    tab_to(browser, lambda e: e.get_attribute("name") == "title")
    type_keys(browser, "Steel and ore for the 200-day campaign")
    tab_to(browser, lambda e: e.get_attribute("name") == "summary")
    type_keys(browser, "Kim Chaek and Musan report plans overfulfilled.")
    tab_to(browser, lambda e: "select2-selection" in (e.get_attribute("class") or "") and e.find_elements(By.XPATH, "ancestor::tr[@id='claims-0']"), limit=20)

    enter_claim(browser, wait, 0, "kimchaek", "Kim Chaek", "production", "5", "rolled steel plan overfulfilled")
    tab_to(browser, lambda e: "select2-selection" in (e.get_attribute("class") or "") and e.find_elements(By.XPATH, "ancestor::tr[@id='claims-1']"))
    enter_claim(browser, wait, 1, "musan", "Musan", "operation", "4", "ore shipped")
    browser.save_screenshot(screenshot_path("article-keyboard-entry-1366.png"))
    type_keys(browser, Keys.RETURN)  # Enter in a text field: the form's first button, Save

    wait.until(ec.presence_of_element_located((By.ID, "changelist")))
    article = Article.objects.get(title="Steel and ore for the 200-day campaign")
    assert (article.published.isoformat(), article.precision) == ("2016-10-01", "month")
    claims = {(c.enterprise_id, c.activity, c.code, c.detail) for c in article.claims.all()}
    assert claims == {(steel.pk, "production", 5, "rolled steel plan overfulfilled"), (mine.pk, "operation", 4, "ore shipped")}


def test_the_article_form_and_the_lists_fit_1366_pixels(live_reference, browser):
    make_user("coder", username="coder")
    steel = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("songpyong"), products="pig iron, rolled steel")
    for i in range(30):
        make_enterprise(f"Ryongsong Machine Complex Affiliated Works No. {i}", location=place("hungnam"))
    article = make_article("A long headline " * 12, claims=[(steel, "production", 5)], summary="Text " * 100)
    wait = WebDriverWait(browser, 15)
    sign_in(browser, wait, live_reference.url, "coder", PASSWORD)
    assert browser.execute_script("return window.innerWidth") <= 1366
    for name, url in [
        ("article-form", f"/admin/registry/article/{article.pk}/change/"),
        ("article-add", "/admin/registry/article/add/"),
        ("article-list", "/admin/registry/article/"),
        ("enterprise-list", "/admin/registry/enterprise/"),
    ]:
        browser.get(live_reference.url + url)
        wait.until(ec.presence_of_element_located((By.ID, "content")))
        width, window = page_width(browser), browser.execute_script("return window.innerWidth")
        browser.save_screenshot(screenshot_path(f"{name}-1366.png"))
        assert width <= window, f"{name}: {width} px wide in a {window} px window"
        # nothing scrolls sideways inside the page either (a list or the claims table)
        cut = browser.execute_script(
            "return [...document.querySelectorAll('#content div, #content fieldset, #content table')]"
            ".filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible'"
            " && !e.closest('.select2-container')).map(e => e.id || e.className)"
        )
        assert cut == [], f"{name}: scrolls sideways inside {cut}"
    # every column of the enterprise list is on screen, first/last seen included
    browser.get(live_reference.url + "/admin/registry/enterprise/")
    for column in ("industry", "claim_total", "first_seen", "last_seen"):
        right = browser.execute_script(f"return document.querySelector('#result_list th.column-{column}').getBoundingClientRect().right")
        left_of_filters = browser.execute_script("return document.querySelector('#changelist-filter').getBoundingClientRect().left")
        assert right <= left_of_filters, column
