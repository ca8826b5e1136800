"""The coder's keystrokes per article with and without proposals (issue 26): the same 10
articles coded in headless Chromium at 1,366 px, each key sent counted (a typed word counts
its letters). Prints the two totals (BENCHMARKS.md) and asserts at least halved."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from registry.models import Article

from .admin_support import PASSWORD, make_article, make_enterprise, make_user, place
from .browser_support import sign_in
from .test_keyboard_browser import active

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENTERPRISES = [
    ("Ryongsong Machine Complex", "hamhung", "ryongs"), ("2.8 Vinalon Complex", "hamhung", "2.8 vin"),
    ("Kim Chaek Iron and Steel Complex", "chongjin", "kim chaek"), ("Musan Mining Complex", "musan", "musan"),
    ("Hungnam Fertilizer Complex", "hungnam", "hungnam"),
]
SENTENCES = {"production": "raised its output", "modernization": "modernized its shops"}


class Counter:
    def __init__(self, browser):
        self.browser, self.keys = browser, 0

    def send(self, *keys):
        self.keys += sum(1 if k.startswith("\ue000") or len(k) == 1 and ord(k) >= 0xE000 else len(k) for k in keys)
        active(self.browser).send_keys(*keys)


def articles(coder, tag):
    made = []
    for n in range(10):
        a, b = ENTERPRISES[n % 5], ENTERPRISES[(n + 2) % 5]
        activity_a, activity_b = ("production", "modernization") if n % 2 else ("modernization", "production")
        text = f"The {a[0]} {SENTENCES[activity_a]}. The {b[0]} {SENTENCES[activity_b]}."
        made.append((make_article(f"{tag} report {n}", status="draft", coded_by=coder, full_text=text),
                     {(a[0], activity_a), (b[0], activity_b)}, [(a[2], activity_a, a[0]), (b[2], activity_b, b[0])]))
    return made


def coded(article):
    return {(c.enterprise.name, c.activity) for c in Article.objects.get(pk=article.pk).claims.select_related("enterprise")}


def test_proposals_at_least_halve_the_keystrokes(live_reference, browser, capsys):
    coder = make_user("coder", username="coder")
    for name, where, _ in ENTERPRISES:
        make_enterprise(name, location=place(where))
    wait = WebDriverWait(browser, 15)
    sign_in(browser, wait, live_reference.url, "coder", PASSWORD)
    batch = articles(coder, "Hand")  # the same 10 texts twice: one set coded each way
    by_hand, with_proposals = Counter(browser), Counter(browser)
    for (article, expected, typed), n in zip(batch, range(10)):
        # By hand: the claims table's first enterprise field (a click to start, as a coder
        # starts reading), then per claim: the name's beginning, Enter, Tab, the activity's
        # first letter (the code follows the activity), Tab twice to the next row.
        browser.get(live_reference.url + f"/admin/registry/article/{article.pk}/change/?noproposals")
        browser.execute_script("document.getElementById('proposals') && document.getElementById('proposals').remove()")
        browser.find_element(By.CSS_SELECTOR, "#claims-0 .select2-selection").click()
        for row, (prefix, activity, name) in enumerate(typed):
            if row:
                browser.find_element(By.CSS_SELECTOR, f"#claims-{row} .select2-selection").click()
            by_hand.send(prefix)
            wait.until(lambda b: any(name in o.text for o in b.find_elements(By.CSS_SELECTOR, ".select2-results__option--highlighted")))
            by_hand.send(Keys.RETURN)
            by_hand.send(Keys.TAB)
            by_hand.send(activity[0])
        browser.find_element(By.NAME, "_save").click()
        wait.until(lambda b: b.find_elements(By.ID, "changelist"))
        assert coded(article) == expected, n
    for article, expected, _ in articles(coder, "Proposed"):
        browser.get(live_reference.url + f"/admin/registry/article/{article.pk}/change/")
        wait.until(lambda b: active(b).get_attribute("class") == "proposal")
        for _ in range(len(expected)):
            with_proposals.send(Keys.RETURN)
        wait.until(lambda b: active(b).get_attribute("name") == "_save")
        with_proposals.send(Keys.RETURN)
        wait.until(lambda b: b.find_elements(By.ID, "changelist"))
        assert coded(article) == expected
    with capsys.disabled():
        print(f"\nkeystrokes for 10 articles: by hand {by_hand.keys}, with proposals {with_proposals.keys}")
    assert with_proposals.keys * 2 <= by_hand.keys
