"""tests/replication/ runs only under `make test-replicas` (scripts/test_replicas.sh), which
brings up a real primary and two streaming standbys and says where (REGISTRY_REAL_REPLICAS);
the ordinary suite skips this folder. The database is the primary's real one (no test
database: the standbys replicate the whole cluster, and a test database made by pytest-django
would be theirs too, but the aliases would not point at it), migrated once here."""

import os

import pytest

if not os.environ.get("REGISTRY_REAL_REPLICAS"):
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    from django.core.management import call_command

    from tests.api_data import build

    with django_db_blocker.unblock():
        call_command("migrate", verbosity=0)
        call_command("load_reference", verbosity=0)
        data = build()
    return data


@pytest.fixture(scope="session")
def world(django_db_setup):
    return django_db_setup


@pytest.fixture(autouse=True)
def _database(world, django_db_blocker):
    with django_db_blocker.unblock():
        yield
