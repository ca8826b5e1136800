"""End to end in a real headless Chromium: a coder logs in, enters an article with one claim
through the enterprise autocomplete, saves it and finds it in the list."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from registry.models import Article

from .admin_support import PASSWORD, make_enterprise, make_user, source
from .browser_support import pick_enterprise, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coder_enters_an_article_with_a_claim(live_reference, browser):
    make_user("coder", username="coder")
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex")
    make_enterprise("Musan Mining Complex", kind="mine")
    wait = WebDriverWait(browser, 15)

    sign_in(browser, wait, live_reference.url, "coder", PASSWORD)

    browser.get(live_reference.url + "/admin/registry/article/add/")
    Select(browser.find_element(By.NAME, "source")).select_by_value(str(source("KCNA").pk))
    browser.find_element(By.NAME, "published").send_keys("2019-04-15")
    browser.find_element(By.NAME, "title").send_keys("Oxygen furnace completed at Kim Chaek")
    browser.find_element(By.NAME, "summary").send_keys("A new oxygen furnace was completed.")

    # The enterprise autocomplete (select2): type a spelling the name does not hold as typed.
    pick_enterprise(browser, wait, 0, "kimchaek iron & steel", "Kim Chaek")

    Select(browser.find_element(By.NAME, "claims-0-activity")).select_by_value("production")
    # The codebook's suggestion for production claims, pre-selected by claim_codes.js.
    assert browser.find_element(By.NAME, "claims-0-code").get_attribute("value") == "5"
    Select(browser.find_element(By.NAME, "claims-0-code")).select_by_value("2")
    browser.find_element(By.NAME, "claims-0-detail").send_keys("new oxygen furnace")
    Select(browser.find_element(By.NAME, "status")).select_by_value("coded")
    browser.find_element(By.NAME, "_save").click()

    wait.until(ec.presence_of_element_located((By.ID, "changelist")))
    browser.find_element(By.ID, "searchbar").send_keys("Oxygen furnace" + Keys.RETURN)
    wait.until(ec.presence_of_element_located((By.XPATH, "//table[@id='result_list']//a[contains(., 'Oxygen furnace completed at Kim Chaek')]")))
    browser.save_screenshot("artifacts/admin_article.png")

    article = Article.objects.get(title="Oxygen furnace completed at Kim Chaek")
    claim = article.claims.get()
    assert (claim.enterprise_id, claim.activity, claim.code, claim.detail) == (kim_chaek.pk, "production", 2, "new oxygen furnace")
    assert (article.status, article.coded_by.username) == ("coded", "coder")
