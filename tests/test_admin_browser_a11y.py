"""The admin's article form (add and change, with its claims inline) and list, and the API
root (the browsable API), in real headless Chromium in English and Korean: axe-core (the
copy the public pages' test runs, tests/vendor, nothing fetched) finds no violation of WCAG
2.x A/AA, and the page's language is on <html>. The inline's fields are named by their
column's header (aria-label, registry/admin/common.py ColumnNamed), the autocompletes by
their field's label (static/registry/autocomplete_names.js), a row added by "Add another"
too."""

import json

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.admin_support import PASSWORD, make_user
from tests.api_data import build
from tests.browser_support import sign_in
from tests.test_pages_browser_a11y import axe, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pages(d):
    return {
        "admin-article-add": "/admin/registry/article/add/",
        "admin-article-change": f"/admin/registry/article/{d.a1.pk}/change/",
        "admin-article-list": "/admin/registry/article/",
        "api-root": "/api/v1/",
    }


@pytest.mark.parametrize("language", ["en", "ko"])
def test_no_axe_violation_on_the_admin_article_form_list_and_api_root(live_reference, browser, language):
    d = build()
    make_user("coder", username="a11y")
    browser.set_script_timeout(60)
    browser.set_window_size(1366, 1000)
    wait = WebDriverWait(browser, 15)
    browser.get(live_reference.url + "/admin/login/")
    browser.add_cookie({"name": "django_language", "value": language})
    sign_in(browser, wait, live_reference.url, "a11y", PASSWORD)
    found = {}
    for name, path in pages(d).items():
        browser.get(live_reference.url + path)
        wait.until(ec.presence_of_element_located((By.TAG_NAME, "body")))
        shoot(browser, f"{language}-{name}-1366")
        violations = axe(browser)
        lang = browser.find_element(By.TAG_NAME, "html").get_attribute("lang")
        if lang != language:
            violations.append(["html-lang", lang, []])
        if violations:
            found[name] = violations
    # A claim row added by "Add another" is named too (select2 builds its box afterwards).
    browser.get(live_reference.url + "/admin/registry/article/add/")
    before = len(browser.find_elements(By.CSS_SELECTOR, "#claims-group .select2-selection[role=combobox]"))
    browser.find_element(By.CSS_SELECTOR, "#claims-group .add-row a").click()
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#claims-group .select2-selection[role=combobox]")) == before + 1)
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, f"#claims-{before} .select2-selection[aria-labelledby^='id_claims-{before}-enterprise-name']"))
    violations = axe(browser)
    if violations:
        found["admin-article-add-another-row"] = violations
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
