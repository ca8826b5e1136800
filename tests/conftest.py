"""Shared test data. The reference places, industries and sources are loaded once per
session into the test database, as `load_reference` loads them in production."""

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_reference", verbosity=0)
