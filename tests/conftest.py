"""Shared test data. The reference places, industries and sources are loaded once per
session into the test database, as `load_reference` loads them in production."""

from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_reference", verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def release_schema_template():
    """A release's SQLite copy starts from an empty database migrated by this code
    (registry/releases/data.template): ~19 s of CPU, once per process. Between test runs it is
    kept under .pytest_cache/, named by the same fingerprint of Django's version and every
    migration's text that names it in production, so a new migration builds a new one."""
    from registry.releases import data as release_data

    key = release_data.schema_fingerprint()
    path = ROOT / ".pytest_cache" / "release-schema" / f"schema-{key[:16]}.sqlite3"
    if path.exists() and key not in release_data._templates:
        release_data._templates[key] = path.read_bytes()
    yield
    if key in release_data._templates and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        building = path.with_suffix(".part")
        building.write_bytes(release_data._templates[key])
        building.replace(path)


@pytest.fixture
def coder(client):
    """A user in the coder role, signed in on the test client (the admin's tests)."""
    from .admin_support import make_user

    user = make_user("coder")
    client.force_login(user)
    return user


@pytest.fixture
def live_reference(live_server):
    """A live server whose database holds the reference data. Live-server tests run in
    transactional mode, which empties the database after each test; so they load it again."""
    call_command("load_reference", verbosity=0)
    return live_server


@pytest.fixture
def browser():
    """Headless Chromium (Debian's chromium and chromium-driver), driven by Selenium.
    Screenshots go to artifacts/."""
    import os
    from pathlib import Path

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = "/usr/bin/chromium", "/usr/bin/chromedriver"
    if not (os.path.exists(chromium) and os.path.exists(driver_path)):
        pytest.fail("browser tests need Debian's chromium and chromium-driver (.ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1366,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.implicitly_wait(0)
    Path("artifacts").mkdir(exist_ok=True)
    yield driver
    driver.quit()
