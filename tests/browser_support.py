"""Steps the browser tests share: signing in to the admin, and picking an enterprise in the
claims inline's autocomplete (select2)."""

import os
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec


def sign_in(browser, wait, base_url, username, password):
    browser.get(base_url + "/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(password + Keys.RETURN)
    wait.until(ec.presence_of_element_located((By.ID, "user-tools")))


def pick_enterprise(browser, wait, row, typed, shown):
    """Type `typed` into claim row `row`'s enterprise autocomplete and pick the option
    whose text contains `shown`."""
    browser.find_element(By.CSS_SELECTOR, f"#claims-{row} .select2-selection").click()
    search = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".select2-search__field")))
    search.send_keys(typed)
    option = wait.until(ec.element_to_be_clickable(
        (By.XPATH, f"//li[contains(@class, 'select2-results__option') and contains(., '{shown}')]")
    ))
    option.click()


def screenshot_path(name):
    """Where a browser test keeps its screenshot: artifacts/ (kept out of git, collected as CI
    artifacts), or docs/screenshots/ with SAVE_SCREENSHOTS=1, to refresh the ones the README
    shows without dirtying the tree on every run."""
    root = Path(__file__).resolve().parent.parent
    folder = root / ("docs/screenshots" if os.environ.get("SAVE_SCREENSHOTS") == "1" else "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / name)
