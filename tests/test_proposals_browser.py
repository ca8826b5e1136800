"""The article form's proposed claims in headless Chromium at 1,366 px (issue 26): accepted,
edited and dropped by keyboard; "Add another claim" puts the focus in the new row; the
claims table with long labels fits. Screenshots in artifacts/ (docs/screenshots/ with
SAVE_SCREENSHOTS=1)."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from registry.models import Article

from .admin_support import PASSWORD, make_article, make_enterprise, make_user, place
from .browser_support import screenshot_path, sign_in
from .test_keyboard_browser import active, page_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_proposals_are_accepted_edited_and_dropped_by_keyboard(live_reference, browser):
    make_user("coder", username="coder")
    vinalon = make_enterprise("2.8 Vinalon Complex", hangul="2.8비날론련합기업소", location=place("hamhung"))
    ryongsong = make_enterprise("Ryongsong Machine Complex", hangul="룡성기계련합기업소", location=place("hamhung"))
    article = make_article(
        "Kim Jong Il in Hamhung", status="draft", summary="",
        full_text="He toured the February 8 Vinalon Complex, which raised output. The Ryongsong Machine Complex "
                  "has modernized its shops. A new Hamhung Bag Factory was built.",
    )
    Article.objects.filter(pk=article.pk).update(coded_by=None)
    wait = WebDriverWait(browser, 15)
    sign_in(browser, wait, live_reference.url, "coder", PASSWORD)
    # the coder is no reviewer: make the draft theirs to see
    from django.contrib.auth import get_user_model
    Article.objects.filter(pk=article.pk).update(coded_by=get_user_model().objects.get(username="coder"))
    browser.get(live_reference.url + f"/admin/registry/article/{article.pk}/change/")
    items = wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#proposals .proposal"))
    assert len(items) == 3
    browser.execute_script("document.getElementById('proposals').scrollIntoView()")
    browser.save_screenshot(screenshot_path("article-proposals-1366.png"))
    # the same page in Korean (the language cookie), then back
    browser.add_cookie({"name": "django_language", "value": "ko"})
    browser.refresh()
    wait.until(lambda b: "제안된 주장 3건" in b.find_element(By.ID, "proposals").text)
    browser.execute_script("document.getElementById('proposals').scrollIntoView()")
    browser.save_screenshot(screenshot_path("article-proposals-ko-1366.png"))
    browser.delete_cookie("django_language")
    browser.refresh()
    items = wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#proposals .proposal"))
    items[0].click()  # focus the first proposal (the only mouse use: to start)
    active(browser).send_keys(Keys.RETURN)  # accept: row 0
    assert browser.find_element(By.NAME, "claims-0-enterprise").get_attribute("value") == str(vinalon.pk)
    assert browser.find_element(By.NAME, "claims-0-activity").get_attribute("value") == "production"
    assert browser.find_element(By.NAME, "claims-0-code").get_attribute("value") == "5"
    active(browser).send_keys("e")  # the focus moved to the next proposal: accept it to edit
    assert browser.find_element(By.NAME, "claims-1-enterprise").get_attribute("value") == str(ryongsong.pk)
    assert active(browser).find_elements(By.XPATH, "ancestor::tr[@id='claims-1']")  # in the row to edit
    remaining = browser.find_element(By.CSS_SELECTOR, "#proposals .proposal")
    remaining.send_keys("d")  # drop the new enterprise
    assert browser.find_elements(By.CSS_SELECTOR, "#proposals .proposal") == []
    # "Add another claim": the focus is in the new row
    browser.find_element(By.CSS_SELECTOR, "#claims-group .add-row a").click()
    wait.until(lambda b: b.find_elements(By.ID, "claims-2"))
    wait.until(lambda b: active(b).find_elements(By.XPATH, "ancestor::tr[@id='claims-2']"))
    assert page_width(browser) <= browser.execute_script("return window.innerWidth")
    browser.save_screenshot(screenshot_path("article-proposals-accepted-1366.png"))
    browser.find_element(By.NAME, "_continue").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".messagelist")))
    assert {(c.enterprise_id, c.activity) for c in Article.objects.get(pk=article.pk).claims.all()} == {
        (vinalon.pk, "production"), (ryongsong.pk, "modernization")}
