"""Every public page in real headless Chromium, in English and Korean: axe-core 4.14.1
(shipped in tests/vendor from its npm package, MPL-2.0; nothing fetched) finds no violation
of WCAG 2.x A/AA; at 390 and 320 px no page scrolls sideways (tables scroll in their own
box); the skip link is the first thing the keyboard reaches and takes focus to the content.

Screenshots (1,366 and 390 px, both languages, and /compare/ printed as PDF) go to artifacts/;
with SAVE_SCREENSHOTS=1 also to docs/screenshots/."""

import os
import shutil
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from registry.models import Location
from tests.api_data import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def pages(d):
    return {
        "home": "/", "enterprise-list": "/enterprises/", "enterprise": f"/enterprises/{d.e1.pk}/",
        "place": "/places/chongjin/", "method": "/method/", "map": "/map/", "compare": "/compare/",
        "compare-error": "/compare/?regions=chongjinn", "enterprise-list-error": "/enterprises/?grade=golden",
    }


def open_in(browser, url, language):
    browser.get(url)
    browser.add_cookie({"name": "django_language", "value": language})
    browser.get(url)


def shoot(browser, name):
    Path("artifacts").mkdir(exist_ok=True)
    path = Path("artifacts") / f"{name}.png"
    browser.save_screenshot(str(path))
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)


def axe(browser):
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(' '))])))"
        ".catch(e => done([['axe-error', String(e), []]]));"
    )
    return result


@pytest.mark.parametrize("language", ["en", "ko"])
def test_no_axe_violation_and_no_sideways_scroll(live_reference, browser, language):
    d = build()
    browser.set_script_timeout(60)
    found, overflowing = {}, {}
    for name, path in pages(d).items():
        browser.set_window_size(1366, 1000)
        open_in(browser, live_reference.url + path, language)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
        shoot(browser, f"{language}-{name}-1366")
        violations = axe(browser)
        if violations:
            found[name] = violations
        for width in (390, 320):
            browser.set_window_size(width, 900)
            inner = browser.execute_script("return window.innerWidth")
            scroll = browser.execute_script("return document.documentElement.scrollWidth")
            if scroll > inner + 1:
                overflowing[f"{name}@{width}"] = scroll
            if width == 390:
                shoot(browser, f"{language}-{name}-390")
    assert found == {}
    assert overflowing == {}


def test_the_skip_link_comes_first_and_moves_focus(live_reference, browser):
    build()
    browser.set_window_size(1366, 900)
    browser.get(live_reference.url + "/map/")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    first = browser.switch_to.active_element
    assert first.get_attribute("class") == "skip-link"
    first.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "main"


def test_compare_prints_its_whole_table_and_version(live_reference, browser):
    """Printed as the browser prints (CDP Page.printToPDF): the PDF is written; the print
    styles keep the table unclipped and the version footer shown."""
    import base64

    build()
    browser.set_window_size(1366, 1000)
    browser.get(live_reference.url + "/compare/?group_by=region")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    wrap = browser.find_element(By.CSS_SELECTOR, ".table-wrap")
    assert browser.execute_script("return getComputedStyle(arguments[0]).overflowX", wrap) == "visible"
    assert browser.find_element(By.ID, "data-version").is_displayed()
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    Path("artifacts").mkdir(exist_ok=True)
    Path("artifacts/compare-print.pdf").write_bytes(base64.b64decode(pdf["data"]))
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        shutil.copy("artifacts/compare-print.pdf", DOCS / "compare-print.pdf")
