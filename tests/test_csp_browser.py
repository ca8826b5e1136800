"""The Content-Security-Policy in a real browser, on the real pages: the coders' admin
(article form with the claims inline, the enterprise autocomplete, the code pre-selection,
the bulk import, history pages), /compare/ and Swagger UI. Every violation the browser
reports is recorded and the test fails on any."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from registry.models import Article, Enterprise

from .admin_support import PASSWORD, make_article, make_enterprise, make_user, place
from .browser_support import pick_enterprise
from .timeseries_data import build as build_timeseries

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script and outside the page's policy, recording every violation.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + location.pathname));
"""


def test_the_admin_the_pages_and_swagger_ui_work_under_the_policy(live_reference, browser):
    make_user("admin", username="boss")
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
    kim_chaek.products = "steel"
    kim_chaek.save()
    article = make_article("Oxygen furnace completed", claims=[(kim_chaek, "facility", 2)])
    article.summary = "A furnace."
    article.save()
    build_timeseries()

    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    wait = WebDriverWait(browser, 15)
    seen = []

    def visit(url):
        browser.get(live_reference.url + url)
        wait.until(lambda b: b.execute_script("return document.readyState") == "complete")

    def violations():
        found = browser.execute_script("return window.__csp")
        assert found is not None, "the violation recorder did not run"
        seen.extend(found)
        return found

    visit("/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys("boss")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait.until(ec.url_to_be(live_reference.url + "/admin/"))
    assert violations() == []

    # The article form: enterprise autocomplete (select2, an XHR) in the claims inline, and
    # claim_codes.js pre-selecting the suggested code.
    visit("/admin/registry/article/add/")
    pick_enterprise(browser, wait, 0, "Kim Chaek", "Kim Chaek")
    Select(browser.find_element(By.NAME, "claims-0-activity")).select_by_value("production")
    assert browser.find_element(By.NAME, "claims-0-code").get_attribute("value") == "5"
    # "Add another claim" (inlines.js) builds a row from the template.
    browser.find_element(By.CSS_SELECTOR, "#claims-group .add-row a").click()
    wait.until(ec.presence_of_element_located((By.ID, "claims-2")))
    assert violations() == []

    enterprise_history = Enterprise.history.filter(id=kim_chaek.pk).order_by("history_id").first().history_id
    article_history = Article.history.filter(id=article.pk).order_by("history_id").first().history_id
    for url in (
        f"/admin/registry/article/{article.pk}/change/",
        f"/admin/registry/article/{article.pk}/history/",
        f"/admin/registry/article/{article.pk}/history/{article_history}/",
        "/admin/registry/article/",
        "/admin/registry/article/import/",
        f"/admin/registry/enterprise/{kim_chaek.pk}/change/",
        f"/admin/registry/enterprise/{kim_chaek.pk}/history/",
        f"/admin/registry/enterprise/{kim_chaek.pk}/history/{enterprise_history}/",
        "/admin/registry/enterprise/",
        "/admin/registry/claim/",
        "/admin/api/apitoken/add/",
        "/admin/auth/group/add/",
    ):
        visit(url)
        assert violations() == [], url
        assert browser.find_elements(By.ID, "content"), url

    # The enterprise form's own autocompletes (place, industry, parent complex).
    visit("/admin/registry/enterprise/add/")
    browser.find_element(By.CSS_SELECTOR, ".field-location .select2-selection").click()
    browser.find_element(By.CSS_SELECTOR, ".select2-search__field").send_keys("Chongjin")
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".select2-results__option--highlighted"), "Chongjin"))
    assert violations() == []

    # The comparison page draws its chart.
    visit("/compare/")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#chart g.series")))
    assert violations() == []

    # Swagger UI renders the schema (its start-up script ran under the nonce).
    visit("/api/docs/")
    title = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info .title")))
    assert "North Korean enterprise registry API" in title.text
    assert violations() == []
    assert seen == []

    # The recorder does see a violation: an image from another origin is blocked (before any
    # request leaves the machine) and reported.
    browser.execute_script("var i = new Image(); i.src = 'http://203.0.113.9/x.png'; document.body.appendChild(i);")
    wait.until(lambda b: b.execute_script("return window.__csp.length") > 0)
    assert violations()[0].startswith("img-src http://203.0.113.9/x.png")
